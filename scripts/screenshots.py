"""Render the real figures and the running app to PNGs in docs/screenshots/ (headless Chromium).

    python scripts/screenshots.py            # views.png, t12.png, app.png, app-lecture.png

views.png and t12.png are built straight from the figures (an HTML page holding plotly.js
inline, so nothing is fetched from the network); app*.png are taken from ``streamlit run``.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from referral import figures, schema
from referral.app import harness
from referral.atlas import load_atlas
from referral.body import load_body
from referral.regions import load_regions

OUT = harness.ROOT / "docs" / "screenshots"
PANEL_WIDTH = 460
READY = """n => {
    const charts = document.querySelectorAll('.js-plotly-plot');
    return charts.length === n && [...charts].every(gd => gd._fullLayout && gd.data.length);
}"""


def figure_page(figs: Sequence[go.Figure], width: int = PANEL_WIDTH) -> str:
    """An HTML page showing ``figs`` side by side, plotly.js inlined (works offline)."""
    divs = "".join(
        f'<div style="width:{width}px">'
        + fig.to_html(full_html=False, include_plotlyjs=False, config={"staticPlot": True})
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


def app_shots(browser: object, url: str) -> None:
    """Screenshot the Explore page at 1920 x 1080, normal and lecture mode."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})  # type: ignore[attr-defined]
    page = context.new_page()
    for name, query in (("app.png", ""), ("app-lecture.png", "?lecture=true")):
        page.goto(url + query)
        page.wait_for_function(READY, arg=len(schema.VIEWS), timeout=30_000)
        page.screenshot(path=str(OUT / name))
    context.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the screenshots; ``--no-app`` skips starting the app."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-app", action="store_true", help="only the figure screenshots")
    args = parser.parse_args(argv)
    body, regions, atlas = load_body(), load_regions(), load_atlas()
    OUT.mkdir(parents=True, exist_ok=True)
    views = [figures.body_figure(body, regions, v) for v in schema.VIEWS]
    t12 = []
    for view in ("posterior", "anterior", "left-lateral"):
        fig = figures.body_figure(body, regions, view)
        t12.append(figures.add_level(fig, atlas, "T12", view, sides=("left",)))
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
