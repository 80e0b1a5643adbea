"""Streamlit pages run headless through AppTest; widgets are found by key.

The Explore page's figures are checked through their traces: branch courses start at their
level's spinous process and end in their own zones; a compared level is drawn hatched
beside the first; the dermatome adds its band and key point.
"""

from __future__ import annotations

import time

import pytest
import shapely
from catalogue import chart_figures, charts_by_key, ladder_figures
from harness import ROOT
from shapely.geometry import Point
from streamlit.testing.v1 import AppTest

from referral import schema
from referral.app import links, sharing, stepping, tables
from referral.atlas import load_atlas
from referral.body import load_body

APP = ROOT / "app.py"
PAGES = sorted((ROOT / "referral" / "app" / "pages").glob("*.py"))
EXPLORE = ROOT / "referral" / "app" / "pages" / "explore.py"
DISCLAIMER = "Educational and decision-support tool, not a diagnosis."
TIMEOUT = 30


def run(script=EXPLORE, **query: str | list[str]) -> AppTest:
    """Run a page (or the app) once with ``query`` as URL parameters."""
    at = AppTest.from_file(str(script), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def text(at: AppTest) -> str:
    """All Markdown, captions and headers of the page as one string."""
    parts = [*at.markdown, *at.caption, *at.header, *at.title]
    return "\n".join(p.value for p in parts)


def charts(at: AppTest) -> list[dict]:
    """The figure JSON of every plotly chart on the page."""
    return chart_figures(at)


def traces(at: AppTest, role: str, view: str | None = None) -> list[dict]:
    """Traces with ``meta.role == role`` (in ``view`` when given) over every chart."""
    return [
        t
        for spec in charts(at)
        if view is None or spec["layout"]["meta"]["view"] == view
        for t in spec["data"]
        if (t.get("meta") or {}).get("role") == role
    ]


def level_of(at: AppTest) -> str:
    return at.button_group(key="level").value


@pytest.fixture(scope="module")
def atlas():
    return load_atlas()


@pytest.mark.parametrize("page", [APP, *PAGES], ids=lambda p: p.stem)
def test_page_runs_without_exceptions(page):
    at = run(page)
    assert not at.exception, [e.value for e in at.exception]
    assert DISCLAIMER in text(at)


def test_explore_defaults_to_t12_left_without_a_blank_view():
    at = run()
    assert level_of(at) == "T12"
    assert at.button_group(key="side").value == "left"
    assert at.toggle(key="lecture").value is False
    assert not at.warning
    views = [s["layout"]["meta"]["view"] for s in charts(at)]
    assert views == ["anterior", "posterior", "left-lateral"]  # right-lateral would be empty
    assert "superior cluneal" in text(at).lower()
    assert at.query_params == {}  # defaults keep the link plain


def test_the_ladder_labels_every_level():
    ladder = run().button_group(key="level")
    assert [option.content for option in ladder.proto.options] == list(schema.LEVELS)


def test_choosing_c2_on_the_ladder_shows_the_greater_occipital_nerve():
    at = run()
    assert "greater occipital" not in text(at).lower()
    at.button_group(key="level").set_value("C2").run()
    assert not at.exception
    assert "greater occipital" in text(at).lower()
    assert at.query_params["level"] == "C2"
    labels = [t["text"][0].replace("<br>", " ") for t in traces(at, "course-label")]
    assert any("greater occipital" in label.lower() for label in labels)


def test_previous_and_next_step_the_ladder_and_the_link():
    at = run()
    at.button(key="next").click().run()
    assert level_of(at) == "L1" and at.query_params["level"] == "L1"
    at.button(key="previous").click().run()
    at.button(key="previous").click().run()
    assert level_of(at) == "T11" and at.query_params["level"] == "T11"
    first = run(level="C2")
    first.button(key="previous").click().run()
    assert level_of(first) == "C2"


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"compare": "L1", "dermatome": "true", "side": "both"},
        {"lecture": "true", "views": "lateral"},
    ],
    ids=["defaults", "compare-dermatome-both", "lecture-lateral"],
)
def test_the_ladder_holds_what_the_page_draws_at_every_level(query):
    """The browser draws a level from the ladder's figures before the rerun is back: they
    must be the figures the page draws at that level, and stay the same while the level
    moves (so they travel once)."""
    at = run(**query)
    held = ladder_figures(at)
    deadline = time.monotonic() + TIMEOUT
    while not held and time.monotonic() < deadline:  # built in the background meanwhile
        time.sleep(0.2)
        held = ladder_figures(at.run())
    assert list(held) == list(schema.LEVELS)
    for level in ("T12", "L1", "C2", "S3"):  # L1 is also the compared level
        at.button_group(key="level").set_value(level).run()
        assert held[level] == charts_by_key(at)
        assert ladder_figures(at) == held


@pytest.mark.parametrize(
    ("query", "widgets", "link"),
    [
        ({"level": "t11"}, {"level": "T11"}, {"level": "T11"}),
        (
            {"level": "L1", "side": "both", "lecture": "1", "dermatome": "TRUE"},
            {"level": "L1", "side": "both", "lecture": True, "dermatome": True},
            {"level": "L1", "side": "both", "lecture": "true", "dermatome": "true"},
        ),
        (
            {"compare": "l1", "views": "posterior", "play": "off", "from": "t9", "to": "L3"},
            {"compare": "L1", "views": "posterior", "play": False, "from": "T9", "to": "L3"},
            {"compare": "L1", "views": "posterior", "from": "T9", "to": "L3"},
        ),
    ],
)
def test_a_link_opens_its_state_and_is_written_back_canonically(query, widgets, link):
    at = run(**query)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning
    for key, value in widgets.items():
        assert at.session_state[key] == value, key
    assert dict(at.query_params) == link


def test_every_setting_change_is_written_to_the_link():
    at = run()
    at.selectbox(key="compare").set_value("L1").run()
    at.toggle(key="dermatome").set_value(True).run()
    at.button_group(key="views").set_value("posterior").run()
    assert dict(at.query_params) == {"compare": "L1", "dermatome": "true", "views": "posterior"}
    again = run(**at.query_params)
    assert charts(again) == charts(at)  # the link reproduces the figures exactly
    at.toggle(key="dermatome").set_value(False).run()
    assert "dermatome" not in at.query_params


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("level", "X9"),
        ("side", "middle"),
        ("lecture", "maybe"),
        ("compare", "T13"),
        ("level", "![x](http://example.invalid/p.png)"),
    ],
)
def test_tampered_link_warns_in_plain_text_and_falls_back(key, value):
    at = run(**{key: value})
    assert not at.exception
    assert len(at.warning) == 1 and f"**{key}**" in at.warning[0].value
    assert value[:20] not in at.warning[0].value  # the link's text is not rendered as markdown
    assert any(value[:20] in t.value for t in at.text)  # but shown as plain text
    assert level_of(at) == "T12"
    assert key not in at.query_params


def test_a_repeated_parameter_uses_the_last_value_and_says_so():
    at = run(level=["L5", "t6"])
    assert level_of(at) == "T6"
    assert any("2 times" in w.value for w in at.warning)


def test_both_sides_show_all_four_views_and_more_zones():
    left, both = run(side="left"), run(side="both")
    assert len(charts(both)) == 4
    assert len(traces(both, "zone")) > len(traces(left, "zone"))


@pytest.mark.parametrize("level", ["T12", "L1", "C2", "T7"])
def test_branch_courses_start_at_their_level_and_end_in_their_zones(atlas, level):
    """Each course begins beside its own spinous process and finishes in its zones."""
    at = run(level=level, views="posterior")
    spinous = load_body().landmarks["posterior"].point(f"spinous-{level}")
    zones = atlas.level_zones(level, view="posterior")
    courses = traces(at, "course", "posterior")
    assert courses
    for course in courses:
        assert course["meta"]["level"] == level
        xs = [x for x in course["x"] if x is not None]
        ys = [y for y in course["y"] if y is not None]
        start, end = Point(xs[0], ys[0]), Point(xs[-1], ys[-1])
        assert start.distance(Point(spinous)) < schema.cm(4), (level, course["meta"])
        own = zones[zones["pathway"] == course["meta"]["pathway"]]["geometry"]
        assert shapely.union_all(own.to_numpy()).buffer(schema.cm(1)).contains(end)
        assert course["line"]["dash"] == (
            "solid" if course["meta"]["ramus"] == "dorsal" else "dash"
        )


def test_course_labels_name_the_nerves_on_the_figure():
    labels = [t["text"][0].replace("<br>", " ") for t in traces(run(), "course-label")]
    assert any("subcostal" in label for label in labels)
    assert any("lateral branch" in label for label in labels)


def test_compare_overlay_holds_both_levels_distinguishable_without_colour():
    at = run(compare="L1")
    zones = traces(at, "zone")
    assert {z["meta"]["level"] for z in zones} == {"T12", "L1"}
    compared = [z for z in zones if z["meta"]["level"] == "L1"]
    assert all(z["meta"]["style"] == "compare" for z in compared)
    assert all(
        z["fillpattern"]["shape"] == "x" and z["line"]["dash"] == "longdash" for z in compared
    )
    assert all(z["meta"]["style"] == "primary" for z in zones if z["meta"]["level"] == "T12")
    assert "hatched" in text(at)


def test_comparing_a_level_with_itself_draws_it_once():
    zones = traces(run(compare="T12"), "zone")
    assert {z["meta"]["style"] for z in zones} == {"primary"}


def test_dermatome_contrast_draws_the_band_and_names_the_map():
    at = run(dermatome="true")
    bands = traces(at, "dermatome")
    assert bands and all(b["meta"]["level"] == "T12" for b in bands)
    assert {s["layout"]["meta"]["view"] for s in charts(at) if any(
        (t.get("meta") or {}).get("role") == "dermatome" for t in s["data"])} == {
        "anterior", "posterior", "left-lateral"}  # fmt: skip
    stars = traces(at, "dermatome-point", "anterior")
    assert stars and "inguinal ligament" in stars[0]["hovertemplate"]
    page = text(at)
    assert "ISNCSCI" in page and "Lee" in page and "Keegan" in page
    assert "Stringer" in page  # the dermatome sources are listed


def test_lecture_mode_enlarges_fonts_and_lines_and_tucks_controls_away():
    normal, lecture = run(), run(lecture="1")
    assert charts(lecture)[0]["layout"]["font"]["size"] >= 20
    width = {
        name: max(t["line"]["width"] for t in traces(at, "course"))
        for name, at in (("normal", normal), ("lecture", lecture))
    }
    assert width["lecture"] > width["normal"]
    styles = [e.proto.body for e in lecture.get("html")]
    assert any("max(20px, 1em)" in s for s in styles)
    assert not any("max(20px, 1em)" in e.proto.body for e in normal.get("html"))
    assert lecture.button_group(key="level") in lecture.sidebar.button_group
    assert not lecture.title  # the level heading replaces the page title


def test_play_advances_one_level_per_interval_within_its_range():
    at = run(play="1", level="L2", **{"from": "T10", "to": "L2"})
    assert at.toggle(key="play").value is True
    assert level_of(at) == "L2"  # the first frame is shown for a full interval
    at.session_state["_play_last"] = 0.0  # an interval has passed
    at.run()
    assert level_of(at) == "T10"  # looped back to the start of the range
    assert at.query_params["level"] == "T10"


@pytest.mark.parametrize(
    ("level", "start", "end", "expected"),
    [("T10", "T10", "L2", "T11"), ("L2", "T10", "L2", "T10"), ("C5", "L2", "T10", "T10")],
)
def test_play_next(level, start, end, expected):
    assert stepping.play_next(level, start, end) == expected


def test_link_values_leave_defaults_out():
    params = [
        links.Param("level", links.LEVEL, "T12", "a level"),
        links.Param("lecture", links.boolean, "false", "on or off"),
    ]
    assert sharing.link_values(params, {"level": "T12", "lecture": False}) == {}
    assert sharing.link_values(params, {"level": "S1", "lecture": True}) == {
        "level": "S1",
        "lecture": "true",
    }


def test_pathway_table_has_colour_swatches_not_only_words(atlas):
    table = tables.pathway_table(atlas, "T12")
    assert table.count('role="img"') == (atlas.pathways["level"] == "T12").sum() == 4
    assert "#0072B2" in table and "dashed line" in table and "solid line" in table


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
