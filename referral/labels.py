"""Text labels on a body view placed so that none overlaps another label or a marker.

Pure: works on plain plotly figure dicts. A label is a ``scatter`` trace in ``"text"`` mode
(one point, ``textposition`` ``"bottom left|center|right"``); a marker is any point of a
trace whose mode draws markers (where a branch leaves the spine, a joint, a dermatome's
key point).

**Boxes.** Plotly draws text in pixels, the view is in data units: at ``scale`` px per
unit, a label of ``n`` lines whose longest line has ``c`` characters, in a font of ``f``
px, takes

    width  = (c · CHAR_EM · f + 2 · PAD) / scale
    height = (n · LINE_EM · f + 2 · PAD) / scale

units, its top ``RISE_EM · f + PAD`` px above its point (the first line's ascenders reach
a little above it): centred on the point, or starting (``right``) or ending (``left``) at
it. Measured in Chromium on the Explore labels (Arial, 12 and 20 px): at most 0.50 em a
character, 1.27 em a line, and a top 0.15 em above the point; ``CHAR_EM``, ``LINE_EM`` and
``RISE_EM`` are a little larger. A marker of size ``s`` px takes a square of
``(s + 2 · PAD) / scale`` units around its point.

**Scale.** A view's plot is ``height`` px tall less its margins and at most ``width`` px
wide: ``scale = min(plot height / y span, plot width / x span)`` (equal aspect). Each box
contains its point and shrinks toward it as the scale grows, so labels placed apart at
one scale stay apart on any larger plot.

**Placement.** Labels are taken one by one (from the top of the view down; if that leaves
one without a place, from the bottom up, then the largest first); each keeps its point and
alignment if its box is free and inside the view, else takes the free candidate nearest to
it: moved up or down in steps of ``STEP`` px, with its own or another alignment (another
costs ``REALIGN`` px), moved sideways just enough to stay inside the view. A moved label is
joined to its point by a thin leader line, which runs across no other label where any free
place allows it. Deterministic: the same figure, the same places.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

Trace = dict[str, Any]
Box = tuple[float, float, float, float]  # x0, y0, x1, y1
Point = tuple[float, float]

CHAR_EM = 0.55
LINE_EM = 1.3
RISE_EM = 0.2
PAD = 2.0
STEP = 4.0
REALIGN = 30.0
ALIGNMENTS = ("center", "right", "left")
#: Roles of the traces this module adds and reads.
LABEL_ROLE = "course-label"
LEADER_ROLE = "label-leader"


def pixel_scale(layout: Mapping[str, Any], width: float | None = None) -> float:
    """Pixels per data unit of a view drawn ``layout["height"]`` px tall and at most
    ``width`` px wide (``None``: as wide as it needs).

    >>> layout = {"height": 520, "margin": {"t": 18, "b": 2, "l": 2, "r": 2},
    ...           "xaxis": {"range": [-250, 250]}, "yaxis": {"range": [-10, 990]}}
    >>> pixel_scale(layout), pixel_scale(layout, width=254)
    (0.5, 0.5)
    >>> pixel_scale(layout, width=204)
    0.4
    """
    margin = layout["margin"]
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    scale = (layout["height"] - margin["t"] - margin["b"]) / (y1 - y0)
    if width is not None:
        scale = min(scale, (width - margin["l"] - margin["r"]) / (x1 - x0))
    return float(scale)


def text_box(x: float, y: float, text: str, size: float, alignment: str, scale: float) -> Box:
    """The box (data units) that ``text`` (lines split by ``<br>``) takes below ``(x, y)``.

    >>> text_box(0, 100, "ab<br>c", 10, "center", 1.0)
    (-7.5, 74.0, 7.5, 104.0)
    """
    lines = text.split("<br>")
    width = (max(len(line) for line in lines) * CHAR_EM * size + 2 * PAD) / scale
    top = y + (RISE_EM * size + PAD) / scale
    bottom = top - (len(lines) * LINE_EM * size + 2 * PAD) / scale
    x0 = {"center": x - width / 2, "right": x - PAD / scale, "left": x - width + PAD / scale}
    left = x0[alignment]
    return (round(left, 6), round(bottom, 6), round(left + width, 6), round(top, 6))


def label_box(trace: Trace, scale: float) -> Box:
    """The box of a label trace (its one point, text, font size and text position)."""
    alignment = trace["textposition"].split()[-1]
    x, y = trace["x"][0], trace["y"][0]
    return text_box(x, y, trace["text"][0], trace["textfont"]["size"], alignment, scale)


def marker_boxes(data: Sequence[Trace], scale: float) -> list[Box]:
    """The square each marker of ``data`` takes (its size, plus ``PAD`` px around)."""
    boxes = []
    for trace in data:
        if "markers" not in str(trace.get("mode", "")):
            continue
        size = trace.get("marker", {}).get("size", 6)
        sizes = size if isinstance(size, list) else [size] * len(trace["x"])
        for x, y, s in zip(trace["x"], trace["y"], sizes, strict=True):
            if x is None or y is None:
                continue
            half = (s / 2 + PAD) / scale
            boxes.append((x - half, y - half, x + half, y + half))
    return boxes


def overlaps(a: Box, b: Box) -> bool:
    """Whether two boxes share any area (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def place(data: Sequence[Trace], layout: Mapping[str, Any], width: float | None) -> list[Trace]:
    """``data`` with its labels (``meta.role`` ``course-label``) moved apart from each
    other and from every marker, and a leader line from each moved label's point to it.

    Labels are placed one by one in the first of :data:`ORDERS` that finds every one a
    free place (else in the one that leaves fewest where they were). The other traces keep
    their order; the leaders, then the labels, come over them (no course or edge is drawn
    across a name), under the final trace, the view's invisible tap lattice.
    """
    indices = [i for i, t in enumerate(data) if (t.get("meta") or {}).get("role") == LABEL_ROLE]
    if not indices:
        return list(data)
    scale = pixel_scale(layout, width)
    markers = marker_boxes(data, scale)
    attempts = []
    for order in ORDERS:
        ordered = sorted(indices, key=lambda i: order(data[i], scale))
        attempts.append(_place_in_order(data, ordered, layout, scale, markers))
        if not attempts[-1][0]:
            break
    _, out, leaders = min(attempts, key=lambda attempt: attempt[0])
    others = [t for i, t in enumerate(out[:-1]) if i not in indices]
    return [*others, *leaders, *(out[i] for i in indices), out[-1]]


def _top_down(label: Trace, scale: float) -> tuple[float, float]:
    return (-label["y"][0], label["x"][0])


def _bottom_up(label: Trace, scale: float) -> tuple[float, float]:
    return (label["y"][0], label["x"][0])


def _largest_first(label: Trace, scale: float) -> tuple[float, float, float]:
    x0, y0, x1, y1 = label_box(label, scale)
    return (-(x1 - x0) * (y1 - y0), -label["y"][0], label["x"][0])


#: The orders labels are placed in, tried in turn.
ORDERS = (_top_down, _bottom_up, _largest_first)


def _place_in_order(
    data: Sequence[Trace],
    order: Sequence[int],
    layout: Mapping[str, Any],
    scale: float,
    markers: list[Box],
) -> tuple[int, list[Trace], list[Trace]]:
    """Place the labels ``order`` (indices into ``data``) one by one: how many found no
    free place (left where they were), ``data`` with the others placed, and the leaders."""
    (vx0, vx1), (vy0, vy1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    taken = list(markers)
    segments: list[tuple[Point, Point]] = []  # the leaders drawn so far
    placed: list[Box] = []  # the labels placed so far
    out = list(data)
    leaders = []
    stuck = 0
    for i in order:
        trace = data[i]
        x, y = trace["x"][0], trace["y"][0]
        text, size = trace["text"][0], trace["textfont"]["size"]
        found = crossing = None
        for dx, dy, alignment in _candidates(trace, (vx0, vx1), (vy1 - vy0) * scale, scale):
            box = text_box(x + dx, y + dy, text, size, alignment, scale)
            if not (vy0 <= box[1] and box[3] <= vy1) or any(overlaps(box, o) for o in taken):
                continue
            end = (x + dx, y + dy)
            if any(crosses(a, b, box) for a, b in segments) or any(
                crosses((x, y), end, other) for other in placed
            ):
                crossing = crossing or (dx, dy, alignment, box)
                continue
            found = (dx, dy, alignment, box)
            break
        found = found or crossing
        if found is None:
            stuck += 1
            taken.append(label_box(trace, scale))
            continue
        dx, dy, alignment, box = found
        taken.append(box)
        placed.append(box)
        out[i] = {**trace, "x": [x + dx], "y": [y + dy], "textposition": f"bottom {alignment}"}
        if dx or dy:
            segments.append(((x, y), (x + dx, y + dy)))
            leaders.append(_leader((x, y), (x + dx, y + dy), trace))
    return stuck, out, leaders


def crosses(start: Point, end: Point, box: Box) -> bool:
    """Whether the segment from ``start`` to ``end`` passes through the inside of ``box``
    (Liang-Barsky clipping; along an edge or through a corner does not count).

    >>> crosses((0, -5), (0, 5), (-1, -1, 1, 1)), crosses((2, -5), (2, 5), (-1, -1, 1, 1))
    (True, False)
    """
    (x0, y0), (x1, y1) = start, end
    low, high = 0.0, 1.0
    for p, q in (
        (x0 - x1, x0 - box[0]),
        (x1 - x0, box[2] - x0),
        (y0 - y1, y0 - box[1]),
        (y1 - y0, box[3] - y0),
    ):
        if p == 0:
            if q <= 0:
                return False
        elif p < 0:
            low = max(low, q / p)
        else:
            high = min(high, q / p)
    return low < high


def _candidates(
    label: Trace, x_range: tuple[float, float], span_px: float, scale: float
) -> list[tuple[float, float, str]]:
    """Where a label may go, cheapest first, as (x move, y move, alignment) in data units.

    The cost (px) is the distance moved up or down (in steps of ``STEP`` px), plus
    ``REALIGN`` for another alignment than the label's own, plus any sideways move that
    keeps the text inside the view's ``x_range``; an alignment whose text is wider than
    the view is left out.
    """
    x, own = label["x"][0], label["textposition"].split()[-1]
    text, size = label["text"][0], label["textfont"]["size"]
    shifts = {}
    for alignment in ALIGNMENTS:
        x0, _, x1, _ = text_box(x, 0.0, text, size, alignment, scale)
        if x1 - x0 <= x_range[1] - x_range[0]:
            shifts[alignment] = max(x_range[0] - x0, 0.0) - max(x1 - x_range[1], 0.0)
    steps = int(span_px // STEP)
    moves = [k * STEP * sign for k in range(steps + 1) for sign in ((1,) if k == 0 else (-1, 1))]
    costs = [
        (abs(dy) + (0.0 if a == own else REALIGN) + abs(dx) * scale, dx, dy / scale, a)
        for dy in moves
        for a, dx in shifts.items()
    ]
    return [(dx, dy, a) for _, dx, dy, a in sorted(costs, key=lambda c: c[0])]


def _leader(start: tuple[float, float], end: tuple[float, float], label: Trace) -> Trace:
    """A thin line from a label's point ``start`` to ``end``, the point its text now hangs
    from."""
    return {
        "type": "scatter",
        "x": [start[0], end[0]],
        "y": [start[1], end[1]],
        "mode": "lines",
        "line": {"color": "#1A1A1A", "width": 1},
        "hoverinfo": "skip",
        "showlegend": False,
        "meta": {"role": LEADER_ROLE, "level": label["meta"].get("level")},
    }
