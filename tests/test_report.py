"""The printable summary (referral/report.py) and the page's ranking helpers (results.py)."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from referral import report, schema
from referral.app import results
from referral.atlas import load_atlas
from referral.body import load_body
from referral.drawing import Drawing
from referral.guide import guide_for
from referral.matching import AtlasIndex, Ranking, rank_levels
from referral.regions import load_regions

CLASSIC = ["left-groin", "left-iliac-crest", "left-trochanter", "left-upper-buttock"]
WHEN = dt.datetime(2026, 3, 14, 9, 26, tzinfo=dt.UTC)
DISCLAIMER = "Educational and decision-support tool, not a diagnosis."
SVG_NS = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def data():
    regions, atlas = load_regions(), load_atlas()
    return load_body(), regions, atlas, AtlasIndex(atlas, regions)


def summary(data, drawing: Drawing, citations=("A. Source. J 2000;1:1.",), **kwargs) -> str:
    body, regions, _, index = data
    ranking = rank_levels(drawing, index)
    options = {"citations": list(citations), "disclaimer": DISCLAIMER, "created": WHEN}
    return report.summary_html(drawing, ranking, body, regions, **(options | kwargs))


def ranking_of(data, drawing: Drawing) -> Ranking:
    return rank_levels(drawing, data[3])


def classic(data) -> Drawing:
    return Drawing.from_regions(CLASSIC, data[1])


# --- the summary --------------------------------------------------------------------------


def test_summary_lists_the_top_three_with_reasons(data):
    drawing = classic(data)
    ranking = ranking_of(data, drawing)
    html = summary(data, drawing)
    top = list(ranking.table["level"].head(3))
    positions = [html.index(f"{i}. {level} — score") for i, level in enumerate(top, start=1)]
    assert positions == sorted(positions)
    assert f"4. {ranking.table['level'][3]} — score" not in html
    for reason in ranking.reasons(top[0]):
        assert reason in html
    assert "Superior cluneal nerves" in html


BUTTOCK = ["left-upper-buttock", "left-medial-buttock", "left-lower-buttock"]


def test_summary_names_the_sources_that_fit_less_well(data):
    """After the first three sources with their tests, the next two that explain any of the
    drawing are named in one line with their adjacent joints: for a whole buttock, the
    lumbar facets (Marks 1989: buttock pain mostly from L4 and L5) come fourth."""
    drawing = Drawing.from_regions(BUTTOCK, data[1])
    ranking = ranking_of(data, drawing)
    html = summary(data, drawing)
    (less,) = re.findall(r'<p class="less">Fit less well: (.*?)</p>', html)
    fourth, fifth = ranking.candidates[3:5]
    assert less.index(fourth.structure) < less.index(fifth.structure)
    assert "L4\u20135 zygapophyseal joint" in less and "L5\u2013S1 zygapophyseal joint" in less
    assert html.count("Test: ") == 3 and fourth.test not in html
    occipital = Drawing.from_regions(["left-occiput", "left-suboccipital"], data[1])
    assert len(ranking_of(data, occipital).candidates) == 3  # no other source explains any
    assert "Fit less well" not in summary(data, occipital)  # the rest explain nothing


def test_summary_says_what_the_published_cases_drawn_alike_confirmed(data):
    """The sentence follows the sources that fit less well in their paragraph, escaped."""
    drawing = Drawing.from_regions(BUTTOCK, data[1])
    html = summary(data, drawing, published="Published cases <b>drawn</b> like this: 6.")
    (less,) = re.findall(r'<p class="less">(.*?)</p>', html)
    assert less.startswith("Fit less well: ")
    assert less.endswith("<br>Published cases &lt;b&gt;drawn&lt;/b&gt; like this: 6.")
    assert '<p class="less">' not in summary(data, Drawing())


def test_summary_has_the_disclaimer_date_accuracy_sources_and_drawing(data):
    html = summary(data, classic(data), citations=["First S. Paper. J 1990;1:2.", "Second."])
    assert html.startswith("<!doctype html>")
    assert DISCLAIMER in html and report.TOP3_ACCURACY in html
    assert "2026-03-14 09:26" in html
    assert re.search(r"<li>First S\. Paper\. J 1990;1:2\.</li>\s*<li>Second\.</li>", html)
    assert "Left groin" in html and "Left upper buttock" in html


def test_summary_loads_nothing_and_runs_nothing(data):
    html = summary(data, classic(data)).lower()
    for loader in ("<script", "<link", "src=", "url(", "@import", "<iframe", "<img"):
        assert loader not in html


def test_every_given_string_is_escaped(data):
    drawing = classic(data).with_intensity("left-groin", 7, data[1])
    html = summary(
        data,
        drawing,
        citations=['<img src="http://x/y.png"> & "quoted"'],
        disclaimer="<script>alert(1)</script>",
    )
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=&quot;http://x/y.png&quot;&gt; &amp; &quot;quoted&quot;" in html
    assert "Left groin (7/10)" in html


def test_flags_are_shown(data):
    drawing = Drawing.from_regions(["left-low-back", "right-low-back", "left-calf"], data[1])
    ranking = ranking_of(data, drawing)
    assert {f.code for f in ranking.flags} >= {"crosses-midline", "below-knee"}
    html = summary(data, drawing)
    for flag in ranking.flags:
        assert f'<p class="flag">{flag.message}</p>' in html.replace("&#x27;", "'")


def test_an_empty_drawing_says_nothing_is_ranked(data):
    html = summary(data, Drawing())
    assert "Nothing is drawn" in html
    assert "1. " not in html


def test_the_drawing_code_at_the_foot_restores_the_drawing(data):
    regions = data[1]
    x, y = regions.label_point("posterior", "left-upper-buttock")
    square = [(x - 9, y - 9), (x + 9, y - 9), (x + 9, y + 9), (x - 9, y + 9)]
    drawing = classic(data).with_outline("posterior", square)
    html = summary(data, drawing)
    code = re.search(r"Drawing code[^\n]*\n([^<\s]+)", html)
    assert code and Drawing.from_text(code[1], regions) == drawing


# --- the picture --------------------------------------------------------------------------


def svg_of(data, drawing: Drawing) -> ET.Element:
    body, regions, _, _ = data
    return ET.fromstring(report.drawing_svg(drawing, body, regions))


def test_the_picture_shows_four_labelled_views(data):
    svg = svg_of(data, Drawing())
    titles = [t.text for t in svg.iter(f"{SVG_NS}text") if t.get("font-size") == "40"]
    assert titles == [schema.VIEW_LABELS[v] for v in schema.VIEWS]
    corners = [t.text for t in svg.iter(f"{SVG_NS}text") if t.get("font-size") == "48"]
    assert corners == ["R", "L", "R", "L"]
    assert len(list(svg.iter(f"{SVG_NS}path"))) == 4  # the silhouettes only


def test_the_picture_puts_the_patients_right_on_the_viewers_left_in_front(data):
    svg = svg_of(data, Drawing())
    corners = {
        (t.text, round(float(t.get("x")))): t.get("text-anchor")
        for t in svg.iter(f"{SVG_NS}text")
        if t.get("font-size") == "48"
    }
    (anterior_r, anterior_l, posterior_l, posterior_r) = sorted(corners, key=lambda k: k[1])
    assert anterior_r[0] == "R" and anterior_l[0] == "L"
    assert posterior_l[0] == "L" and posterior_r[0] == "R"


def test_the_picture_shades_the_drawing_where_it_is(data):
    drawing = Drawing.from_regions(["left-upper-buttock"], data[1])  # back only
    paths = [p for p in svg_of(data, drawing).iter(f"{SVG_NS}path")]
    pain = [p for p in paths if p.get("fill") == "#D55E00"]
    assert len(paths) == 4 + len(pain)
    assert 1 <= len(pain) <= 2  # the posterior view, and a lateral one if it shows the region


# --- the page's ranking helpers -----------------------------------------------------------


def test_ranking_lines_number_the_levels_with_escaped_dots(data):
    ranking = ranking_of(data, classic(data))
    lines = results.ranking_lines(ranking, 3)
    top = list(ranking.table["level"].head(3))
    assert [line.split(" — ")[0] for line in lines] == [
        f"{i}\\. **{lv}**" for i, lv in enumerate(top, 1)
    ]
    assert results.ranking_lines(ranking_of(data, Drawing())) == []


def test_ranking_csv_has_every_level_and_the_flags(data):
    drawing = Drawing.from_regions(["left-low-back", "right-low-back"], data[1])
    ranking = ranking_of(data, drawing)
    text = results.ranking_csv(ranking)
    frame = pd.read_csv(io.StringIO(text), comment="#")
    assert list(frame["rank"]) == list(range(1, len(ranking.table) + 1))
    assert list(frame["level"]) == list(ranking.table["level"])
    assert frame["score"].between(0, 1).all()
    assert "# flag crosses-midline:" in text


@pytest.mark.parametrize(
    ("show", "expected"),
    [
        ("best", [(0, "primary")]),
        ("runner-up", [(1, "primary")]),
        ("both", [(0, "primary"), (1, "compare")]),
    ],
)
def test_shown_levels(data, show, expected):
    ranking = ranking_of(data, classic(data))
    levels = list(ranking.table["level"])
    assert results.shown_levels(ranking, show) == [(levels[i], s) for i, s in expected]
    assert results.shown_levels(ranking_of(data, Drawing()), show) == []


def test_painful_sides(data):
    assert results.painful_sides(ranking_of(data, classic(data))) == ("left",)
    both = Drawing.from_regions(["left-flank", "right-groin"], data[1])
    assert results.painful_sides(ranking_of(data, both)) == ("left", "right")
    assert results.painful_sides(ranking_of(data, Drawing())) == ()


def test_guide_text_is_shown_literally(data):
    guide = guide_for("T12", data[2])
    text = results.guide_markdown(guide)
    assert guide.signs and f"**{results.escape_markdown(guide.signs[0].title)}**" in text
    escaped = results.escape_markdown("a <b>*c*</b> [d](e) :x: $y$ `z`")
    assert escaped == r"a \<b\>\*c\*\<\/b\> \[d\]\(e\) \:x\: \$y\$ \`z\`"


def test_the_legend_names_colour_line_and_ramus(data):
    text = results.legend_markdown(data[2], [("T12", "primary"), ("L1", "compare")])
    assert "**T12** blue, filled, solid line: Superior cluneal nerves — dorsal ramus" in text
    assert "**L1**" in text and "hatched" in text and "ventral ramus" in text


def test_ranking_table_lists_the_ranked_levels_with_bars_as_long_as_their_values(data):
    ranking = ranking_of(data, classic(data))
    table = results.ranking_table_html(ranking)
    root = ET.fromstring(table)
    rows = root.findall("./tbody/tr")
    listed = [m for m in ranking.levels if m.score > 0][: results.TABLED]
    assert [r.find("td/b").text for r in rows] == [m.level for m in listed]
    assert [th.text for th in root.findall("./thead/tr/th")] == [
        "Level",
        *(name for name, _, _ in results.TABLE_COLUMNS),
    ]
    first = rows[0].findall("td")
    bar = first[1].find("span/span").get("style")
    assert f"width:{round(100 * listed[0].score)}%" in bar
    assert first[2].text is None and first[2].find("span").tail.strip() == (
        f"{round(100 * listed[0].explained)}%"
    )
    coverage = round(100 * results.best_coverage(ranking, listed[0].level))
    assert first[3].find("span").tail.strip() == f"{coverage}%"


def test_an_empty_drawing_has_no_ranking_table(data):
    assert results.ranking_table_html(ranking_of(data, Drawing())) == ""
