"""Pain drawings: what hurts, per view and side, and how much.

A :class:`Drawing` holds the region ids a user tapped, the areas they outlined (one
MultiPolygon per view, in the frame of :mod:`referral.schema`) and an optional pain
intensity 0-10 per painful region. It can be built from region ids, lasso paths
(:mod:`referral.outline` repairs and bounds them), the app's GeoJSON export, pasted CHOIR
Body Map codes or REDCap Image Map values, or its compact text form kept in the page URL
(:mod:`referral.formats` reads and writes them).

Measuring a drawing on the skin is the matcher's job (:func:`referral.matching.measure`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import MultiPolygon
from shapely.geometry.base import BaseGeometry

from referral import formats, schema
from referral.formats import MAX_TEXT_CHARS, CodeError, UnknownRegionError, check_region
from referral.outline import (
    Budget,
    DrawingError,
    Points,
    as_multipolygon,
    canonical_area,
    check_in_frame,
    lasso_area,
    merged,
    polygonal_area,
    rounded,
)
from referral.regions import Regions
from referral.schema import View

__all__ = ["INTENSITY_MAX", "CodeError", "Drawing", "DrawingError", "UnknownRegionError"]

#: Pain intensity on the 0-10 numeric rating scale.
INTENSITY_MAX = 10


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
            check_region(rid, regions)
        return cls(regions=frozenset(ids))

    @classmethod
    def from_choir(cls, codes: Iterable[int | str], regions: Regions) -> Drawing:
        """Build a drawing from CHOIR Body Map codes (e.g. ``218, 122``): every region of ours
        that carries a code is painful (:func:`referral.formats.choir_regions`)."""
        return cls(regions=frozenset(formats.choir_regions(codes, regions)))

    @classmethod
    def from_codes(cls, text: str, regions: Regions) -> Drawing:
        """Build a drawing from pasted codes: ``218,223``, ``218 223``, ``b18,b23``, ``f01``
        (:func:`referral.formats.parse_codes`); anything else raises :class:`DrawingError`."""
        return cls.from_choir(formats.parse_codes(text), regions)

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
        schema.check_view(view)
        return self._with_areas(view, [area])

    def _with_areas(
        self, view: View, areas: Sequence[BaseGeometry], *, repaired: bool = False
    ) -> Drawing:
        """Add several areas to ``view`` with one union and one canonicalisation (each is
        checked and repaired by :meth:`Budget.repair`, unless it has been: ``repaired``)."""
        if not repaired:
            budget = Budget()
            areas = [budget.repair(view, area) for area in areas]
        parts = [part for area in areas for part in as_multipolygon(area).geoms]
        # Repaired areas are valid: disjoint ones need no union (GEOS's union of a few
        # hundred disjoint parts takes ≈ 25 ms).
        added = merged(parts)
        union = added if view not in self.outlines else self.outlines[view].union(added)
        canonical = canonical_area(union)
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
        schema.check_view(view)
        check_in_frame(view, area)
        erase = polygonal_area(rounded(area))
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
            check_region(rid, regions)
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

    def shapes(self, regions: Regions) -> dict[View, BaseGeometry]:
        """Return the painful area per view: tapped regions visible there ∪ outlines there."""
        result: dict[View, BaseGeometry] = {}
        for view in schema.VIEWS:
            parts = [regions.union(view, self.regions), self.outlines.get(view)]
            drawn = [part for part in parts if part is not None]
            if drawn:
                result[view] = drawn[0] if len(drawn) == 1 else shapely.union_all(drawn)
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

    # -- formats ----------------------------------------------------------------------

    def to_geojson(self) -> dict[str, Any]:
        """The app's export format, a GeoJSON FeatureCollection (:func:`formats.to_geojson`)."""
        return formats.to_geojson(self.regions, self.intensity, self.outlines)

    @classmethod
    def from_geojson(cls, data: Any, regions: Regions) -> Drawing:
        """Read a FeatureCollection written by :meth:`to_geojson` (or any with the same
        properties, :func:`formats.read_geojson`); raise :class:`DrawingError` naming the
        feature that is wrong. Outlines of one view are merged with one union."""
        content = formats.read_geojson(data, regions)
        drawing = cls.from_regions(content.regions, regions)
        for view in schema.VIEWS:
            if view in content.areas:
                drawing = drawing._with_areas(view, content.areas[view], repaired=True)
        for rid, value in sorted(content.ratings.items()):
            drawing = drawing.with_intensity(rid, value, regions)
        return drawing

    @classmethod
    def read(cls, path: Path | str, regions: Regions) -> Drawing:
        """Read a GeoJSON drawing file (:func:`formats.read_json_file`); errors name the file
        and what is wrong with it."""
        data = formats.read_json_file(path)
        try:
            return cls.from_geojson(data, regions)
        except DrawingError as exc:
            raise DrawingError(f"{path}: {exc}") from None

    def to_text(self) -> str:
        """The compact, URL-safe text form (grammar: :func:`formats.write_text`).

        >>> Drawing(frozenset({"left-groin"}), intensity={"left-groin": 7}).to_text()
        '2~r_left-groin~i_left-groin.7~k_18qxda8'
        """
        return formats.write_text(self._text_parts())

    def _text_parts(self) -> list[str]:
        """The text form's parts between the version and the check."""
        return formats.text_parts(self.regions, self.intensity, self.outlines)

    @classmethod
    def from_text(cls, text: str, regions: Regions) -> Drawing:
        """Parse :meth:`to_text` output (version 2, or version 1 without the check part;
        :func:`formats.read_text`); anything malformed, cut short, edited or not in the
        canonical form the drawing would write raises :class:`DrawingError`."""
        content = formats.read_text(text)
        outlines = {v: canonical_area(merged(polys)) for v, polys in content.areas.items()}
        drawing = cls(Drawing.from_regions(content.regions, regions).regions, outlines)
        for rid, value in content.ratings.items():
            drawing = drawing.with_intensity(rid, value, regions)
        if drawing._text_parts() != content.parts:
            raise DrawingError(formats.NOT_CANONICAL)
        return drawing
