"""Build ``data/dermatomes.geojson`` from ``data/dermatome_specs.csv`` and the body landmarks.

Each level C2 … S3 gets its **key sensory point** (ISNCSCI, ``isncsci2008``) placed on the
reference body, and the thoracic levels T3 … T12 a **schematic band** round the trunk:

- the band runs from the posterior midline at the spinous process of the same number, over
  the mid-axillary line at mid-height, to the anterior key point and on to the anterior
  midline at that height (a drawing rule: ``evidence = derived``);
- it is ``BAND_CM`` wide, cut square at its ends, clipped to the trunk (the outline less the
  arm, head and leg regions), to the patient's left half in the front and back views and,
  in the lateral view, to the trunk in front of the back (``x ≥ LATERAL_FRONT_LIMIT``).

Point recipes (columns ``anterior``, ``posterior``, ``left-lateral``: the key point, blank =
not drawn in that view; ``back``: the band's posterior anchor):

- ``NAME dx dy``: landmark ``NAME`` moved by (dx, dy) cm (``schema.cm``);
- ``NAME@i dx dy``: vertex ``i`` of landmark line ``NAME``, moved likewise;
- ``mid:A,B,t``: the point a fraction ``t`` of the way from A to B (t < 0 extrapolates);
- ``REGION:side``: inside the left region ``REGION`` of the view at its mid-height, on its
  ``medial``, ``middle`` or ``lateral`` side.

Derived anchors added to each view's landmarks: ``left-mcl-xiphoid`` and
``left-mcl-umbilicus`` (the midclavicular line, taken through the nipple, at those
heights), ``left-inguinal-midpoint`` (half-way along the inguinal ligament),
``left-knee-medial`` (the medial end of the knee line) and ``key-LEVEL`` for every key
point already placed.

Output is deterministic (0.01-unit grid, sorted by level, kind and view). Run
``python -m referral.build.dermatomes``; ``tests/test_dermatomes.py`` checks that the
committed file equals a fresh build.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import LineString, Point, box
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.body import Body, load_body
from referral.build import GRID, feature_collection, write_files
from referral.regions import Regions, load_regions
from referral.schema import cm

Coord = tuple[float, float]

SPECS_FILE = schema.DATA_DIR / "dermatome_specs.csv"
OUTPUT = "data/dermatomes.geojson"
#: Views drawn for the patient's left; the loader mirrors them onto the right.
DRAWN_VIEWS: tuple[schema.View, ...] = ("anterior", "posterior", "left-lateral")
#: Width of a schematic trunk band, cm (drawing choice: about one rib interspace and a half).
BAND_CM = 4.0
#: In the lateral view the flexed arm joins the chest; bands stop this far in front (units).
LATERAL_FRONT_LIMIT = -75.0
#: Regions a trunk band never enters: limbs below the hip and above the shoulder, and head.
NOT_TRUNK: frozenset[str] = frozenset(
    {
        "shoulder", "upper-arm", "elbow", "forearm", "wrist", "hand", "face", "scalp", "ear",
        "occiput", "suboccipital", "anterior-thigh", "lateral-thigh", "medial-thigh",
        "posterior-thigh", "knee", "shin", "calf", "ankle", "foot", "genital",
    }
)  # fmt: skip
FAR = 5000.0
SIDE_FRACTION: dict[str, float] = {"medial": 0.2, "middle": 0.5, "lateral": 0.8}


def read_specs(path: Path = SPECS_FILE) -> list[dict[str, str]]:
    """Rows of the spec table (values stripped), in spinal order."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [{k: (v or "").strip() for k, v in r.items()} for r in csv.DictReader(handle)]
    return sorted(rows, key=lambda r: schema.LEVEL_INDEX[r["level"]])


class Anchors:
    """Landmark points and lines of one view, plus the derived anchors named above."""

    def __init__(self, body: Body, regions: Regions, view: schema.View) -> None:
        marks = body.landmarks[view]
        self.view = view
        self.points: dict[str, Coord] = dict(marks.points)
        self.lines = {k: list(line.coords) for k, line in marks.lines.items()}
        self.regions = regions.in_view(view)
        if view == "anterior":
            nipple_x = self.points["left-nipple"][0]
            for name in ("xiphoid", "umbilicus"):
                self.points[f"left-mcl-{name}"] = (nipple_x, self.points[name][1])
            ligament = LineString(self.lines["left-inguinal-ligament"])
            middle = ligament.interpolate(0.5, normalized=True)
            self.points["left-inguinal-midpoint"] = (middle.x, middle.y)
            knee = self.lines["left-knee-line"]
            self.points["left-knee-medial"] = min(knee, key=lambda p: abs(p[0]))

    def resolve(self, recipe: str) -> Coord:
        """The point a recipe names (see the module docstring)."""
        if recipe.startswith("mid:"):
            a, b, t = recipe[4:].split(",")
            (ax, ay), (bx, by), frac = self.resolve(a), self.resolve(b), float(t)
            return ax + frac * (bx - ax), ay + frac * (by - ay)
        name, *offset = recipe.split()
        if ":" in name:
            region, side = name.split(":")
            return self._in_region(f"left-{region}", side)
        dx, dy = (cm(float(offset[0])), cm(float(offset[1]))) if offset else (0.0, 0.0)
        if "@" in name:
            line, index = name.split("@")
            x, y = self.lines[line][int(index)]
        else:
            if name not in self.points:
                raise KeyError(f"{self.view}: no landmark or anchor {name!r}")
            x, y = self.points[name]
        return x + dx, y + dy

    def _in_region(self, rid: str, side: str) -> Coord:
        """A point inside region ``rid`` at mid-height, ``side`` of the way from the midline."""
        geom = self.regions[rid]
        _, miny, _, maxy = geom.bounds
        y = (miny + maxy) / 2
        chord = geom.intersection(LineString([(-FAR, y), (FAR, y)]))
        xs = sorted(shapely.get_coordinates(chord)[:, 0], key=abs)
        near, far = xs[0], xs[-1]
        x = near + SIDE_FRACTION[side] * (far - near)
        return float(x), float(y)


def trunk(anchors: Anchors, body: Body) -> BaseGeometry:
    """Where a band may lie in the view: the left trunk (outline less ``NOT_TRUNK``)."""
    view = anchors.view
    parts = [
        geom
        for rid, geom in anchors.regions.items()
        if rid.startswith("left-") and rid.removeprefix("left-") not in NOT_TRUNK
    ]
    area = shapely.union_all(parts).intersection(body.outline(view))
    sign = schema.LEFT_SIGN.get(view)
    if sign is not None:
        area = area.intersection(box(0.0, -FAR, sign * FAR, FAR))
    else:
        area = area.intersection(box(LATERAL_FRONT_LIMIT, -FAR, FAR, FAR))
    return area


def band_line(
    view: schema.View, level: str, back: Coord, front: Coord, anchors: Anchors
) -> LineString:
    """The band's centre line in ``view`` from the back anchor and the front key point.

    ``back`` is the spinous process (posterior view), ``front`` the key point (anterior
    view). The mid-axillary crossing is at their mean height; the back view reaches half
    way down to it, the front view starts half way up from the key point. Lines overshoot
    the body and are clipped to the trunk afterwards.
    """
    y_back, y_front = back[1], front[1]
    y_side = (y_back + y_front) / 2
    beyond = 200.0
    if view == "posterior":
        return LineString([(0.0, y_back), (-beyond, (y_back + y_side) / 2)])
    if view == "anterior":
        return LineString([(beyond, (y_side + y_front) / 2), (front[0], y_front), (0.0, y_front)])
    spine_x = anchors.points[f"spinous-{level}"][0]
    return LineString([(spine_x + 20, y_back), (0.0, y_side), (-beyond, y_front)])


def snap(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the output grid; keep the polygonal part valid."""
    snapped = shapely.make_valid(shapely.set_precision(geom, GRID))
    if snapped.geom_type in ("Polygon", "MultiPolygon", "Point"):
        return snapped
    parts = [g for g in shapely.get_parts(snapped) if g.geom_type == "Polygon"]
    return shapely.union_all(parts)


def build_features(
    specs: list[dict[str, str]], body: Body, regions: Regions
) -> list[dict[str, Any]]:
    """One key-point feature per (level, view) with a recipe, one band per (band level, view)."""
    anchors = {view: Anchors(body, regions, view) for view in DRAWN_VIEWS}
    posterior = anchors["posterior"]
    pending = list(specs)
    placed: dict[str, dict[schema.View, Coord]] = {}
    features: list[dict[str, Any]] = []
    while pending:
        progressed = False
        for spec in list(pending):
            try:
                points = {v: anchors[v].resolve(spec[v]) for v in DRAWN_VIEWS if spec[v]}
            except KeyError:
                continue  # depends on a key point not placed yet
            pending.remove(spec)
            progressed = True
            placed[spec["level"]] = points
            for view, xy in points.items():
                anchors[view].points[f"key-{spec['level']}"] = xy
        if not progressed:
            names = ", ".join(s["level"] for s in pending)
            raise KeyError(f"dermatome key points cannot be placed (unknown anchors): {names}")
    for spec in specs:
        level = spec["level"]
        common = {
            "level": level,
            "key_point": spec["key_point"],
            "source_ids": spec["source_ids"],
            "note": spec["note"],
        }
        for view, xy in placed[level].items():
            inside = body.outline(view).buffer(GRID).contains(Point(xy))
            if not inside:
                raise ValueError(f"{level} key point in {view} lies outside the outline: {xy}")
            features.append(
                _feature(Point(xy), common, view, kind="key-point", evidence="secondary")
            )
        if spec["shape"] != "band":
            continue
        back = posterior.resolve(spec["back"])
        front = anchors["anterior"].resolve(spec["anterior"])
        half = cm(BAND_CM) / 2
        for view in DRAWN_VIEWS:
            line = band_line(view, level, back, front, anchors[view])
            strip = line.buffer(half, cap_style="flat", join_style="round", quad_segs=4)
            geom = snap(strip.intersection(trunk(anchors[view], body)))
            if geom.is_empty:
                continue
            features.append(_feature(geom, common, view, kind="band", evidence="derived"))
    features.sort(key=lambda f: _order(f["properties"]))
    return features


def _feature(
    geom: BaseGeometry, common: Mapping[str, str], view: schema.View, *, kind: str, evidence: str
) -> dict[str, Any]:
    props = {**common, "kind": kind, "view": view, "evidence": evidence, "drawing": "derived"}
    return {"properties": props, "geometry": geom}


def _order(props: Mapping[str, str]) -> tuple[int, str, int]:
    return (schema.LEVEL_INDEX[props["level"]], props["kind"], schema.VIEWS.index(props["view"]))


def build(body: Body | None = None, regions: Regions | None = None) -> str:
    """The text of ``data/dermatomes.geojson`` built from the current inputs."""
    specs = read_specs()
    return feature_collection(build_features(specs, body or load_body(), regions or load_regions()))


def main(root: Path = schema.ROOT) -> None:
    """Write ``data/dermatomes.geojson`` under ``root``."""
    write_files({OUTPUT: build()}, root)


if __name__ == "__main__":
    main()
