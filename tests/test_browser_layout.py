"""The pain map on tablets and phones, by finger: one large view at a time.

At 1024 x 768, 768 x 1024 and 390 x 844 with touch emulation: the page shows one view with a
switcher; the crest, upper buttock and trochanter are at least 24 px across where a finger
taps them (WCAG 2.5.8; measured from the chart's own pixel scale); four taps over three views
all count and the ranking is the core's; the best three levels stay in sight while tapping,
down to the feet; no control sticks out of the window. Before the browser has said how wide
it is, no view is shown (so none is tapped in a layout about to change).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from catalogue import regions
from test_browser_painmap import READY, ranked, settle
from test_browser_taps import (
    FOUR,
    expected_levels,
    open_map,
    show_view,
    tap_point,
    wait_for_regions,
)

from referral.app import layout, viewport

pytestmark = pytest.mark.browser

SIZES = {
    "ipad-landscape": {"width": 1024, "height": 768},
    "ipad-portrait": {"width": 768, "height": 1024},
    "phone": {"width": 390, "height": 844},
}
#: Where a finger taps them: crest and upper buttock on the back, trochanter on the side.
TARGETS = (
    ("posterior", "left-iliac-crest"),
    ("posterior", "left-upper-buttock"),
    ("left-lateral", "left-trochanter"),
)
MIN_TARGET_PX = 24
#: CSS px per data unit of the chart of ``view`` (x, y).
SCALE = """view => {
    const L = document.querySelector(`.st-key-map-${view} .js-plotly-plot`)._fullLayout;
    return [Math.abs(L.xaxis._m), Math.abs(L.yaxis._m)];
}"""
#: Visible controls of the page cut off left or right: by the window, or by an ancestor
#: that clips what overflows it.
CUT_OFF = """() => {
    const outside = (r, q) => r.left < q.left - 0.5 || r.right > q.right + 0.5;
    const cut = e => {
        const r = e.getBoundingClientRect();
        if (outside(r, {left: 0, right: innerWidth})) return true;
        for (let p = e.parentElement; p; p = p.parentElement) {
            if (getComputedStyle(p).overflowX !== 'visible'
                    && outside(r, p.getBoundingClientRect())) return true;
        }
        return false;
    };
    return [...document.querySelectorAll(
            '[data-testid="stMain"] :is(button, input, [role="radio"], [role="tab"], summary)')]
        .filter(e => e.checkVisibility({visibilityProperty: true}))
        .filter(e => e.getBoundingClientRect().width > 0 && cut(e))
        .map(e => (e.innerText || e.getAttribute('aria-label') || e.tagName).trim());
}"""
#: Whether the best-three line lies wholly inside the window.
IN_SIGHT = """() => { const r = document.querySelector('.st-key-top-three').getBoundingClientRect();
    return r.height > 0 && r.top >= 0 && r.bottom <= innerHeight; }"""


def target_px(page: Any, view: str, region: str) -> float:
    """The smaller side (px) of ``region``'s bounding box on ``view``'s chart."""
    x0, y0, x1, y1 = regions().in_view(view)[region].bounds
    sx, sy = page.evaluate(SCALE, view)
    return float(min((x1 - x0) * sx, (y1 - y0) * sy))


def cut_off(page: Any) -> list[str]:
    """The page's visible controls that are cut off (:data:`CUT_OFF`), once its fonts are
    in (text laid out in a fallback font is narrower)."""
    page.evaluate("() => document.fonts.ready.then(() => true)")
    return list(page.evaluate(CUT_OFF))


def top_three(page: Any) -> list[str]:
    return re.findall(r"\d\. (\S+)", page.locator(".st-key-top-three").inner_text())


@pytest.mark.parametrize("size", SIZES)
def test_by_finger_one_large_view_at_a_time(browser, app_url, size):
    viewport = SIZES[size]
    context = browser.new_context(has_touch=True, viewport=viewport)
    try:
        page = context.new_page()
        open_map(page, app_url)
        shape = layout.pain_map(viewport["width"], viewport["height"])
        assert shape.one_view
        assert page.locator('[class*="st-key-map-"] .js-plotly-plot').count() == 1
        sizes = {}
        for view, region in TARGETS:
            show_view(page, view)
            sizes[region] = target_px(page, view, region)
        assert min(sizes.values()) >= MIN_TARGET_PX, sizes
        for i, (view, region) in enumerate(FOUR):
            point = tap_point(page, view, region)
            assert page.evaluate(IN_SIGHT), f"the best three are out of sight at {region}"
            page.touchscreen.tap(point["x"], point["y"])
            wait_for_regions(page, [r for _, r in FOUR[: i + 1]])
        expected = expected_levels([r for _, r in FOUR])
        assert top_three(page) == expected
        page.locator(".st-key-map-left-lateral .js-plotly-plot").evaluate(
            "gd => gd.scrollIntoView({block: 'end'})"  # down to the feet
        )
        assert page.evaluate(IN_SIGHT), "the best three are out of sight at the feet"
        assert cut_off(page) == []
        page.locator(".st-key-ranking").scroll_into_view_if_needed()
        assert ranked(page)[:3] == expected
    finally:
        context.close()


def test_no_view_is_shown_before_the_browser_has_said_how_wide_it_is(browser, app_url):
    """With the page's report of its window's size held back, the map is drawn for a
    desktop but not shown; once the report reaches the server, the tablet's single view
    is."""
    context = browser.new_context(has_touch=True, viewport=SIZES["ipad-landscape"])
    try:
        page = context.new_page()
        held: list[Any] = []
        holding = {"on": True}

        def route(socket: Any) -> None:
            server = socket.connect_to_server()
            held.append(server)

            def on_message(message: str | bytes) -> None:
                data = message.encode() if isinstance(message, str) else message
                if holding["on"] and viewport.KEY.encode() in data:
                    held.append(message)  # the rerun that carries the window's size
                else:
                    server.send(message)

            socket.on_message(on_message)

        page.route_web_socket(re.compile(r".*/_stcore/stream$"), route)
        page.goto(app_url)
        page.wait_for_function(
            "() => [...document.querySelectorAll('.js-plotly-plot')].length === 4"
            " && [...document.querySelectorAll('.js-plotly-plot')].every(gd => gd._fullLayout)",
            timeout=60_000,
        )
        assert page.evaluate(
            "() => [...document.querySelectorAll('.js-plotly-plot')]"
            ".every(gd => !gd.checkVisibility({visibilityProperty: true}))"
        )
        server, messages = held[0], held[1:]
        assert messages, "the size report was held back"
        holding["on"] = False
        for message in messages:
            server.send(message)
        page.locator(".st-key-one-view").wait_for(timeout=30_000)
        page.wait_for_function(READY, arg="tap", timeout=30_000)
        settle(page)
        assert page.locator('[class*="st-key-map-"] .js-plotly-plot').count() == 1
    finally:
        context.close()
