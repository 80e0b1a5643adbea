"""Figures are checked through ``fig.data`` / ``fig.layout``, never through pixels."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import shapely
import shapely.affinity
from shapely.geometry import box

from referral import figures, schema


def traces(fig: go.Figure, role: str) -> list:
    """The traces of ``fig`` whose meta role is ``role``."""
    return [t for t in fig.data if (t.meta or {}).get("role") == role]


def side_labels(fig: go.Figure) -> dict[str, float]:
    """Annotation text (tags stripped) → x."""
    return {a.text.replace("<b>", "").replace("</b>", ""): a.x for a in fig.layout.annotations}


# --- synthetic fixtures -------------------------------------------------------------------


def test_anterior_puts_patient_right_on_viewer_left(fake_body, fake_regions):
    labels = side_labels(figures.body_figure(fake_body, fake_regions, "anterior"))
    assert labels["R"] < 0 < labels["L"]


def test_posterior_puts_patient_right_on_viewer_right(fake_body, fake_regions):
    labels = side_labels(figures.body_figure(fake_body, fake_regions, "posterior"))
    assert labels["L"] < 0 < labels["R"]


@pytest.mark.parametrize(
    ("view", "side", "anterior_sign"),
    [("left-lateral", "Left side", -1), ("right-lateral", "Right side", +1)],
)
def test_lateral_views_name_the_side_and_directions(
    fake_body, fake_regions, view, side, anterior_sign
):
    labels = side_labels(figures.body_figure(fake_body, fake_regions, view))
    assert side in labels
    anterior = next(x for t, x in labels.items() if "anterior" in t)
    posterior = next(x for t, x in labels.items() if "posterior" in t)
    assert np.sign(anterior) == anterior_sign
    assert np.sign(posterior) == -anterior_sign


@pytest.mark.parametrize("view", schema.VIEWS)
def test_one_border_trace_per_region(fake_body, fake_regions, view):
    fig = figures.body_figure(fake_body, fake_regions, view)
    borders = [t.meta["region"] for t in traces(fig, "border")]
    assert sorted(borders) == sorted(fake_regions.in_view(view))


@pytest.mark.parametrize("view", schema.VIEWS)
def test_grid_points_lie_inside_their_region(fake_body, fake_regions, view):
    fig = figures.body_figure(fake_body, fake_regions, view)
    shapes = fake_regions.in_view(view)
    grid = traces(fig, "grid")
    assert {t.customdata[0] for t in grid} == set(shapes)
    for t in grid:
        assert set(t.customdata) == {t.meta["region"]}
        assert shapely.contains_xy(shapes[t.meta["region"]], t.x, t.y).all()
        assert t.marker.opacity == 0


def test_small_region_still_gets_a_hover_point(fake_body):
    tiny = box(1, 1, 3, 3)  # smaller than the grid spacing: no lattice point inside
    points = figures._grid(tiny)
    assert len(points) == 1
    assert tiny.contains(shapely.points(points[0]))


def test_selected_regions_are_filled(fake_body, fake_regions):
    fig = figures.body_figure(fake_body, fake_regions, "posterior", selected=["left-trunk"])
    assert [t.meta["region"] for t in traces(fig, "selected")] == ["left-trunk"]


def test_layout_is_equal_aspect_fixed_and_axis_free(fake_body, fake_regions):
    fig = figures.body_figure(fake_body, fake_regions, "anterior")
    assert fig.layout.yaxis.scaleanchor == "x"
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert fig.layout.xaxis.fixedrange and fig.layout.yaxis.fixedrange
    assert fig.layout.xaxis.range[0] < -100 and fig.layout.xaxis.range[1] > 100
    assert fig.layout.yaxis.range[0] < 0 and fig.layout.yaxis.range[1] > 1000
    assert not fig.layout.template.layout.to_plotly_json()  # template "none": no styling


def test_lecture_mode_enlarges_fonts_and_lines(fake_body, fake_regions):
    normal = figures.body_figure(fake_body, fake_regions, "posterior")
    lecture = figures.body_figure(fake_body, fake_regions, "posterior", lecture=True)
    assert lecture.layout.font.size >= 20 > normal.layout.font.size
    assert lecture.layout.hoverlabel.font.size >= 20
    assert min(a.font.size for a in lecture.layout.annotations) >= 20
    assert traces(lecture, "skin")[0].line.width > traces(normal, "skin")[0].line.width


def test_unknown_view_is_rejected(fake_body, fake_regions):
    with pytest.raises(ValueError, match="unknown view"):
        figures.body_figure(fake_body, fake_regions, "dorsal")


def test_add_level_colours_pathways_and_names_rami(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "posterior")
    figures.add_level(fig, fake_atlas, "T12", "posterior")
    zones = traces(fig, "zone")
    assert {t.meta["pathway"] for t in zones} == {"superior-cluneal"}
    legend = [t.name.replace("<br>", " ") for t in fig.data if t.showlegend]
    assert legend == ["Superior cluneal nerves — dorsal ramus"]
    # core is more opaque than fringe
    core = [t for t in zones if "0.55" in t.fillcolor]
    fringe = [t for t in zones if "0.22" in t.fillcolor]
    assert len(core) == len(fringe) == 2


def test_add_level_sides_filter(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "anterior")
    figures.add_level(fig, fake_atlas, "T12", "anterior", sides=("left",))
    zones = traces(fig, "zone")
    assert len(zones) == 2  # left core + left fringe
    assert all(shapely.box(0, 0, 100, 1000).contains(shapely.points(t.x[0], t.y[0])) for t in zones)


def test_courses_dashed_for_ventral_with_exit_marker(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "anterior")
    figures.add_level(fig, fake_atlas, "T12", "anterior", sides=("left",))
    (course,) = traces(fig, "course")
    assert course.meta["ramus"] == "ventral" and course.line.dash == "dash"
    (exit_marker,) = traces(fig, "exit")
    assert (exit_marker.x[0], exit_marker.y[0]) == (course.x[0], course.y[0])
    legend = [t.name.replace("<br>", " ") for t in fig.data if t.showlegend]
    assert legend == ["Ilioinguinal (ilioinguinal nerve) — ventral ramus"]


def test_hover_over_a_zone_lists_it(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "posterior")
    before = sum(len(t.x) for t in traces(fig, "grid"))
    figures.add_level(fig, fake_atlas, "T12", "posterior", sides=("left",))
    grid = traces(fig, "grid")
    assert sum(len(t.x) for t in grid) == before  # split, not duplicated
    inside = [t for t in grid if "T12 · Superior cluneal" in t.hovertemplate]
    assert inside and all(t.customdata[0] == "left-trunk" for t in inside)
    plain = [t for t in grid if "T12" not in t.hovertemplate]
    assert {t.customdata[0] for t in plain} == {"left-trunk", "right-trunk"}


def test_outline_stays_on_top(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "posterior")
    figures.add_level(fig, fake_atlas, "T12", "posterior")
    assert fig.data[-1].meta["role"] == "outline"


def test_add_level_rejects_unknown_level(fake_body, fake_regions, fake_atlas):
    fig = figures.body_figure(fake_body, fake_regions, "posterior")
    with pytest.raises(ValueError, match="unknown level"):
        figures.add_level(fig, fake_atlas, "X9", "posterior")


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


def test_add_drawing_hatches_in_vermillion(fake_body, fake_regions):
    fig = figures.body_figure(fake_body, fake_regions, "posterior")
    figures.add_drawing(fig, {"posterior": box(-50, 500, -10, 600), "anterior": None}, "posterior")
    (drawing,) = traces(fig, "drawing")
    assert drawing.fillpattern.fgcolor == figures.PAIN_COLOUR
    assert drawing.fillpattern.shape
    figures.add_drawing(fig, {"anterior": None}, "anterior")  # nothing to draw: no-op
    assert len(traces(fig, "drawing")) == 1


def test_coordinates_are_rounded(fake_body, fake_regions, fake_atlas):
    wobbly = {v: shapely.affinity.translate(g, 0.123456) for v, g in fake_body.outlines.items()}
    fig = figures.body_figure(type(fake_body)(wobbly), fake_regions, "posterior")
    figures.add_level(fig, fake_atlas, "T12", "posterior")
    values = [v for t in fig.data for v in (*t.x, *t.y) if v is not None]
    assert values and all(round(v, figures.DECIMALS) == v for v in values)


# --- the shipped body, regions and atlas --------------------------------------------------


@pytest.fixture(scope="module")
def real():
    """The shipped body, regions and atlas."""
    from referral.atlas import load_atlas
    from referral.body import load_body
    from referral.regions import load_regions

    return load_body(), load_regions(), load_atlas()


@pytest.mark.parametrize("view", schema.VIEWS)
def test_real_grid_covers_every_region_of_the_view(real, view):
    body, regions, _ = real
    fig = figures.body_figure(body, regions, view)
    shapes = regions.in_view(view)
    grid = traces(fig, "grid")
    assert sorted(t.meta["region"] for t in grid) == sorted(shapes)
    assert {t.meta["region"] for t in traces(fig, "border")} == set(shapes)
    for t in grid:
        assert t.meta["region"] in regions.ids()
        assert shapely.contains_xy(shapes[t.meta["region"]], t.x, t.y).all()
        assert t.name == regions.region(t.meta["region"]).label


def test_real_t12_draws_every_pathway_with_its_ramus(real):
    body, regions, atlas = real
    expected = atlas.pathways.query("level == 'T12'").set_index("pathway")["ramus"]
    seen: dict[str, str] = {}
    for view in schema.VIEWS:
        fig = figures.add_level(figures.body_figure(body, regions, view), atlas, "T12", view)
        for t in fig.data:
            if t.showlegend and t.legendgroup in expected:
                seen[t.legendgroup] = t.name.replace("<br>", " ")
    assert set(seen) == set(expected.index)
    for pathway, name in seen.items():
        assert name.endswith(f"{expected[pathway]} ramus")
    assert {"dorsal", "ventral"} <= set(expected)


@pytest.mark.parametrize("level", schema.LEVELS)
def test_real_level_colours_distinct_per_pathway(real, level):
    body, regions, atlas = real
    for view in schema.VIEWS:
        fig = figures.add_level(figures.body_figure(body, regions, view), atlas, level, view)
        colour_of: dict[str, set[str]] = {}
        for t in traces(fig, "zone") + traces(fig, "course"):
            colour_of.setdefault(t.meta["pathway"], set()).add(t.line.color)
        assert all(len(c) == 1 for c in colour_of.values())
        colours = [next(iter(c)) for c in colour_of.values()]
        assert len(colours) == len(set(colours))
        assert set(colours) <= set(figures.PALETTE.values()) - {figures.PAIN_COLOUR}
        for pathway, (colour,) in colour_of.items():  # the same colour at every level
            assert colour == figures.PALETTE[figures.PATHWAY_COLOUR_NAMES[pathway]]
        for t in traces(fig, "course"):
            assert t.line.dash == ("solid" if t.meta["ramus"] == "dorsal" else "dash")


def test_real_figure_json_stays_small(real):
    body, regions, atlas = real
    fig = figures.add_level(
        figures.body_figure(body, regions, "posterior"), atlas, "T12", "posterior"
    )
    assert len(fig.to_json()) < 200_000
