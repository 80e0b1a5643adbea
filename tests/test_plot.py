"""The chart transport (``referral.app.plot``): figures travel as patches on a view's base."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from catalogue import atlas, body, regions
from shapely.geometry import box

from referral import figures, schema
from referral.app import plot


@pytest.fixture(scope="module")
def bases() -> dict[str, figures.ViewBase]:
    return {view: figures.view_base(body(), regions(), view) for view in schema.VIEWS}


@pytest.mark.parametrize("view", schema.VIEWS)
@pytest.mark.parametrize("tool", ["tap", "lasso", "none"])
def test_a_patch_on_the_base_gives_back_the_figure(bases, view, tool):
    base = bases[view]
    layers = [
        figures.drawing_layer(box(-80, 450, 40, 600)),
        figures.level_layer(atlas(), base, "T12", detail=False),
        figures.level_layer(atlas(), base, "L1", style="compare"),
    ]
    figure = figures.compose(base, layers, tool=tool, height=520)
    base_figure = figures.compose(base)
    patch = figures.patch(figure, base_figure)
    assert figures.unpatch(json.loads(json.dumps(patch)), base_figure) == figure


@pytest.mark.parametrize("view", schema.VIEWS)
def test_a_patch_is_a_fraction_of_the_figure(bases, view):
    """The base (borders, lattice) stays behind: a tap sends only the overlays."""
    base = bases[view]
    layer = figures.level_layer(atlas(), base, "T12", detail=False)
    figure = figures.compose(base, [figures.drawing_layer(box(-80, 450, 40, 600)), layer])
    patch = figures.patch(figure, figures.compose(base))
    assert len(json.dumps(patch)) < len(json.dumps(figure)) / 2
    tap = next(t for t in patch["data"] if t.get("$base") is not None and "hovertext" in t)
    assert "x" not in tap and "customdata" not in tap  # the lattice itself is not re-sent


def test_a_base_trace_key_the_figure_lacks_is_removed():
    base = {"data": [{"meta": {"role": "tap"}, "x": [1], "hovertext": ["a"]}], "layout": {}}
    figure = {"data": [{"meta": {"role": "tap"}, "x": [1]}], "layout": {"height": 3}}
    patch = figures.patch(figure, base)
    assert patch["data"] == [{"$base": 0, "hovertext": None}]
    assert figures.unpatch(patch, base) == figure


def _log(*seqs: int) -> list[dict]:
    return [{"seq": n, "selection": {"points": [{"customdata": f"r{n}"}]}} for n in seqs]


def test_each_logged_event_is_applied_once_in_order():
    """Whatever logs the browser sends (a newer one replacing an older one when Streamlit
    merges pending reruns, one repeated, one out of order), each number is applied once."""
    applied, seen = 0, []
    for log in (_log(1), _log(1, 2, 3), _log(1, 2, 3), _log(3, 4), _log(5, 4), _log()):
        events, applied = plot.unapplied(log, applied)
        seen += [e["selection"]["points"][0]["customdata"] for e in events]
    assert seen == ["r1", "r2", "r3", "r4", "r5"]
    assert applied == 5


@pytest.mark.parametrize(
    "log", [None, "1", 3, [None, "x", {"seq": "2"}, {"seq": True}, {"selection": {}}]]
)
def test_a_malformed_log_applies_nothing(log):
    assert plot.unapplied(log, 7) == ([], 7)


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"displaylogo": True, "showSendToCloud": True, "plotlyServerURL": "https://x.example"},
        {"modeBarButtonsToRemove": ["zoom2d"]},
        {"modeBarButtons": [["toImage", "sendChartToCloud"], ["lasso2d"]]},
    ],
)
def test_no_chart_config_can_send_the_chart_away(config):
    out = plot.chart_config(config)
    assert out["showSendToCloud"] is False and out["displaylogo"] is False
    assert out["plotlyServerURL"] == ""
    assert "sendChartToCloud" in out["modeBarButtonsToRemove"]
    assert all("sendChartToCloud" not in group for group in out.get("modeBarButtons", []))
    assert out["doubleClick"] is False  # a quick second tap is a tap
    for key, value in config.items():  # the page's other wishes are kept
        if key not in plot.BASE_CONFIG and key != "modeBarButtons":
            assert all(v in out[key] for v in value)


def test_the_bundle_the_charts_load_is_served_from_static():
    bundle = plot.STATIC_DIR / plot.BUNDLE
    head = bundle.read_text(encoding="utf-8")[:200]
    assert "plotly.js (basic - minified) v4.1.1" in head
    assert (plot.STATIC_DIR / "plotly-LICENSE.txt").read_text().startswith("MIT License")
    assert "BUNDLE" not in plot.SCRIPT  # the script loads what plot.py names, nothing else


def test_elements_carry_the_loader_and_plot_js_travels_once_with_the_bases():
    """plot.js (13 kB) used to travel inside each of the pain map's four charts on every
    tap; now every element carries the small loader and only the bases element plot.js.
    The three components (one per role) carry the same loader text, so the browser imports
    one loader module and one plot.js for all of them (plot_loader.js)."""
    from harness import ROOT
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "referral/app/pages/painmap.py"), default_timeout=60)
    at.run()
    elements = [
        e.proto for e in at.get("bidi_component") if e.proto.component_name.startswith("referral_")
    ]
    by_component = {name: [p for p in elements if p.component_name == name] for name in ROLES}
    assert {n: len(ps) for n, ps in by_component.items()} == {
        plot.BASES: 1,
        plot.CHART: 4,
        plot.LADDER: 0,
    }
    assert {p.js_content for ps in by_component.values() for p in ps} == {plot.LOADER}
    assert len(plot.LOADER) < 2_000 < len(plot.SCRIPT)
    (bases,) = [json.loads(p.bytes) for p in by_component[plot.BASES]]
    assert set(bases) == set(plot.BasesData.__annotations__)
    assert bases["script"] == plot.SCRIPT
    for chart in by_component[plot.CHART]:
        data = json.loads(chart.bytes)
        assert "script" not in data
        assert (
            set(plot.ChartData.__required_keys__)
            <= set(data)
            <= set(plot.ChartData.__annotations__)
        )


#: The components by the role plot_loader.js reads from each name's last part (the name of
#: plot.js's export that draws it).
ROLES = {
    "referral_plot_bases": "bases",
    "referral_plot_chart": "chart",
    "referral_plot_ladder": "ladder",
}


def test_each_component_name_ends_in_the_name_of_its_export_in_plot_js():
    script = plot.SCRIPT
    assert {plot.BASES, plot.CHART, plot.LADDER} == set(ROLES)
    for name, role in ROLES.items():
        assert name.split("_")[-1] == role
        assert f"export function {role}(component)" in script
    assert "export default" not in script
    assert "window.__referral" not in script + plot.LOADER  # shared state is module scope


def test_no_component_script_keeps_state_on_window():
    """Each component's shared state lives in its module (imported once per page)."""
    scripts = sorted(Path(plot.__file__).parent.glob("*.js"))
    assert len(scripts) >= 5
    assert [s.name for s in scripts if "window.__referral" in s.read_text()] == []
