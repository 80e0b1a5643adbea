"""Lecture mode in a real browser: legible on a projector, and the views fit the window.

At 1280 x 720 (a common projector) and 1920 x 1080 with ``?lecture=1``: every visible text,
in the page and in the figures' SVG, is at least 20 px; no figure is taller than the window
or wider than the page and none starts below the fold; the page does not scroll sideways;
the figures' header annotations do not overlap; the legend beside the views is not cut.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHART = ".js-plotly-plot"
READY = f"""n => {{
    const charts = document.querySelectorAll('{CHART}');
    return charts.length === n && [...charts].every(gd => gd._fullLayout && gd.data.length);
}}"""
#: Every visible text node: its text, computed font size, and whether it is inside an SVG.
TEXTS = """() => {
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent.trim();
        const el = n.parentElement;
        if (!text || !el) continue;
        const r = el.getBoundingClientRect();
        const style = getComputedStyle(el);
        if (r.width === 0 || r.height === 0 || r.right <= 0 || r.left >= innerWidth) continue;
        if (style.visibility === 'hidden' || style.display === 'none' || +style.opacity === 0)
            continue;
        out.push({text: text.slice(0, 40), px: parseFloat(style.fontSize),
                  svg: !!el.closest('svg'), bottom: r.bottom, right: r.right});
    }
    return out;
}"""
CHART_BOXES = f"""() => [...document.querySelectorAll('{CHART}')].map(gd => {{
    const r = gd.getBoundingClientRect();
    return {{top: r.top, bottom: r.bottom, left: r.left, right: r.right}};
}})"""
#: Bounding boxes of each chart's annotations (view title, side letters, front/back).
ANNOTATIONS = f"""() => [...document.querySelectorAll('{CHART}')].map(gd =>
    [...gd.querySelectorAll('.annotation')].map(a => {{
        const r = a.getBoundingClientRect();
        return {{text: a.textContent, left: r.left, right: r.right, top: r.top,
                 bottom: r.bottom}};
    }}))"""


def overlap(a: dict, b: dict) -> bool:
    """Whether two boxes share any area (touching edges do not count)."""
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and (b["top"] < a["bottom"])
    )


@pytest.fixture(params=[(1280, 720), (1920, 1080)], ids=["1280x720", "1920x1080"])
def lecture(request, browser, app_url):
    """The Explore page in lecture mode at a projector size, with T12 against L1 and the
    dermatome on (the busiest lecture view)."""
    width, height = request.param
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{app_url}/explore?lecture=1&compare=L1&dermatome=1")
    page.wait_for_function(READY, arg=3, timeout=30_000)
    page.wait_for_timeout(500)  # let the layout settle after the charts' first draw
    yield page, width, height
    context.close()


def test_every_text_is_at_least_20_px(lecture, tmp_path):
    page, width, _ = lecture
    page.screenshot(path=str(tmp_path / f"explore-lecture-{width}.png"))
    texts = page.evaluate(TEXTS)
    assert len(texts) > 50 and any(t["svg"] for t in texts)
    small = [t for t in texts if t["px"] < 20]
    assert not small, small[:10]


def test_the_views_fit_the_window(lecture):
    page, width, height = lecture
    boxes = page.evaluate(CHART_BOXES)
    assert len(boxes) == 3
    for box in boxes:
        assert box["top"] >= 0 and box["bottom"] <= height, box
        assert box["left"] >= 0 and box["right"] <= width, box
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width


def test_header_annotations_do_not_overlap(lecture):
    page, _, _ = lecture
    for notes in page.evaluate(ANNOTATIONS):
        assert len(notes) >= 3
        for i, a in enumerate(notes):
            for b in notes[i + 1 :]:
                assert not overlap(a, b), (a["text"], b["text"])


def test_the_legend_beside_the_views_is_not_cut(lecture):
    page, width, height = lecture
    legend = page.get_by_text("solid = dorsal ramus", exact=False)
    box = legend.bounding_box()
    assert box is not None
    assert box["y"] + box["height"] <= height and box["x"] + box["width"] <= width
