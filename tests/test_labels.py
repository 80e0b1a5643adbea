"""Explore's nerve labels: no label overlaps another or a marker, at every level and view.

The figures are the page's own (:func:`referral.app.cache.level_figure`) at the sizes the
page draws them (:mod:`referral.app.sizes`); the boxes are :mod:`referral.labels`'s
estimate of the text plotly draws (checked against the browser in ``test_browser.py``).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from referral import labels, schema
from referral.app import cache, sizes

SIDES = {"left": ("left",), "both": schema.SIDES}
#: Views on the page with each side choice (``views=all``): one lateral view, or both.
SHOWN = {"left": 3, "both": 4}


def figure(
    view: str, level: str, side: str, lecture: bool, compare: str | None, dermatome: bool = False
) -> Any:
    shown = SHOWN[side]
    settings = cache.LevelSettings(
        SIDES[side],
        lecture,
        sizes.height(shown, lecture),
        compare,
        dermatome,
        sizes.width(shown, lecture),
    )
    return cache.level_figure(view, level, settings)


def collisions(fig: dict[str, Any], width: float) -> list[str]:
    """Each pair of overlapping labels, and each label over a marker, in words."""
    scale = labels.pixel_scale(fig["layout"], width)
    named = [
        (t["text"][0].replace("<br>", " "), labels.label_box(t, scale))
        for t in fig["data"]
        if t["meta"]["role"] == labels.LABEL_ROLE
    ]
    found = [
        f"{a!r} overlaps {b!r}"
        for (a, box_a), (b, box_b) in itertools.combinations(named, 2)
        if labels.overlaps(box_a, box_b)
    ]
    markers = labels.marker_boxes(fig["data"], scale)
    found += [
        f"{name!r} covers a marker at {marker}"
        for name, box in named
        for marker in markers
        if labels.overlaps(box, marker)
    ]
    return found


#: Beside each level alone: the next level compared (its markers), and its dermatome (its
#: key points are markers too).
EXTRAS = {"alone": (False, False), "compare": (True, False), "dermatome": (False, True)}
NEXT = {lv: schema.LEVELS[min(i + 1, len(schema.LEVELS) - 1)] for i, lv in enumerate(schema.LEVELS)}


@pytest.mark.parametrize("lecture", [False, True], ids=["normal", "lecture"])
@pytest.mark.parametrize("side", list(SIDES))
def test_no_label_overlaps_a_label_or_a_marker(lecture, side):
    found = []
    width = sizes.width(SHOWN[side], lecture)
    for level, view, extra in itertools.product(schema.LEVELS, schema.VIEWS, EXTRAS):
        compare, dermatome = EXTRAS[extra]
        fig = figure(view, level, side, lecture, NEXT[level] if compare else None, dermatome)
        found += [f"{level} {view} ({extra}): {c}" for c in collisions(fig, width)]
    assert not found, "\n".join(found)


def test_every_label_stays_inside_its_view():
    for level, view in itertools.product(schema.LEVELS, schema.VIEWS):
        fig = figure(view, level, "both", True, None)
        scale = labels.pixel_scale(fig["layout"], sizes.width(4, True))
        (x0, x1), (y0, y1) = fig["layout"]["xaxis"]["range"], fig["layout"]["yaxis"]["range"]
        for t in fig["data"]:
            if t["meta"]["role"] == labels.LABEL_ROLE:
                bx0, by0, bx1, by1 = labels.label_box(t, scale)
                assert x0 <= bx0 and bx1 <= x1 and y0 <= by0 and by1 <= y1, (level, view, t)


def test_a_moved_label_is_joined_to_its_course_end():
    fig = figure("posterior", "L5", "both", True, None)
    leaders = [t for t in fig["data"] if t["meta"]["role"] == labels.LEADER_ROLE]
    ends = {(t["x"][-1], t["y"][-1]) for t in fig["data"] if t["meta"]["role"] == "course"}
    points = {(t["x"][0], t["y"][0]) for t in fig["data"] if t["meta"]["role"] == labels.LABEL_ROLE}
    assert leaders, "L5's labels all fit where their courses end?"
    for leader in leaders:
        assert (leader["x"][0], leader["y"][0]) in ends
        assert (leader["x"][1], leader["y"][1]) in points  # where a label's text hangs from


def test_the_check_sees_an_overlap():
    label = {
        "type": "scatter", "mode": "text", "x": [0.0], "y": [500.0], "text": ["subcostal nerve"],
        "textposition": "bottom center", "textfont": {"size": 12},
        "meta": {"role": labels.LABEL_ROLE},
    }  # fmt: skip
    marker = {"type": "scatter", "mode": "markers", "x": [0.0], "y": [490.0],
              "marker": {"size": 10}, "meta": {"role": "exit"}}  # fmt: skip
    layout = {"height": 600, "margin": {"t": 28, "b": 2, "l": 2, "r": 2},
              "xaxis": {"range": [-250, 250]}, "yaxis": {"range": [-10, 1010]}}  # fmt: skip
    fig = {"data": [label, {**label, "x": [10.0]}, marker], "layout": layout}
    assert len(collisions(fig, 316)) == 3  # the two labels, and each over the marker
    placed = {"data": labels.place(fig["data"], layout, 316), "layout": layout}
    assert collisions(placed, 316) == []
