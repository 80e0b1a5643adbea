"""What only a real browser shows: hover labels, the legend after a level change, layout.

Runs the app with ``streamlit run`` and drives Debian's Chromium through Playwright.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

CHART = ".js-plotly-plot"
#: Charts are interactive once plotly has laid them out (``_fullLayout`` with our dragmode).
READY = f"""() => {{
    const charts = document.querySelectorAll('{CHART}');
    return charts.length === 4 && [...charts].every(
        gd => gd._fullLayout && gd._fullLayout.dragmode === false && gd.data.length > 0);
}}"""
#: Pixel position (page coordinates) of the middle grid point of the largest region.
GRID_POINT = """gd => {
    const grids = gd.data.filter(t => t.meta && t.meta.role === 'grid');
    const t = grids.reduce((a, b) => (b.x.length > a.x.length ? b : a));
    const i = Math.floor(t.x.length / 2);
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return {x: box.left + L._size.l + L.xaxis.d2p(t.x[i]),
            y: box.top + L._size.t + L.yaxis.d2p(t.y[i]),
            label: t.name, region: t.customdata[i]};
}"""
LEGEND = f"""() => [...document.querySelectorAll('{CHART}')].map(
    gd => [...gd.querySelectorAll('.legendtext')].map(e => e.textContent).join(' | '))"""


@pytest.fixture
def page(browser, app_url):
    """A 1920 x 1080 page (lecture projector size) on the Explore page, charts ready."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.goto(app_url)
    page.wait_for_function(READY, timeout=30_000)
    yield page
    context.close()


def test_four_charts_and_a_screenshot(page, tmp_path):
    shot = tmp_path / "explore.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    assert page.locator(CHART).count() == 4
    assert page.get_by_text("Educational and decision-support tool, not a diagnosis.").is_visible()


def test_hovering_a_region_shows_its_label(page):
    posterior = page.locator(CHART).nth(1)
    target = posterior.evaluate(GRID_POINT)
    page.mouse.move(target["x"], target["y"])
    hover = posterior.locator(".hoverlayer .hovertext")
    hover.wait_for(timeout=5_000)
    assert target["label"] in hover.text_content()


def test_changing_the_level_updates_the_legend_and_url(page):
    before = page.evaluate(LEGEND)
    assert "Superior cluneal" in " ".join(before)
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("Home")  # first level: C2
    page.wait_for_function(f"() => ({LEGEND})().join(' ').includes('Greater occipital')")
    after = page.evaluate(LEGEND)
    assert after != before
    assert "dorsal ramus" in " ".join(after)
    page.wait_for_url("**level=C2**")
