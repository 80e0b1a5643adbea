"""Each ``validate_*`` check passes on a tiny good atlas and catches one deliberate defect."""

from __future__ import annotations

import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon, box

from referral import schema
from referral import validate as v
from referral.atlas import JOINT_COLUMNS, Atlas, load_atlas, mirror_geometry

OUTLINE = box(-100, 0, 100, 1000)


def level_y(level: str) -> float:
    """Height of a level's spinous process (and of its tiny zone's top) in the tiny body."""
    return 900.0 - 12.0 * schema.LEVEL_INDEX[level]


class TinyLandmarks:
    """Spinous processes on the midline, 12 units (about 2 cm) apart."""

    def point(self, name: str) -> tuple[float, float]:
        return (0.0, level_y(name.removeprefix("spinous-")))


class TinyBody:
    """A body whose every view is the same 200 x 1000 box."""

    landmarks = dict.fromkeys(schema.VIEWS, TinyLandmarks())

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
    for level in levels:
        y = level_y(level)
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
        [{"source_id": "maigne1989", "kind": "article", "authors": "Maigne JY, Maigne R",
          "title": "T", "journal": "Surg Radiol Anat", "year": "1989", "volume": "11",
          "pages": "289", "doi": "10.1/x", "pmid": "", "url": "", "locator": "", "note": ""}]
    ).set_index("source_id")  # fmt: skip
    conflicts = pd.DataFrame(
        [{"topic": "t", "positions": "Maigne 1989", "sources": "maigne1989", "atlas_rule": "r"}]
    )
    joints = pd.DataFrame(columns=[*JOINT_COLUMNS[:-2], "geometry"]).assign(side=[])
    return Atlas(
        _mirrored(zones), _mirrored(courses), pd.DataFrame(pathways), sources, conflicts, joints
    )


def with_joint_pathway(atlas: Atlas, level: str = "T12", joint: bool = True) -> Atlas:
    """``atlas`` plus a facet-referral pathway of ``level`` with a zone and (if ``joint``) its
    joint."""
    y = level_y(level)
    base = {"level": level, "pathway": "facet-referral", "ramus": "dorsal", "nerve": "mb"}
    pathway = {**base, "branch": "joint", "kind": "referral", "evidence": "study",
               "source_ids": ("maigne1989",), "note": ""}  # fmt: skip
    zone = {**base, "zone_id": f"{level.lower()}-facet", "kind": "referral", "weight": "core",
            "evidence": "study", "drawing": "derived", "source_ids": ("maigne1989",),
            "note": "", "view": "posterior", "geometry": box(-40, y - 25, -10, y - 5)}  # fmt: skip
    atlas.pathways = pd.concat([atlas.pathways, pd.DataFrame([pathway])], ignore_index=True)
    atlas.zones = pd.concat([atlas.zones, _mirrored([zone])], ignore_index=True)
    if joint:
        row = {"level": level, "pathway": "facet-referral", "joint_id": "t12-l1",
               "joint": "T12-L1 joint", "weight": "core", "evidence": "study",
               "source_ids": ("maigne1989",), "note": "", "view": "posterior",
               "geometry": Point(-12, y - 10)}  # fmt: skip
        atlas.joints = _mirrored([row])
    return atlas


SHAPE_CHECKS = [
    v.validate_ids_unique,
    v.validate_sources_resolve,
    v.validate_sources_cited,
    v.validate_readable_text,
    v.validate_geometry,
    v.validate_inside_outline,
    v.validate_mirror,
    v.validate_vocabulary,
    v.validate_pathway_zones,
    v.validate_courses,
    v.validate_course_ends,
]


@pytest.mark.parametrize("check", SHAPE_CHECKS, ids=lambda c: c.__name__)
def test_tiny_atlas_passes(check) -> None:
    assert check(tiny_atlas(), TinyBody()) == []
    assert check(with_joint_pathway(tiny_atlas()), TinyBody()) == []


def test_every_check_is_run_by_validate_all() -> None:
    assert set(SHAPE_CHECKS) | {
        v.validate_levels_present,
        v.validate_exam_guide,
        v.validate_candidates,
    } == set(v.CHECKS)


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


def test_article_without_doi_or_pmid() -> None:
    atlas = tiny_atlas()
    atlas.sources.loc["maigne1989", "doi"] = ""
    (problem,) = v.validate_sources_cited(atlas, TinyBody())
    assert "missing doi or pmid" in problem
    atlas.sources.loc["maigne1989", "pmid"] = "2533408"
    assert v.validate_sources_cited(atlas, TinyBody()) == []


def test_incomplete_source_must_say_it_is_unverified() -> None:
    atlas = tiny_atlas()
    atlas.sources.loc["maigne1989", ["title", "volume"]] = ""
    (problem,) = v.validate_sources_cited(atlas, TinyBody())
    assert "missing title, volume" in problem
    atlas.sources.loc["maigne1989", "note"] = "Textbook chapter"
    assert v.validate_sources_cited(atlas, TinyBody())
    atlas.sources.loc["maigne1989", "note"] = "Not verified: the title could not be read."
    assert v.validate_sources_cited(atlas, TinyBody()) == []


def test_unknown_source_kind() -> None:
    atlas = tiny_atlas()
    atlas.sources.loc["maigne1989", "kind"] = "rumour"
    assert v.validate_sources_cited(atlas, TinyBody()) == [
        "source 'maigne1989': unknown kind 'rumour'"
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("as maigne1989 found", "maigne1989"),
        ("see evidence.md", "evidence.md"),
        ("recorded in conflicts.csv", ".csv"),
        ("evidence base section 4", "section 4"),
    ],
)
def test_internal_keys_in_user_text_are_caught(text, shown) -> None:
    atlas = tiny_atlas()
    atlas.conflicts.loc[0, "positions"] = text
    (problem,) = v.validate_readable_text(atlas, TinyBody())
    assert f"shows {shown!r}" in problem


def test_readable_names_pass() -> None:
    atlas = tiny_atlas()
    atlas.pathways.loc[0, "note"] = "Maigne et al. 1989: T12 in every dissection (Maigne 1989)."
    assert v.validate_readable_text(atlas, TinyBody()) == []


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


def test_joint_pathway_without_joint() -> None:
    atlas = with_joint_pathway(tiny_atlas(), joint=False)
    assert v.validate_courses(atlas, TinyBody()) == ["pathway T12 facet-referral: no joint"]


def test_joint_pathway_with_a_course() -> None:
    atlas = with_joint_pathway(tiny_atlas())
    course = atlas.courses.assign(pathway="facet-referral")
    atlas.courses = pd.concat([atlas.courses, course], ignore_index=True)
    assert "course T12 facet-referral: not a nerve pathway" in v.validate_courses(atlas, TinyBody())


def test_joint_outside_the_outline_and_not_mirrored() -> None:
    atlas = with_joint_pathway(tiny_atlas())
    atlas.joints.loc[atlas.joints["side"] == "left", "geometry"] = Point(-150, 800)
    assert any("outside" in p for p in v.validate_inside_outline(atlas, TinyBody()))
    assert any("not the exact mirror" in p for p in v.validate_mirror(atlas, TinyBody()))


def test_course_starting_at_another_level() -> None:
    atlas = tiny_atlas(("T11", "T12"))
    left = atlas.courses.index[
        (atlas.courses["side"] == "left") & (atlas.courses["level"] == "T12")
    ]
    end = (-40, level_y("T12") - 10)
    atlas.courses.loc[left, "geometry"] = LineString([(-9, level_y("T11") - 2), end])
    problems = v.validate_course_ends(atlas, TinyBody())
    assert problems == [
        "course T12 superior-cluneal (posterior, left): starts at the height of T11"
    ]


def test_course_starting_far_from_the_spine() -> None:
    atlas = tiny_atlas()
    left = atlas.courses.index[atlas.courses["side"] == "left"]
    y = level_y("T12")
    atlas.courses.loc[left, "geometry"] = LineString([(-50, y), (-40, y - 10)])
    (problem,) = v.validate_course_ends(atlas, TinyBody())
    assert "units from the T12 spinous process" in problem


def test_course_ending_outside_its_zones() -> None:
    atlas = tiny_atlas()
    left = atlas.courses.index[atlas.courses["side"] == "left"]
    y = level_y("T12")
    atlas.courses.loc[left, "geometry"] = LineString([(-9, y), (-40, y - 60)])
    (problem,) = v.validate_course_ends(atlas, TinyBody())
    assert problem.endswith("branch 1 does not end inside its zones")


def _candidate(**change) -> dict:
    row = {"candidate_id": "tlj", "family": "thoracolumbar-junction",
           "family_label": "Thoracolumbar junction", "structure": "Junction",
           "levels": ("T12",), "pathway": "T12 medial branch",
           "territory": (("T12", "facet-referral"),), "test": "Facet block",
           "guide_ids": ("tlj-facet-block",), "source_ids": ("maigne1989",),
           "note": ""}  # fmt: skip
    return {**row, **change}


def test_a_good_candidate_passes() -> None:
    atlas = with_joint_pathway(tiny_atlas())
    atlas.candidates = pd.DataFrame([_candidate()])
    assert v.validate_candidates(atlas, TinyBody()) == []


@pytest.mark.parametrize(
    "change, problem",
    [
        ({"territory": (("T12", "middle-cluneal"),)}, "pathway T12 middle-cluneal not in"),
        ({"levels": ("T11", "T12")}, "levels T11, T12 differ from its territory"),
        ({"guide_ids": ("no-such-item",)}, "unknown guide_id 'no-such-item'"),
        ({"test": " "}, "empty test"),
        ({"family_label": ""}, "empty family_label"),
    ],
)
def test_candidate_defects_are_named(change, problem) -> None:
    atlas = with_joint_pathway(tiny_atlas())
    atlas.candidates = pd.DataFrame([_candidate(**change)])
    problems = v.validate_candidates(atlas, TinyBody())
    assert len(problems) == 1 and problem in problems[0]


def test_a_family_has_one_label() -> None:
    atlas = with_joint_pathway(tiny_atlas())
    other = _candidate(candidate_id="tlj-2", family_label="Junction syndrome")
    atlas.candidates = pd.DataFrame([_candidate(), other])
    problems = v.validate_candidates(atlas, TinyBody())
    assert problems == ["family thoracolumbar-junction: more than one family_label"]


def test_shipped_atlas_is_valid() -> None:
    from referral.body import load_body

    assert v.validate_all(load_atlas(), load_body()) == []
