"""Pure helpers that turn a ranking into what the Pain map page shows (no Streamlit here).

Only level names, numbers and the atlas's own words go into Markdown; nothing a user
typed or uploaded does.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from referral import figures, matching, published, report, schema
from referral.guide import guide_items

if TYPE_CHECKING:
    from referral.atlas import Atlas
    from referral.drawing import Drawing
    from referral.guide import Guide, GuideItem
    from referral.matching import Ranking
    from referral.published import AlikeCase
    from referral.regions import Regions

Show = Literal["best", "runner-up", "both"]
#: What the map can show over the drawing, with the control's labels.
SHOW: dict[Show, str] = {"best": "Best match", "runner-up": "Runner-up", "both": "Both"}
#: Levels listed in the ranking's text and table.
LISTED = 5
TABLED = 10
#: Candidate sources listed beside the levels, each with its test (the next ones, up to
#: ``report.LISTED_SOURCES`` in all, are named in one line).
CANDIDATES = 3


def ranking_lines(ranking: Ranking, n: int = LISTED) -> list[str]:
    """One Markdown line per ranked level, ``1\\. **T12** — score 0.65 · explains 94 %``.

    The number's dot is escaped so Markdown keeps ``1. T12`` as text instead of a list
    (whose numbers a browser does not count as text).
    """
    return [
        f"{i}\\. **{row.level}** — score {row.score:.2f} · explains {row.explained:.0%}"
        for i, row in enumerate(ranking.matched(n), start=1)
    ]


def levels_text(levels: Sequence[str]) -> str:
    """``('S1', 'S2', 'S3')`` as ``S1-S3`` (an en dash) when consecutive, else ``L3, L4``."""
    ordered = sorted(levels, key=schema.LEVEL_INDEX.__getitem__)
    positions = [schema.LEVEL_INDEX[lv] for lv in ordered]
    consecutive = positions == list(range(positions[0], positions[0] + len(positions)))
    if len(ordered) > 2 and consecutive:
        return f"{ordered[0]}\u2013{ordered[-1]}"
    return ", ".join(ordered)


def candidate_lines(ranking: Ranking, n: int = CANDIDATES) -> list[str]:
    """Two Markdown lines per candidate source (the atlas's own words, escaped): its
    structure, levels, nerves and score, then the test that would confirm or exclude it."""
    lines = []
    for i, c in enumerate(ranking.candidates[:n], start=1):
        lines.append(
            f"{i}\\. **{escape_markdown(c.structure)}**{c.as_well(escape_markdown)} — "
            f"{levels_text(c.levels)} · {escape_markdown(c.pathway)} · score {c.score:.2f}  \n"
            f"*Test:* {escape_markdown(c.test)}"
        )
    return lines


def runner_up_sources(ranking: Ranking) -> str:
    """The sources that fit less well than the listed ones (:func:`report.sources_after`) in
    one Markdown line, else ``""``: sources a clinician may still weigh that the list above
    leaves out (e.g. the lumbar facets for a whole buttock)."""
    named = [
        f"{escape_markdown(c.structure)}{c.as_well(escape_markdown)} — {levels_text(c.levels)} · "
        f"score {c.score:.2f}"
        for c in report.sources_after(ranking, CANDIDATES)
    ]
    return "*Fit less well:* " + "; ".join(named) + "." if named else ""


def published_line(alike: Sequence[AlikeCase], labels: Mapping[str, str]) -> str:
    """:func:`referral.published.confirmed_sentence` as one Markdown line (escaped, its
    heading in italics), else ``""``."""
    sentence = published.confirmed_sentence(alike, labels)
    if not sentence:
        return ""
    rest = sentence.removeprefix(f"{published.HEADING}: ")
    return f"*{escape_markdown(published.HEADING)}:* {escape_markdown(rest)}"


def published_markdown(alike: Sequence[AlikeCase], labels: Mapping[str, str]) -> str:
    """The cases drawn alike as a Markdown list (their text escaped): the confirmed
    sources, how alike the drawings are, the citation and what confirmed the source."""
    entries = []
    for found in alike:
        families = found.case.families or (published.NOT_DORSAL_RAMUS,)
        sources = ", ".join(labels.get(f, f) for f in families)
        same = (
            "the same regions"
            if found.shared == found.marked
            else f"{found.shared} of {found.marked} regions in common"
        )
        entries.append(
            f"- **{escape_markdown(sources)}** · {same} — {escape_markdown(found.case.citation)}"
            f"  \n  *Confirmed by:* {escape_markdown(found.case.confirmation)}"
        )
    return "\n".join(entries)


def undecided_sentence(ranking: Ranking) -> str:
    """Say plainly when the drawing cannot tell the best candidates apart (else ``""``)."""
    tied = ranking.undecided
    if not tied:
        return ""
    names = " · ".join(c.structure for c in tied)
    return (
        f"The drawing cannot tell these apart (scores within "
        f"{matching.CANDIDATE_MARGIN:.0%} of the best): {names}. The examination and the "
        "blocks under “What separates them” can."
    )


def separating_markdown(candidates: Sequence[Mapping[str, Any]], atlas: Atlas) -> str:
    """Per candidate (rows of ``atlas.candidates``), the signs to examine and the block
    that tests it, from the guide, each with what its evidence is and its sources."""
    sections = []
    for candidate in candidates:
        title = escape_markdown(candidate["structure"])
        lines = [f"**{title}** ({levels_text(candidate['levels'])})"]
        for item in guide_items(candidate["guide_ids"], atlas):
            kind = "Examine" if item.kind == "sign" else "Block"
            lines.append(_item_markdown(item, f"*{kind}:* {escape_markdown(item.title)}"))
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def best_coverage(ranking: Ranking, level: str) -> float:
    """The largest share of one of ``level``'s pathway territories that is drawn."""
    return max((p["coverage"] for p in ranking.pathways(level)), default=0.0)


def ranking_rows(ranking: Ranking, n: int = TABLED) -> list[tuple[str, float, float, float]]:
    """The table beside the map, one row per ranked level: level, score (0-1), explained
    share and best pathway coverage (in %, whole numbers)."""
    return [
        (
            m.level,
            m.score,
            float(round(m.explained * 100)),
            float(round(best_coverage(ranking, m.level) * 100)),
        )
        for m in ranking.matched(n)
    ]


#: The table's columns after the level: (heading, what it measures, share of the full bar).
TABLE_COLUMNS: tuple[tuple[str, str, float], ...] = (
    ("Score", "How well the level explains the drawing", 1.0),
    ("Explained", "Share of the drawing in the level's zones (%)", 100.0),
    ("Coverage", "Share of the level's best pathway territory drawn (%)", 100.0),
)
#: The ranking table's look, sent once as a stylesheet (``st.html``) so that each table,
#: re-sent on every tap, carries only class names: a tenth of the bytes to sanitise.
RANKING_TABLE_STYLE = (
    "<style>"
    ".ranking-table{border-collapse:collapse;width:100%;font-size:0.9rem}"
    ".ranking-table th,.ranking-table td{padding:0.3rem 0.35rem;"
    "border-bottom:1px solid #E6E6E6;white-space:nowrap;text-align:left}"
    ".ranking-table .bar{display:inline-block;vertical-align:middle;width:2.6rem;"
    "height:0.5rem;background:#E6E6E6;border-radius:2px}"
    ".ranking-table .bar span{display:block;height:100%;"
    f"background:{figures.PALETTE['blue']};border-radius:2px}}"
    "</style>"
)


def ranking_table_html(ranking: Ranking) -> str:
    """The ranked levels as an HTML table with a bar per measure (``TABLE_COLUMNS``): the
    bar's length is the value over the column's full bar, the number follows it.

    Plain HTML styled by :data:`RANKING_TABLE_STYLE` (shown with ``st.html``): a 10-row
    table, light for the browser to redraw on every tap (``st.dataframe``'s grid cost
    ≈ 40 ms a tap). Only level names and numbers go in.
    """
    table = ranking_rows(ranking)
    if not table:
        return ""
    head = "<th>Level</th>" + "".join(
        f"<th title='{html.escape(tip)}'>{name}</th>" for name, tip, _ in TABLE_COLUMNS
    )
    rows = []
    for level, *values in table:
        cells = "".join(
            f"<td>{_bar(value / top)} {value:.2f}</td>"
            if top == 1.0
            else f"<td>{_bar(value / top)} {value:.0f}%</td>"
            for value, (_, _, top) in zip(values, TABLE_COLUMNS, strict=True)
        )
        rows.append(f"<tr><td><b>{html.escape(level)}</b></td>{cells}</tr>")
    return (
        '<table class="ranking-table">'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _bar(fraction: float) -> str:
    """A bar ``fraction`` (clipped to 0-1) of its track long."""
    width = round(100 * min(max(fraction, 0.0), 1.0))
    return f'<span class="bar"><span style="width:{width}%"></span></span>'


def ranking_csv(ranking: Ranking) -> str:
    """Every level as CSV: rank, level, score, explained, explained by core zones, best
    pathway and its coverage (shares in [0, 1], 3 decimals), then the flags as comments."""
    table = ranking.table
    frame = pd.DataFrame(
        {
            "rank": range(1, len(table) + 1),
            "level": table["level"],
            "score": table["score"].round(3),
            "explained": table["explained"].round(3),
            "explained_core": table["explained_core"].round(3),
            "best_pathway": table["best_pathway"],
            "best_pathway_coverage": [
                round(best_coverage(ranking, lv), 3) for lv in table["level"]
            ],
        }
    )
    flags = "".join(f"# flag {f.code}: {f.message}\n" for f in ranking.flags)
    return frame.to_csv(index=False, lineterminator="\n") + flags


def shown_levels(ranking: Ranking, show: Show) -> list[tuple[str, figures.Style]]:
    """The levels drawn over the map with their style: the best match, the runner-up, or
    both (the runner-up then hatched as ``compare``). Only levels with a positive score."""
    levels = [m.level for m in ranking.matched(2)]
    styles: tuple[figures.Style, ...] = ("primary", "compare")
    if show == "best":
        return [(lv, styles[0]) for lv in levels[:1]]
    if show == "runner-up":
        return [(lv, styles[0]) for lv in levels[1:2]]
    return list(zip(levels, styles, strict=False))


def painful_sides(ranking: Ranking) -> tuple[schema.Side, ...]:
    """The patient's sides that hold part of the drawing, in ``schema.SIDES`` order."""
    sides = {schema.split_region_id(rid)[0] for rid in ranking.painful_regions}
    return tuple(side for side in schema.SIDES if side in sides)


def legend_markdown(atlas: Atlas, levels: Sequence[tuple[str, figures.Style]]) -> str:
    """Markdown lines naming each drawn pathway's colour, line and ramus, per shown level."""
    lines = []
    for level, style in levels:
        rows = atlas.level_pathways(level)
        colours = figures.pathway_colours(rows["pathway"])
        look = "hatched" if style == "compare" else "filled"
        for row in rows.itertuples():
            line = "solid line" if row.ramus == "dorsal" else "dashed line"
            lines.append(
                f"- **{level}** {figures.colour_name(colours[row.pathway])}, {look}, {line}: "
                f"{schema.pathway_label(row.pathway)} — {row.ramus} ramus"
            )
    return "\n".join(lines)


def source_ids(atlas: Atlas, levels: Sequence[str]) -> list[str]:
    """Source ids behind ``levels`` (pathways and zones), each once, in first-seen order."""
    ids: dict[str, None] = {}
    for level in levels:
        ids.update(dict.fromkeys(atlas.level_source_ids(level)))
    return list(ids)


def matched_source_ids(atlas: Atlas, ranking: Ranking, levels: Sequence[str]) -> list[str]:
    """Source ids behind what matched, for the one-page summary: those of the pathways of
    ``levels`` that the drawing reaches (coverage above 0; a pathway's sources cover its
    zones' claims), then of the first :data:`CANDIDATES` candidates, each id once."""
    ids: dict[str, None] = {}
    for level in levels:
        reached = {p["pathway"] for p in ranking.pathways(level) if p["coverage"] > 0}
        ids.update(dict.fromkeys(atlas.level_source_ids(level, reached, zones=False)))
    for candidate in ranking.candidates[:CANDIDATES]:
        ids.update(dict.fromkeys(candidate.source_ids))
    return list(ids)


def citations_markdown(citations: Sequence[str]) -> str:
    """A numbered Markdown list of formatted citations, their text escaped."""
    return "\n".join(f"{i}. {escape_markdown(c)}" for i, c in enumerate(citations, start=1))


def escape_markdown(text: str) -> str:
    """``text`` with every ASCII punctuation character backslash-escaped (CommonMark), so
    Streamlit shows it literally: no emphasis, links, HTML, ``:shortcodes:`` or ``$math$``.

    >>> print(escape_markdown("*a* <b>x</b> :red[y] $z$"))
    \\*a\\* \\<b\\>x\\<\\/b\\> \\:red\\[y\\] \\$z\\$
    """
    return "".join(f"\\{ch}" if ch in _PUNCTUATION else ch for ch in text)


_PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")


def guide_markdown(guide: Guide) -> str:
    """The guide's examination signs and block / treatment targets as Markdown (its text
    escaped), each with what its evidence is and its numbered sources, then the note."""
    sections = []
    for heading, items in (("Examination", guide.signs), ("Blocks and treatment", guide.targets)):
        if not items:
            continue
        lines = [f"**{heading}**"]
        lines += [_item_markdown(item, f"**{escape_markdown(item.title)}**") for item in items]
        sections.append("\n".join(lines))
    sections.append(f"*{escape_markdown(guide.note)}*")
    return "\n\n".join(sections)


def _item_markdown(item: GuideItem, label: str) -> str:
    """One guide item as a Markdown list entry: ``label``, what to do, then what its
    evidence is and its sources (all escaped but ``label``, which the caller escapes)."""
    sources = "; ".join(escape_markdown(c) for c in item.citations)
    return (
        f"- {label} — {escape_markdown(item.detail)}  \n"
        f"  *Evidence:* {escape_markdown(item.evidence)}  \n"
        f"  *Sources:* {sources}"
    )


__all__ = [
    "RANKING_TABLE_STYLE",
    "SHOW",
    "Show",
    "best_coverage",
    "candidate_lines",
    "citations_markdown",
    "escape_markdown",
    "guide_markdown",
    "legend_markdown",
    "levels_text",
    "matched_source_ids",
    "painful_sides",
    "published_line",
    "published_markdown",
    "ranking_csv",
    "ranking_lines",
    "ranking_rows",
    "ranking_table_html",
    "runner_up_sources",
    "separating_markdown",
    "shown_levels",
    "source_ids",
    "undecided_sentence",
]


# -- words for screen readers and the list of what is marked -------------------------------


def spoken_list(items: Sequence[str]) -> str:
    """Items joined as a sentence says them.

    >>> spoken_list(["left groin"]), spoken_list(["a", "b"]), spoken_list(["a", "b", "c"])
    ('left groin', 'a and b', 'a, b and c')
    >>> spoken_list([])
    ''
    """
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def _lower_first(label: str) -> str:
    return label[:1].lower() + label[1:]


def marked_regions(
    current: Drawing, regions: Regions, view: schema.View | None = None
) -> list[str]:
    """The painful regions' names (tapped or under an outline), in ``view`` or in any, in
    alphabetical order; a rated one with its intensity, ``left groin (7 of 10)``."""
    painful = current.painful_regions(regions)
    if view is not None:
        painful = painful & set(regions.in_view(view))
    names = []
    for rid in sorted(painful, key=lambda r: regions.region(r).label):
        rating = current.intensity.get(rid)
        suffix = "" if rating is None else f" ({rating} of 10)"
        names.append(_lower_first(regions.region(rid).label) + suffix)
    return names


def marked_markdown(current: Drawing, regions: Regions) -> str:
    """The line under the map that says, in words, what is marked (names escaped)."""
    names = marked_regions(current, regions)
    if not names:
        return "**Marked:** nothing yet."
    return f"**Marked ({len(names)}):** {escape_markdown(spoken_list(names))}."


def chart_name(view: schema.View, marked: Sequence[str], levels: Sequence[str]) -> str:
    """A pain map view's accessible name: what is marked on it and which levels are drawn.

    >>> chart_name("anterior", ["left groin", "left iliac crest"], ["T12"])
    'Anterior view: left groin and left iliac crest marked; T12 zones drawn'
    >>> chart_name("left-lateral", [], [])
    'Left lateral view: nothing marked'
    """
    name = f"{schema.VIEW_LABELS[view]} view: {spoken_list(marked) or 'nothing'} marked"
    return f"{name}; {spoken_list(levels)} zones drawn" if levels else name


def ranking_announcement(ranking: Ranking, n: int = CANDIDATES) -> str:
    """The top ``n`` levels and sources in plain words: what a screen reader says when the
    ranking changes."""
    rows = ranking.matched(n)
    if not rows:
        return "Best-matching levels: none yet; mark where it hurts."
    levels = "; ".join(
        f"{i}. {row.level}, score {row.score:.2f}, explains {row.explained:.0%}"
        for i, row in enumerate(rows, start=1)
    )
    text = f"Best-matching levels: {levels}."
    sources = [f"{c.structure} ({levels_text(c.levels)})" for c in ranking.candidates[:n]]
    if sources:
        text += f" Sources to consider: {'; '.join(sources)}."
    return text
