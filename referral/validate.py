"""Checks of the shipped atlas: small ``validate_*(atlas, body) -> list[str]`` functions.

Each check returns a list of human-readable problems; an empty list means it passed.
:func:`validate_all` runs them all. ``body`` is anything with ``outline(view) -> Polygon``
and ``landmarks[view].point(name)`` (``referral.body.Body``); checks that do not need it
ignore it.

>>> from referral.atlas import load_atlas
>>> from referral.body import load_body
>>> validate_all(load_atlas(), load_body())
[]
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.atlas import UNVERIFIED_PREFIXES, Atlas, mirror_geometry

#: Largest share of a zone's area allowed outside its view's outline (brief: < 0.5 %).
MAX_OUTSIDE_SHARE = 0.005
#: Source fields each kind of source must fill, unless its note says they could not be
#: verified (``atlas.UNVERIFIED_PREFIXES``); articles also need a DOI or a PMID.
REQUIRED_SOURCE_FIELDS: dict[str, tuple[str, ...]] = {
    "article": ("authors", "title", "journal", "year", "volume", "pages"),
    "chapter": ("authors", "title", "journal", "year"),
    "book": ("authors", "title", "year"),
    "web": ("authors", "title", "url"),
    "thesis": ("authors", "title", "journal", "year"),
    "project": ("title",),
}
#: Views in which the spine is seen: courses there start at their level's exit.
SPINE_VIEWS: tuple[schema.View, ...] = ("posterior", "left-lateral", "right-lateral")
#: A course starts within this distance (cm) of its level's spinous process.
EXIT_REACH_CM = 3.0
#: A course branch ends within this distance (units) of one of its pathway's zones.
END_TOLERANCE = 0.5
#: Text users see must not contain file references or internal keys.
FILE_REFERENCE = re.compile(
    r"\.(csv|md|geojson|json|py)\b|evidence\.md|\bsection \d", re.IGNORECASE
)


class HasPoints(Protocol):
    """Named landmark points of one view."""

    def point(self, name: str) -> tuple[float, float]: ...


class HasOutline(Protocol):
    """What the checks need from a body: silhouettes and landmarks of each view."""

    @property
    def landmarks(self) -> Mapping[schema.View, HasPoints]: ...

    def outline(self, view: schema.View) -> BaseGeometry: ...


def _duplicates(df: pd.DataFrame, keys: list[str], what: str) -> list[str]:
    """Problems for rows of ``df`` sharing the same ``keys``."""
    if df.empty:
        return []
    dup = df[df.duplicated(keys, keep="first")]
    return [f"duplicate {what} {tuple(row)}" for row in dup[keys].itertuples(index=False)]


def validate_ids_unique(atlas: Atlas, body: Any = None) -> list[str]:
    """Zone (id, view, side), course, joint, pathway and source ids are unique."""
    problems = _duplicates(atlas.zones, ["zone_id", "view", "side"], "zone")
    problems += _duplicates(atlas.courses, ["level", "pathway", "view", "side"], "course")
    problems += _duplicates(atlas.joints, ["level", "pathway", "joint_id", "view", "side"], "joint")
    problems += _duplicates(atlas.pathways, ["level", "pathway"], "pathway")
    dup_sources = atlas.sources.index[atlas.sources.index.duplicated()]
    problems += [f"duplicate source {sid!r}" for sid in dup_sources]
    return problems


def _ids(value: Any) -> tuple[str, ...]:
    """Source ids of a cell: a tuple already, or a ``;``-separated string."""
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(";") if s.strip())
    return tuple(value)


def _tables(atlas: Atlas) -> Iterable[tuple[str, pd.DataFrame, str, Callable[[Any], str]]]:
    """(what, table, source column, row name) of every table that cites sources."""
    return (
        ("zone", atlas.zones, "source_ids", lambda r: f"{r['zone_id']} ({r['view']})"),
        ("course", atlas.courses, "source_ids", lambda r: f"{r['level']} {r['pathway']}"),
        ("joint", atlas.joints, "source_ids", lambda r: f"{r['level']} {r['joint_id']}"),
        ("pathway", atlas.pathways, "source_ids", lambda r: f"{r['level']} {r['pathway']}"),
        ("conflict", atlas.conflicts, "sources", lambda r: str(r["topic"])),
        ("candidate", atlas.candidates, "source_ids", lambda r: str(r["candidate_id"])),
    )


def validate_sources_resolve(atlas: Atlas, body: Any = None) -> list[str]:
    """Every source id used by zones, courses, joints, pathways and conflicts is known."""
    known = set(atlas.sources.index)
    problems = []
    for what, df, column, name in _tables(atlas):
        seen: set[tuple[str, str]] = set()
        for row in df.to_dict("records"):
            for sid in _ids(row[column]):
                if sid not in known and (name(row), sid) not in seen:
                    seen.add((name(row), sid))
                    problems.append(f"{what} {name(row)}: unknown source {sid!r}")
            if not _ids(row[column]):
                problems.append(f"{what} {name(row)}: no sources")
    return problems


def validate_sources_cited(atlas: Atlas, body: Any = None) -> list[str]:
    """Every source is complete for its kind (``REQUIRED_SOURCE_FIELDS``; articles with a
    DOI or PMID) or its note says plainly what could not be verified."""
    problems = []
    for sid, row in atlas.sources.iterrows():
        kind = str(row.get("kind", ""))
        if kind not in REQUIRED_SOURCE_FIELDS:
            problems.append(f"source {sid!r}: unknown kind {kind!r}")
            continue
        missing = [f for f in REQUIRED_SOURCE_FIELDS[kind] if not str(row.get(f, "")).strip()]
        if kind == "article" and not (str(row.get("doi", "")) or str(row.get("pmid", ""))):
            missing.append("doi or pmid")
        note = str(row.get("note", "")).strip().lower()
        if missing and not note.startswith(UNVERIFIED_PREFIXES):
            problems.append(
                f"source {sid!r}: missing {', '.join(missing)} and its note does not say "
                f"it could not be verified"
            )
    return problems


def validate_readable_text(atlas: Atlas, body: Any = None) -> list[str]:
    """Text users see names sources as "Konno 2017", never by id, and cites no files."""
    ids = [str(s) for s in atlas.sources.index if "-" in str(s) or any(c.isdigit() for c in str(s))]
    key = (
        re.compile(r"(?<![\w/.-])(" + "|".join(map(re.escape, ids)) + r")(?![\w/-])")
        if ids
        else None
    )
    fields = (
        ("pathway", atlas.pathways, ("nerve", "note"), lambda r: f"{r['level']} {r['pathway']}"),
        ("zone", atlas.zones.drop_duplicates("zone_id"), ("note",), lambda r: str(r["zone_id"])),
        ("course", atlas.courses, ("note",), lambda r: f"{r['level']} {r['pathway']}"),
        ("joint", atlas.joints, ("joint", "note"), lambda r: f"{r['level']} {r['joint_id']}"),
        (
            "conflict",
            atlas.conflicts,
            ("topic", "positions", "atlas_rule"),
            lambda r: str(r["topic"]),
        ),
    )
    problems = []
    for what, df, columns, name in fields:
        for row in df.to_dict("records"):
            for column in columns:
                text = str(row.get(column, ""))
                found = FILE_REFERENCE.search(text) or (key.search(text) if key else None)
                if found:
                    problems.append(
                        f"{what} {name(row)}: {column} shows {found.group(0)!r} to users"
                    )
    return problems


def validate_geometry(atlas: Atlas, body: Any = None) -> list[str]:
    """Zones are valid non-empty (Multi)Polygons, courses (Multi)LineStrings, joints Points."""
    problems = []
    checks = (
        ("zone", atlas.zones, ("Polygon", "MultiPolygon"), "zone_id"),
        ("course", atlas.courses, ("LineString", "MultiLineString"), "pathway"),
        ("joint", atlas.joints, ("Point",), "joint_id"),
    )
    for what, df, types, key in checks:
        for row in df.to_dict("records"):
            geom = row["geometry"]
            name = f"{what} {row['level']} {row[key]} ({row['view']}, {row['side']})"
            if geom is None or geom.is_empty:
                problems.append(f"{name}: empty geometry")
                continue
            if geom.geom_type not in types:
                problems.append(f"{name}: {geom.geom_type}, expected one of {types}")
            if not geom.is_valid:
                problems.append(f"{name}: invalid geometry: {shapely.is_valid_reason(geom)}")
    return problems


def validate_inside_outline(atlas: Atlas, body: HasOutline) -> list[str]:
    """Less than ``MAX_OUTSIDE_SHARE`` of each zone's area, and every joint, lies inside the
    outline of its view."""
    problems = []
    for view, rows in atlas.zones.groupby("view", sort=True):
        outline = body.outline(schema.check_view(view))
        geoms = rows["geometry"].to_numpy()
        area = shapely.area(geoms)
        outside = shapely.area(shapely.difference(geoms, outline))
        for row, a, out in zip(rows.itertuples(index=False), area, outside, strict=True):
            if a > 0 and out / a >= MAX_OUTSIDE_SHARE:
                problems.append(
                    f"zone {row.zone_id} ({view}, {row.side}): {out / a:.1%} of its area "
                    f"lies outside the outline"
                )
    for row in atlas.joints.itertuples(index=False):
        if not body.outline(schema.check_view(row.view)).covers(row.geometry):
            problems.append(f"joint {row.level} {row.joint_id} ({row.view}, {row.side}): outside")
    return problems


def validate_levels_present(atlas: Atlas, body: Any = None) -> list[str]:
    """Every level C2-S3 has at least one pathway and at least one zone."""
    with_pathway = set(atlas.pathways["level"])
    with_zone = set(atlas.zones["level"])
    problems = [f"level {lv}: no pathway" for lv in schema.LEVELS if lv not in with_pathway]
    problems += [f"level {lv}: no zone" for lv in schema.LEVELS if lv not in with_zone]
    return problems


def _mirror_problems(df: pd.DataFrame, keys: list[str], what: str) -> list[str]:
    """Right-side rows must be the exact x -> -x mirrors of the left-side rows."""
    left = df[df["side"] == "left"].assign(view=lambda d: d["view"].map(schema.MIRROR_VIEW))
    right = df[df["side"] == "right"]
    merged = left.merge(right, on=[*keys, "view"], how="outer", suffixes=("_l", "_r"))
    problems = []
    for row in merged.to_dict("records"):
        name = f"{what} {tuple(row[k] for k in keys)} ({row['view']})"
        geom_l, geom_r = row["geometry_l"], row["geometry_r"]
        if not isinstance(geom_l, BaseGeometry):
            problems.append(f"{name}: right side has no left original")
        elif not isinstance(geom_r, BaseGeometry):
            problems.append(f"{name}: left side has no right mirror")
        elif not shapely.equals_exact(mirror_geometry(geom_l), geom_r, tolerance=0.0):
            problems.append(f"{name}: right side is not the exact mirror of the left")
    return problems


def validate_mirror(atlas: Atlas, body: Any = None) -> list[str]:
    """Right-side zones, courses and joints are exact mirrors (x -> -x) of the left ones."""
    return (
        _mirror_problems(atlas.zones, ["zone_id"], "zone")
        + _mirror_problems(atlas.courses, ["level", "pathway"], "course")
        + _mirror_problems(atlas.joints, ["level", "pathway", "joint_id"], "joint")
    )


def validate_vocabulary(atlas: Atlas, body: Any = None) -> list[str]:
    """Levels, views, sides, rami, kinds, weights, evidence, pathways, branches are known."""
    vocab: dict[str, Iterable[str]] = {
        "level": schema.LEVELS,
        "view": schema.VIEWS,
        "side": schema.SIDES,
        "ramus": schema.RAMI,
        "kind": schema.ZONE_KINDS,
        "weight": schema.WEIGHTS,
        "evidence": schema.EVIDENCE,
        "pathway": schema.PATHWAYS,
        "branch": schema.BRANCHES,
    }
    problems = []
    tables = (
        ("zone", atlas.zones),
        ("course", atlas.courses),
        ("joint", atlas.joints),
        ("pathway", atlas.pathways),
    )
    for what, df in tables:
        for column, allowed in vocab.items():
            if column not in df.columns:
                continue
            bad = sorted(set(df[column]) - set(allowed))
            problems += [f"{what}: unknown {column} {value!r}" for value in bad]
    return problems


def validate_pathway_zones(atlas: Atlas, body: Any = None) -> list[str]:
    """Every pathway has zones; every zone's (level, pathway) is a pathway with its ramus/nerve."""
    table = atlas.pathways.set_index(["level", "pathway"])
    zone_keys = set(zip(atlas.zones["level"], atlas.zones["pathway"], strict=True))
    problems = [
        f"pathway {level} {pathway}: no zone in any view"
        for level, pathway in table.index
        if (level, pathway) not in zone_keys
    ]
    for row in atlas.zones.drop_duplicates(["zone_id"]).to_dict("records"):
        key = (row["level"], row["pathway"])
        if key not in table.index:
            problems.append(f"zone {row['zone_id']}: pathway {key} not in pathways.csv")
            continue
        for column in ("ramus", "nerve"):
            if row[column] != table.loc[key, column]:
                problems.append(f"zone {row['zone_id']}: {column} differs from pathways.csv")
    return problems


def _keys(df: pd.DataFrame) -> set[tuple[str, str]]:
    """The (level, pathway) pairs of a table."""
    return set(zip(df["level"], df["pathway"], strict=True))


def validate_courses(atlas: Atlas, body: Any = None) -> list[str]:
    """Nerve pathways (kind cutaneous) have a course; joint-referral ones (kind referral)
    have a joint and no course; every course and joint belongs to such a pathway."""
    kinds = {(r["level"], r["pathway"]): r["kind"] for r in atlas.pathways.to_dict("records")}
    nerves = {k for k, kind in kinds.items() if kind == "cutaneous"}
    joints = {k for k, kind in kinds.items() if kind == "referral"}
    courses, drawn_joints = _keys(atlas.courses), _keys(atlas.joints)
    problems = [f"pathway {lv} {pw}: no course" for lv, pw in sorted(nerves - courses)]
    problems += [f"pathway {lv} {pw}: no joint" for lv, pw in sorted(joints - drawn_joints)]
    problems += [f"course {lv} {pw}: not a nerve pathway" for lv, pw in sorted(courses - nerves)]
    problems += [
        f"joint {lv} {pw}: not a joint-referral pathway" for lv, pw in sorted(drawn_joints - joints)
    ]
    return problems


def _spinous(body: HasOutline, view: schema.View, level: str) -> tuple[float, float]:
    """The spinous landmark a level's branch leaves beside (C8: between C7 and T1)."""
    lm = body.landmarks[view]
    if level == "C8":
        (x7, y7), (x1, y1) = lm.point("spinous-C7"), lm.point("spinous-T1")
        return ((x7 + x1) / 2, (y7 + y1) / 2)
    return lm.point(f"spinous-{level}")


def validate_course_ends(atlas: Atlas, body: HasOutline) -> list[str]:
    """Courses start at their own level and end inside their zones.

    In a view that shows the spine the first point lies within ``EXIT_REACH_CM`` of the
    level's spinous process and nearer to it (in height) than to any other level's; the
    last point of every branch lies within ``END_TOLERANCE`` of a zone of the same level,
    pathway, view and side.
    """
    problems = []
    zones = atlas.zones.groupby(["level", "pathway", "view", "side"])["geometry"]
    for row in atlas.courses.to_dict("records"):
        name = f"course {row['level']} {row['pathway']} ({row['view']}, {row['side']})"
        parts = list(getattr(row["geometry"], "geoms", [row["geometry"]]))
        if row["view"] in SPINE_VIEWS:
            x, y = shapely.get_coordinates(parts[0])[0]
            sx, sy = _spinous(body, row["view"], row["level"])
            heights = {lv: _spinous(body, row["view"], lv)[1] for lv in schema.LEVELS}
            nearest = min(heights, key=lambda lv: abs(heights[lv] - y))
            if ((x - sx) ** 2 + (y - sy) ** 2) ** 0.5 > schema.cm(EXIT_REACH_CM):
                problems.append(
                    f"{name}: starts {((x - sx) ** 2 + (y - sy) ** 2) ** 0.5:.0f} "
                    f"units from the {row['level']} spinous process"
                )
            elif nearest != row["level"]:
                problems.append(f"{name}: starts at the height of {nearest}")
        key = (row["level"], row["pathway"], row["view"], row["side"])
        mine = shapely.union_all(zones.get_group(key).to_numpy()) if key in zones.groups else None
        for i, part in enumerate(parts):
            end = shapely.points(shapely.get_coordinates(part)[-1])
            if mine is None or shapely.distance(mine, end) > END_TOLERANCE:
                problems.append(f"{name}: branch {i + 1} does not end inside its zones")
    return problems


def validate_candidates(atlas: Atlas, body: Any = None) -> list[str]:
    """Every candidate source has a unique id, a family with one label, a test, a territory
    of pathways in ``pathways.csv``, levels that are its territory's levels, and guide items
    that exist."""
    from referral.guide import GuideError, guide_items

    problems = _duplicates(atlas.candidates, ["candidate_id"], "candidate")
    known = _keys(atlas.pathways)
    for row in atlas.candidates.to_dict("records"):
        where = f"candidate {row['candidate_id']}"
        for column in ("family", "family_label", "structure", "pathway", "test"):
            if not str(row[column]).strip():
                problems.append(f"{where}: empty {column}")
        territory = set(row["territory"])
        if not territory:
            problems.append(f"{where}: no territory")
        for level, pathway in sorted(territory - known):
            problems.append(f"{where}: pathway {level} {pathway} not in pathways.csv")
        if set(row["levels"]) != {level for level, _ in territory}:
            problems.append(f"{where}: levels {', '.join(row['levels'])} differ from its territory")
        try:
            guide_items(row["guide_ids"])
        except GuideError as exc:
            problems.append(f"{where}: {exc}")
    labels = atlas.candidates.groupby("family")["family_label"].nunique()
    problems += [
        f"family {family}: more than one family_label" for family in labels[labels > 1].index
    ]
    return problems


def validate_exam_guide(atlas: Atlas, body: Any = None) -> list[str]:
    """The exam and block guide (``data/guide.csv``) is complete and its sources resolve
    (:func:`referral.guide.validate_guide`)."""
    from referral.guide import validate_guide

    return validate_guide()


CHECKS: tuple[Callable[[Atlas, Any], list[str]], ...] = (
    validate_ids_unique,
    validate_sources_resolve,
    validate_sources_cited,
    validate_readable_text,
    validate_geometry,
    validate_inside_outline,
    validate_levels_present,
    validate_mirror,
    validate_vocabulary,
    validate_pathway_zones,
    validate_courses,
    validate_course_ends,
    validate_exam_guide,
    validate_candidates,
)


def validate_all(atlas: Atlas, body: HasOutline) -> list[str]:
    """Run every check in ``CHECKS``; return all problems."""
    problems: list[str] = []
    for check in CHECKS:
        problems += check(atlas, body)
    return problems
