"""Each ``validate_*`` check passes on a tiny good atlas and catches one deliberate defect."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon, box

from referral import schema
from referral import validate as v
from referral.atlas import Atlas, load_atlas, mirror_geometry

OUTLINE = box(-100, 0, 100, 1000)


class TinyBody:
    """A body whose every view is the same 200 x 1000 box."""

    def outline(self, view: str) -> Polygon:
        return OUTLINE


def _mirrored(rows: list[dict]) -> pd.DataFrame:
    """Left rows plus their exact mirrors on the right."""
    left = pd.DataFrame(rows).assign(side="left")
    right = left.assign(
        side="right",
        view=left["view"].map(schema.MIRROR_VIEW),
        geometry=mirror_geometry(left["geometry"].to_numpy()),
    )
    return pd.concat([left, right], ignore_index=True)


def tiny_atlas(levels: tuple[str, ...] = ("T12",), **zone_overrides: object) -> Atlas:
    """One superior-cluneal zone and course per level, on the posterior view (left side)."""
    zones, courses, pathways = [], [], []
    for i, level in enumerate(levels):
        y = 900 - 30 * i
        base = {"level": level, "pathway": "superior-cluneal", "ramus": "dorsal", "nerve": "n"}
        zone = {
            **base,
            "zone_id": f"{level.lower()}-zone",
            "kind": "cutaneous",
            "weight": "core",
            "evidence": "study",
            "drawing": "derived",
            "source_ids": ("maigne1989",),
            "note": "",
            "view": "posterior",
            "geometry": box(-60, y - 20, -10, y),
        }
        zone.update(zone_overrides)
        zones.append(zone)
        courses.append(
            {
                **base,
                "view": "posterior",
                "evidence": "derived",
                "source_ids": ("maigne1989",),
                "note": "",
                "geometry": LineString([(-9, y), (-40, y - 10)]),
            }
        )
        pathways.append(
            {
                **base,
                "branch": "lateral",
                "kind": "cutaneous",
                "evidence": "study",
                "source_ids": ("maigne1989",),
                "note": "",
            }
        )
    sources = pd.DataFrame(
        [{"source_id": "maigne1989", "citation": "Maigne 1989", "year": "1989", "doi": "10.1/x",
          "url": "", "locator": "", "note": ""}]
    ).set_index("source_id")  # fmt: skip
    conflicts = pd.DataFrame(
        [{"topic": "t", "positions": "p", "sources": "maigne1989", "atlas_rule": "r"}]
    )
    return Atlas(_mirrored(zones), _mirrored(courses), pd.DataFrame(pathways), sources, conflicts)


SHAPE_CHECKS = [
    v.validate_ids_unique,
    v.validate_sources_resolve,
    v.validate_sources_cited,
    v.validate_geometry,
    v.validate_inside_outline,
    v.validate_mirror,
    v.validate_vocabulary,
    v.validate_pathway_zones,
    v.validate_courses,
]


@pytest.mark.parametrize("check", SHAPE_CHECKS, ids=lambda c: c.__name__)
def test_tiny_atlas_passes(check) -> None:
    assert check(tiny_atlas(), TinyBody()) == []


def test_all_levels_tiny_atlas_passes_everything() -> None:
    assert v.validate_all(tiny_atlas(schema.LEVELS), TinyBody()) == []


def test_duplicate_zone_id() -> None:
    atlas = tiny_atlas(("T11", "T12"), zone_id="same-id")
    problems = v.validate_ids_unique(atlas, TinyBody())
    assert problems and "duplicate zone" in problems[0]


def test_unknown_source() -> None:
    atlas = tiny_atlas(source_ids=("maigne1989", "nobody2024"))
    problems = v.validate_sources_resolve(atlas, TinyBody())
    assert problems and all("nobody2024" in p for p in problems)


def test_source_without_doi_or_url() -> None:
    atlas = tiny_atlas()
    atlas.sources.loc["maigne1989", "doi"] = ""
    assert v.validate_sources_cited(atlas, TinyBody())
    atlas.sources.loc["maigne1989", "note"] = "Textbook chapter"
    assert v.validate_sources_cited(atlas, TinyBody()) == []


def test_bowtie_polygon_is_invalid_with_reason() -> None:
    bowtie = Polygon([(-60, 800), (-10, 850), (-10, 800), (-60, 850)])
    atlas = tiny_atlas(geometry=bowtie)
    problems = v.validate_geometry(atlas, TinyBody())
    assert problems and "Self-intersection" in problems[0]


def test_empty_geometry() -> None:
    atlas = tiny_atlas(geometry=Polygon())
    assert any("empty" in p for p in v.validate_geometry(atlas, TinyBody()))


def test_zone_outside_outline() -> None:
    atlas = tiny_atlas(geometry=box(-140, 800, -60, 850))
    problems = v.validate_inside_outline(atlas, TinyBody())
    assert problems and "outside the outline" in problems[0]


def test_missing_level() -> None:
    atlas = tiny_atlas(schema.LEVELS[:-1])
    problems = v.validate_levels_present(atlas, TinyBody())
    assert problems == [
        f"level {schema.LEVELS[-1]}: no pathway",
        f"level {schema.LEVELS[-1]}: no zone",
    ]


def test_broken_mirror() -> None:
    atlas = tiny_atlas()
    right = atlas.zones.index[atlas.zones["side"] == "right"][0]
    atlas.zones.at[right, "geometry"] = box(10, 880, 60.001, 900)
    problems = v.validate_mirror(atlas, TinyBody())
    assert problems and "not the exact mirror" in problems[0]


def test_missing_mirror() -> None:
    atlas = tiny_atlas()
    atlas.zones = atlas.zones[atlas.zones["side"] == "left"]
    assert any("no right mirror" in p for p in v.validate_mirror(atlas, TinyBody()))


def test_unknown_vocabulary() -> None:
    atlas = tiny_atlas(weight="heavy", pathway="nowhere")
    problems = v.validate_vocabulary(atlas, TinyBody())
    assert "zone: unknown weight 'heavy'" in problems
    assert "zone: unknown pathway 'nowhere'" in problems


def test_zone_pathway_mismatch() -> None:
    atlas = tiny_atlas(pathway="middle-cluneal")
    problems = v.validate_pathway_zones(atlas, TinyBody())
    assert any("no zone" in p for p in problems)
    assert any("not in pathways.csv" in p for p in problems)


def test_pathway_without_course() -> None:
    atlas = tiny_atlas()
    atlas.courses = atlas.courses.iloc[0:0]
    assert v.validate_courses(atlas, TinyBody()) == ["pathway T12 superior-cluneal: no course"]


def test_shipped_atlas_is_valid() -> None:
    from referral.body import load_body

    assert v.validate_all(load_atlas(), load_body()) == []
