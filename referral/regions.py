"""Named, lateralised body regions that tile each view's outline.

``data/regions.geojson`` (written by ``python -m referral.build.regions``; see
``data/REGIONS.md``) has one feature per (region, view) where the region is visible. Region ids are
``{side}-{name}`` with the patient's side, e.g. ``"left-groin"``; each carries the CHOIR
Body Map codes of the same area and side.
"""

from __future__ import annotations

import difflib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeAlias

import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.strtree import STRtree

from referral import schema

Geometry: TypeAlias = Polygon | MultiPolygon
#: How many unions of tapped regions :meth:`Regions.union` keeps (shared by every session).
UNIONS_KEPT = 512


@dataclass(frozen=True)
class Region:
    """One lateralised region: id ``{side}-{name}``, display label and CHOIR codes."""

    id: str
    name: str
    side: schema.Side
    label: str
    choir: tuple[int, ...]


class Regions:
    """The region table, the shapes per view and point lookup."""

    def __init__(self, table: pd.DataFrame, shapes: dict[schema.View, dict[str, Geometry]]) -> None:
        """Build from a table (index ``id``; columns name, side, label, choir) and shapes."""
        self.table = table
        self.shapes = shapes
        self._trees: dict[schema.View, tuple[STRtree, list[str]]] = {}
        for view, by_id in shapes.items():
            ids = list(by_id)
            self._trees[view] = (STRtree([by_id[i] for i in ids]), ids)
        self._views: dict[str, list[schema.View]] = {
            rid: [v for v in schema.VIEWS if rid in shapes.get(v, {})] for rid in table.index
        }
        self._home: dict[str, schema.View] = {
            rid: max(views, key=lambda v: (shapes[v][rid].area, -schema.VIEWS.index(v)))
            for rid, views in self._views.items()
        }
        #: Every region, made once: the pages name regions on every run (a row read through
        #: pandas took ≈ 50 µs; naming the views and the marked regions that way took a sixth
        #: of the pain map's server time per tap in a profile under 15 users).
        self._regions: dict[str, Region] = {
            rid: Region(rid, row["name"], row["side"], row["label"], tuple(row["choir"]))
            for rid, row in zip(table.index, table.to_dict("records"), strict=True)
        }
        self._unions: dict[tuple[schema.View, frozenset[str]], BaseGeometry] = {}
        self._unions_lock = threading.Lock()

    def union(self, view: schema.View, ids: Iterable[str]) -> BaseGeometry | None:
        """The union of the regions ``ids`` as drawn in ``view`` (those it shows), or
        ``None`` when it shows none of them. Kept for the last :data:`UNIONS_KEPT` sets: a tap
        changes the tapped set of one view, and the page redraws all four."""
        shapes = self.in_view(view)
        shown = frozenset(rid for rid in ids if rid in shapes)
        if not shown:
            return None
        key = (view, shown)
        with self._unions_lock:
            union = self._unions.pop(key, None)
        if union is None:
            union = shapely.union_all([shapes[rid] for rid in sorted(shown)])
        with self._unions_lock:
            self._unions.pop(key, None)
            while len(self._unions) >= UNIONS_KEPT:
                del self._unions[next(iter(self._unions))]
            self._unions[key] = union  # newest last
        return union

    def ids(self) -> list[str]:
        """All region ids, sorted."""
        return sorted(self.table.index)

    def region(self, rid: str) -> Region:
        """Return one region; KeyError suggests the closest ids."""
        found = self._regions.get(rid)
        if found is None:
            raise KeyError(f"unknown region {rid!r}; did you mean {self.suggest(rid)}?")
        return found

    def in_view(self, view: schema.View) -> dict[str, Geometry]:
        """Shapes of the regions visible in ``view`` by id (:class:`schema.UnknownViewError`
        for an unknown view)."""
        return self.shapes[schema.check_view(view)]

    def views_of(self, rid: str) -> list[schema.View]:
        """The views (in schema order) in which region ``rid`` is visible."""
        if rid not in self._views:
            self.region(rid)  # raises with suggestions
        return list(self._views[rid])

    def locate(self, view: schema.View, x: float, y: float) -> str | None:
        """Id of the region of ``view`` containing (x, y) (boundary included), else None."""
        tree, ids = self._trees[schema.check_view(view)]
        point = Point(x, y)
        hits = tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # on a shared border several regions touch the point: take the first id, sorted
        return min(ids[i] for i in hits)

    def label_point(self, view: schema.View, rid: str) -> tuple[float, float]:
        """A point inside region ``rid`` in ``view`` (on its largest part), for labels."""
        geom = self.in_view(view).get(rid)
        if geom is None:
            raise KeyError(f"region {rid!r} is not visible in view {view!r}")
        part = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        p = shapely.point_on_surface(part)
        return (p.x, p.y)

    def suggest(self, text: str, n: int = 3) -> list[str]:
        """Up to ``n`` valid ids closest to ``text`` (difflib), also matching without a side."""
        ids = self.ids()
        found = difflib.get_close_matches(text, ids, n=n, cutoff=0.5)
        if len(found) < n:
            names = sorted({rid.partition("-")[2] for rid in ids})
            bare = text.partition("-")[2] if text.split("-")[0] in schema.SIDES else text
            for name in difflib.get_close_matches(bare, names, n=n, cutoff=0.5):
                for side in schema.SIDES:
                    rid = schema.region_id(side, name)
                    if rid not in found:
                        found.append(rid)
        return found[:n]

    def from_choir(self, code: int) -> list[str]:
        """Ids of the regions carrying CHOIR code ``code``; KeyError if none."""
        hits = sorted(rid for rid, codes in self.table["choir"].items() if code in codes)
        if not hits:
            raise KeyError(f"no region carries CHOIR code {code!r}")
        return hits

    def areas(self, view: schema.View, ids: Sequence[str]) -> np.ndarray:
        """Areas (units²) of regions ``ids`` as drawn in ``view``; KeyError if one is absent."""
        shapes = self.in_view(view)
        missing = [rid for rid in ids if rid not in shapes]
        if missing:
            raise KeyError(f"regions {missing} are not visible in view {view!r}")
        return shapely.area(np.array([shapes[rid] for rid in ids], dtype=object))

    def clip(self, view: schema.View, area: BaseGeometry) -> tuple[list[str], np.ndarray]:
        """Cut ``area`` by the regions of ``view``: (ids, pieces) where the piece is not empty.

        Ids are sorted; ``pieces[i] = area ∩ region[ids[i]]`` (shapely, vectorised).
        """
        tree, ids = self._trees[schema.check_view(view)]
        hits = sorted(tree.query(area, predicate="intersects"), key=lambda i: ids[i])
        if not hits:
            return [], np.array([], dtype=object)
        shapes = tree.geometries.take(hits)
        pieces = shapely.intersection(shapes, area)
        keep = shapely.area(pieces) > 0
        return [ids[i] for i, k in zip(hits, keep, strict=True) if k], pieces[keep]

    def home_view(self, rid: str) -> schema.View:
        """The view showing region ``rid`` largest (least foreshortened); ties in view order."""
        if rid not in self._home:
            self.region(rid)  # raises with suggestions
        return self._home[rid]

    def skin_area(self, rid: str) -> float:
        """Skin area of ``rid`` (units²), estimated as its area in its :meth:`home_view`.

        A region seen in several views counts once: a projection never exceeds the skin it
        shows, so the largest projection is the best estimate.
        """
        return float(self.shapes[self.home_view(rid)][rid].area)


def load_regions(path: Path = schema.REGIONS_FILE) -> Regions:
    """Read ``regions.geojson`` into a :class:`Regions`."""
    doc = json.loads(Path(path).read_text())
    rows: dict[str, dict] = {}
    shapes: dict[schema.View, dict[str, Geometry]] = {view: {} for view in schema.VIEWS}
    for feature in doc["features"]:
        props = feature["properties"]
        rid, view = props["id"], props["view"]
        if not schema.is_view(view):
            raise ValueError(f"{path}: region {rid!r} has unknown view {view!r}")
        side, name = schema.split_region_id(rid)
        if (side, name) != (props["side"], props["name"]):
            raise ValueError(f"{path}: region {rid!r} disagrees with its side/name fields")
        row = {
            "name": name,
            "side": side,
            "label": props["label"],
            "choir": tuple(int(c) for c in props["choir"]),
        }
        if rows.setdefault(rid, row) != row:
            raise ValueError(f"{path}: region {rid!r} has different properties in two views")
        shapes[view][rid] = shape(feature["geometry"])
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "id"
    return Regions(table.sort_index(), shapes)


@cache
def redcap_codes(path: Path = schema.CHOIR_FILE) -> dict[str, int]:
    """REDCap Image Map key (``b18``, ``f01``) -> CHOIR Body Map code, from ``path``."""
    table = pd.read_csv(path, dtype={"redcap_key": str, "choir_code": int})
    return dict(zip(table["redcap_key"].str.lower(), table["choir_code"], strict=True))
