"""The shipped atlas: reproducible build, mirror, clinical content and side conventions."""

from __future__ import annotations

import importlib.util
import sys

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from referral import schema
from referral.atlas import load_atlas, split_ids
from referral.body import load_body


@pytest.fixture(scope="module")
def atlas():
    return load_atlas()


@pytest.fixture(scope="module")
def body():
    return load_body()


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_atlas", schema.ROOT / "scripts" / "build_atlas.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_committed_files_equal_a_fresh_build() -> None:
    zones, courses = _build_module().build()
    assert schema.ZONES_FILE.read_text(encoding="utf-8") == zones
    assert schema.COURSES_FILE.read_text(encoding="utf-8") == courses


def test_split_ids() -> None:
    assert split_ids("a; b;;c ") == ("a", "b", "c")
    assert split_ids(float("nan")) == ()


def test_every_level_has_zones_and_pathways(atlas) -> None:
    assert atlas.levels() == list(schema.LEVELS)
    for level in schema.LEVELS:
        assert not atlas.level_zones(level).empty, level
        assert not atlas.level_courses(level).empty, level


def test_unknown_level_raises(atlas) -> None:
    with pytest.raises(ValueError, match="unknown level 'C1'"):
        atlas.level_zones("C1")


def test_right_side_is_exact_mirror(atlas) -> None:
    z = atlas.zones
    left = z[(z["side"] == "left") & (z["view"] == "left-lateral")].set_index("zone_id")
    right = z[(z["side"] == "right") & (z["view"] == "right-lateral")].set_index("zone_id")
    assert set(left.index) == set(right.index)
    for zid in left.index:
        a = shapely.get_coordinates(left.at[zid, "geometry"])
        b = shapely.get_coordinates(right.at[zid, "geometry"])
        np.testing.assert_array_equal(a * [-1, 1], b)


def test_t12_has_dorsal_and_ventral_pathways(atlas) -> None:
    t12 = atlas.level_zones("T12", side="left")
    by_pathway = t12.groupby("pathway")["ramus"].first().to_dict()
    assert by_pathway["superior-cluneal"] == "dorsal"
    assert by_pathway["anterior-ventral"] == "ventral"
    assert by_pathway["lateral-cutaneous"] == "ventral"
    views = set(t12.loc[t12["pathway"] == "superior-cluneal", "view"])
    assert "posterior" in views
    assert "anterior" in set(t12.loc[t12["pathway"] == "anterior-ventral", "view"])


def test_iliac_crest_point_in_t12_superior_cluneal_zone(atlas, body) -> None:
    point = Point(body.landmarks["posterior"].point("left-iliac-crest-point"))
    zones = atlas.level_zones("T12", view="posterior", side="left")
    zones = zones[zones["pathway"] == "superior-cluneal"]
    assert any(g.contains(point) for g in zones["geometry"])


def test_t12_lateral_zone_covers_the_trochanter(atlas, body) -> None:
    point = Point(body.landmarks["left-lateral"].point("left-greater-trochanter"))
    zones = atlas.level_zones("T12", view="left-lateral", side="left")
    zones = zones[zones["pathway"] == "lateral-cutaneous"]
    assert any(g.contains(point) for g in zones["geometry"])


def test_lateral_pathway_stops_in_the_upper_thigh(atlas, body) -> None:
    trochanter_y = body.landmarks["left-lateral"].point("left-greater-trochanter")[1]
    knee_y = max(y for _, y in body.landmarks["left-lateral"].lines["left-knee-line"].coords)
    zones = atlas.zones[atlas.zones["pathway"] == "lateral-cutaneous"]
    lowest = min(g.bounds[1] for g in zones["geometry"])
    assert lowest > trochanter_y - (trochanter_y - knee_y) / 3


def test_no_zone_below_the_knee(atlas, body) -> None:
    for view, rows in atlas.zones.groupby("view"):
        side = "right" if view == "right-lateral" else "left"
        knee = body.landmarks[view].lines[f"{side}-knee-line"]
        knee_y = max(y for _, y in knee.coords)
        assert min(g.bounds[1] for g in rows["geometry"]) >= knee_y - 0.01, view


def test_zones_stay_on_the_patients_side(atlas) -> None:
    z = atlas.zones
    for view in ("anterior", "posterior"):
        sign = schema.LEFT_SIGN[view]
        for side, s in (("left", sign), ("right", -sign)):
            rows = z[(z["view"] == view) & (z["side"] == side)]
            xs = np.concatenate([shapely.get_coordinates(g)[:, 0] for g in rows["geometry"]])
            assert (s * xs >= 0).all(), (view, side)


@pytest.mark.parametrize("level", ["C6", "C7", "C8", "L4"])
def test_levels_without_cutaneous_territory(atlas, level) -> None:
    assert set(atlas.level_zones(level)["kind"]) == {"referral"}


def test_superior_cluneal_weights_follow_maigne(atlas) -> None:
    sc = atlas.zones[atlas.zones["pathway"] == "superior-cluneal"]
    weights = sc.groupby("level")["weight"].agg(set).to_dict()
    assert weights["T12"] == {"core"} and weights["L1"] == {"core"}
    assert weights["T11"] == {"fringe"} and weights["L2"] == {"fringe"}
    assert weights["L3"] == {"fringe"}


def test_courses_start_beside_the_spine(atlas, body) -> None:
    courses = atlas.courses[
        (atlas.courses["view"] == "posterior") & (atlas.courses["side"] == "left")
    ]
    for row in courses.itertuples():
        first = shapely.get_coordinates(row.geometry)[0]
        assert -schema.cm(2.5) <= first[0] < 0, (row.level, row.pathway)


def test_citations_are_formatted(atlas) -> None:
    (text,) = atlas.citations(("maigne1989",))
    assert "Surg Radiol Anat 1989;11:289" in text and "doi:10.1007/" in text
    with pytest.raises(KeyError, match="nobody"):
        atlas.citations(("nobody",))


def test_every_conflict_has_a_rule(atlas) -> None:
    assert len(atlas.conflicts) >= 6
    assert (atlas.conflicts["atlas_rule"].str.len() > 20).all()
