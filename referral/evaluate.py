"""Evaluate the matcher on published cases (format of ``shared/clinical/dev-cases.json``).

A case passes when one of its ``accept_levels`` is in the top 3 (cases with no accepted
level only check flags) and every flag in ``expect_flags`` is raised. Reported:
top-1 and top-3 accuracy over cases with accepted levels, and flag agreement (cases whose
raised flags equal the expected ones exactly, and cases where every expected flag was raised).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from referral.drawing import Drawing, DrawingError
from referral.matching import AtlasIndex, rank_levels

TOP = 3


class EvaluationError(ValueError):
    """The cases file cannot be read; the message names the file and the problem."""


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Read and check a cases file; raise :class:`EvaluationError` naming what is wrong."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvaluationError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvaluationError(f"{path}: not valid JSON ({exc})") from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list):
        raise EvaluationError(f"{path}: expected an object with a 'cases' list")
    for number, case in enumerate(cases, start=1):
        if not isinstance(case, dict):
            raise EvaluationError(f"{path}: case {number} is not an object")
        for key in ("id", "regions", "accept_levels", "expect_flags"):
            if key not in case:
                raise EvaluationError(f"{path}: case {number} has no {key!r}")
        for key in ("regions", "accept_levels", "expect_flags"):
            if not isinstance(case[key], list) or not all(isinstance(v, str) for v in case[key]):
                raise EvaluationError(f"{path}: case {case['id']!r}: {key!r} must list strings")
    return cases


def evaluate_cases(cases: list[dict[str, Any]], index: AtlasIndex) -> dict[str, Any]:
    """Rank each case's regions and score the result (see the module docstring)."""
    results = []
    for case in cases:
        try:
            drawing = Drawing.from_regions(case["regions"], index.regions)
        except DrawingError as exc:
            raise EvaluationError(f"case {case['id']!r}: {exc}") from None
        ranking = rank_levels(drawing, index)
        top = ranking.table.head(TOP)
        raised = [f.code for f in ranking.flags]
        accept = case["accept_levels"]
        level_ok = not accept or bool(set(top["level"]) & set(accept))
        flags_ok = set(case["expect_flags"]) <= set(raised)
        results.append(
            {
                "id": case["id"],
                "top": [
                    {"level": r.level, "score": round(r.score, 3)}
                    for r in top.itertuples(index=False)
                ],
                "accept_levels": accept,
                "flags": raised,
                "expect_flags": case["expect_flags"],
                "top1": bool(accept) and top["level"].iloc[0] in accept,
                "level_ok": level_ok,
                "flags_ok": flags_ok,
                "pass": level_ok and flags_ok,
            }
        )
    scored = [r for r in results if r["accept_levels"]]
    summary = {
        "cases": len(results),
        "top1_accuracy": _share(sum(r["top1"] for r in scored), len(scored)),
        "top3_accuracy": _share(sum(r["level_ok"] for r in scored), len(scored)),
        "expected_flags_raised": _share(sum(r["flags_ok"] for r in results), len(results)),
        "flag_sets_identical": _share(
            sum(set(r["flags"]) == set(r["expect_flags"]) for r in results), len(results)
        ),
        "passed": sum(r["pass"] for r in results),
        "all_pass": all(r["pass"] for r in results),
    }
    return {"cases": results, "summary": summary}


def evaluate_file(path: Path, index: AtlasIndex) -> dict[str, Any]:
    """Load ``path`` and evaluate it; file problems raise :class:`EvaluationError`."""
    try:
        return evaluate_cases(load_cases(path), index)
    except EvaluationError as exc:
        message = str(exc)
        prefixed = message if message.startswith(str(path)) else f"{path}: {message}"
        raise EvaluationError(prefixed) from None


def _share(hits: int, total: int) -> float | None:
    return round(hits / total, 3) if total else None


def format_report(report: dict[str, Any]) -> str:
    """A readable table of the evaluation: per case the top levels, flags and verdict."""
    lines = [f"{'case':<24}{'top ' + str(TOP):<32}{'flags':<28}{'accept':<18}result"]
    for r in report["cases"]:
        top = ", ".join(f"{t['level']} {t['score']:.2f}" for t in r["top"])
        flags = ",".join(r["flags"]) or "-"
        accept = ",".join(r["accept_levels"]) or "-"
        lines.append(
            f"{r['id']:<24}{top:<32}{flags:<28}{accept:<18}{'pass' if r['pass'] else 'FAIL'}"
        )
    s = report["summary"]

    def pct(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.0%}"

    lines.append(
        f"\n{s['passed']}/{s['cases']} cases pass; top-1 accuracy {pct(s['top1_accuracy'])}, "
        f"top-3 accuracy {pct(s['top3_accuracy'])}; expected flags raised "
        f"{pct(s['expected_flags_raised'])}, flag sets identical {pct(s['flag_sets_identical'])}"
    )
    return "\n".join(lines)
