"""Pure helpers that turn atlas rows into the Markdown the pages show (no Streamlit here)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pandas as pd

from referral import figures, schema

if TYPE_CHECKING:
    from referral.atlas import Atlas

_LEVEL = r"([CTLS])(\d{1,2})"
#: "T11", "T12-L1", "T11-L2" (hyphen or en dash), "C2-3": a level or an inclusive range.
_MENTION = re.compile(rf"\b{_LEVEL}(?:\s*[-\u2013]\s*([CTLS])?(\d{{1,2}}))?\b")


def levels_mentioned(text: str) -> set[str]:
    """Levels named in ``text``, ranges expanded: ``"T11-L2"`` gives {T11, T12, L1, L2}.

    A joint such as ``"C2-3"`` counts for both of its levels; names outside
    ``schema.LEVELS`` (C1, S4) are ignored, but a range reaching them keeps its valid part.
    """
    found: set[str] = set()
    for region, number, region2, number2 in _MENTION.findall(text):
        start = f"{region}{number}"
        end = f"{region2 or region}{number2}" if number2 else start
        span = [lv for lv in (start, end) if lv in schema.LEVEL_INDEX]
        if len(span) == 2:
            i, j = sorted(schema.LEVEL_INDEX[lv] for lv in span)
            found.update(schema.LEVELS[i : j + 1])
        else:
            found.update(span)
    return found


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")


def level_pathways(atlas: Atlas, level: str) -> pd.DataFrame:
    """The atlas's pathway rows of ``level``, dorsal ramus first."""
    rows = atlas.pathways[atlas.pathways["level"] == level]
    return rows.sort_values(["ramus", "pathway"], key=lambda s: s.map(_ramus_order))


def _ramus_order(value: str) -> object:
    """Sort key putting the dorsal ramus before the ventral one."""
    return {"dorsal": "0", "ventral": "1"}.get(value, value)


def pathway_table(atlas: Atlas, level: str) -> str:
    """Markdown table of ``level``'s pathways (colour, pathway, ramus, branch, nerve, ...)."""
    rows = level_pathways(atlas, level)
    if rows.empty:
        return f"No pathway is recorded for {level}."
    colours = figures.pathway_colours(rows["pathway"])
    lines = [
        "| Colour | Pathway | Ramus | Branch | Nerve | Kind | Evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        cells = [
            figures.colour_name(colours[r.pathway]),
            schema.PATHWAYS.get(r.pathway, r.pathway),
            f"{r.ramus} ramus",
            r.branch,
            r.nerve,
            r.kind,
            r.evidence,
        ]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def level_source_ids(atlas: Atlas, level: str) -> list[str]:
    """Source ids cited by ``level``'s pathways and zones, in first-seen order."""
    ids: dict[str, None] = {}
    frames = (level_pathways(atlas, level), atlas.level_zones(level))
    for frame in frames:
        for source_ids in frame["source_ids"]:
            ids.update(dict.fromkeys(source_ids))
    return list(ids)


def citations_markdown(atlas: Atlas, level: str) -> str:
    """Numbered Markdown list of the formatted citations behind ``level``."""
    citations = atlas.citations(level_source_ids(atlas, level))
    return "\n".join(f"{i}. {_cell(c)}" for i, c in enumerate(citations, start=1))


def conflicts_markdown(atlas: Atlas, level: str) -> str:
    """Markdown list of the recorded disagreements whose text names ``level`` (may be empty)."""
    items = []
    for r in atlas.conflicts.itertuples():
        text = f"{r.topic} {r.positions} {r.atlas_rule}"
        if level in levels_mentioned(text):
            items.append(
                f"- **{_cell(r.topic)}**: {_cell(r.positions)} *Atlas rule:* {_cell(r.atlas_rule)}"
            )
    return "\n".join(items)
