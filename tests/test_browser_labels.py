"""Explore's nerve labels in a real browser: each drawn text lies inside the box that
:mod:`referral.labels` places it by, and no two drawn texts overlap.

At the page's design sizes, where the labels crowded most before they were placed: L5 and
S1 on both sides (posterior), L1 in lecture mode with four views (lateral), T12 compared
with L1 (the compare marker sat on "subcostal nerve").
"""

from __future__ import annotations

import itertools

import pytest

from referral import labels

pytestmark = pytest.mark.browser

CASES = [
    ("/explore?level=L5&side=both", 1440, 900),
    ("/explore?level=S1&side=both", 1440, 900),
    ("/explore?level=L1&side=both&lecture=1", 1280, 720),
    ("/explore?level=T12&compare=L1", 1440, 900),
]
READY = """() => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')];
    return charts.length >= 3 && charts.every(gd => gd._fullLayout && gd.data.length)
        && !document.querySelector('[data-testid="stStatusWidget"]');
}"""
#: Per chart: its scale (px per unit), its label traces, and each drawn label text's box in
#: data units (in trace order: plotly draws one text per label trace).
DRAWN = """() => [...document.querySelectorAll('.js-plotly-plot')].map(gd => {
    const L = gd._fullLayout, at = gd.getBoundingClientRect();
    const x = px => L.xaxis.p2d(px - at.left - L._size.l);
    const y = px => L.yaxis.p2d(px - at.top - L._size.t);
    const drawn = [...gd.querySelectorAll('.textpoint text')].map(t => {
        const r = t.getBoundingClientRect();
        return [x(r.left), y(r.bottom), x(r.right), y(r.top)];
    });
    const traces = gd.data.filter(t => t.meta && t.meta.role === 'course-label');
    return {scale: L._size.h / (L.yaxis.range[1] - L.yaxis.range[0]), traces, drawn,
            view: L.meta.view};
})"""


@pytest.mark.parametrize(("path", "width", "height"), CASES, ids=[c[0] for c in CASES])
def test_drawn_labels_fit_their_boxes_and_stay_apart(browser, app_url, path, width, height):
    page = browser.new_page(viewport={"width": width, "height": height})
    try:
        page.goto(app_url + path)
        page.wait_for_function(READY, timeout=60_000)
        page.wait_for_timeout(500)
        charts = page.evaluate(DRAWN)
    finally:
        page.close()
    assert sum(len(c["traces"]) for c in charts) >= 2
    for chart in charts:
        assert len(chart["drawn"]) == len(chart["traces"]), chart["view"]
        for trace, drawn in zip(chart["traces"], chart["drawn"], strict=True):
            x0, y0, x1, y1 = labels.label_box(trace, chart["scale"])
            assert x0 <= drawn[0] and drawn[2] <= x1 and y0 <= drawn[1] and drawn[3] <= y1, (
                chart["view"],
                trace["text"],
                drawn,
                (x0, y0, x1, y1),
            )
        for a, b in itertools.combinations(chart["drawn"], 2):
            assert not labels.overlaps(a, b), (chart["view"], a, b)
