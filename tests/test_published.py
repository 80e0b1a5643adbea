"""The published cases drawn like a drawing (:mod:`referral.published`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from referral import published
from referral.atlas import load_atlas
from referral.published import (
    NOT_DORSAL_RAMUS,
    AlikeCase,
    PublishedCase,
    confirmed_counts,
    confirmed_sentence,
    drawn_alike,
    load_published_cases,
    mirrored,
)
from referral.regions import load_regions

CASES = load_published_cases()
REGION_IDS = sorted(load_regions().ids())


def case(case_id: str, regions: list[str], families: tuple[str, ...] = ()) -> PublishedCase:
    return PublishedCase(case_id, frozenset(regions), families, f"{case_id} 2000", "a block")


def test_every_published_case_is_read_with_known_regions_and_source_families():
    labels = load_atlas().family_labels()
    assert len(CASES) == 57
    for found in CASES:
        assert found.regions and found.regions <= set(REGION_IDS), found.case_id
        assert set(found.families) <= set(labels), found.case_id
        assert found.citation and found.confirmation, found.case_id


def test_cases_alike_are_found_on_either_side_most_alike_first():
    cases = [
        case("half", ["left-groin", "left-flank"], ("ilioinguinal",)),
        case("same", ["right-groin"], ("sacroiliac",)),
        case("third", ["left-groin", "left-flank", "left-knee"]),
    ]
    found = drawn_alike(["left-groin"], cases)
    assert [(f.case.case_id, f.shared, f.marked) for f in found] == [
        ("same", 1, 1),  # drawn on the right, matched mirrored
        ("half", 1, 2),  # Jaccard 1/2: at the least
    ]  # "third" is 1/3: not alike
    assert drawn_alike([], cases) == []


def test_a_drawing_on_both_sides_is_alike_a_case_on_both_sides_only():
    both = case("both", ["left-sacral", "right-sacral"])
    one = case("one", ["left-sacral"])
    found = drawn_alike(["left-sacral", "right-sacral"], [both, one])
    assert [(f.case.case_id, f.alike) for f in found] == [("both", 1.0), ("one", 0.5)]


@given(st.sets(st.sampled_from(REGION_IDS), min_size=1, max_size=8))
def test_mirroring_the_drawing_finds_the_same_cases(regions):
    """Alike is side-blind: a drawing and its mirror image match the same cases as much."""
    found = [(f.case.case_id, f.alike) for f in drawn_alike(regions, CASES)]
    assert found == [(f.case.case_id, f.alike) for f in drawn_alike(mirrored(regions), CASES)]
    assert all(published.LEAST_ALIKE <= alike <= 1 for _, alike in found)


def test_each_published_case_finds_itself_first():
    for found in CASES:
        first = drawn_alike(found.regions, CASES)[0]
        assert first.alike == 1.0 and found.regions in (
            first.case.regions,
            mirrored(first.case.regions),
        )


def test_confirmed_sources_are_counted_most_first_and_contrast_cases_as_none():
    alike = [
        AlikeCase(case("a", ["left-groin"], ("sacroiliac",)), 1, 1),
        AlikeCase(case("b", ["left-groin"], ("superior-cluneal", "middle-cluneal")), 1, 1),
        AlikeCase(case("c", ["left-groin"], ("middle-cluneal",)), 1, 2),
        AlikeCase(case("d", ["left-groin"]), 1, 2),
    ]
    assert confirmed_counts(alike) == [
        ("middle-cluneal", 2),
        ("sacroiliac", 1),
        ("superior-cluneal", 1),
        (NOT_DORSAL_RAMUS, 1),
    ]
    labels = {"sacroiliac": "Sacroiliac joint", "middle-cluneal": "C2\u20133 joint"}
    assert confirmed_sentence(alike, labels) == (
        "Published cases drawn like this (drawings encoded from the papers' text): 4, "
        "confirmed as: C2\u20133 joint 2, sacroiliac joint 1, superior-cluneal 1, "
        f"{NOT_DORSAL_RAMUS} 1."
    )
    assert confirmed_sentence([], labels) == ""


def test_the_low_back_of_the_published_cases_had_different_confirmed_sources():
    """Why the page shows these cases: the same drawing, confirmed at three sources."""
    low_back = ["left-low-back", "left-iliac-crest", "left-sacral", "left-flank"]
    exact = [f for f in drawn_alike(low_back, CASES) if f.alike == 1.0]
    families = {family for f in exact for family in f.case.families}
    assert {"superior-cluneal", "sacroiliac", "middle-cluneal"} <= families


def test_mirrored_swaps_the_sides():
    assert mirrored(["left-groin", "right-knee"]) == {"right-groin", "left-knee"}
