"""Browser benchmark: the app beside the framework's floor, in one headless Chromium run.

    PYTHONPATH=tests python scripts/bench_browser.py [--taps 24]   # prints JSON (ms, bytes)

The floor is ``scripts/floor_app.py``, a one-button Streamlit app: click → updated text,
run twice: with Streamlit's defaults (``floor``, the issue's yardstick) and with the app's
own ``.streamlit/config.toml`` (``floor_same_config``: no full garbage collection after each
run, which alone takes the floor's click from ≈ 110 to ≈ 45 ms here). All three run on
this machine at the same time and are driven the same way: a real mouse click at a point
found beforehand, then ``wait_for_function`` (polled every animation frame) until the page
shows the result. They take turns, one interaction each per round (and one load each per
round), so a slow spell of the machine falls on all of them alike.
Measured:

- ``load``: navigation start → page ready (floor: the button is enabled; app: the four
  map charts are laid out and accept taps), a fresh browser context each time;
- ``click``: floor click → its text changes;
- ``tap``: a tap on a region of the pain map → the ``ranking`` container's text changes;
- ``lasso``: the release of a lasso dragged over the left upper buttock → the ranking
  changes (the drag itself, 40 mouse moves, is not timed);
- ``level``: a click on the Explore page's level ladder → every chart shows the new level;
- ``level_text``: the same click → the page's text names the new level (the rerun is back);
- ``bytes``: WebSocket bytes the browser received per interaction (server → browser).

Medians and 95th percentiles, with the app/floor ratios the issue's targets are set in
(``ratios``: against the yardstick; ``ratios_same_config``: against the tuned floor).
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import statistics
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import harness
from harness import LEVEL_DRAWN, TAP_POINT, TO_PAGE
from playwright.sync_api import TimeoutError as PlaywrightTimeout

#: A tap whose ranking has not changed after this many ms counts as lost.
LOST = 5_000

#: The four views of the pain map are ready when shown and laid out for taps.
MAP_READY = """() => {
    const charts = [...document.querySelectorAll('[class*="st-key-map-"] .js-plotly-plot')];
    return charts.length === 4 && charts.every(gd => gd._fullLayout
        && gd.checkVisibility({visibilityProperty: true})
        && gd._fullLayout.clickmode === 'event' && gd._fullLayout.dragmode === false);
}"""
RANKING = """() => {
    const box = document.querySelector('.st-key-ranking');
    return box ? box.innerText : '';
}"""
#: Regions tapped in turn (each tap toggles one, so every tap changes the drawing).
TAPS = (
    ("anterior", "left-groin"),
    ("posterior", "left-iliac-crest"),
    ("posterior", "left-upper-buttock"),
    ("left-lateral", "left-trochanter"),
)


def summary(samples: Sequence[float]) -> dict[str, float]:
    """Median, 95th percentile (nearest rank), min and max, rounded."""
    ordered = sorted(samples)
    if not ordered:
        return {"n": 0}
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {
        "median": round(statistics.median(ordered), 1),
        "p95": round(p95, 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
        "n": len(ordered),
    }


class Wire:
    """Counts WebSocket bytes received by a page (Chrome DevTools Protocol).

    DevTools reports each frame's payload after permessage-deflate has been undone, so
    ``received`` counts message bytes and ``compressed`` estimates the bytes on the wire by
    deflating every frame on its own with the negotiated 12-bit window (an upper bound: the
    server may also reuse its window across frames).
    """

    def __init__(self, page: Any) -> None:
        self.received = 0
        self.compressed = 0
        session = page.context.new_cdp_session(page)
        session.send("Network.enable")
        session.on("Network.webSocketFrameReceived", self._frame)

    def _frame(self, event: dict[str, Any]) -> None:
        payload = event["response"]["payloadData"]
        binary = event["response"].get("opcode", 1) == 2
        data = base64.b64decode(payload) if binary else payload.encode()
        deflate = zlib.compressobj(6, zlib.DEFLATED, -12)
        self.received += len(data)
        self.compressed += len(deflate.compress(data) + deflate.flush())


def timed(action: Callable[[], None], done: Callable[[], None]) -> float:
    """Milliseconds from just before ``action`` until ``done`` returns."""
    start = time.perf_counter()
    action()
    done()
    return (time.perf_counter() - start) * 1000


@dataclass
class Series:
    """Repeated interactions on one page: milliseconds, message bytes and wire bytes."""

    page: Any
    wire: Wire
    ms: list[float] = field(default_factory=list)
    sizes: list[int] = field(default_factory=list)
    wire_sizes: list[int] = field(default_factory=list)
    then_ms: list[float] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)

    def measure(
        self,
        name: str,
        action: Callable[[], None],
        done: Callable[[], None],
        then: Callable[[], None] | None = None,
    ) -> None:
        """Time ``action`` until ``done`` (and, if given, on until ``then``), let the run
        settle, count the bytes it cost; an interaction whose result never shows (a wait
        times out) is recorded as lost."""
        before, before_wire = self.wire.received, self.wire.compressed
        try:
            self.ms.append(timed(action, done))
            if then is not None:
                self.then_ms.append(self.ms[-1] + timed(lambda: None, then))
        except PlaywrightTimeout:
            self.lost.append(name)
        settle(self.page)
        self.sizes.append(self.wire.received - before)
        self.wire_sizes.append(self.wire.compressed - before_wire)

    def report(self, name: str, then: str = "") -> dict[str, Any]:
        """``name``: timings; ``then``: timings until ``then`` (if measured);
        ``name_bytes``/``name_wire_bytes``; ``lost`` interactions."""
        return {
            name: summary(self.ms),
            **({then: summary(self.then_ms)} if then else {}),
            f"{name}_bytes": summary(self.sizes),
            f"{name}_wire_bytes": summary(self.wire_sizes),
            "lost": self.lost,
        }


def settle(page: Any) -> None:
    """Wait until Streamlit has finished the current run (no 'running' indicator)."""
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000
    )
    page.wait_for_timeout(150)


def fresh_page(browser: Any, url: str, ready: Callable[[Any], None]) -> tuple[Any, Any, float]:
    """A fresh 1440 x 900 page on ``url``: (context, page, ms until ``ready(page)``
    returned), the first run settled."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    load = timed(lambda: page.goto(url), lambda: ready(page))
    settle(page)
    return context, page, load


def centre(locator: Any) -> tuple[float, float]:
    """The page position of the middle of ``locator``'s element, found before the timing
    starts: every interaction is timed from a mouse click at a known point, as the pain
    map's taps are (finding an element by role walks the page's accessibility tree, which
    on a long page costs more than the click)."""
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def floor_ready(page: Any) -> None:
    page.get_by_role("button", name="Click").wait_for(state="visible")


def map_ready(page: Any) -> None:
    page.wait_for_function(MAP_READY, polling="raf", timeout=60_000)


def explore_ready(page: Any) -> None:
    page.wait_for_function(
        "() => { const gd = document.querySelector('.js-plotly-plot');"
        " return gd && gd._fullLayout && gd.data.length > 0; }"
    )


class Floor:
    """The floor app's page: click → its text changes."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context, self.page, _ = fresh_page(browser, url, floor_ready)
        self.series = Series(self.page, Wire(self.page))
        self.point = centre(self.page.get_by_role("button", name="Click"))
        self.clicks = 0

    def step(self) -> None:
        self.clicks += 1
        shown = f"clicked {self.clicks}"
        self.series.measure(
            shown,
            lambda: self.page.mouse.click(*self.point),
            lambda: self.page.wait_for_function(
                f"() => document.querySelector('.st-key-result').innerText.includes('{shown}')",
                polling="raf",
                timeout=LOST,
            ),
        )


class PainMap:
    """The pain map: taps on regions in turn (each toggles one), then one lasso."""

    def __init__(self, browser: Any, url: str) -> None:
        self.context, self.page, _ = fresh_page(browser, url, map_ready)
        self.wire = Wire(self.page)
        self.series = Series(self.page, self.wire)
        self.taps = 0

    def step(self) -> None:
        page = self.page
        view, region = TAPS[self.taps % len(TAPS)]
        self.taps += 1
        before = page.evaluate(RANKING)
        point = page.evaluate(TAP_POINT, [view, region])
        self.series.measure(
            f"{view}:{region}",
            lambda: page.mouse.click(point["x"], point["y"]),
            lambda: page.wait_for_function(
                f"b => ({RANKING})() !== b", arg=before, polling="raf", timeout=LOST
            ),
        )
        map_ready(page)

    def lasso(self) -> dict[str, float]:
        """Switch to Outline, drag a lasso over the left upper buttock; time from the mouse
        button's release (the lasso's end) until the ranking changes."""
        page = self.page
        page.locator(".st-key-tool").get_by_text("Outline", exact=True).click()
        settle(page)
        page.wait_for_function(
            """() => [...document.querySelectorAll('[class*="st-key-map-"] .js-plotly-plot')]
                .every(gd => gd._fullLayout && gd._fullLayout.dragmode === 'lasso')""",
            timeout=30_000,
        )
        xs = [-60 + 45 * math.cos(2 * math.pi * k / 40) for k in range(41)]
        ys = [540 + 35 * math.sin(2 * math.pi * k / 40) for k in range(41)]
        points = page.evaluate(TO_PAGE, ["posterior", xs, ys])
        page.mouse.move(points[0]["x"], points[0]["y"])
        page.mouse.down()
        for p in points[1:]:
            page.mouse.move(p["x"], p["y"])
        before_text, before_bytes, before_wire = (
            page.evaluate(RANKING),
            self.wire.received,
            self.wire.compressed,
        )
        elapsed = timed(
            page.mouse.up,
            lambda: page.wait_for_function(
                f"b => ({RANKING})() !== b", arg=before_text, polling="raf", timeout=30_000
            ),
        )
        settle(page)
        return {
            "ms": round(elapsed, 1),
            "bytes": self.wire.received - before_bytes,
            "wire_bytes": self.wire.compressed - before_wire,
        }


class Explore:
    """The Explore page: clicks on the spine ladder (the ``level`` pills)."""

    LEVELS = ("T11", "T12", "L1", "L2", "L1", "T12", "T11", "T10")

    def __init__(self, browser: Any, url: str) -> None:
        self.context, self.page, _ = fresh_page(browser, url + "/explore?level=T10", explore_ready)
        self.series = Series(self.page, Wire(self.page))
        self.changes = 0

    def step(self) -> None:
        page = self.page
        level = self.LEVELS[self.changes % len(self.LEVELS)]
        self.changes += 1
        ladder = page.get_by_role("radiogroup", name="Spinal level")
        point = centre(ladder.get_by_role("radio", name=level, exact=True))
        self.series.measure(
            level,
            lambda: page.mouse.click(*point),
            lambda: page.wait_for_function(LEVEL_DRAWN, arg=level, polling="raf", timeout=LOST),
            lambda: page.wait_for_function(
                "lv => document.body.innerText.includes(lv + ': pathways')",
                arg=level,
                polling="raf",
                timeout=LOST,
            ),
        )


def ratios(results: dict[str, Any], floor: str) -> dict[str, float]:
    """Median tap, median level change and median load of the app over the floor's."""
    click, load = results[floor]["click"]["median"], results[floor]["load"]["median"]
    return {
        "tap_vs_click_median": round(results["app"]["tap"]["median"] / click, 2),
        "level_vs_click_median": round(results["explore"]["level"]["median"] / click, 2),
        "level_text_vs_click_median": round(results["explore"]["level_text"]["median"] / click, 2),
        "load_vs_floor_load": round(results["app"]["load"]["median"] / load, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--taps", type=int, default=24, help="taps and floor clicks (≥ 20)")
    parser.add_argument("--loads", type=int, default=5, help="page loads of each page")
    args = parser.parse_args(argv)
    with (
        harness.running_app("scripts/floor_app.py", own_config=False) as floor_url,
        harness.running_app("scripts/floor_app.py") as tuned_floor_url,
        harness.running_app() as app_url,
        harness.chromium() as browser,
    ):
        # Warm the servers once (first imports, caches, the Explore ladder's figures, built
        # in the background on a first visit), as a user's second visit would find them.
        for url in (floor_url, tuned_floor_url, app_url, app_url + "/explore?level=T10"):
            page = browser.new_page()
            page.goto(url)
            page.wait_for_timeout(3000)
            page.close()
        loads: dict[str, list[float]] = {"floor": [], "floor_same_config": [], "app": []}
        pages = (("floor", floor_url, floor_ready), ("floor_same_config", tuned_floor_url,
                 floor_ready), ("app", app_url, map_ready))  # fmt: skip
        for _ in range(args.loads):  # in turns, so that the machine's state is shared
            for name, url, ready in pages:
                context, _, load = fresh_page(browser, url, ready)
                loads[name].append(load)
                context.close()
        floor = Floor(browser, floor_url)
        tuned = Floor(browser, tuned_floor_url)
        pain = PainMap(browser, app_url)
        explore = Explore(browser, app_url)
        for n in range(args.taps):  # in turns: each round clicks every page once
            floor.step()
            tuned.step()
            pain.step()
            if n < max(10, args.taps // 2):
                explore.step()
        lasso = pain.lasso()
    results: dict[str, Any] = {
        "floor": {"load": summary(loads["floor"]), **floor.series.report("click")},
        "floor_same_config": {
            "load": summary(loads["floor_same_config"]),
            **tuned.series.report("click"),
        },
        "app": {"load": summary(loads["app"]), **pain.series.report("tap"), "lasso": lasso},
        "explore": explore.series.report("level", then="level_text"),
    }
    results["ratios"] = ratios(results, "floor")
    results["ratios_same_config"] = ratios(results, "floor_same_config")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
