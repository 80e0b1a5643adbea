"""The chart transport (``referral.app.plot``): figures travel as patches on a view's base."""

from __future__ import annotations

import json

import pytest
from catalogue import atlas, body, regions, unpatch
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
    assert unpatch(json.loads(json.dumps(patch)), base_figure) == figure


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
    assert unpatch(patch, base) == figure


def test_the_bundle_the_charts_load_is_served_from_static():
    bundle = plot.STATIC_DIR / plot.BUNDLE
    head = bundle.read_text(encoding="utf-8")[:200]
    assert "plotly.js (basic - minified) v4.1.1" in head
    assert (plot.STATIC_DIR / "plotly-LICENSE.txt").read_text().startswith("MIT License")
    assert "BUNDLE" not in plot.SCRIPT  # the script loads what plot.py names, nothing else


def test_elements_carry_the_loader_and_plot_js_travels_once_with_the_bases():
    """plot.js (13 kB) used to travel inside each of the pain map's four charts on every
    tap; now every element carries the small loader and only the bases element plot.js."""
    from streamlit.testing.v1 import AppTest

    from referral.app.harness import ROOT

    at = AppTest.from_file(str(ROOT / "referral/app/pages/painmap.py"), default_timeout=60)
    at.run()
    elements = [e.proto for e in at.get("bidi_component")]
    assert len(elements) == 5  # the bases and four charts
    assert {p.js_content for p in elements} == {plot.LOADER}
    assert len(plot.LOADER) < 2_000 < len(plot.SCRIPT)
    data = [json.loads(p.json) for p in elements]
    assert [d.get("script") for d in data if "bases" in d] == [plot.SCRIPT]
    assert all("script" not in d for d in data if "bases" not in d)
