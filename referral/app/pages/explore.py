"""Explore levels: one spinal level's zones and branch courses on the body views.

Spine ladder (every level a button) with previous/next buttons on the arrow keys; Compare
with… overlays a second level hatched; Play steps through a range on a timer the lecturer
can pause; the dermatome toggle draws the level's dermatome beside its dorsal ramus
territory; lecture mode enlarges everything for a projector. Every setting is in the link.
The views follow the ladder in the browser at once (:func:`referral.app.plot.ladder` holds
every level's figures); the rerun then brings the page's text.
"""

from __future__ import annotations

import time

import streamlit as st

from referral import schema
from referral.app import cache, lecture, links, plot, sharing, sizes, stepping, tables
from referral.guide import guide_for

SIDE_CHOICES: dict[str, tuple[schema.Side, ...]] = {
    "left": ("left",),
    "right": ("right",),
    "both": schema.SIDES,
}
VIEW_CHOICES: tuple[str, ...] = ("all", "anterior", "posterior", "lateral")
NO_COMPARE = "none"
#: Seconds each level stays on screen while playing (longer than a redraw, about 1 to 3 s).
PLAY_SECONDS = 3.0

PARAMS: tuple[links.Param, ...] = (
    links.Param("level", links.LEVEL, "T12", "a level C2 … S3"),
    links.Param(
        "compare", links.choice((NO_COMPARE, *schema.LEVELS)), NO_COMPARE, "a level or none"
    ),
    links.Param("side", links.choice(SIDE_CHOICES), "left", "left, right or both"),
    links.Param("views", links.choice(VIEW_CHOICES), "all", "all, anterior, posterior or lateral"),
    links.Param("dermatome", links.boolean, "false", "on or off"),
    links.Param("lecture", links.boolean, "false", "on or off"),
    links.Param("play", links.boolean, "false", "on or off"),
    links.Param("from", links.LEVEL, "T10", "a level C2 … S3"),
    links.Param("to", links.LEVEL, "L2", "a level C2 … S3"),
)


def shown_views(side: str, views: str) -> tuple[schema.View, ...]:
    """The views to draw: those that show the chosen side, or the one asked for.

    A lateral view shows one side only, so ``side="left"`` hides the right-lateral view
    rather than leaving it blank.
    """
    lateral = tuple(v for v, s in schema.LATERAL_VIEW_SIDE.items() if s in SIDE_CHOICES[side])
    if views == "lateral":
        return lateral
    if schema.is_view(views):
        return (views,)
    return ("anterior", "posterior", *lateral)


def shift(by: int) -> None:
    """Button callback: move the ladder ``by`` levels (stops at C2 and S3)."""
    st.session_state["level"] = stepping.step(st.session_state["level"], by)


@st.fragment(run_every=PLAY_SECONDS)
def player() -> None:
    """While Play is on, show the next level of the range every ``PLAY_SECONDS``.

    The fragment reruns on its timer; it advances only when a full interval has passed since
    the last frame (so a rerun for any other reason does not skip a level). The next level
    is left under ``_play_next`` for the top of the page to apply before the ladder exists,
    and the whole page reruns, redrawing the views, the ladder and the link.
    """
    if not st.session_state.get("play"):
        return
    now = time.monotonic()
    last = st.session_state.setdefault("_play_last", now)
    if now - last >= PLAY_SECONDS * 0.9:
        st.session_state["_play_last"] = now
        st.session_state["_play_next"] = stepping.play_next(
            st.session_state["level"], st.session_state["from"], st.session_state["to"]
        )
        st.rerun(scope="app")


problems = links.apply_link(PARAMS)
sharing.seed_defaults(PARAMS)
if "_play_next" in st.session_state:
    st.session_state["level"] = st.session_state.pop("_play_next")
is_lecture = bool(st.session_state["lecture"])
if is_lecture:
    st.set_page_config(initial_sidebar_state="collapsed")
    lecture.apply()

level_now = st.session_state["level"]
if is_lecture:
    top = st.columns([2.4, 1.1, 1.1, 1.1, 3], vertical_alignment="center")
    top[0].markdown(f"# {level_now} · Explore levels")
    bar = top[1:4]
    top[4].caption(cache.text("disclaimer"))
else:
    st.title("Explore levels")
    st.caption(cache.text("disclaimer"))
    bar = [*st.sidebar.columns(2), st.sidebar]
links.show_problems(problems)

for column, by, key, arrow in ((bar[0], -1, "previous", "Left"), (bar[1], +1, "next", "Right")):
    target = stepping.step(level_now, by)
    column.button(
        f"◀ {target}" if by < 0 else f"{target} ▶",
        key=key,
        on_click=shift,
        args=(by,),
        shortcut=arrow,
        help=f"One level {'up' if by < 0 else 'down'} the spine ({arrow.lower()} arrow key)",
        width="stretch",
    )
bar[2].toggle("Play", key="play", help="Step through the Play range; switch off to pause.")
with st.sidebar:
    st.pills("Spinal level", schema.LEVELS, key="level", required=True)
    row = st.columns(2)
    row[0].selectbox("Play from", schema.LEVELS, key="from")
    row[1].selectbox("Play to", schema.LEVELS, key="to")
    st.selectbox(
        "Compare with…",
        (NO_COMPARE, *schema.LEVELS),
        key="compare",
        format_func=lambda v: "nothing" if v == NO_COMPARE else v,
    )
    st.segmented_control("Side", list(SIDE_CHOICES), key="side", required=True)
    st.segmented_control("Views", VIEW_CHOICES, key="views", required=True)
    st.toggle("Dermatome contrast", key="dermatome")
    st.toggle("Lecture mode", key="lecture")
player()

level = st.session_state["level"]
compare = st.session_state["compare"]
compare_level = None if compare in (NO_COMPARE, level) else compare
sides = SIDE_CHOICES[st.session_state["side"]]
with_dermatome = bool(st.session_state["dermatome"])
views = shown_views(st.session_state["side"], st.session_state["views"])
sharing.write_link(PARAMS)

atlas = cache.atlas()
height = sizes.height(len(views), is_lecture)
legend = tables.legend_markdown(atlas, level, compare_level, with_dermatome)
if is_lecture:
    *columns, side_panel = st.columns([*(3,) * len(views), 3.2])
else:
    columns, side_panel = st.columns(len(views)), st.container()
plot.bases(dict(cache.base_figure(view, is_lecture) for view in views))
# The compared level is drawn beside every level (not only the one shown), so the
# ladder's patches stay unchanged while the level moves.
settings = cache.LevelSettings(
    sides,
    is_lecture,
    height,
    None if compare == NO_COMPARE else compare,
    with_dermatome,
    sizes.width(len(views), is_lecture),
)
for column, view in zip(columns, views, strict=True):
    with column:
        plot.plot(
            cache.level_figure(view, level, settings),
            key=f"explore-{view}",
            base=cache.base_figure(view, is_lecture),
            config={"displaylogo": False},
            level=level,
            name=tables.level_chart_name(view, level, sides, compare_level, with_dermatome),
        )
side_panel.markdown(legend, unsafe_allow_html=True)
if not is_lecture:
    with st.expander("How to read the map"):
        st.markdown(cache.text("explore"))

st.header(f"{level}: pathways")
st.markdown(tables.pathway_table(atlas, level), unsafe_allow_html=True)
if with_dermatome:
    st.header(f"{level}: dermatome beside the dorsal ramus territory")
    st.markdown(tables.dermatome_markdown(cache.dermatomes(), level))
    st.markdown(cache.text("explore-dermatomes"))
conflicts = tables.conflicts_markdown(atlas, level)
if conflicts:
    st.header("Where the sources disagree")
    st.markdown(conflicts)
st.header("From match to examination")
st.markdown(tables.guide_markdown(guide_for(level, atlas)))
st.header("Sources")
st.markdown(tables.citations_markdown(atlas, level))
if with_dermatome:
    derm = cache.dermatomes()
    cited = derm.citations(derm.level_source_ids(level))
    st.markdown("\n".join(f"- {c}" for c in cited))
st.caption(cache.text("explore-sources"))
plot.ladder(
    widget="level",
    charts={view: (f"explore-{view}", cache.base_figure(view, is_lecture)[0]) for view in views},
    levels=cache.level_patches(views, settings) or {},
    steps={"previous": -1, "next": +1},
    shortcuts={"ArrowLeft": -1, "ArrowRight": +1},
)
