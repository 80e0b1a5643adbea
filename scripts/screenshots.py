"""Render the real figures and the running app to PNGs in docs/screenshots/ (headless Chromium).

    PYTHONPATH=tests python scripts/screenshots.py   # or make screenshots (tests/harness.py)

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
READY_AT_LEAST = """n => {
    const charts = document.querySelectorAll('.js-plotly-plot');
    return charts.length >= n && [...charts].every(gd => gd._fullLayout && gd.data.length);
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


#: (file, path and query, viewport, charts to wait for)
APP_SHOTS = (
    ("painmap.png", "/?drawing=" + T12_DRAWING, (1440, 900), len(schema.VIEWS)),
    ("explore.png", "/explore?level=T12", (1440, 900), 1),
    ("explore-lecture.png", "/explore?level=T12&lecture=1", (1280, 720), 1),
    ("quiz.png", "/quiz?seed=7", (1440, 900), 1),
)


def app_shots(browser: object, url: str) -> None:
    """Screenshot each page of the running app (``APP_SHOTS``)."""
    for name, path, (width, height), charts in APP_SHOTS:
        context = browser.new_context(viewport={"width": width, "height": height})  # type: ignore[attr-defined]
        page = context.new_page()
        page.goto(url + path)
        page.wait_for_function(READY_AT_LEAST, arg=charts, timeout=30_000)
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
    print(f"wrote {sorted(p.name for p in OUT.glob('*.png'))} to {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
