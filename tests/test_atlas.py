"""The shipped atlas: reproducible build, mirror, clinical content and side conventions."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import Point

from referral import schema
from referral.atlas import load_atlas, split_ids
from referral.body import load_body
from referral.build import atlas as build_atlas


@pytest.fixture(scope="module")
def atlas():
    return load_atlas()


@pytest.fixture(scope="module")
def body():
    return load_body()


def test_committed_files_equal_a_fresh_build() -> None:
    files = build_atlas.build_files()
    assert set(files) == {"data/zones.geojson", "data/courses.geojson", "data/joints.geojson"}
    for rel, text in files.items():
        committed = (schema.ROOT / rel).read_text(encoding="utf-8")
        assert committed == text, f"{rel} differs from a fresh build: python -m referral.build"


def test_split_ids() -> None:
    assert split_ids("a; b;;c ") == ("a", "b", "c")
    assert split_ids(float("nan")) == ()


def test_every_level_has_zones_and_a_course_or_a_joint(atlas) -> None:
    assert atlas.levels() == list(schema.LEVELS)
    for level in schema.LEVELS:
        assert not atlas.level_zones(level).empty, level
        assert not (atlas.level_courses(level).empty and atlas.level_joints(level).empty), level


def test_joint_referral_pathways_have_joints_not_courses(atlas) -> None:
    kinds = atlas.pathways.set_index(["level", "pathway"])["kind"]
    course_keys = set(zip(atlas.courses["level"], atlas.courses["pathway"], strict=True))
    joint_keys = set(zip(atlas.joints["level"], atlas.joints["pathway"], strict=True))
    assert {kinds[k] for k in course_keys} == {"cutaneous"}
    assert {kinds[k] for k in joint_keys} == {"referral"}
    assert joint_keys == {k for k, kind in kinds.items() if kind == "referral"}
    facet = atlas.pathways[atlas.pathways["pathway"] == "facet-referral"]
    assert not course_keys & set(zip(facet["level"], facet["pathway"], strict=True))


def test_joints_are_named_points_mirrored_like_zones(atlas, body) -> None:
    c3 = atlas.level_joints("C3", view="posterior")
    assert set(c3["joint"]) == {"C2\u20133 zygapophyseal joint", "C3\u20134 zygapophyseal joint"}
    left = c3[(c3["side"] == "left") & (c3["joint_id"] == "c2-c3")]["geometry"].iloc[0]
    right = c3[(c3["side"] == "right") & (c3["joint_id"] == "c2-c3")]["geometry"].iloc[0]
    assert left.geom_type == "Point" and (right.x, right.y) == (-left.x, left.y)
    c2 = body.landmarks["posterior"].point("spinous-C2")[1]
    c3y = body.landmarks["posterior"].point("spinous-C3")[1]
    assert c3y < left.y < c2 and left.x < 0
    si = atlas.level_joints("S2", view="posterior", side="left")
    assert list(si["joint"]) == ["Sacroiliac joint (posterior part)"]


def test_upper_cervical_joints_are_not_the_c2_dorsal_ramus(atlas) -> None:
    """C0-1 and C1-2 belong to the C1/C2 ventral rami; C2-3 to the third occipital nerve."""
    assert "c1-c2" not in set(atlas.joints["joint_id"])
    c2 = atlas.joints[(atlas.joints["level"] == "C2")]
    assert set(c2["joint_id"]) == {"c2-c3"} and set(c2["weight"]) == {"fringe"}
    weights = atlas.zones.drop_duplicates("zone_id").set_index("zone_id")["weight"]
    assert weights["c2-facet-referral-upper-posterolateral-cervical"] == "fringe"
    assert weights["c2-facet-referral-occipital"] == "fringe"
    assert weights["c3-facet-referral-upper-posterolateral-cervical"] == "core"
    assert weights["c3-facet-referral-occipital"] == "core"


def test_third_occipital_skin_lies_below_the_nuchal_line_toward_the_mastoid(atlas, body) -> None:
    lm = body.landmarks["posterior"]
    zone = atlas.zones.set_index(["zone_id", "view", "side"]).loc[
        ("c3-third-occipital-ton-occiput", "posterior", "left"), "geometry"
    ]
    nuchal = lm.line("left-superior-nuchal-line")
    above_line = shapely.Polygon([*nuchal.coords, (nuchal.coords[-1][0], 2000), (0, 2000)])
    assert zone.intersection(above_line).area < 0.02 * zone.area
    greater_occipital_x = lm.point("left-greater-occipital-nerve")[0]
    assert zone.bounds[0] < greater_occipital_x  # reaches further out, toward the mastoid


def test_c5_6_suprascapular_pattern(atlas) -> None:
    weights = atlas.zones.drop_duplicates("zone_id").set_index("zone_id")["weight"]
    assert weights["c6-facet-referral-suprascapular"] == "core"
    assert weights["c5-facet-referral-suprascapular"] == "core"
    assert weights["c8-facet-referral-suprascapular"] == "fringe"
    assert weights["c8-facet-referral-superior-angle"] == "fringe"


def test_c4_and_c5_have_skin_twigs(atlas) -> None:
    skin = atlas.zones[atlas.zones["kind"] == "cutaneous"]
    weights = skin.groupby("level")["weight"].agg(set).to_dict()
    assert weights["C4"] == {"core"} and weights["C5"] == {"fringe"}


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


def test_lateral_pathway_t12_in_front_of_l1_behind(atlas, body) -> None:
    """Subcostal (T12) branch in front of the trochanter, iliohypogastric (L1) behind it."""
    trochanter_x = body.landmarks["left-lateral"].point("left-greater-trochanter")[0]
    lateral = atlas.zones[
        (atlas.zones["pathway"] == "lateral-cutaneous") & (atlas.zones["view"] == "left-lateral")
    ].set_index("level")["geometry"]
    assert set(lateral.index) == {"T12", "L1"}  # no trochanteric strip for T11 or L2
    assert lateral["T12"].centroid.x < trochanter_x < lateral["L1"].centroid.x


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


@pytest.mark.parametrize("level", ["C6", "C7", "C8"])
def test_levels_without_cutaneous_territory(atlas, level) -> None:
    assert set(atlas.level_zones(level)["kind"]) == {"referral"}


def test_superior_cluneal_weights(atlas) -> None:
    """T12 and L1 core (Maigne 1989); L3 weighs as much as L2; L4 and L5 fringe at the crest."""
    sc = atlas.zones[
        (atlas.zones["pathway"] == "superior-cluneal") & (atlas.zones["kind"] == "cutaneous")
    ]
    weights = sc.groupby("level")["weight"].agg(set).to_dict()
    assert weights["T12"] == {"core"} and weights["L1"] == {"core"}
    for level in ("T11", "L2", "L3", "L4", "L5"):
        assert weights[level] == {"fringe"}, level
    shapes = sc.groupby("level")["zone_id"].agg(set).to_dict()
    for level in ("L3", "L4", "L5"):
        assert {f"{level.lower()}-superior-cluneal-sc-crest-point",
                f"{level.lower()}-superior-cluneal-sc-buttock"} <= shapes[level]  # fmt: skip


def test_courses_start_beside_their_own_level(atlas, body) -> None:
    lm = body.landmarks["posterior"]
    courses = atlas.courses[
        (atlas.courses["view"] == "posterior") & (atlas.courses["side"] == "left")
    ]
    for row in courses.itertuples():
        x, y = shapely.get_coordinates(row.geometry)[0]
        assert -schema.cm(2.5) <= x < 0, (row.level, row.pathway)
        if row.level != "C8":
            assert y == pytest.approx(lm.point(f"spinous-{row.level}")[1]), row.level


def test_sacral_branches_leave_through_their_foramina(atlas) -> None:
    s1 = atlas.level_courses("S1", view="posterior", side="left")
    for geom in s1["geometry"]:
        x = shapely.get_coordinates(geom)[0][0]
        assert x == pytest.approx(-schema.cm(2.35), abs=0.01)  # Kim et al. 2023: 23.5 mm


def test_l5_has_no_lateral_branch_and_the_disagreement_is_recorded(atlas) -> None:
    """Bogduk et al. 1982 (the guide's source for the L5 block): the L5 dorsal ramus forms
    only a medial and an intermediate branch; its skin and sacroiliac shares are the ramus's."""
    l5 = atlas.pathways[atlas.pathways["level"] == "L5"].set_index("pathway")["branch"]
    assert "lateral" not in set(l5)
    assert l5["sacroiliac-referral"] == l5["dorsal-cutaneous"] == "ramus"
    topics = set(atlas.conflicts["topic"])
    assert "Branches of the L5 dorsal ramus" in topics


def test_subcostal_ends_above_the_pubis_not_along_the_ligament(atlas, body) -> None:
    lm = body.landmarks["anterior"]
    (course,) = atlas.level_courses("T12", view="anterior", side="left")["geometry"]
    end_x, end_y = shapely.get_coordinates(course)[-1]
    assert end_y > lm.point("pubic-symphysis")[1]
    assert 0 < end_x < lm.point("left-pubic-tubercle")[0] + schema.cm(1)
    ligament = lm.line("left-inguinal-ligament")
    assert course.intersection(ligament.buffer(schema.cm(1))).length < 0.2 * course.length


def test_femoral_branch_and_upper_inner_thigh_below_the_ligament(atlas, body) -> None:
    lm = body.landmarks["anterior"]
    middle = lm.line("left-inguinal-ligament").interpolate(0.5, normalized=True)
    zones = atlas.zones.set_index(["zone_id", "view", "side"])["geometry"]
    femoral = zones[("l2-anterior-ventral-ant-femoral-branch", "anterior", "left")]
    assert femoral.bounds[3] <= middle.y and femoral.distance(middle) < schema.cm(2)
    assert femoral.bounds[0] < middle.x < femoral.bounds[2]
    thigh = zones[("l1-anterior-ventral-ant-upper-medial-thigh", "anterior", "left")]
    assert thigh.centroid.y < lm.point("left-pubic-tubercle")[1]


def test_citations_are_formatted(atlas) -> None:
    (text,) = atlas.citations(("maigne1989",))
    assert text.startswith("Maigne JY, Lazareth JP, Gu\u00e9rin Surville H, Maigne R. The lateral")
    assert "Surg Radiol Anat 1989;11(4):289-293." in text
    assert "doi:10.1007/BF02098698" in text and "PMID:2533408" in text
    (unverified,) = atlas.citations("dwyer1990")
    assert unverified.endswith("(Details not verified.)")
    with pytest.raises(KeyError, match="nobody"):
        atlas.citations(("nobody",))


@pytest.mark.parametrize(
    ("source_id", "label"),
    [
        ("aota2016", "Aota 2016"),
        ("bogdukmarsland1986", "Bogduk & Marsland 1986"),
        ("konno2017", "Konno et al. 2017"),
        ("maigne1988", "Maigne et al. 1988"),
        ("fukui1996", "Fukui et al. 1996"),
        ("grays", "Gray 1918"),
    ],
)
def test_source_labels_are_readable(atlas, source_id, label) -> None:
    assert atlas.source_label(source_id) == label


def test_source_label_of_an_unknown_id_raises(atlas) -> None:
    with pytest.raises(KeyError, match="nobody"):
        atlas.source_label("nobody")


def test_every_source_names_its_authors_or_says_it_is_unverified(atlas) -> None:
    for sid, row in atlas.sources[atlas.sources["kind"] != "project"].iterrows():
        complete = row["authors"] and row["title"] and (row["doi"] or row["pmid"] or row["url"])
        assert complete or row["note"].lower().startswith(
            ("not verified", "could not be", "not fully")
        ), sid


def test_every_conflict_has_a_rule(atlas) -> None:
    assert len(atlas.conflicts) >= 10
    assert (atlas.conflicts["atlas_rule"].str.len() > 20).all()


@pytest.mark.parametrize("name", ["zones", "courses", "joints", "pathways"])
def test_level_records_are_the_levels_rows_made_once(atlas, name):
    frame = getattr(atlas, name)
    for level in ("C2", "T12", "L1", "S3"):
        records = atlas.level_records(name, level)
        expected = frame[frame["level"] == level]
        assert [r[c] for r in records for c in ("level", "pathway")] == [
            v for _, row in expected.iterrows() for v in (row["level"], row["pathway"])
        ]
        assert atlas.level_records(name, level) is records


def test_level_records_follow_a_replaced_frame():
    atlas = load_atlas()
    before = atlas.level_records("zones", "T12")
    atlas.zones = atlas.zones[atlas.zones["level"] != "T12"]
    assert before and atlas.level_records("zones", "T12") == ()
