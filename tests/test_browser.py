"""What only a real browser shows on the Explore page: hover labels, ladder clicks, keys.

Runs the app with ``streamlit run`` and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import pytest

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
            label: t.hovertext[i].replace(/<[^>]+>/g, ' ').split('  ')[0].trim(), region};
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
    assert "level=" not in page.url
    page.keyboard.press("ArrowLeft")
    page.wait_for_url("**level=T11**", timeout=15_000)
