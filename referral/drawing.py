"""Pain drawings: what hurts, per view and side, and how it is measured on the skin.

A :class:`Drawing` holds the region ids a user tapped and the areas they outlined, one
(Multi)Polygon per view in the frame of :mod:`referral.schema`. It can be built from region
ids, outlines (closed paths, self-intersections repaired), the app's GeoJSON export, CHOIR
Body Map codes, or its compact text form (kept in the page URL). Outlines are stored at a
precision of 1 frame unit (≈ 1.7 mm on the reference adult) and simplified within that
tolerance, so every export round-trips exactly.

Views are projections of one skin: :func:`measure` assigns each region's painful skin to
one view so that an area seen in two views is counted once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.regions import Regions

#: Grid (frame units) outlines are snapped to; 1 unit ≈ 1.7 mm on the reference adult.
PRECISION = 1.0
#: Limits that keep a hostile file or URL from exhausting memory.
MAX_TEXT_CHARS = 200_000
MAX_VERTICES = 50_000
MAX_SIMPLIFY_PASSES = 8
TEXT_VERSION = "1"
VIEW_CODES: dict[str, str] = {
    "anterior": "a",
    "posterior": "p",
    "left-lateral": "ll",
    "right-lateral": "rl",
}
CODE_VIEWS = {code: view for view, code in VIEW_CODES.items()}
GEOJSON_FORMAT = {"format": "referral-map pain drawing", "version": 1}

_INT = re.compile(r"-?\d{1,7}")


class DrawingError(ValueError):
    """A drawing, file, outline or URL could not be read; the message says why."""


class UnknownRegionError(DrawingError):
    """A region id that does not exist; carries the closest valid ids."""

    def __init__(self, rid: str, suggestions: Sequence[str]):
        self.region = rid
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown region {rid!r}{hint}")


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

    Simplifying (Douglas-Peucker, tolerance ``PRECISION / 2``) only removes vertices, so it
    is repeated on the snapped result until nothing changes. The result is idempotent,
    ``canonical_area(canonical_area(g)) == canonical_area(g)``, which is what makes GeoJSON
    and text exports round-trip exactly.
    """
    if geom.is_empty:
        return _empty()
    valid = _as_multipolygon(geom if geom.is_valid else shapely.make_valid(geom))
    current = _snapped(valid)
    for _ in range(MAX_SIMPLIFY_PASSES):
        simpler = _snapped(shapely.simplify(current, PRECISION / 2, preserve_topology=True))
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


def enclosed_area(points: Sequence[Sequence[float]]) -> MultiPolygon:
    """Return every area a closed path encloses, whatever its winding or self-crossings.

    The path is closed, noded at its self-intersections and polygonized; the union of the
    faces is the enclosed area (a figure-of-eight gives both loops). Raises
    :class:`DrawingError` for fewer than 3 distinct points or non-finite coordinates.
    """
    try:
        coords = np.asarray(points, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DrawingError(f"an outline must be a list of [x, y] points ({exc})") from None
    if coords.ndim != 2 or coords.shape[1] != 2:
        raise DrawingError("an outline must be a list of [x, y] points")
    if len(coords) > MAX_VERTICES:
        raise DrawingError(f"an outline has {len(coords)} points; the limit is {MAX_VERTICES}")
    if not np.isfinite(coords).all():
        raise DrawingError("an outline has a coordinate that is not a finite number")
    if len(np.unique(coords, axis=0)) < 3:
        raise DrawingError("an outline needs at least 3 distinct points")
    ring = shapely.LineString(np.vstack([coords, coords[:1]]))
    faces = shapely.polygonize(shapely.get_parts(shapely.node(ring)))
    area = _as_multipolygon(shapely.union_all(shapely.get_parts(faces)))
    if area.is_empty:
        raise DrawingError("the outline encloses no area (its points lie on a line)")
    return area


@dataclass(frozen=True)
class Drawing:
    """What hurts: tapped region ids plus outlined areas per view (canonical MultiPolygons)."""

    regions: frozenset[str] = frozenset()
    outlines: Mapping[str, MultiPolygon] = field(default_factory=dict)

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
        that carries a code is painful."""
        ids: set[str] = set()
        for raw in codes:
            text = str(raw).strip()
            if not text:
                continue
            if not text.isdigit():
                raise DrawingError(f"CHOIR code {text!r} is not a number")
            try:
                ids.update(regions.from_choir(int(text)))
            except KeyError:
                raise DrawingError(
                    f"unknown CHOIR code {text} (codes are 101-136 front, 201-238 back)"
                ) from None
        return cls(regions=frozenset(ids))

    @classmethod
    def from_outline(cls, view: str, points: Sequence[Sequence[float]]) -> Drawing:
        """Build a drawing from one closed path in ``view`` (self-crossings are repaired)."""
        return cls().with_outline(view, points)

    def with_regions(self, ids: Iterable[str], regions: Regions) -> Drawing:
        """Return a copy with more tapped regions."""
        return Drawing(self.regions | Drawing.from_regions(ids, regions).regions, self.outlines)

    def without_regions(self, ids: Iterable[str]) -> Drawing:
        """Return a copy with these regions no longer tapped."""
        return Drawing(self.regions - set(ids), self.outlines)

    def with_outline(self, view: str, points: Sequence[Sequence[float]]) -> Drawing:
        """Return a copy with the area enclosed by ``points`` added to ``view``."""
        _check_view(view)
        area = enclosed_area(points)
        return self.with_area(view, area)

    def with_area(self, view: str, area: BaseGeometry) -> Drawing:
        """Return a copy with a polygonal ``area`` (any validity) added to ``view``."""
        _check_view(view)
        merged = area if view not in self.outlines else self.outlines[view].union(area)
        canonical = canonical_area(merged)
        if canonical.is_empty and area.area > 0 and view not in self.outlines:
            raise DrawingError("the outline is too small to keep (under about 2 mm across)")
        outlines = dict(self.outlines)
        if canonical.is_empty:
            outlines.pop(view, None)
        else:
            outlines[view] = canonical
        return Drawing(self.regions, outlines)

    # -- queries ------------------------------------------------------------------------

    @property
    def is_empty(self) -> bool:
        """True when nothing is tapped or outlined."""
        return not self.regions and not self.outlines

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
            and self.outlines.keys() == other.outlines.keys()
            and all(
                shapely.equals_exact(self.outlines[v], other.outlines[v], 0) for v in self.outlines
            )
        )

    def __hash__(self) -> int:
        return hash((self.regions, tuple(sorted(self.outlines))))

    # -- GeoJSON ------------------------------------------------------------------------

    def to_geojson(self) -> dict[str, Any]:
        """Return the app's export format: a GeoJSON FeatureCollection.

        Tapped regions are features with ``properties.kind == "region"`` and no geometry;
        outlines are MultiPolygon features with ``properties.kind == "outline"`` and
        ``properties.view``. Coordinates are in the frame of :mod:`referral.schema`.
        """
        features: list[dict[str, Any]] = [
            {"type": "Feature", "properties": {"kind": "region", "region": rid}, "geometry": None}
            for rid in sorted(self.regions)
        ]
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
        properties); raise :class:`DrawingError` naming the feature that is wrong."""
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise DrawingError("expected a GeoJSON FeatureCollection")
        features = data.get("features")
        if not isinstance(features, list):
            raise DrawingError("the FeatureCollection has no 'features' list")
        drawing = cls()
        for number, feature in enumerate(features, start=1):
            drawing = _add_feature(drawing, feature, number, regions)
        return drawing

    @classmethod
    def read(cls, path: Path | str, regions: Regions) -> Drawing:
        """Read a GeoJSON drawing file; errors name the file and what is wrong with it."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DrawingError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DrawingError(f"{path}: not valid JSON ({exc})") from None
        try:
            return cls.from_geojson(data, regions)
        except DrawingError as exc:
            raise DrawingError(f"{path}: {exc}") from None

    # -- compact text (URL) form ----------------------------------------------------------

    def to_text(self) -> str:
        """Return the compact, URL-safe text form.

        Grammar (parts joined by ``~``, fields by ``_``, integers by ``.``)::

            1~r_left-groin_left-upper-buttock~o_p_<ring>_<hole>~o_a_<ring>

        ``r`` lists region ids; ``o`` gives one polygon in a view (``a``, ``p``, ``ll``,
        ``rl``): its exterior ring, then holes. A ring is ``x0.y0.dx1.dy1…``: the first
        vertex, then differences, in whole frame units; the closing vertex is implied.
        """
        parts = [TEXT_VERSION]
        if self.regions:
            parts.append("_".join(["r", *sorted(self.regions)]))
        for view in schema.VIEWS:
            if view not in self.outlines:
                continue
            for polygon in self.outlines[view].geoms:
                rings = [polygon.exterior, *polygon.interiors]
                parts.append("_".join(["o", VIEW_CODES[view], *map(_encode_ring, rings)]))
        return "~".join(parts)

    @classmethod
    def from_text(cls, text: str, regions: Regions) -> Drawing:
        """Parse :meth:`to_text` output; anything malformed raises :class:`DrawingError`."""
        if not isinstance(text, str):
            raise DrawingError("the drawing text must be a string")
        if len(text) > MAX_TEXT_CHARS:
            raise DrawingError(f"the drawing text is longer than {MAX_TEXT_CHARS} characters")
        version, *parts = text.split("~")
        if version != TEXT_VERSION:
            raise DrawingError(f"drawing text version {version[:20]!r} is not {TEXT_VERSION!r}")
        ids: list[str] = []
        areas: dict[str, list[Polygon]] = {}
        for number, part in enumerate(parts, start=1):
            kind, *fields = part.split("_")
            where = f"drawing text part {number}"
            if kind == "r" and fields:
                ids.extend(fields)
            elif kind == "o" and len(fields) >= 2:
                view = CODE_VIEWS.get(fields[0])
                if view is None:
                    raise DrawingError(f"{where}: unknown view code {fields[0][:10]!r}")
                rings = [_decode_ring(ring, where) for ring in fields[1:]]
                polygon = Polygon(rings[0], rings[1:])
                if not polygon.is_valid:
                    raise DrawingError(f"{where}: {shapely.is_valid_reason(polygon)}")
                areas.setdefault(view, []).append(polygon)
            else:
                raise DrawingError(f"{where}: expected 'r_<ids>' or 'o_<view>_<ring>'")
        outlines = {view: canonical_area(shapely.union_all(polys)) for view, polys in areas.items()}
        drawing = cls(Drawing.from_regions(ids, regions).regions, outlines)
        if drawing.to_text() != text:
            raise DrawingError("the drawing text is not in canonical form (was it edited?)")
        return drawing


def _check_view(view: str) -> None:
    if view not in schema.VIEWS:
        raise DrawingError(f"unknown view {view!r}; expected one of {', '.join(schema.VIEWS)}")


def _check_region(rid: str, regions: Regions) -> None:
    if rid not in regions.table.index:
        raise UnknownRegionError(rid, regions.suggest(rid))


def _plain_json(geo: dict[str, Any]) -> dict[str, Any]:
    """Return a GeoJSON geometry with plain nested lists (tuples → lists) for JSON."""
    return json.loads(json.dumps(geo))


def _add_feature(drawing: Drawing, feature: Any, number: int, regions: Regions) -> Drawing:
    where = f"feature {number}"
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
            return drawing.with_regions([rid], regions)
        except UnknownRegionError as exc:
            raise DrawingError(f"{where}: {exc}") from None
    view = props.get("view")
    if view not in schema.VIEWS:
        raise DrawingError(
            f"{where}: needs 'region' or a 'view' ({', '.join(schema.VIEWS)}), got {view!r}"
        )
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DrawingError(f"{where}: geometry must be a Polygon or MultiPolygon")
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise DrawingError(f"{where}: malformed coordinates ({exc})") from None
    if shapely.get_num_coordinates(geom) > MAX_VERTICES:
        raise DrawingError(f"{where}: more than {MAX_VERTICES} vertices")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise DrawingError(f"{where}: a coordinate is not a finite number")
    return drawing.with_area(view, geom)


def _encode_ring(ring: shapely.LinearRing) -> str:
    coords = np.asarray(ring.coords, dtype=float)[:-1].round().astype(np.int64)
    deltas = np.vstack([coords[:1], np.diff(coords, axis=0)])
    return ".".join(map(str, deltas.ravel().tolist()))


def _decode_ring(text: str, where: str) -> np.ndarray:
    numbers = text.split(".")
    if len(numbers) < 6 or len(numbers) % 2 or not all(_INT.fullmatch(n) for n in numbers):
        raise DrawingError(f"{where}: a ring must be at least 3 pairs of whole numbers")
    if len(numbers) // 2 > MAX_VERTICES:
        raise DrawingError(f"{where}: more than {MAX_VERTICES} vertices")
    deltas = np.array(numbers, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(deltas, axis=0).astype(float)


# -- measuring a drawing on the skin ------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A drawing measured region by region, one entry per (region, view) that hurts.

    Entry ``i`` says that ``fraction[i]`` of region ``region[i]``'s area in ``view[i]`` is
    painful; ``piece[i]`` is that painful part, or ``None`` when the region was tapped whole
    (one entry then stands for every view, with ``view`` its home view).
    """

    region: tuple[str, ...]
    view: tuple[str, ...]
    fraction: np.ndarray
    piece: tuple[BaseGeometry | None, ...]


def measure(drawing: Drawing, regions: Regions) -> Measure:
    """Measure ``drawing`` region by region in every view where it is drawn.

    For view v and region r, ``f(v, r) = area(outline_v ∩ region_v,r) / area(region_v,r)``.
    A region outlined in several views gets one entry per view; the matcher counts its
    painful skin once, as ``max_v f(v, r)`` of the region's skin area. Tapped regions count
    whole and are not measured again from outlines.
    """
    region: list[str] = sorted(drawing.regions)
    view: list[str] = [regions.home_view(rid) for rid in region]
    fraction: list[float] = [1.0] * len(region)
    piece: list[BaseGeometry | None] = [None] * len(region)
    for v in schema.VIEWS:
        if v not in drawing.outlines:
            continue
        ids, pieces = regions.clip(v, drawing.outlines[v])
        if not ids:
            continue
        shares = np.minimum(shapely.area(pieces) / regions.areas(v, ids), 1.0)
        for rid, share, part in zip(ids, shares, pieces, strict=True):
            if rid not in drawing.regions and share > 0:
                region.append(rid)
                view.append(v)
                fraction.append(float(share))
                piece.append(part)
    return Measure(tuple(region), tuple(view), np.array(fraction), tuple(piece))
