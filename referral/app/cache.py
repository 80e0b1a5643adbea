"""Loaders for the app, cached once per server process (caching lives only at the UI edge)."""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

from referral import figures
from referral.atlas import Atlas, load_atlas
from referral.body import Body, load_body
from referral.regions import Regions, load_regions

TEXT_DIR = Path(__file__).parent / "text"


@st.cache_resource(show_spinner=False)
def body() -> Body:
    """The body outlines and landmarks of every view."""
    return load_body()


@st.cache_resource(show_spinner=False)
def regions() -> Regions:
    """The named body regions of every view."""
    return load_regions()


@st.cache_resource(show_spinner=False)
def atlas() -> Atlas:
    """The referral atlas: zones, courses, pathways, sources and conflicts."""
    return load_atlas()


@st.cache_data(show_spinner=False)
def text(name: str) -> str:
    """The markdown file ``referral/app/text/{name}.md``."""
    return (TEXT_DIR / f"{name}.md").read_text(encoding="utf-8")


@st.cache_data(show_spinner=False, max_entries=512)
def level_figure(view: str, level: str, sides: tuple[str, ...], lecture: bool) -> go.Figure:
    """One view with ``level``'s zones and courses drawn (built once per combination)."""
    fig = figures.body_figure(body(), regions(), view, lecture=lecture)
    return figures.add_level(fig, atlas(), level, view, sides=sides, lecture=lecture)
