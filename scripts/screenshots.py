"""Render the real figures and the running app to PNGs in docs/screenshots/ (headless Chromium).

    PYTHONPATH=tests python scripts/screenshots.py   # or make screenshots (tests/harness.py):
        # views, t12, painmap (four window sizes), patient, explore, explore-lecture, quiz

views.png and t12.png are built straight from the figures (an HTML page holding plotly.js
inline, so nothing is fetched from the network); app*.png are taken from ``streamlit run``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import harness
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from referral import figures, schema
from referral.atlas import load_atlas
from referral.body import load_body
from referral.regions import load_regions

OUT = harness.ROOT / "docs" / "screenshots"
PANEL_WIDTH = 460
#: The drawing of the classic thoracolumbar pattern on the left, in the URL's text form.
T12_DRAWING = "1~r_left-groin_left-iliac-crest_left-trochanter_left-upper-buttock"
#: At least ``n`` charts, all shown and drawn (the pain map keeps its views hidden until the
#: browser has said how big its window is).
READY_AT_LEAST = """n => {
    const charts = document.querySelectorAll('.js-plotly-plot');
    return charts.length >= n && [...charts].every(gd => gd._fullLayout && gd.data.length
        && gd.checkVisibility({visibilityProperty: true}));
}"""
READY = """n => {
    const charts = document.querySelectorAll('.js-plotly-plot');
    return charts.length === n && [...charts].every(gd => gd._fullLayout && gd.data.length);
}"""


def figure_page(figs: Sequence[dict], width: int = PANEL_WIDTH) -> str:
    """An HTML page showing ``figs`` side by side, plotly.js inlined (works offline)."""
    divs = "".join(
        f'<div style="width:{width}px">'
        + go.Figure(fig).to_html(
            full_html=False, include_plotlyjs=False, config={"staticPlot": True}
        )
        + "</div>"
        for fig in figs
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        f"<script>{get_plotlyjs()}</script></head>"
        '<body style="margin:0;background:white">'
        f'<div style="display:flex;gap:8px;padding:8px">{divs}</div></body></html>'
    )


def render(browser: object, html: str, count: int, path: Path) -> None:
    """Screenshot ``html`` (holding ``count`` charts) to ``path``."""
    page = browser.new_page(  # type: ignore[attr-defined]
        viewport={"width": count * (PANEL_WIDTH + 8) + 8, "height": 700}
    )
    page.set_content(html)
    page.wait_for_function(READY, arg=count)
    page.screenshot(path=str(path), full_page=True)
    page.close()


#: The patient's drawing: the same places, two of them rated.
PATIENT_DRAWING = T12_DRAWING + "~i_left-groin.6_left-iliac-crest.7"
#: (file, path and query, viewport, charts to wait for, button to press first or None);
#: below 1200 px wide by touch, as a tablet or phone.
APP_SHOTS = (
    ("painmap.png", "/?drawing=" + T12_DRAWING, (1440, 900), len(schema.VIEWS), None),
    ("painmap-1024x768.png", "/?drawing=" + T12_DRAWING, (1024, 768), 1, None),
    ("painmap-768x1024.png", "/?drawing=" + T12_DRAWING, (768, 1024), 1, None),
    ("painmap-390x844.png", "/?drawing=" + T12_DRAWING, (390, 844), 1, None),
    ("patient.png", "/?mode=patient&drawing=" + PATIENT_DRAWING, (1024, 768), 1, None),
    ("patient-done.png", "/?mode=patient&drawing=" + PATIENT_DRAWING, (1024, 768), 1, "I'm done"),
    ("explore.png", "/explore?level=T12", (1440, 900), 1, None),
    ("explore-lecture.png", "/explore?level=T12&lecture=1", (1280, 720), 1, None),
    ("quiz.png", "/quiz?seed=7", (1440, 900), 1, None),
)


def app_shots(browser: object, url: str) -> None:
    """Screenshot each page of the running app (``APP_SHOTS``)."""
    for name, path, (width, height), charts, press in APP_SHOTS:
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, has_touch=width < 1200
        )
        page = context.new_page()
        page.goto(url + path)
        page.wait_for_function(READY_AT_LEAST, arg=charts, timeout=30_000)
        if press is not None:
            page.get_by_role("button", name=press).click()
            page.locator(".st-key-pt-qr img").wait_for(timeout=30_000)
        page.wait_for_timeout(500)  # let fonts and the last rerun settle
        page.screenshot(path=str(OUT / name))
        context.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshots; ``--no-app`` skips starting the app."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-app", action="store_true", help="only the figure screenshots")
    args = parser.parse_args(argv)
    body, regions, atlas = load_body(), load_regions(), load_atlas()
    OUT.mkdir(parents=True, exist_ok=True)
    bases = {v: figures.view_base(body, regions, v) for v in schema.VIEWS}
    views = [figures.compose(bases[v], height=660) for v in schema.VIEWS]
    t12 = [
        figures.compose(
            bases[v],
            [figures.level_layer(atlas, bases[v], "T12", sides=("left",), course_labels=True)],
            height=780,
            legend=True,
            legend_height=120,
        )
        for v in ("posterior", "anterior", "left-lateral")
    ]
    with harness.chromium() as browser:
        render(browser, figure_page(views), len(views), OUT / "views.png")
        render(browser, figure_page(t12), len(t12), OUT / "t12.png")
        if not args.no_app:
            with harness.running_app() as url:
                app_shots(browser, url)
    written = ["views.png", "t12.png", *([] if args.no_app else [shot[0] for shot in APP_SHOTS])]
    print(f"wrote {written} to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
