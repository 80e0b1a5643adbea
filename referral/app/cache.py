"""Loaders and figure parts for the app, cached once per server process.

Caching lives only here, at the UI edge. Everything is cached with ``st.cache_resource``
(shared, not copied): the core's bases and layers are immutable by contract
(:mod:`referral.figures`), so no rerun pays for unpickling a copy.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, NamedTuple

import streamlit as st

from referral import figures, patient, schema
from referral.app import results
from referral.atlas import Atlas, load_atlas
from referral.body import Body, load_body
from referral.dermatomes import Dermatomes, dermatome_layer, load_dermatomes
from referral.guide import guide_for
from referral.matching import AtlasIndex
from referral.published import PublishedCase, drawn_alike, load_published_cases
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


@st.cache_resource(show_spinner=False)
def index() -> AtlasIndex:
    """The atlas prepared for matching (built once per process, ≈ 0.2 s)."""
    return AtlasIndex(atlas(), regions())


@st.cache_resource(show_spinner=False)
def text(name: str) -> str:
    """The markdown file ``referral/app/text/{name}.md``."""
    return (TEXT_DIR / f"{name}.md").read_text(encoding="utf-8")


@st.cache_resource(show_spinner=False)
def base(view: schema.View, lecture: bool) -> figures.ViewBase:
    """One view's base figure part (skin, borders, header, tap lattice)."""
    return figures.view_base(body(), regions(), view, lecture=lecture)


@st.cache_resource(show_spinner=False)
def base_figure(view: schema.View, lecture: bool) -> tuple[str, dict[str, Any]]:
    """One view's base as a figure without layers, and the name the charts know it by:
    what they are patched against (:mod:`referral.app.plot`)."""
    name = f"{view}-lecture" if lecture else view
    return name, figures.compose(base(view, lecture))


@st.cache_resource(show_spinner=False)
def patient_base(view: schema.View) -> figures.ViewBase:
    """One view's base in the patient's words (:func:`referral.patient.view_base`)."""
    return patient.view_base(base(view, False), body(), regions())


@st.cache_resource(show_spinner=False)
def patient_base_figure(view: schema.View) -> tuple[str, dict[str, Any]]:
    """:func:`base_figure` of the patient's view, and the name the charts know it by."""
    return f"{view}-patient", figures.compose(patient_base(view))


@st.cache_resource(show_spinner=False, max_entries=1024)
def level_layer(
    view: schema.View,
    level: str,
    sides: tuple[schema.Side, ...],
    lecture: bool,
    style: figures.Style = "primary",
    course_labels: bool = False,
    detail: bool = True,
) -> figures.Layer:
    """A level's overlay for one view (zones, courses, joints, hover notes)."""
    return figures.level_layer(
        atlas(),
        base(view, lecture),
        level,
        sides=sides,
        style=style,
        course_labels=course_labels,
        detail=detail,
    )


@st.cache_resource(show_spinner=False)
def dermatomes() -> Dermatomes:
    """The dermatome key points and schematic bands of every level."""
    return load_dermatomes()


@st.cache_resource(show_spinner=False, max_entries=512)
def dermatome(
    view: schema.View, level: str, sides: tuple[schema.Side, ...], lecture: bool
) -> figures.Layer:
    """A level's dermatome overlay for one view."""
    return dermatome_layer(dermatomes(), base(view, lecture), level, sides=sides)


@st.cache_resource(show_spinner=False, max_entries=64)
def guide_markdown(level: str) -> str:
    """The exam and block guide of ``level`` as markdown (≈ 7 ms to build)."""
    return results.guide_markdown(guide_for(level, atlas()))


@st.cache_resource(show_spinner=False, max_entries=256)
def separating_markdown(candidate_ids: tuple[str, ...]) -> str:
    """What tells these candidate sources apart: each one's signs and blocks."""
    rows = {c["candidate_id"]: c for c in index().candidates}
    return results.separating_markdown([rows[cid] for cid in candidate_ids], atlas())


@st.cache_resource(show_spinner=False)
def published_cases() -> tuple[PublishedCase, ...]:
    """The published cases of the evaluation set (``data/published-cases.json``)."""
    return load_published_cases()


@st.cache_resource(show_spinner=False)
def family_labels() -> dict[str, str]:
    """Each candidate family's name (``data/candidates.csv``)."""
    return atlas().family_labels()


@st.cache_resource(show_spinner=False, max_entries=256)
def published_markdown(region_ids: frozenset[str]) -> str:
    """The published cases drawn like ``region_ids`` as a list
    (:func:`results.published_markdown`)."""
    alike = drawn_alike(region_ids, published_cases())
    return results.published_markdown(alike, family_labels())


@st.cache_resource(show_spinner=False, max_entries=256)
def citations_markdown(levels: tuple[str, ...]) -> str:
    """The numbered full citations of everything ``levels`` draw (≈ 6 ms a level to build)."""
    return results.citations_markdown(atlas().citations(results.source_ids(atlas(), list(levels))))


@st.cache_resource(show_spinner=False, max_entries=512)
def legend_markdown(shown: tuple[tuple[str, figures.Style], ...]) -> str:
    """The pain map's legend of the levels drawn over it, with their styles (≈ 4 ms to
    build)."""
    return results.legend_markdown(atlas(), shown)


class LevelSettings(NamedTuple):
    """How the Explore page draws a level: the same for every level on the page."""

    sides: tuple[schema.Side, ...]
    lecture: bool
    height: int  #: figure height, px
    compare: str | None = None  #: a level drawn hatched beside every other level
    with_dermatome: bool = False
    width: int | None = None  #: the narrowest chart width (px) its labels are placed for


def level_figure(view: schema.View, level: str, settings: LevelSettings) -> dict[str, Any]:
    """The Explore page's figure of ``level`` in one view: its zones and courses (labelled),
    the compared level's hatched beside them (unless it is ``level`` itself), its dermatome
    if asked."""
    sides, lecture = settings.sides, settings.lecture
    layers = [level_layer(view, level, sides, lecture, "primary", True)]
    if settings.compare is not None and settings.compare != level:
        layers.append(level_layer(view, settings.compare, sides, lecture, "compare"))
    if settings.with_dermatome:
        layers.append(dermatome(view, level, sides, lecture))
    return figures.compose(
        base(view, lecture), layers, height=settings.height, width=settings.width
    )


def level_patches(
    views: tuple[schema.View, ...], settings: LevelSettings
) -> dict[str, dict[str, Any]] | None:
    """Every level's :func:`level_figure` of each of ``views`` as a patch on the view's base,
    by level then view: what the Explore page's charts draw at once when the level changes
    (:func:`referral.app.plot.ladder`); ``None`` while it is being built.

    The first call for a set of settings starts the build on a background thread (≈ 0.25 s
    for three views while the levels' layers are not cached, ≈ 30 ms after), so no rerun
    waits for it: a later rerun finds it ready. About 0.4 MB of JSON for three views.
    """
    future = _level_patches_build(views, settings)
    return future.result() if future.done() else None


#: Builds :func:`level_patches` off the script thread, one set of settings at a time.
_BUILDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="level-patches")


@st.cache_resource(show_spinner=False, max_entries=32)
def _level_patches_build(
    views: tuple[schema.View, ...], settings: LevelSettings
) -> Future[dict[str, dict[str, Any]]]:
    """The build of :func:`level_patches` for these settings, started once per process."""

    def build() -> dict[str, dict[str, Any]]:
        return {
            level: {
                view: figures.patch(
                    level_figure(view, level, settings), base_figure(view, settings.lecture)[1]
                )
                for view in views
            }
            for level in schema.LEVELS
        }

    return _BUILDER.submit(build)
