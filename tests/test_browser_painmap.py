"""The Pain map in a real browser: taps, a lasso, erase, undo, reload, a tampered link and
the downloads. Runs the app with ``streamlit run`` and drives Debian's Chromium.

Screenshots go to ``artifacts/screenshots/`` (git-ignored; ``painmap.png`` at 1440 x 900);
``make screenshots`` writes the ones the README shows.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path
from typing import Any

import pytest
from catalogue import chart_figures
from harness import ROOT, TAP_POINT, TO_PAGE
from streamlit.testing.v1 import AppTest

from referral import report, schema
from referral.app import results
from referral.atlas import load_atlas
from referral.body import load_body
from referral.drawing import Drawing
from referral.matching import AtlasIndex, rank_levels
from referral.published import confirmed_sentence, drawn_alike, load_published_cases
from referral.regions import load_regions

pytestmark = pytest.mark.browser

SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VIEWPORT = {"width": 1440, "height": 900}
CHARTS = '[class*="st-key-map-"] .js-plotly-plot'
THORACOLUMBAR = {"T11", "T12", "L1", "L2"}
TAPS = (
    ("anterior", "left-groin"),
    ("posterior", "left-iliac-crest"),
    ("posterior", "left-upper-buttock"),
    ("left-lateral", "left-trochanter"),
)
#: The map's charts (four; one where the window is narrow and the page shows one view at a
#: time) are shown, laid out and accept input with ``mode`` ("tap" or "lasso").
READY = f"""mode => {{
    const charts = [...document.querySelectorAll('{CHARTS}')];
    const shown = document.querySelector('.st-key-one-view') ? 1 : 4;
    return charts.length === shown && charts.every(gd => gd._fullLayout
        && gd.checkVisibility({{visibilityProperty: true}}) && (mode === 'tap'
        ? gd._fullLayout.clickmode === 'event' && gd._fullLayout.dragmode === false
        : gd._fullLayout.dragmode === 'lasso'));
}}"""
RANKING = (
    "() => { const b = document.querySelector('.st-key-ranking'); return b ? b.innerText : ''; }"
)
#: A signature of what the four charts show (each trace's role, length and sum of x: two
#: drawings' outlines can have as many points).
SIGNATURE = f"""() => [...document.querySelectorAll('{CHARTS}')].map(gd => (gd.data || []).map(
    t => ((t.meta && t.meta.role) || '')
        + (t.x ? t.x.length + ':' + t.x.reduce((a, v) => a + (v || 0), 0) : 0)
).join(',')).join('|')"""
#: True once the four charts are laid out, differ from ``before`` and have not changed for
#: ``QUIET_MS`` (a changed figure is a new chart element in Streamlit: it is re-created, and
#: a tap before it is ready is lost).
QUIET_MS = 400
REDRAWN = f"""before => {{
    const charts = [...document.querySelectorAll('{CHARTS}')];
    if (charts.length !== 4 || !charts.every(gd => gd._fullLayout)) return false;
    const sig = ({SIGNATURE})(), now = performance.now();
    const w = window.__redrawn;
    if (!w || w.sig !== sig) {{ window.__redrawn = {{sig, since: now}}; return false; }}
    return sig !== before && now - w.since >= {QUIET_MS};
}}"""
DRAWING_TRACES = """view => {
    const gd = document.querySelector(`.st-key-map-${view} .js-plotly-plot`);
    return gd.data.filter(t => t.meta && t.meta.role === 'drawing').length;
}"""


#: The config a view is drawn with: whether plotly's logo is shown, and the PNG's file name.
CHART_CONFIG = """view => {
    const gd = document.querySelector(`.st-key-map-${view} .js-plotly-plot`);
    return [gd._context.displaylogo, gd._context.toImageButtonOptions.filename];
}"""


@pytest.fixture
def page(browser, app_url):
    """A 1440 x 900 page; ``page.console`` collects the browser console's messages."""
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    page.console = []
    page.on("console", lambda message: page.console.append(message.text))
    yield page
    context.close()


def open_map(page: Any, url: str, mode: str = "tap") -> None:
    page.goto(url)
    page.wait_for_function(READY, arg=mode, timeout=60_000)
    settle(page)


def settle(page: Any) -> None:
    """Wait until Streamlit has finished its run (no 'running' indicator)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )


#: Whether the link's ``drawing`` is absent, equals or contains ``value`` (``location`` is
#: read in the page: Playwright's ``page.url`` misses Streamlit's ``history.pushState``).
LINK_IS = """([mode, value]) => {
    const d = new URLSearchParams(location.search).get('drawing');
    return mode === 'absent' ? d === null
         : mode === 'equals' ? d === value
         : d !== null && d.includes(value);
}"""


def drawing_param(page: Any) -> str | None:
    """The link's ``drawing`` parameter as the page sees it."""
    return page.evaluate("() => new URLSearchParams(location.search).get('drawing')")


def act(page: Any, action: Any, mode: str, value: str = "") -> None:
    """Do ``action``, then wait until the link's drawing is ``absent``, ``equals`` or
    ``contains`` ``value`` and the four charts have been redrawn."""
    before = page.evaluate(SIGNATURE)
    action()
    page.wait_for_function(LINK_IS, arg=[mode, value], timeout=30_000)
    page.wait_for_function(REDRAWN, arg=before, polling=100, timeout=30_000)


def ranked(page: Any) -> list[str]:
    """Levels of the ranking's lines ``1. T12 …`` in order (checks the numbering)."""
    lines = [ln.strip() for ln in page.evaluate(RANKING).splitlines() if ln.strip()[:1].isdigit()]
    numbers = [ln.split(".", 1)[0] for ln in lines]
    assert numbers == [str(i) for i in range(1, len(lines) + 1)], lines
    return [ln.split(".", 1)[1].split()[0] for ln in lines]


def choose_tool(page: Any, label: str, mode: str) -> None:
    page.locator(".st-key-tool").get_by_text(label, exact=True).click()
    page.wait_for_function(READY, arg=mode, timeout=30_000)
    settle(page)


def drag(page: Any, view: str, xs: list[float], ys: list[float]) -> None:
    """Drag the mouse along a closed path given in ``view``'s data coordinates."""
    points = page.evaluate(TO_PAGE, [view, xs, ys])
    page.mouse.move(points[0]["x"], points[0]["y"])
    page.mouse.down()
    for p in points[1:]:
        page.mouse.move(p["x"], p["y"], steps=2)
    page.mouse.up()


def circle(view: str, rid: str, radius: float, n: int = 36) -> tuple[list[float], list[float]]:
    x, y = load_regions().label_point(view, rid)
    angles = [2 * math.pi * k / n for k in range(n + 1)]
    return [x + radius * math.cos(a) for a in angles], [y + radius * math.sin(a) for a in angles]


def test_the_toolbar_and_four_views_fit_a_shared_screen_unscrolled(browser, app_url):
    """At 1280 x 720, a lecture's shared screen, the tools and all four views are in sight."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        page = context.new_page()
        open_map(page, app_url)
        boxes = [page.locator(CHARTS).nth(i).bounding_box() for i in range(4)]
        boxes.append(page.locator(".st-key-tool").bounding_box())
        for b in boxes:
            assert b and b["y"] >= 0 and b["y"] + b["height"] <= 720, b
            assert b["x"] >= 0 and b["x"] + b["width"] <= 1280, b
    finally:
        context.close()


def test_tapping_the_classic_pattern_ranks_a_thoracolumbar_level_first(page, app_url):
    """Taps, then reload, back and forward: the link restores drawing and ranking."""
    open_map(page, app_url)
    for box in page.locator(CHARTS).all():  # the four views fit the screen unscrolled
        b = box.bounding_box()
        assert b and b["y"] >= 0 and b["y"] + b["height"] <= VIEWPORT["height"]
        assert b["x"] >= 0 and b["x"] + b["width"] <= VIEWPORT["width"]
    for view, region in TAPS:
        point = page.evaluate(TAP_POINT, [view, region])
        act(page, lambda point=point: page.mouse.click(point["x"], point["y"]), "contains", region)
    assert set(drawing_param(page).split("~")[1].split("_")[1:]) == {r for _, r in TAPS}
    levels = ranked(page)
    assert levels[0] in THORACOLUMBAR
    page.wait_for_function(READY, arg="tap")
    assert page.evaluate(DRAWING_TRACES, "posterior") == 1
    # Every redrawn chart is a new plotly element; a WebGL context per chart and redraw
    # exhausts the browser's contexts and the oldest view goes blank.
    assert not [m for m in page.console if "WebGL contexts" in m]
    # Redrawn without its config (unchanged, so not passed again), each view keeps it.
    for view in schema.VIEWS:
        assert page.evaluate(CHART_CONFIG, view) == [False, f"pain-map-{view}"]
    page.mouse.move(0, 0)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "painmap.png"))

    text, link = page.evaluate(RANKING), drawing_param(page)
    page.reload()
    page.wait_for_function(READY, arg="tap", timeout=60_000)
    page.wait_for_function(f"t => ({RANKING})() === t", arg=text, timeout=30_000)
    assert drawing_param(page) == link

    three = Drawing.from_regions([r for _, r in TAPS[:3]], load_regions()).to_text()
    act(page, page.go_back, "equals", three)  # the browser's history holds every step
    assert page.evaluate(RANKING) != text
    act(page, page.go_forward, "equals", link)
    assert page.evaluate(RANKING) == text


def test_the_opened_regions_list_follows_taps_and_takes_typed_names(page, app_url):
    """The regions section, once opened, stays open across taps and lists what is tapped;
    a region's name typed into it and Enter marks that region (the keyboard way)."""
    open_map(page, app_url)
    section = page.locator(".st-key-regions-section")
    section.locator("summary").click()
    field = section.locator(".stMultiSelect").get_by_role("combobox")
    field.wait_for()
    for view, region in TAPS[:2]:
        point = page.evaluate(TAP_POINT, [view, region])
        act(page, lambda point=point: page.mouse.click(point["x"], point["y"]), "contains", region)
    chosen = section.get_by_role("group", name="Selected values").locator("[data-tag]")
    page.wait_for_function(
        "n => document.querySelectorAll('.st-key-regions-section [data-tag]').length === n",
        arg=2,
    )
    assert [c.get_attribute("aria-label") for c in chosen.all()] == [
        "Left groin",
        "Left iliac crest",
    ]

    def type_a_name() -> None:
        field.focus()
        page.keyboard.type("Left troch")
        page.get_by_role("option", name="Left trochanter").wait_for()
        page.keyboard.press("Enter")

    act(page, type_a_name, "contains", "left-trochanter")
    assert "left-trochanter" in drawing_param(page)


def test_outline_erase_and_undo_with_the_lasso(page, app_url):
    open_map(page, app_url)
    choose_tool(page, "Outline", "lasso")
    xs, ys = circle("posterior", "left-upper-buttock", 14)
    act(page, lambda: drag(page, "posterior", xs, ys), "contains", "~o_p_")
    outlined = drawing_param(page)
    assert ranked(page)
    assert page.evaluate(DRAWING_TRACES, "posterior") == 1
    page.mouse.move(0, 0)
    page.screenshot(path=str(SCREENSHOTS / "painmap-outline.png"))

    choose_tool(page, "Erase", "lasso")
    xs, ys = circle("posterior", "left-upper-buttock", 40)
    act(page, lambda: drag(page, "posterior", xs, ys), "absent")
    assert ranked(page) == []
    assert "Mark where it hurts" in page.evaluate(RANKING)

    undo = page.locator(".st-key-undo").get_by_role("button")
    act(page, undo.click, "equals", outlined)
    assert ranked(page)


def test_the_browser_draws_exactly_the_figures_the_page_composed(page, app_url):
    """plot.js rebuilds each figure from its patch and the view's base: what plotly is
    given equals what :func:`referral.figures.compose` made (read back through AppTest)."""
    text = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
    open_map(page, f"{app_url}/?drawing={text}")
    drawn = page.evaluate(
        f"""() => [...document.querySelectorAll('{CHARTS}')].map(gd => gd.__referral.figure)"""
    )
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.query_params["drawing"] = text
    composed = chart_figures(at.run())
    assert [f["layout"]["meta"]["view"] for f in drawn] == list(schema.VIEWS)
    assert drawn == json.loads(json.dumps(composed))


def test_a_tampered_link_warns_and_keeps_what_it_can(page, app_url):
    open_map(page, app_url + "/?drawing=1~r_left-groin_left-flan")
    alert = page.get_by_text("could not be read in full")
    assert alert.is_visible()
    assert page.get_by_text("From the link: 1~r_left-groin_left-flan").is_visible()
    assert drawing_param(page) == Drawing.from_regions(["left-groin"], load_regions()).to_text()
    assert ranked(page)


def test_downloads_give_the_drawing_and_a_printable_summary(page, app_url, tmp_path):
    text = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
    open_map(page, f"{app_url}/?drawing={text}")
    levels = ranked(page)
    page.locator(".st-key-keep").get_by_role("button", name="Keep and share").click()
    with page.expect_download() as info:
        page.locator(".st-key-download-drawing").get_by_role("button").click()
    exported = json.loads(Path(info.value.path()).read_text())
    regions = {f["properties"]["region"] for f in exported["features"]}
    assert regions == set(text.split("~")[1].split("_")[1:])

    with page.expect_download() as info:
        page.locator(".st-key-download-summary").get_by_role("button").click()
    summary = Path(info.value.path()).read_text()
    assert info.value.suggested_filename == "pain-summary.html"
    for level in levels[:3]:
        assert f". {level} — score" in summary
    assert "not a diagnosis" in summary and "<svg" in summary
    for loader in ("<script", "<link", "src=", "url(", "@import"):  # self-contained
        assert loader not in summary.lower()
    saved = tmp_path / "summary.html"
    saved.write_text(summary)
    page.goto(saved.as_uri())
    page.screenshot(path=str(SCREENSHOTS / "painmap-summary.png"), full_page=True)
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 1  # prints on one page


#: The published cases whose summary may take two pages: more marked regions than this.
ONE_PAGE_REGIONS = 11


def test_the_summary_of_each_published_case_prints_on_one_page(browser):
    """One A4 page for every published case of up to ``ONE_PAGE_REGIONS`` marked regions
    (all but the 18-region bilateral one): a long reason list, three flags, the candidate
    sources, what the published cases drawn alike confirmed (each case finds itself) or 30
    references must not push the summary onto a second page. The references are the page's
    own (:func:`results.matched_source_ids`)."""
    regions, atlas, index = load_regions(), load_atlas(), AtlasIndex(load_atlas(), load_regions())
    cases = json.loads(schema.PUBLISHED_CASES_FILE.read_text())["cases"]
    published = load_published_cases()
    page = browser.new_page()
    longer = {}
    for case in cases:
        if not case["regions"] or len(case["regions"]) > ONE_PAGE_REGIONS:
            continue
        drawing = Drawing.from_regions(case["regions"], regions)
        ranking = rank_levels(drawing, index)
        top = [m.level for m in ranking.matched(report.TOP)]
        page.set_content(
            report.summary_html(
                drawing,
                ranking,
                load_body(),
                regions,
                citations=atlas.citations(results.matched_source_ids(atlas, ranking, top)),
                disclaimer="Educational and decision-support tool, not a diagnosis.",
                created=dt.datetime(2026, 11, 23, tzinfo=dt.UTC),
                published=confirmed_sentence(
                    drawn_alike(ranking.painful_regions, published), atlas.family_labels()
                ),
            )
        )
        pages = len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4")))
        if pages != 1:
            longer[case["id"]] = pages
    page.close()
    assert longer == {}


def test_codes_pasted_in_the_opened_section_replace_the_drawing(page, app_url):
    """The section is written only once opened (a tap does not re-send it): opening it in
    the browser shows the uploader and the codes field, and pasted codes take effect."""
    open_map(page, app_url + "/")
    assert page.locator(".st-key-codes input").count() == 0
    page.get_by_text("Open a drawing or paste codes").click()
    codes = page.locator(".st-key-codes input")
    codes.wait_for(timeout=15_000)
    assert page.get_by_text("Drawing file (GeoJSON)").is_visible()
    codes.fill("218, 223")
    use = page.locator(".st-key-use-codes").get_by_role("button")
    act(page, use.click, "contains", "~r_")
    assert ranked(page)
