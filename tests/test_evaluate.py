"""The case evaluation: reading case files robustly, and the published case set."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral import evaluate, schema
from referral.atlas import load_atlas
from referral.evaluate import (
    SPINE_REGIONS,
    SPLITS,
    EvaluationError,
    evaluate_cases,
    evaluate_file,
    format_report,
    load_cases,
)
from referral.matching import AtlasIndex
from referral.regions import load_regions
from referral.report import SOURCE_ACCURACY, TOP3_ACCURACY

CASES_DIR = Path(__file__).parent / "cases"
PUBLISHED = schema.PUBLISHED_CASES_FILE
DEV = CASES_DIR / "dev-cases.json"
GOOD_CASE: dict[str, Any] = {
    "id": "ok",
    "regions": ["left-groin"],
    "accept_levels": ["L1"],
    "expect_flags": [],
}


@cache
def index() -> AtlasIndex:
    return AtlasIndex(load_atlas(), load_regions())


def write_cases(tmp_path: Path, cases: object) -> Path:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"cases": cases}), encoding="utf-8")
    return path


# --- load_cases: every malformed file is one EvaluationError naming the problem ----------


@pytest.mark.parametrize("bad_id", [None, ["a"], {"a": 1}, 3, "", "   "], ids=repr)
def test_a_case_id_that_is_not_a_non_empty_string_is_rejected(tmp_path, bad_id) -> None:
    path = write_cases(tmp_path, [{**GOOD_CASE, "id": bad_id}])
    with pytest.raises(EvaluationError, match=r"case 1: 'id' must be a non-empty string"):
        load_cases(path)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"regions": ["left-groin", 3]}, "'regions' must list strings"),
        ({"regions": "left-groin"}, "'regions' must list strings"),
        ({"accept_levels": [None]}, "'accept_levels' must list strings"),
        ({"expect_flags": [{"code": "x"}]}, "'expect_flags' must list strings"),
        ({"accept_levels": ["L6"]}, "'accept_levels' has unknown value 'L6'"),
        ({"expect_flags": ["below-the-knee"]}, "'expect_flags' has unknown value"),
        ({"split": "train"}, "'split' must be one of tuning, held-out"),
        ({"spine_region": ["lumbar"]}, "'spine_region' must be one of cervical"),
    ],
)
def test_malformed_case_fields_name_the_case_and_field(tmp_path, changes, message) -> None:
    path = write_cases(tmp_path, [{**GOOD_CASE, **changes}])
    with pytest.raises(EvaluationError) as err:
        load_cases(path)
    assert str(err.value).startswith(f"{path}: case 'ok'") and message in str(err.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("[]", "expected an object with a 'cases' list"),
        ('{"cases": {}}', "expected an object with a 'cases' list"),
        ('{"cases": [1]}', "case 1 is not an object"),
        ('{"cases": [{"id": "x"}]}', "case 1 has no 'regions'"),
        ("{", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ],
)
def test_malformed_files_raise_one_clear_error(tmp_path, text, message) -> None:
    path = tmp_path / "cases.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(EvaluationError, match=message):
        load_cases(path)


def test_duplicate_ids_undecodable_and_oversized_files_are_rejected(tmp_path, monkeypatch) -> None:
    duplicate = write_cases(tmp_path, [GOOD_CASE, GOOD_CASE])
    with pytest.raises(EvaluationError, match="case 2: duplicate id 'ok'"):
        load_cases(duplicate)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"cases": [], "about": "caf\xe9"}')
    with pytest.raises(EvaluationError, match="not UTF-8 text"):
        load_cases(latin)
    monkeypatch.setattr(evaluate, "MAX_FILE_BYTES", 10)
    with pytest.raises(EvaluationError, match="larger than 10 bytes"):
        load_cases(duplicate)


def test_a_long_id_is_shortened_in_messages(tmp_path) -> None:
    path = write_cases(tmp_path, [{**GOOD_CASE, "id": "x" * 500, "regions": [1]}])
    with pytest.raises(EvaluationError) as err:
        load_cases(path)
    assert "x" * 100 not in str(err.value) and "…" in str(err.value)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    case=st.dictionaries(
        st.sampled_from(["id", "regions", "accept_levels", "expect_flags", "split", "x"]), JSON
    )
)
def test_any_json_case_loads_or_raises_evaluation_error(tmp_path, case) -> None:
    path = write_cases(tmp_path, [case])
    try:
        loaded = load_cases(path)
    except EvaluationError:
        return
    assert loaded == [case]


def test_an_unknown_region_names_the_case(tmp_path) -> None:
    path = write_cases(tmp_path, [{**GOOD_CASE, "regions": ["left-grion"]}])
    with pytest.raises(EvaluationError, match=r"case 'ok': unknown region 'left-grion'"):
        evaluate_file(path, index())


# --- the published case set ---------------------------------------------------------------


def test_the_published_set_is_readable_and_complete() -> None:
    cases = load_cases(PUBLISHED)
    assert len(cases) >= 30
    ids = set(load_regions().ids())
    for case in cases:
        assert set(case["regions"]) <= ids, case["id"]
        assert case["regions"], case["id"]
        for key in ("citation", "description", "confirmation", "encoding"):
            assert isinstance(case.get(key), str) and case[key].strip(), (case["id"], key)
        assert case["spine_region"] in SPINE_REGIONS and case["split"] in SPLITS
        if case["spine_region"] != "contrast":
            assert case["accept_levels"], case["id"]
    assert {c["spine_region"] for c in cases} == set(SPINE_REGIONS)


def test_splits_alternate_within_each_spine_region_in_file_order() -> None:
    """The split was fixed before any result was seen: tuning, held-out, tuning, ..."""
    position: Counter[str] = Counter()
    for case in load_cases(PUBLISHED):
        expected = SPLITS[position[case["spine_region"]] % 2]
        assert case["split"] == expected, case["id"]
        position[case["spine_region"]] += 1


def test_the_published_set_runs_through_the_evaluation() -> None:
    report = evaluate_file(PUBLISHED, index())
    cases, summary = report["cases"], report["summary"]
    assert summary["cases"] == len(load_cases(PUBLISHED)) == len(cases)
    for result in cases:
        assert len(result["top"]) == evaluate.TOP
        assert all(t["level"] in schema.LEVELS and 0 <= t["score"] <= 1 for t in result["top"])
    for key in ("by_spine_region", "by_split"):
        groups = summary[key]
        assert sum(g["cases"] for g in groups.values()) == summary["cases"]
        for g in groups.values():
            if g["scored"]:
                assert g["top1_accuracy"] <= g["top3_accuracy"]
    assert set(summary["by_split"]) == set(SPLITS)
    assert list(summary["by_spine_region"]) == list(SPINE_REGIONS)


def test_flags_that_the_drawing_alone_determines_are_raised() -> None:
    """Below-knee and crosses-midline depend only on the drawing, not on the atlas."""
    report = evaluate_file(PUBLISHED, index())
    deterministic = {"below-knee", "crosses-midline"}
    for result in report["cases"]:
        expected = set(result["expect_flags"]) & deterministic
        assert expected <= set(result["flags"]), result["id"]


def test_the_report_shows_accuracy_by_region_and_split_only_when_cases_name_them() -> None:
    published = format_report(evaluate_file(PUBLISHED, index()))
    assert "by spine region" in published and "by split" in published
    assert "thoracolumbar" in published and "held-out" in published
    dev = format_report(evaluate_cases(load_cases(DEV), index()))
    assert "6/6 cases pass" in dev and "by spine region" not in dev


def test_published_set_runs_through_the_cli_above_its_measured_floor():
    """CI runs the published set through ``python -m referral evaluate``; the floor is the
    top-3 accuracy measured when the set was last extended (85 %), rounded down to 0.80."""
    result = subprocess.run(
        [sys.executable, "-m", "referral", "evaluate", str(PUBLISHED), "--min-top3", "0.80"],
        capture_output=True,
        text=True,
        cwd=CASES_DIR.parent.parent,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    assert "top-3 accuracy" in result.stdout


def test_the_app_quotes_the_measured_top3_accuracy():
    """The disclaimer's sentence (referral.report.TOP3_ACCURACY) matches the evaluation."""
    summary = evaluate_cases(load_cases(PUBLISHED), index())["summary"]
    assert f"{round(100 * summary['top3_accuracy'])}%" in TOP3_ACCURACY
    regions = summary["by_spine_region"]
    scored = sum(group["scored"] for group in regions.values())
    counts = f"On {summary['cases']} published cases ({scored} with a confirmed level"
    assert counts in TOP3_ACCURACY
    for name in ("cervical", "thoracolumbar", "sacral"):
        group = regions[name]
        hits = round(group["top3_accuracy"] * group["scored"])
        assert f"{name} {hits} of {group['scored']}" in TOP3_ACCURACY
    assert f"{round(100 * summary['source_top3_accuracy'])}%" in SOURCE_ACCURACY
    assert f"first in {round(100 * summary['source_top1_accuracy'])}%" in SOURCE_ACCURACY


#: The held-out half's figures as last measured (docs/evaluation.md). They moved only with new
#: cases, never with a change to the matcher or the atlas: 0.83 / 0.83 / 0.11 on 18 scored
#: cases, 0.85 / 0.80 / 0.10 on 20 (fourth search), 0.857 / 0.81 / 0.095 on 21 (fifth). A
#: change that makes the answer worse on cases not used for tuning fails here.
HELD_OUT_FLOOR = {"top3_accuracy": 0.857, "source_top3_accuracy": 0.81}
HELD_OUT_CEILING = {"false_unexplained": 0.095}
#: The held-out cases that passed when those figures were measured.
HELD_OUT_PASSING = frozenset({
    "barbari-2025-third-occipital-rf", "braza-2005-synovial-cyst-l5",
    "giblin-2014-third-occipital-rf", "iwamoto-scn-after-lumbar-fusion",
    "jspr-2022-facet-lower-limb", "kim-2013-thoracolumbar-junction",
    "kim-2017-meralgia-radiculopathy", "kiral-2024-superior-cluneal",
    "lee-son-2019-gon-craniofacial", "lesher-2008-hip-joint",
    "lord-1994-third-occipital", "maigne-doursounian-1997-superior-cluneal",
    "murakami-2008-sij-one-finger", "noh-2022-gon-decompression",
    "patel-2024-costotransverse-rf", "sharma-botchu-2021-dorsal-scapular",
    "sidhaye-2019-superior-cluneal", "staudt-sweet-2018-occipital-neuralgia",
    "tsai-2009-c4-5-upper-trapezius", "vanderwurff-2006-sacroiliac",
})  # fmt: skip


def test_the_held_out_half_stays_at_or_above_its_measured_figures():
    held_out = evaluate_cases(load_cases(PUBLISHED), index())["summary"]["by_split"]["held-out"]
    for key, floor in HELD_OUT_FLOOR.items():
        assert held_out[key] >= floor, (key, held_out[key])
    for key, ceiling in HELD_OUT_CEILING.items():
        assert held_out[key] <= ceiling, (key, held_out[key])


def test_every_held_out_case_that_passed_still_passes():
    """A figure can hold while one case breaks and another mends; each case is kept too."""
    cases = evaluate_cases(load_cases(PUBLISHED), index())["cases"]
    assert {c["id"] for c in cases if c["split"] == "held-out"} >= HELD_OUT_PASSING
    failing = {c["id"] for c in cases if not c["pass"] and not c["atlas_source"]}
    assert HELD_OUT_PASSING & failing == set()


def test_a_case_the_atlas_was_drawn_from_is_listed_but_not_counted():
    cases = load_cases(PUBLISHED)
    drawn_from = [c for c in cases if c.get("atlas_source")]
    assert drawn_from, "the sacroiliac zones were drawn from Slipman 2000 and Kurosawa 2015"
    report = evaluate_cases(cases, index())
    counted = report["summary"]["by_split"]
    fair = [c for c in cases if c["accept_levels"] and not c.get("atlas_source")]
    assert sum(g["scored"] for g in counted.values()) == len(fair)
    assert {r["id"] for r in report["cases"]} >= {c["id"] for c in drawn_from}


def test_unknown_source_families_are_refused(tmp_path) -> None:
    path = tmp_path / "cases.json"
    case = {"id": "x", "regions": ["left-groin"], "accept_levels": ["L1"], "expect_flags": [],
            "accept_sources": ["spleen"]}  # fmt: skip
    path.write_text(json.dumps({"cases": [case]}))
    with pytest.raises(EvaluationError, match="unknown source family 'spleen'"):
        evaluate_file(path, index())


@pytest.mark.parametrize("share", ["2", "-0.1", "nan", "0,8", "\uff10.8"])
def test_min_top3_must_be_a_share(share, capsys):
    from referral import cli

    assert cli.main(["evaluate", str(DEV), "--min-top3", share]) == 2
    assert "expected a share between 0 and 1" in capsys.readouterr().err


def test_min_top3_above_the_measured_accuracy_fails(capsys):
    from referral import cli

    assert cli.main(["evaluate", str(PUBLISHED), "--min-top3", "0.99"]) == 1
    assert cli.main(["evaluate", str(PUBLISHED), "--min-top3", "0.5"]) == 0


def test_the_markdown_tables_hold_every_group_and_case_as_measured():
    """``evaluate --markdown`` writes docs/evaluation.md's tables from the same report."""
    report = evaluate_cases(load_cases(PUBLISHED), index())
    text = evaluate.format_markdown(report)
    rows = {line.split(" | ")[0][2:]: line for line in text.splitlines() if line.startswith("| ")}
    for case in report["cases"]:
        row = rows[case["id"]]
        expected = "not counted" if case["atlas_source"] else ("pass" if case["pass"] else "FAIL")
        assert row.split(" | ")[-1].startswith(expected), row
    held_out = report["summary"]["by_split"]["held-out"]
    assert rows["**held-out**"].split(" | ")[4] == f"{held_out['top3_accuracy']:.0%}"
    everything = rows["**all**"].split(" | ")
    assert everything[1:3] == [str(len(report["cases"])), str(report_scored(report))]


def report_scored(report: dict[str, Any]) -> int:
    return sum(bool(c["accept_levels"]) and not c["atlas_source"] for c in report["cases"])
