"""Pain drawings: construction from every input, repair, exports that round-trip, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from catalogue import BOWTIE, regions, ring, standard_drawings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral import schema
from referral.drawing import (
    MAX_VERTICES,
    Drawing,
    DrawingError,
    UnknownRegionError,
    canonical_area,
    enclosed_area,
    measure,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

coordinate = st.floats(min_value=-300, max_value=300, allow_nan=False, allow_infinity=False)
height = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
paths = st.lists(st.tuples(coordinate, height), min_size=3, max_size=40)


def random_drawing(data: st.DataObject) -> Drawing:
    ids = data.draw(st.lists(st.sampled_from(regions().ids()), max_size=6))
    drawing = Drawing.from_regions(ids, regions())
    for view in data.draw(st.lists(st.sampled_from(schema.VIEWS), max_size=3)):
        path = data.draw(paths)
        try:
            drawing = drawing.with_outline(view, path)
        except DrawingError:
            continue  # degenerate path (collinear or too small): refused with a message
    return drawing


# -- region ids and CHOIR codes -------------------------------------------------------------


def test_from_regions_keeps_ids() -> None:
    drawing = Drawing.from_regions(["left-groin", " left-pubic "], regions())
    assert drawing.regions == {"left-groin", "left-pubic"}


def test_unknown_region_names_the_closest_ids() -> None:
    with pytest.raises(UnknownRegionError) as err:
        Drawing.from_regions(["left-grion"], regions())
    assert "left-groin" in err.value.suggestions
    assert "left-grion" in str(err.value) and "left-groin" in str(err.value)


def test_choir_codes_select_every_region_carrying_them() -> None:
    drawing = Drawing.from_choir(["218", 122], regions())
    assert "left-low-back" in drawing.regions
    assert "left-groin" in drawing.regions
    assert all(schema.split_region_id(r)[0] == "left" for r in drawing.regions)


@pytest.mark.parametrize("code", ["999", "100", "abc"])
def test_unknown_choir_code_is_named(code: str) -> None:
    with pytest.raises(DrawingError, match=code):
        Drawing.from_choir([code], regions())


# -- outlines --------------------------------------------------------------------------------


def test_bowtie_is_repaired_into_both_loops() -> None:
    area = enclosed_area(BOWTIE)
    assert area.is_valid
    assert len(area.geoms) == 2
    assert area.area == pytest.approx(2 * 0.5 * 40 * 20)


def test_a_path_circling_twice_keeps_everything_it_encloses() -> None:
    t = np.linspace(0, 4 * np.pi, 400, endpoint=False)
    r = 10 + 3 * np.cos(t / 2)
    area = enclosed_area(np.c_[r * np.cos(t), r * np.sin(t)])
    # Outer envelope r(θ) = 10 + 3|cos(θ/2)|: area = ½∫r² dθ = (209π + 240) / 2.
    assert area.area == pytest.approx((209 * np.pi + 240) / 2, rel=0.01)


@pytest.mark.parametrize(
    "points, message",
    [
        ([(0, 0), (1, 1)], "at least 3 distinct points"),
        ([(0, 0), (0, 0), (0, 0), (1, 1)], "at least 3 distinct points"),
        ([(0, 0), (1, float("nan")), (2, 0)], "finite"),
        ([(0, 0, 0), (1, 1, 1), (2, 0, 1)], "list of \\[x, y\\] points"),
        ("not points", "list of \\[x, y\\] points"),
        (np.zeros((MAX_VERTICES + 1, 2)), "limit"),
    ],
)
def test_bad_outlines_are_refused_clearly(points: object, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_outline("posterior", points)  # type: ignore[arg-type]


def test_collinear_outline_is_refused() -> None:
    with pytest.raises(DrawingError, match="encloses no area"):
        Drawing.from_outline("posterior", [(0, 0), (10, 10), (20, 20)])


def test_unknown_view_is_refused() -> None:
    with pytest.raises(DrawingError, match="unknown view 'side'"):
        Drawing.from_outline("side", ring(0, 500, 10, 10))


def test_outlines_in_one_view_are_merged() -> None:
    drawing = Drawing.from_outline("posterior", ring(-40, 580, 10, 10)).with_outline(
        "posterior", ring(-45, 580, 10, 10)
    )
    assert list(drawing.outlines) == ["posterior"]
    assert drawing.outlines["posterior"].geom_type == "MultiPolygon"
    assert len(drawing.outlines["posterior"].geoms) == 1


@SETTINGS
@given(paths)
def test_canonical_area_is_idempotent_and_valid(path: list[tuple[float, float]]) -> None:
    try:
        area = enclosed_area(path)
    except DrawingError:
        return
    once = canonical_area(area)
    assert once.is_valid
    assert shapely.equals_exact(canonical_area(once), once, 0)
    assert np.all(shapely.get_coordinates(once) == np.round(shapely.get_coordinates(once)))


@SETTINGS
@given(paths)
def test_self_intersecting_paths_never_fail_when_they_enclose_area(path) -> None:
    try:
        area = enclosed_area(path)
    except DrawingError as exc:
        assert "3 distinct points" in str(exc) or "encloses no area" in str(exc)
        return
    assert area.is_valid
    assert area.geom_type == "MultiPolygon"


# -- GeoJSON ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(standard_drawings()))
def test_geojson_round_trips_exactly(name: str) -> None:
    drawing = standard_drawings()[name]
    exported = drawing.to_geojson()
    text = json.dumps(exported)
    again = Drawing.from_geojson(json.loads(text), regions())
    assert again == drawing
    assert again.to_geojson() == exported


@SETTINGS
@given(st.data())
def test_geojson_and_text_round_trip_for_random_drawings(data: st.DataObject) -> None:
    drawing = random_drawing(data)
    assert Drawing.from_geojson(json.loads(json.dumps(drawing.to_geojson())), regions()) == drawing
    assert Drawing.from_text(drawing.to_text(), regions()) == drawing


@pytest.mark.parametrize(
    "data, message",
    [
        ([], "FeatureCollection"),
        ({"type": "FeatureCollection"}, "'features' list"),
        ({"type": "FeatureCollection", "features": [1]}, "feature 1 is not a GeoJSON Feature"),
        (
            {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}}]},
            "feature 1: needs 'region' or a 'view'",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"region": "left-grion"}, "geometry": None}
                ],
            },
            "feature 1: unknown region 'left-grion'; did you mean left-groin",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"view": "posterior"},
                        "geometry": {"type": "LineString", "coordinates": [[0, 0], [1, 1]]},
                    }
                ],
            },
            "Polygon or MultiPolygon",
        ),
        (
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"view": "posterior"},
                        "geometry": {"type": "Polygon", "coordinates": [[["a", 0]]]},
                    }
                ],
            },
            "malformed coordinates",
        ),
    ],
)
def test_malformed_geojson_says_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_geojson(data, regions())


def test_self_intersecting_geojson_polygon_is_repaired() -> None:
    bowtie = [[list(p) for p in [*BOWTIE, BOWTIE[0]]]]
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"view": "posterior"},
                "geometry": {"type": "Polygon", "coordinates": bowtie},
            }
        ],
    }
    drawing = Drawing.from_geojson(data, regions())
    assert drawing.outlines["posterior"].is_valid
    assert drawing.outlines["posterior"].area > 0


def test_read_names_the_file(tmp_path) -> None:
    missing = tmp_path / "missing.geojson"
    with pytest.raises(DrawingError, match=r"missing\.geojson: cannot read"):
        Drawing.read(missing, regions())
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(DrawingError, match=r"broken\.geojson: not valid JSON"):
        Drawing.read(broken, regions())


# -- compact text ----------------------------------------------------------------------------


def test_text_of_a_typical_drawing_is_short() -> None:
    drawing = Drawing.from_regions(
        ["left-low-back", "left-iliac-crest", "left-upper-buttock", "left-groin"], regions()
    ).with_outline("posterior", ring(-60, 540, 20, 14, n=200))
    text = drawing.to_text()
    assert len(text) < 500
    assert set(text) <= set("abcdefghijklmnopqrstuvwxyz0123456789-._~")
    assert Drawing.from_text(text, regions()) == drawing


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "version"),
        ("2~r_left-groin", "version"),
        ("1~x_left-groin", "expected 'r_<ids>' or 'o_<view>_<ring>'"),
        ("1~r_left-grion", "unknown region 'left-grion'"),
        ("1~o_q_0.0.10.0.0.10", "unknown view code 'q'"),
        ("1~o_p_0.0.10.0", "at least 3 pairs"),
        ("1~o_p_0.0.10.0.a.10", "at least 3 pairs"),
        ("1~o_p_0.0.10.10.0.-10.-10.10", "Self-intersection"),
        ("1~r_left-pubic_left-groin", "canonical form"),
        ("1~" + "r_left-groin~" * 20_000, "longer than"),
    ],
)
def test_malformed_text_is_rejected_clearly(text: str, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_text(text, regions())


# -- measuring on one skin -------------------------------------------------------------------


def test_a_tapped_region_counts_once_whatever_its_views() -> None:
    rid = "left-trochanter"
    assert len(regions().views_of(rid)) >= 2
    m = measure(Drawing.from_regions([rid], regions()), regions())
    assert m.region == (rid,)
    assert m.fraction.tolist() == [1.0]


def test_an_area_outlined_in_several_views_is_measured_in_each() -> None:
    rid = "left-trochanter"
    drawing = Drawing()
    for view in regions().views_of(rid):
        drawing = drawing.with_area(view, regions().shapes[view][rid])
    m = measure(drawing, regions())
    entries = [i for i, r in enumerate(m.region) if r == rid]
    assert sorted(m.view[i] for i in entries) == sorted(regions().views_of(rid))
    assert all(m.fraction[i] == pytest.approx(1.0, abs=0.02) for i in entries)


def test_outline_outside_the_body_measures_nothing() -> None:
    m = measure(Drawing.from_outline("posterior", ring(280, 950, 10, 10)), regions())
    assert m.region == ()


def test_shapes_per_view_include_tapped_regions_and_outlines() -> None:
    drawing = Drawing.from_regions(["left-groin"], regions()).with_outline(
        "posterior", ring(-40, 580, 10, 10)
    )
    shapes = drawing.shapes(regions())
    assert shapes["anterior"].contains(
        regions().shapes["anterior"]["left-groin"].representative_point()
    )
    assert shapes["posterior"].area == pytest.approx(drawing.outlines["posterior"].area)
