"""Figures are checked through their trace and layout dicts, never through pixels."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import plotly.graph_objects as go
import pytest
import shapely
import shapely.affinity
from shapely.geometry import box

from referral import figures, schema

Figure = dict[str, Any]


def traces(fig: Figure, role: str) -> list[dict[str, Any]]:
    """The traces of ``fig`` whose meta role is ``role``."""
    return [t for t in fig["data"] if (t.get("meta") or {}).get("role") == role]


def header(fig: Figure, name: str) -> dict[str, float]:
    """Header annotation text (tags stripped) → x, for annotations named ``name``."""
    return {
        a["text"].replace("<b>", "").replace("</b>", ""): a["x"]
        for a in fig["layout"]["annotations"]
        if a["name"] == name
    }


def legend(fig: Figure) -> list[str]:
    return [t["name"].replace("<br>", " ") for t in fig["data"] if t.get("showlegend")]


def tap(fig: Figure) -> dict[str, Any]:
    (trace,) = traces(fig, "tap")
    return trace


@pytest.fixture(scope="module")
def bases(fake_body, fake_regions) -> dict[str, figures.ViewBase]:
    return {v: figures.view_base(fake_body, fake_regions, v) for v in schema.VIEWS}


# --- the base of a view ---------------------------------------------------------------------


def test_anterior_puts_patient_right_on_viewer_left(bases):
    corners = header(figures.compose(bases["anterior"]), "side")
    assert corners["R"] < 0 < corners["L"]


def test_posterior_puts_patient_right_on_viewer_right(bases):
    corners = header(figures.compose(bases["posterior"]), "side")
    assert corners["L"] < 0 < corners["R"]


@pytest.mark.parametrize(
    ("view", "title", "front_sign"),
    [("left-lateral", "L · Left side", -1), ("right-lateral", "R · Right side", +1)],
)
def test_lateral_views_name_the_side_and_directions(bases, view, title, front_sign):
    fig = figures.compose(bases[view])
    assert list(header(fig, "title")) == [title]
    corners = header(fig, "side")
    assert np.sign(corners["front"]) == front_sign == -np.sign(corners["back"])


@pytest.mark.parametrize("view", schema.VIEWS)
def test_header_rows_do_not_share_a_line(bases, view):
    """The title sits above the plot (paper y = 1); the corner labels inside it, at the top."""
    notes = figures.compose(bases[view])["layout"]["annotations"]
    title = [a for a in notes if a["name"] == "title"]
    corners = [a for a in notes if a["name"] == "side"]
    assert len(title) == 1 and len(corners) == 2
    assert title[0]["yref"] == "paper" and title[0]["yanchor"] == "bottom"
    assert all(a["yref"] == "y" and a["yanchor"] == "top" for a in corners)


@pytest.mark.parametrize("view", schema.VIEWS)
def test_base_is_a_handful_of_traces(bases, view):
    fig = figures.compose(bases[view])
    roles = [t["meta"]["role"] for t in fig["data"]]
    assert roles == ["outline", "tap"]
    # Skin, then every region border, as one SVG path each, under every trace.
    shapes = fig["layout"]["shapes"]
    assert [(s["name"], s["layer"], s["type"]) for s in shapes] == [
        ("skin", "below", "path"),
        ("border", "below", "path"),
    ]
    assert shapes[0]["fillcolor"] == figures.SKIN and shapes[0]["path"].endswith("Z")
    assert shapes[1]["path"].count("M") > 1  # separate border lines, one path


@pytest.mark.parametrize("view", schema.VIEWS)
def test_tap_points_lie_inside_their_region(bases, fake_regions, view):
    trace = tap(figures.compose(bases[view], tool="tap"))
    shapes = fake_regions.in_view(view)
    assert trace["type"] == figures.TAP_TRACE_TYPE
    assert trace["mode"] == "lines" and trace["line"]["width"] == 0  # invisible
    assert set(trace["customdata"]) == set(shapes)
    for rid, geom in shapes.items():
        mine = [i for i, r in enumerate(trace["customdata"]) if r == rid]
        x = np.array(trace["x"])[mine]
        y = np.array(trace["y"])[mine]
        assert shapely.contains_xy(geom, x, y).all()
    assert len(trace["text"]) == len(trace["hovertext"]) == len(trace["x"])
    assert len(trace["customdata"]) == len(trace["x"])


def test_small_region_still_gets_a_tap_point():
    tiny = box(1, 1, 3, 3)  # smaller than the lattice spacing: no lattice point inside
    points = figures.lattice(tiny)
    assert len(points) == 1
    assert tiny.contains(shapely.points(points[0]))


def test_layout_is_equal_aspect_fixed_and_axis_free(bases):
    layout = figures.compose(bases["anterior"])["layout"]
    assert layout["yaxis"]["scaleanchor"] == "x"
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False
    assert layout["xaxis"]["fixedrange"] and layout["yaxis"]["fixedrange"]
    assert layout["xaxis"]["range"][0] < -100 and layout["xaxis"]["range"][1] > 100
    assert layout["yaxis"]["range"][0] < 0 and layout["yaxis"]["range"][1] > 1000
    assert layout["template"] == "none"


@pytest.mark.parametrize(
    ("tool", "dragmode", "clickmode"),
    [("tap", False, "event"), ("lasso", "lasso", "event"), ("none", False, "none")],
)
def test_tool_sets_the_interaction(bases, tool, dragmode, clickmode):
    layout = figures.compose(bases["posterior"], tool=tool)["layout"]
    assert (layout["dragmode"], layout["clickmode"]) == (dragmode, clickmode)


def test_lecture_mode_enlarges_fonts_and_lines(fake_body, fake_regions):
    normal = figures.compose(figures.view_base(fake_body, fake_regions, "posterior"))
    lecture = figures.compose(figures.view_base(fake_body, fake_regions, "posterior", lecture=True))
    assert lecture["layout"]["font"]["size"] >= 20 > normal["layout"]["font"]["size"]
    assert lecture["layout"]["hoverlabel"]["font"]["size"] >= 20
    assert min(a["font"]["size"] for a in lecture["layout"]["annotations"]) >= 20
    width = traces(lecture, "outline")[0]["line"]["width"]
    assert width > traces(normal, "outline")[0]["line"]["width"]


def test_unknown_view_is_rejected(fake_body, fake_regions):
    with pytest.raises(schema.UnknownViewError, match="unknown view"):
        figures.view_base(fake_body, fake_regions, "dorsal")


def test_compose_is_valid_plotly_and_leaves_the_base_alone(bases, fake_atlas):
    base = bases["posterior"]
    before = json.dumps(figures.compose(base), sort_keys=True)
    layer = figures.level_layer(fake_atlas, base, "T12")
    fig = figures.compose(base, [layer], tool="lasso", legend=True, legend_height=80)
    go.Figure(fig)  # raises on any invalid property
    assert json.dumps(figures.compose(base), sort_keys=True) == before


# --- overlay layers --------------------------------------------------------------------------


def test_level_layer_colours_pathways_and_names_rami(bases, fake_atlas):
    fig = figures.compose(
        bases["posterior"], [figures.level_layer(fake_atlas, bases["posterior"], "T12")]
    )
    zones = traces(fig, "zone")
    assert {t["meta"]["pathway"] for t in zones} == {"superior-cluneal"}
    assert legend(fig) == ["T12 · Superior cluneal nerves — dorsal ramus"]
    core = [t for t in zones if t["fillcolor"].endswith(",0.55)")]
    fringe = [t for t in zones if t["fillcolor"].endswith(",0.22)")]
    # One trace per weight, holding both sides' outlines (separated by one gap).
    assert len(core) == len(fringe) == 1
    assert core[0]["x"].count(None) == fringe[0]["x"].count(None) == 1
    (swatch,) = [t for t in zones if t["showlegend"]]
    assert swatch in core  # the legend shows the solid core colour, not the pale fringe


def test_level_layer_sides_filter(bases, fake_atlas):
    layer = figures.level_layer(fake_atlas, bases["anterior"], "T12", sides=("left",))
    zones = traces(figures.compose(bases["anterior"], [layer]), "zone")
    assert len(zones) == 2  # left core + left fringe
    left_half = shapely.box(0, 0, 100, 1000)
    assert all(left_half.contains(shapely.points(t["x"][0], t["y"][0])) for t in zones)


def test_courses_dashed_for_ventral_with_exit_marker(bases, fake_atlas):
    layer = figures.level_layer(fake_atlas, bases["anterior"], "T12", sides=("left",))
    fig = figures.compose(bases["anterior"], [layer])
    (course,) = traces(fig, "course")
    assert course["meta"]["ramus"] == "ventral" and course["line"]["dash"] == "dash"
    (exit_marker,) = traces(fig, "exit")
    assert (exit_marker["x"][0], exit_marker["y"][0]) == (course["x"][0], course["y"][0])
    assert legend(fig) == ["T12 · Ilioinguinal — ventral ramus"]


def test_course_labels_name_the_nerve_at_the_course_end(bases, fake_atlas):
    layer = figures.level_layer(
        fake_atlas, bases["anterior"], "T12", sides=("left",), course_labels=True
    )
    fig = figures.compose(bases["anterior"], [layer])
    (label,) = traces(fig, "course-label")
    (course,) = traces(fig, "course")
    assert [t.replace("<br>", " ") for t in label["text"]] == ["ilioinguinal nerve"]
    assert (label["x"][0], label["y"][0]) == (course["x"][-1], course["y"][-1])
    # The view spans x = -130 … 130: the course's end at x = -50 lies in the left third, so
    # its name runs to the right, toward the middle.
    assert label["textposition"] == "bottom right"


def test_hover_over_a_zone_names_its_level(bases, fake_atlas):
    base = bases["posterior"]
    layer = figures.level_layer(fake_atlas, base, "T12", sides=("left",))
    trace = tap(figures.compose(base, [layer]))
    zone_shape = box(-80, 500, -10, 600).buffer(10)  # the fringe zone, around the core
    inside = shapely.contains_xy(zone_shape, trace["x"], trace["y"])
    with_note = np.array(["T12" in text for text in trace["hovertext"]])
    assert inside.any()
    assert (with_note == inside).all()
    assert {trace["customdata"][i] for i in np.flatnonzero(inside)} == {"left-trunk"}


def test_stacked_layers_keep_one_legend_entry_each(bases, fake_atlas):
    base = bases["posterior"]
    primary = figures.level_layer(fake_atlas, base, "T12")
    drawing = figures.drawing_layer(box(-50, 500, -10, 600))
    fig = figures.compose(base, [drawing, primary, primary], legend=True)
    assert sorted(legend(fig)) == ["Pain drawing", "T12 · Superior cluneal nerves — dorsal ramus"]


def test_compare_layer_is_hatched_and_dashed_and_both_levels_hover(bases, fake_atlas):
    base = bases["posterior"]
    primary = figures.level_layer(fake_atlas, base, "T12")
    compare = figures.level_layer(fake_atlas, base, "T12", style="compare")
    fig = figures.compose(base, [primary, compare], legend=True)
    compared = [t for t in traces(fig, "zone") if t["meta"]["style"] == "compare"]
    assert compared
    assert all(t["fillpattern"]["shape"] == figures.COMPARE_PATTERN for t in compared)
    assert all(t["line"]["dash"] == "longdash" for t in compared)
    assert any(name.endswith("(compared)") for name in legend(fig))
    texts = tap(fig)["hovertext"]
    assert any("(compared)" in t and t.count("T12") >= 2 for t in texts)


def test_layer_order_puts_drawing_over_zones_and_tap_last(bases, fake_atlas):
    base = bases["posterior"]
    fig = figures.compose(
        base,
        [
            figures.drawing_layer(box(-50, 500, -10, 600)),
            figures.level_layer(fake_atlas, base, "T12"),
        ],
    )
    roles = [t["meta"]["role"] for t in fig["data"]]
    assert roles[-2:] == ["outline", "tap"]
    assert max(i for i, r in enumerate(roles) if r == "zone") < roles.index("drawing")
    assert all(s["layer"] == "below" for s in fig["layout"]["shapes"])  # skin, borders


def test_level_layer_rejects_unknown_level(bases, fake_atlas):
    with pytest.raises(ValueError, match="unknown level"):
        figures.level_layer(fake_atlas, bases["posterior"], "X9")


def test_drawing_layer_hatches_in_vermillion():
    (trace,) = figures.drawing_layer(box(-50, 500, -10, 600)).lines
    assert trace["fillpattern"]["fgcolor"] == figures.PAIN_COLOUR
    assert trace["fillpattern"]["shape"]
    assert figures.drawing_layer(None) == figures.Layer()
    assert figures.drawing_layer(shapely.Polygon()) == figures.Layer()


def test_pathway_colours_fixed_for_known_and_distinct_for_unknown():
    known = figures.pathway_colours(["superior-cluneal", "anterior-ventral"])
    assert known == {
        "superior-cluneal": figures.PALETTE["blue"],
        "anterior-ventral": figures.PALETTE["orange"],
    }
    mixed = figures.pathway_colours(["superior-cluneal", "new-a", "new-b", "middle-cluneal"])
    blue = [p for p, c in mixed.items() if c == figures.PALETTE["blue"]]
    assert blue == ["middle-cluneal"]  # both are blue; the later one (by name) moves
    assert len(set(mixed.values())) == 4
    assert set(mixed.values()) <= set(figures.PALETTE.values())
    assert figures.PAIN_COLOUR not in mixed.values()
    assert set(figures.PATHWAY_COLOUR_NAMES) == set(schema.PATHWAYS)


def test_coordinates_are_rounded(fake_body, fake_regions, fake_atlas):
    wobbly = {v: shapely.affinity.translate(g, 0.123456) for v, g in fake_body.outlines.items()}
    base = figures.view_base(type(fake_body)(wobbly), fake_regions, "posterior")
    fig = figures.compose(base, [figures.level_layer(fake_atlas, base, "T12")])
    values = [v for t in fig["data"] for v in (*t["x"], *t["y"]) if v is not None]
    assert values and all(round(v, figures.DECIMALS) == v for v in values)


# --- the shipped body, regions and atlas --------------------------------------------------


@pytest.fixture(scope="module")
def real():
    """The shipped body, regions and atlas, and a base per view."""
    from referral.atlas import load_atlas
    from referral.body import load_body
    from referral.regions import load_regions

    body, regions, atlas = load_body(), load_regions(), load_atlas()
    bases = {v: figures.view_base(body, regions, v) for v in schema.VIEWS}
    return regions, atlas, bases


@pytest.mark.parametrize("view", schema.VIEWS)
def test_real_tap_lattice_covers_every_region_of_the_view(real, view):
    regions, _, bases = real
    trace = tap(figures.compose(bases[view], tool="tap"))
    shapes = regions.in_view(view)
    assert set(trace["customdata"]) == set(shapes)
    for rid, text in zip(trace["customdata"], trace["text"], strict=True):
        assert text == f"<b>{regions.region(rid).label}</b>"
    assert set(trace["hovertext"]) == {""}  # no layer, no notes after the names


def test_real_t12_draws_every_pathway_with_its_ramus(real):
    _, atlas, bases = real
    expected = atlas.pathways.query("level == 'T12'").set_index("pathway")["ramus"]
    seen: dict[str, str] = {}
    for view in schema.VIEWS:
        fig = figures.compose(bases[view], [figures.level_layer(atlas, bases[view], "T12")])
        for t in fig["data"]:
            if t.get("showlegend") and t.get("legendgroup", "").startswith("T12:"):
                seen[t["legendgroup"].split(":", 1)[1]] = t["name"].replace("<br>", " ")
    assert set(seen) == set(expected.index)
    for pathway, name in seen.items():
        assert name.endswith(f"{expected[pathway]} ramus")
    assert {"dorsal", "ventral"} <= set(expected)


@pytest.mark.parametrize("level", schema.LEVELS)
def test_real_level_colours_distinct_per_pathway(real, level):
    _, atlas, bases = real
    for view in schema.VIEWS:
        fig = figures.compose(bases[view], [figures.level_layer(atlas, bases[view], level)])
        colour_of: dict[str, set[str]] = {}
        for t in traces(fig, "zone") + traces(fig, "course"):
            colour_of.setdefault(t["meta"]["pathway"], set()).add(t["line"]["color"])
        assert all(len(c) == 1 for c in colour_of.values())
        colours = [next(iter(c)) for c in colour_of.values()]
        assert len(colours) == len(set(colours))
        assert set(colours) <= set(figures.PALETTE.values()) - {figures.PAIN_COLOUR}
        for pathway, (colour,) in colour_of.items():  # the same colour at every level
            assert colour == figures.PALETTE[figures.PATHWAY_COLOUR_NAMES[pathway]]
        for t in traces(fig, "course"):
            assert t["line"]["dash"] == ("solid" if t["meta"]["ramus"] == "dorsal" else "dash")


def test_real_compare_overlay_holds_both_levels(real):
    _, atlas, bases = real
    base = bases["posterior"]
    fig = figures.compose(
        base,
        [
            figures.level_layer(atlas, base, "T12"),
            figures.level_layer(atlas, base, "L1", style="compare"),
        ],
    )
    levels = {(t["meta"]["level"], t["meta"]["style"]) for t in traces(fig, "zone")}
    assert levels == {("T12", "primary"), ("L1", "compare")}


def test_real_figure_stays_small(real):
    _, atlas, bases = real
    base = bases["posterior"]
    fig = figures.compose(base, [figures.level_layer(atlas, base, "T12")], tool="tap")
    size = len(json.dumps(fig))
    assert size < 150_000
    assert len(fig["data"]) < 40


def test_every_click_in_a_480px_plot_reaches_a_tap_point():
    """The farthest a click can be from a lattice point (half a cell's diagonal) is within
    the hover distance, so a click anywhere in a region reports a point."""
    spacing_px = figures.TAP_SPACING * 480 / (figures.Y_RANGE[1] - figures.Y_RANGE[0])
    assert spacing_px * 2**0.5 / 2 < figures.HOVER_DISTANCE


def test_the_pain_drawings_edge_stands_out_3_to_1_against_skin_and_every_zone():
    """WCAG 1.4.11: the marked state's edge keeps 3:1 against what lies beside it, the skin
    or any zone (each pathway colour at core and fringe opacity, over the skin)."""
    around = {"skin": figures.SKIN}
    for name in set(figures.PATHWAY_COLOUR_NAMES.values()) | set(figures.SPARE_COLOURS):
        for weight, alpha in figures.ZONE_OPACITY.items():
            colour = figures.PALETTE[name]
            around[f"{name} {weight}"] = figures.blend(colour, alpha, figures.SKIN)
    ratios = {k: figures.contrast_ratio(figures.PAIN_EDGE, v) for k, v in around.items()}
    assert min(ratios.values()) >= 3.0, sorted(ratios.items(), key=lambda kv: kv[1])[:3]
