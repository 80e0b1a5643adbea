"""Plotly figures on the page, drawn once and patched in place on every later rerun.

``st.plotly_chart`` hashes the figure into the chart's identity, so the browser mounts a
changed figure afresh (``Plotly.newPlot``), and the first chart of a session loads
Streamlit's full plotly.js bundle (4.7 MB). This module draws the core's figure dicts with
a small ``st.components.v2`` component (``plot.js``) whose identity is its key: the chart's
div stays, a changed figure is patched with ``Plotly.react``, and plotly.js's basic bundle
(scatter traces only, 1.2 MB; ``static/``, served by Streamlit's static file serving) loads
once per page. Figures are passed as plain JSON: no plotly validation per rerun (the tests
check :func:`referral.figures.compose` against plotly's schema instead).

Each view's fixed part (skin, borders, tap lattice: most of a figure's bytes) is sent once
per page in :func:`bases`, whose element never changes, so Streamlit sends it in full only
the first time and then as a short reference; a chart's data is its figure as
:func:`referral.figures.patch` against its base (a few kB, not ≈ 50).

A chart with ``on_select`` reports taps (with ``dragmode`` off) and lasso paths in the
shape of ``st.plotly_chart``'s selection event, ``{"selection": {"points": [...],
"lasso": [...]}}``, which :func:`selection` reads back in the callback.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st

from referral import figures

#: The component's JavaScript; plotly.js itself is loaded by it from ``static/``.
SCRIPT = (Path(__file__).with_name("plot.js")).read_text(encoding="utf-8")
#: plotly.js's basic bundle (MIT), in ``static/`` beside ``app.py``; Streamlit serves that
#: folder at ``app/static/`` (``enableStaticServing`` in ``.streamlit/config.toml``).
BUNDLE = "plotly-basic-4.1.1.min.js"
STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

#: The bases element draws nothing; this keeps its empty row out of the page's layout from
#: the first paint (a style-only ``st.html`` takes no room and applies at once).
STYLE = "<style>.st-key-plot-bases { display: none; }</style>"

_mount = st.components.v2.component("referral_plot", js=SCRIPT, isolate_styles=False)


def bases(named: Mapping[str, dict[str, Any]]) -> None:
    """Send the base figures, by name, that this page's charts are patched against.

    Call it before the charts, with the same figures on every run (cached ones): its
    element draws nothing.
    """
    st.html(STYLE)
    _mount(key="plot-bases", data={"bases": dict(named), "bundle": f"app/static/{BUNDLE}"})


def plot(
    figure: dict[str, Any],
    *,
    key: str,
    base: tuple[str, dict[str, Any]],
    config: dict[str, Any] | None = None,
    on_select: Callable[[], None] | None = None,
) -> None:
    """Show ``figure`` (a plain plotly figure dict) in a chart kept under ``key``.

    ``base`` is the (name, figure) of a base sent by :func:`bases` in this run; the chart
    receives ``figure`` as a patch on it. ``on_select`` is called, before the rerun, for
    every tap or lasso on the chart; the event is :func:`selection` of ``key``. The chart
    reserves the figure's height (px) so the page does not move while plotly.js loads.
    """
    name, base_figure = base
    data = {
        "base": name,
        "patch": figures.patch(figure, base_figure),
        "config": config or {},
        "events": on_select is not None,
        "bundle": f"app/static/{BUNDLE}",
    }
    height = int(figure["layout"]["height"])
    if on_select is None:
        _mount(key=key, data=data, height=height)
    else:
        _mount(key=key, data=data, height=height, on_selection_change=on_select)


def selection(key: str) -> Any:
    """The last event reported by the chart ``key`` (``None`` if it reported none)."""
    state = st.session_state.get(key)
    return state.get("selection") if isinstance(state, dict) else None
