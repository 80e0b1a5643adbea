"""Checks of the shipped atlas: small ``validate_*(atlas, body) -> list[str]`` functions.

Each check returns a list of human-readable problems; an empty list means it passed.
:func:`validate_all` runs them all. ``body`` is anything with ``outline(view) -> Polygon``
(``referral.body.Body``); checks that do not need it ignore it.

>>> from referral.atlas import load_atlas
>>> from referral.body import load_body
>>> validate_all(load_atlas(), load_body())
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.atlas import Atlas, mirror_geometry

#: Largest share of a zone's area allowed outside its view's outline (brief: < 0.5 %).
MAX_OUTSIDE_SHARE = 0.005
#: Words that make a citation without DOI or URL acceptable (declared provenance).
UNLINKED_MARKERS: tuple[str, ...] = (
    "textbook",
    "unpublished",
    "thesis",
    "secondary summary",
)


class HasOutline(Protocol):
    """What the checks need from a body: the silhouette of each view."""

    def outline(self, view: str) -> BaseGeometry: ...


def _duplicates(df: pd.DataFrame, keys: list[str], what: str) -> list[str]:
    """Problems for rows of ``df`` sharing the same ``keys``."""
    if df.empty:
        return []
    dup = df[df.duplicated(keys, keep="first")]
    return [f"duplicate {what} {tuple(row)}" for row in dup[keys].itertuples(index=False)]


def validate_ids_unique(atlas: Atlas, body: Any = None) -> list[str]:
    """Zone (id, view, side), course, pathway and source ids are unique."""
    problems = _duplicates(atlas.zones, ["zone_id", "view", "side"], "zone")
    problems += _duplicates(atlas.courses, ["level", "pathway", "view", "side"], "course")
    problems += _duplicates(atlas.pathways, ["level", "pathway"], "pathway")
    dup_sources = atlas.sources.index[atlas.sources.index.duplicated()]
    problems += [f"duplicate source {sid!r}" for sid in dup_sources]
    return problems


def _ids(value: Any) -> tuple[str, ...]:
    """Source ids of a cell: a tuple already, or a ``;``-separated string."""
    if isinstance(value, str):
        return tuple(s.strip() for s in value.split(";") if s.strip())
    return tuple(value)


def validate_sources_resolve(atlas: Atlas, body: Any = None) -> list[str]:
    """Every source id used by zones, courses, pathways and conflicts is in sources.csv."""
    known = set(atlas.sources.index)
    problems = []
    tables: Iterable[tuple[str, pd.DataFrame, str, Callable[[Any], str]]] = (
        ("zone", atlas.zones, "source_ids", lambda r: f"{r['zone_id']} ({r['view']})"),
        ("course", atlas.courses, "source_ids", lambda r: f"{r['level']} {r['pathway']}"),
        ("pathway", atlas.pathways, "source_ids", lambda r: f"{r['level']} {r['pathway']}"),
        ("conflict", atlas.conflicts, "sources", lambda r: str(r["topic"])),
    )
    for what, df, column, name in tables:
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
    """Every source has a DOI or URL, or declares itself textbook/unpublished/thesis/summary."""
    problems = []
    for sid, row in atlas.sources.iterrows():
        if not str(row.get("citation", "")).strip():
            problems.append(f"source {sid!r}: empty citation")
        if str(row.get("doi", "")).strip() or str(row.get("url", "")).strip():
            continue
        text = f"{row.get('citation', '')} {row.get('note', '')}".lower()
        if not any(marker in text for marker in UNLINKED_MARKERS):
            problems.append(
                f"source {sid!r}: no DOI or URL and not marked as one of {UNLINKED_MARKERS}"
            )
    return problems


def validate_geometry(atlas: Atlas, body: Any = None) -> list[str]:
    """Zones are valid non-empty (Multi)Polygons; courses valid non-empty (Multi)LineStrings."""
    problems = []
    checks = (
        ("zone", atlas.zones, ("Polygon", "MultiPolygon"), "zone_id"),
        ("course", atlas.courses, ("LineString", "MultiLineString"), "pathway"),
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
    """Less than ``MAX_OUTSIDE_SHARE`` of each zone's area lies outside its view's outline."""
    problems = []
    for view, rows in atlas.zones.groupby("view", sort=True):
        outline = body.outline(str(view))
        geoms = rows["geometry"].to_numpy()
        area = shapely.area(geoms)
        outside = shapely.area(shapely.difference(geoms, outline))
        for row, a, out in zip(rows.itertuples(index=False), area, outside, strict=True):
            if a > 0 and out / a >= MAX_OUTSIDE_SHARE:
                problems.append(
                    f"zone {row.zone_id} ({view}, {row.side}): {out / a:.1%} of its area "
                    f"lies outside the outline"
                )
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
    """Right-side zones and courses are exact mirrors (x -> -x) of the left-side ones."""
    return _mirror_problems(atlas.zones, ["zone_id"], "zone") + _mirror_problems(
        atlas.courses, ["level", "pathway"], "course"
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
    for what, df in (("zone", atlas.zones), ("course", atlas.courses), ("pathway", atlas.pathways)):
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


def validate_courses(atlas: Atlas, body: Any = None) -> list[str]:
    """Every pathway has a course in at least one view; every course belongs to a pathway."""
    pathway_keys = set(zip(atlas.pathways["level"], atlas.pathways["pathway"], strict=True))
    course_keys = set(zip(atlas.courses["level"], atlas.courses["pathway"], strict=True))
    problems = [f"pathway {lv} {pw}: no course" for lv, pw in sorted(pathway_keys - course_keys)]
    problems += [
        f"course {lv} {pw}: not a pathway" for lv, pw in sorted(course_keys - pathway_keys)
    ]
    return problems


CHECKS: tuple[Callable[[Atlas, Any], list[str]], ...] = (
    validate_ids_unique,
    validate_sources_resolve,
    validate_sources_cited,
    validate_geometry,
    validate_inside_outline,
    validate_levels_present,
    validate_mirror,
    validate_vocabulary,
    validate_pathway_zones,
    validate_courses,
)


def validate_all(atlas: Atlas, body: HasOutline) -> list[str]:
    """Run every check in ``CHECKS``; return all problems."""
    problems: list[str] = []
    for check in CHECKS:
        problems += check(atlas, body)
    return problems
