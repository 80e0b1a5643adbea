"""Build the referral atlas geometry (step 3 of :mod:`referral.build`).

Writes ``data/zones.geojson``, ``data/courses.geojson`` and ``data/joints.geojson`` from
the tables in ``data/`` and the body of :func:`referral.body.load_body`:

- ``zone_specs.csv``: one row per zone: id, level, pathway, kind, weight, evidence, the
  sources of the claim and the name of the shape it is drawn with;
- ``zone_shapes.csv``: one row per (shape, view): a landmark-relative recipe for the
  patient's LEFT side;
- ``course_specs.csv``: the branches of the named nerves as landmark-relative polylines
  (several rows of one pathway and view are the branches of one course);
- ``joint_specs.csv``: the joints whose referral a joint-referral pathway maps;
- ``pathways.csv``: ramus, branch, nerve and kind of every (level, pathway).

Recipes. A *point* is ``NAME [dx dy]``: landmark ``NAME`` of the view moved by ``dx, dy``
centimetres of the reference adult (``schema.cm``; x and y in the view's frame, so on the
posterior view ``dx < 0`` is lateral on the patient's left). ``line:NAME [dx dy]`` expands
to every vertex of a landmark line. Points are separated by ``;``. Recipes:

- ``poly``: closed ring through the points, smoothed by Chaikin corner cutting;
- ``band``: the polyline through the points buffered to ``size_cm`` wide (round caps);
- ``disc``: a disc of radius ``size_cm`` around one point.

Every zone is then clipped to its view's outline, to the patient's left half of the front
and back views (zones stop at the midline) and to above the knee line.

Courses. Only nerve pathways (``kind = cutaneous`` in ``pathways.csv``) get a course; the
joint-referral pathways (``kind = referral``: facet and sacroiliac referral) get their
joint instead, because the studies behind them map where pain is felt, not a route. In
the posterior and lateral views every course starts at the exit of its level
(:func:`exit_point`); the first row of a pathway's ``course_specs`` continues from there
and its other rows are branches. Pathways without a row get a schematic line from the
exit through their core zones. In the anterior view, where the spine is not seen, a
course starts where its nerve comes into view.

Joints. A zygapophyseal joint ``X-Y`` is drawn in the posterior view as a point between
the spinous processes of X and Y, ``FACET_CM`` beside the midline; the sacroiliac joint
just medial to and below the PSIS (``SACROILIAC_OFFSET_CM``). Both are drawing choices.

Output is deterministic: coordinates on a 0.01-unit grid, features sorted by level, id
and view. Run ``python -m referral.build.atlas``; ``tests/test_atlas.py`` checks that the
committed files equal a fresh build.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import LineString, MultiLineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.atlas import JOINTS_FILE
from referral.body import Body, Landmarks, load_body
from referral.build import GRID, feature_collection, write_files
from referral.schema import cm

Coord = tuple[float, float]

ZONE_SPECS = schema.DATA_DIR / "zone_specs.csv"
ZONE_SHAPES = schema.DATA_DIR / "zone_shapes.csv"
COURSE_SPECS = schema.DATA_DIR / "course_specs.csv"
JOINT_SPECS = schema.DATA_DIR / "joint_specs.csv"

#: Views the atlas is drawn in (patient's left); the rest are mirrors (schema.MIRROR_VIEW).
DRAWN_VIEWS: tuple[schema.View, ...] = ("anterior", "posterior", "left-lateral")
#: Views in which the spine is seen, so courses start at the exit of their level.
SPINE_VIEWS: tuple[schema.View, ...] = ("posterior", "left-lateral")
#: Chaikin corner-cutting passes for ``poly`` rings [D].
SMOOTH_PASSES = 3
#: Chaikin passes for course lines [D].
COURSE_SMOOTH_PASSES = 2
#: Circle resolution of buffers, segments per quarter circle [D].
QUAD_SEGS = 6
#: Where a branch leaves the spine, cm lateral to the midline at its spinous process [D]
#: (the cervical, thoracic and lumbar foramina are not drawn; a point beside the level).
EXIT_CM = 1.5
#: Sacral dorsal rami leave through the posterior sacral foramina, cm from the midline:
#: S1 23.5 mm (Kim et al. 2023, CT of 632 patients); S2 half the 2.98 cm between the two
#: second foramina (Surg Radiol Anat 2010); S3 as S2 [D] (the foramina converge caudally).
SACRAL_EXIT_CM: dict[str, float] = {"S1": 2.35, "S2": 1.5, "S3": 1.5}
#: A zygapophyseal joint drawn this far beside the midline between its two spinous
#: processes [D] (the joints are not located from images; SAGES ch. 43 places the needle
#: over a thoracolumbar facet about 1 cm from the midline).
FACET_CM = 2.0
#: The posterior sacroiliac joint drawn 1 cm medial to and 2 cm below the PSIS [D].
SACROILIAC_OFFSET_CM: Coord = (1.0, -2.0)
#: Half-plane extent for clipping, larger than the 1000-unit frame.
FAR = 5000.0
#: Landmark line whose y is the knee line in every drawn view (contract: y = 285).
KNEE_LINE = "left-knee-line"


# --------------------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------------------


def read_csv(path: Path) -> list[dict[str, str]]:
    """Read a CSV file into a list of row dicts (all values stripped strings)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def load_pathways() -> dict[tuple[str, str], dict[str, str]]:
    """Read data/pathways.csv keyed by (level, pathway)."""
    return {(r["level"], r["pathway"]): r for r in read_csv(schema.PATHWAYS_FILE)}


def knee_y(landmarks: Landmarks) -> float:
    """Height of the knee line in a view (units)."""
    return max(y for _, y in landmarks.line(KNEE_LINE).coords)


# --------------------------------------------------------------------------------------
# Geometry recipes
# --------------------------------------------------------------------------------------


def parse_points(landmarks: Landmarks, text: str) -> list[Coord]:
    """Resolve ``"NAME dx dy; line:NAME dx dy; ..."`` into view coordinates (dx, dy in cm)."""
    out: list[Coord] = []
    for token in (t.strip() for t in text.split(";")):
        if not token:
            continue
        name, *offset = token.split()
        dx, dy = (cm(float(offset[0])), cm(float(offset[1]))) if offset else (0.0, 0.0)
        if name.startswith("line:"):
            out.extend((x + dx, y + dy) for x, y in landmarks.line(name[5:]).coords)
        else:
            x, y = landmarks.point(name)
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


def build_shape(landmarks: Landmarks, recipe: str, points: str, size_cm: str) -> BaseGeometry:
    """Build the raw (unclipped) polygon of one recipe row in a view."""
    coords = parse_points(landmarks, points)
    if recipe == "poly":
        geom: BaseGeometry = Polygon(chaikin(coords, closed=True))
    elif recipe == "band":
        geom = LineString(coords).buffer(cm(float(size_cm)) / 2, quad_segs=QUAD_SEGS)
    elif recipe == "disc":
        geom = Point(coords[0]).buffer(cm(float(size_cm)), quad_segs=QUAD_SEGS)
    else:
        raise ValueError(f"unknown recipe {recipe!r}")
    return shapely.make_valid(geom)


def clip_region(body: Body, view: schema.View) -> BaseGeometry:
    """Where a left-side zone may lie in ``view``: outline ∩ left half ∩ above the knee."""
    region: BaseGeometry = box(-FAR, knee_y(body.landmarks[view]), FAR, FAR)
    sign = schema.LEFT_SIGN.get(view)
    if sign is not None:
        region = region.intersection(box(0.0, -FAR, sign * FAR, FAR))
    return region.intersection(body.outline(view))


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


# --------------------------------------------------------------------------------------
# Zones
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


def _order(props: dict[str, str], key: str) -> tuple[int, str, int]:
    """Sort key: level (schema order), then ``key``, then view (DRAWN_VIEWS order)."""
    return (schema.LEVEL_INDEX[props["level"]], key, DRAWN_VIEWS.index(props["view"]))


def build_zones(
    body: Body, pathways: dict[tuple[str, str], dict[str, str]]
) -> list[dict[str, Any]]:
    """Return the zone features (left side, drawn views), sorted deterministically."""
    shapes: dict[str, dict[str, dict[str, str]]] = {}
    for row in read_csv(ZONE_SHAPES):
        shapes.setdefault(row["shape"], {})[row["view"]] = row
    clips = {view: clip_region(body, view) for view in DRAWN_VIEWS}
    features = []
    for spec in read_csv(ZONE_SPECS):
        info = pathways[(spec["level"], spec["pathway"])]
        if spec["shape"] not in shapes:
            raise KeyError(f"zone {spec['zone_id']}: no shape {spec['shape']!r} in zone_shapes")
        for view in DRAWN_VIEWS:
            recipe = shapes[spec["shape"]].get(view)
            if recipe is None:
                continue
            lm = body.landmarks[view]
            raw = build_shape(lm, recipe["recipe"], recipe["points"], recipe["size_cm"])
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


# --------------------------------------------------------------------------------------
# Courses
# --------------------------------------------------------------------------------------


def exit_point(landmarks: Landmarks, level: str) -> Coord:
    """Where the branch of ``level`` leaves the spine in a posterior or lateral view.

    Beside the spinous process of the level, ``EXIT_CM`` lateral (sacral levels: at their
    posterior foramen, ``SACRAL_EXIT_CM``); the C8 nerve leaves between C7 and T1. Lateral
    means toward the patient's left in the posterior view and deeper (x < 0, toward the
    mid-coronal plane) in the lateral view, where the spinous tips lie on the back.
    """
    if level == "C8":  # no C8 vertebra: between the C7 and T1 spinous processes
        (x7, y7), (x1, y1) = landmarks.point("spinous-C7"), landmarks.point("spinous-T1")
        x, y = (x7 + x1) / 2, (y7 + y1) / 2
    else:
        x, y = landmarks.point(f"spinous-{level}")
    sign = schema.LEFT_SIGN.get(landmarks.view, -1)
    return (x + sign * cm(SACRAL_EXIT_CM.get(level, EXIT_CM)), y)


def course_line(points: Sequence[Coord]) -> LineString:
    """A smoothed course polyline through ``points`` (end points kept)."""
    return LineString(chaikin(points, closed=False, passes=COURSE_SMOOTH_PASSES))


def build_courses(
    body: Body,
    pathways: dict[tuple[str, str], dict[str, str]],
    zones: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Return the course features of the nerve pathways (explicit or schematic)."""
    nerves = {key for key, info in pathways.items() if info["kind"] == "cutaneous"}
    branches: dict[tuple[str, str, schema.View], list[tuple[list[Coord], str]]] = {}
    for row in read_csv(COURSE_SPECS):
        view = schema.check_view(row["view"])
        key = (row["level"], row["pathway"], view)
        if key[:2] not in nerves:
            raise ValueError(f"course {key}: only nerve (cutaneous) pathways get a course")
        branches.setdefault(key, []).append(
            (parse_points(body.landmarks[view], row["points"]), row["note"])
        )
    drawn: dict[tuple[str, str, schema.View], tuple[BaseGeometry, str]] = {}
    for (level, pathway, view), rows in branches.items():
        lm = body.landmarks[view]
        trunk, *rest = [pts for pts, _ in rows]
        start = [exit_point(lm, level)] if view in SPINE_VIEWS else []
        lines = [course_line([*start, *trunk]), *(course_line(pts) for pts in rest)]
        geom = lines[0] if len(lines) == 1 else MultiLineString(lines)
        drawn[(level, pathway, view)] = (geom, rows[0][1])
    explicit = {(lv, pw) for lv, pw, _ in drawn}
    for level, pathway in sorted(nerves - explicit):
        for view in SPINE_VIEWS:
            mine = [
                f
                for f in zones
                if (f["properties"]["level"], f["properties"]["pathway"], f["properties"]["view"])
                == (level, pathway, view)
            ]
            core = [f for f in mine if f["properties"]["weight"] == "core"] or mine
            if not core:
                continue
            stops = [f["geometry"].point_on_surface() for f in core]
            stops.sort(key=lambda p: (-p.y, p.x))
            coords = [exit_point(body.landmarks[view], level), *[(p.x, p.y) for p in stops]]
            note = "Schematic: from the exit beside the spine through the core zones."
            drawn[(level, pathway, view)] = (LineString(coords), note)
    features = []
    for (level, pathway, view), (line, note) in drawn.items():
        info = pathways[(level, pathway)]
        geom = snap(line)
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
# Joints
# --------------------------------------------------------------------------------------


def joint_point(landmarks: Landmarks, joint_id: str) -> Coord:
    """Where joint ``joint_id`` (``"c2-c3"``, ``"l5-s1"``, ``"sacroiliac"``) is drawn."""
    sign = schema.LEFT_SIGN[landmarks.view]
    if joint_id == "sacroiliac":
        x, y = landmarks.point("left-psis")
        dx, dy = SACROILIAC_OFFSET_CM
        return (x - sign * cm(dx), y + cm(dy))
    upper, lower = (part.upper() for part in joint_id.split("-"))
    (x0, y0), (x1, y1) = landmarks.point(f"spinous-{upper}"), landmarks.point(f"spinous-{lower}")
    return ((x0 + x1) / 2 + sign * cm(FACET_CM), (y0 + y1) / 2)


def build_joints(
    body: Body, pathways: dict[tuple[str, str], dict[str, str]]
) -> list[dict[str, Any]]:
    """Return the joint features (posterior view, patient's left), sorted deterministically."""
    features = []
    for spec in read_csv(JOINT_SPECS):
        key = (spec["level"], spec["pathway"])
        if pathways[key]["kind"] != "referral":
            raise ValueError(f"joint {spec['joint_id']}: {key} is not a joint-referral pathway")
        view: schema.View = "posterior"
        props = {
            "level": spec["level"],
            "pathway": spec["pathway"],
            "joint_id": spec["joint_id"],
            "joint": spec["joint"],
            "weight": spec["weight"],
            "evidence": spec["evidence"],
            "source_ids": merge_ids(split_ids(spec["source_ids"])),
            "note": spec["note"],
            "view": view,
        }
        point = Point(joint_point(body.landmarks[view], spec["joint_id"]))
        features.append({"properties": props, "geometry": snap(point)})
    features.sort(key=lambda f: _order(f["properties"], f["properties"]["joint_id"]))
    return features


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def build_files(directory: Path = schema.ASSETS_DIR) -> dict[str, str]:
    """Zones, courses and joints as {path relative to the project root: text}."""
    body = load_body(directory)
    pathways = load_pathways()
    zones = build_zones(body, pathways)
    courses = build_courses(body, pathways, zones)
    joints = build_joints(body, pathways)
    out = {
        schema.ZONES_FILE: feature_collection(zones),
        schema.COURSES_FILE: feature_collection(courses),
        JOINTS_FILE: feature_collection(joints),
    }
    return {str(path.relative_to(schema.ROOT)): text for path, text in out.items()}


def main(root: Path = schema.ROOT) -> None:
    """Write data/zones.geojson, data/courses.geojson and data/joints.geojson under ``root``."""
    write_files(build_files(), root)


if __name__ == "__main__":
    main()
