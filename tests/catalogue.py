"""Shared test material: loaded data (once per session) and a catalogue of standard drawings.

Like shapely's test geometries, these drawings are reused by parametrised tests: a zone
itself, a disjoint drawing, an empty one, a multipolygon, a self-intersecting lasso.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from referral import figures
from referral.atlas import Atlas, load_atlas, mirror_geometry
from referral.body import Body, load_body
from referral.drawing import Drawing
from referral.matching import AtlasIndex
from referral.regions import Regions, load_regions

BOWTIE = [(-60, 560), (-20, 600), (-20, 560), (-60, 600)]  # crosses itself once


@cache
def body() -> Body:
    return load_body()


@cache
def regions() -> Regions:
    return load_regions()


@cache
def atlas() -> Atlas:
    return load_atlas()


@cache
def index() -> AtlasIndex:
    return AtlasIndex(atlas(), regions())


def zone_drawing(level: str, pathway: str, view: str, side: str = "left") -> Drawing:
    """A drawing that is exactly one pathway's zones of ``level`` in ``view``."""
    zones = atlas().zones
    rows = zones[
        (zones["level"] == level)
        & (zones["pathway"] == pathway)
        & (zones["view"] == view)
        & (zones["side"] == side)
    ]
    return Drawing().with_area(view, shapely.union_all(rows["geometry"].to_numpy()))


def ring(cx: float, cy: float, rx: float, ry: float, n: int = 64) -> np.ndarray:
    """An elliptical closed path of ``n`` vertices (not repeated at the end)."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.c_[cx + rx * np.cos(t), cy + ry * np.sin(t)]


def mirror_drawing(drawing: Drawing) -> Drawing:
    """The same drawing on the patient's other side (x -> -x, views mirrored)."""
    from referral import schema

    ids = []
    for rid in drawing.regions:
        side, name = schema.split_region_id(rid)
        ids.append(schema.region_id(schema.other_side(side), name))
    outlines = {
        schema.MIRROR_VIEW[view]: mirror_geometry(area) for view, area in drawing.outlines.items()
    }
    mirrored = Drawing.from_regions(ids, regions())
    for view, area in outlines.items():
        mirrored = mirrored.with_area(view, area)
    return mirrored


def standard_drawings() -> dict[str, Drawing]:
    """The catalogue: name -> drawing."""
    return {
        "empty": Drawing(),
        "one-region": Drawing.from_regions(["left-groin"], regions()),
        "maigne-triad": Drawing.from_regions(
            ["left-low-back", "left-iliac-crest", "left-upper-buttock", "left-groin"], regions()
        ),
        "bilateral": Drawing.from_regions(["left-low-back", "right-low-back"], regions()),
        "disjoint": Drawing.from_regions(["left-hand"], regions()),
        "self-intersecting-lasso": Drawing.from_outline("posterior", BOWTIE),
        "multipolygon": Drawing().with_area(
            "posterior",
            MultiPolygon([Polygon(ring(-40, 580, 12, 8)), Polygon(ring(-50, 520, 15, 10))]),
        ),
        "t12-superior-cluneal-zone": zone_drawing("T12", "superior-cluneal", "posterior"),
    }


def chart_figures(at: Any) -> list[dict[str, Any]]:
    """The figure of every chart (``referral.app.plot``) on an AppTest page, in page order."""
    return [chart_figure(e, at) for e in _plots(at, "chart")]


def chart_figure(element: Any, at: Any) -> dict[str, Any]:
    """The figure a chart element of ``at``'s page shows (its patch on its base)."""
    (bases,) = [_data(e)["bases"] for e in _plots(at, "bases")]
    data = _data(element)
    return figures.unpatch(data["patch"], bases[data["base"]])


def charts_by_key(at: Any) -> dict[str, dict[str, Any]]:
    """The figure of every chart on an AppTest page, by the chart's key."""
    return {_data(e)["key"]: chart_figure(e, at) for e in _plots(at, "chart")}


def ladder_figures(at: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """What the page's ladder element (``plot.ladder``) holds: each level's figure by chart
    key, as the browser would draw it before the rerun."""
    (bases,) = [_data(e)["bases"] for e in _plots(at, "bases")]
    (ladder,) = [_data(e) for e in _plots(at, "ladder")]
    charts = ladder["charts"]
    return {
        level: {
            charts[view][0]: figures.unpatch(patch, bases[charts[view][1]])
            for view, patch in by_view.items()
        }
        for level, by_view in ladder["levels"].items()
    }


def _plots(at: Any, role: str) -> list[Any]:
    """The page's elements of ``referral.app.plot``'s component for ``role`` ("bases",
    "chart" or "ladder")."""
    return [e for e in at.get("bidi_component") if e.proto.component_name == plot_component(role)]


def plot_component(role: str) -> str:
    """The name of ``referral.app.plot``'s component for ``role``."""
    from referral.app import plot  # imports Streamlit: only when a page is inspected

    return {"bases": plot.BASES, "chart": plot.CHART, "ladder": plot.LADDER}[role]


def _data(element: Any) -> dict[str, Any]:
    assert element.type == "bidi_component"
    assert element.proto.component_name.startswith("referral_plot_")
    return json.loads(element.proto.bytes)


#: Resolves when the pain map's four charts are drawn (plotly has laid each one out).
CHARTS_DRAWN = """() => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')];
    return charts.length >= 4 && charts.every(gd => gd._fullLayout);
}"""


def pain_map_text(browser: Any, url: str, requests: list[str] | None = None) -> str:
    """Open ``url`` with a drawing in a fresh 1440 x 900 page, wait until the four charts
    are drawn, and return the page's text (its ranking included); every request's address
    is appended to ``requests`` when given."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        if requests is not None:
            page.on("request", lambda request: requests.append(request.url))
        page.goto(f"{url}/?drawing=1~r_left-groin_left-iliac-crest")
        page.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        return str(page.inner_text("body"))
    finally:
        context.close()
