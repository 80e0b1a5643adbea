"""Command line: ``python -m referral {regions,levels,match,validate,evaluate,app,serve}``.

Bad input exits with status 2 and one line on stderr, never a traceback. Output cut short
by its reader (``| head``) ends the command quietly with status 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tomllib
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn, TypedDict

from referral import published, report, schema
from referral.atlas import load_atlas
from referral.body import load_body
from referral.drawing import Drawing, DrawingError
from referral.evaluate import EvaluationError, evaluate_file, format_markdown, format_report
from referral.guide import guide_items
from referral.matching import AtlasIndex, rank_levels
from referral.regions import Regions, load_regions
from referral.validate import validate_all

EXIT_BAD_INPUT = 2
#: ``--top`` takes ASCII digits only (``int`` would also read Arabic-Indic digits or "1_0").
_COUNT = re.compile(r"[0-9]{1,6}")


class UsageError(Exception):
    """Bad command-line input; the message is printed as one line."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class ViewPoint(TypedDict):
    point: list[float]


class RegionRow(TypedDict):
    """One region in ``regions --json``."""

    id: str
    label: str
    side: schema.Side
    views: dict[schema.View, ViewPoint]
    choir: list[int]


class PathwayRow(TypedDict):
    pathway: str
    ramus: str
    nerve: str
    kind: str
    evidence: str
    sources: list[str]


class LevelRow(TypedDict):
    """One level in ``levels --json``."""

    level: str
    pathways: list[PathwayRow]


def _count(text: str) -> int:
    """``--top``: a whole number written in ASCII digits."""
    if not _COUNT.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text[:20]!r}")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m referral", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, text in (("regions", "list the body regions"), ("levels", "list the levels")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--json", action="store_true", help="print JSON")
    match = sub.add_parser("match", help="rank levels for a pain drawing")
    match.add_argument("--regions", default="", help="comma-separated region ids")
    match.add_argument("--drawing", type=Path, help="a GeoJSON drawing exported by the app")
    match.add_argument(
        "--choir",
        default="",
        help="CHOIR Body Map codes (218,223) or REDCap Image Map values (b18,b23)",
    )
    match.add_argument("--top", type=_count, default=None, help="show only the N best levels")
    match.add_argument("--json", action="store_true", help="print JSON")
    sub.add_parser("validate", help="check the shipped data")
    evaluate = sub.add_parser("evaluate", help="run the matcher on a cases file")
    evaluate.add_argument(
        "cases", type=Path, help="cases JSON (see shared/clinical/dev-cases.json)"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON")
    evaluate.add_argument(
        "--markdown", action="store_true", help="print the tables of docs/evaluation.md"
    )
    app = sub.add_parser("app", help="serve the app (Streamlit) with the project's settings")
    app.add_argument("--port", type=_port, default=None, help="TCP port (default 8501)")
    app.add_argument(
        "--address", default=None, help="address to listen on (default: the settings' localhost)"
    )
    serve = sub.add_parser(
        "serve", help="serve the app as several processes behind nginx (referral.deploy)"
    )
    serve.add_argument("--replicas", type=_count, default=os.cpu_count() or 1)
    serve.add_argument("--port", type=_port, default=8501)
    serve.add_argument("--address", default="0.0.0.0", help="address nginx listens on")
    evaluate.add_argument(
        "--min-top3",
        type=_share,
        default=None,
        metavar="SHARE",
        help="pass when top-3 accuracy is at least SHARE (0-1) and every expected flag is "
        "raised, instead of requiring every case to pass (for a published set in CI)",
    )
    return parser


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def cmd_regions(args: argparse.Namespace) -> int:
    regions = load_regions()
    rows: list[RegionRow] = []
    for rid in regions.ids():
        region = regions.region(rid)
        views: dict[schema.View, ViewPoint] = {
            view: {"point": [round(c, 2) for c in regions.label_point(view, rid)]}
            for view in regions.views_of(rid)
        }
        rows.append(
            {
                "id": rid,
                "label": region.label,
                "side": region.side,
                "views": views,
                "choir": list(region.choir),
            }
        )
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            codes = ",".join(map(str, row["choir"]))
            print(f"{row['id']:<28} {row['label']:<32} {', '.join(row['views']):<40} {codes}")
    return 0


def cmd_levels(args: argparse.Namespace) -> int:
    atlas = load_atlas()
    rows: list[LevelRow] = []
    for level in atlas.levels():
        pathways = atlas.level_pathways(level)
        rows.append(
            {
                "level": level,
                "pathways": [
                    {
                        "pathway": p.pathway,
                        "ramus": p.ramus,
                        "nerve": p.nerve,
                        "kind": p.kind,
                        "evidence": p.evidence,
                        "sources": list(p.source_ids),
                    }
                    for p in pathways.itertuples(index=False)
                ],
            }
        )
    if args.json:
        _print_json(rows)
    else:
        for row in rows:
            for p in row["pathways"]:
                print(f"{row['level']:<4} {p['ramus']:<8} {p['pathway']:<22} {p['nerve']}")
    return 0


def _drawing(args: argparse.Namespace, regions: Regions) -> Drawing:
    """The drawing file (if any) plus the ``--regions`` and ``--choir`` regions."""
    drawing = Drawing() if args.drawing is None else Drawing.read(args.drawing, regions)
    ids = [r for r in args.regions.split(",") if r.strip()]
    drawing = drawing.with_regions(ids, regions)
    if args.choir.strip():
        drawing = drawing.with_regions(Drawing.from_codes(args.choir, regions).regions, regions)
    return drawing


def cmd_match(args: argparse.Namespace) -> int:
    if args.top is not None and args.top < 1:
        raise UsageError("--top must be at least 1")
    regions = load_regions()
    drawing = _drawing(args, regions)
    atlas = load_atlas()
    ranking = rank_levels(drawing, AtlasIndex(atlas, regions))
    result = ranking.to_dict(top=args.top)
    alike = published.drawn_alike(ranking.painful_regions, published.load_published_cases())
    result["published_cases"] = [found.to_dict() for found in alike]
    for candidate in result["candidates"]:
        items = guide_items(candidate["separated_by"])
        candidate["separated_by"] = [
            {"id": gid, "kind": item.kind, "title": item.title}
            for gid, item in zip(candidate["separated_by"], items, strict=True)
        ]
    if args.json:
        _print_json(result)
        return 0
    print(f"{'level':<6}{'score':>7}{'explained':>11}  best-covered pathway")
    for row in result["ranking"]:
        best = max(row["pathways"], key=lambda p: p["coverage"], default=None)
        name = f"{best['pathway']} ({best['ramus']}) {best['coverage']:.0%}" if best else ""
        print(f"{row['level']:<6}{row['score']:>7.2f}{row['explained']:>10.0%}  {name}")
    if result["ranking"]:
        top = result["ranking"][0]
        print(f"\nWhy {top['level']}: " + " ".join(top["reasons"]))
    if result["candidates"]:
        print("\nSources to consider (structure · levels · test):")
        for c in result["candidates"][:3]:
            tied = "  [cannot be told apart from the best]" if c["cannot_tell_apart"] else ""
            levels = ", ".join(c["levels"])
            print(f"  {c['score']:.2f}  {c['structure']} · {levels} · {c['test']}{tied}")
        rest = report.sources_after(ranking, 3)
        if rest:
            named = (f"{c.structure}{c.as_well()} {c.score:.2f}" for c in rest)
            print("Fit less well: " + "; ".join(named))
    if alike:
        print(published.confirmed_sentence(alike, atlas.family_labels()))
    for flag in result["flags"]:
        print(f"flag {flag['code']}: {flag['message']}")
    print("\nEducational and decision-support output, not a diagnosis.")
    return 0


def cmd_validate(_: argparse.Namespace) -> int:
    body, regions, atlas = load_body(), load_regions(), load_atlas()
    problems = validate_all(atlas, body)
    if problems:
        for problem in problems:
            print(problem, file=sys.stderr)
        print(f"validate: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    print(
        f"validate: ok — atlas {schema.ATLAS_VERSION}: {len(atlas.levels())} levels, "
        f"{len(atlas.pathways)} pathways, {atlas.zones['zone_id'].nunique()} zones, "
        f"{len(atlas.sources)} sources; {len(regions.ids())} regions in {len(schema.VIEWS)} views"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    regions = load_regions()
    try:
        report = evaluate_file(args.cases, AtlasIndex(load_atlas(), regions))
        text = None if args.json else (format_markdown if args.markdown else format_report)(report)
    except RecursionError:
        raise UsageError(f"{args.cases}: the JSON is nested too deeply") from None
    except (TypeError, KeyError, AttributeError) as exc:  # a value of an unexpected type
        detail = f"{exc.__class__.__name__}: {str(exc)[:80]}"
        raise UsageError(f"{args.cases}: a case has a value of the wrong type ({detail})") from None
    if text is None:
        _print_json(report)
    else:
        print(text)
    summary = report["summary"]
    if args.min_top3 is None:
        return 0 if summary["all_pass"] else 1
    good = summary["top3_accuracy"] >= args.min_top3 and summary["expected_flags_raised"] == 1
    return 0 if good else 1


def _share(text: str) -> float:
    """A share between 0 and 1 written with ASCII digits, e.g. ``0.8``."""
    try:
        value = float(text) if text.isascii() else float("nan")
    except ValueError:
        value = float("nan")
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a share between 0 and 1, got {text[:20]!r}")
    return value


def _port(text: str) -> int:
    """``--port``: a TCP port written in ASCII digits."""
    if not _COUNT.fullmatch(text) or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text[:20]!r}")
    return int(text)


def app_script() -> Path:
    """The app's main script: the installed package's ``referral/app/streamlit_app.py``, or
    a source tree's ``app.py``.

    Streamlit serves the ``static/`` folder beside the main script (plotly.js for the
    charts); only an installed package holds one beside ``streamlit_app.py``.
    """
    package = resources.files("referral").joinpath("app")
    if package.joinpath("static").is_dir():
        return Path(str(package.joinpath("streamlit_app.py")))
    return schema.ROOT / "app.py"


def server_flags(settings: Path | None = None) -> list[str]:
    """The project's server settings (``.streamlit/config.toml``, carried by the wheel as
    ``referral/app/settings/config.toml``) as ``streamlit run`` flags, so that they apply
    whatever folder the app is started from. A list is written as JSON, as Streamlit reads
    it from a flag (Python's ``['a', 'b']`` is refused with a warning on every rerun).

    >>> "--browser.gatherUsageStats=false" in server_flags()
    True
    >>> [f for f in server_flags() if f.startswith("--theme.headingFontSizes")]
    ['--theme.headingFontSizes=["2.75rem", "1.75rem", "1.5rem"]']
    """
    if settings is None:
        settings = schema.packaged("app/settings", ".streamlit") / "config.toml"
    with settings.open("rb") as f:
        config = tomllib.load(f)
    flags = []
    for section, table in config.items():
        for key, value in table.items():
            if isinstance(value, bool):
                text = str(value).lower()
            elif isinstance(value, list | dict):
                text = json.dumps(value)
            else:
                text = str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def app_command(port: int | None = None, address: str | None = None) -> list[str]:
    """The command that serves the app: ``python -m streamlit run <script> <flags>``."""
    command = [sys.executable, "-m", "streamlit", "run", str(app_script()), *server_flags()]
    if port is not None:
        command.append(f"--server.port={port}")
    if address is not None:
        command.append(f"--server.address={address}")
    return command


def cmd_app(args: argparse.Namespace) -> int:
    """Replace this process by the Streamlit server (signals reach the server itself)."""
    command = app_command(args.port, args.address)
    sys.stdout.flush()
    os.execv(command[0], command)
    return 0  # not reached


def cmd_serve(args: argparse.Namespace) -> int:
    from referral import deploy  # imports this module

    if args.replicas < 1:
        raise UsageError("--replicas must be at least 1")
    return deploy.serve(args.replicas, args.port, args.address)


COMMANDS = {
    "regions": cmd_regions,
    "levels": cmd_levels,
    "match": cmd_match,
    "validate": cmd_validate,
    "evaluate": cmd_evaluate,
    "app": cmd_app,
    "serve": cmd_serve,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = _parser().parse_args(argv)
        status = COMMANDS[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except (UsageError, DrawingError, EvaluationError) as exc:
        print(f"referral: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that nothing more is written to a closed pipe (the
    interpreter flushes stdout on exit). Streams without a file descriptor are left as is."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
