"""Dermatome data (key points and schematic bands), its build, sources and figure layer."""

from __future__ import annotations

import csv

import pytest
import shapely
from shapely.geometry import Point

from referral import figures, schema
from referral.atlas import load_atlas
from referral.body import load_body
from referral.build import dermatomes as build
from referral.dermatomes import DERMATOMES_FILE, SOURCES_FILE, dermatome_layer, load_dermatomes
from referral.regions import load_regions

BAND_LEVELS = [f"T{i}" for i in range(3, 13)]


@pytest.fixture(scope="module")
def derm():
    return load_dermatomes()


@pytest.fixture(scope="module")
def body():
    return load_body()


def test_committed_file_equals_a_fresh_build(body):
    assert DERMATOMES_FILE.read_text(encoding="utf-8") == build.build(body, load_regions())


def test_every_level_has_a_key_point_inside_the_body(derm, body):
    points = derm.features[derm.features["kind"] == "key-point"]
    assert set(points["level"]) == set(schema.LEVELS)
    for row in points.itertuples():
        assert row.geometry.geom_type == "Point"
        assert body.outline(row.view).buffer(0.01).contains(row.geometry), (row.level, row.view)


@pytest.mark.parametrize("level", BAND_LEVELS)
def test_trunk_bands_run_from_the_spine_round_to_the_front(derm, body, level):
    bands = derm.level_features(level, sides=("left",))
    bands = bands[bands["kind"] == "band"].set_index("view")["geometry"]
    assert set(bands.index) == {"anterior", "posterior", "left-lateral"}
    spinous = body.landmarks["posterior"].point(f"spinous-{level}")
    # Posterior: starts at the midline at its own spinous process, on the patient's left.
    assert bands["posterior"].distance(Point(spinous)) < 1.0
    assert bands["posterior"].bounds[2] <= 0.0
    # Anterior: reaches its ISNCSCI key point and the midline, on the patient's left.
    key = derm.level_features(level, "anterior", ("left",))
    key_point = key[key["kind"] == "key-point"]["geometry"].iloc[0]
    assert bands["anterior"].buffer(0.5).contains(key_point)
    assert bands["anterior"].bounds[0] <= 0.5 and bands["anterior"].bounds[0] >= 0.0


def test_limb_and_cervical_levels_have_no_band(derm):
    for level in ("C2", "C5", "T1", "T2", "L1", "L4", "S1", "S3"):
        assert not derm.has_band(level)
    assert all(derm.has_band(level) for level in BAND_LEVELS)


def test_t12_dorsal_ramus_zones_lie_below_its_dermatome_on_the_back(derm):
    """The teaching point: T12's superior cluneal zone sits lower than the T12 band."""
    atlas = load_atlas()
    zones = atlas.level_zones("T12", view="posterior", side="left")
    cluneal = shapely.union_all(zones[zones["pathway"] == "superior-cluneal"]["geometry"])
    band = derm.level_features("T12", "posterior", ("left",))
    band = band[band["kind"] == "band"]["geometry"].iloc[0]
    assert cluneal.centroid.y < band.bounds[1]


def test_right_side_is_the_exact_mirror(derm):
    left = derm.features[derm.features["side"] == "left"].reset_index(drop=True)
    right = derm.features[derm.features["side"] == "right"].reset_index(drop=True)
    assert len(left) == len(right)
    assert list(right["view"]) == [schema.MIRROR_VIEW[v] for v in left["view"]]
    for a, b in zip(left["geometry"], right["geometry"], strict=True):
        flipped = shapely.transform(a, lambda c: c * [-1.0, 1.0])
        assert shapely.equals_exact(flipped, b, tolerance=0)


def test_sources_resolve_and_every_row_is_derived_with_a_citation(derm):
    with SOURCES_FILE.open(encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    with schema.SOURCES_FILE.open(encoding="utf-8") as handle:
        assert header == next(csv.reader(handle))  # same columns as data/sources.csv
    for row in derm.features.itertuples():
        assert row.drawing == "derived"
        assert row.evidence == ("derived" if row.kind == "band" else "secondary")
        assert "isncsci2008" in row.source_ids
        assert all(s in derm.sources.index for s in row.source_ids)
    assert derm.citations(["lee2008"])[0].startswith("Lee MWL, McPhee RW, Stringer MD.")
    with pytest.raises(KeyError, match="nope"):
        derm.citations(["nope"])


def test_unknown_level_is_refused(derm):
    with pytest.raises(ValueError, match="T13"):
        derm.level_features("T13")


def test_layer_draws_bands_under_and_key_points_over(derm, body):
    regions = load_regions()
    base = figures.view_base(body, regions, "anterior", lecture=True)
    layer = dermatome_layer(derm, base, "T12", sides=("left",))
    assert [t["meta"]["role"] for t in layer.fills] == ["dermatome"]
    assert [t["meta"]["role"] for t in layer.lines] == ["dermatome-point"]
    band = layer.fills[0]
    assert band["fillpattern"]["shape"] == "-" and band["line"]["dash"] == "dashdot"
    assert band["line"]["width"] > figures.lines(False).zone + 1.5  # thick in lecture mode
    assert "inguinal ligament" in layer.lines[0]["hovertemplate"]
    assert layer.notes and all("T12" in lines[0] for lines in layer.notes.values())
    fig = figures.compose(base, [layer])
    roles = [t["meta"]["role"] for t in fig["data"]]
    assert roles.index("dermatome") < roles.index("dermatome-point") < roles.index("outline")


def test_a_level_without_a_band_draws_only_its_point(derm, body):
    base = figures.view_base(body, load_regions(), "anterior")
    layer = dermatome_layer(derm, base, "L3", sides=("left", "right"))
    assert layer.fills == ()
    assert len(layer.lines) == 2  # one star per side


def test_c2_key_point_lies_in_the_greater_occipital_territory(derm):
    """Backs the C2 row's note: its key point is on the occiput, in the atlas's GON zone."""
    zones = load_atlas().level_zones("C2", view="posterior", side="left")
    gon = zones[zones["pathway"] == "greater-occipital"]["geometry"].iloc[0]
    point = derm.level_features("C2", "posterior", ("left",))["geometry"].iloc[0]
    assert gon.contains(point)
