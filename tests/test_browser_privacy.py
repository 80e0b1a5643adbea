"""No request leaves the machine: every request a page makes goes to the app's own address.

Each page is loaded in a fresh browser context and used until its charts are drawn; every
HTTP request and WebSocket is recorded, and any whose origin is not the app's fails.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.browser

#: Schemes that never touch the network.
LOCAL_SCHEMES = {"data", "blob", "about"}
CHARTS_DRAWN = """n => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')];
    return charts.length >= n && charts.every(gd => gd._fullLayout);
}"""
PAGES = [
    ("/", 4),
    ("/?drawing=1~r_left-groin_left-iliac-crest", 4),
    ("/explore", 1),
    ("/quiz", 0),
    ("/?mode=patient&drawing=1~r_left-groin_left-iliac-crest", 1),
]


def outside(urls: list[str], app_url: str) -> list[str]:
    """The URLs whose origin is not the app's (scheme-less local URLs excepted)."""
    app = urlparse(app_url)
    found = []
    for url in urls:
        parsed = urlparse(url)
        if parsed.scheme in LOCAL_SCHEMES:
            continue
        if (parsed.hostname, parsed.port) != (app.hostname, app.port):
            found.append(url)
    return found


@pytest.mark.parametrize(("path", "charts"), PAGES, ids=[p for p, _ in PAGES])
def test_every_request_stays_on_the_apps_address(browser, app_url, path, charts):
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("websocket", lambda ws: requests.append(ws.url))
    context.on("serviceworker", lambda worker: requests.append(worker.url))
    try:
        page.goto(app_url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(CHARTS_DRAWN, arg=charts, timeout=60_000)
        page.wait_for_function(
            "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
        )
        _hover_every_chart(page)
        page.wait_for_timeout(500)
    finally:
        context.close()
    assert any(urlparse(u).path.endswith("/_stcore/stream") for u in requests), requests
    assert outside(requests, app_url) == []


def _hover_every_chart(page: Any) -> None:
    """Move over each chart (hover labels and the modebar load nothing more)."""
    for chart in page.locator(".js-plotly-plot").all():
        box = chart.bounding_box()
        if box:
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_the_check_catches_an_outside_request():
    urls = ["http://127.0.0.1:8501/static/a.js", "https://fonts.gstatic.com/x.woff2", "data:,x"]
    assert outside(urls, "http://127.0.0.1:8501") == ["https://fonts.gstatic.com/x.woff2"]
