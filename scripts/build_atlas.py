"""Build the referral atlas geometry: ``data/zones.geojson`` and ``data/courses.geojson``.

Inputs (all data, read from ``data/``):

- ``zone_specs.csv``: one row per zone: id, level, pathway, kind, weight, evidence, the
  sources of the claim and the name of the shape it is drawn with;
- ``zone_shapes.csv``: one row per (shape, view): a landmark-relative recipe for the
  patient's LEFT side;
- ``course_specs.csv``: landmark-relative polylines of the named nerves;
- ``pathways.csv``: ramus and nerve of every (level, pathway);
- the body landmarks and outlines in ``assets/body_outlines/`` (the geometry helper's).

Recipes. A *point* is ``NAME [dx dy]``: landmark ``NAME`` of the view moved by ``dx, dy``
centimetres of the reference adult (``schema.cm``; x and y in the view's frame, so on the
posterior view ``dx < 0`` is lateral on the patient's left). ``line:NAME [dx dy]`` expands
to every vertex of a landmark line. Points are separated by ``;``. Recipes:

- ``poly``: closed ring through the points, smoothed by Chaikin corner cutting;
- ``band``: the polyline through the points buffered to ``size_cm`` wide (round caps);
- ``disc``: a disc of radius ``size_cm`` around one point.

Every zone is then clipped to its view's outline, to the patient's left half of the front
and back views (zones stop at the midline) and to above the knee line. Courses without a
row in ``course_specs.csv`` are drawn as a schematic line from the exit point beside the
spinous process (``EXIT_CM`` lateral) through the core zones of the pathway.

Output is deterministic: coordinates snapped to a 0.01-unit grid, features sorted by level,
id and view. Run ``python scripts/build_atlas.py``; ``tests/test_atlas.py`` checks that the
committed files equal a fresh build.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box, mapping, shape
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.schema import cm

Coord = tuple[float, float]

ZONE_SPECS = schema.DATA_DIR / "zone_specs.csv"
ZONE_SHAPES = schema.DATA_DIR / "zone_shapes.csv"
COURSE_SPECS = schema.DATA_DIR / "course_specs.csv"

#: Views the atlas is drawn in (patient's left); the rest are mirrors (schema.MIRROR_VIEW).
DRAWN_VIEWS: tuple[str, ...] = ("anterior", "posterior", "left-lateral")
#: Output grid in units: coordinates are written with 2 decimals.
GRID = 0.01
#: Chaikin corner-cutting passes for ``poly`` rings and course lines (drawing choice).
SMOOTH_PASSES = 3
#: Circle resolution of buffers, segments per quarter circle (drawing choice).
QUAD_SEGS = 6
#: Exit of a branch beside its spinous process, cm lateral to the midline (brief: 1-2 cm).
EXIT_CM = 1.5
#: Half-plane extent for clipping, larger than the 1000-unit frame.
FAR = 5000.0
#: Landmark line whose y is the knee line in every drawn view (contract: y = 285).
KNEE_LINE = "left-knee-line"

#: Contract landmark table (contract.md), used only when a landmark file lacks a name.
#: Values are the contract's; the build reports each use on stderr.
CONTRACT_FALLBACK: dict[str, dict[str, Coord]] = {
    "posterior": {
        "inion": (0.0, 925.0),
        "left-mastoid": (-38.0, 905.0),
        "left-greater-occipital-nerve": (-cm(2), 925.0 - cm(2)),
        "left-acromion": (-129.5, 818.0),
        "left-scapula-superior-angle": (-cm(6.5), 815.8),
        "left-scapula-spine-root": (-cm(6.5), 801.7),
        "left-iliac-crest-point": (-cm(7), 578.0),
        "left-iliac-crest-summit": (-82.0, 595.6),
        "left-iliac-crest-lateral-lip": (-88.0, 590.0),
        "left-psis": (-cm(3.5), 547.0),
        "left-middle-cluneal-point": (-cm(3.6), 547.0 - cm(1.5)),
        "left-greater-trochanter": (-95.0, 530.0),
        "left-greater-trochanter-top": (-95.0, 545.0),
        "left-12th-rib-tip": (-cm(13), 650.0),
        "coccyx-tip": (0.0, 505.0),
    },
    "anterior": {
        "umbilicus": (0.0, 605.0),
        "pubic-symphysis": (0.0, 535.0),
        "left-asis": (cm(12), 570.0),
        "left-pubic-tubercle": (cm(2.5), 530.0),
        "left-greater-trochanter": (95.0, 530.0),
        "left-iliac-crest-anterior-top": (82.0, 595.0),
        "left-costal-margin-lowest": (cm(10), 645.0),
    },
    "left-lateral": {
        "left-tragus": (0.0, 930.0),
        "inion": (cm(9.5), 925.0),
        "left-asis": (-cm(9), 570.0),
        "left-iliac-crest-summit": (cm(1), 600.0),
        "left-psis": (cm(10), 547.0),
        "left-greater-trochanter": (0.0, 530.0),
        "left-12th-rib-tip": (cm(5), 650.0),
    },
}


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into a list of row dicts (all values stripped strings)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


class Frame:
    """Landmarks and outline of one view, with the contract fallback for missing names."""

    def __init__(self, view: str, directory: Path = schema.ASSETS_DIR) -> None:
        self.view = view
        self.points: dict[str, Coord] = {}
        self.lines: dict[str, list[Coord]] = {}
        self.fallbacks: set[str] = set()
        lm_path = directory / schema.LANDMARKS_FILE.format(view=view)
        if lm_path.exists():
            doc = json.loads(lm_path.read_text(encoding="utf-8"))
            self.points = {k: (float(x), float(y)) for k, (x, y) in doc["points"].items()}
            self.lines = {k: [(float(x), float(y)) for x, y in v] for k, v in doc["lines"].items()}
        # Spinous processes exist on the posterior view at x = 0 when the file is missing.
        out_path = directory / schema.OUTLINE_FILE.format(view=view)
        self.outline: BaseGeometry | None = None
        if out_path.exists():
            doc = json.loads(out_path.read_text(encoding="utf-8"))
            self.outline = shape(doc["features"][0]["geometry"])

    def point(self, name: str) -> Coord:
        """Return landmark ``name``, falling back to the contract table (and recording it)."""
        if name in self.points:
            return self.points[name]
        fallback = CONTRACT_FALLBACK.get(self.view, {})
        if name in fallback:
            self.fallbacks.add(name)
            return fallback[name]
        raise KeyError(f"{self.view}: landmark {name!r} is missing and has no contract fallback")

    def line(self, name: str) -> list[Coord]:
        """Return landmark line ``name`` (KeyError naming the view if it is missing)."""
        if name not in self.lines:
            raise KeyError(f"{self.view}: landmark line {name!r} is missing")
        return self.lines[name]

    def knee_y(self) -> float:
        """Height of the knee line in this view (units)."""
        return max(y for _, y in self.line(KNEE_LINE))


# --------------------------------------------------------------------------------------
# Geometry recipes
# --------------------------------------------------------------------------------------


def parse_points(frame: Frame, text: str) -> list[Coord]:
    """Resolve ``"NAME dx dy; line:NAME dx dy; ..."`` into frame coordinates (dx, dy in cm)."""
    out: list[Coord] = []
    for token in (t.strip() for t in text.split(";")):
        if not token:
            continue
        name, *offset = token.split()
        dx, dy = (cm(float(offset[0])), cm(float(offset[1]))) if offset else (0.0, 0.0)
        if name.startswith("line:"):
            out.extend((x + dx, y + dy) for x, y in frame.line(name[5:]))
        else:
            x, y = frame.point(name)
            out.append((x + dx, y + dy))
    return out


def chaikin(coords: Sequence[Coord], closed: bool, passes: int = SMOOTH_PASSES) -> list[Coord]:
    """Smooth a polyline by Chaikin corner cutting (each edge -> its 1/4 and 3/4 points).

    Open lines keep their end points; closed rings are treated cyclically.
    """
    pts = np.asarray(coords, dtype=float)
    for _ in range(passes):
        if closed:
            a, b = pts, np.roll(pts, -1, axis=0)
            pts = np.column_stack([0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b]).reshape(-1, 2)
        else:
            a, b = pts[:-1], pts[1:]
            inner = np.column_stack([0.75 * a + 0.25 * b, 0.25 * a + 0.75 * b]).reshape(-1, 2)
            pts = np.vstack([pts[:1], inner[1:-1], pts[-1:]])
    return [(float(x), float(y)) for x, y in pts]


def build_shape(frame: Frame, recipe: str, points: str, size_cm: str) -> BaseGeometry:
    """Build the raw (unclipped) polygon of one recipe row in ``frame``."""
    coords = parse_points(frame, points)
    if recipe == "poly":
        geom: BaseGeometry = Polygon(chaikin(coords, closed=True))
    elif recipe == "band":
        geom = LineString(coords).buffer(cm(float(size_cm)) / 2, quad_segs=QUAD_SEGS)
    elif recipe == "disc":
        geom = Point(coords[0]).buffer(cm(float(size_cm)), quad_segs=QUAD_SEGS)
    else:
        raise ValueError(f"unknown recipe {recipe!r}")
    return shapely.make_valid(geom)


def clip_region(frame: Frame) -> BaseGeometry:
    """Where a left-side zone may lie in ``frame``: outline ∩ left half ∩ above the knee."""
    region: BaseGeometry = box(-FAR, frame.knee_y(), FAR, FAR)
    sign = schema.LEFT_SIGN.get(frame.view)
    if sign is not None:
        region = region.intersection(box(0.0, -FAR, sign * FAR, FAR))
    if frame.outline is not None:
        region = region.intersection(frame.outline)
    return region


def snap(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the output grid, keep a valid result of the input's dimension."""
    snapped = shapely.set_precision(geom, GRID)
    return shapely.make_valid(snapped) if not snapped.is_valid else snapped


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the polygonal parts of ``geom`` (drops slivers reduced to lines/points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else Polygon()


def linear(geom: BaseGeometry) -> BaseGeometry:
    """Keep only the linear parts of ``geom``, merged into a (Multi)LineString."""
    if geom.geom_type in ("LineString", "MultiLineString"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type.endswith("LineString")]
    return shapely.line_merge(shapely.union_all(parts)) if parts else LineString()


# --------------------------------------------------------------------------------------
# Zones and courses
# --------------------------------------------------------------------------------------


def split_ids(text: str) -> list[str]:
    """Split a ``;``-separated id list, dropping blanks."""
    return [s.strip() for s in text.split(";") if s.strip()]


def merge_ids(*lists: Iterable[str]) -> str:
    """Join id lists in order of first appearance, without duplicates."""
    seen: dict[str, None] = {}
    for ids in lists:
        for item in ids:
            seen.setdefault(item, None)
    return ";".join(seen)


def build_zones(
    frames: dict[str, Frame], pathways: dict[tuple[str, str], dict[str, str]]
) -> list[dict[str, Any]]:
    """Return the zone features (left side, drawn views), sorted deterministically."""
    shapes: dict[str, dict[str, dict[str, str]]] = {}
    for row in read_csv(ZONE_SHAPES):
        shapes.setdefault(row["shape"], {})[row["view"]] = row
    clips = {view: clip_region(frames[view]) for view in DRAWN_VIEWS}
    features = []
    for spec in read_csv(ZONE_SPECS):
        info = pathways[(spec["level"], spec["pathway"])]
        for view in DRAWN_VIEWS:
            recipe = shapes[spec["shape"]].get(view)
            if recipe is None:
                continue
            raw = build_shape(frames[view], recipe["recipe"], recipe["points"], recipe["size_cm"])
            geom = polygonal(snap(raw.intersection(clips[view])))
            if geom.is_empty:
                print(f"warning: zone {spec['zone_id']} is empty in {view}", file=sys.stderr)
                continue
            props = {
                "zone_id": spec["zone_id"],
                "level": spec["level"],
                "pathway": spec["pathway"],
                "ramus": info["ramus"],
                "nerve": info["nerve"],
                "kind": spec["kind"],
                "weight": spec["weight"],
                "evidence": spec["evidence"],
                "drawing": spec["drawing"],
                "source_ids": merge_ids(split_ids(spec["source_ids"])),
                "note": spec["note"],
                "view": view,
                "shape": spec["shape"],
            }
            features.append({"properties": props, "geometry": shapely.orient_polygons(geom)})
    features.sort(key=lambda f: _order(f["properties"], f["properties"]["zone_id"]))
    return features


def _order(props: dict[str, str], key: str) -> tuple[int, str, int]:
    """Sort key: level (schema order), then ``key``, then view (DRAWN_VIEWS order)."""
    return (schema.LEVEL_INDEX[props["level"]], key, DRAWN_VIEWS.index(props["view"]))


def exit_point(frame: Frame, level: str) -> Coord:
    """Where the branch of ``level`` leaves the spine: EXIT_CM beside its spinous process.

    Lateral in front/back views means toward the patient's left; in the lateral view the
    spinous tips lie on the back, so the exit is EXIT_CM deeper (toward x < 0).
    """
    if level == "C8":  # the C8 nerve leaves between C7 and T1 (no C8 vertebra)
        (x7, y7), (x1, y1) = frame.point("spinous-C7"), frame.point("spinous-T1")
        x, y = (x7 + x1) / 2, (y7 + y1) / 2
    else:
        x, y = frame.point(f"spinous-{level}")
    sign = schema.LEFT_SIGN.get(frame.view, -1)
    return (x + sign * cm(EXIT_CM), y)


def build_courses(
    frames: dict[str, Frame],
    pathways: dict[tuple[str, str], dict[str, str]],
    zones: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Return the course features: explicit ones from course_specs.csv, schematic for the rest."""
    clips = {
        view: (
            frames[view].outline if frames[view].outline is not None else box(-FAR, -FAR, FAR, FAR)
        )
        for view in DRAWN_VIEWS
    }
    drawn: dict[tuple[str, str, str], tuple[BaseGeometry, str]] = {}
    for row in read_csv(COURSE_SPECS):
        coords = chaikin(parse_points(frames[row["view"]], row["points"]), closed=False, passes=2)
        drawn[(row["level"], row["pathway"], row["view"])] = (LineString(coords), row["note"])
    explicit = {(lv, pw) for lv, pw, _ in drawn}
    for (level, pathway), _info in pathways.items():
        if (level, pathway) in explicit:
            continue
        for view in DRAWN_VIEWS:
            mine = [
                f
                for f in zones
                if (f["properties"]["level"], f["properties"]["pathway"], f["properties"]["view"])
                == (level, pathway, view)
            ]
            core = [f for f in mine if f["properties"]["weight"] == "core"] or mine
            if not core or "spinous-C7" not in frames[view].points:
                continue
            stops = [f["geometry"].point_on_surface() for f in core]
            stops.sort(key=lambda p: (-p.y, p.x))
            coords = [exit_point(frames[view], level), *[(p.x, p.y) for p in stops]]
            note = "Schematic: from the exit beside the spinous process through the core zones."
            drawn[(level, pathway, view)] = (LineString(coords), note)
    features = []
    for (level, pathway, view), (line, note) in drawn.items():
        info = pathways[(level, pathway)]
        geom = linear(snap(line.intersection(clips[view])))
        if geom.is_empty:
            print(f"warning: course {level} {pathway} is empty in {view}", file=sys.stderr)
            continue
        props = {
            "level": level,
            "pathway": pathway,
            "ramus": info["ramus"],
            "nerve": info["nerve"],
            "view": view,
            "evidence": "derived",
            "source_ids": merge_ids(split_ids(info["source_ids"]), ["project-derived"]),
            "note": note,
        }
        features.append({"properties": props, "geometry": geom})
    features.sort(key=lambda f: _order(f["properties"], f["properties"]["pathway"]))
    return features


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def _round(obj: Any) -> Any:
    """Round every float in nested GeoJSON coordinates to 2 decimals (no negative zero)."""
    if isinstance(obj, (list, tuple)):
        return [_round(o) for o in obj]
    if isinstance(obj, float):
        return round(obj, 2) + 0.0
    return obj


def feature_collection(features: list[dict[str, Any]]) -> str:
    """Serialise features as compact GeoJSON, one feature per line."""
    lines = []
    for feat in features:
        geometry = mapping(feat["geometry"])
        geometry = {"type": geometry["type"], "coordinates": _round(geometry["coordinates"])}
        doc = {"type": "Feature", "properties": feat["properties"], "geometry": geometry}
        lines.append(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def load_pathways() -> dict[tuple[str, str], dict[str, str]]:
    """Read data/pathways.csv keyed by (level, pathway)."""
    return {(r["level"], r["pathway"]): r for r in read_csv(schema.PATHWAYS_FILE)}


def build(directory: Path = schema.ASSETS_DIR) -> tuple[str, str]:
    """Return the text of zones.geojson and courses.geojson built from the current inputs."""
    frames = {view: Frame(view, directory) for view in DRAWN_VIEWS}
    pathways = load_pathways()
    zones = build_zones(frames, pathways)
    courses = build_courses(frames, pathways, zones)
    for frame in frames.values():
        if frame.outline is None:
            print(f"warning: no outline for {frame.view}; zones not clipped", file=sys.stderr)
        for name in sorted(frame.fallbacks):
            print(f"note: {frame.view}: {name} taken from the contract table", file=sys.stderr)
    return feature_collection(zones), feature_collection(courses)


def main() -> int:
    """Write data/zones.geojson and data/courses.geojson."""
    zones, courses = build()
    schema.ZONES_FILE.write_text(zones, encoding="utf-8")
    schema.COURSES_FILE.write_text(courses, encoding="utf-8")
    n_zones = zones.count('"type":"Feature"')
    n_courses = courses.count('"type":"Feature"')
    print(f"wrote {n_zones} zone features and {n_courses} course features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
