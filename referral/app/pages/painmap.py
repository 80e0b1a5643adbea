"""Pain map: mark where it hurts on four views; see which levels and branches explain it.

This page is layout; the state and the callbacks that change it are in
:mod:`referral.app.painmap_state`. State lives in ``st.session_state`` and in the page link
(query parameter ``drawing``, the drawing's compact text form); nothing is stored on the
server. Every edit goes through one :class:`referral.selection.History`, so Undo reverts
taps, lassos, the regions list, uploads and pasted codes alike. The ranking is written
before the charts, so it reaches the browser first; a chart's figure is rebuilt only when
what it shows changed. Everything that follows the drawing is one fragment
(:func:`map_and_results`), so an edit reruns it alone.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from typing import Any, Literal

import shapely
import streamlit as st

from referral import figures, report, schema
from referral.app import (
    announce,
    cache,
    layout,
    links,
    plot,
    results,
    scrolling,
    sharing,
    viewport,
    ways_in,
)
from referral.app.painmap_state import (
    FIGURES,
    LINK,
    NOT_RATED,
    NOTICES,
    PROBLEMS_SAID,
    QUOTED_CHARS,
    WAYS_IN_PROBLEM,
    drawing,
    generation,
    history,
    on_chart,
    on_clear,
    on_codes,
    on_rate,
    on_regions,
    on_undo,
    on_upload,
    read_link,
    write_link,
)
from referral.drawing import Drawing
from referral.matching import Ranking, rank_levels
from referral.published import confirmed_sentence, drawn_alike
from referral.regions import Regions
from referral.selection import TOOLS, Tool

CHART_CONFIG = {
    "displaylogo": False,
    "modeBarButtonsToRemove": ["zoom2d", "pan2d", "select2d", "autoScale2d", "resetScale2d"],
}

#: The tool switch's label is drawn a moment after the switch: its room is kept from the
#: start, so that the views below do not move down 20 px under a finger about to tap.
TOOLBAR_STYLE = "<style>.st-key-tool { min-height: 3.75rem; }</style>"
#: Until the browser has said how big its window is, the map is laid out for a desktop and
#: kept hidden, so that a tablet does not show (and take taps on) four small views for a
#: moment before its own layout; shown after 10 s whatever happens.
UNSIZED_STYLE = """<style>
.st-key-maps { visibility: hidden; animation: pm-show 0s linear 10s forwards; }
@keyframes pm-show { to { visibility: visible; } }
</style>"""
SIZED_STYLE = "<style>.st-key-maps { visibility: visible; }</style>"
#: Laid out for one view, the map is shown half a second later: its toolbar, in a narrower
#: column than the desktop's, wraps to more rows over the first frames, moving the view.
ONE_VIEW_STYLE = """<style>
.st-key-maps { visibility: hidden; animation: pm-show 0s linear 0.5s forwards; }
@keyframes pm-show { to { visibility: visible; } }
</style>"""
#: The best three levels in one line over a single view: in sight (below the navigation
#: bar) while the page scrolls down the body.
TOP_THREE_STYLE = """<style>.st-key-top-three { position: sticky; top: 3.75rem; z-index: 3;
background: white; padding: 0.25rem 0; }</style>"""
#: Keys of the sections written only while open (their open state): "Open a drawing or
#: paste codes", the regions list with intensities, "Keep and share", "How to mark".
#: Closed, they cost a tap nothing; the regions list alone (its widgets are made afresh
#: whenever the drawing changes) took ≈ 15 ms of the browser's time per tap.
WAYS_IN, REGIONS, KEEP, HOW_TO = "ways-in", "regions-section", "keep", "how-to"


# -- notices and problems (their state: referral.app.painmap_state) -----------------------


def show_notices() -> None:
    for message, quoted in st.session_state.get(NOTICES, []):
        st.warning(message, icon="⚠️")
        for line in quoted:
            st.text(line)


def show_ways_in_problem(place: str) -> None:
    """What was wrong with the file or codes just given, if it was given at ``place``
    (``"upload"`` or ``"codes"``): the page's words, then the user's text as plain text;
    scrolled into sight when it is new."""
    given = st.session_state.get(WAYS_IN_PROBLEM)
    problem: ways_in.Problem | None = given[1] if given and given[0] == place else None
    if problem is not None:
        with st.container(key=f"{place}-problem"):
            st.warning(f"{problem.what} The drawing is unchanged. {problem.todo}", icon="⚠️")
            for line in problem.quoted:
                st.text(links.shorten(line, QUOTED_CHARS))
    token = "" if problem is None else str(st.session_state.get(PROBLEMS_SAID, 0))
    scrolling.into_view(
        f"{place}-problem", token=token, key=f"{place}-problem-scroll", block="nearest"
    )


# -- results ------------------------------------------------------------------------------


def show_ranking(ranking: Ranking, lines: list[str], current: Drawing) -> None:
    """The ranked levels as text ``lines`` (in the container keyed ``ranking``) and the
    flags."""
    with st.container(key="ranking"):
        st.header("Best-matching levels")
        if current.is_empty:
            st.info("Mark where it hurts: tap regions on the views, or outline an area.")
        elif not lines:
            st.info("No level's zones reach the drawing.")
        else:
            st.markdown("  \n".join(lines))
    for flag in ranking.flags:
        if flag.code != "empty":
            st.warning(flag.message, icon="⚠️")
    show_candidates(ranking)
    st.caption(
        f"{cache.text('disclaimer').strip()} {report.TOP3_ACCURACY} {report.SOURCE_ACCURACY}"
    )


def show_candidates(ranking: Ranking) -> None:
    """The sources a pain physician would consider, with the test of each, and what the
    published cases drawn alike confirmed; what tells the closest apart and those cases in
    full are written only while their section is open."""
    lines = results.candidate_lines(ranking)
    if not lines:
        return
    painful = frozenset(ranking.painful_regions)
    alike = drawn_alike(painful, cache.published_cases())
    # One Markdown element for the heading, the list, the verdict and the lines after it: a
    # tap re-sends it, and each element more costs the browser a layout.
    undecided = results.undecided_sentence(ranking)
    verdict = [f"**{results.escape_markdown(undecided)}**"] if undecided else []
    after = [
        results.runner_up_sources(ranking),
        results.published_line(alike, cache.family_labels()),
    ]
    st.markdown("\n\n".join(["## Sources to consider", *lines, *verdict, *filter(None, after)]))
    listed = tuple(c.candidate_id for c in ranking.candidates[: results.CANDIDATES])
    with st.expander("What separates them", key="separates", on_change="rerun") as section:
        if section.open:
            st.markdown(cache.separating_markdown(listed))
    if alike:
        label = "Published cases drawn like this"
        with st.expander(label, key="published", on_change="rerun") as section:
            if section.open:
                st.markdown(cache.published_markdown(painful))


def show_table(ranking: Ranking) -> None:
    """Score, explained share and best pathway coverage of the ranked levels, as bars."""
    table = results.ranking_table_html(ranking)
    if table:
        st.html(table)


def show_explanation(ranking: Ranking, shown: list[tuple[str, figures.Style]]) -> None:
    """Reasons in plain words and the sources for the levels drawn on the map.

    The guide and the sources are written only while their section is open: closed, they
    cost every tap nothing (they are ≈ 14 kB of Markdown).
    """
    for level, _ in shown:
        reasons = "\n".join(f"- {results.escape_markdown(r)}" for r in ranking.reasons(level))
        st.markdown(f"**Why {level}**\n\n{reasons}")
    for level, _ in shown:
        label = f"From match to examination: {level}"
        with st.expander(label, key=f"guide-{level}", on_change="rerun") as section:
            if section.open:
                st.markdown(cache.guide_markdown(level))
    if shown:
        with st.expander("Sources", key="sources", on_change="rerun") as section:
            if section.open:
                st.markdown(cache.citations_markdown(tuple(lv for lv, _ in shown)))


# -- the map ------------------------------------------------------------------------------


def chart_figure(
    view: schema.View,
    tool: Tool,
    area: shapely.Geometry | None,
    shown: tuple[tuple[str, figures.Style], ...],
    sides: tuple[schema.Side, ...],
    height: int,
) -> dict[str, Any]:
    """The view's figure, rebuilt only when its drawing, levels, sides, tool or height
    changed."""
    mode: Literal["tap", "lasso"] = "tap" if tool == "tap" else "lasso"
    key = (mode, None if area is None else shapely.to_wkb(area), shown, sides, height)
    memo: dict[str, tuple[object, dict[str, Any]]] = st.session_state.setdefault(FIGURES, {})
    if view in memo and memo[view][0] == key:
        return memo[view][1]
    layers = [figures.drawing_layer(area)]
    layers += [
        cache.level_layer(view, lv, sides, False, style, detail=False) for lv, style in shown
    ]
    figure = figures.compose(cache.base(view, False), layers, tool=mode, height=height)
    memo[view] = (key, figure)
    return figure


def show_map(
    current: Drawing,
    ranking: Ranking,
    shown: list[tuple[str, figures.Style]],
    shape: layout.MapLayout,
) -> None:
    """The toolbar and the views (all four, or the one chosen when ``shape.one_view``), each
    in a container keyed ``map-<view>``."""
    st.html(TOOLBAR_STYLE)
    gap: Literal["small", "medium"] = "small" if shape.one_view else "medium"
    bar = st.container(horizontal=True, vertical_alignment="bottom", gap=gap)
    tool: Tool = bar.segmented_control(
        "Tool",
        options=list(TOOLS),
        format_func=TOOLS.__getitem__,
        default="tap",
        required=True,
        key="tool",
    )
    bar.button("Undo", key="undo", on_click=on_undo, disabled=not history().can_undo)
    bar.button("Clear", key="clear", on_click=on_clear, disabled=current.is_empty)
    with bar.popover("How to mark", key=HOW_TO, on_change="rerun") as how_to:
        if how_to.open:
            st.markdown(cache.text("painmap"))
    with bar.popover("Keep and share", key=KEEP, on_change="rerun") as keep:
        if keep.open:
            show_downloads(current, ranking)
    views = schema.VIEWS
    if shape.one_view:
        views = (
            bar.segmented_control(
                "View",
                options=schema.VIEWS,
                format_func=layout.VIEW_CHOICES.__getitem__,
                default="anterior",
                required=True,
                key="one-view",
            ),
        )
        show_top_three(ranking)
    shapes = current.shapes(cache.regions())
    sides = results.painful_sides(ranking) or schema.SIDES
    widths = [figures.x_range(cache.body(), view) for view in views]
    columns = st.columns([x1 - x0 for x0, x1 in widths], gap="small")
    levels = [level for level, _ in shown]
    for column, view in zip(columns, views, strict=True):
        figure = chart_figure(view, tool, shapes.get(view), tuple(shown), sides, shape.chart_height)
        marked = results.marked_regions(current, cache.regions(), view)
        with column.container(key=f"map-{view}"):
            plot.plot(
                figure,
                key=f"chart-{view}",
                base=cache.base_figure(view, False),
                on_select=functools.partial(on_chart, view),
                config={**CHART_CONFIG, "toImageButtonOptions": {"filename": f"pain-map-{view}"}},
                name=results.chart_name(view, marked, levels),
            )
    with st.container(key="marked"):  # what is marked, in words (not only in colour)
        st.markdown(results.marked_markdown(current, cache.regions()))
    if shown:
        st.markdown(cache.legend_markdown(tuple(shown)))
        st.caption(
            "Vermillion, hatched: the pain drawing. A zone's core is filled strongly, its "
            "fringe faintly with a dotted edge (the fringe counts half in matching). Solid "
            "lines: dorsal ramus branches; dashed: ventral ramus. A dot marks where a branch "
            "leaves the spine."
        )


def show_top_three(ranking: Ranking) -> None:
    """The best three levels in one line, kept in sight over a single view."""
    top = [m.level for m in ranking.matched(3)]
    st.html(TOP_THREE_STYLE)
    with st.container(key="top-three"):
        numbered = " · ".join(f"{i}\\. **{level}**" for i, level in enumerate(top, start=1))
        st.markdown(f"Best match: {numbered}" if top else "Best match: mark where it hurts.")


def show_regions(current: Drawing) -> None:
    """The keyboard way: the tapped regions as a list, and an optional intensity per region
    (in a section written only while open)."""
    # The label stays the same: a changed label would be a new section, closed again.
    with st.expander("Marked regions and intensity", key=REGIONS, on_change="rerun") as section:
        if section.open:
            show_regions_list(current, cache.regions())


def show_regions_list(current: Drawing, regions: Regions) -> None:
    """The regions list (kept equal to the tapped regions) and the intensity of one."""
    key = f"regions-{generation()}"
    st.multiselect(
        "Marked regions",
        options=regions.ids(),
        default=sorted(current.regions),
        format_func=lambda rid: regions.region(rid).label,
        key=key,
        on_change=on_regions,
        args=(key,),
        placeholder="Type a region's name, e.g. left groin",
    )
    painful = sorted(current.painful_regions(regions))
    if not painful:
        return
    row = st.columns([2, 3], vertical_alignment="bottom")
    rid = row[0].selectbox(
        "Rate a painful region (optional)",
        options=painful,
        format_func=lambda r: regions.region(r).label,
        key="rate-region",
    )
    if rid is None:
        return
    key = f"rate-value-{generation()}-{rid}"
    ratings = [NOT_RATED, *range(11)]
    row[1].selectbox(
        "Intensity, 0 (none) to 10 (worst)",
        options=ratings,
        index=ratings.index(current.intensity.get(rid, NOT_RATED)),
        key=key,
        on_change=on_rate,
        args=(rid, key),
        help="A rated region's painful skin counts (intensity + 1) / 11 in matching; "
        "an unrated one counts fully.",
    )


def show_ways_in() -> None:
    """Upload a GeoJSON drawing, or paste CHOIR / REDCap codes (written only while the
    section is open, so a tap does not re-send them)."""
    with st.expander("Open a drawing or paste codes", key=WAYS_IN, on_change="rerun") as section:
        if not section.open:
            return
        st.markdown(cache.text("painmap-ways-in"))
        st.file_uploader(
            "Drawing file (GeoJSON)",
            type=["geojson", "json"],
            key="upload",
            on_change=on_upload,
            max_upload_size=1,
        )
        show_ways_in_problem("upload")
        with st.form("codes-form", border=False):
            st.text_input("CHOIR or REDCap codes", key="codes", placeholder="218, 223 or b18, b23")
            st.form_submit_button("Use these codes", on_click=on_codes, key="use-codes")
        show_ways_in_problem("codes")


def show_downloads(current: Drawing, ranking: Ranking) -> None:
    """The drawing's link to copy, and downloads made on click, in the browser's session:
    drawing, ranking, summary (which carries the link in full)."""
    st.caption(cache.text("painmap-keep"))
    link = drawing_link(current)
    if not current.is_empty:
        sharing.copy_link(link, key="copy-link")
    downloads = (
        ("Drawing (GeoJSON)", lambda: json.dumps(current.to_geojson()), "pain-drawing.geojson",
         "application/geo+json", "download-drawing"),
        ("Ranking (CSV)", lambda: results.ranking_csv(ranking), "pain-ranking.csv", "text/csv",
         "download-ranking"),
        ("Printable summary (HTML)", lambda: summary(current, ranking, link), "pain-summary.html",
         "text/html", "download-summary"),
    )  # fmt: skip
    for label, data, name, mime, key in downloads:
        st.download_button(
            label,
            data=data,
            file_name=name,
            mime=mime,
            key=key,
            on_click="ignore",
            disabled=current.is_empty,
        )


def drawing_link(current: Drawing) -> str:
    """The link that opens ``current`` on this page (absolute once the browser has told
    Streamlit the page's address)."""
    return sharing.current_link({} if current.is_empty else {LINK: current.to_text()})


def summary(current: Drawing, ranking: Ranking, link: str | None = None) -> str:
    """The one-page summary of :mod:`referral.report` for this drawing, dated now, with the
    drawing's ``link``."""
    atlas = cache.atlas()
    top = [m.level for m in ranking.matched(report.TOP)]
    return report.summary_html(
        current,
        ranking,
        cache.body(),
        cache.regions(),
        citations=atlas.citations(results.matched_source_ids(atlas, ranking, top)),
        disclaimer=cache.text("disclaimer").strip(),
        created=dt.datetime.now().astimezone(),
        link=link,
        published=confirmed_sentence(
            drawn_alike(ranking.painful_regions, cache.published_cases()), cache.family_labels()
        ),
    )


# -- the page -----------------------------------------------------------------------------


@st.fragment
def map_and_results(shape: layout.MapLayout) -> None:
    """The map, its controls and the results, laid out as ``shape``: everything but the
    link's reading and the views' bases. A fragment, so a tap, a lasso or any control reruns
    only this part, not the app's navigation (a tap measured ≈ 5-20 ms quicker in paired
    runs)."""
    current = drawing()
    ranking = rank_levels(current, cache.index())
    # Made before the first element (≈ 1 ms through pandas), so that the ranking leaves in
    # the run's first batch of messages (a tap ≈ 3 ms quicker in paired runs).
    lines = results.ranking_lines(ranking)
    write_link(current)
    if shape.columns is None:  # the results under the map
        maps, side = st.container(key="maps"), st.container()
    else:
        maps, side = st.columns(list(shape.columns), gap="medium")
        maps = maps.container(key="maps")
    with side:
        show_ranking(ranking, lines, current)
        show = st.segmented_control(
            "Show on the map",
            options=list(results.SHOW),
            format_func=results.SHOW.__getitem__,
            default="best",
            required=True,
            key="show",
        )
        shown = results.shown_levels(ranking, show)
        show_table(ranking)
        show_explanation(ranking, shown)
        # Last in the column: the spoken ranking must not delay the ranking on screen.
        announce.live_text(results.ranking_announcement(ranking), key="ranking-live")
    with maps:
        show_notices()
        show_map(current, ranking, shown, shape)
        show_regions(current)
        show_ways_in()


#: The page's h1 for screen readers: the navigation above shows its name already, and the
#: four views need the height a visible title would take.
st.html('<h1 class="visually-hidden">Pain map</h1>')
size = viewport.size()
shape = layout.pain_map(*(size or (None, None)))
# One style element whatever the case, so that no element after it moves.
st.html(UNSIZED_STYLE if size is None else ONE_VIEW_STYLE if shape.one_view else SIZED_STYLE)
read_link()
plot.bases(dict(cache.base_figure(view, False) for view in schema.VIEWS))
st.html(results.RANKING_TABLE_STYLE)
map_and_results(shape)
