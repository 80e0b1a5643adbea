"""The command-line contract of ``python -m referral``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import shapely
from catalogue import regions

from referral import schema
from referral.cli import main
from referral.drawing import Drawing

CASES = Path(__file__).parent / "cases" / "dev-cases.json"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_regions_json_points_lie_inside_their_region(capsys) -> None:
    status, out, _ = run(capsys, "regions", "--json")
    assert status == 0
    rows = json.loads(out)
    assert {row["id"] for row in rows} == set(regions().ids())
    groin = next(row for row in rows if row["id"] == "left-groin")
    assert groin["label"] == "Left groin" and groin["side"] == "left" and 122 in groin["choir"]
    for row in rows:
        for view, where in row["views"].items():
            polygon = regions().shapes[view][row["id"]]
            assert polygon.contains(shapely.Point(where["point"])), (row["id"], view)


def test_levels_json_lists_every_level_with_cited_pathways(capsys) -> None:
    status, out, _ = run(capsys, "levels", "--json")
    assert status == 0
    rows = json.loads(out)
    assert [row["level"] for row in rows] == list(schema.LEVELS)
    for row in rows:
        assert row["pathways"], row["level"]
        for p in row["pathways"]:
            assert p["ramus"] in schema.RAMI and p["evidence"] in schema.EVIDENCE and p["sources"]
    t12 = next(row for row in rows if row["level"] == "T12")
    assert {p["ramus"] for p in t12["pathways"]} == {"dorsal", "ventral"}


def test_match_json_is_sorted_with_reasons(capsys) -> None:
    status, out, _ = run(capsys, "match", "--regions", "left-groin,left-upper-buttock", "--json")
    assert status == 0
    result = json.loads(out)
    scores = [row["score"] for row in result["ranking"]]
    assert scores == sorted(scores, reverse=True)
    assert result["ranking"][0]["level"] in {"T11", "T12", "L1", "L2"}
    assert result["ranking"][0]["reasons"]
    assert result["flags"] == []


def test_match_json_lists_candidate_sources_with_their_tests(capsys) -> None:
    status, out, _ = run(capsys, "match", "--regions", "left-occiput,left-suboccipital", "--json")
    assert status == 0
    candidates = json.loads(out)["candidates"]
    scores = [c["score"] for c in candidates]
    assert scores == sorted(scores, reverse=True)
    for c in candidates:
        assert {"structure", "levels", "pathway", "test", "score"} <= set(c)
        assert all(
            item["title"] and item["kind"] in ("sign", "block") for item in c["separated_by"]
        )
    by_family = {c["family"]: c for c in candidates}
    assert by_family["third-occipital"]["levels"] == ["C3"]
    assert by_family["greater-occipital"]["levels"] == ["C2"]
    assert by_family["third-occipital"]["test"] != by_family["greater-occipital"]["test"]


def test_match_names_the_published_cases_drawn_alike(capsys) -> None:
    """``--json`` lists them (most alike first) with their confirmed source families; the
    text says what they confirmed."""
    status, out, _ = run(capsys, "match", "--regions", "right-occiput,right-scalp", "--json")
    assert status == 0
    alike = json.loads(out)["published_cases"]
    assert [c["alike"] for c in alike] == sorted((c["alike"] for c in alike), reverse=True)
    first = alike[0]
    assert first["sources"] == ["third-occipital"] and first["alike"] == 1.0
    assert first["shared_regions"] == first["marked_regions"] == 2
    assert {tuple(c["sources"]) for c in alike} == {("third-occipital",), ("greater-occipital",)}
    status, out, _ = run(capsys, "match", "--regions", "right-occiput,right-scalp")
    assert (
        "Published cases drawn like this (drawings encoded from the papers' text): 8, confirmed "
        "as: C2\u20133 joint (third occipital nerve) 5, greater occipital nerve 3." in out
    )


def test_match_text_names_the_sources_to_consider(capsys) -> None:
    status, out, _ = run(capsys, "match", "--regions", "left-medial-buttock")
    assert status == 0
    assert "Sources to consider" in out and "Middle cluneal nerve" in out
    buttock = "left-upper-buttock,left-medial-buttock,left-lower-buttock"
    status, out, _ = run(capsys, "match", "--regions", buttock)
    (less,) = [line for line in out.splitlines() if line.startswith("Fit less well: ")]
    assert "zygapophyseal joint (as well: " in less and "L5\u2013S1" in less


def test_match_combines_regions_choir_and_a_drawing_file(capsys, tmp_path) -> None:
    exported = Drawing.from_outline("posterior", [(-70, 560), (-30, 560), (-40, 520)])
    path = tmp_path / "drawing.geojson"
    path.write_text(json.dumps(exported.to_geojson()))
    status, out, _ = run(
        capsys, "match", "--regions", "left-groin", "--choir", "223", "--drawing", str(path)
    )
    assert status == 0
    assert "score" in out and "Why" in out and "not a diagnosis" in out


def test_match_text_table_reports_flags(capsys) -> None:
    status, out, _ = run(capsys, "match", "--regions", "left-lateral-thigh,left-shin,left-foot")
    assert status == 0
    assert "flag below-knee" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["match", "--regions", "left-grion"],
            "unknown region 'left-grion'; did you mean left-groin",
        ),
        (["match", "--choir", "999"], "unknown CHOIR code 999"),
        (["match", "--drawing", "/nonexistent/x.geojson"], "/nonexistent/x.geojson: cannot read"),
        (["match", "--top", "0"], "--top must be at least 1"),
        (["frobnicate"], "invalid choice"),
        (["evaluate", "/nonexistent/cases.json"], "/nonexistent/cases.json: cannot read"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(capsys, argv, message) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert out == ""
    assert err.count("\n") == 1 and message in err and "Traceback" not in err


def test_malformed_files_name_the_file_and_the_problem(capsys, tmp_path) -> None:
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    status, _, err = run(capsys, "match", "--drawing", str(bad))
    assert status == 2 and "bad.geojson: feature 1" in err
    cases = tmp_path / "cases.json"
    cases.write_text('{"cases": [{"id": "x"}]}')
    status, _, err = run(capsys, "evaluate", str(cases))
    assert status == 2 and "cases.json: case 1 has no 'regions'" in err


def test_validate_passes_on_the_shipped_data(capsys) -> None:
    status, out, err = run(capsys, "validate")
    assert status == 0, err
    assert out.startswith("validate: ok") and out.count("\n") == 1


def test_evaluate_prints_the_table_and_passes(capsys) -> None:
    status, out, _ = run(capsys, "evaluate", str(CASES))
    assert status == 0
    assert "maigne-triad" in out and "6/6 cases pass" in out


def test_module_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "referral", "match", "--regions", "nope"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("referral: error: unknown region 'nope'")
    assert "Traceback" not in result.stderr


def test_redcap_values_and_choir_codes_give_the_same_ranking(capsys) -> None:
    _, choir, _ = run(capsys, "match", "--choir", "218,223", "--json")
    status, redcap, _ = run(capsys, "match", "--choir", "b18 B23", "--json")
    assert status == 0 and json.loads(redcap) == json.loads(choir)


def test_a_drawing_file_keeps_its_intensities(capsys, tmp_path) -> None:
    drawing = Drawing.from_regions(["left-groin", "left-low-back"], regions())
    rated = drawing.with_intensity("left-groin", 0, regions())
    plain_path, rated_path = tmp_path / "plain.geojson", tmp_path / "rated.geojson"
    plain_path.write_text(json.dumps(drawing.to_geojson()))
    rated_path.write_text(json.dumps(rated.to_geojson()))
    _, plain, _ = run(capsys, "match", "--drawing", str(plain_path), "--json")
    status, weighted, _ = run(capsys, "match", "--drawing", str(rated_path), "--json")
    assert status == 0
    plain_scores = [row["score"] for row in json.loads(plain)["ranking"]]
    weighted_scores = [row["score"] for row in json.loads(weighted)["ranking"]]
    assert plain_scores != weighted_scores


@pytest.mark.parametrize(
    "argv, message",
    [
        (["match", "--choir", "\u00b2"], "'\u00b2' is not a CHOIR code"),
        (["match", "--choir", "\uff12\uff12\uff13"], "is not a CHOIR code"),
        (["match", "--choir", "1" * 5000], "longer than 1000 characters"),
        (["match", "--top", "\u0663"], "expected a whole number"),
        (["match", "--drawing", "/dev/zero"], "is not a regular file"),
        (["match", "--drawing", "/"], "is not a regular file"),
    ],
)
def test_hostile_command_lines_exit_2_with_one_line(capsys, argv, message) -> None:
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and message in err
