"""Tests of the named regions: tiling, names, CHOIR codes and point lookup."""

from __future__ import annotations

import csv
import itertools

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point
from shapely.ops import unary_union

from referral import schema
from referral.body import Body, load_body
from referral.regions import Regions, load_regions, redcap_codes

REQUIRED_NAMES = [
    "occiput", "suboccipital", "posterior-neck", "upper-trapezius", "suprascapular", "scapula",
    "interscapular", "shoulder", "mid-back", "thoracolumbar", "low-back", "flank",
    "iliac-crest", "sacral", "upper-buttock", "medial-buttock", "lower-buttock", "chest",
    "lateral-chest", "upper-abdomen", "lower-abdomen", "groin", "pubic", "genital",
    "trochanter", "lateral-thigh", "anterior-thigh", "medial-thigh", "posterior-thigh", "knee",
    "calf", "shin", "foot", "upper-arm", "forearm", "hand",
]  # fmt: skip
#: Fractions of the outline area. Overlaps come only from rounding vertices to 0.01 units:
#: each pair of regions may overlap by OVERLAP_TOL, all pairs together by TOTAL_OVERLAP_TOL.
OVERLAP_TOL = 1e-6
TOTAL_OVERLAP_TOL = 2e-6
UNION_TOL = 1e-3  # the union of the regions vs the outline (symmetric difference)
FRONT_BACK = ("anterior", "posterior")


@pytest.fixture(scope="module")
def regions() -> Regions:
    return load_regions()


@pytest.fixture(scope="module")
def body() -> Body:
    return load_body()


def _choir_rows() -> list[dict[str, str]]:
    with schema.CHOIR_FILE.open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("view", schema.VIEWS)
def test_regions_tile_the_outline(regions: Regions, body: Body, view: str) -> None:
    shapes = regions.in_view(view)
    outline = body.outline(view)
    assert all(g.is_valid and not g.is_empty for g in shapes.values())
    overlaps = [a.intersection(b).area for a, b in itertools.combinations(shapes.values(), 2)]
    assert max(overlaps) <= OVERLAP_TOL * outline.area
    assert sum(overlaps) <= TOTAL_OVERLAP_TOL * outline.area
    union = unary_union(list(shapes.values()))
    assert union.symmetric_difference(outline).area <= UNION_TOL * outline.area


@pytest.mark.parametrize("name", REQUIRED_NAMES)
@pytest.mark.parametrize("side", schema.SIDES)
def test_required_region_present(regions: Regions, name: str, side: str) -> None:
    rid = schema.region_id(side, name)  # type: ignore[arg-type]
    region = regions.region(rid)
    assert (region.name, region.side) == (name, side)
    assert region.label == f"{side.capitalize()} {name.replace('-', ' ')}"
    assert regions.views_of(rid), f"{rid} is in no view"


def test_every_region_is_lateralised_and_mirrored(regions: Regions) -> None:
    ids = set(regions.ids())
    for rid in ids:
        side, name = schema.split_region_id(rid)
        twin = schema.region_id(schema.other_side(side), name)
        assert twin in ids
        mirrored = sorted(schema.MIRROR_VIEW[v] for v in regions.views_of(rid))
        assert sorted(regions.views_of(twin)) == mirrored


def test_every_choir_code_is_carried_and_sides_match(regions: Regions) -> None:
    rows = _choir_rows()
    side_of = {int(r["choir_code"]): r["patient_side"] for r in rows}
    assert sorted(side_of) == [*range(101, 137), *range(201, 239)]
    used: set[int] = set()
    for rid in regions.ids():
        region = regions.region(rid)
        assert region.choir, f"{rid} has no CHOIR code"
        for code in region.choir:
            assert side_of[code] == region.side, f"{rid} carries {code} of the other side"
        used.update(region.choir)
    assert used == set(side_of)
    for code in side_of:
        assert regions.from_choir(code)


def test_choir_examples(regions: Regions) -> None:
    assert regions.region("left-groin").choir == (122,)
    assert regions.region("left-low-back").choir == (218,)
    assert regions.region("left-upper-buttock").choir == (223,)
    assert regions.region("left-trochanter").choir == (123, 222)
    assert regions.region("left-upper-arm").choir == (112, 211)
    assert "left-groin" in regions.from_choir(122)
    with pytest.raises(KeyError, match="999"):
        regions.from_choir(999)


@pytest.mark.parametrize("view", schema.VIEWS)
def test_label_point_locates_its_region(regions: Regions, view: str) -> None:
    for rid in regions.in_view(view):
        x, y = regions.label_point(view, rid)
        assert regions.locate(view, x, y) == rid


@pytest.mark.parametrize("view", schema.VIEWS)
def test_point_outside_the_body_is_none(regions: Regions, view: str) -> None:
    assert regions.locate(view, 0.0, 1100.0) is None
    assert regions.locate(view, 900.0, 500.0) is None


def test_iliac_crest_contains_the_crest_point(regions: Regions, body: Body) -> None:
    for view in ("posterior", "left-lateral", "right-lateral"):
        for side in schema.SIDES:
            name = f"{side}-iliac-crest-point"
            if name in body.landmarks[view].points:
                x, y = body.landmarks[view].point(name)
                assert regions.locate(view, x, y) == f"{side}-iliac-crest", (view, side)


def test_trochanter_contains_the_greater_trochanter(regions: Regions, body: Body) -> None:
    for view, side in schema.LATERAL_VIEW_SIDE.items():
        x, y = body.landmarks[view].point(f"{side}-greater-trochanter")
        assert regions.locate(view, x, y) == f"{side}-trochanter"
    assert set(regions.views_of("left-trochanter")) == {"anterior", "posterior", "left-lateral"}


def test_sacral_region_contains_the_psis(regions: Regions, body: Body) -> None:
    x, y = body.landmarks["posterior"].point("left-psis")
    assert regions.locate("posterior", x, y) == "left-sacral"


@pytest.mark.parametrize("view", FRONT_BACK)
def test_front_back_sides(regions: Regions, view: str) -> None:
    left_sign = schema.LEFT_SIGN[view]
    for rid, geom in regions.in_view(view).items():
        side, _ = schema.split_region_id(rid)
        sign = left_sign if side == "left" else -left_sign
        minx, _, maxx, _ = geom.bounds
        assert minx >= 0 if sign > 0 else maxx <= 0, f"{rid} crosses to the wrong side"


@pytest.mark.parametrize("view", list(schema.LATERAL_VIEW_SIDE))
def test_lateral_views_show_one_side(regions: Regions, view: str) -> None:
    side = schema.LATERAL_VIEW_SIDE[view]
    assert {schema.split_region_id(rid)[0] for rid in regions.in_view(view)} == {side}


def test_views_of_expected_regions(regions: Regions) -> None:
    assert regions.views_of("left-genital") == ["anterior"]
    assert regions.views_of("left-interscapular") == ["posterior"]
    assert "left-lateral" in regions.views_of("left-flank")
    assert "right-lateral" in regions.views_of("right-lateral-chest")


def test_unknown_region_suggests_close_ids(regions: Regions) -> None:
    with pytest.raises(KeyError, match="left-groin"):
        regions.region("left-grion")
    assert regions.suggest("groin")[:2] == ["left-groin", "right-groin"]
    assert "left-low-back" in regions.suggest("left-lowback")
    with pytest.raises(schema.UnknownViewError, match="unknown view"):
        regions.in_view("top")


@settings(max_examples=300, deadline=None)
@given(
    view=st.sampled_from(schema.VIEWS),
    fx=st.floats(min_value=0.0, max_value=1.0),
    fy=st.floats(min_value=0.0, max_value=1.0),
)
def test_locate_finds_a_region_iff_inside(view: str, fx: float, fy: float) -> None:
    regions, body = _cached()
    outline = body.outline(view)
    minx, miny, maxx, maxy = outline.bounds
    x, y = minx + fx * (maxx - minx), miny + fy * (maxy - miny)
    point = Point(x, y)
    if outline.exterior.distance(point) < 0.05:  # boundary: rounding may go either way
        return
    found = regions.locate(view, x, y)
    assert (found is not None) == outline.contains(point)
    if found is not None:
        assert regions.in_view(view)[found].buffer(1e-6).contains(point)


_CACHE: dict[str, object] = {}


def _cached() -> tuple[Regions, Body]:
    if not _CACHE:
        _CACHE["regions"], _CACHE["body"] = load_regions(), load_body()
    return _CACHE["regions"], _CACHE["body"]  # type: ignore[return-value]


def test_areas_clip_home_view_and_skin_area(regions: Regions, body: Body) -> None:
    ids = ["left-trochanter", "left-lateral-thigh"]
    areas = regions.areas("left-lateral", ids)
    assert areas.tolist() == [regions.in_view("left-lateral")[r].area for r in ids]
    assert regions.home_view("left-trochanter") == "left-lateral"
    assert regions.home_view("left-interscapular") == "posterior"
    assert regions.skin_area("left-trochanter") == pytest.approx(areas[0])
    outline = body.outline("posterior")
    got, pieces = regions.clip("posterior", outline)
    assert got == sorted(regions.in_view("posterior"))
    assert sum(p.area for p in pieces) == pytest.approx(outline.area, rel=1e-3)
    crest = body.landmarks["posterior"].point("left-iliac-crest-point")
    got, pieces = regions.clip("posterior", Point(crest).buffer(1.0))
    assert got == ["left-iliac-crest"]
    assert pieces[0].area == pytest.approx(Point(crest).buffer(1.0).area)
    assert regions.clip("posterior", Point(900, 900).buffer(1.0))[0] == []
    with pytest.raises(KeyError, match="not visible"):
        regions.areas("anterior", ["left-interscapular"])


def test_redcap_keys_map_to_the_choir_code_of_the_same_row() -> None:
    rows = _choir_rows()
    mapping = redcap_codes()
    assert len(mapping) == len(rows)
    for row in rows:
        key, code = row["redcap_key"], int(row["choir_code"])
        assert mapping[key.lower()] == code
        assert key[0] == ("f" if row["view"] == "front" else "b")


def test_the_union_of_tapped_regions_is_the_shapes_union_and_kept_bounded(
    regions: Regions, monkeypatch
) -> None:
    ids = ["left-groin", "left-iliac-crest", "left-trochanter"]
    shown = [rid for rid in ids if rid in regions.shapes["anterior"]]
    expected = shapely.union_all([regions.shapes["anterior"][rid] for rid in shown])
    union = regions.union("anterior", ids)
    assert union is not None and union.equals(expected)
    assert regions.union("anterior", reversed(ids)) is union  # kept, whatever the order
    assert regions.union("posterior", ["left-groin"]) is None  # not shown there
    monkeypatch.setattr("referral.regions.UNIONS_KEPT", 2)
    for rid in ("left-knee", "left-shin", "left-foot"):
        regions.union("anterior", [rid])
    assert len(regions._unions) == 2
