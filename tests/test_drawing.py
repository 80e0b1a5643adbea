"""Pain drawings: construction from every input, repair, exports that round-trip, errors."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import shapely
from catalogue import BOWTIE, regions, ring, standard_drawings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from referral import schema
from referral.drawing import Drawing, DrawingError, UnknownRegionError
from referral.formats import MAX_FEATURES
from referral.outline import MAX_VERTICES, canonical_area, enclosed_area

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
    with pytest.raises(schema.UnknownViewError, match="unknown view 'side'"):
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
        ("3~r_left-groin", "version"),
        ("2~r_left-groin", "check does not match"),
        ("2~r_left-groin~k_0", "check does not match"),
        ("1~x_left-groin", "expected 'r_<ids>', 'i_<ratings>' or 'o_<view>_<ring>'"),
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


def test_a_text_cut_anywhere_or_changed_anywhere_is_refused() -> None:
    """The check part: every shorter prefix of a text (a link cut between two parts, or
    between two region ids, reads as a smaller valid drawing without it) and every
    one-character change are refused."""
    drawing = (
        Drawing.from_regions(["left-groin", "left-iliac-crest", "left-trochanter"], regions())
        .with_intensity("left-groin", 7, regions())
        .with_outline("posterior", ring(-60, 540, 12, 10, n=12))
    )
    text = drawing.to_text()
    assert Drawing.from_text(text, regions()) == drawing
    for end in range(len(text)):
        with pytest.raises(DrawingError):
            Drawing.from_text(text[:end], regions())
    for i, char in enumerate(text):
        changed = text[:i] + ("0" if char != "0" else "1") + text[i + 1 :]
        with pytest.raises(DrawingError):
            Drawing.from_text(changed, regions())


def test_version_1_texts_without_the_check_still_read() -> None:
    drawing = Drawing.from_regions(["left-groin"], regions()).with_intensity(
        "left-groin", 3, regions()
    )
    body, _, check = drawing.to_text().rpartition("~")
    assert body == "2~r_left-groin~i_left-groin.3" and check.startswith("k_")
    assert Drawing.from_text("1" + body[1:], regions()) == drawing


def test_shapes_per_view_include_tapped_regions_and_outlines() -> None:
    drawing = Drawing.from_regions(["left-groin"], regions()).with_outline(
        "posterior", ring(-40, 580, 10, 10)
    )
    shapes = drawing.shapes(regions())
    assert shapes["anterior"].contains(
        regions().shapes["anterior"]["left-groin"].representative_point()
    )
    assert shapes["posterior"].area == pytest.approx(drawing.outlines["posterior"].area)


# -- lassos: fast, everything enclosed, inside the frame --------------------------------------


def wobbly_lasso(n: int, turns: float = 1.3) -> np.ndarray:
    """A hand-drawn lasso of ``n`` points ~1 unit apart that overshoots its start and wobbles
    across its own path (a self-crossing path, as plotly delivers it)."""
    t = np.linspace(0, turns * 2 * np.pi, n)
    r = 60 + 6 * np.sin(9 * t)
    return np.c_[-60 + r * np.cos(t), 560 + 1.3 * r * np.sin(t)]


def test_a_1000_point_self_crossing_lasso_becomes_an_area_well_under_100_ms() -> None:
    path = wobbly_lasso(1000)
    closed = np.vstack([path, path[:1]])
    from referral.outline import self_crossings

    assert self_crossings(closed) > 10
    start = time.process_time()
    drawing = Drawing.from_outline("posterior", path)
    elapsed = time.process_time() - start
    assert elapsed < 0.1
    # Everything the path encloses: the same as the union of the faces of the noded path.
    faces = shapely.polygonize(shapely.get_parts(shapely.node(shapely.LineString(closed))))
    expected = shapely.union_all(shapely.get_parts(faces)).area
    assert drawing.outlines["posterior"].area == pytest.approx(expected, rel=0.01)


@pytest.mark.parametrize(
    "path",
    [
        BOWTIE,
        [(-60, 560), (-20, 600), (-20, 560), (-40, 580), (-60, 620), (-60, 560)],
        wobbly_lasso(400).tolist(),
    ],
    ids=["figure-of-eight", "loop-through-its-start", "overshooting-lasso"],
)
def test_simple_self_crossings_enclose_what_the_structure_repair_gives(path) -> None:
    # GEOS's structure repair fills each loop of these paths; so does the enclosed area.
    structure = shapely.make_valid(shapely.Polygon(path), method="structure")
    assert enclosed_area(path).area == pytest.approx(structure.area, rel=1e-3)


def test_a_lasso_past_the_edge_of_the_figure_keeps_the_part_on_it() -> None:
    x1 = schema.VIEW_FRAMES["posterior"][2]
    drawing = Drawing.from_outline("posterior", [(x1 - 20, 500), (x1 + 50, 500), (x1 + 50, 540)])
    assert drawing.outlines["posterior"].bounds[2] <= x1
    with pytest.raises(DrawingError, match="inside the posterior view"):
        Drawing.from_outline("posterior", [(1e6, 0), (1e6 + 10, 0), (1e6, 10)])


# -- erase --------------------------------------------------------------------------------------


def test_erasing_part_of_a_tapped_region_leaves_the_rest_outlined_in_that_view() -> None:
    low_back = regions().shapes["posterior"]["left-low-back"]
    centre = low_back.representative_point()
    drawing = Drawing.from_regions(["left-low-back", "left-groin"], regions())
    erased = drawing.without_outline("posterior", ring(centre.x, centre.y, 12, 12), regions())
    assert erased.regions == {"left-groin"}
    remaining = erased.outlines["posterior"]
    hole = shapely.Polygon(ring(centre.x, centre.y, 12, 12))
    assert remaining.area == pytest.approx(low_back.difference(hole).area, rel=0.02)
    assert not remaining.contains(centre)
    assert list(erased.outlines) == ["posterior"]


def test_erasing_removes_outlined_area_only_in_its_view() -> None:
    drawing = Drawing.from_outline("posterior", ring(-40, 580, 20, 20)).with_outline(
        "anterior", ring(40, 580, 20, 20)
    )
    erased = drawing.without_area("posterior", shapely.box(-40, 550, 0, 610), regions())
    assert erased.outlines["anterior"] == drawing.outlines["anterior"]
    assert erased.outlines["posterior"].area == pytest.approx(
        drawing.outlines["posterior"].area / 2, rel=0.05
    )
    everything = erased.without_area("posterior", shapely.box(-100, 500, 100, 700), regions())
    assert list(everything.outlines) == ["anterior"]


def test_erasing_elsewhere_keeps_tapped_regions_and_their_intensity() -> None:
    drawing = Drawing.from_regions(["left-groin"], regions()).with_intensity(
        "left-groin", 6, regions()
    )
    erased = drawing.without_area("posterior", shapely.box(-40, 550, 0, 610), regions())
    assert erased == drawing


def test_erasing_a_whole_rated_region_drops_its_intensity() -> None:
    groin = regions().shapes["anterior"]["left-groin"]
    drawing = Drawing.from_regions(["left-groin"], regions()).with_intensity(
        "left-groin", 6, regions()
    )
    erased = drawing.without_area("anterior", groin.buffer(2), regions())
    assert erased.is_empty and erased.intensity == {}


def test_erasing_part_of_a_rated_region_keeps_its_intensity() -> None:
    low_back = regions().shapes["posterior"]["left-low-back"]
    centre = low_back.representative_point()
    drawing = Drawing.from_regions(["left-low-back"], regions()).with_intensity(
        "left-low-back", 4, regions()
    )
    erased = drawing.without_outline("posterior", ring(centre.x, centre.y, 12, 12), regions())
    assert erased.intensity == {"left-low-back": 4}
    assert Drawing.from_text(erased.to_text(), regions()) == erased
    assert Drawing.from_geojson(erased.to_geojson(), regions()) == erased


# -- intensity -------------------------------------------------------------------------------


def test_intensity_round_trips_through_text_and_geojson() -> None:
    drawing = (
        Drawing.from_regions(["left-groin", "left-low-back"], regions())
        .with_outline("posterior", ring(-60, 540, 20, 14))
        .with_intensity("left-groin", 0, regions())
        .with_intensity("left-low-back", 10, regions())
    )
    outlined = sorted(drawing.painful_regions(regions()) - drawing.regions)
    assert outlined
    drawing = drawing.with_intensity(outlined[0], 7, regions())
    assert drawing.intensity == {"left-groin": 0, "left-low-back": 10, outlined[0]: 7}
    text = drawing.to_text()
    assert f"~i_left-groin.0_left-low-back.10_{outlined[0]}.7~" in text or outlined[0] < "left-l"
    assert Drawing.from_text(text, regions()) == drawing
    exported = json.loads(json.dumps(drawing.to_geojson()))
    assert Drawing.from_geojson(exported, regions()) == drawing
    assert Drawing.from_geojson(exported, regions()).to_geojson() == exported


def test_removing_a_region_drops_its_intensity_and_none_unrates() -> None:
    drawing = Drawing.from_regions(["left-groin", "left-pubic"], regions()).with_intensity(
        "left-groin", 5, regions()
    )
    assert drawing.without_regions(["left-groin"]).intensity == {}
    assert drawing.with_intensity("left-groin", None, regions()).intensity == {}


@pytest.mark.parametrize("value", [-1, 11, 2.5, "5", True, None])
def test_bad_intensities_are_refused(value) -> None:
    drawing = Drawing.from_regions(["left-groin"], regions())
    if value is None:  # rating a region that is not marked
        with pytest.raises(DrawingError, match="not marked"):
            drawing.with_intensity("left-pubic", 5, regions())
        return
    with pytest.raises(DrawingError, match="0-10"):
        drawing.with_intensity("left-groin", value, regions())


@pytest.mark.parametrize(
    "text, message",
    [
        ("1~r_left-groin~i_left-groin.11", "expected '<region>.<0-10>'"),
        ("1~r_left-groin~i_left-groin.07", "expected '<region>.<0-10>'"),
        ("1~r_left-groin~i_left-pubic.3", "not marked"),
        ("1~r_left-groin~i_left-grion.3", "unknown region"),
        ("1~i_left-groin.3~r_left-groin", "canonical form"),
    ],
)
def test_tampered_intensities_in_text_are_refused(text: str, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_text(text, regions())


@pytest.mark.parametrize("value", [11, -1, 2.5, "7", True, None])
def test_tampered_intensities_in_geojson_are_refused(value) -> None:
    feature = {
        "type": "Feature",
        "properties": {"kind": "region", "region": "left-groin", "intensity": value},
        "geometry": None,
    }
    with pytest.raises(DrawingError, match="feature 1: 'intensity' must be a whole number"):
        Drawing.from_geojson({"type": "FeatureCollection", "features": [feature]}, regions())


FULLWIDTH_218 = "\uff12\uff11\uff18"  # digits that str.isdigit() and int() accept
ARABIC_INDIC_218 = "\u0662\u0661\u0668"


# -- pasted codes -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["218,223", "218 223", " 218;223 ", "218,\n223", "b18,b23", "B18 b23", "218, b23"]
)
def test_pasted_codes_in_every_notation_give_the_same_drawing(text: str) -> None:
    expected = Drawing.from_choir([218, 223], regions())
    assert Drawing.from_codes(text, regions()) == expected
    assert "left-low-back" in expected.regions and "left-upper-buttock" in expected.regions


def test_front_redcap_keys_map_to_front_codes() -> None:
    assert Drawing.from_codes("f01", regions()) == Drawing.from_choir([101], regions())


@pytest.mark.parametrize(
    "text, message",
    [
        ("²", "is not a CHOIR code"),
        (FULLWIDTH_218, "is not a CHOIR code"),
        (ARABIC_INDIC_218, "is not a CHOIR code"),
        ("1" * 5000, "longer than 1000 characters"),
        ("1" * 900, "is not a CHOIR code"),
        ("b99", "unknown REDCap body map key 'b99'"),
        ("218,x", "'x' is not a CHOIR code"),
        ("999", "unknown CHOIR code 999"),
        ("-218", "is not a CHOIR code"),
    ],
)
def test_bad_pasted_codes_are_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_codes(text, regions())


@pytest.mark.parametrize("code", ["²", FULLWIDTH_218, "1" * 5000])
def test_from_choir_accepts_ascii_digits_only(code: str) -> None:
    with pytest.raises(DrawingError, match="is not a number"):
        Drawing.from_choir([code], regions())


# -- degenerate, out-of-frame and oversized input ------------------------------------------------


def outline_file(geometry: object, view: str = "posterior") -> dict:
    feature = {"type": "Feature", "properties": {"view": view}, "geometry": geometry}
    return {"type": "FeatureCollection", "features": [feature]}


def polygon(*rings: list) -> dict:
    return {"type": "Polygon", "coordinates": list(rings)}


SQUARE = [[-40, 560], [-20, 560], [-20, 580], [-40, 580], [-40, 560]]


@pytest.mark.parametrize(
    "geometry, message",
    [
        (polygon(), "encloses no area"),
        ({"type": "Polygon", "coordinates": []}, "encloses no area"),
        (polygon([]), "encloses no area"),
        ({"type": "MultiPolygon", "coordinates": []}, "encloses no area"),
        (polygon([[-40, 560], [-20, 560], [-40, 560]]), "encloses no area"),
        (polygon([[-40, 560], [-30, 570], [-20, 580], [-40, 560]]), "encloses no area"),
        (polygon([[x + 1e6, y] for x, y in SQUARE]), "lies outside the posterior view"),
        (polygon([[x, y + 1e7] for x, y in SQUARE]), "lies outside the posterior view"),
        (polygon([[x * 1e20, y] for x, y in SQUARE]), "lies outside the posterior view"),
        (polygon([[-1e20, -1e20], [1e20, -1e20], [1e20, 1e20], [-1e20, -1e20]]), "outside"),
        (polygon([[1e308, 0], [1.7e308, 0], [1.7e308, 1e308], [1e308, 0]]), "outside"),
        (polygon([[x - 300, y] for x, y in SQUARE]), "lies outside the posterior view"),
    ],
    ids=[
        "no-rings",
        "empty-coordinates",
        "empty-ring",
        "empty-multipolygon",
        "3-point-closed-ring",
        "collinear",
        "1e6-away",
        "y-1e7",
        "x-1e20",
        "pm-1e20",
        "1e308",
        "beside-the-figure",
    ],
)
def test_degenerate_and_out_of_frame_outlines_are_refused(geometry, message: str) -> None:
    with pytest.raises(DrawingError, match=message):
        Drawing.from_geojson(outline_file(geometry), regions())


def test_the_frame_holds_every_region_with_room_to_spare() -> None:
    for view in schema.VIEWS:
        x0, y0, x1, y1 = schema.VIEW_FRAMES[view]
        minx, miny, maxx, maxy = shapely.union_all(list(regions().in_view(view).values())).bounds
        assert x0 <= minx - 50 and maxx + 50 <= x1 and y0 < miny and maxy < y1, view


def test_too_many_self_crossings_are_refused_fast() -> None:
    rng = np.random.default_rng(0)
    points = np.c_[rng.uniform(-100, 0, 400), rng.uniform(500, 600, 400)]
    start = time.process_time()
    with pytest.raises(DrawingError, match=r"crosses itself \d+ times; the limit is"):
        Drawing.from_outline("posterior", points)
    assert time.process_time() - start < 1


def test_a_drawing_too_detailed_for_a_link_is_refused_when_built() -> None:
    squares = [shapely.box(-200 + 10 * i, 300, -197 + 10 * i, 303) for i in range(40)]
    squares += [shapely.box(-200 + 10 * i, 320, -197 + 10 * i, 323) for i in range(40)]
    squares += [shapely.box(-200 + 10 * i, 340, -197 + 10 * i, 343) for i in range(40)]
    squares += [shapely.box(-200 + 10 * i, 360, -197 + 10 * i, 363) for i in range(40)]
    squares += [shapely.box(-200 + 10 * i, 380, -197 + 10 * i, 383) for i in range(40)]
    squares += [shapely.box(-200 + 10 * i, 400, -197 + 10 * i, 403) for i in range(40)]
    with pytest.raises(DrawingError, match="too detailed to keep in a link"):
        Drawing().with_area("posterior", shapely.MultiPolygon(squares))


def test_many_features_of_one_view_are_merged_once() -> None:
    square = [[-40, 560], [-37, 560], [-37, 563], [-40, 563], [-40, 560]]
    features = [
        {
            "type": "Feature",
            "properties": {"view": "posterior"},
            "geometry": polygon([[x + i * 0.02, y] for x, y in square]),
        }
        for i in range(MAX_FEATURES)
    ]
    start = time.process_time()
    drawing = Drawing.from_geojson({"type": "FeatureCollection", "features": features}, regions())
    assert time.process_time() - start < 0.1
    assert len(drawing.outlines["posterior"].geoms) == 1
