"""The Pain map page run headless through AppTest: widgets by key, figures by their JSON.

Chart selections cannot be simulated here (tests/test_selection.py covers the handler and
tests/test_browser_painmap.py the real clicks); everything else the page offers is driven.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from catalogue import chart_figure, chart_figures, index
from harness import ROOT
from streamlit.testing.v1 import AppTest

from referral import report, schema
from referral.app import plot, results
from referral.atlas import load_atlas
from referral.drawing import Drawing
from referral.matching import rank_levels
from referral.regions import load_regions

PAGE = ROOT / "referral" / "app" / "pages" / "painmap.py"
TIMEOUT = 30
CLASSIC = ["left-groin", "left-iliac-crest", "left-trochanter", "left-upper-buttock"]


def text_of(ids: list[str], intensity: dict[str, int] | None = None) -> str:
    """The link's text of the regions ``ids`` with ``intensity`` (region id → 0-10)."""
    drawing = Drawing.from_regions(ids, load_regions())
    for rid, value in (intensity or {}).items():
        drawing = drawing.with_intensity(rid, value, load_regions())
    return drawing.to_text()


CLASSIC_TEXT = text_of(CLASSIC)
THORACOLUMBAR = {"T11", "T12", "L1", "L2"}
LINE = re.compile(r"^(\d+)\\?\. \*\*([CTLS]\d{1,2})\*\*", re.MULTILINE)


def run(**query: str) -> AppTest:
    """Run the page once with ``query`` as its link's parameters."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def ranked(at: AppTest) -> list[str]:
    """The levels of the ranking's text lines (``1. T12 …``), in order."""
    for block in at.markdown:
        found = LINE.findall(block.value)
        if found:
            assert [int(n) for n, _ in found] == list(range(1, len(found) + 1))
            return [level for _, level in found]
    return []


def charts(at: AppTest) -> dict[str, dict[str, Any]]:
    """Figure JSON of each map chart, by view."""
    specs = chart_figures(at)
    return {spec["layout"]["meta"]["view"]: spec for spec in specs}


def roles(spec: dict[str, Any], role: str) -> list[dict[str, Any]]:
    return [t for t in spec["data"] if (t.get("meta") or {}).get("role") == role]


def link(at: AppTest) -> str | None:
    value = at.query_params.get("drawing")
    return value[-1] if isinstance(value, list) else value


def plain_texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def markdown_texts(at: AppTest) -> str:
    parts = [*at.markdown, *at.caption, *at.header, *at.warning, *at.info]
    return "\n".join(p.value for p in parts)


def keyed(widgets: Any, prefix: str) -> Any:
    """The one widget whose key starts with ``prefix`` (keys of widgets that mirror the
    drawing carry a generation number: ``regions-3``)."""
    (widget,) = [w for w in widgets if (w.key or "").startswith(prefix)]
    return widget


def opened(at: AppTest, key: str) -> AppTest:
    """Run with the section (expander or popover) keyed ``key`` open.

    AppTest does not send a section's open state back as a browser does, so the next run
    closes it again: open it before each use of what it holds.
    """
    at.session_state[key] = True
    return ok(at.run())


def marked(at: AppTest) -> Any:
    """The regions list (its section opened)."""
    return keyed(opened(at, "regions-section").multiselect, "regions-")


def rating(at: AppTest) -> Any:
    """The intensity of the region picked for rating (its section opened)."""
    return keyed(opened(at, "regions-section").selectbox, "rate-value-")


def keyed_containers(at: AppTest) -> dict[str, Any]:
    """The page's containers by key (a keyed block's id ends in ``-<key>``)."""
    found: dict[str, Any] = {}

    def walk(node: Any) -> None:
        block_id = getattr(getattr(node, "proto", None), "id", "")
        if isinstance(block_id, str) and block_id.startswith("$$ID-"):
            found[block_id.split("-", 2)[2]] = node
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found


def inner(node: Any, kind: str) -> list[Any]:
    """Elements of type ``kind`` anywhere inside ``node``."""
    found = [node] if getattr(node, "type", None) == kind else []
    for child in getattr(node, "children", {}).values():
        found += inner(child, kind)
    return found


def mark_classic(at: AppTest) -> AppTest:
    marked(at).set_value(CLASSIC)
    return ok(at.run())


# --- the page -----------------------------------------------------------------------------


def test_empty_page_shows_four_views_and_says_what_it_is():
    at = ok(run())
    specs = charts(at)
    assert list(specs) == list(schema.VIEWS)
    for spec in specs.values():
        assert len(roles(spec, "tap")) == 1
        assert not roles(spec, "drawing") and not roles(spec, "zone")
        assert (spec["layout"]["clickmode"], spec["layout"]["dragmode"]) == ("event", False)
    assert at.segmented_control(key="tool").value == "tap"
    assert ranked(at) == []
    text = markdown_texts(at)
    assert "Mark where it hurts" in text
    assert "not a diagnosis" in text
    assert report.TOP3_ACCURACY in text
    assert link(at) is None
    assert not at.warning


def test_each_chart_sits_in_its_keyed_container_and_the_ranking_in_its_own():
    at = mark_classic(run())
    boxes = keyed_containers(at)
    for view in schema.VIEWS:
        (chart,) = inner(boxes[f"map-{view}"], "bidi_component")
        assert chart_figure(chart, at)["layout"]["meta"]["view"] == view
    lines = [m.value for m in inner(boxes["ranking"], "markdown")]
    assert LINE.findall("\n".join(lines))


def test_marking_the_classic_pattern_ranks_a_thoracolumbar_level_first():
    at = mark_classic(run())
    levels = ranked(at)
    assert levels[0] in THORACOLUMBAR
    assert len(levels) == 5
    assert link(at) == CLASSIC_TEXT
    specs = charts(at)
    assert roles(specs["posterior"], "drawing")
    zones = roles(specs["posterior"], "zone")
    assert zones and {z["meta"]["level"] for z in zones} == {levels[0]}
    assert {z["meta"]["style"] for z in zones} == {"primary"}
    assert f"Why {levels[0]}" in markdown_texts(at)
    # Faint, dotted zones are drawn (fringe); the legend says what they are.
    assert {z["line"]["dash"] for z in zones} == {"solid", "dot"}
    assert "fringe faintly with a dotted edge" in markdown_texts(at)


def test_the_best_match_comes_with_its_examination_guide_written_when_opened():
    at = mark_classic(run())
    best = ranked(at)[0]

    def guide() -> str:
        (section,) = [e for e in at.expander if e.label == f"From match to examination: {best}"]
        return "\n".join(m.value for m in section.markdown)

    assert guide() == ""  # closed: not written, so a tap does not re-send it
    at.session_state[f"guide-{best}"] = True  # what opening the section does
    ok(at.run())
    assert "**Examination**" in guide() and "*Evidence:*" in guide()


def candidates_text(at: AppTest) -> str:
    """The Markdown headed ``Sources to consider`` (empty when there is none)."""
    found = [m.value for m in at.markdown if m.value.startswith("## Sources to consider")]
    assert len(found) <= 1
    return found[0] if found else ""


def section_markdown(at: AppTest, label: str) -> str:
    """The Markdown written in the section (expander) ``label``: empty while it is closed."""
    (section,) = [e for e in at.expander if e.label == label]
    return "\n".join(m.value for m in section.markdown)


def test_sources_to_consider_come_with_their_tests_and_what_separates_them():
    at = ok(run(drawing=text_of(["left-occiput", "left-suboccipital"])))
    listed = candidates_text(at)
    assert "third occipital nerve" in listed and "Greater occipital nerve" in listed
    assert listed.count("*Test:*") == 3
    assert "cannot tell these apart" in listed

    assert section_markdown(at, "What separates them") == ""  # closed: not written
    at.session_state["separates"] = True
    text = section_markdown(ok(at.run()), "What separates them")
    assert "Third occipital nerve block" in text and "Greater occipital nerve block" in text
    assert "*Examine:*" in text and "*Evidence:*" in text and "*Sources:*" in text
    lord = results.escape_markdown(load_atlas().citations(["lord1994ton"])[0])
    assert lord in text  # the third occipital block's source, cited in full
    assert report.SOURCE_ACCURACY in "\n".join(c.value for c in at.caption)


def test_sources_that_fit_less_well_are_named_after_the_first_three():
    buttock = ["left-upper-buttock", "left-medial-buttock", "left-lower-buttock"]
    listed = candidates_text(ok(run(drawing=text_of(buttock))))
    assert listed.count("*Test:*") == 3
    (less,) = [line for line in listed.splitlines() if line.startswith("*Fit less well:*")]
    assert "zygapophyseal joint (as well: L5\u2013S1 zygapophyseal joint" in less
    assert "Middle cluneal nerve" in less
    occipital = candidates_text(ok(run(drawing=text_of(["left-occiput", "left-suboccipital"]))))
    assert "Fit less well" not in occipital  # the other sources explain none of it


def test_an_empty_drawing_lists_no_sources():
    at = ok(run())
    assert candidates_text(at) == ""
    assert not [e for e in at.expander if e.label == "What separates them"]


def test_runner_up_and_both_are_one_click_away():
    at = mark_classic(run())
    best, runner = ranked(at)[:2]
    at.segmented_control(key="show").set_value("runner-up").run()
    zones = roles(charts(ok(at))["posterior"], "zone")
    assert {z["meta"]["level"] for z in zones} == {runner}
    at.segmented_control(key="show").set_value("both").run()
    zones = roles(charts(ok(at))["posterior"], "zone")
    styles = {(z["meta"]["level"], z["meta"]["style"]) for z in zones}
    assert styles == {(best, "primary"), (runner, "compare")}


def test_zones_are_drawn_on_the_painful_side_only():
    at = mark_classic(run())
    anterior = charts(at)["anterior"]
    xs = [x for z in roles(anterior, "zone") for x in z["x"] if x is not None]
    assert xs and min(xs) >= 0 < max(xs)  # anterior view: the patient's left is at x > 0


def test_undo_and_clear():
    at = mark_classic(run())
    marked(at).set_value(CLASSIC[:2]).run()
    assert link(ok(at)) == text_of(CLASSIC[:2])
    at.button(key="undo").click().run()
    assert link(ok(at)) == CLASSIC_TEXT
    assert marked(at).value == CLASSIC
    at.button(key="clear").click().run()
    assert link(ok(at)) is None
    assert marked(at).value == []
    at.button(key="undo").click().run()
    assert link(ok(at)) == CLASSIC_TEXT


def test_the_tool_switch_changes_how_the_charts_take_input():
    at = ok(run())
    at.segmented_control(key="tool").set_value("outline").run()
    for spec in charts(ok(at)).values():
        assert spec["layout"]["dragmode"] == "lasso"
    at.segmented_control(key="tool").set_value("erase").run()
    assert all(s["layout"]["dragmode"] == "lasso" for s in charts(ok(at)).values())
    at.segmented_control(key="tool").set_value("tap").run()
    assert all(s["layout"]["dragmode"] is False for s in charts(ok(at)).values())


def test_rating_a_region_goes_into_the_link_and_can_be_undone():
    at = mark_classic(run())
    opened(at, "regions-section").selectbox(key="rate-region").set_value("left-groin").run()
    rating(at).set_value(7).run()
    assert link(ok(at)) == text_of(CLASSIC, {"left-groin": 7})
    rating(at).set_value("not rated").run()
    assert link(ok(at)) == CLASSIC_TEXT


# --- the link -----------------------------------------------------------------------------


def test_a_link_restores_the_drawing_and_its_ranking():
    tapped = mark_classic(run())
    opened = ok(run(drawing=CLASSIC_TEXT))
    assert marked(opened).value == CLASSIC
    assert ranked(opened) == ranked(tapped)
    assert not opened.warning


def test_a_link_with_an_outline_restores_it_exactly():
    regions = load_regions()
    x, y = regions.label_point("posterior", "left-upper-buttock")
    path = [(x - 10, y - 10), (x + 10, y - 10), (x + 10, y + 10), (x - 10, y + 10)]
    drawing = Drawing.from_regions(["left-groin"], regions).with_outline("posterior", path)
    at = ok(run(drawing=drawing.to_text()))
    assert link(at) == drawing.to_text()
    assert roles(charts(at)["posterior"], "drawing")
    assert not at.warning


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        (CLASSIC_TEXT[: CLASSIC_TEXT.index("~k_") - 5], CLASSIC[:3]),  # inside the last id
        (CLASSIC_TEXT[: CLASSIC_TEXT.index("_left-trochanter")], CLASSIC[:2]),  # between ids
        ("1~r_left-groin_![x](http://example.com/p.png)", ["left-groin"]),
        ("1~r_left-groin~o_zz_<b>1.2.3.4.5.6</b>", ["left-groin"]),
        ("9~r_left-groin", []),
    ],
    ids=["truncated", "cut-between-ids", "markdown-image", "html", "version"],
)
def test_a_tampered_link_warns_and_keeps_what_it_can(value, kept):
    at = ok(run(drawing=value))
    assert len(at.warning) == 1
    assert "could not be read in full" in at.warning[0].value
    assert marked(at).value == kept
    quoted = plain_texts(at)
    assert any(value[:40] in line for line in quoted)
    assert value[4:30] not in markdown_texts(at)  # the link's own text only as plain text
    expected = text_of(kept) if kept else None
    assert link(at) == expected


def test_the_warning_about_a_link_goes_once_the_drawing_is_edited():
    at = ok(run(drawing="1~r_left-groin_nowhere"))
    assert at.warning
    marked(at).set_value(["left-groin", "left-flank"]).run()
    assert not any("could not be read" in w.value for w in ok(at).warning)
    assert not at.text


def test_a_repeated_parameter_uses_the_last_value():
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params["drawing"] = ["1~r_left-flank", CLASSIC_TEXT]
    ok(at.run())
    assert marked(at).value == CLASSIC
    assert "2 times" in at.warning[0].value


# --- other ways in ------------------------------------------------------------------------


def ways_in(at: AppTest) -> AppTest:
    """Open the "Open a drawing or paste codes" section."""
    return opened(at, "ways-in")


def test_the_ways_in_are_written_only_when_opened():
    at = mark_classic(run())
    assert not at.file_uploader and not at.text_input  # closed: a tap does not re-send them
    ways_in(at)
    assert at.file_uploader(key="upload") and at.text_input(key="codes")


def test_the_regions_list_is_written_only_when_opened():
    at = mark_classic(run())
    at.session_state["regions-section"] = False
    ok(at.run())
    assert not at.multiselect and not at.selectbox  # closed: a tap does not rebuild them
    assert marked(at).value == CLASSIC and at.selectbox(key="rate-region")


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    ways_in(at).file_uploader(key="upload").set_value((name, content, "application/geo+json"))
    return ok(at.run())


def test_uploading_an_exported_drawing_replaces_the_current_one():
    regions = load_regions()
    exported = Drawing.from_regions(CLASSIC, regions).to_geojson()
    at = ok(run(drawing="1~r_right-flank"))
    upload(at, "pain-drawing.geojson", json.dumps(exported).encode())
    assert marked(at).value == CLASSIC
    assert link(at) == CLASSIC_TEXT
    assert not at.warning


#: Words of a reader's own messages that the page must not show (developer text).
DEVELOPER_WORDS = ("codec", "Expecting", "FeatureCollection", "feature 1", "r_<ids>", "UTF-8")


def ways_in_texts(at: AppTest) -> str:
    """Every text the page shows, warnings and plain text alike."""
    return "\n".join([markdown_texts(at), *plain_texts(at)])


@pytest.mark.parametrize(
    ("content", "said", "quoted"),
    [
        (b"\xff\xfe not text", "it is not text", []),
        (b"{not json", "its text is not GeoJSON", []),
        (b"9" * 5000, "its text is not GeoJSON", []),  # a number too long for Python's int
        (b'{"type": "Feature"}', "not a drawing this app can open", []),
        (
            b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null,'
            b' "properties": {"kind": "region", "region": "left-elbo"}}]}',
            "names a body region this app does not know",
            ["Unknown region: left-elbo"],
        ),
    ],
    ids=["binary", "broken-json", "long-number", "not-a-collection", "unknown-region"],
)
def test_a_bad_file_leaves_the_drawing_and_says_why_in_plain_words(content, said, quoted):
    at = ok(run(drawing=CLASSIC_TEXT))
    name = "**bold** <i>name</i>.geojson"
    upload(at, name, content)
    assert marked(at).value == CLASSIC
    assert link(at) == CLASSIC_TEXT
    assert len(at.warning) == 1
    warning = at.warning[0].value
    assert said in warning and "drawing is unchanged" in warning and "Keep and share" in warning
    assert plain_texts(at) == [f"File: {name}", *quoted]  # the user's text, as plain text
    assert "<i>name</i>" not in markdown_texts(at)
    assert not [w for w in DEVELOPER_WORDS if w in warning]


def test_one_problem_at_a_time_the_latest():
    """A second bad file, then bad codes: one warning each time, about the latest input."""
    at = ok(run(drawing=CLASSIC_TEXT))
    upload(at, "a.geojson", b"{not json")
    upload(at, "b.json", b"\x89PNG\x8f")
    assert len(at.warning) == 1 and "not text" in at.warning[0].value
    assert plain_texts(at) == ["File: b.json"]
    paste(at, "218, 999")
    assert len(at.warning) == 1 and "CHOIR Body Map" in at.warning[0].value
    assert plain_texts(at) == ["Not on the map: 999"]
    paste(at, "218, 223")  # good codes: nothing more to say
    assert not at.warning and not plain_texts(at)


def paste(at: AppTest, codes: str) -> AppTest:
    ways_in(at).text_input(key="codes").input(codes)
    at.button(key="use-codes").click()
    return ok(at.run())


@pytest.mark.parametrize("codes", ["218, 223", "b18,b23", "218 B23"])
def test_pasted_codes_replace_the_drawing(codes):
    regions = load_regions()
    expected = sorted(Drawing.from_choir([218, 223], regions).regions)
    at = paste(ok(run(drawing="1~r_right-flank")), codes)
    assert marked(at).value == expected
    assert not at.warning
    assert ranked(at)


@pytest.mark.parametrize(
    ("codes", "said", "quoted"),
    [
        ("218, 999", "not on the CHOIR Body Map", ["Not on the map: 999"]),
        ("b18, b99", "not on the body map", ["Not on the map: b99"]),
        ("b18, zz", "neither a CHOIR Body Map code nor a REDCap key", ["Not a code: zz"]),
        (
            "218; [x](javascript:alert(1))",
            "neither a CHOIR Body Map code nor a REDCap key",
            ["Not a code: [x](javascript:alert(1))"],
        ),
        ("2~r_left-groin~k_1", "a drawing's link or code", []),
    ],
)
def test_bad_codes_leave_the_drawing_and_say_why_in_plain_words(codes, said, quoted):
    at = paste(ok(run(drawing=CLASSIC_TEXT)), codes)
    assert marked(at).value == CLASSIC
    assert link(at) == CLASSIC_TEXT
    assert len(at.warning) == 1 and said in at.warning[0].value
    assert "drawing is unchanged" in at.warning[0].value
    assert plain_texts(at) == quoted
    assert "javascript" not in markdown_texts(at)
    assert not [w for w in DEVELOPER_WORDS if w in at.warning[0].value]


# --- keep and share -----------------------------------------------------------------------


def copy_links(at: AppTest) -> list[str]:
    """The links the page's "Copy link" buttons hold."""
    return [
        json.loads(e.proto.json)["link"]
        for e in at.get("bidi_component")
        if e.proto.component_name == "referral_copy_link"
    ]


def test_copy_link_holds_the_drawings_link_once_something_is_drawn():
    assert copy_links(opened(ok(run()), "keep")) == []  # nothing to share yet
    drawn = opened(mark_classic(run()), "keep")
    # AppTest has no browser address: the link is its query, resolved by the browser
    assert copy_links(drawn) == [f"?drawing={CLASSIC_TEXT}"]


def test_downloads_are_offered_once_something_is_drawn():
    at = ok(run())
    assert not at.get("download_button")  # written only while "Keep and share" is open
    opened(at, "keep")
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert len(buttons) == 3
    assert all(b.proto.disabled for b in buttons.values())
    drawn = opened(mark_classic(run()), "keep")
    assert len(drawn.get("download_button")) == 3
    assert not any(b.proto.disabled for b in drawn.get("download_button"))


def test_what_is_marked_is_listed_in_words_and_the_ranking_goes_to_the_live_region():
    def shown(at: AppTest) -> tuple[str, str, list[str]]:
        (live,) = [
            json.loads(e.proto.json)["text"]
            for e in at.get("bidi_component")
            if e.proto.component_name == "referral_announce"
        ]
        charts = [
            json.loads(e.proto.bytes)
            for e in at.get("bidi_component")
            if e.proto.component_name == plot.CHART
        ]
        names = [data["name"] for data in charts]
        (line,) = [m.value for m in at.markdown if m.value.startswith("**Marked")]
        return line, live, names

    line, live, names = shown(ok(run()))
    assert line == "**Marked:** nothing yet."
    assert live == "Best-matching levels: none yet; mark where it hurts."
    assert names == [f"{schema.VIEW_LABELS[v]} view: nothing marked" for v in schema.VIEWS]

    text = text_of(["left-groin", "left-iliac-crest"], {"left-groin": 7})
    line, live, names = shown(ok(run(drawing=text)))
    assert line == "**Marked (2):** left groin \\(7 of 10\\) and left iliac crest."
    best = rank_levels(Drawing.from_text(text, load_regions()), index()).matched(1)[0].level
    assert live.startswith(f"Best-matching levels: 1. {best}, score ")
    assert "Sources to consider: " in live
    assert names[:2] == [
        f"Anterior view: left groin (7 of 10) marked; {best} zones drawn",
        f"Posterior view: left iliac crest marked; {best} zones drawn",
    ]
    assert names[2].startswith("Left lateral view: left groin (7 of 10) and left iliac crest")


LOW_BACK = ["left-low-back", "left-iliac-crest", "left-sacral", "left-flank"]


def test_the_published_cases_drawn_alike_say_what_confirmed_their_source():
    """A CHOIR low back: 13 published cases were drawn so, confirmed at different sources;
    the page counts them, and lists each with its citation once the section is opened."""
    at = ok(run(drawing=text_of(LOW_BACK)))
    (line,) = [ln for ln in candidates_text(at).splitlines() if ln.startswith("*Published")]
    counts = "13, confirmed as: superior cluneal nerves 6, sacroiliac joint 3, middle cluneal"
    assert results.escape_markdown(counts) in line

    assert section_markdown(at, "Published cases drawn like this") == ""  # closed: not written
    at.session_state["published"] = True
    text = section_markdown(ok(at.run()), "Published cases drawn like this")
    assert text.count("\n- ") == 12 and text.count("*Confirmed by:*") == 13
    assert results.escape_markdown("Stelzer W, Aiglesberger M") in text
    assert "the same regions" in text and "4 of 5 regions in common" in text


def test_no_published_case_line_when_none_was_drawn_alike():
    at = ok(run(drawing=text_of(["left-trochanter"])))
    assert candidates_text(at).startswith("## Sources to consider")
    assert "*Published" not in candidates_text(at)
    assert "Published cases drawn like this" not in [e.label for e in at.expander]
