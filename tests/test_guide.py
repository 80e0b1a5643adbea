"""The exam and block guide: coverage of every level, resolvable sources, the content."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from referral import guide, schema
from referral.guide import GuideError, guide_for, parse_levels, validate_guide

DATA_FILES = (guide.GUIDE_FILE, "sources.csv", "pathways.csv")


def titles(items: tuple[guide.GuideItem, ...]) -> list[str]:
    return [item.title for item in items]


def test_the_shipped_guide_is_valid() -> None:
    assert validate_guide() == []


@pytest.mark.parametrize("level", schema.LEVELS)
def test_every_level_has_a_guide_or_says_plainly_that_nothing_is_known(level) -> None:
    result = guide_for(level)
    assert result.level == level and result.note.strip()
    if not result.known:
        assert result.note.startswith(f"Nothing specific is known for {level}")
    for item in result.signs + result.targets:
        assert item.kind in guide.KINDS
        assert item.title and item.detail and item.evidence
        assert len(item.citations) == len(item.source_ids) >= 1
        for citation, sid in zip(item.citations, item.source_ids, strict=True):
            assert sid not in citation and "nan" not in citation.split()
            assert len(citation) > 30


def test_signs_come_first_and_blocks_before_treatments() -> None:
    result = guide_for("C3")
    assert all(i.kind == "sign" for i in result.signs)
    kinds = [i.kind for i in result.targets]
    assert kinds == sorted(kinds, key=["block", "treatment"].index)
    assert result.items() == result.signs + result.targets


def test_the_thoracolumbar_junction_signs_and_targets() -> None:
    t12 = guide_for("T12")
    signs = titles(t12.signs)
    for expected in (
        "Lateral pressure on the spinous process",
        "Facet tenderness at the level",
        "Skin-rolling (pinch-roll, Kibler fold) test",
        "Extension-rotation (facet loading) provocation",
    ):
        assert expected in signs
    crest = next(i for i in t12.signs if i.title.startswith("Iliac crest point"))
    assert "7 cm from the midline" in crest.detail and crest.pathway == "superior-cluneal"
    assert "Superior cluneal nerve block at the crest" in titles(t12.targets)
    skin = next(i for i in t12.signs if i.title.startswith("Skin-rolling"))
    assert "No reliability or accuracy study" in skin.evidence
    assert "lateral cutaneous branch of the subcostal nerve" in t12.note


def test_facet_innervation_and_the_block_before_radiofrequency() -> None:
    lumbar = next(i for i in guide_for("L4").targets if i.title == "Lumbar medial branch blocks")
    assert "L4-5: L3 and L4 medial branches" in lumbar.detail
    l5 = titles(guide_for("L5").targets)
    assert "L5 dorsal ramus block (L5-S1 joint)" in l5
    assert "Third occipital nerve block (C2-3 joint)" in titles(guide_for("C3").targets)
    assert "Third occipital nerve block (C2-3 joint)" not in titles(guide_for("C2").targets)
    for level in ("C5", "C3", "L2"):
        for item in guide_for(level).targets:
            if item.kind == "treatment" and "radiofrequency" in item.title.lower():
                assert "only after" in item.detail and "block" in item.detail


def test_items_filter_by_pathway_keeps_level_wide_items() -> None:
    l1 = guide_for("L1")
    scn = l1.items("superior-cluneal")
    assert {i.pathway for i in scn} == {"", "superior-cluneal"}
    assert "Ilioinguinal nerve infiltration" not in titles(scn)


def test_an_atlas_supplies_the_sources_and_pathways() -> None:
    pathways = pd.read_csv(schema.DATA_DIR / "pathways.csv", dtype=str, keep_default_na=False)
    sources = pd.read_csv(
        schema.DATA_DIR / "sources.csv", dtype=str, keep_default_na=False
    ).set_index("source_id")
    atlas: Any = SimpleNamespace(pathways=pathways.iloc[0:0], sources=sources)
    result = guide_for("T12", atlas)
    assert result.signs == guide_for("T12").signs
    assert result.note.startswith("Every pathway of T12")


@pytest.mark.parametrize(
    "text, levels",
    [
        ("C2", ("C2",)),
        ("T11..L2", ("T11", "T12", "L1", "L2")),
        ("S1;C8..T1;S1", ("C8", "T1", "S1")),
    ],
)
def test_parse_levels(text, levels) -> None:
    assert parse_levels(text) == levels


@pytest.mark.parametrize(
    "text, message",
    [("L2..T11", "runs backwards"), ("T13", "unknown level 'T13'"), ("C1..C3", "unknown level")],
)
def test_parse_levels_rejects_bad_text(text, message) -> None:
    with pytest.raises(GuideError, match=message):
        parse_levels(text)


def test_an_unknown_level_names_the_closest() -> None:
    with pytest.raises(GuideError, match=r"unknown level 'T13'; did you mean .*T1"):
        guide_for("T13")


def copy_data(tmp_path: Path) -> Path:
    for name in DATA_FILES:
        shutil.copy(schema.DATA_DIR / name, tmp_path / name)
    return tmp_path


def test_validation_reports_every_problem(tmp_path) -> None:
    data = copy_data(tmp_path)
    rows = pd.read_csv(data / guide.GUIDE_FILE, dtype=str, keep_default_na=False)
    rows.loc[0, "source_ids"] = "nobody1999"
    rows.loc[1, "kind"] = "hint"
    rows.loc[2, "pathway"] = "greater-occipital"  # a C3 row: pathway of C2 only
    rows.loc[3, "levels"] = "L2..T11"
    rows.loc[4, "evidence"] = " "
    rows.loc[5, "guide_id"] = rows.loc[6, "guide_id"]
    rows.to_csv(data / guide.GUIDE_FILE, index=False)
    problems = validate_guide(data)
    text = "\n".join(problems)
    assert "unknown source id 'nobody1999'" in text
    assert "kind 'hint' is not one of sign, block, treatment" in text
    assert "pathway 'greater-occipital' exists at none of C3" in text
    assert "runs backwards" in text
    assert "empty evidence" in text
    assert "duplicate guide_id" in text
    assert len(problems) == 6


def test_missing_data_is_one_problem(tmp_path) -> None:
    assert validate_guide(tmp_path) and "cannot read the guide data" in validate_guide(tmp_path)[0]
