"""The printable one-page summary of a pain drawing and its ranking, as self-contained HTML.

Pure: no Streamlit. :func:`summary_html` returns one HTML document with its style inline
and the drawing as an inline SVG (:func:`drawing_svg`): it loads nothing from anywhere
and runs no script, so it opens, prints and saves offline. Every string that comes from
the drawing, the atlas or the caller is escaped with :func:`html.escape`.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from referral import figures, schema

if TYPE_CHECKING:
    from referral.body import Body
    from referral.drawing import Drawing
    from referral.matching import CandidateMatch, Ranking
    from referral.regions import Regions

#: How often the top three contained the confirmed level on the published case set
#: (``python -m referral evaluate data/published-cases.json``). Used by the page and
#: the summary; ``tests/test_evaluate.py`` fails when it no longer matches the evaluation.
TOP3_ACCURACY = (
    "On 57 published cases (40 with a confirmed level that the atlas was not drawn from), "
    "the top three held the confirmed level in 85%: cervical 14 of 14, thoracolumbar 7 of "
    "10, sacral 6 of 8."
)
SOURCE_ACCURACY = (
    "The confirmed source (joint or nerve) was among the first three candidates in 85%, "
    "first in 35%: a drawing rarely decides the source; the tests do."
)
#: Levels described in the summary.
TOP = 3
#: Candidate sources named, the first ``TOP`` with their tests and the rest in one line
#: (here and on the Pain map).
LISTED_SOURCES = 5
#: Height of each view in the summary's picture (CSS px); widths follow the views' frames.
PICTURE_HEIGHT = 300

STYLE = """
@page { size: A4; margin: 10mm; }
* { box-sizing: border-box; }
body { font: 9pt/1.3 Arial, Helvetica, sans-serif; color: #1a1a1a; margin: 0 auto;
       max-width: 190mm; }
h1 { font-size: 14pt; margin: 0; }
h2 { font-size: 10.5pt; margin: 3pt 0 1pt; border-bottom: 1px solid #bbb; }
h3 { font-size: 9.5pt; margin: 0 0 2pt; }
p, ul, ol { margin: 2pt 0; }
ul, ol { padding-left: 13pt; }
.meta { color: #444; font-size: 8pt; }
.painful { font-size: 8pt; }
.disclaimer { border: 1.5px solid #1a1a1a; padding: 3pt 6pt; margin: 4pt 0; font-weight: bold; }
.accuracy { font-size: 7pt; color: #333; margin-top: -2pt; }
.flag { border-left: 4px solid #D55E00; background: #fbeee6; padding: 1.5pt 6pt; margin: 2pt 0;
        font-size: 8pt; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ccc; padding: 1pt 4pt; text-align: left; vertical-align: top; }
.levels { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8pt; margin-top: 4pt;
          font-size: 7pt; line-height: 1.15; }
svg { width: 100%; height: auto; max-height: 30mm; display: block; margin: 3pt 0; }
.sources { columns: 3; column-gap: 9pt; font-size: 6pt; line-height: 1.1; padding-left: 11pt; }
.sources li { break-inside: avoid; overflow-wrap: anywhere; }
.candidates { font-size: 7.5pt; line-height: 1.2; }
.candidates li { margin: 0 0 1pt; }
.less { font-size: 7pt; line-height: 1.15; color: #333; }
.code { font-family: monospace; font-size: 7pt; word-break: break-all; color: #444; }
"""


def _e(text: object) -> str:
    """``text`` as escaped HTML (quotes included)."""
    return html.escape(str(text), quote=True)


def _path(geom: BaseGeometry, top: float) -> str:
    """SVG path data for every ring of a polygonal ``geom``; y is flipped (``top - y``)."""
    commands = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        for ring in (part.exterior, *part.interiors):
            xy = np.asarray(ring.coords)[:-1, :2].round(figures.DECIMALS)
            points = " L".join(f"{x:g},{top - y:g}" for x, y in xy)
            commands.append(f"M{points}Z")
    return " ".join(commands)


def drawing_svg(
    drawing: Drawing, body: Body, regions: Regions, *, height: int = PICTURE_HEIGHT
) -> str:
    """The four views side by side as one inline SVG: silhouettes, the painful area shaded.

    Each view keeps the app's frame (``figures.x_range``, ``figures.Y_RANGE``) and its
    labels: the view's name, and the patient's R and L (front and back on lateral views).
    """
    shapes = drawing.shapes(regions)
    y0, y1 = figures.Y_RANGE
    top, gap, title = y1, 60.0, 60.0
    panels, offset = [], 0.0
    for view in schema.VIEWS:
        x0, x1 = figures.x_range(body, view)
        width = x1 - x0
        dx = offset - x0
        parts = [
            f'<g transform="translate({dx:g},{title:g})">',
            f'<path d="{_path(body.outline(view), top)}" fill="{figures.SKIN}" '
            f'stroke="{figures.OUTLINE}" stroke-width="3"/>',
        ]
        area = shapes.get(view)
        if area is not None and not area.is_empty:
            parts.append(
                f'<path d="{_path(area, top)}" fill="{figures.PAIN_COLOUR}" fill-opacity="0.55" '
                f'fill-rule="evenodd" stroke="{figures.PAIN_EDGE}" stroke-width="2.5"/>'
            )
        parts.append("</g>")
        for text, x, anchor, size in _labels(view, x0, x1):
            parts.append(
                f'<text x="{x + dx:g}" y="{title + 40:g}" text-anchor="{anchor}" '
                f'font-size="{size}" font-weight="bold">{_e(text)}</text>'
            )
        parts.append(
            f'<text x="{offset + width / 2:g}" y="{title - 16:g}" text-anchor="middle" '
            f'font-size="40" font-weight="bold">{_e(schema.VIEW_LABELS[view])}</text>'
        )
        panels.append("".join(parts))
        offset += width + gap
    total_w, total_h = offset - gap, (y1 - y0) + title
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total_w:g} {total_h:g}" '
        f'height="{height}" role="img" font-family="Arial, Helvetica, sans-serif" '
        f'aria-label="Pain drawing on the four body views">{"".join(panels)}</svg>'
    )


def _labels(view: schema.View, x0: float, x1: float) -> list[tuple[str, float, str, int]]:
    """Corner labels of a view: (text, x, anchor, font size) — as the app's figures."""
    if view in schema.LEFT_SIGN:
        left_end = x1 if schema.LEFT_SIGN[view] > 0 else x0
        right_end = x0 if left_end == x1 else x1
        return [
            ("R", right_end, "start" if right_end == x0 else "end", 48),
            ("L", left_end, "start" if left_end == x0 else "end", 48),
        ]
    front, back = (x0, x1) if view == "left-lateral" else (x1, x0)
    return [
        ("front", front, "start" if front == x0 else "end", 30),
        ("back", back, "start" if back == x0 else "end", 30),
    ]


def _marked(drawing: Drawing, regions: Regions) -> str:
    """The painful regions by label, with their intensity when rated, and outlined views."""
    painful = sorted(drawing.painful_regions(regions))
    items = []
    for rid in painful:
        label = regions.region(rid).label
        rating = drawing.intensity.get(rid)
        items.append(label if rating is None else f"{label} ({rating}/10)")
    outlined = [schema.VIEW_LABELS[v].lower() for v in schema.VIEWS if v in drawing.outlines]
    text = ", ".join(items) if items else "nothing"
    if outlined:
        text += f". Outlined by hand on the {', '.join(outlined)} view(s)"
    return text + "."


def _reasons(ranking: Ranking, rank: int, level: str) -> str:
    """One ranked level's reasons in plain words, headed ``1. T12 — score 0.65``."""
    score = ranking.table.set_index("level").loc[level, "score"]
    reasons = "".join(f"<li>{_e(reason)}</li>" for reason in ranking.reasons(level))
    return f"<div><h3>{rank}. {_e(level)} — score {score:.2f}</h3><ul>{reasons}</ul></div>"


def _candidates(ranking: Ranking, top: int, published: str) -> str:
    """The first ``top`` candidate sources as a numbered list (structure, adjacent joints of
    its family, levels, score and the test), headed by whether the drawing can tell them
    apart; then, in one small paragraph, the sources that fit less well
    (:func:`sources_after`) and the ``published`` sentence."""
    rows = "".join(
        f"<li>{_candidate(c, bold=True)}. Test: {_e(c.test)}.</li>"
        for c in ranking.candidates[:top]
    )
    rest = sources_after(ranking, top)
    lines = [f"Fit less well: {'; '.join(_candidate(c) for c in rest)}."] if rest else []
    lines += [_e(published)] if published else []
    if not rows:
        return ""
    after = f'<p class="less">{"<br>".join(lines)}</p>' if lines else ""
    tied = len(ranking.undecided)
    undecided = f" — the drawing cannot tell the first {tied} apart; the tests can" if tied else ""
    return f'<h2>Sources to consider{undecided}</h2><ol class="candidates">{rows}</ol>{after}'


def sources_after(ranking: Ranking, first: int) -> list[CandidateMatch]:
    """The sources that fit less well: the candidates after the first ``first``, up to
    ``LISTED_SOURCES`` in all, whose score shows as at least 0.01 (two decimals)."""
    return [c for c in ranking.candidates[first:LISTED_SOURCES] if round(c.score, 2) > 0]


def _candidate(candidate: CandidateMatch, *, bold: bool = False) -> str:
    """``<b>Structure</b> (as well: …) (L4, L5), score 0.40``, escaped."""
    name = _e(candidate.structure)
    levels = _e(", ".join(candidate.levels))
    also = candidate.as_well(_e)
    return f"{f'<b>{name}</b>' if bold else name}{also} ({levels}), score {candidate.score:.2f}"


def summary_html(
    drawing: Drawing,
    ranking: Ranking,
    body: Body,
    regions: Regions,
    *,
    citations: Sequence[str],
    disclaimer: str,
    created: dt.datetime,
    top: int = TOP,
    link: str | None = None,
    published: str = "",
) -> str:
    """One printable page: the drawing, the top ``top`` levels with reasons, the flags, the
    candidate sources and what the ``published`` cases drawn alike confirmed (a sentence of
    :func:`referral.published.confirmed_sentence`), the sources (``citations``, already
    formatted), the disclaimer and ``created`` (the date).

    The drawing's text form (:meth:`Drawing.to_text`) is printed at the foot, so the page
    can be turned back into the drawing, and ``link`` (the app's link that opens the
    drawing) in full, when given: a hyperlink if it is a web address.
    """
    levels = [] if drawing.is_empty else list(ranking.table["level"].head(top))
    if levels:
        reasons = "".join(_reasons(ranking, i, lv) for i, lv in enumerate(levels, start=1))
        matches = f'<div class="levels">{reasons}</div>'
    else:
        matches = "<p>Nothing is drawn, so no level is ranked.</p>"
    flags = "".join(f'<p class="flag">{_e(flag.message)}</p>' for flag in ranking.flags)
    sources = "".join(f"<li>{_e(c)}</li>" for c in citations)
    when = created.strftime("%Y-%m-%d %H:%M")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Referral Map — pain drawing summary {_e(created.strftime("%Y-%m-%d"))}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Referral Map — pain drawing summary</h1>
<p class="meta">Made on {_e(when)} · atlas version {_e(schema.ATLAS_VERSION)}</p>
<p class="disclaimer">{_e(disclaimer)}</p>
<p class="accuracy">{_e(TOP3_ACCURACY)} {_e(SOURCE_ACCURACY)}</p>
{drawing_svg(drawing, body, regions)}
<p class="painful">Painful: {_e(_marked(drawing, regions))}</p>
<h2>Best-matching levels</h2>
{flags}
{matches}
{_candidates(ranking, top, published)}
<h2>Sources</h2>
<ol class="sources">{sources}</ol>
<p class="code">Drawing code (paste after <code>?drawing=</code> in the app's address):
{_e(drawing.to_text())}</p>
{_link(link)}
</body>
</html>
"""


def _link(link: str | None) -> str:
    """The paragraph giving the drawing's full link (nothing without one).

    >>> _link("http://h/?d=2&x=<b>").split(": ", 1)[1]
    '<a href="http://h/?d=2&amp;x=&lt;b&gt;">http://h/?d=2&amp;x=&lt;b&gt;</a></p>'
    >>> _link("javascript:alert(1)")
    '<p class="code">Link to this drawing: javascript:alert(1)</p>'
    """
    if not link:
        return ""
    shown = _e(link)
    if link.startswith(("http://", "https://")):
        shown = f'<a href="{_e(link)}">{shown}</a>'
    return f'<p class="code">Link to this drawing: {shown}</p>'


__all__ = [
    "LISTED_SOURCES",
    "PICTURE_HEIGHT",
    "TOP",
    "TOP3_ACCURACY",
    "drawing_svg",
    "sources_after",
    "summary_html",
]
