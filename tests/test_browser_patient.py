"""Patient mode on a tablet, by finger, and back to the clinician: the round trip.

The patient opens ``?mode=patient`` on an iPad (touch emulation), taps three places on the
back and one on their left side, rates one, and presses I'm done; the link the page shows
opens the clinician's pain map with the same drawing (same places, same rating), ranked as
the core ranks it. No request leaves the machine on the way.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from catalogue import CHARTS_DRAWN, regions
from test_browser_layout import cut_off
from test_browser_painmap import DRAWING_TRACES, ranked, settle
from test_browser_privacy import outside
from test_browser_taps import tap_point, wait_for_regions

from referral import patient
from referral.atlas import load_atlas
from referral.drawing import Drawing
from referral.matching import AtlasIndex, rank_levels

pytestmark = pytest.mark.browser

BACK = ("left-iliac-crest", "left-upper-buttock", "left-low-back")
SIDE = "left-trochanter"
RATED, RATING = "left-iliac-crest", 7
IPAD = {"width": 1024, "height": 768}
CLASSIC = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
#: The chart of ``view`` takes taps, at the height the page gives a window of this size.
VIEW_READY = """([view, height]) => {
    const gd = document.querySelector(`.st-key-map-${view} .js-plotly-plot`);
    return !!gd && !!gd._fullLayout && gd._fullLayout.clickmode === 'event'
        && gd._fullLayout.height === height;
}"""
LEVEL_NAME = re.compile(r"\b[CTLS]\d{1,2}\b")


def open_view(page: Any, view: str) -> None:
    """Wait until ``view`` is shown at its final size and takes taps."""
    height, _ = patient.layout(IPAD["width"], IPAD["height"])
    page.wait_for_function(VIEW_READY, arg=[view, height], timeout=60_000)
    settle(page)


def tap(page: Any, view: str, region: str, tapped: list[str]) -> None:
    point = tap_point(page, view, region)
    page.touchscreen.tap(point["x"], point["y"])
    tapped.append(region)
    wait_for_regions(page, tapped)


def pain_map_drawing(page: Any) -> Drawing:
    """The drawing the pain map holds (it writes its drawing into its link)."""
    text = page.evaluate("() => new URLSearchParams(location.search).get('drawing')")
    return Drawing.from_text(text, regions())


def test_a_patients_drawing_opens_unchanged_in_the_pain_map(browser, app_url):
    requests: list[str] = []
    context = browser.new_context(has_touch=True, viewport=IPAD)
    context.on("request", lambda request: requests.append(request.url))
    try:
        page = context.new_page()
        page.goto(f"{app_url}/?mode=patient")
        page.locator(".st-key-pt-view").get_by_text("Back", exact=True).tap()
        open_view(page, "posterior")
        tapped: list[str] = []
        for region in BACK:
            tap(page, "posterior", region, tapped)
        page.locator(".st-key-pt-view").get_by_text("Your left side", exact=True).tap()
        open_view(page, "left-lateral")
        tap(page, "left-lateral", SIDE, tapped)
        pills = page.locator(f'[class*="st-key-pt-rate-"][class*="-{RATED}"]')
        pills.get_by_text(str(RATING), exact=True).tap()
        page.wait_for_function(
            "part => (new URLSearchParams(location.search).get('drawing') || '').includes(part)",
            arg=f"i_{RATED}.{RATING}",
            timeout=30_000,
        )
        settle(page)
        said = page.inner_text("body")
        assert not LEVEL_NAME.search(said), LEVEL_NAME.findall(said)
        page.get_by_role("button", name="I'm done").tap()
        page.locator(".st-key-pt-qr img").wait_for(timeout=30_000)
        link = page.locator(".st-key-pt-link").inner_text().strip()
        assert link.startswith(f"{app_url}/?drawing=") and "mode=" not in link

        expected = Drawing.from_regions(tapped, regions()).with_intensity(RATED, RATING, regions())
        clinic = context.new_page()
        clinic.set_viewport_size({"width": 1440, "height": 900})
        clinic.goto(link)
        clinic.wait_for_function(CHARTS_DRAWN, timeout=60_000)
        settle(clinic)
        assert pain_map_drawing(clinic) == expected
        for view in ("posterior", "left-lateral"):  # the drawing is drawn where it was tapped
            assert clinic.evaluate(DRAWING_TRACES, view) >= 1
        ranking = rank_levels(expected, AtlasIndex(load_atlas(), regions()))
        assert ranked(clinic)[:3] == [m.level for m in ranking.matched(3)]
        assert not outside(requests, app_url)
    finally:
        context.close()


@pytest.mark.parametrize("size", [(390, 844), (768, 1024), (1024, 768)])
def test_nothing_on_the_patients_page_sticks_out_of_a_tablet_or_phone(browser, app_url, size):
    """Marking and I'm done: every control lies inside the window's width."""
    width, height = size
    context = browser.new_context(has_touch=True, viewport={"width": width, "height": height})
    try:
        page = context.new_page()
        page.goto(f"{app_url}/?mode=patient&drawing={CLASSIC}")
        page.wait_for_function(
            VIEW_READY, arg=["anterior", patient.layout(width, height)[0]], timeout=60_000
        )
        settle(page)
        assert cut_off(page) == []
        page.get_by_role("button", name="I'm done").tap()
        page.locator(".st-key-pt-qr img").wait_for(timeout=30_000)
        settle(page)
        assert cut_off(page) == []
    finally:
        context.close()
