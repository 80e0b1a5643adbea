"""Explore levels: one spinal level's zones and branch courses on the four body views."""

from __future__ import annotations

import streamlit as st

from referral import figures, schema
from referral.app import cache, tables

SIDE_CHOICES: dict[str, tuple[str, ...]] = {
    "left": ("left",),
    "right": ("right",),
    "both": schema.SIDES,
}
DEFAULTS: dict[str, str] = {"level": "T12", "side": "left", "lecture": "false"}
VALID: dict[str, tuple[str, ...]] = {
    "level": schema.LEVELS,
    "side": tuple(SIDE_CHOICES),
    "lecture": ("true", "false"),
}


def warn_on_bad_link() -> None:
    """Warn about query parameters the widgets will ignore (they fall back to the default)."""
    for key, valid in VALID.items():
        raw = st.query_params.get(key)
        value = raw.lower() if raw is not None and key == "lecture" else raw
        if value is not None and value not in valid:
            st.warning(
                f"The link asks for {key} “{raw}”, which is not one of "
                f"{', '.join(valid)}; showing {DEFAULTS[key]} instead.",
                icon=":material/link_off:",
            )


st.title("Explore levels")
st.caption(cache.text("disclaimer"))
warn_on_bad_link()

controls = st.columns([6, 2, 1], vertical_alignment="bottom")
level = controls[0].select_slider(
    "Spinal level", options=schema.LEVELS, value=DEFAULTS["level"], key="level", bind="query-params"
)
side = controls[1].segmented_control(
    "Side",
    options=list(SIDE_CHOICES),
    default=DEFAULTS["side"],
    required=True,
    key="side",
    bind="query-params",
)
lecture = controls[2].toggle("Lecture mode", key="lecture", bind="query-params")
sides = SIDE_CHOICES[side]

atlas = cache.atlas()
with st.expander("How to read the map", expanded=not lecture):
    st.markdown(cache.text("explore"))
for column, view in zip(st.columns(len(schema.VIEWS)), schema.VIEWS, strict=True):
    layer = cache.level_layer(view, level, sides, lecture, course_labels=lecture)
    fig = figures.compose(
        cache.base(view, lecture),
        [layer],
        height=820 if lecture else 660,
        legend=True,
        legend_height=210 if lecture else 120,
    )
    column.plotly_chart(fig, key=f"explore-{view}", config={"displaylogo": False}, theme=None)

st.subheader(f"{level}: pathways")
st.markdown(tables.pathway_table(atlas, level))
conflicts = tables.conflicts_markdown(atlas, level)
if conflicts:
    st.subheader("Where the sources disagree")
    st.markdown(conflicts)
st.subheader("Sources")
st.markdown(tables.citations_markdown(atlas, level))
st.caption(cache.text("explore-sources"))
