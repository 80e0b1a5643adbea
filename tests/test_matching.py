"""The matcher: scores, ordering, symmetry, flags, reasons, and the development cases."""

from __future__ import annotations

import numpy as np
import pytest
from catalogue import index, mirror_drawing, regions, ring, standard_drawings, zone_drawing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral import schema
from referral.drawing import Drawing
from referral.evaluate import evaluate_file
from referral.matching import measure, rank_levels

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CASES = __import__("pathlib").Path(__file__).parent / "cases" / "dev-cases.json"


def rank(ids: list[str]):
    return rank_levels(Drawing.from_regions(ids, regions()), index())


def top(ranking, n: int = 3) -> list[str]:
    return ranking.table["level"].head(n).tolist()


def flags(ranking) -> set[str]:
    return {f.code for f in ranking.flags}


@pytest.mark.parametrize("name", list(standard_drawings()))
def test_scores_are_between_0_and_1_and_sorted(name: str) -> None:
    ranking = rank_levels(standard_drawings()[name], index())
    table = ranking.table
    assert len(table) == len(schema.LEVELS)
    assert table["level"].tolist() != [] and set(table["level"]) == set(schema.LEVELS)
    for column in ("score", "explained", "explained_core"):
        assert table[column].between(0, 1).all(), column
    assert (table["explained_core"] <= table["explained"] + 1e-9).all()
    assert (np.diff(table["score"].to_numpy()) <= 1e-12).all()


@pytest.mark.parametrize(
    "level, pathway, view",
    [
        ("T12", "lateral-cutaneous", "left-lateral"),
        ("S2", "middle-cluneal", "posterior"),
        ("C2", "greater-occipital", "posterior"),
    ],
)
def test_a_drawing_equal_to_a_zone_ranks_its_level_first(level, pathway, view) -> None:
    ranking = rank_levels(zone_drawing(level, pathway, view), index())
    table = ranking.table.set_index("level")
    assert table.loc[level, "score"] == pytest.approx(table["score"].max())
    assert table.loc[level, "explained"] == pytest.approx(1.0, abs=0.02)


def test_a_zone_two_levels_share_ranks_both_first() -> None:
    """T12 and L1 have the same superior cluneal zones in the atlas (both core), so a
    drawing of that zone must put the two of them at the top, in either order."""
    ranking = rank_levels(zone_drawing("T12", "superior-cluneal", "posterior"), index())
    assert set(ranking.table["level"].head(2)) == {"T12", "L1"}


def test_disjoint_drawing_scores_zero_and_is_flagged_unexplained() -> None:
    ranking = rank_levels(standard_drawings()["disjoint"], index())
    assert ranking.table["score"].max() == 0
    assert "unexplained" in flags(ranking)


def test_empty_drawing_is_flagged_and_scores_zero() -> None:
    ranking = rank_levels(Drawing(), index())
    assert flags(ranking) == {"empty"}
    assert ranking.table["score"].max() == 0
    off_body = rank_levels(Drawing.from_outline("posterior", ring(280, 950, 10, 10)), index())
    assert flags(off_body) == {"empty"}


@pytest.mark.parametrize("name", [n for n in standard_drawings() if n != "empty"])
def test_mirrored_drawings_rank_the_same_levels(name: str) -> None:
    drawing = standard_drawings()[name]
    original = rank_levels(drawing, index()).table
    mirrored = rank_levels(mirror_drawing(drawing), index()).table
    assert mirrored["level"].tolist() == original["level"].tolist()
    np.testing.assert_allclose(mirrored["score"], original["score"], atol=1e-6)


@SETTINGS
@given(st.lists(st.sampled_from(sorted(regions().ids())), min_size=1, max_size=8))
def test_random_region_drawings_give_valid_rankings(ids: list[str]) -> None:
    ranking = rank(ids)
    scores = ranking.table["score"].to_numpy()
    assert np.all((scores >= 0) & (scores <= 1))
    assert "empty" not in flags(ranking)
    sides = {schema.split_region_id(r)[0] for r in ids}
    if len(sides) == 1:
        assert "crosses-midline" not in flags(ranking)


def test_tapping_a_region_equals_outlining_it_in_every_view() -> None:
    rid = "left-trochanter"
    tapped = rank([rid]).table.set_index("level")
    outlined = Drawing()
    for view in regions().views_of(rid):
        outlined = outlined.with_area(view, regions().shapes[view][rid])
    ranking = rank_levels(outlined, index())
    assert ranking.amounts.drawn.sum() == pytest.approx(regions().skin_area(rid), rel=0.02)
    drawn = ranking.table.set_index("level")
    np.testing.assert_allclose(drawn.loc[tapped.index, "explained"], tapped["explained"], atol=0.03)


def test_below_knee_flag() -> None:
    assert "below-knee" in flags(rank(["left-lateral-thigh", "left-shin"]))
    assert "below-knee" not in flags(rank(["left-lateral-thigh", "left-trochanter"]))


def test_crosses_midline_flag() -> None:
    assert "crosses-midline" in flags(rank(["left-low-back", "right-low-back"]))
    assert "crosses-midline" not in flags(rank(["left-low-back", "left-upper-buttock"]))


def test_flags_never_hide_the_ranking() -> None:
    ranking = rank(["left-upper-buttock", "left-iliac-crest", "left-calf"])
    assert "below-knee" in flags(ranking)
    assert ranking.table["score"].iloc[0] > 0
    assert len(ranking.table) == len(schema.LEVELS)


def test_maigne_triad_names_each_pathway_and_its_ramus() -> None:
    ranking = rank(["left-low-back", "left-iliac-crest", "left-upper-buttock", "left-groin"])
    assert top(ranking)[0] in {"T11", "T12", "L1"}
    reasons = " ".join(ranking.reasons("T12"))
    assert "dorsal ramus: its zone covers" in reasons
    assert "ventral ramus: its zone covers the left groin" in reasons
    assert "upper buttock" in reasons


def test_reasons_say_which_pathways_are_empty_and_what_is_left_unexplained() -> None:
    ranking = rank(["right-lower-abdomen", "right-groin", "right-pubic", "right-hand"])
    reasons = ranking.reasons("T12")
    assert any(r.startswith("Superior cluneal") and "nothing drawn" in r for r in reasons)
    assert "Leaves the right hand unexplained." in reasons


def test_to_dict_follows_the_cli_contract() -> None:
    result = rank(["left-groin", "left-upper-buttock"]).to_dict()
    assert set(result) == {"ranking", "candidates", "flags"}
    first = result["ranking"][0]
    assert {"level", "score", "explained", "pathways", "reasons"} <= set(first)
    assert {"pathway", "ramus", "nerve", "coverage"} <= set(first["pathways"][0])
    scores = [row["score"] for row in result["ranking"]]
    assert scores == sorted(scores, reverse=True)


def test_every_development_case_passes() -> None:
    report = evaluate_file(CASES, index())
    failing = [c["id"] for c in report["cases"] if not c["pass"]]
    assert failing == []
    assert report["summary"]["top3_accuracy"] == 1.0


@pytest.mark.parametrize(
    "ids, expected",
    [
        (["left-suboccipital", "left-occiput"], {"C2", "C3"}),
        (["right-lower-abdomen", "right-groin", "right-pubic"], {"T11", "T12", "L1"}),
        (["left-trochanter"], {"T12", "L1", "L2", "L4", "L5"}),
        (["right-medial-buttock"], {"S1", "S2", "S3"}),
    ],
)
def test_textbook_patterns_rank_their_levels_in_the_top_three(ids, expected) -> None:
    assert set(top(rank(ids))) & expected


# -- intensity ---------------------------------------------------------------------------------


def rated(ids: list[str], values: dict[str, int]) -> Drawing:
    drawing = Drawing.from_regions(ids, regions())
    for rid, value in values.items():
        drawing = drawing.with_intensity(rid, value, regions())
    return drawing


TRIAD = ["left-low-back", "left-iliac-crest", "left-upper-buttock", "left-groin"]


def test_intensity_10_counts_like_an_unrated_region() -> None:
    plain = rank_levels(Drawing.from_regions(TRIAD, regions()), index())
    full = rank_levels(rated(TRIAD, dict.fromkeys(TRIAD, 10)), index())
    assert np.array_equal(plain.scores, full.scores)


def test_a_uniform_intensity_keeps_the_order_and_the_explained_shares() -> None:
    plain = rank_levels(Drawing.from_regions(TRIAD, regions()), index())
    uniform = rank_levels(rated(TRIAD, dict.fromkeys(TRIAD, 3)), index())
    assert np.allclose(plain.explained, uniform.explained)
    assert top(plain, 5) == top(uniform, 5)


def test_a_low_intensity_weights_a_region_by_i_plus_1_over_11() -> None:
    ids = ["left-groin", "left-low-back"]
    plain = rank_levels(Drawing.from_regions(ids, regions()), index())
    weak = rank_levels(rated(ids, {"left-groin": 0}), index())
    column = list(weak.amounts.positions).index(index().region_pos["left-groin"])
    assert weak.amounts.drawn[column] == pytest.approx(plain.amounts.drawn[column] / 11)
    other = 1 - column
    assert weak.amounts.drawn[other] == pytest.approx(plain.amounts.drawn[other])


def test_rating_the_groin_low_shifts_the_ranking_towards_the_back() -> None:
    # Rating one of two regions 0 makes the ranking follow the other region's own ranking.
    ids = ["left-groin", "left-low-back"]
    groin_weak = rank_levels(rated(ids, {"left-groin": 0, "left-low-back": 10}), index())
    back_weak = rank_levels(rated(ids, {"left-groin": 10, "left-low-back": 0}), index())
    back_only = rank_levels(Drawing.from_regions(["left-low-back"], regions()), index())
    groin_only = rank_levels(Drawing.from_regions(["left-groin"], regions()), index())
    assert top(back_only, 4) != top(groin_only, 4)
    assert top(groin_weak, 4) == top(back_only, 4)
    assert top(back_weak, 4) == top(groin_only, 4)


# -- measuring on one skin -------------------------------------------------------------------


def test_a_tapped_region_counts_once_whatever_its_views() -> None:
    rid = "left-trochanter"
    assert len(regions().views_of(rid)) >= 2
    amounts = measure(Drawing.from_regions([rid], regions()), index())
    assert [index().region_ids[p] for p in amounts.positions] == [rid]
    assert amounts.drawn.tolist() == [regions().skin_area(rid)]


def test_an_area_outlined_in_several_views_counts_once_like_a_tap() -> None:
    """Outlining a region exactly in every view that shows it measures what tapping it does:
    each quantity is the largest over the views, not their sum."""
    rid = "left-trochanter"
    drawing = Drawing()
    for view in regions().views_of(rid):
        drawing = drawing.with_area(view, regions().shapes[view][rid])
    outlined = measure(drawing, index())
    tapped = measure(Drawing.from_regions([rid], regions()), index())
    ids = [index().region_ids[p] for p in outlined.positions]
    col = ids.index(rid)
    skin = tapped.drawn[0]
    # outlines are stored to 1 frame unit, so neighbours get slivers along the border
    assert outlined.drawn.sum() - outlined.drawn[col] < 0.02 * skin
    assert outlined.drawn[col] == pytest.approx(skin, rel=0.02)
    assert outlined.layers[:, col] == pytest.approx(tapped.layers[:, 0], abs=0.03 * skin)


def test_an_outline_over_a_tapped_region_does_not_count_it_twice() -> None:
    rid = "left-iliac-crest"
    area = regions().shapes["posterior"][rid].buffer(-1)
    both = measure(Drawing.from_regions([rid], regions()).with_area("posterior", area), index())
    tapped = measure(Drawing.from_regions([rid], regions()), index())
    assert both.drawn.tolist() == tapped.drawn.tolist()
    assert (both.layers == tapped.layers).all()


def test_outline_outside_the_body_measures_nothing() -> None:
    amounts = measure(Drawing.from_outline("posterior", ring(280, 950, 10, 10)), index())
    assert len(amounts.positions) == 0 and amounts.drawn.sum() == 0
