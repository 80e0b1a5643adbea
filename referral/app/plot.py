"""Plotly figures on the page, drawn once and patched in place on every later rerun.

``st.plotly_chart`` hashes the figure into the chart's identity, so the browser mounts a
changed figure afresh (``Plotly.newPlot``), and the first chart of a session loads
Streamlit's full plotly.js bundle (4.7 MB). This module draws the core's figure dicts with
a small ``st.components.v2`` component (``plot.js``) whose identity is its key: the chart's
div stays, a changed figure is patched with ``Plotly.react``, and plotly.js's basic bundle
(scatter traces only, 1.2 MB; ``static/``, served by Streamlit's static file serving) loads
once per page. Figures are passed as plain JSON (compact UTF-8 bytes, :func:`encode`): no
plotly validation per rerun (the tests check :func:`referral.figures.compose` against
plotly's schema instead).

Each view's fixed part (skin, borders, tap lattice: most of a figure's bytes) is sent once
per page in :func:`bases`, whose element never changes, so Streamlit sends it in full only
the first time and then as a short reference; a chart's data is its figure as
:func:`referral.figures.patch` against its base (a few kB, not ≈ 50).

:func:`ladder` lets the charts follow a level ladder (``st.pills``) in the browser: it holds
every level's patches, and a change of the ladder's selected pill draws them at once, before
the rerun that the change starts has come back (which then finds them drawn). The
ladder's step buttons and arrow keys are routed through its pills, so every way of moving
the ladder takes this path; where the page's markup is not as expected, Streamlit's own
behaviour (a round trip to the server) is left in place. An arrow key pressed in another
control is that control's: in a radio group of buttons (a segmented control, pills) it
moves to the next or previous option, on every page with a chart.

A chart with ``on_select`` reports taps (with ``dragmode`` off) and lasso paths in the
shape of ``st.plotly_chart``'s selection event, ``{"selection": {"points": [...],
"lasso": [...]}}``. They travel as the chart's *log*, state rather than a one-shot trigger:
Streamlit merges pending reruns, and of two triggers from one chart keeps only the newer,
so quick taps on a busy server were lost. Each event is numbered in the browser and stays in
the log until the chart's data acknowledges its number; :func:`new_selections` returns, in
the callback, each event not applied before, exactly once. A tap is one press of a finger,
pen or mouse (``plot.js`` reads pointer events, not plotly's click, which a finger fires
twice and which plotly skips inside its double-click window).

Every chart's config is the page's under :data:`BASE_CONFIG`: no chart has a toolbar button
or link that leaves the machine (plotly.js's "Share chart…" uploads the chart to Plotly
Cloud).

The three roles are three components, each with its typed data: :data:`BASES`
(:class:`BasesData`, one element per page), :data:`CHART` (:class:`ChartData`, one per
chart) and :data:`LADDER` (:class:`LadderData`, at most one per page). They share one
script, ``plot.js``, whose exports ``bases``, ``chart`` and ``ladder`` draw them; the state
they share (base figures, charts by key, tap logs, the ladder) is that module's scope, not
``window``.

Why the script travels as data and not as a file. Components v2 can send a script's URL
(``js_source_path``, cached by the browser) instead of its text only for a component whose
``asset_dir`` Streamlit finds in a ``[tool.streamlit.component]`` table of the installed
distribution's ``pyproject.toml``; it looks for that file when the runtime (or an
``AppTest``) starts, and a ``js="plot.js"`` path for a component it did not find raises
``StreamlitAPIException``. Checked with Streamlit 1.67 (``manifest_scanner``):

- The wheel holds no ``pyproject.toml`` (setuptools does not ship it), so nothing is
  found: scanning with the built wheel installed returned ``[]``. It would need a second
  ``pyproject.toml`` inside the package (``referral/app/``, found through the wheel's
  RECORD), declaring the component again with an ``asset_dir`` relative to that folder.
- The editable install (``pip install -e .``: ``make run``, ``make test``) has no
  ``pyproject.toml`` in its ``dist-info`` or RECORD either, and the scanner's last resort,
  importing the distribution's name as a module (``referral_map``), fails. The top-level
  ``pyproject.toml`` is found only through ``referral_map.egg-info``, which setuptools
  leaves in the source tree (git-ignored), and only while the source root is on
  ``sys.path`` when the scan runs: true for ``streamlit run app.py`` (script folder) and
  ``python -m pytest`` from the root (working folder), not for a Python process that
  imports the package from another folder (the scan returned ``[]`` from ``/tmp``). Its
  package root is then the source root, so its ``asset_dir`` differs from the wheel's.
- The replicated deployment (``referral serve``) runs one of the two installs, so it
  inherits their behaviour; nginx itself would pass ``/_stcore/bidi-components/`` on.

Two declarations that must agree, and a dev setup that works by way of a build by-product
and the working folder, are not reliable; a missed scan is an exception on every page. The
loader costs ≈ 0.8 kB per element sent (≈ 3 kB of a pain map tap) and works the same in
all three setups.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NotRequired, TypedDict

import streamlit as st

from referral import figures, schema

#: The components' JavaScript (every role's); plotly.js itself is loaded
#: by it from ``static/``. It travels once per page, as data of the bases element (which
#: Streamlit then re-sends as a short reference), not inside every element.
SCRIPT = (Path(__file__).with_name("plot.js")).read_text(encoding="utf-8")
#: What Streamlit sends inside every element of the three components: one loader, the same
#: text for all three, that imports :data:`SCRIPT` from the bases element's data once per
#: page and hands each element to the export of its role (≈ 0.9 kB instead of 13 kB in
#: each of the pain map's four charts on every tap; its comment lines stay in the file).
#: The text being the same matters: Streamlit imports a component's script from one Blob
#: URL per distinct text, so the three components share one loader module, hence one
#: import of ``plot.js`` and one module scope for the state the roles share.
LOADER = "\n".join(
    line
    for line in (Path(__file__).with_name("plot_loader.js"))
    .read_text(encoding="utf-8")
    .splitlines()
    if not line.lstrip().startswith("//")
)
#: plotly.js's basic bundle (MIT), in ``static/`` beside the main script (``app.py``, or
#: ``referral/app/streamlit_app.py`` in a wheel, which maps ``static/`` there); Streamlit
#: serves that folder at ``app/static/`` (``enableStaticServing`` in the settings).
BUNDLE = "plotly-basic-4.1.1.min.js"
STATIC_DIR = schema.packaged("app/static", "static")
BUNDLE_URL = f"app/static/{BUNDLE}"

#: The three components, one per role; ``plot_loader.js`` reads the role from the name's
#: last part and calls ``plot.js``'s export of that name (``bases``, ``chart``, ``ladder``).
BASES, CHART, LADDER = "referral_plot_bases", "referral_plot_chart", "referral_plot_ladder"
#: Element keys of the page's one bases element and one ladder element.
BASES_KEY, LADDER_KEY = "plot-bases", "plot-ladder"

#: The bases and ladder elements draw nothing; this keeps their empty rows out of the page's
#: layout from the first paint (a style-only ``st.html`` takes no room and applies at once).
STYLE = f"<style>.st-key-{BASES_KEY}, .st-key-{LADDER_KEY} {{ display: none; }}</style>"

_bases_component = st.components.v2.component(BASES, js=LOADER, isolate_styles=False)
_chart_component = st.components.v2.component(CHART, js=LOADER, isolate_styles=False)
_ladder_component = st.components.v2.component(LADDER, js=LOADER, isolate_styles=False)


class BasesData(TypedDict):
    """What the bases element carries (``plot.js``'s ``bases``)."""

    #: Base figures by name (plain plotly figure dicts).
    bases: dict[str, dict[str, Any]]
    #: URL of plotly.js, relative to the page (loading starts at once).
    bundle: str
    #: :data:`SCRIPT`, imported once per page by the loader.
    script: str


class ChartData(TypedDict):
    """What a chart element carries (``plot.js``'s ``chart``)."""

    #: The chart's key, which also numbers its log (the element's key).
    key: str
    #: Name of the base (in :class:`BasesData`) the patch applies to.
    base: str
    #: The figure as :func:`referral.figures.patch` on the base.
    patch: dict[str, Any]
    #: plotly config, after :func:`chart_config`.
    config: dict[str, Any]
    #: Whether taps and lassos are reported (the chart has ``on_select``).
    events: bool
    bundle: str
    #: The :func:`ladder` option the figure shows, if any.
    level: str | None
    #: Accessible name (``aria-label``).
    name: str
    #: Number of the last log entry applied by the server (charts with events only).
    ack: NotRequired[int]


class LadderData(TypedDict):
    """What the ladder element carries (``plot.js``'s ``ladder``); see :func:`ladder`."""

    widget: str
    #: Each view's chart as [key, base name].
    charts: dict[str, list[str]]
    #: Each option's patches by view.
    levels: dict[str, Mapping[str, Any]]
    steps: dict[str, int]
    shortcuts: dict[str, int]


def encode(data: Mapping[str, object]) -> bytes:
    """``data`` as compact UTF-8 JSON, the bytes an element of the components carries.

    Streamlit would walk a dict for dataframes, dump it twice (once with sorted keys, for the
    element's identity) and send it with spaces after every separator; bytes are hashed once
    and sent as they are. ``plot_loader.js`` parses them back.

    >>> encode({"name": "L5 — facet", "x": [1, 2]})
    b'{"name":"L5 \xe2\x80\x94 facet","x":[1,2]}'
    """
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()


def bases(named: Mapping[str, dict[str, Any]]) -> None:
    """Send the base figures, by name, that this page's charts are patched against.

    Call it before the charts, with the same figures on every run (cached ones): its
    element draws nothing.
    """
    st.html(STYLE)
    data: BasesData = {"bases": dict(named), "bundle": BUNDLE_URL, "script": SCRIPT}
    _bases_component(key=BASES_KEY, data=encode(data))


def plot(
    figure: dict[str, Any],
    *,
    key: str,
    base: tuple[str, dict[str, Any]],
    config: dict[str, Any] | None = None,
    on_select: Callable[[], None] | None = None,
    level: str | None = None,
    name: str = "",
) -> None:
    """Show ``figure`` (a plain plotly figure dict) in a chart kept under ``key``.

    ``name`` is the chart's accessible name (a figure, ``aria-label``): what it shows, in
    words, updated with the figure.

    ``base`` is the (name, figure) of a base sent by :func:`bases` in this run; the chart
    receives ``figure`` as a patch on it. ``level`` is the :func:`ladder` option the figure
    shows: while the ladder shows a newer choice it holds figures for, the chart keeps that
    one (a rerun's figure for an earlier choice would step the views back). ``on_select``
    is called, before the rerun, for every tap or lasso on the chart; the event is
    :func:`selection` of ``key``. The chart reserves the figure's height (px) so the page
    does not move while plotly.js loads.
    """
    base_name, base_figure = base
    data: ChartData = {
        "key": key,
        "base": base_name,
        "patch": figures.patch(figure, base_figure),
        "config": chart_config(config or {}),
        "events": on_select is not None,
        "bundle": BUNDLE_URL,
        "level": level,
        "name": name,
    }
    height = int(figure["layout"]["height"])
    if on_select is None:
        _chart_component(key=key, data=encode(data), height=height)
    else:
        data["ack"] = _applied().get(key, 0)
        _chart_component(key=key, data=encode(data), height=height, on_log_change=on_select)


#: Config every chart gets, over the page's own: nothing on a chart can send it away
#: (plotly.js 4 offers "Share chart…" toward Plotly Cloud by default; its logo links to
#: plotly.com), and two quick taps are two taps, not a double click that resets the axes.
BASE_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "showSendToCloud": False,
    "plotlyServerURL": "",
    "doubleClick": False,
}
#: Toolbar buttons that leave the machine, removed from every chart whatever the page asks.
LEAVING_BUTTONS = ("sendChartToCloud",)
#: Session key: for each chart key, the number of the last event applied from its log.
APPLIED = "plot-applied"


def chart_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """``config`` with :data:`BASE_CONFIG` over it and :data:`LEAVING_BUTTONS` removed.

    >>> config = chart_config({"displaylogo": True, "modeBarButtonsToRemove": ["zoom2d"]})
    >>> config["displaylogo"], config["showSendToCloud"], config["modeBarButtonsToRemove"]
    (False, False, ['zoom2d', 'sendChartToCloud'])
    """
    out = {**config, **BASE_CONFIG}
    removed = list(config.get("modeBarButtonsToRemove", []))
    out["modeBarButtonsToRemove"] = removed + [b for b in LEAVING_BUTTONS if b not in removed]
    if isinstance(config.get("modeBarButtons"), list):  # an explicit toolbar: groups of names
        out["modeBarButtons"] = [
            [b for b in group if b not in LEAVING_BUTTONS] for group in config["modeBarButtons"]
        ]
    return out


def ladder(
    *,
    widget: str,
    charts: Mapping[str, tuple[str, str]],
    levels: Mapping[str, Mapping[str, Any]],
    steps: Mapping[str, int],
    shortcuts: Mapping[str, int],
) -> None:
    """Let the charts follow the ladder ``widget`` (the key of an ``st.pills``) at once.

    ``charts`` maps each view to its chart's (key, base name); ``levels`` holds, for every
    option of the ladder, each view's patch on its base, as :func:`plot` would send it (or
    nothing yet: the charts then wait for the rerun, as without the ladder).
    ``steps`` maps the keys of step buttons, and ``shortcuts`` keyboard keys
    (``KeyboardEvent.key``), to the number of options they move the ladder by. Call it
    after the charts, last on the page: its data is large the first time it is sent (then a
    short reference while it is unchanged), and nothing on the page waits for it.
    """
    data: LadderData = {
        "widget": widget,
        "charts": {view: list(chart) for view, chart in charts.items()},
        "levels": dict(levels),
        "steps": dict(steps),
        "shortcuts": dict(shortcuts),
    }
    _ladder_component(key=LADDER_KEY, data=encode(data))


def unapplied(log: Any, applied: int) -> tuple[list[dict[str, Any]], int]:
    """The events of ``log`` numbered after ``applied``, in order, as ``{"selection": ...}``,
    and the number of the last one (``applied`` if none is newer).

    ``log`` is a chart's log as the browser sends it, ``[{"seq": n, "selection": {...}},
    ...]``; anything malformed in it is skipped.

    >>> log = [{"seq": 4, "selection": {"points": []}}, {"seq": 5, "selection": {"lasso": []}}]
    >>> unapplied(log, 4)
    ([{'selection': {'lasso': []}}], 5)
    >>> unapplied(log, 5)
    ([], 5)
    >>> unapplied("junk", 2)
    ([], 2)
    """
    entries = [
        e
        for e in (log if isinstance(log, Sequence) and not isinstance(log, str) else [])
        if isinstance(e, Mapping) and type(e.get("seq")) is int and e["seq"] > applied
    ]
    entries.sort(key=lambda e: e["seq"])
    events, last = [], applied
    for entry in entries:
        if entry["seq"] > last:  # each number once, even if the log repeats it
            events.append({"selection": entry.get("selection")})
            last = entry["seq"]
    return events, last


def _applied() -> dict[str, int]:
    applied: dict[str, int] = st.session_state.setdefault(APPLIED, {})
    return applied


def new_selections(key: str) -> list[dict[str, Any]]:
    """The events the chart ``key`` reported that were not applied before, in order, each
    ``{"selection": ...}``: call it once in the chart's ``on_select`` callback, and apply
    them all (they count as applied from now on)."""
    state = st.session_state.get(key)
    log = state.get("log") if isinstance(state, Mapping) else None
    applied = _applied()
    events, applied[key] = unapplied(log, applied.get(key, 0))
    return events
