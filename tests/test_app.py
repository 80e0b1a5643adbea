"""Streamlit pages run headless through AppTest; widgets are found by key."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from referral import schema
from referral.app import tables
from referral.app.harness import ROOT

APP = ROOT / "app.py"
PAGES = sorted((ROOT / "referral" / "app" / "pages").glob("*.py"))
EXPLORE = ROOT / "referral" / "app" / "pages" / "explore.py"
DISCLAIMER = "Educational and decision-support tool, not a diagnosis."
TIMEOUT = 30


def run(script=EXPLORE, **query: str) -> AppTest:
    """Run a page (or the app) once with ``query`` as URL parameters."""
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def text(at: AppTest) -> str:
    """All Markdown, captions and headers of the page as one string."""
    parts = [*at.markdown, *at.caption, *at.subheader, *at.title]
    return "\n".join(p.value for p in parts)


def charts(at: AppTest) -> list[dict]:
    """The figure JSON of every plotly chart on the page."""
    return [json.loads(e.proto.spec) for e in at.get("plotly_chart")]


@pytest.mark.parametrize("page", [APP, *PAGES], ids=lambda p: p.stem)
def test_page_runs_without_exceptions(page):
    at = run(page)
    assert not at.exception, [e.value for e in at.exception]
    assert DISCLAIMER in text(at)


def test_explore_defaults_to_t12_left():
    at = run()
    assert at.select_slider(key="level").value == "T12"
    assert at.get("button_group")[0].value == "left"
    assert at.toggle(key="lecture").value is False
    assert not at.warning
    specs = charts(at)
    assert len(specs) == len(schema.VIEWS)
    assert [s["layout"]["meta"]["view"] for s in specs] == list(schema.VIEWS)
    assert "superior cluneal" in text(at).lower()


def test_choosing_c2_shows_the_greater_occipital_nerve():
    at = run()
    assert "greater occipital" not in text(at).lower()
    at.select_slider(key="level").set_value("C2").run()
    assert not at.exception
    assert "greater occipital" in text(at).lower()
    legends = [t["name"] for s in charts(at) for t in s["data"] if t.get("showlegend")]
    assert any("dorsal ramus" in name.replace("<br>", " ") for name in legends)


def test_link_with_a_level_opens_it():
    at = run(level="L1", side="both", lecture="true")
    assert at.select_slider(key="level").value == "L1"
    assert at.toggle(key="lecture").value is True
    assert not at.warning
    assert charts(at)[0]["layout"]["font"]["size"] >= 20


@pytest.mark.parametrize(
    ("key", "value"), [("level", "X9"), ("side", "middle"), ("lecture", "maybe")]
)
def test_tampered_link_warns_and_falls_back(key, value):
    at = run(**{key: value})
    assert not at.exception
    assert len(at.warning) == 1 and value in at.warning[0].value
    assert at.select_slider(key="level").value == "T12"
    assert "T12: pathways" in text(at)


def test_both_sides_draw_more_zones_than_one():
    def zones(at: AppTest) -> int:
        return sum(
            1 for s in charts(at) for t in s["data"] if (t.get("meta") or {}).get("role") == "zone"
        )

    assert zones(run(side="both")) > zones(run(side="left"))


def test_lecture_toggle_enlarges_the_figures():
    at = run()
    normal = charts(at)[0]["layout"]["font"]["size"]
    at.toggle(key="lecture").set_value(True).run()
    assert charts(at)[0]["layout"]["font"]["size"] > normal


@pytest.mark.parametrize(
    ("text", "levels"),
    [
        ("T11\u2013L2 primary, weaker L3", {"T11", "T12", "L1", "L2", "L3"}),
        ("the C2-3 joint", {"C2", "C3"}),
        ("C1 is motor only", set()),
        ("up to L5 (Konno)", {"L5"}),
        ("S3-4", {"S3"}),
    ],
)
def test_levels_mentioned(text, levels):
    assert tables.levels_mentioned(text) == levels
