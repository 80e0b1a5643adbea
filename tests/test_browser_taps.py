"""Every tap counts once, by finger or mouse, however quick, and however busy the server.

A finger tap makes the browser send the touch and then compatibility mouse events; plotly.js
reads two clicks 500 ms apart as a double click; Streamlit merges pending reruns, keeping only
the newest one-shot value of a widget. Each of these once lost taps (issue 16). The tests
drive Debian's Chromium with touch emulation at tablet and phone sizes, with quick mouse
taps on one view, and with the page's messages to the server held back and released at once
(so the server finds several reruns pending, as it does under load).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import CHART_NAMES, TAP_POINT
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from test_browser_painmap import READY, ranked, settle

from referral.app.layout import VIEW_CHOICES
from referral.atlas import load_atlas
from referral.drawing import Drawing
from referral.matching import AtlasIndex, rank_levels
from referral.regions import load_regions

pytestmark = pytest.mark.browser

#: The classic thoracolumbar pattern, one region on each of three views.
FOUR = (
    ("anterior", "left-groin"),
    ("posterior", "left-iliac-crest"),
    ("posterior", "left-upper-buttock"),
    ("left-lateral", "left-trochanter"),
)
#: Six regions on one view, tapped in quick succession.
ONE_VIEW = tuple(
    ("posterior", f"{side}-{name}")
    for name in ("iliac-crest", "upper-buttock", "low-back")
    for side in ("left", "right")
)
#: The tapped regions in the link's drawing (``1~r_a_b``), sorted ([] for none).
LINKED_REGIONS = """() => {
    const d = new URLSearchParams(location.search).get('drawing') || '';
    const part = d.split('~').find(p => p.startsWith('r_'));
    return part ? part.split('_').slice(1).sort() : [];
}"""
#: The app has finished its runs and the link holds exactly ``regions`` (sorted).
SETTLED_ON = f"""regions => !document.querySelector('[data-testid="stStatusWidget"]')
    && JSON.stringify(({LINKED_REGIONS})()) === JSON.stringify(regions)"""


#: The tool switch has its label: the toolbar has its final height (it grows by the label's
#: 20 px a moment after the views are drawn, moving them down; a point found before would
#: land 20 px too high).
TOOLBAR_LAID_OUT = """() => !!document.querySelector(
    '.st-key-tool [data-testid="stWidgetLabel"]')"""


def open_map(page: Any, url: str) -> None:
    """Open the pain map at ``url``; return once it takes taps where the views are drawn."""
    page.goto(url)
    page.wait_for_function(READY, arg="tap", timeout=60_000)
    page.wait_for_function(TOOLBAR_LAID_OUT, timeout=30_000)
    settle(page)


#: From the first frame, record each view's top (px) whenever it is shown and takes taps
#: (a hidden view takes none).
RECORD_TOPS = """window.__tops = {};
const record = () => {
    for (const gd of document.querySelectorAll('[class*="st-key-map-"] .js-plotly-plot')) {
        const L = gd._fullLayout;
        if (L && L.dragmode === false && L.clickmode === 'event'
                && gd.checkVisibility({visibilityProperty: true})) {
            const view = L.meta.view;
            (window.__tops[view] ??= []).push(Math.round(gd.getBoundingClientRect().top));
        }
    }
    requestAnimationFrame(record);
};
requestAnimationFrame(record);"""


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_the_views_stay_put_once_they_take_taps(browser, app_url, size):
    """From the first frame the views take taps, they do not move (the toolbar's late label
    once moved them 20 px down: a quick first tap landed on the region above; a tablet's
    layout, one view at a time, once came a moment after four small views)."""
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    try:
        page = context.new_page()
        page.add_init_script(RECORD_TOPS)
        open_map(page, app_url)
        page.wait_for_function("() => Object.keys(window.__tops).length > 0")
        tops = page.evaluate("() => window.__tops")
        assert {view: sorted(set(t)) for view, t in tops.items() if len(set(t)) != 1} == {}
    finally:
        context.close()


def expected_levels(regions: list[str], n: int = 3) -> list[str]:
    """The top ``n`` levels the core ranks for a drawing of ``regions``."""
    drawing = Drawing.from_regions(regions, load_regions())
    ranking = rank_levels(drawing, AtlasIndex(load_atlas(), load_regions()))
    return [m.level for m in ranking.matched(n)]


def show_view(page: Any, view: str) -> None:
    """Where the page shows one view at a time, switch to ``view`` and wait until it takes
    taps."""
    switcher = page.locator(".st-key-one-view")
    if not switcher.count() or page.locator(f".st-key-map-{view}").count():
        return
    switcher.get_by_text(VIEW_CHOICES[view], exact=True).click()
    page.wait_for_function(
        "view => !!document.querySelector(`.st-key-map-${view} .js-plotly-plot`)",
        arg=view,
        timeout=30_000,
    )
    page.wait_for_function(READY, arg="tap", timeout=30_000)
    settle(page)


def tap_point(page: Any, view: str, region: str) -> dict[str, float]:
    """Show ``view`` (where one is shown at a time), scroll its chart into sight and return a
    page point inside ``region``."""
    show_view(page, view)
    # Found afresh in the page (a locator's element can be replaced while it acts).
    page.evaluate(
        "view => document.querySelector(`.st-key-map-${view} .js-plotly-plot`)"
        ".scrollIntoView({block: 'nearest'})",
        view,
    )
    return page.evaluate(TAP_POINT, [view, region])


def wait_for_regions(page: Any, regions: list[str], timeout: float = 30_000) -> None:
    """Wait until the app is idle with exactly ``regions`` in the link; say what it kept."""
    try:
        page.wait_for_function(SETTLED_ON, arg=sorted(regions), timeout=timeout)
    except Exception as exc:
        settle(page)
        kept = page.evaluate(LINKED_REGIONS)
        raise AssertionError(f"kept {kept} of {sorted(regions)}") from exc


SIZES = {
    "ipad-landscape": {"viewport": {"width": 1024, "height": 768}, "is_mobile": False},
    "ipad-portrait": {"viewport": {"width": 768, "height": 1024}, "is_mobile": False},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
}


@pytest.mark.parametrize("size", SIZES)
def test_finger_taps_mark_each_region_once(browser, app_url, size):
    """Tapped by finger, the four regions of the classic pattern all stay marked, and the
    ranking is the core's ranking of those four."""
    context = browser.new_context(has_touch=True, **SIZES[size])
    try:
        page = context.new_page()
        open_map(page, app_url)
        for i, (view, region) in enumerate(FOUR):
            point = tap_point(page, view, region)
            page.touchscreen.tap(point["x"], point["y"])
            wait_for_regions(page, [r for _, r in FOUR[: i + 1]])
        page.locator(".st-key-ranking").scroll_into_view_if_needed()
        assert ranked(page)[:3] == expected_levels([r for _, r in FOUR])
    finally:
        context.close()


@pytest.mark.parametrize("interval_ms", [100])
def test_quick_mouse_taps_on_one_view_all_count(browser, app_url, interval_ms):
    """Six regions of the back view clicked ``interval_ms`` apart: all six stay marked."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        open_map(page, app_url)
        points = [page.evaluate(TAP_POINT, [view, region]) for view, region in ONE_VIEW]
        for point in points:
            page.mouse.click(point["x"], point["y"])
            page.wait_for_timeout(interval_ms)
        wait_for_regions(page, [r for _, r in ONE_VIEW])
    finally:
        context.close()


def pen_tap(page: Any, point: dict[str, float]) -> None:
    """Tap ``point`` with a pen (Chromium's DevTools protocol: a pen press and release)."""
    cdp = page.context.new_cdp_session(page)
    for kind, buttons in (("mousePressed", 1), ("mouseReleased", 0)):
        cdp.send(
            "Input.dispatchMouseEvent",
            {
                "type": kind,
                "x": point["x"],
                "y": point["y"],
                "button": "left",
                "buttons": buttons,
                "clickCount": 1,
                "pointerType": "pen",
            },
        )
    cdp.detach()


def test_pen_taps_mark_each_region_once(browser, app_url):
    """Four regions tapped with a pen, the first alone, the others 100 ms apart: each is
    marked once. (A pen sends no touch events, so this passed on the earlier code too; it
    guards the pointer handling for pens.)"""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        open_map(page, app_url)
        tapped = [r for _, r in ONE_VIEW[:4]]
        points = [page.evaluate(TAP_POINT, [view, region]) for view, region in ONE_VIEW[:4]]
        pen_tap(page, points[0])
        wait_for_regions(page, tapped[:1])
        for point in points[1:]:
            pen_tap(page, point)
            page.wait_for_timeout(100)
        wait_for_regions(page, tapped)
    finally:
        context.close()


class HeldRequests:
    """Holds back the page's WebSocket messages to the server while ``holding`` is set, and
    sends them on together on :meth:`release` (the server then finds several reruns
    pending, as it does when it is busy)."""

    def __init__(self, page: Any) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.server: Any = None
        page.route_web_socket(re.compile(r".*/_stcore/stream$"), self._route)

    def _route(self, socket: Any) -> None:
        self.server = socket.connect_to_server()
        socket.on_message(lambda m: self.held.append(m) if self.holding else self.server.send(m))

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.server.send(message)
        self.held.clear()


def test_taps_that_reach_a_busy_server_together_all_count(browser, app_url):
    """Four taps on one view whose reruns reach the server at once (held back, then sent
    together): the server merges the pending reruns, and all four taps are applied."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    try:
        page = context.new_page()
        held = HeldRequests(page)
        open_map(page, app_url)
        taps = ONE_VIEW[:4]
        points = [page.evaluate(TAP_POINT, [view, region]) for view, region in taps]
        held.holding = True
        for point in points:
            page.mouse.click(point["x"], point["y"])
            page.mouse.move(0, 0)
            page.wait_for_timeout(600)  # apart enough for plotly not to see a double click
        assert len(held.held) >= len(taps), "each tap asked for a rerun"
        held.release()
        wait_for_regions(page, [r for _, r in taps])
    finally:
        context.close()


def test_a_tap_taken_back_brings_the_untouched_charts_from_the_browsers_cache(browser, app_url):
    """A region tapped and tapped again leaves the other three views' charts as they were
    two runs before: the server sends each as a reference to the copy the browser holds
    (Streamlit's message cache; the app's settings cache elements from 1 kB, the default
    10 kB left these charts out), the browser shows them again, and the drawing is empty."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    frames: list[bytes] = []
    try:
        page = context.new_page()
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived", lambda p: frames.append(p if isinstance(p, bytes) else b"")
            ),
        )
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        open_map(page, app_url)
        point = page.evaluate(TAP_POINT, ["posterior", "left-iliac-crest"])
        page.mouse.click(point["x"], point["y"])
        wait_for_regions(page, ["left-iliac-crest"])
        page.wait_for_function(
            f"() => !({CHART_NAMES})()['left-lateral'].endsWith('nothing marked')"
        )
        page.mouse.move(0, 0)
        page.wait_for_timeout(600)  # apart enough for plotly not to see a double click
        tapped_back = len(frames)
        page.mouse.click(point["x"], point["y"])
        wait_for_regions(page, [])
        # The referenced charts are drawn: every view is named as having nothing marked.
        page.wait_for_function(
            f"() => Object.values(({CHART_NAMES})()).every(n => n.endsWith('nothing marked'))"
        )
    finally:
        context.close()
    messages = [ForwardMsg.FromString(f) for f in frames]
    full = {m.hash: m for m in messages if m.WhichOneof("type") != "ref_hash"}
    referenced = [full[m.ref_hash] for m in messages[tapped_back:] if m.HasField("ref_hash")]
    charts = {
        m.delta.new_element.bidi_component.id.rpartition("chart-")[2]: m.ByteSize()
        for m in referenced
        if "chart-" in m.delta.new_element.bidi_component.id
    }
    assert sorted(charts) == ["anterior", "left-lateral", "right-lateral"]
    assert max(charts.values()) < 10_000
    assert [e for e in errors if "ForwardMsg" in e] == []


#: Page position of the middle tap point of ``region`` on the quiz's chart.
QUIZ_TAP_POINT = """region => {
    const gd = document.querySelector('[class*="st-key-quiz-chart-"] .js-plotly-plot');
    const t = gd.data.find(t => t.meta && t.meta.role === 'tap');
    const mine = t.customdata.map((r, i) => r === region ? i : -1).filter(i => i >= 0);
    const i = mine[Math.floor(mine.length / 2)];
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return {x: box.left + L._size.l + L.xaxis.d2p(t.x[i]),
            y: box.top + L._size.t + L.yaxis.d2p(t.y[i])};
}"""
#: The quiz's chart accepts taps.
QUIZ_READY = """() => {
    const gd = document.querySelector('[class*="st-key-quiz-chart-"] .js-plotly-plot');
    return !!gd && !!gd._fullLayout && gd._fullLayout.clickmode === 'event';
}"""
#: Seed 2's first question is a tap question on the back view.
TAP_SEED = 2


def test_a_quiz_tap_question_takes_finger_taps(browser, app_url):
    """On a tablet, two regions tapped by finger are both listed as marked, and Check is
    enabled."""
    context = browser.new_context(has_touch=True, viewport={"width": 1024, "height": 768})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/quiz?seed={TAP_SEED}")
        page.wait_for_function(QUIZ_READY, timeout=60_000)
        settle(page)
        marked = page.locator(".stMultiSelect [data-tag]")
        for n, region in enumerate(("left-iliac-crest", "left-upper-buttock"), start=1):
            page.locator('[class*="st-key-quiz-chart-"]').scroll_into_view_if_needed()
            point = page.evaluate(QUIZ_TAP_POINT, region)
            page.touchscreen.tap(point["x"], point["y"])
            page.wait_for_function(
                "n => document.querySelectorAll('.stMultiSelect [data-tag]').length === n"
                " && !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                arg=n,
                timeout=30_000,
            )
        settle(page)
        assert [m.get_attribute("aria-label") for m in marked.all()] == [
            "Left iliac crest",
            "Left upper buttock",
        ]
        assert page.locator(".st-key-check").get_by_role("button").is_enabled()
    finally:
        context.close()
