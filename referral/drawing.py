"""Pain drawings: what hurts, per view and side, and how much.

A :class:`Drawing` holds the region ids a user tapped, the areas they outlined (one
MultiPolygon per view, in the frame of :mod:`referral.schema`) and an optional pain
intensity 0-10 per painful region. It can be built from region ids, lasso paths
(self-crossings repaired), the app's GeoJSON export, pasted CHOIR Body Map codes or REDCap
Image Map values, or its compact text form (kept in the page URL). Outlines are stored at
a precision of 1 frame unit (≈ 1.7 mm on the reference adult) and simplified within that
tolerance, so every export round-trips exactly.

Every reader refuses, with a :class:`DrawingError` saying why, what it cannot honour:
degenerate outlines (no area), coordinates outside the view's frame
(``schema.VIEW_FRAMES``), and inputs beyond the caps below, which keep any accepted
drawing parsed and matched in well under a second (measured: ``docs/matching.md``).

Measuring a drawing on the skin is the matcher's job (:func:`referral.matching.measure`).
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.regions import Regions, redcap_codes
from referral.schema import View

#: Grid (frame units) outlines are snapped to; 1 unit ≈ 1.7 mm on the reference adult.
PRECISION = 1.0
#: Raw paths are decimated (Douglas-Peucker) within this distance before noding: a tenth of
#: the grid step, so the stored outline cannot tell the difference.
PATH_TOLERANCE = PRECISION / 10
#: Input coordinates are rounded to this many decimals (0.01 unit) before any geometry
#: operation, and paths are noded on that grid (snap-rounding): GEOS can loop forever or
#: fail to converge on denormal or nearly coincident coordinates.
INPUT_DECIMALS = 2
NODING_GRID = 10.0**-INPUT_DECIMALS
#: Longest text form: the whole page URL must stay under the smallest common request-line
#: limit, 8 KB (nginx ``large_client_header_buffers 4 8k``, Apache ``LimitRequestLine
#: 8190``); 6,000 characters leave room for the address and the other query parameters.
MAX_TEXT_CHARS = 6_000
#: Most points of one path, or coordinates of one geometry or file, before decimation.
MAX_VERTICES = 10_000
#: Most self-crossings of the rings of one input (noding time grows with them: 2,500 take
#: ≈ 60 ms; a hand-drawn lasso crosses itself a few times).
MAX_CROSSINGS = 2_500
#: Most polygons in one input (a file or one area): a link holds at most ≈ 375.
MAX_PARTS = 400
#: Most features in a file: the app writes one per rated or tapped region (86 regions) and
#: one per view.
MAX_FEATURES = 250
#: Largest drawing file: 10,000 vertices of GeoJSON are about 250 KB.
MAX_FILE_BYTES = 2_000_000
#: Longest pasted code text (every CHOIR code, comma-separated, is under 400 characters).
MAX_CODES_CHARS = 1_000
MAX_SIMPLIFY_PASSES = 8
#: Pain intensity on the 0-10 numeric rating scale.
INTENSITY_MAX = 10
#: Version of the compact text form written by :meth:`Drawing.to_text`: "2" ends with a
#: check part, so a link cut short anywhere (even between parts) or edited is noticed.
#: Version "1" texts (no check part) are still read.
TEXT_VERSION = "2"
#: The first version, without a check part.
UNCHECKED_TEXT_VERSION = "1"
TEXT_VERSIONS = (UNCHECKED_TEXT_VERSION, TEXT_VERSION)
VIEW_CODES: dict[View, str] = {
    "anterior": "a",
    "posterior": "p",
    "left-lateral": "ll",
    "right-lateral": "rl",
}
CODE_VIEWS: dict[str, View] = {code: view for view, code in VIEW_CODES.items()}
GEOJSON_FORMAT = {"format": "referral-map pain drawing", "version": 1}

#: A path: a list of ``[x, y]`` pairs or an (n, 2) array, in frame units.
Points: TypeAlias = Sequence[Sequence[float]] | np.ndarray

_INT = re.compile(r"-?[0-9]{1,5}")
_RATING = re.compile(r"([a-z0-9-]{1,40})\.([0-9]|10)")
_CODE_SPLIT = re.compile(r"[\s,;]+")
_CHOIR_CODE = re.compile(r"[0-9]{1,4}")
_REDCAP_KEY = re.compile(r"[bf][0-9]{2}")


class DrawingError(ValueError):
    """A drawing, file, outline or URL could not be read; the message says why."""


class UnknownRegionError(DrawingError):
    """A region id that does not exist; carries the closest valid ids."""

    def __init__(self, rid: str, suggestions: Sequence[str]):
        self.region = rid
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown region {_short(rid)!r}{hint}")


class CodeError(DrawingError):
    """Pasted codes that cannot be read; ``kind`` says why and ``token`` is the code at fault
    (as pasted): ``"too-long"`` (the whole text; ``token`` empty), ``"not-a-code"``,
    ``"unknown-choir"`` or ``"unknown-redcap"``."""

    def __init__(self, message: str, kind: str, token: str = ""):
        self.kind = kind
        self.token = token
        super().__init__(message)


def _short(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty() -> MultiPolygon:
    return MultiPolygon()


def _as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Keep the polygonal parts of ``geom`` as one MultiPolygon (lines and points dropped)."""
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            polygons.extend(_as_multipolygon(part).geoms)
    return MultiPolygon(polygons) if polygons else _empty()


def canonical_area(geom: BaseGeometry) -> MultiPolygon:
    """Return ``geom`` valid, snapped to :data:`PRECISION`, simplified within it and normalised.

    An invalid input is repaired as :func:`polygonal_area` does. Simplifying
    (Douglas-Peucker, tolerance ``PRECISION / 2``) only removes vertices, so it is repeated
    on the snapped result until nothing changes. The result is idempotent,
    ``canonical_area(canonical_area(g)) == canonical_area(g)``, which is what makes GeoJSON
    and text exports round-trip exactly.

    >>> canonical_area(Polygon([(0.2, 0), (10, 0.4), (10, 10), (0, 10)])).wkt
    'MULTIPOLYGON (((0 0, 0 10, 10 10, 10 0, 0 0)))'
    """
    if geom.is_empty:
        return _empty()
    valid = _as_multipolygon(geom if geom.is_valid else polygonal_area(geom))
    current = _snapped(valid)
    for _ in range(MAX_SIMPLIFY_PASSES):
        simplified = shapely.simplify(current, PRECISION / 2, preserve_topology=True)
        if shapely.equals_exact(simplified, current, 0):
            break  # nothing to take out; snapping it again would give it back (it is snapped)
        simpler = _snapped(simplified)
        if shapely.equals_exact(simpler, current, 0):
            break
        current = simpler
    return current


def _snapped(geom: BaseGeometry) -> MultiPolygon:
    """Snap to the grid and normalise, repeated until stable (snapping can merge parts that
    touch at a vertex, which a second snap may rewrite again)."""
    current = shapely.normalize(_as_multipolygon(shapely.set_precision(geom, PRECISION)))
    for _ in range(MAX_SIMPLIFY_PASSES):
        again = shapely.normalize(_as_multipolygon(shapely.set_precision(current, PRECISION)))
        if shapely.equals_exact(again, current, 0):
            break
        current = again
    return current


def _path_coordinates(points: Points) -> np.ndarray:
    """``points`` as an (n, 2) float array of finite numbers; at most :data:`MAX_VERTICES`."""
    if isinstance(points, str | bytes):
        raise DrawingError("an outline must be a list of [x, y] points")
    try:
        coords = np.asarray(points, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        message = _short(str(exc), 60)
        raise DrawingError(f"an outline must be a list of [x, y] points ({message})") from None
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise DrawingError("an outline must be a list of [x, y] points")
    if len(coords) > MAX_VERTICES:
        raise DrawingError(f"an outline has {len(coords)} points; the limit is {MAX_VERTICES}")
    if not np.isfinite(coords).all():
        raise DrawingError("an outline has a coordinate that is not a finite number")
    return _rounded_coordinates(coords)


def _rounded_coordinates(coords: np.ndarray) -> np.ndarray:
    """``coords`` rounded to :data:`INPUT_DECIMALS` (``+ 0.0`` turns -0.0 into 0.0).

    A finite coordinate beyond ≈ 1.8e306 becomes infinite (rounding multiplies by 100)
    without numpy's warning on stderr: a lasso is then cut at the frame's edge, and a file's
    coordinate beyond the frame has been refused already."""
    with np.errstate(over="ignore", invalid="ignore"):
        rounded: np.ndarray = np.round(coords, INPUT_DECIMALS) + 0.0
    return rounded


def _rounded(geom: BaseGeometry) -> BaseGeometry:
    """``geom`` with coordinates rounded to :data:`INPUT_DECIMALS` (topology untouched)."""
    return shapely.transform(geom, _rounded_coordinates)


def self_crossings(closed: np.ndarray) -> int:
    """Number of pairs of non-adjacent segments of the closed path ``closed`` that meet.

    ``closed`` repeats its first point at the end. Counted with an STRtree of the segments
    (about 40 ms for 500 random segments and their 27,000 crossings).

    >>> self_crossings(np.array([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)], dtype=float))
    1
    """
    n = len(closed) - 1
    if n < 3:
        return 0
    segments = shapely.linestrings(np.stack([closed[:-1], closed[1:]], axis=1))
    i, j = shapely.STRtree(segments).query(segments, predicate="intersects")
    apart = (i < j) & (j - i != 1) & ~((i == 0) & (j == n - 1))
    return int(apart.sum())


def _ring_area(coords: np.ndarray) -> tuple[MultiPolygon, int]:
    """(area enclosed by the closed path through ``coords``, its self-crossings).

    The path is decimated within :data:`PATH_TOLERANCE`, noded at its self-crossings (on
    the :data:`NODING_GRID`) and polygonized; the faces of a noded path tile what it
    encloses, so their union (a coverage union, linear in the faces; a full union when
    faces are too thin for it) is the enclosed area.
    """
    closed = np.vstack([coords, coords[:1]])
    line = shapely.simplify(shapely.LineString(closed), PATH_TOLERANCE)
    crossings = self_crossings(shapely.get_coordinates(line))
    if crossings > MAX_CROSSINGS:
        raise DrawingError(
            f"an outline crosses itself {crossings} times; the limit is {MAX_CROSSINGS}"
        )
    noded = shapely.union_all(line, grid_size=NODING_GRID)  # snap-rounding: robust noding
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if len(faces) == 0:
        return _empty(), crossings
    try:
        union = shapely.coverage_union_all(faces)
    except shapely.errors.GEOSException:  # faces too thin for the coverage check
        union = shapely.union_all(faces)
    return _as_multipolygon(union), crossings


def enclosed_area(points: Points) -> MultiPolygon:
    """Return every area a closed path encloses, whatever its winding or self-crossings.

    Coordinates are read to :data:`INPUT_DECIMALS` decimals. The path is closed, decimated
    within :data:`PATH_TOLERANCE`, noded at its self-intersections and polygonized; the
    union of the faces is the enclosed area (a figure-of-eight gives both loops). Raises
    :class:`DrawingError` for fewer than 3 distinct points, non-finite coordinates, more
    than :data:`MAX_VERTICES` points or :data:`MAX_CROSSINGS` self-crossings, or a path
    that encloses nothing.

    >>> enclosed_area([(0, 0), (2, 2), (2, 0), (0, 2)]).area  # a bow tie: both loops
    2.0
    """
    coords = _path_coordinates(points)
    if len(np.unique(coords, axis=0)) < 3:
        raise DrawingError("an outline needs at least 3 distinct points")
    area, _ = _ring_area(coords)
    if area.is_empty:
        raise DrawingError("the outline encloses no area (its points lie on a line)")
    return area


def polygonal_area(geom: BaseGeometry) -> MultiPolygon:
    """Return the area of a polygonal geometry of any validity, as a valid MultiPolygon.

    Each polygon is what its exterior ring encloses (:func:`enclosed_area`) minus what its
    holes enclose; overlapping polygons are merged. A valid input is returned unchanged.
    Caps: :data:`MAX_VERTICES` coordinates, :data:`MAX_PARTS` polygons and
    :data:`MAX_CROSSINGS` self-crossings in all.
    """
    return _repaired(_rounded(geom), MAX_CROSSINGS)[0]


def _repaired(geom: BaseGeometry, max_crossings: int) -> tuple[MultiPolygon, int]:
    """(:func:`polygonal_area` of ``geom``, self-crossings found), refusing more than
    ``max_crossings`` self-crossings."""
    _check_size(geom)
    if geom.is_valid:
        return _as_multipolygon(geom), 0
    parts: list[BaseGeometry] = []
    crossings = 0
    for polygon in _as_multipolygon(geom).geoms:
        if polygon.is_valid:  # an invalid MultiPolygon may have valid, overlapping parts
            parts.append(polygon)
            continue
        rings = [polygon.exterior, *polygon.interiors]
        areas = []
        for ring in rings:
            area, count = _ring_area(np.asarray(ring.coords)[:-1])
            crossings += count
            if crossings > max_crossings:
                raise DrawingError(f"the outlines cross themselves more than {MAX_CROSSINGS} times")
            areas.append(area)
        parts.append(shapely.difference(areas[0], shapely.union_all(areas[1:])))
    return _as_multipolygon(shapely.union_all(parts)), crossings


def _check_size(geom: BaseGeometry) -> None:
    if not isinstance(geom, Polygon | MultiPolygon):
        raise DrawingError(f"an area must be a Polygon or MultiPolygon, not {geom.geom_type}")
    vertices = shapely.get_num_coordinates(geom)
    if vertices > MAX_VERTICES:
        raise DrawingError(f"an area has {vertices} vertices; the limit is {MAX_VERTICES}")
    parts = shapely.get_num_geometries(geom)
    if parts > MAX_PARTS:
        raise DrawingError(f"an area has {parts} polygons; the limit is {MAX_PARTS}")


def check_in_frame(view: View, geom: BaseGeometry) -> None:
    """Raise :class:`DrawingError` unless ``geom`` lies in ``view``'s frame
    (``schema.VIEW_FRAMES``) with finite coordinates."""
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise DrawingError("an outline has a coordinate that is not a finite number")
    if not len(coords):
        return
    x0, y0, x1, y1 = schema.VIEW_FRAMES[view]
    inside = (coords[:, 0] >= x0) & (coords[:, 0] <= x1)
    inside &= (coords[:, 1] >= y0) & (coords[:, 1] <= y1)
    if not inside.all():
        x, y = coords[np.argmin(inside)]
        raise DrawingError(
            f"an outline point ({x:.6g}, {y:.6g}) lies outside the {view} view "
            f"(x {x0:g} to {x1:g}, y {y0:g} to {y1:g})"
        )


def lasso_area(view: View, points: Points) -> MultiPolygon:
    """Return what a lasso drawn on ``view`` encloses, within the view's frame.

    A lasso is a gesture on the figure: points beyond the frame (``schema.VIEW_FRAMES``)
    are moved onto its edge before :func:`enclosed_area` (a lasso dragged past the figure's
    edge keeps the part on the figure).
    """
    _check_view(view)
    coords = _path_coordinates(points)
    x0, y0, x1, y1 = schema.VIEW_FRAMES[view]
    clipped = np.c_[np.clip(coords[:, 0], x0, x1), np.clip(coords[:, 1], y0, y1)]
    try:
        return enclosed_area(clipped)
    except DrawingError as exc:
        if np.array_equal(clipped, coords):
            raise
        raise DrawingError(f"{exc} inside the {view} view") from None


def parse_codes(text: str) -> list[int]:
    """Read pasted CHOIR Body Map codes or REDCap Image Map values as CHOIR codes.

    Codes are separated by commas, semicolons or white space; each is a CHOIR code
    (ASCII digits, e.g. ``218``) or a REDCap key (``b18`` back, ``f01`` front; the mapping is
    ``data/choir-body-map-codes.csv``). Unknown codes are reported by the caller.

    >>> parse_codes("218, 223 b18;F01")
    [218, 223, 218, 101]
    """
    if not isinstance(text, str):
        raise DrawingError("codes must be text")
    if len(text) > MAX_CODES_CHARS:
        raise CodeError(f"the codes are longer than {MAX_CODES_CHARS} characters", "too-long")
    redcap = redcap_codes()
    codes: list[int] = []
    for token in _CODE_SPLIT.split(text.strip()):
        if not token:
            continue
        key = token.lower()
        if _CHOIR_CODE.fullmatch(token):
            codes.append(int(token))
        elif _REDCAP_KEY.fullmatch(key):
            if key not in redcap:
                raise CodeError(
                    f"unknown REDCap body map key {_short(token)!r}", "unknown-redcap", token
                )
            codes.append(redcap[key])
        else:
            raise CodeError(
                f"{_short(token)!r} is not a CHOIR code (such as 218) or a REDCap key "
                "(such as b18)",
                "not-a-code",
                token,
            )
    return codes


@dataclass(frozen=True)
class Drawing:
    """What hurts: tapped region ids, outlined areas per view (canonical MultiPolygons) and
    pain intensity 0-10 per painful region (optional).

    Every drawing's text form (:meth:`to_text`) fits :data:`MAX_TEXT_CHARS`: a drawing that
    would not is refused with a :class:`DrawingError` when it is built.
    """

    regions: frozenset[str] = frozenset()
    outlines: Mapping[View, MultiPolygon] = field(default_factory=dict)
    intensity: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        length = len(self.to_text())
        if length > MAX_TEXT_CHARS:
            raise DrawingError(
                f"the drawing is too detailed to keep in a link ({length} characters of "
                f"text; the limit is {MAX_TEXT_CHARS}): outline fewer or simpler areas"
            )

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_regions(cls, ids: Iterable[str], regions: Regions) -> Drawing:
        """Build a drawing from region ids such as ``left-groin``; unknown ids raise."""
        ids = [rid.strip() for rid in ids if rid.strip()]
        for rid in ids:
            _check_region(rid, regions)
        return cls(regions=frozenset(ids))

    @classmethod
    def from_choir(cls, codes: Iterable[int | str], regions: Regions) -> Drawing:
        """Build a drawing from CHOIR Body Map codes (e.g. ``218, 122``): every region of ours
        that carries a code is painful. Codes are ASCII digits only."""
        ids: set[str] = set()
        for raw in codes:
            text = str(raw).strip()
            if not text:
                continue
            if not _CHOIR_CODE.fullmatch(text):
                raise CodeError(f"CHOIR code {_short(text)!r} is not a number", "not-a-code", text)
            try:
                ids.update(regions.from_choir(int(text)))
            except KeyError:
                raise CodeError(
                    f"unknown CHOIR code {text} (codes are 101-136 front, 201-238 back)",
                    "unknown-choir",
                    text,
                ) from None
        return cls(regions=frozenset(ids))

    @classmethod
    def from_codes(cls, text: str, regions: Regions) -> Drawing:
        """Build a drawing from pasted codes: ``218,223``, ``218 223``, ``b18,b23``, ``f01``
        (:func:`parse_codes`); anything else raises :class:`DrawingError`."""
        return cls.from_choir(parse_codes(text), regions)

    @classmethod
    def from_outline(cls, view: View, points: Points) -> Drawing:
        """Build a drawing from one lasso path in ``view`` (:meth:`with_outline`)."""
        return cls().with_outline(view, points)

    def with_regions(self, ids: Iterable[str], regions: Regions) -> Drawing:
        """Return a copy with more tapped regions."""
        added = Drawing.from_regions(ids, regions).regions
        return Drawing(self.regions | added, self.outlines, self.intensity)

    def without_regions(self, ids: Iterable[str]) -> Drawing:
        """Return a copy with these regions no longer tapped; their intensities are dropped."""
        gone = set(ids)
        intensity = {rid: v for rid, v in self.intensity.items() if rid not in gone}
        return Drawing(self.regions - gone, self.outlines, intensity)

    def with_outline(self, view: View, points: Points) -> Drawing:
        """Return a copy with the area a lasso path encloses (:func:`lasso_area`) added to
        ``view``."""
        return self.with_area(view, lasso_area(view, points))

    def with_area(self, view: View, area: BaseGeometry) -> Drawing:
        """Return a copy with a polygonal ``area`` (any validity) added to ``view``.

        ``area`` must lie in the view's frame; it is repaired by :func:`polygonal_area`.
        """
        _check_view(view)
        return self._with_areas(view, [area])

    def _with_areas(
        self, view: View, areas: Sequence[BaseGeometry], *, repaired: bool = False
    ) -> Drawing:
        """Add several areas to ``view`` with one union and one canonicalisation (each is
        checked and repaired by :meth:`Budget.repair`, unless it has been: ``repaired``)."""
        if not repaired:
            budget = Budget()
            areas = [budget.repair(view, area) for area in areas]
        parts = [part for area in areas for part in _as_multipolygon(area).geoms]
        # Repaired areas are valid: disjoint ones need no union (GEOS's union of a few
        # hundred disjoint parts takes ≈ 25 ms).
        added = _merged(parts)
        merged = added if view not in self.outlines else self.outlines[view].union(added)
        canonical = canonical_area(merged)
        if canonical.is_empty and added.area > 0 and view not in self.outlines:
            raise DrawingError("the outline is too small to keep (under about 2 mm across)")
        outlines = dict(self.outlines)
        if canonical.is_empty:
            outlines.pop(view, None)
        else:
            outlines[view] = canonical
        return Drawing(self.regions, outlines, self.intensity)

    def without_outline(self, view: View, points: Points, regions: Regions) -> Drawing:
        """The *Erase* tool: :meth:`without_area` for the area a lasso path encloses."""
        return self.without_area(view, lasso_area(view, points), regions)

    def without_area(self, view: View, area: BaseGeometry, regions: Regions) -> Drawing:
        """Return a copy with ``area`` erased from ``view``.

        - Outlines in ``view`` lose ``area``; other views are unchanged.
        - A tapped region whose shape in ``view`` overlaps ``area`` (by a positive area)
          is no longer tapped; instead its shape in ``view`` minus ``area`` is outlined in
          ``view``. So erasing part of a tapped region leaves the rest of it painful, as
          drawn in that view; the region no longer counts in its other views.
        - Tapped regions that ``area`` does not overlap stay tapped.
        - Intensities are kept for regions that are still painful (:meth:`painful_regions`)
          and dropped for the others.
        """
        _check_view(view)
        check_in_frame(view, area)
        erase = polygonal_area(_rounded(area))
        shapes = regions.in_view(view)
        hit = {
            rid
            for rid in self.regions
            if rid in shapes and shapely.area(shapely.intersection(shapes[rid], erase)) > 0
        }
        kept = [shapes[rid] for rid in sorted(hit)]
        if view in self.outlines:
            kept.append(self.outlines[view])
        remaining = canonical_area(shapely.difference(shapely.union_all(kept), erase))
        outlines = {v: a for v, a in self.outlines.items() if v != view}
        if not remaining.is_empty:
            outlines[view] = remaining
        partial = Drawing(self.regions - hit, outlines)
        painful = partial.painful_regions(regions)
        intensity = {rid: v for rid, v in self.intensity.items() if rid in painful}
        return Drawing(partial.regions, outlines, intensity)

    def with_intensity(self, rid: str, value: int | None, regions: Regions) -> Drawing:
        """Return a copy with region ``rid`` rated ``value`` (an int 0-10), or unrated
        (``None``). Only a painful region (tapped or outlined) can be rated."""
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10
        ):
            raise DrawingError(f"intensity must be a whole number 0-10, not {value!r:.20}")
        intensity = {k: v for k, v in self.intensity.items() if k != rid}
        if value is not None:
            _check_region(rid, regions)
            if rid not in self.painful_regions(regions):
                raise DrawingError(f"{rid} is not marked as painful; mark it before rating it")
            intensity[rid] = value
        return Drawing(self.regions, self.outlines, dict(sorted(intensity.items())))

    # -- queries ------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        """True when nothing is tapped or outlined."""
        return not self.regions and not self.outlines

    def painful_regions(self, regions: Regions) -> frozenset[str]:
        """Regions that hurt: tapped, or overlapped by an outline (by a positive area)."""
        ids = set(self.regions)
        for view, area in self.outlines.items():
            ids.update(regions.clip(view, area)[0])
        return frozenset(ids)

    def shapes(self, regions: Regions) -> dict[str, BaseGeometry]:
        """Return the painful area per view: tapped regions visible there ∪ outlines there."""
        result: dict[str, BaseGeometry] = {}
        for view in schema.VIEWS:
            parts = [
                regions.shapes[view][rid] for rid in self.regions if rid in regions.shapes[view]
            ]
            if view in self.outlines:
                parts.append(self.outlines[view])
            if parts:
                result[view] = shapely.union_all(parts)
        return result

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Drawing):
            return NotImplemented
        return (
            self.regions == other.regions
            and dict(self.intensity) == dict(other.intensity)
            and self.outlines.keys() == other.outlines.keys()
            and all(
                shapely.equals_exact(self.outlines[v], other.outlines[v], 0) for v in self.outlines
            )
        )

    def __hash__(self) -> int:
        return hash((self.regions, tuple(sorted(self.outlines)), tuple(sorted(self.intensity))))

    # -- GeoJSON ------------------------------------------------------------------------

    def to_geojson(self) -> dict[str, Any]:
        """Return the app's export format: a GeoJSON FeatureCollection.

        Tapped regions are features with ``properties.kind == "region"`` and no geometry;
        outlines are MultiPolygon features with ``properties.kind == "outline"`` and
        ``properties.view``. A rated region carries ``properties.intensity`` (0-10) on its
        region feature, or, when it is painful only through an outline, on a feature with
        ``properties.kind == "intensity"`` and no geometry. Coordinates are in the frame of
        :mod:`referral.schema`.
        """
        features: list[dict[str, Any]] = []
        for rid in sorted(self.regions | set(self.intensity)):
            props: dict[str, Any] = {"kind": "region" if rid in self.regions else "intensity"}
            props["region"] = rid
            if rid in self.intensity:
                props["intensity"] = self.intensity[rid]
            features.append({"type": "Feature", "properties": props, "geometry": None})
        features += [
            {
                "type": "Feature",
                "properties": {"kind": "outline", "view": view},
                "geometry": _plain_json(mapping(self.outlines[view])),
            }
            for view in schema.VIEWS
            if view in self.outlines
        ]
        return {"type": "FeatureCollection", "referral_map": GEOJSON_FORMAT, "features": features}

    @classmethod
    def from_geojson(cls, data: Any, regions: Regions) -> Drawing:
        """Read a FeatureCollection written by :meth:`to_geojson` (or any with the same
        properties); raise :class:`DrawingError` naming the feature that is wrong.

        Outlines of one view are merged with one union (whatever the number of features);
        at most :data:`MAX_FEATURES` features, :data:`MAX_VERTICES` coordinates and
        :data:`MAX_PARTS` polygons in all.
        """
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise DrawingError("expected a GeoJSON FeatureCollection")
        features = data.get("features")
        if not isinstance(features, list):
            raise DrawingError("the FeatureCollection has no 'features' list")
        if len(features) > MAX_FEATURES:
            raise DrawingError(f"{len(features)} features; the limit is {MAX_FEATURES}")
        tapped: list[str] = []
        ratings: dict[str, int] = {}
        areas: dict[View, list[BaseGeometry]] = {}
        budget = Budget()
        for number, feature in enumerate(features, start=1):
            where = f"feature {number}"
            found = _read_feature(feature, where, regions, tapped, ratings)
            if found is None:
                continue
            view, geom = found
            try:
                areas.setdefault(view, []).append(budget.repair(view, geom))
            except DrawingError as exc:
                raise DrawingError(f"{where}: {exc}") from None
        drawing = cls.from_regions(tapped, regions)
        for view in schema.VIEWS:
            if view in areas:
                drawing = drawing._with_areas(view, areas[view], repaired=True)
        for rid, value in sorted(ratings.items()):
            drawing = drawing.with_intensity(rid, value, regions)
        return drawing

    @classmethod
    def read(cls, path: Path | str, regions: Regions) -> Drawing:
        """Read a GeoJSON drawing file (a regular file of at most :data:`MAX_FILE_BYTES`);
        errors name the file and what is wrong with it."""
        path = Path(path)
        try:
            if not path.is_file():
                what = "does not exist" if not path.exists() else "is not a regular file"
                raise DrawingError(f"{path}: cannot read (it {what})")
            with path.open("rb") as stream:
                raw = stream.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise DrawingError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
        if len(raw) > MAX_FILE_BYTES:
            raise DrawingError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise DrawingError(f"{path}: cannot read (not UTF-8 text: {exc.reason})") from None
        except RecursionError:
            raise DrawingError(f"{path}: the JSON is nested too deeply") from None
        except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
            raise DrawingError(f"{path}: not valid JSON ({_short(str(exc), 80)})") from None
        try:
            return cls.from_geojson(data, regions)
        except DrawingError as exc:
            raise DrawingError(f"{path}: {exc}") from None

    # -- compact text (URL) form ----------------------------------------------------------

    def to_text(self) -> str:
        """Return the compact, URL-safe text form.

        Grammar (parts joined by ``~``, fields by ``_``, integers by ``.``)::

            2~r_left-groin_left-upper-buttock~i_left-groin.7~o_p_<ring>_<hole>~o_a_<ring>~k_<check>

        ``r`` lists tapped region ids; ``i`` gives intensities as ``<region id>.<0-10>``;
        ``o`` gives one polygon in a view (``a``, ``p``, ``ll``, ``rl``): its exterior ring,
        then holes. A ring is ``x0.y0.dx1.dy1…``: the first vertex, then differences, in
        whole frame units; the closing vertex is implied. Ids are sorted. ``k`` is the
        check: the CRC-32 of the text before ``~k_``, in base 36 (:func:`text_check`).
        Version 1 is the same without the check part.

        >>> Drawing(frozenset({"left-groin"}), intensity={"left-groin": 7}).to_text()
        '2~r_left-groin~i_left-groin.7~k_18qxda8'
        """
        body = "~".join([TEXT_VERSION, *self._text_parts()])
        return f"{body}~k_{text_check(body)}"

    def _text_parts(self) -> list[str]:
        """The text form's parts between the version and the check."""
        parts = []
        if self.regions:
            parts.append("_".join(["r", *sorted(self.regions)]))
        if self.intensity:
            ratings = (f"{rid}.{self.intensity[rid]}" for rid in sorted(self.intensity))
            parts.append("_".join(["i", *ratings]))
        for view in schema.VIEWS:
            if view not in self.outlines:
                continue
            for polygon in self.outlines[view].geoms:
                rings = [polygon.exterior, *polygon.interiors]
                parts.append("_".join(["o", VIEW_CODES[view], *map(_encode_ring, rings)]))
        return parts

    @classmethod
    def from_text(cls, text: str, regions: Regions) -> Drawing:
        """Parse :meth:`to_text` output (version 2, or version 1 without the check part);
        anything malformed, cut short or edited raises :class:`DrawingError`."""
        if not isinstance(text, str):
            raise DrawingError("the drawing text must be a string")
        if len(text) > MAX_TEXT_CHARS:
            raise DrawingError(f"the drawing text is longer than {MAX_TEXT_CHARS} characters")
        version, parts, problem = split_text(text)
        if version not in TEXT_VERSIONS:
            raise DrawingError(f"drawing text version {_short(version, 20)!r} is not 1 or 2")
        if problem is not None:
            raise DrawingError("the drawing text's check does not match (cut short or edited)")
        ids: list[str] = []
        ratings: dict[str, int] = {}
        areas: dict[View, list[Polygon]] = {}
        for number, part in enumerate(parts, start=1):
            kind, *fields = part.split("_")
            where = f"drawing text part {number}"
            if kind == "r" and fields:
                ids.extend(fields)
            elif kind == "i" and fields:
                for item in fields:
                    found = _RATING.fullmatch(item)
                    if found is None:
                        raise DrawingError(f"{where}: expected '<region>.<0-10>'")
                    ratings[found[1]] = int(found[2])
            elif kind == "o" and len(fields) >= 2:
                view, polygon = read_outline_part(fields, where)
                areas.setdefault(view, []).append(polygon)
            else:
                raise DrawingError(f"{where}: expected {EXPECTED_PARTS}")
        outlines = {view: canonical_area(_merged(polys)) for view, polys in areas.items()}
        drawing = cls(Drawing.from_regions(ids, regions).regions, outlines)
        for rid, value in ratings.items():
            drawing = drawing.with_intensity(rid, value, regions)
        if drawing._text_parts() != parts:
            raise DrawingError(NOT_CANONICAL)
        return drawing


def _merged(polygons: Sequence[Polygon]) -> BaseGeometry:
    """The union of valid ``polygons``: their MultiPolygon when that is valid (the parts of
    a canonical text are disjoint), else their union."""
    together = MultiPolygon(list(polygons))
    return together if together.is_valid else shapely.union_all(polygons)


#: Why a text whose parts all read is not taken as a drawing's own text.
NOT_CANONICAL = "the drawing text is not in canonical form (was it edited?)"
#: What a part of the text form can be (for messages).
EXPECTED_PARTS = "'r_<ids>', 'i_<ratings>' or 'o_<view>_<ring>'"


def read_outline_part(fields: Sequence[str], where: str) -> tuple[View, Polygon]:
    """The view and polygon of one ``o`` part of the text form, as written (``fields``: the
    part's ``_``-separated fields after ``o``); raise :class:`DrawingError` prefixed by
    ``where`` unless it is a valid polygon in the view's frame.

    >>> view, polygon = read_outline_part(["p", "0.500.9.0.0.9"], "part 1")
    >>> view, polygon.area
    ('posterior', 40.5)
    """
    if len(fields) < 2:
        raise DrawingError(f"{where}: expected {EXPECTED_PARTS}")
    view = CODE_VIEWS.get(fields[0])
    if view is None:
        raise DrawingError(f"{where}: unknown view code {_short(fields[0], 10)!r}")
    rings = [_decode_ring(ring, where) for ring in fields[1:]]
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        raise DrawingError(f"{where}: {shapely.is_valid_reason(polygon)}")
    try:
        check_in_frame(view, polygon)
    except DrawingError as exc:
        raise DrawingError(f"{where}: {exc}") from None
    return view, polygon


def split_text(text: str) -> tuple[str, list[str], str | None]:
    """A drawing text's version, its parts (``~``-separated, without a check part) and, for
    version 2, what is wrong with its check part (``None`` when it matches)."""
    version, *parts = text.split("~")
    if version != TEXT_VERSION:
        return version, parts, None
    body, _, last = text.rpartition("~")
    if not last.startswith("k_"):
        return version, parts, "its check part is missing: it was cut short"
    if last != f"k_{text_check(body)}":
        return version, parts[:-1], "its check does not match: it was cut short or edited"
    return version, parts[:-1], None


def text_check(body: str) -> str:
    """The check part's value for the text ``body`` before it: CRC-32 of its UTF-8 bytes,
    in base 36 (lower case, at most 7 characters)."""
    value = zlib.crc32(body.encode("utf-8"))
    digits = ""
    while True:
        value, digit = divmod(value, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if value == 0:
            return digits


def _check_view(view: str) -> None:
    if view not in schema.VIEWS:
        raise DrawingError(
            f"unknown view {_short(str(view))!r}; expected one of {', '.join(schema.VIEWS)}"
        )


def _check_region(rid: str, regions: Regions) -> None:
    if rid not in regions.table.index:
        raise UnknownRegionError(rid, regions.suggest(rid[:60]))


@dataclass
class Budget:
    """What is left of the caps (:data:`MAX_VERTICES`, :data:`MAX_PARTS`,
    :data:`MAX_CROSSINGS`) while the areas of one file are read."""

    vertices: int = MAX_VERTICES
    parts: int = MAX_PARTS
    crossings: int = MAX_CROSSINGS

    def repair(self, view: View, geom: BaseGeometry) -> MultiPolygon:
        """Check ``geom`` (in the frame, within what is left) and return its
        :func:`polygonal_area`; raise :class:`DrawingError` if it encloses nothing."""
        _check_size(geom)
        self.vertices -= shapely.get_num_coordinates(geom)
        self.parts -= shapely.get_num_geometries(geom)
        if self.vertices < 0:
            raise DrawingError(f"the outlines have more than {MAX_VERTICES} vertices in all")
        if self.parts < 0:
            raise DrawingError(f"the outlines have more than {MAX_PARTS} polygons in all")
        check_in_frame(view, geom)
        area, crossings = _repaired(_rounded(geom), self.crossings)
        self.crossings -= crossings
        if area.area == 0:
            raise DrawingError("the outline encloses no area (empty, or its points lie on a line)")
        return area


def _plain_json(geo: dict[str, Any]) -> dict[str, Any]:
    """Return a GeoJSON geometry with plain nested lists (tuples → lists) for JSON."""
    result: dict[str, Any] = json.loads(json.dumps(geo))
    return result


def _read_feature(
    feature: Any, where: str, regions: Regions, tapped: list[str], ratings: dict[str, int]
) -> tuple[View, BaseGeometry] | None:
    """Read one feature of :meth:`Drawing.from_geojson`: a region goes into ``tapped`` and
    ``ratings``; an outline is returned as ``(view, geometry)``."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DrawingError(f"{where} is not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise DrawingError(f"{where}: 'properties' must be an object")
    if "region" in props:
        rid = props["region"]
        if not isinstance(rid, str):
            raise DrawingError(f"{where}: 'region' must be a string")
        try:
            _check_region(rid, regions)
        except UnknownRegionError as exc:
            raise DrawingError(f"{where}: {exc}") from exc  # the cause names the region
        if "intensity" in props:
            value = props["intensity"]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise DrawingError(f"{where}: 'intensity' must be a whole number 0-10")
            ratings[rid] = value
        if props.get("kind") != "intensity":
            tapped.append(rid)
        return None
    view = props.get("view")
    if not schema.is_view(view):
        raise DrawingError(
            f"{where}: needs 'region' or a 'view' ({', '.join(schema.VIEWS)}), "
            f"got {_short(repr(view))}"
        )
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DrawingError(f"{where}: geometry must be a Polygon or MultiPolygon")
    _check_counts(geometry, where)
    try:
        # A NaN or infinite coordinate is refused below (check_in_frame) in one line; numpy
        # would first warn about it on stderr while the rings are built.
        with np.errstate(invalid="ignore", over="ignore"):
            geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        message = _short(f"{exc.__class__.__name__}: {exc}", 80)
        raise DrawingError(f"{where}: malformed coordinates ({message})") from None
    return view, geom


def _check_counts(geometry: dict[str, Any], where: str) -> None:
    """Refuse a GeoJSON (Multi)Polygon with more than :data:`MAX_PARTS` polygons or
    :data:`MAX_VERTICES` positions before shapely builds it (building 10,000 polygons takes
    longer than reading any accepted drawing)."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return  # shape() says what is wrong
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    if len(polygons) > MAX_PARTS:
        raise DrawingError(
            f"{where}: an area has {len(polygons)} polygons; the limit is {MAX_PARTS}"
        )
    positions = 0
    for polygon in polygons:
        if isinstance(polygon, list):
            positions += sum(len(ring) for ring in polygon if isinstance(ring, list))
            if positions > MAX_VERTICES:
                raise DrawingError(
                    f"{where}: an area has more than {MAX_VERTICES} vertices; the limit is "
                    f"{MAX_VERTICES}"
                )


def _encode_ring(ring: shapely.LinearRing) -> str:
    coords = np.asarray(ring.coords, dtype=float)[:-1].round().astype(np.int64)
    deltas = np.vstack([coords[:1], np.diff(coords, axis=0)])
    return ".".join(map(str, deltas.ravel().tolist()))


def _decode_ring(text: str, where: str) -> np.ndarray:
    numbers = text.split(".")
    if len(numbers) < 6 or len(numbers) % 2 or not all(_INT.fullmatch(n) for n in numbers):
        raise DrawingError(f"{where}: a ring must be at least 3 pairs of whole numbers")
    deltas = np.array(numbers, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(deltas, axis=0).astype(float)
