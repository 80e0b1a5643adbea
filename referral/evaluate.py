"""Evaluate the matcher on published cases (format of ``shared/clinical/dev-cases.json``).

A case passes when one of its ``accept_levels`` is in the top 3 (cases with no accepted
level only check flags), every flag in ``expect_flags`` is raised and, when the case names
``accept_sources`` (candidate families of ``data/candidates.csv``), one of them is among the
top 3 candidates. Reported: top-1 and top-3 accuracy over cases with accepted levels, source
top-1 and top-3 accuracy over cases with accepted sources, flag agreement (cases whose raised
flags equal the expected ones exactly, and cases where every expected flag was raised), and
how often ``unexplained`` is raised on genuine cases (those with accepted levels) where it
was not expected. A case naming an ``atlas_source`` (the paper its structure's zones were
drawn from) is run and listed but left out of every accuracy figure: it cannot test the
drawing it was used to make.
The same accuracies are reported per spine region and per split when the cases carry the
optional keys ``spine_region`` (one of :data:`SPINE_REGIONS`) and ``split`` (one of
:data:`SPLITS`); cases without them are grouped under ``"unspecified"``.

Accuracy over ``n`` scored cases is ``hits / n`` (rounded to 3 decimals), ``None`` when
``n = 0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from referral import schema
from referral.drawing import Drawing, DrawingError
from referral.formats import read_json_file
from referral.matching import AtlasIndex, rank_levels

TOP = 3
#: Largest cases file accepted (bytes); a published case set is a few tens of kilobytes.
MAX_FILE_BYTES = 5_000_000
SPINE_REGIONS = ("cervical", "thoracic", "thoracolumbar", "lumbar", "sacral", "contrast")
SPLITS = ("tuning", "held-out")
UNSPECIFIED = "unspecified"
REQUIRED_KEYS = ("id", "regions", "accept_levels", "expect_flags")
LIST_KEYS = ("regions", "accept_levels", "expect_flags")
OPTIONAL_LIST_KEYS = ("accept_sources",)
_ID_SHOWN = 40


class EvaluationError(ValueError):
    """The cases file cannot be read; the message names the file and the problem."""


def load_cases(path: Path) -> list[dict[str, Any]]:
    """Read and check a cases file; raise :class:`EvaluationError` naming what is wrong.

    Checked: the file is readable UTF-8 JSON of at most :data:`MAX_FILE_BYTES`, not nested
    beyond Python's recursion limit, an object with a ``cases`` list of objects; every case
    has a non-empty string ``id`` (unique in the file), lists of strings for ``regions``,
    ``accept_levels`` (levels of ``schema.LEVELS``) and ``expect_flags`` (codes of
    ``schema.FLAGS``), and, when present, a known ``spine_region`` and ``split``.
    Region ids are checked against the regions when the cases are evaluated.
    """
    path = Path(path)
    try:
        data = read_json_file(path, MAX_FILE_BYTES)
    except DrawingError as exc:
        raise EvaluationError(str(exc)) from None
    cases = data.get("cases") if isinstance(data, dict) else None
    if not isinstance(cases, list):
        raise EvaluationError(f"{path}: expected an object with a 'cases' list")
    seen: set[str] = set()
    for number, case in enumerate(cases, start=1):
        _check_case(path, number, case)
        if case["id"] in seen:
            raise EvaluationError(f"{path}: case {number}: duplicate id {_shown(case['id'])}")
        seen.add(case["id"])
    return cases


def _check_case(path: Path, number: int, case: object) -> None:
    """Raise :class:`EvaluationError` if ``case`` (the ``number``-th) is malformed."""
    where = f"{path}: case {number}"
    if not isinstance(case, dict):
        raise EvaluationError(f"{where} is not an object")
    for key in REQUIRED_KEYS:
        if key not in case:
            raise EvaluationError(f"{where} has no {key!r}")
    case_id = case["id"]
    if not isinstance(case_id, str) or not case_id.strip():
        raise EvaluationError(f"{where}: 'id' must be a non-empty string")
    where = f"{path}: case {_shown(case_id)}"
    for key in (*LIST_KEYS, *(k for k in OPTIONAL_LIST_KEYS if k in case)):
        values = case[key]
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise EvaluationError(f"{where}: {key!r} must list strings")
    _check_known(where, "accept_levels", case["accept_levels"], schema.LEVELS)
    _check_known(where, "expect_flags", case["expect_flags"], tuple(schema.FLAGS))
    if "atlas_source" in case and not isinstance(case["atlas_source"], str):
        raise EvaluationError(f"{where}: 'atlas_source' must be a source id")
    for key, allowed in (("spine_region", SPINE_REGIONS), ("split", SPLITS)):
        if key in case and case[key] not in allowed:
            raise EvaluationError(
                f"{where}: {key!r} must be one of {', '.join(allowed)}, not {_shown(case[key])}"
            )


def _check_known(where: str, key: str, values: list[str], known: tuple[str, ...]) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise EvaluationError(
            f"{where}: {key!r} has unknown value {_shown(unknown[0])} "
            f"(expected one of {', '.join(known)})"
        )


def _shown(value: object) -> str:
    """``repr`` of a value from the file, shortened to :data:`_ID_SHOWN` characters."""
    text = repr(value)
    return text if len(text) <= _ID_SHOWN else text[: _ID_SHOWN - 1] + "…"


def evaluate_cases(cases: list[dict[str, Any]], index: AtlasIndex) -> dict[str, Any]:
    """Rank each case's regions and score the result (see the module docstring)."""
    families = {c["family"] for c in index.candidates}
    results = []
    for case in cases:
        unknown = [f for f in case.get("accept_sources", []) if f not in families]
        if unknown:
            raise EvaluationError(
                f"case {_shown(case['id'])}: unknown source family {_shown(unknown[0])} "
                f"(expected one of {', '.join(sorted(families))})"
            )
        try:
            drawing = Drawing.from_regions(case["regions"], index.regions)
        except DrawingError as exc:
            raise EvaluationError(f"case {_shown(case['id'])}: {exc}") from None
        ranking = rank_levels(drawing, index)
        top = ranking.table.head(TOP)
        raised = [f.code for f in ranking.flags]
        accept = case["accept_levels"]
        level_ok = not accept or bool(set(top["level"]) & set(accept))
        flags_ok = set(case["expect_flags"]) <= set(raised)
        sources = case.get("accept_sources", [])
        top_sources = [c.family for c in ranking.candidates[:TOP]]
        source_ok = not sources or bool(set(top_sources) & set(sources))
        results.append(
            {
                "id": case["id"],
                "spine_region": case.get("spine_region", UNSPECIFIED),
                "split": case.get("split", UNSPECIFIED),
                "top": [
                    {"level": r.level, "score": round(r.score, 3)}
                    for r in top.itertuples(index=False)
                ],
                "accept_levels": accept,
                "atlas_source": case.get("atlas_source", ""),
                "top_sources": top_sources,
                "accept_sources": sources,
                "source_top1": bool(sources)
                and top_sources[:1] != []
                and top_sources[0] in sources,
                "source_ok": source_ok,
                "false_unexplained": bool(accept)
                and "unexplained" in raised
                and "unexplained" not in case["expect_flags"],
                "flags": raised,
                "expect_flags": case["expect_flags"],
                "top1": bool(accept) and top["level"].iloc[0] in accept,
                "level_ok": level_ok,
                "flags_ok": flags_ok,
                "pass": level_ok and flags_ok and source_ok,
            }
        )
    scored, sourced = _scored(results)
    summary = {
        "cases": len(results),
        "top1_accuracy": _share(sum(r["top1"] for r in scored), len(scored)),
        "top3_accuracy": _share(sum(r["level_ok"] for r in scored), len(scored)),
        "source_top1_accuracy": _share(sum(r["source_top1"] for r in sourced), len(sourced)),
        "source_top3_accuracy": _share(sum(r["source_ok"] for r in sourced), len(sourced)),
        "false_unexplained": _share(sum(r["false_unexplained"] for r in scored), len(scored)),
        "expected_flags_raised": _share(sum(r["flags_ok"] for r in results), len(results)),
        "flag_sets_identical": _share(
            sum(set(r["flags"]) == set(r["expect_flags"]) for r in results), len(results)
        ),
        "passed": sum(r["pass"] for r in results),
        "all_pass": all(r["pass"] for r in results),
        "by_spine_region": _groups(results, ("spine_region",), SPINE_REGIONS),
        "by_split": _groups(results, ("split",), SPLITS),
        "by_split_and_region": _groups(results, ("split", "spine_region"), SPINE_REGIONS),
    }
    return {"cases": results, "summary": summary}


def _groups(
    results: list[dict[str, Any]], keys: tuple[str, ...], order: Iterable[str]
) -> dict[str, dict[str, Any]]:
    """Accuracy per group of ``results`` keyed by ``keys`` joined with ``/``, in ``order``."""
    rank = {name: i for i, name in enumerate((*SPLITS, *order, UNSPECIFIED))}
    grouped: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for r in results:
        grouped.setdefault(tuple(r[k] for k in keys), []).append(r)
    out = {}
    for group in sorted(grouped, key=lambda g: [rank.get(part, len(rank)) for part in g]):
        members = grouped[group]
        scored, sourced = _scored(members)
        out["/".join(group)] = {
            "cases": len(members),
            "scored": len(scored),
            "top1_accuracy": _share(sum(r["top1"] for r in scored), len(scored)),
            "top3_accuracy": _share(sum(r["level_ok"] for r in scored), len(scored)),
            "source_top3_accuracy": _share(sum(r["source_ok"] for r in sourced), len(sourced)),
            "false_unexplained": _share(sum(r["false_unexplained"] for r in scored), len(scored)),
            "passed": sum(r["pass"] for r in members),
        }
    return out


def _scored(
    results: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The results that count for level accuracy and for source accuracy (cases with
    accepted levels, resp. sources, and no ``atlas_source``)."""
    fair = [r for r in results if not r["atlas_source"]]
    return [r for r in fair if r["accept_levels"]], [r for r in fair if r["accept_sources"]]


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


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def format_report(report: dict[str, Any]) -> str:
    """A readable table of the evaluation: per case the top levels, flags and verdict, then
    the overall accuracy and, when the cases name them, accuracy per spine region and split."""
    rows = [
        (
            str(r["id"]),
            ", ".join(f"{t['level']} {t['score']:.2f}" for t in r["top"]),
            ",".join(r["flags"]) or "-",
            ",".join(r["accept_levels"]) or "-",
            ("+" if r["source_ok"] else "-") + (r["top_sources"][0] if r["top_sources"] else "-"),
            "pass" if r["pass"] else "FAIL",
        )
        for r in report["cases"]
    ]
    header = ("case", f"top {TOP}", "flags", "accept", "first source", "result")
    widths = [
        max([minimum, *(len(row[i]) + 2 for row in rows)])
        for i, minimum in enumerate((24, 32, 28, 18, 14))
    ]
    lines = []
    for row in (header, *rows):
        cells = [f"{cell:<{width}}" for cell, width in zip(row, widths, strict=False)]
        lines.append("".join(cells) + row[-1])
    s = report["summary"]
    lines.append(
        f"\n{s['passed']}/{s['cases']} cases pass; top-1 accuracy {_pct(s['top1_accuracy'])}, "
        f"top-3 accuracy {_pct(s['top3_accuracy'])}; source among the top 3 "
        f"{_pct(s['source_top3_accuracy'])} (first {_pct(s['source_top1_accuracy'])}); expected "
        f"flags raised {_pct(s['expected_flags_raised'])}, flag sets identical "
        f"{_pct(s['flag_sets_identical'])}; 'unexplained' on genuine cases "
        f"{_pct(s['false_unexplained'])}"
    )
    for title, key in (("spine region", "by_spine_region"), ("split", "by_split")):
        groups = s.get(key, {})
        if set(groups) <= {UNSPECIFIED}:
            continue
        lines.append(
            f"\n{'by ' + title:<28}{'cases':>6}{'scored':>8}{'top-1':>8}{'top-3':>8}"
            f"{'source':>8}{'unexpl.':>9}"
        )
        for name, g in groups.items():
            lines.append(
                f"{name:<28}{g['cases']:>6}{g['scored']:>8}"
                f"{_pct(g['top1_accuracy']):>8}{_pct(g['top3_accuracy']):>8}"
                f"{_pct(g['source_top3_accuracy']):>8}{_pct(g['false_unexplained']):>9}"
            )
    return "\n".join(lines)


#: How a Markdown table shows a missing value (an en dash).
NONE = "\u2013"


def format_markdown(report: dict[str, Any]) -> str:
    """The evaluation as the Markdown tables of ``docs/evaluation.md``: accuracy by split and
    spine region, by split, by spine region and overall, then one row per case."""
    summary = report["summary"]
    head = (
        "| group | cases | scored | level top-1 | level top-3 | source top-3 | "
        "`unexplained` on genuine cases |\n|---|---|---|---|---|---|---|"
    )
    groups = [
        *summary["by_split_and_region"].items(),
        *((f"**{k}**", g) for k, g in summary["by_split"].items()),
        *summary["by_spine_region"].items(),
        ("**all**", {**summary, "scored": len(_scored(report["cases"])[0])}),
    ]
    lines = [head]
    for name, g in groups:
        shares = (
            g["top1_accuracy"],
            g["top3_accuracy"],
            g["source_top3_accuracy"],
            g["false_unexplained"],
        )
        shown = " | ".join(NONE if v is None else f"{v:.0%}" for v in shares)
        lines.append(f"| {name} | {g['cases']} | {g['scored']} | {shown} |")
    lines += [
        "",
        "| case | region | split | accepted levels | accepted source | top 3 levels (score) | "
        "first three candidates | flags raised | result |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in report["cases"]:
        top = ", ".join(f"{t['level']} {t['score']:.2f}" for t in r["top"])
        result = "pass" if r["pass"] else "FAIL"
        if r["atlas_source"]:
            result = "not counted (atlas drawn from it)"
        row = (
            r["id"],
            r["spine_region"],
            r["split"],
            ", ".join(r["accept_levels"]) or NONE,
            ", ".join(r["accept_sources"]) or NONE,
            top,
            ", ".join(r["top_sources"]) or NONE,
            ", ".join(r["flags"]) or NONE,
            result,
        )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
