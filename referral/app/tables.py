"""Pure helpers that turn atlas rows into the Markdown the pages show (no Streamlit here).

Text comes from the project's own data files, never from the user. Tables with colour
swatches (:func:`pathway_table`, :func:`legend_markdown`) hold small inline HTML spans and
are shown with ``unsafe_allow_html``; every data value in them is HTML-escaped (:func:`_cell`).
"""

from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING

from referral import figures, schema

if TYPE_CHECKING:
    from referral.atlas import Atlas
    from referral.dermatomes import Dermatomes
    from referral.guide import Guide

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
    """A Markdown table cell: HTML escaped, pipes escaped, newlines flattened.

    >>> _cell("a|b <i>")
    'a\\\\|b &lt;i&gt;'
    """
    return html.escape(str(value), quote=False).replace("|", "\\|").replace("\n", " ")


def swatch(colour: str, *, named: bool = True) -> str:
    """An inline square of ``colour`` (a palette hex code) labelled with its name for screen
    readers, followed by the name when ``named``."""
    name = html.escape(figures.colour_name(colour))
    square = f'<span style="color:{colour}" role="img" aria-label="{name}">&#9632;</span>'
    return f"{square} {name}" if named else square


LINE_STYLE: dict[str, str] = {"dorsal": "solid line", "ventral": "dashed line"}


def pathway_table(atlas: Atlas, level: str) -> str:
    """Markdown table of ``level``'s pathways: colour swatch and line, pathway, ramus, branch,
    nerve, kind, evidence (HTML spans inside: show with ``unsafe_allow_html``)."""
    rows = atlas.level_pathways(level)
    if rows.empty:
        return f"No pathway is recorded for {level}."
    colours = figures.pathway_colours(rows["pathway"])
    lines = [
        "| Colour | Pathway | Ramus | Branch | Nerve | Kind | Evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        line = "joint marked ◆" if r.branch == "joint" else LINE_STYLE.get(r.ramus, "")
        cells = [
            _cell(schema.PATHWAYS.get(r.pathway, r.pathway)),
            _cell(f"{r.ramus} ramus"),
            _cell(r.branch),
            _cell(r.nerve),
            _cell(r.kind),
            _cell(r.evidence),
        ]
        lines.append(f"| {swatch(colours[r.pathway])}, {line} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def legend_markdown(
    atlas: Atlas, level: str, compare: str | None = None, dermatome: bool = False
) -> str:
    """The legend of the views, one line per level shown (its pathways' swatches, names and
    rami), then the line styles, the compared level's hatching and the dermatome's marks
    (inline HTML spans: show with ``unsafe_allow_html``)."""
    lines = []
    for shown, style in ((level, "filled"), (compare, "hatched ✕")):
        if shown is None:
            continue
        rows = atlas.level_pathways(shown)
        colours = figures.pathway_colours(rows["pathway"])
        items = [
            f"{swatch(colours[r.pathway], named=False)} {_cell(schema.pathway_label(r.pathway))} "
            f"({_cell(r.ramus)})"
            for r in rows.itertuples()
        ]
        lines.append(f"**{_cell(shown)}** {style}: " + " · ".join(items))
    lines.append("Lines: solid = dorsal ramus, dashed = ventral; ● exit from the spine")
    if dermatome:
        lines.append(f"☆ key sensory point, dash-dot band: {_cell(level)} dermatome")
    return "  \n".join(lines)


def citations_markdown(atlas: Atlas, level: str) -> str:
    """Numbered Markdown list of the formatted citations behind ``level``."""
    citations = atlas.citations(atlas.level_source_ids(level))
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


def dermatome_markdown(derm: Dermatomes, level: str) -> str:
    """What the dermatome drawing of ``level`` shows: its key point and how it was drawn."""
    rows = derm.level_features(level, sides=("left",))
    first = rows.iloc[0]
    drawn = (
        "a schematic band round the trunk through that point"
        if derm.has_band(level)
        else "the key point only (no band is drawn for this level)"
    )
    return (
        f"**{_cell(level)} dermatome** — key sensory point (ISNCSCI): {_cell(first['key_point'])} "
        f"Drawn: {drawn}. {_cell(first['note'])}"
    ).strip()


def guide_markdown(guide: Guide) -> str:
    """The examination signs and block targets of a level as a Markdown list, or its note."""
    if not guide.known:
        return _cell(guide.note)
    lines = []
    for heading, items in (("Examination", guide.signs), ("Blocks and treatment", guide.targets)):
        if not items:
            continue
        lines.append(f"**{heading}**")
        for item in items:
            cited = "; ".join(_cell(c) for c in item.citations)
            lines.append(
                f"- **{_cell(item.title)}** — {_cell(item.detail)} "
                f"*Evidence:* {_cell(item.evidence)} *Sources:* {cited}"
            )
    lines.append(_cell(guide.note))
    return "\n".join(lines)


def level_chart_name(
    view: schema.View,
    level: str,
    sides: tuple[schema.Side, ...],
    compare: str | None,
    dermatome: bool,
) -> str:
    """An Explore view's accessible name: the level, sides and overlays drawn on it.

    >>> level_chart_name("posterior", "L5", ("left",), "T12", False)
    'Posterior view: L5 zones and nerve courses, left side; T12 compared, hatched'
    >>> level_chart_name("anterior", "T12", ("left", "right"), None, True)
    'Anterior view: T12 zones and nerve courses, both sides; T12 dermatome'
    """
    side = "both sides" if len(sides) > 1 else f"{sides[0]} side"
    name = f"{schema.VIEW_LABELS[view]} view: {level} zones and nerve courses, {side}"
    if compare is not None and compare != level:
        name += f"; {compare} compared, hatched"
    return name + (f"; {level} dermatome" if dermatome else "")
