"""The pain map's selection handler, undo history and forgiving link reader, on real regions."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from referral import drawing as drawing_module
from referral import selection
from referral.drawing import Drawing
from referral.formats import MAX_TEXT_CHARS, text_check
from referral.regions import Regions, load_regions
from referral.selection import (
    MAX_PROBLEMS,
    UNDO_LIMIT,
    History,
    apply_selection,
    edit,
    lasso_paths,
    read_drawing_text,
    tapped_regions,
)

CLASSIC = ("left-groin", "left-iliac-crest", "left-upper-buttock", "left-trochanter")


@pytest.fixture(scope="module")
def regions() -> Regions:
    return load_regions()


def tap(*ids: Any) -> dict[str, Any]:
    """A Streamlit plotly selection event with one point per id (as ``customdata``)."""
    points = [{"curve_number": 5, "point_index": i, "customdata": rid} for i, rid in enumerate(ids)]
    return {"selection": {"points": points, "point_indices": [], "box": [], "lasso": []}}


def lasso(*paths: np.ndarray) -> dict[str, Any]:
    """A selection event carrying lasso paths (data coordinates)."""
    shapes = [
        {"xref": "x", "yref": "y", "x": p[:, 0].tolist(), "y": p[:, 1].tolist()} for p in paths
    ]
    return {"selection": {"points": [], "point_indices": [], "box": [], "lasso": shapes}}


def circle(regions: Regions, view: str, rid: str, radius: float = 12, n: int = 60) -> np.ndarray:
    """A closed path of ``n`` points around a point inside region ``rid`` of ``view``."""
    x, y = regions.label_point(view, rid)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([x + radius * np.cos(t), y + radius * np.sin(t)])


def inside(regions: Regions, view: str, rid: str, path: np.ndarray) -> float:
    """Share of the path's enclosed area that lies in region ``rid`` of ``view``."""
    area = shapely.Polygon(path)
    return shapely.intersection(area, regions.in_view(view)[rid]).area / area.area


# --- taps ---------------------------------------------------------------------------------


def test_a_tap_marks_the_region(regions):
    result = apply_selection(Drawing(), tap("left-groin"), "tap", "anterior", regions)
    assert result.regions == {"left-groin"}


def test_a_second_tap_clears_the_region(regions):
    marked = Drawing.from_regions(["left-groin", "left-flank"], regions)
    result = apply_selection(marked, tap("left-groin"), "tap", "anterior", regions)
    assert result.regions == {"left-flank"}


def test_two_taps_in_one_region_toggle_it_once(regions):
    event = tap("left-groin", ["left-groin", "extra"], "left-groin")
    assert apply_selection(Drawing(), event, "tap", "anterior", regions).regions == {"left-groin"}


def test_a_double_tap_returns_to_the_start(regions):
    start = Drawing.from_regions(["left-flank"], regions)
    once = apply_selection(start, tap("left-groin"), "tap", "anterior", regions)
    twice = apply_selection(once, tap("left-groin"), "tap", "anterior", regions)
    assert once != start
    assert twice == start


def test_one_event_can_mark_and_clear_different_regions(regions):
    start = Drawing.from_regions(["left-flank"], regions)
    result = apply_selection(start, tap("left-flank", "left-groin"), "tap", "anterior", regions)
    assert result.regions == {"left-groin"}


def test_the_classic_pattern_by_taps(regions):
    drawing = Drawing()
    for rid in CLASSIC:
        drawing = apply_selection(drawing, tap(rid), "tap", "posterior", regions)
    assert drawing.regions == set(CLASSIC)


@pytest.mark.parametrize(
    "event",
    [
        None,
        {},
        "points",
        {"selection": None},
        {"selection": {"points": [], "point_indices": [], "box": [], "lasso": []}},
        {"selection": {"points": "left-groin"}},
        tap(None, 3, [], ["nowhere"], "Left groin", {"id": "left-groin"}),
        {"selection": {"points": [{"x": 1, "y": 2}, None, 7]}},
    ],
    ids=[
        "none",
        "empty-dict",
        "string",
        "no-selection",
        "empty",
        "points-not-list",
        "bad-ids",
        "no-data",
    ],
)
def test_empty_or_malformed_events_change_nothing(regions, event):
    start = Drawing.from_regions(["left-flank"], regions)
    for tool in ("tap", "outline", "erase"):
        result = edit(start, event, tool, "anterior", regions)
        assert result.drawing == start
        assert result.problems == ()


def test_tap_tool_ignores_lassos_and_lasso_tools_ignore_points(regions):
    path = circle(regions, "posterior", "left-upper-buttock")
    both = lasso(path)
    both["selection"]["points"] = tap("left-groin")["selection"]["points"]
    tapped = apply_selection(Drawing(), both, "tap", "posterior", regions)
    assert tapped.regions == {"left-groin"} and not tapped.outlines
    outlined = apply_selection(Drawing(), both, "outline", "posterior", regions)
    assert not outlined.regions and set(outlined.outlines) == {"posterior"}


def test_tapped_regions_reads_lists_and_skips_unknown(regions):
    event = tap(["left-groin", "meta"], "left-groin", "right-groin", "left-groin ", 12)
    assert tapped_regions(event, regions) == ["left-groin", "right-groin"]


# --- lassos -------------------------------------------------------------------------------


def test_outline_adds_the_enclosed_area_to_the_view(regions):
    path = circle(regions, "posterior", "left-upper-buttock")
    assert inside(regions, "posterior", "left-upper-buttock", path) == pytest.approx(1.0)
    result = apply_selection(Drawing(), lasso(path), "outline", "posterior", regions)
    assert set(result.outlines) == {"posterior"}
    assert result.outlines["posterior"].area == pytest.approx(shapely.Polygon(path).area, rel=0.05)
    assert result.painful_regions(regions) == {"left-upper-buttock"}


def test_a_self_crossing_lasso_keeps_both_loops(regions):
    x, y = regions.label_point("posterior", "left-upper-buttock")
    eight = np.array([(x - 15, y - 8), (x + 15, y + 8), (x + 15, y - 8), (x - 15, y + 8)])
    result = apply_selection(Drawing(), lasso(eight), "outline", "posterior", regions)
    assert result.outlines["posterior"].area == pytest.approx(2 * 0.5 * 15 * 16, rel=0.1)


def test_several_lassos_in_one_event_are_all_added(regions):
    first = circle(regions, "posterior", "left-upper-buttock")
    second = circle(regions, "posterior", "right-upper-buttock")
    result = apply_selection(Drawing(), lasso(first, second), "outline", "posterior", regions)
    assert len(result.outlines["posterior"].geoms) == 2


def test_an_unusable_lasso_is_skipped_with_a_reason(regions):
    good = circle(regions, "posterior", "left-upper-buttock")
    line = np.array([[0.0, 500.0], [5.0, 500.0], [10.0, 500.0]])
    result = edit(Drawing(), lasso(line, good), "outline", "posterior", regions)
    assert set(result.drawing.outlines) == {"posterior"}
    assert len(result.problems) == 1
    assert "area" in result.problems[0]


@pytest.mark.parametrize(
    "shape",
    [
        {"x": [1, 2, 3], "y": [1, 2]},
        {"x": ["a", "b", "c"], "y": [1, 2, 3]},
        {"x": None, "y": None},
        "M0,0L1,1Z",
    ],
    ids=["uneven", "text", "none", "string"],
)
def test_malformed_lasso_shapes_are_ignored(regions, shape):
    event = {"selection": {"points": [], "lasso": [shape]}}
    assert lasso_paths(event) == []
    assert apply_selection(Drawing(), event, "outline", "posterior", regions) == Drawing()


def test_erase_removes_what_the_lasso_encloses(regions):
    big = circle(regions, "posterior", "left-upper-buttock", radius=14)
    drawn = apply_selection(Drawing(), lasso(big), "outline", "posterior", regions)
    x, y = regions.label_point("posterior", "left-upper-buttock")
    half = np.array([(x - 30, y - 30), (x, y - 30), (x, y + 30), (x - 30, y + 30)])
    erased = apply_selection(drawn, lasso(half), "erase", "posterior", regions)
    kept = erased.outlines["posterior"]
    assert kept.area == pytest.approx(drawn.outlines["posterior"].area / 2, rel=0.1)
    assert kept.bounds[0] >= x - 1


def test_erasing_everything_empties_the_drawing(regions):
    path = circle(regions, "posterior", "left-upper-buttock")
    drawn = apply_selection(Drawing(), lasso(path), "outline", "posterior", regions)
    wider = circle(regions, "posterior", "left-upper-buttock", radius=30)
    erased = apply_selection(drawn, lasso(wider), "erase", "posterior", regions)
    assert erased.is_empty


def test_erasing_part_of_a_tapped_region_keeps_the_rest_as_an_outline(regions):
    tapped = Drawing.from_regions(["left-upper-buttock"], regions)
    path = circle(regions, "posterior", "left-upper-buttock", radius=8)
    erased = apply_selection(tapped, lasso(path), "erase", "posterior", regions)
    assert "left-upper-buttock" not in erased.regions
    rest = erased.outlines["posterior"]
    whole = regions.in_view("posterior")["left-upper-buttock"]
    assert rest.area == pytest.approx(whole.area - shapely.Polygon(path).area, rel=0.05)


def test_erase_in_another_view_leaves_this_one(regions):
    path = circle(regions, "posterior", "left-upper-buttock")
    drawn = apply_selection(Drawing(), lasso(path), "outline", "posterior", regions)
    assert apply_selection(drawn, lasso(path), "erase", "anterior", regions) == drawn


# --- undo ---------------------------------------------------------------------------------


def test_undo_steps_back_through_every_change(regions):
    steps = [Drawing.from_regions(CLASSIC[: i + 1], regions) for i in range(len(CLASSIC))]
    history = History()
    for step in steps:
        history = history.commit(step)
    assert history.current == steps[-1]
    for expected in reversed([Drawing(), *steps[:-1]]):
        history = history.undo()
        assert history.current == expected
    assert not history.can_undo
    assert history.undo() == history


def test_an_unchanged_drawing_is_not_an_undo_step(regions):
    drawing = Drawing.from_regions(["left-groin"], regions)
    history = History().commit(drawing)
    again = history.commit(Drawing.from_regions(["left-groin"], regions))
    assert again is history
    assert again.undo().current == Drawing()


def test_undo_keeps_only_the_last_steps(regions):
    history = History()
    ids = regions.ids()
    for i in range(UNDO_LIMIT + 10):
        history = history.commit(Drawing.from_regions(ids[: i % len(ids) + 1], regions))
    assert len(history.past) == UNDO_LIMIT


def test_undo_after_an_empty_event_goes_back_to_the_last_real_change(regions):
    history = History().commit(
        apply_selection(Drawing(), tap("left-groin"), "tap", "anterior", regions)
    )
    history = history.commit(apply_selection(history.current, {}, "tap", "anterior", regions))
    assert history.undo().current == Drawing()


# --- the link -----------------------------------------------------------------------------


def classic_with_outline(regions: Regions) -> Drawing:
    drawing = Drawing.from_regions(CLASSIC[:2], regions)
    path = circle(regions, "posterior", "left-upper-buttock")
    return apply_selection(drawing, lasso(path), "outline", "posterior", regions)


def test_a_whole_link_reads_without_problems(regions):
    drawing = classic_with_outline(regions).with_intensity("left-groin", 7, regions)
    result = read_drawing_text(drawing.to_text(), regions)
    assert result.drawing == drawing
    assert result.problems == ()


def test_no_link_is_an_empty_drawing(regions):
    assert read_drawing_text("", regions).drawing.is_empty


def test_an_unknown_region_in_the_link_is_dropped_and_named(regions):
    result = read_drawing_text("1~r_left-groin_left-nowhere", regions)
    assert result.drawing.regions == {"left-groin"}
    assert any("left-nowhere" in p for p in result.problems)


def test_a_truncated_link_keeps_the_parts_before_the_cut(regions):
    drawing = classic_with_outline(regions)
    text = drawing.to_text()
    cut = text[: text.index("~o_") + 12]
    result = read_drawing_text(cut, regions)
    assert result.drawing.regions == drawing.regions
    assert not result.drawing.outlines
    assert result.problems


@pytest.mark.parametrize("end", ["~i_", "_left-iliac-crest", "~o_"])
def test_a_link_cut_between_two_parts_or_ids_is_noticed(regions, end):
    """Cut there, the rest is a valid smaller drawing: only the check part tells."""
    drawing = classic_with_outline(regions).with_intensity("left-groin", 7, regions)
    text = drawing.to_text()
    cut = text[: text.index(end)]
    result = read_drawing_text(cut, regions)
    assert result.drawing.regions <= drawing.regions and result.drawing != drawing
    assert result.problems == ("its check part is missing: it was cut short",)


def test_a_damaged_outline_is_dropped_and_the_others_kept(regions):
    drawing = classic_with_outline(regions)
    body, _, check = drawing.to_text().rpartition("~")
    text = f"{body}~o_zz_1.2.3.4.5.6~o_p_0.0.x~{check}"
    result = read_drawing_text(text, regions)
    assert result.drawing == drawing
    assert result.problems[0] == "its check does not match: it was cut short or edited"
    assert "unknown view code" in result.problems[1] and len(result.problems) == 3


def test_ratings_in_a_damaged_link_are_kept_when_they_can_be(regions):
    text = "1~r_left-groin_bogus~i_left-groin.7_left-foot.3_left-groin.11"
    result = read_drawing_text(text, regions)
    assert result.drawing.regions == {"left-groin"}
    assert result.drawing.intensity == {"left-groin": 7}
    assert len(result.problems) == 3


@pytest.mark.parametrize(
    "text",
    [
        "3~r_left-groin",
        "2~r_left-groin",
        "hello",
        "~~~",
        "1~x_y",
        "1~r_",
        "1~o_p",
        "1" + "~r_a" * 5000,
        "1~o_p_0.0",
    ],
    ids=[
        "version",
        "no-check",
        "word",
        "tildes",
        "kind",
        "empty-regions",
        "no-ring",
        "long",
        "short-ring",
    ],
)
def test_tampered_links_never_raise_and_always_say_why(regions, text):
    result = read_drawing_text(text, regions)
    assert isinstance(result.drawing, Drawing)
    assert result.problems
    assert len(result.problems) <= MAX_PROBLEMS + 1


def test_many_problems_are_counted_not_listed(regions):
    text = "1~r_" + "_".join(f"bad{i}" for i in range(20))
    problems = read_drawing_text(text, regions).problems
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[-1] == f"… and {20 - MAX_PROBLEMS} more problems"


def test_problems_quote_at_most_a_short_piece_of_the_link(regions):
    problems = read_drawing_text("1~r_left-" + "x" * 500, regions).problems
    assert problems and all(len(p) < 120 for p in problems)


# --- a crafted link: many tiny outlines (issue 18) -------------------------------------------


def tiny_outline_parts(count: int | None = None, *, overlap: bool = False) -> list[str]:
    """Text parts of tiny canonical triangles on the posterior view, as many as fit a link
    (or ``count``); apart, or overlapping their neighbours."""
    parts: list[str] = []
    step = 2 if overlap else 10
    while count is None or len(parts) < count:
        i = len(parts)
        x, y = -260 + (i % 50) * step, 10 + (i // 50) * 10
        one = Drawing().with_area("posterior", Polygon([(x, y), (x + 3, y), (x, y + 3)]))
        part = one.to_text().split("~")[1]
        if count is None and len("~".join(["2", *parts, part])) + 10 > MAX_TEXT_CHARS:
            break
        parts.append(part)
    return parts


def crafted_link(parts: list[str], *, check: str) -> str:
    body = "~".join(["2", *parts])
    right = text_check(body)
    return f"{body}~k_{right if check == 'right' else ('0' if right != '0' else '1')}"


def cpu_seconds(call: Any) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        call()
        best = min(best, time.process_time() - start)
    return best


@pytest.mark.parametrize(
    ("overlap", "check"),
    [(False, "edited"), (False, "right"), (True, "edited")],
    ids=["apart-edited-check", "apart-right-check-not-canonical", "overlapping-edited-check"],
)
def test_a_link_of_hundreds_of_tiny_outlines_reads_within_100_ms(regions, overlap, check):
    """The issue's crafted link (241 tiny outlines, edited check) took 4.2 s: each outline
    was added to the drawing on its own, at a cost growing with the outlines before it."""
    parts = tiny_outline_parts(overlap=overlap)
    assert len(parts) > 240
    text = crafted_link(parts, check=check)
    assert len(text) <= MAX_TEXT_CHARS
    assert cpu_seconds(lambda: read_drawing_text(text, regions)) <= 0.1
    result = read_drawing_text(text, regions)
    kept = result.drawing.outlines["posterior"]
    if overlap:
        assert 0 < len(kept.geoms) < len(parts)  # merged where they overlap
    else:
        assert len(kept.geoms) == len(parts)  # every outline kept
    assert len(result.problems) == 1 and "\n" not in result.problems[0]
    expected = "cut short or edited" if check == "edited" else "not in canonical form"
    assert expected in result.problems[0]


def test_the_same_outlines_in_canonical_form_read_whole_and_fast(regions):
    parts = tiny_outline_parts()
    polygons = [Drawing.from_text(f"1~{part}", regions).outlines["posterior"] for part in parts]
    whole = Drawing().with_area("posterior", shapely.union_all(polygons))
    text = whole.to_text()
    assert cpu_seconds(lambda: read_drawing_text(text, regions)) <= 0.1
    assert read_drawing_text(text, regions) == selection.Edit(whole)


def test_outlines_that_together_do_not_fit_are_halved_until_one_does_not(regions, monkeypatch):
    """When the merged outlines would not fit a link, the reader keeps the first ones that
    do, in a bounded number of attempts, and says how many were left out."""
    parts = tiny_outline_parts(40)
    polygons = [
        Drawing.from_text(f"1~{part}", regions).outlines["posterior"].geoms[0] for part in parts
    ]
    fits = len(Drawing().with_area("posterior", MultiPolygon(polygons[:13])).to_text())
    monkeypatch.setattr(drawing_module, "MAX_TEXT_CHARS", fits)
    attempts = []
    real = Drawing.with_area

    def counted(self, view, area):
        attempts.append(len(area.geoms))
        return real(self, view, area)

    monkeypatch.setattr(Drawing, "with_area", counted)
    kept, problems = selection._with_polygons(Drawing(), "posterior", polygons)
    assert len(kept.outlines["posterior"].geoms) == 13
    assert "too detailed" in problems[0]
    assert problems[-1] == "26 more outlines left out"  # 13 kept, the 14th named
    assert len(attempts) <= 2 * 6 + 1  # ≈ 2·log2(40), not one per outline
