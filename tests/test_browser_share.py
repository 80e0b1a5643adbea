"""Keeping and sharing in a real browser: the pain map's "Copy link" (and its fallback
where the browser will not copy), the summary's full link, and no chart toolbar button or
link that leaves the machine on any page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_browser_painmap import READY, settle

pytestmark = pytest.mark.browser

DRAWING = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
HREF = "() => location.href"


def open_keep(page: Any, url: str) -> None:
    """Open the pain map on ``url`` and its "Keep and share" section."""
    page.goto(url)
    page.wait_for_function(READY, arg="tap", timeout=60_000)
    settle(page)
    page.locator(".st-key-keep").get_by_role("button", name="Keep and share").click()
    page.locator(".st-key-copy-link button").wait_for(timeout=15_000)


def test_copy_link_puts_the_drawings_link_on_the_clipboard(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    try:
        page = context.new_page()
        open_keep(page, f"{app_url}/?drawing={DRAWING}")
        page.locator(".st-key-copy-link button").click()
        status = page.locator(".st-key-copy-link [role=status]")
        status.filter(has_text="Link copied").wait_for(timeout=5_000)
        copied = page.evaluate("() => navigator.clipboard.readText()")
        assert copied == page.evaluate(HREF)
        assert copied.startswith(app_url) and "drawing=" in copied
        assert page.locator(".st-key-copy-link input").is_hidden()
    finally:
        context.close()


#: The page's clipboard refuses, as on a plain-http address other than localhost.
NO_CLIPBOARD = """Object.defineProperty(navigator, 'clipboard', {
    value: {writeText: () => Promise.reject(new DOMException('denied', 'NotAllowedError'))},
});"""
#: The text selected in the focused field.
SELECTED = """() => { const f = document.activeElement;
    return f && f.value !== undefined ? f.value.slice(f.selectionStart, f.selectionEnd) : ''; }"""


def test_where_the_browser_will_not_copy_the_link_is_shown_selected(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(NO_CLIPBOARD)
    try:
        page = context.new_page()
        open_keep(page, f"{app_url}/?drawing={DRAWING}")
        page.locator(".st-key-copy-link button").click()
        field = page.locator(".st-key-copy-link input")
        field.wait_for(state="visible", timeout=5_000)
        assert field.input_value() == page.evaluate(HREF)
        assert page.evaluate(SELECTED) == page.evaluate(HREF)
        status = page.locator(".st-key-copy-link [role=status]").inner_text()
        assert "did not let the page copy" in status
        page.screenshot(path=str(_shots() / "painmap-copy-link-fallback.png"))
    finally:
        context.close()


def test_the_summary_carries_the_drawings_full_link(browser, app_url):
    context = browser.new_context(viewport={"width": 1440, "height": 900}, accept_downloads=True)
    try:
        page = context.new_page()
        open_keep(page, f"{app_url}/?drawing={DRAWING}")
        with page.expect_download() as info:
            page.locator(".st-key-download-summary").get_by_role("button").click()
        summary = Path(info.value.path()).read_text()
        link = page.evaluate(HREF)
        assert f'Link to this drawing: <a href="{link}">{link}</a>' in summary
    finally:
        context.close()


#: Every chart's toolbar buttons: title, attribute, link and target.
TOOLBAR = """() => [...document.querySelectorAll('.js-plotly-plot .modebar-btn')].map(b => ({
    title: b.getAttribute('data-title'), attr: b.getAttribute('data-attr'),
    href: b.getAttribute('href'), target: b.getAttribute('target')}))"""
#: Toolbar buttons whose action stays in the browser (plotly.js's own titles).
LOCAL_BUTTONS = {
    "Download plot as a PNG",
    "Box Select",
    "Lasso Select",
    "Zoom",
    "Pan",
    "Zoom in",
    "Zoom out",
    "Autoscale",
    "Reset axes",
}
#: Each page, its number of charts, and whether it is seen on a touch screen (a tablet).
PAGES = [
    ("/", 4, False),
    ("/", 1, True),  # a tablet's pain map shows one view at a time
    ("/explore", 3, False),
    ("/quiz?seed=2", 1, False),
    ("/quiz?seed=0", 1, False),
]


@pytest.mark.parametrize(
    ("path", "charts", "touch"),
    PAGES,
    ids=[p + (" touch" if touch else "") for p, _, touch in PAGES],
)
def test_no_chart_toolbar_button_leaves_the_machine(browser, app_url, path, charts, touch):
    """Hovered, each chart shows its toolbar; every button in it acts in the browser (no
    "Share chart…", no link to plotly.com)."""
    size = {"width": 1024, "height": 768} if touch else {"width": 1440, "height": 900}
    context = browser.new_context(viewport=size, has_touch=touch)
    try:
        page = context.new_page()
        page.goto(app_url + path)
        page.wait_for_function(
            """n => { const c = [...document.querySelectorAll('.js-plotly-plot')];
                return c.length >= n && c.every(gd => gd._fullLayout
                    && gd.checkVisibility({visibilityProperty: true})); }""",
            arg=charts,
            timeout=60_000,
        )
        settle(page)
        for chart in page.locator(".js-plotly-plot").all():
            chart.scroll_into_view_if_needed()
            chart.hover()
        buttons = page.evaluate(TOOLBAR)
        print(path, sorted({b["title"] for b in buttons}))
        assert len(buttons) >= charts  # the toolbars were drawn: the check saw them
        for button in buttons:
            assert button["title"] in LOCAL_BUTTONS, button
            assert button["href"] is None and button["target"] is None, button
    finally:
        context.close()


def _shots() -> Path:
    folder = Path(__file__).resolve().parent.parent / "artifacts" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


#: The warning that says the drawing is unchanged: its box, and whether it is in the window.
UNCHANGED_ALERT = """() => {
    const alerts = [...document.querySelectorAll('[data-testid="stAlertContainer"]')]
        .filter(a => a.innerText.includes('drawing is unchanged'));
    return alerts.map(a => { const r = a.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, text: a.innerText}; });
}"""


def _open_ways_in(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_function(READY, arg="tap", timeout=60_000)
    settle(page)
    page.get_by_text("Open a drawing or paste codes").click()
    page.locator(".st-key-codes input").wait_for(timeout=15_000)


def _below(page: Any, field: Any, timeout: float = 15_000) -> dict:
    """The one "drawing is unchanged" warning, once shown: in the window, and starting
    within 120 px below ``field``."""
    page.wait_for_function(f"() => ({UNCHANGED_ALERT})().length > 0", timeout=timeout)
    settle(page)
    alerts = page.evaluate(UNCHANGED_ALERT)
    assert len(alerts) == 1, alerts
    alert, box = alerts[0], field.bounding_box()
    assert alert["top"] >= 0 and alert["bottom"] <= page.viewport_size["height"], alert
    assert box["y"] + box["height"] <= alert["top"] <= box["y"] + box["height"] + 120
    return alert


@pytest.mark.parametrize("size", [(1440, 900), (1024, 768)])
def test_file_and_code_errors_show_next_to_their_field_in_plain_words(browser, app_url, size):
    """A picture given as a drawing file, then unknown codes: each time one warning, just
    below the uploader or the codes field and in sight, in the page's words."""
    width, height = size
    context = browser.new_context(viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        _open_ways_in(page, f"{app_url}/?drawing={DRAWING}")
        uploader = page.locator('[data-testid="stFileUploader"]')
        uploader.scroll_into_view_if_needed()
        uploader.locator("input[type=file]").set_input_files(
            {"name": "scan.json", "mimeType": "application/json", "buffer": b"\x89PNG\x8f\x00"}
        )
        dropzone = uploader.locator('[data-testid="stFileChip"]')
        dropzone.wait_for(timeout=15_000)
        alert = _below(page, uploader)
        assert "not text" in alert["text"] and "codec" not in alert["text"]
        page.screenshot(path=str(_shots() / f"painmap-upload-error-{width}.png"))

        codes = page.locator(".st-key-codes input")
        codes.fill("218, 999")
        page.locator(".st-key-use-codes").get_by_role("button").click()
        page.wait_for_function(
            f"() => ({UNCHANGED_ALERT})().some(a => a.text.includes('CHOIR Body Map'))",
            timeout=15_000,
        )
        alert = _below(page, page.locator(".st-key-use-codes"))
        assert "Not on the map: 999" in page.locator(".st-key-codes-problem").inner_text()
    finally:
        context.close()
