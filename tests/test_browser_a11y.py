"""WCAG 2.2 AA in a real browser: axe-core on every page, titles and headings.

axe-core (``node_modules/axe-core``, installed by ``make test`` from the npm registry with
``npm ci``) is read from disk and injected into each page inline, so nothing is fetched from
another host. A page fails on any serious or critical violation of a WCAG 2.0-2.2 A/AA rule,
and on any skipped heading level or missing h1; the failure lists each rule with the
elements it found.
"""

from __future__ import annotations

from typing import Any

import harness
import pytest
from harness import CHART_NAMES

pytestmark = pytest.mark.browser

AXE = harness.ROOT / "node_modules" / "axe-core" / "axe.min.js"
#: The rule sets checked: WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
#: Heading rules axe files under best practice, checked here as well.
HEADING_RULES = {"heading-order": {"enabled": True}, "page-has-heading-one": {"enabled": True}}
FAILING_IMPACTS = {"serious", "critical"}
#: Every page, in the states that show something more: (path, charts drawn when ready).
PAGES = [
    ("/", 4),
    ("/?drawing=1~r_left-groin_left-iliac-crest", 4),
    ("/explore", 3),
    ("/explore?level=L5&compare=T12&lecture=1", 3),
    ("/quiz?seed=7", 0),
    ("/?mode=patient", 1),
]
TITLES = {
    "/": "Pain map · Referral Map",
    "/explore": "Explore levels · Referral Map",
    "/quiz": "Quiz · Referral Map",
    "/?mode=patient": "Your pain drawing · Referral Map",
}
#: The page's h1 where it is not the page's name (the patient's page asks its question).
H1 = {"/?mode=patient": "Where do you feel pain?"}
READY = """n => {
    const charts = [...document.querySelectorAll('.js-plotly-plot')];
    return charts.length >= n && charts.every(gd => gd._fullLayout && gd.data.length)
        && !document.querySelector('[data-testid="stStatusWidget"]')
        && document.querySelector('h1') !== null;
}"""
RUN_AXE = """async ([tags, rules]) => {
    const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, rules});
    return result.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary})),
    }));
}"""


def open_page(browser: Any, url: str, charts: int) -> Any:
    """A new page at ``url`` (1440 x 900) once its charts are drawn and the run is over."""
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    page.goto(url)
    page.wait_for_function(READY, arg=charts, timeout=60_000)
    page.wait_for_timeout(500)  # the last rerun's elements settle
    return page


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on ``page`` for the WCAG A/AA tags and the heading rules."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN_AXE, [WCAG_TAGS, HEADING_RULES])


def failing(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The violations this suite does not accept: serious or critical, or a heading rule."""
    return [v for v in violations if v["impact"] in FAILING_IMPACTS or v["id"] in HEADING_RULES]


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per violation: rule, impact, help, then each element and why."""
    parts = []
    for v in violations:
        nodes = "\n".join(f"  - {n['target']}\n    {n['summary']}" for n in v["nodes"])
        parts.append(f"{v['id']} ({v['impact']}): {v['help']}\n{nodes}")
    return "\n".join(parts)


@pytest.mark.parametrize(("path", "charts"), PAGES, ids=[p for p, _ in PAGES])
def test_axe_finds_nothing_serious(browser, app_url, path, charts):
    page = open_page(browser, app_url + path, charts)
    try:
        found = failing(axe_violations(page))
    finally:
        page.close()
    assert not found, f"axe-core on {path}:\n{describe(found)}"


@pytest.mark.parametrize("path", list(TITLES))
def test_one_h1_and_a_title_of_its_own(browser, app_url, path):
    page = open_page(browser, app_url + path, 0)
    try:
        page.wait_for_function(f"() => document.title === {TITLES[path]!r}", timeout=10_000)
        h1 = page.evaluate("() => [...document.querySelectorAll('h1')].map(h => h.textContent)")
    finally:
        page.close()
    assert len(h1) == 1, h1
    assert h1[0] == H1.get(path, TITLES[path].split(" · ")[0]), (h1, TITLES[path])


def test_the_check_reports_what_it_finds():
    violations = [
        {"id": "color-contrast", "impact": "serious", "help": "Contrast", "nodes": [
            {"target": ".caption > p", "summary": "Fix: contrast of 3.88"}]},
        {"id": "region", "impact": "moderate", "help": "Landmarks", "nodes": []},
        {"id": "heading-order", "impact": "moderate", "help": "Order", "nodes": []},
    ]  # fmt: skip
    found = failing(violations)
    assert [v["id"] for v in found] == ["color-contrast", "heading-order"]
    assert ".caption > p" in describe(found) and "3.88" in describe(found)


LIVE = '.st-key-ranking-live [aria-live="polite"]'


def test_a_tap_renames_its_chart_lists_the_region_and_is_announced(browser, app_url):
    from harness import TAP_POINT
    from test_browser_taps import SETTLED_ON, open_map

    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        open_map(page, app_url)
        assert page.evaluate(CHART_NAMES) == {
            "anterior": "Anterior view: nothing marked",
            "posterior": "Posterior view: nothing marked",
            "left-lateral": "Left lateral view: nothing marked",
            "right-lateral": "Right lateral view: nothing marked",
        }
        live = page.locator(LIVE).element_handle()
        assert "none yet" in live.text_content()
        assert "nothing yet" in page.locator(".st-key-marked").inner_text()
        point = page.evaluate(TAP_POINT, ["anterior", "left-groin"])
        page.mouse.click(point["x"], point["y"])
        page.wait_for_function(SETTLED_ON, arg=["left-groin"], timeout=30_000)
        page.wait_for_function(
            "el => el.textContent.startsWith('Best-matching levels: 1. ')", arg=live
        )
        # Each chart is its own component, drawn a moment after the results column: wait
        # until the tapped view has a new name, then check every name.
        page.wait_for_function(
            f"() => ({CHART_NAMES})().anterior !== 'Anterior view: nothing marked'"
        )
        names = page.evaluate(CHART_NAMES)
        marked = page.locator(".st-key-marked").inner_text()
        # The same node spoke: a live region announces changes only while it stays mounted.
        assert live.evaluate("node => node.isConnected")
    finally:
        page.close()
    assert names["anterior"].startswith("Anterior view: left groin marked; "), names
    assert names["anterior"].endswith(" zones drawn"), names
    assert names["posterior"].startswith("Posterior view: nothing marked"), names
    assert "left groin" in marked, marked


def test_explore_names_each_view_by_what_it_draws(browser, app_url):
    from referral.app import tables

    page = open_page(browser, f"{app_url}/explore?level=L5&compare=T12", 3)
    try:
        page.wait_for_function(
            "() => [...document.querySelectorAll('[role=\"figure\"]')]"
            ".every(gd => (gd.getAttribute('aria-label') || '').includes('L5'))"
        )
        names = page.evaluate(
            "() => [...document.querySelectorAll('[role=\"figure\"]')]"
            ".map(gd => [gd._fullLayout.meta.view, gd.getAttribute('aria-label')])"
        )
    finally:
        page.close()
    assert names == [
        [view, tables.level_chart_name(view, "L5", ("left",), "T12", False)]
        for view in ("anterior", "posterior", "left-lateral")
    ]


#: The focused element, and whether a ring of at least 2 px shows around it (around its
#: label for a toggle, check box or radio input, which the drawn control hides).
FOCUSED = """() => {
    const e = document.activeElement;
    const hidden = e.tagName === 'INPUT' && ['checkbox', 'radio'].includes(e.type);
    const ring = hidden && e.closest('label') ? e.closest('label') : e;
    const s = getComputedStyle(ring);
    const shown = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2)
        || s.boxShadow !== 'none';
    const name = (e.getAttribute('aria-label') || e.innerText || e.value || '').trim();
    return {tag: e.tagName, name: name.slice(0, 30), shown};
}"""


@pytest.mark.parametrize(
    ("path", "charts"), [("/", 4), ("/explore", 3)], ids=["painmap", "explore"]
)
def test_the_keyboard_focus_is_visible_on_every_control(browser, app_url, path, charts):
    page = open_page(browser, app_url + path, charts)
    seen = []
    try:
        for _ in range(24):
            page.keyboard.press("Tab")
            seen.append(page.evaluate(FOCUSED))
    finally:
        page.close()
    controls = [f for f in seen if f["tag"] not in ("BODY", "MAIN")]
    assert len(controls) >= 10, seen
    assert [f for f in controls if not f["shown"]] == [], seen


#: The level the ladder shows, the option chosen in a keyed radio group, and what has the
#: keyboard focus.
RADIO_STATE = """key => ({
    level: document.querySelector('.st-key-level [aria-checked="true"]').textContent.trim(),
    chosen: document.querySelector(`.st-key-${key} [aria-checked="true"]`).textContent.trim(),
    focused: document.activeElement.textContent.trim(),
})"""


@pytest.mark.parametrize(
    ("key", "first", "second"), [("side", "left", "right"), ("views", "all", "anterior")]
)
def test_arrow_keys_move_within_a_radio_group_not_the_level(browser, app_url, key, first, second):
    page = open_page(browser, f"{app_url}/explore", 3)
    try:
        page.locator(f'.st-key-{key} [role="radio"]', has_text=first).focus()
        before = page.evaluate(RADIO_STATE, key)
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            f"key => ({RADIO_STATE})(key).chosen === {second!r}", arg=key, timeout=30_000
        )
        page.wait_for_function(READY, arg=1, timeout=60_000)
        after = page.evaluate(RADIO_STATE, key)
        # The page's own arrow-key shortcut still steps the level outside the controls.
        page.evaluate("() => document.activeElement.blur()")
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "() => document.querySelector('.st-key-level [aria-checked=\"true\"]')"
            ".textContent.trim() === 'L1'",
            timeout=30_000,
        )
    finally:
        page.close()
    assert before == {"level": "T12", "chosen": first, "focused": first}
    assert after == {"level": "T12", "chosen": second, "focused": second}
