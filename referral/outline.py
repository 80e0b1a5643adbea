"""Outlines: lasso paths and polygonal areas made valid, canonical and bounded.

Outlines are stored at a precision of 1 frame unit (≈ 1.7 mm on the reference adult) and
simplified within that tolerance, so every export round-trips exactly. Every function
refuses, with a :class:`DrawingError` saying why, what it cannot honour: degenerate
outlines (no area), coordinates outside the view's frame (``schema.VIEW_FRAMES``), and
inputs beyond the caps below, which keep any accepted drawing parsed and matched in well
under a second (measured: ``docs/matching.md``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from referral import schema
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
#: Most points of one path, or coordinates of one geometry or file, before decimation.
MAX_VERTICES = 10_000
#: Most self-crossings of the rings of one input (noding time grows with them: 2,500 take
#: ≈ 60 ms; a hand-drawn lasso crosses itself a few times).
MAX_CROSSINGS = 2_500
#: Most polygons in one input (a file or one area): a link holds at most ≈ 375.
MAX_PARTS = 400
MAX_SIMPLIFY_PASSES = 8
#: A path: a list of ``[x, y]`` pairs or an (n, 2) array, in frame units.
Points: TypeAlias = Sequence[Sequence[float]] | np.ndarray


class DrawingError(ValueError):
    """A drawing, file, outline or URL could not be read; the message says why."""


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), for messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _empty() -> MultiPolygon:
    return MultiPolygon()


def as_multipolygon(geom: BaseGeometry) -> MultiPolygon:
    """Keep the polygonal parts of ``geom`` as one MultiPolygon (lines and points dropped)."""
    polygons: list[Polygon] = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon) and not part.is_empty:
            polygons.append(part)
        elif part.geom_type in ("MultiPolygon", "GeometryCollection"):
            polygons.extend(as_multipolygon(part).geoms)
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
    valid = as_multipolygon(geom if geom.is_valid else polygonal_area(geom))
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
    current = shapely.normalize(as_multipolygon(shapely.set_precision(geom, PRECISION)))
    for _ in range(MAX_SIMPLIFY_PASSES):
        again = shapely.normalize(as_multipolygon(shapely.set_precision(current, PRECISION)))
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
        message = shorten(str(exc), 60)
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


def rounded(geom: BaseGeometry) -> BaseGeometry:
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
    return as_multipolygon(union), crossings


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
    return _repaired(rounded(geom), MAX_CROSSINGS)[0]


def _repaired(geom: BaseGeometry, max_crossings: int) -> tuple[MultiPolygon, int]:
    """(:func:`polygonal_area` of ``geom``, self-crossings found), refusing more than
    ``max_crossings`` self-crossings."""
    _check_size(geom)
    if geom.is_valid:
        return as_multipolygon(geom), 0
    parts: list[BaseGeometry] = []
    crossings = 0
    for polygon in as_multipolygon(geom).geoms:
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
    return as_multipolygon(shapely.union_all(parts)), crossings


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
    schema.check_view(view)
    coords = _path_coordinates(points)
    x0, y0, x1, y1 = schema.VIEW_FRAMES[view]
    clipped = np.c_[np.clip(coords[:, 0], x0, x1), np.clip(coords[:, 1], y0, y1)]
    try:
        return enclosed_area(clipped)
    except DrawingError as exc:
        if np.array_equal(clipped, coords):
            raise
        raise DrawingError(f"{exc} inside the {view} view") from None


def merged(polygons: Sequence[Polygon]) -> BaseGeometry:
    """The union of valid ``polygons``: their MultiPolygon when that is valid (the parts of
    a canonical text are disjoint), else their union."""
    together = MultiPolygon(list(polygons))
    return together if together.is_valid else shapely.union_all(polygons)


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
        area, crossings = _repaired(rounded(geom), self.crossings)
        self.crossings -= crossings
        if area.area == 0:
            raise DrawingError("the outline encloses no area (empty, or its points lie on a line)")
        return area
