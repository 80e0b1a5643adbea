"""What only a real browser shows on the Explore page: hover labels, ladder clicks, keys.

Runs the app with ``streamlit run`` and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import re

import pytest
from harness import LEVEL_DRAWN
from playwright.sync_api import TimeoutError as PlaywrightTimeout

pytestmark = pytest.mark.browser

CHART = ".js-plotly-plot"
#: Charts are interactive once plotly has laid them out (``_fullLayout`` with our dragmode).
READY = f"""n => {{
    const charts = document.querySelectorAll('{CHART}');
    return charts.length === n && [...charts].every(
        gd => gd._fullLayout && gd._fullLayout.dragmode === false && gd.data.length > 0);
}}"""
#: Pixel position (page coordinates) of the middle tap point of the largest region.
TAP_POINT = """gd => {
    const t = gd.data.find(t => t.meta && t.meta.role === 'tap');
    const counts = {};
    t.customdata.forEach(r => { counts[r] = (counts[r] || 0) + 1; });
    const region = Object.keys(counts).reduce((a, b) => counts[b] > counts[a] ? b : a);
    const idx = t.customdata.map((r, i) => r === region ? i : -1).filter(i => i >= 0);
    const i = idx[Math.floor(idx.length / 2)];
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return {x: box.left + L._size.l + L.xaxis.d2p(t.x[i]),
            y: box.top + L._size.t + L.yaxis.d2p(t.y[i]),
            label: t.text[i].replace(/<[^>]+>/g, ' ').trim(), region};
}"""
#: Nerve names on the charts, as read (line breaks as spaces).
COURSE_LABELS = f"""() => [...document.querySelectorAll('{CHART}')].flatMap(
    gd => gd.data.filter(t => t.meta && t.meta.role === 'course-label')
                 .map(t => t.text[0].replaceAll('<br>', ' ')))"""


@pytest.fixture
def page(browser, app_url):
    """A 1920 x 1080 page on the Explore page, its three default views ready."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{app_url}/explore")
    page.wait_for_function(READY, arg=3, timeout=30_000)
    yield page
    context.close()


def test_three_views_and_a_screenshot(page, tmp_path):
    shot = tmp_path / "explore.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 50_000
    assert page.locator(CHART).count() == 3
    assert page.get_by_text("Educational and decision-support tool, not a diagnosis.").is_visible()
    # a zone is visible without scrolling: the first chart's top is inside the window
    assert page.locator(CHART).first.bounding_box()["y"] < 1080 / 2


def test_hovering_a_region_shows_its_label(page):
    posterior = page.locator(CHART).nth(1)
    target = posterior.evaluate(TAP_POINT)
    page.mouse.move(target["x"], target["y"])
    hover = posterior.locator(".hoverlayer .hovertext")
    hover.wait_for(timeout=5_000)
    assert target["label"] in hover.text_content()


def test_clicking_a_level_on_the_ladder_redraws_and_updates_the_link(page):
    before = page.evaluate(COURSE_LABELS)
    assert any("subcostal" in label for label in before)
    ladder = page.get_by_role("radiogroup", name="Spinal level")
    ladder.get_by_role("radio", name="C2", exact=True).click()
    page.wait_for_function(f"() => ({COURSE_LABELS})().join(' ').includes('greater occipital')")
    page.wait_for_url("**level=C2**")


def settled(page, label: str) -> None:
    """Wait until the page has rerun: a button reads ``label`` and the app is idle."""
    page.wait_for_function(
        """label => [...document.querySelectorAll('button')].some(
               b => b.textContent.includes(label))
           && !document.querySelector('[data-testid="stStatusWidget"]')""",
        arg=label,
        timeout=15_000,
    )


def test_arrow_keys_step_the_ladder(page):
    """Right then left twice: T12 → L1 → T12 → T11, the link following each step."""
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**level=L1**", timeout=15_000)
    settled(page, "L2 ▶")
    page.keyboard.press("ArrowLeft")  # back to T12, the default: the link drops level
    settled(page, "L1 ▶")
    # The link is written by the same rerun, but may reach the address bar a moment after
    # the buttons: wait for it, as for the other steps.
    page.wait_for_function("() => !location.search.includes('level=')", timeout=15_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**level=T11**", timeout=15_000)


class HeldReplies:
    """Holds back the server's WebSocket messages to ``page`` while ``holding`` is set
    (Playwright's WebSocket routing), to show what the browser does on its own."""

    def __init__(self, page) -> None:
        self.holding = False
        self.held: list[str | bytes] = []
        self.socket = None
        page.route_web_socket(re.compile(r".*/_stcore/stream$"), self._route)

    def _route(self, socket) -> None:
        server = socket.connect_to_server()
        self.socket = socket
        server.on_message(lambda m: self.held.append(m) if self.holding else socket.send(m))

    def release(self) -> None:
        self.holding = False
        for message in self.held:
            self.socket.send(message)
        self.held.clear()


#: The ladder element holds every level's figures (built in the background at first); it
#: lists the levels it holds in its ``data-levels`` attribute (plot.js's ``ladder``).
LADDER_FILLED = """() => {
    const ladder = document.querySelector('.st-key-plot-ladder [data-levels]');
    return ladder !== null && ladder.dataset.levels.trim() !== '';
}"""


#: From now on, record the zone levels of every chart redraw in ``window.__redrawn``.
RECORD_REDRAWS = """() => {
    window.__redrawn = [];
    document.querySelectorAll('.js-plotly-plot').forEach(gd => gd.on('plotly_afterplot',
        () => window.__redrawn.push(...new Set(gd.data.filter(t => t.meta
            && t.meta.role === 'zone').map(t => t.meta.level)))));
}"""


def open_with_filled_ladder(page, url: str) -> None:
    """Open ``url`` and reload until its ladder holds every level's figures."""
    for _ in range(30):
        page.goto(url)
        page.wait_for_function(READY, arg=3, timeout=30_000)
        try:
            page.wait_for_function(LADDER_FILLED, timeout=2_000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError("the ladder never held the levels' figures")


def drawn(page, level: str) -> None:
    page.wait_for_function(LEVEL_DRAWN, arg=level, timeout=5_000)


def test_the_views_follow_the_ladder_before_the_server_answers(browser, app_url):
    """A pill, an arrow key and the step buttons each redraw every view at once, from the
    figures the ladder holds, while the server's replies are held back; once they arrive,
    the link and the page's text agree with what was drawn."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    replies = HeldReplies(page)
    open_with_filled_ladder(page, f"{app_url}/explore")
    replies.holding = True
    ladder = page.get_by_role("radiogroup", name="Spinal level")
    ladder.get_by_role("radio", name="L1", exact=True).click()
    drawn(page, "L1")
    page.keyboard.press("ArrowRight")
    drawn(page, "L2")
    page.locator(".st-key-next").get_by_role("button").click()
    drawn(page, "L3")
    page.locator(".st-key-previous").get_by_role("button").click()
    drawn(page, "L2")
    assert replies.held, "the server answered (held back)"
    assert "level=" not in page.url  # nothing from the server yet: still T12's link
    assert page.get_by_role("heading", name="T12: pathways").is_visible()
    page.evaluate(RECORD_REDRAWS)
    replies.release()  # the four reruns arrive, in order; the last one is L2's
    page.wait_for_url("**level=L2**", timeout=15_000)
    page.get_by_role("heading", name="L2: pathways").wait_for(timeout=15_000)
    settled(page, "L3 ▶")
    assert page.evaluate(LEVEL_DRAWN, "L2")
    # the reruns for L1, L2 and L3 did not step the views back on their way
    assert set(page.evaluate("() => window.__redrawn")) <= {"L2"}
    context.close()


def test_arrow_keys_in_a_field_move_its_caret_not_the_ladder(page):
    field = page.locator(".st-key-from input")
    field.click()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Escape")
    page.wait_for_timeout(1_000)
    assert "level=" not in page.url
    assert page.evaluate(LEVEL_DRAWN, "T12")
    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**level=L1**", timeout=15_000)
    drawn(page, "L1")


#: Every trace on the page whose remembered array attributes differ from plotly's own.
ARRAY_ATTRIBUTES_DIFFER = """() => {
    const find = Plotly.PlotSchema.findArrayAttributes;
    if (!find.original) return ['not remembered'];
    return [...document.querySelectorAll('.js-plotly-plot')].flatMap(gd => gd._fullData)
        .filter(t => JSON.stringify(find(t)) !== JSON.stringify(find.original(t)))
        .map(t => JSON.stringify(t.meta));
}"""


def test_remembered_array_attributes_are_plotlys_own(browser, app_url):
    """plot.js remembers which attributes of a trace hold arrays: for every kind of trace
    the pages draw (both sides, a compared level, the dermatome, a drawing, after level
    changes), the answer is plotly's own."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(f"{app_url}/explore?side=both&compare=L1&dermatome=true")
    page.wait_for_function(READY, arg=4, timeout=30_000)
    for level in ("C2", "S1"):
        page.get_by_role("radiogroup", name="Spinal level").get_by_role(
            "radio", name=level, exact=True
        ).click()
        page.get_by_role("heading", name=f"{level}: pathways").wait_for(timeout=15_000)
        settled(page, {"C2": "C3 ▶", "S1": "◀ L5"}[level])
        assert page.evaluate(ARRAY_ATTRIBUTES_DIFFER) == []
    text = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
    page.goto(f"{app_url}/?drawing={text}")
    page.wait_for_function(
        "() => document.querySelectorAll('[class*=\"st-key-map-\"] .js-plotly-plot').length === 4"
        " && [...document.querySelectorAll('.js-plotly-plot')].every(gd => gd._fullData)",
        timeout=30_000,
    )
    assert page.evaluate(ARRAY_ATTRIBUTES_DIFFER) == []
    context.close()
