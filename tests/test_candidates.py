"""Candidate sources (joints and entrapped nerves) ranked beside the levels, and the atlas
gaps of issue 15 that each failed on the atlas before it."""

from __future__ import annotations

import pytest
from catalogue import atlas, index, regions

from referral import matching
from referral.drawing import Drawing
from referral.matching import rank_levels


def rank(ids: list[str]):
    return rank_levels(Drawing.from_regions(ids, regions()), index())


def families(ranking, n: int = 3) -> list[str]:
    return [c.family for c in ranking.candidates[:n]]


def unexplained(ranking) -> bool:
    return any(f.code == "unexplained" for f in ranking.flags)


@pytest.mark.parametrize(
    "ids",
    [
        ["left-groin", "left-iliac-crest", "left-trochanter"],
        ["left-occiput", "left-suboccipital"],
        ["right-medial-buttock", "right-sacral"],
        ["left-interscapular"],
    ],
)
def test_candidates_are_best_first_one_per_family_with_the_tie_rule(ids) -> None:
    ranking = rank(ids)
    cands = ranking.candidates
    assert cands, "every drawing on the back of the trunk or head has candidates"
    scores = [c.score for c in cands]
    assert scores == sorted(scores, reverse=True)
    assert all(0 < s <= 1 for s in scores)
    assert len({c.family for c in cands}) == len(cands)
    best = scores[0]
    near = [c.score >= (1 - matching.CANDIDATE_MARGIN) * best for c in cands]
    for c, close in zip(cands, near, strict=True):
        assert c.tied == (close and sum(near) > 1)
        assert c.test and c.pathway and c.levels and c.guide_ids
    assert ranking.undecided == [c for c in cands if c.tied]


def test_a_best_candidate_alone_within_the_margin_is_not_called_undecided() -> None:
    """A whole buttock: the sacroiliac joint leads by more than the margin, so nothing is
    marked as impossible to tell apart (neither on the page nor in ``match --json``)."""
    ranking = rank(["left-upper-buttock", "left-medial-buttock", "left-lower-buttock"])
    first, second = ranking.candidates[:2]
    assert first.family == "sacroiliac"
    assert second.score < (1 - matching.CANDIDATE_MARGIN) * first.score
    assert ranking.undecided == []
    assert [c["cannot_tell_apart"] for c in ranking.to_dict()["candidates"]] == [False] * len(
        ranking.candidates
    )


def test_an_empty_drawing_has_no_candidates() -> None:
    ranking = rank_levels(Drawing(), index())
    assert ranking.candidates == [] and ranking.undecided == []
    assert ranking.to_dict()["candidates"] == []


def test_a_facet_candidate_names_the_adjacent_joints_that_fit_as_well() -> None:
    ranking = rank(["left-posterior-neck", "left-suprascapular"])
    facet = next(c for c in ranking.candidates if c.family == "cervical-facet")
    assert facet.also, "adjacent cervical joints share most of their referral"
    assert all("zygapophyseal joint" in name for name in facet.also)


def test_every_candidate_resolves_in_the_atlas() -> None:
    idx = index()
    keys = set(idx.pathway_keys)
    for row, pathways in zip(idx.candidates, idx.candidate_pathways, strict=True):
        assert set(row["territory"]) <= keys, row["candidate_id"]
        assert len(pathways) == len(row["territory"])
        assert {lv for lv, _ in row["territory"]} <= set(idx.levels)


def test_cli_contract_lists_candidates_best_first() -> None:
    result = rank(["left-iliac-crest", "left-upper-buttock"]).to_dict()
    assert set(result) == {"ranking", "candidates", "flags"}
    cands = result["candidates"]
    assert cands and [c["score"] for c in cands] == sorted(
        (c["score"] for c in cands), reverse=True
    )
    for c in cands:
        assert {"structure", "levels", "pathway", "test", "score"} <= set(c)
        assert isinstance(c["levels"], list) and isinstance(c["test"], str)


# --- the atlas gaps (each of these failed on the atlas and matcher before issue 15) ---


def test_a_medial_buttock_tap_puts_the_middle_cluneal_nerve_first() -> None:
    ranking = rank(["left-medial-buttock"])
    assert families(ranking, 1) == ["middle-cluneal"]
    assert "sacroiliac" in families(ranking)


def test_buttock_and_lower_back_put_the_sacroiliac_joint_first() -> None:
    ranking = rank(
        ["left-upper-buttock", "left-medial-buttock", "left-lower-buttock", "left-sacral"]
    )
    assert families(ranking, 1) == ["sacroiliac"]
    assert set(ranking.table["level"].head(3)) & {"L5", "S1", "S2", "S3"}


def test_the_facet_buttock_zone_no_longer_outscores_the_sacroiliac_joint() -> None:
    table = rank(["left-lower-buttock"]).table.set_index("level")
    best_sacroiliac = max(table.loc[lv, "score"] for lv in ("S1", "S2", "S3"))
    assert best_sacroiliac >= table.loc["L4", "score"]


@pytest.mark.parametrize(
    "ids",
    [
        ["left-low-back"],
        ["left-low-back", "left-iliac-crest", "left-flank", "left-sacral"],
        ["left-posterior-neck", "left-shoulder", "left-upper-trapezius"],
        # occipital headache spreading to the front of the head (cervicogenic headache)
        ["left-occiput", "left-face"],
        ["left-occiput", "left-scalp", "left-face"],
    ],
)
def test_textbook_patterns_are_not_called_unexplained(ids) -> None:
    assert not unexplained(rank(ids))


def test_the_frontal_referral_of_occipital_headache_is_fringe_only() -> None:
    """Trigeminocervical referral reaches the forehead but is no skin of C2 or C3: a face drawn
    alone stays unexplained and no level has a core zone on the face."""
    zones = atlas().zones
    frontal = zones[zones["zone_id"].str.endswith("-forehead-orbit")]
    assert set(frontal["level"]) == {"C2", "C3"}
    assert set(frontal["weight"]) == {"fringe"}
    assert unexplained(rank(["left-face"]))


@pytest.mark.parametrize(
    "ids",
    [
        ["left-chest", "left-lateral-chest"],
        ["left-face"],
        ["left-hand"],
        ["left-knee"],
        ["left-chest", "left-upper-arm", "left-forearm", "left-elbow"],
    ],
)
def test_drawings_outside_every_pathway_are_called_unexplained(ids) -> None:
    assert unexplained(rank(ids))


def test_occipital_headache_lists_both_occipital_sources_with_their_own_blocks() -> None:
    ranking = rank(["left-occiput", "left-suboccipital"])
    by_family = {c.family: c for c in ranking.candidates[:3]}
    assert {"third-occipital", "greater-occipital"} <= set(by_family)
    ton, gon = by_family["third-occipital"], by_family["greater-occipital"]
    assert ton.levels == ("C3",) and gon.levels == ("C2",)
    assert "Third occipital nerve block" in ton.test
    assert "Greater occipital nerve block" in gon.test


def test_the_thoracolumbar_triad_puts_the_junction_first() -> None:
    ranking = rank(["left-groin", "left-iliac-crest", "left-upper-buttock", "left-trochanter"])
    assert families(ranking, 1) == ["thoracolumbar-junction"]
    assert set(ranking.table["level"].head(3)) & {"T11", "T12", "L1"}


def test_t12_has_a_medial_branch_to_the_junction_joints() -> None:
    joints = set(atlas().level_joints("T12")["joint_id"])
    assert joints == {"t12-l1", "l1-l2"}
    l1_2 = next(c for c in index().candidates if c["candidate_id"] == "l1-l2-facet")
    assert ("T12", "facet-referral") in l1_2["territory"]


def test_the_sacroiliac_joint_is_supplied_by_l5_and_s1_to_s3() -> None:
    pathways = atlas().pathways[atlas().pathways["pathway"] == "sacroiliac-referral"]
    assert sorted(pathways["level"]) == ["L5", "S1", "S2", "S3"]
    zones = atlas().zones
    core = zones[(zones["pathway"] == "sacroiliac-referral") & (zones["weight"] == "core")]
    assert set(core["level"]) == {"L5", "S1", "S2", "S3"}
