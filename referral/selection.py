"""The pain map's edits as pure functions: chart selections, undo, and reading a shared link.

A plotly chart reports a selection as ``{"selection": {"points": [...], "lasso": [...]}}``
(Streamlit's ``on_select`` event). :func:`apply_selection` turns one such event into a new
:class:`~referral.drawing.Drawing`, according to the tool in use:

- ``"tap"``: every region named by a point's ``customdata`` is toggled, once per event
  (two points in one region toggle it once). Unknown ids and points without a region
  (an exit marker, a joint) are ignored.
- ``"outline"``: the area each lasso path encloses is added to the view
  (:meth:`Drawing.with_outline`: self-crossings repaired, clipped to the view's frame).
- ``"erase"``: the area each lasso path encloses is removed from the view
  (:meth:`Drawing.without_outline`: part of a tapped region stays painful as an outline).

An empty event (a second click on the same point deselects it; a double click clears)
changes nothing. A lasso that cannot be used (fewer than 3 points, no area, too small) is
skipped; :func:`edit` also says why. Nothing here raises on a malformed event.

:class:`History` keeps the drawings an undo can return to. :func:`read_drawing_text` reads
the drawing kept in the page link, keeping whatever parts of a tampered or truncated value
can still be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from shapely.geometry import MultiPolygon, Polygon

from referral.drawing import Drawing, DrawingError
from referral.formats import (
    MAX_TEXT_CHARS,
    NOT_CANONICAL,
    TEXT_VERSION,
    TEXT_VERSIONS,
    UNCHECKED_TEXT_VERSION,
    read_outline_part,
    read_rating,
    split_part,
    split_text,
)
from referral.outline import shorten
from referral.regions import Regions
from referral.schema import View

Tool = Literal["tap", "outline", "erase"]
#: The tools in the order the page offers them, with their labels (the first is the default).
TOOLS: dict[Tool, str] = {"tap": "Tap regions", "outline": "Outline", "erase": "Erase"}
#: Most drawings an undo can go back through.
UNDO_LIMIT = 100
#: Most problems reported for one link (the rest are counted, not listed).
MAX_PROBLEMS = 5
#: Most parts of a damaged link that are tried one by one.
MAX_LINK_PARTS = 2_000


@dataclass(frozen=True)
class Edit:
    """The drawing after an event, and why any part of the event was not used."""

    drawing: Drawing
    problems: tuple[str, ...] = ()


def _selection(event: Any) -> Mapping[str, Any]:
    """The ``selection`` mapping of an event, or an empty one for anything malformed."""
    if not isinstance(event, Mapping):
        return {}
    selection = event.get("selection")
    return selection if isinstance(selection, Mapping) else {}


def _items(value: Any) -> list[Any]:
    """``value`` as a list when it is a list or tuple, else empty."""
    return list(value) if isinstance(value, list | tuple) else []


def tapped_regions(event: Any, regions: Regions) -> list[str]:
    """Known region ids named by the event's points, each once, in the order tapped.

    A point's ``customdata`` is the region id, or a list whose first item is the id.

    >>> from referral.regions import load_regions
    >>> event = {"selection": {"points": [{"customdata": "left-groin"},
    ...     {"customdata": ["left-groin"]}, {"customdata": "nowhere"}, {"x": 3}]}}
    >>> tapped_regions(event, load_regions())
    ['left-groin']
    """
    known = regions.table.index
    found: dict[str, None] = {}
    for point in _items(_selection(event).get("points")):
        data = point.get("customdata") if isinstance(point, Mapping) else None
        if isinstance(data, list | tuple):
            data = data[0] if data else None
        if isinstance(data, str) and data in known:
            found[data] = None
    return list(found)


def lasso_paths(event: Any) -> list[np.ndarray]:
    """Every lasso path of the event with at least 3 points, as an ``(n, 2)`` array.

    Shorter or malformed paths (a click with the lasso tool) are left out; other unusable
    paths are kept for :meth:`Drawing.with_outline` to say what is wrong with them.

    >>> lasso_paths({"selection": {"lasso": [{"x": [0, 1, 1], "y": [0, 0, 1]}]}})[0].tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0]]
    """
    paths = []
    for lasso in _items(_selection(event).get("lasso")):
        if not isinstance(lasso, Mapping):
            continue
        xs, ys = _items(lasso.get("x")), _items(lasso.get("y"))
        if len(xs) != len(ys) or len(xs) < 3:
            continue
        try:
            paths.append(np.column_stack([np.asarray(xs, float), np.asarray(ys, float)]))
        except (TypeError, ValueError, OverflowError):
            continue
    return paths


def edit(drawing: Drawing, event: Any, tool: Tool, view: View, regions: Regions) -> Edit:
    """Apply one chart event made with ``tool`` on ``view`` (see the module docstring)."""
    if tool == "tap":
        tapped = tapped_regions(event, regions)
        on = [rid for rid in tapped if rid not in drawing.regions]
        off = [rid for rid in tapped if rid in drawing.regions]
        result = drawing.without_regions(off) if off else drawing
        return Edit(result.with_regions(on, regions) if on else result)
    problems: list[str] = []
    for path in lasso_paths(event):
        try:
            if tool == "outline":
                drawing = drawing.with_outline(view, path)
            elif tool == "erase":
                drawing = drawing.without_outline(view, path, regions)
        except DrawingError as exc:
            problems.append(str(exc))
    return Edit(drawing, tuple(problems))


def apply_selection(
    drawing: Drawing, event: Any, tool: Tool, view: View, regions: Regions
) -> Drawing:
    """The drawing after one chart event made with ``tool`` on ``view`` (:func:`edit`)."""
    return edit(drawing, event, tool, view, regions).drawing


@dataclass(frozen=True)
class History:
    """The current drawing and the drawings before it, most recent last (for Undo)."""

    current: Drawing = field(default_factory=Drawing)
    past: tuple[Drawing, ...] = ()

    def commit(self, drawing: Drawing) -> History:
        """Make ``drawing`` current; the old one becomes undoable (unless they are equal).
        Only the last :data:`UNDO_LIMIT` drawings are kept."""
        if drawing == self.current:
            return self
        return History(drawing, (*self.past, self.current)[-UNDO_LIMIT:])

    def undo(self) -> History:
        """Go back to the drawing before the current one (no change when there is none)."""
        if not self.past:
            return self
        return History(self.past[-1], self.past[:-1])

    @property
    def can_undo(self) -> bool:
        """True when there is a drawing to go back to."""
        return bool(self.past)


def read_drawing_text(text: str, regions: Regions) -> Edit:
    """Read the drawing kept in a link (:meth:`Drawing.to_text`), forgivingly.

    A value that reads whole gives its drawing and no problems. Otherwise every ``~`` part
    is read on its own and the parts that can be read are kept: known region ids of an
    ``r`` part, readable ratings of an ``i`` part (for regions still painful), and each
    ``o`` polygon that reads as written. The problems say what was dropped, and for a
    version 2 text whose check part is missing or does not match, that it was cut short or
    edited, even when every part left reads (they may quote the text: show them as plain
    text only).
    """
    if not text:
        return Edit(Drawing())
    version, parts, check = split_text(text[: MAX_TEXT_CHARS + 1])
    if len(text) > MAX_TEXT_CHARS or version not in TEXT_VERSIONS:
        try:  # refused before any part is read: the strict reader says why
            return Edit(Drawing.from_text(text, regions))
        except DrawingError as exc:
            return Edit(Drawing(), (str(exc),))
    problems = [] if check is None else [check]
    if len(parts) > MAX_LINK_PARTS:
        problems.append(f"only the first {MAX_LINK_PARTS} of {len(parts)} parts were read")
    ids: list[str] = []
    ratings: list[tuple[str, str]] = []
    areas: dict[View, list[Polygon]] = {}
    for number, part in enumerate(parts[:MAX_LINK_PARTS], start=1):
        where = f"part {number}"
        try:
            kind, fields = split_part(part, where)
            if kind == "o":
                view, polygon = read_outline_part(fields, where)
                areas.setdefault(view, []).append(polygon)
        except DrawingError as exc:
            problems.append(str(exc))
            continue
        if kind == "r":
            ids += [rid for rid in fields if rid in regions.table.index]
            unknown = [rid for rid in fields if rid and rid not in regions.table.index]
            problems += [f"{where}: unknown region {_quote(rid)}" for rid in unknown]
        elif kind == "i":
            ratings += [(where, item) for item in fields if item]
    drawing, more = _assemble(ids, areas, ratings, regions)
    problems += more
    # Every part read: the link is whole if it is the drawing's own text (what
    # Drawing.from_text checks, without reading the parts twice).
    written = drawing.to_text().rpartition("~")[0]  # without the check part
    body = text if version == UNCHECKED_TEXT_VERSION else text.rpartition("~")[0]
    if not problems and written != TEXT_VERSION + body[len(version) :]:
        problems.append(NOT_CANONICAL)
    return Edit(drawing, _summarise(problems))


def _assemble(
    ids: Iterable[str],
    areas: Mapping[View, Sequence[Polygon]],
    ratings: Iterable[tuple[str, str]],
    regions: Regions,
) -> tuple[Drawing, list[str]]:
    """A drawing from what :func:`read_drawing_text` could read, and what did not fit."""
    problems: list[str] = []
    drawing = Drawing.from_regions(ids, regions)
    for view, polygons in areas.items():
        drawing, dropped = _with_polygons(drawing, view, polygons)
        problems += dropped
    for where, item in ratings:
        try:
            drawing = drawing.with_intensity(*read_rating(item), regions)
        except DrawingError as exc:
            problems.append(f"{where}: {exc}")
    return drawing, problems


def _with_polygons(
    drawing: Drawing, view: View, polygons: Sequence[Polygon]
) -> tuple[Drawing, list[str]]:
    """``drawing`` with ``polygons`` added to ``view``, and why any were left out.

    All are added with one union (the cost of one canonicalisation, whatever their number:
    adding them one at a time cost the square of their number, seconds for a crafted link of
    a few hundred tiny outlines). If together they do not fit (the merged outline's text
    would be too long), the first half is tried, then the second, halving down to the first
    polygon that does not fit, which is left out with all after it: at most about
    2·log2(n) attempts.
    """
    drawing, used, problem = _fit(drawing, view, polygons)
    if problem is None:
        return drawing, []
    rest = len(polygons) - used - 1
    more = [f"{rest} more outline{'s' * (rest > 1)} left out"] if rest else []
    return drawing, [problem, *more]


def _fit(
    drawing: Drawing, view: View, polygons: Sequence[Polygon]
) -> tuple[Drawing, int, str | None]:
    """(``drawing`` with the first polygons that fit, how many, why the next did not)."""
    try:
        return drawing.with_area(view, MultiPolygon(list(polygons))), len(polygons), None
    except DrawingError as exc:
        if len(polygons) == 1:
            return drawing, 0, str(exc)
    half = len(polygons) // 2
    drawing, used, problem = _fit(drawing, view, polygons[:half])
    if problem is not None:
        return drawing, used, problem
    drawing, more, problem = _fit(drawing, view, polygons[half:])
    return drawing, half + more, problem


def _quote(text: str, limit: int = 40) -> str:
    """``text`` in quotes, cut to ``limit`` characters with an ellipsis.

    >>> _quote("abcdef", 4)
    "'abc…'"
    """
    return repr(shorten(text, limit))


def _summarise(problems: list[str]) -> tuple[str, ...]:
    """The first :data:`MAX_PROBLEMS` distinct problems, and how many more there were."""
    unique = list(dict.fromkeys(problems))
    if len(unique) <= MAX_PROBLEMS:
        return tuple(unique)
    rest = len(unique) - MAX_PROBLEMS
    return (*unique[:MAX_PROBLEMS], f"… and {rest} more problem{'s' * (rest > 1)}")


__all__ = [
    "TOOLS",
    "Edit",
    "History",
    "Tool",
    "apply_selection",
    "edit",
    "lasso_paths",
    "read_drawing_text",
    "tapped_regions",
]
