"""Tests of the body outlines, their landmarks and the generator that writes them."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from shapely.geometry import LineString, Point, Polygon

from referral import schema
from referral.body import Body, load_body
from referral.build import body as build_body
from referral.build import regions as build_regions

MIRROR_TOL = 1e-9

#: Landmarks the contract names, per view (bilateral ones without the side prefix).
REQUIRED_POINTS = {
    "posterior": {
        "bilateral": [
            "mastoid",
            "acromion",
            "scapula-superior-angle",
            "scapula-spine-root",
            "scapula-inferior-angle",
            "12th-rib-tip",
            "psis",
            "iliac-crest-point",
            "iliac-crest-summit",
            "greater-trochanter",
        ],
        "midline": ["inion", "coccyx-tip", "spinous-C2", "spinous-C7", "spinous-S4"],
    },
    "anterior": {
        "bilateral": [
            "acromion",
            "nipple",
            "asis",
            "pubic-tubercle",
            "greater-trochanter",
            "costal-margin-lowest",
            "patella",
        ],
        "midline": ["sternal-notch", "xiphoid", "umbilicus", "pubic-symphysis", "chin"],
    },
}
REQUIRED_LINES = {
    "posterior": [
        "superior-nuchal-line",
        "scapula-vertebral-border",
        "12th-rib",
        "iliac-crest",
        "gluteal-fold",
        "knee-line",
    ],
    "anterior": ["clavicle", "costal-margin", "inguinal-ligament", "iliac-crest", "knee-line"],
}
LATERAL_POINTS = [
    "tragus",
    "acromion",
    "axilla",
    "12th-rib-tip",
    "asis",
    "iliac-crest-summit",
    "iliac-crest-point",
    "psis",
    "greater-trochanter",
]
#: Spinous processes C2-C7, T1-T12, L1-L5, S1-S4 (no C8 vertebra), top to bottom.
SPINOUS = [
    *(f"spinous-C{i}" for i in range(2, 8)),
    *(f"spinous-T{i}" for i in range(1, 13)),
    *(f"spinous-L{i}" for i in range(1, 6)),
    *(f"spinous-S{i}" for i in range(1, 5)),
]


@pytest.fixture(scope="module")
def body() -> Body:
    return load_body()


def test_committed_files_equal_a_fresh_build(tmp_path: Path) -> None:
    build_body.main(tmp_path)
    build_regions.main(tmp_path)
    files = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert len(files) == 2 * len(schema.VIEWS) + 1
    for rel in files:
        fresh = (tmp_path / rel).read_text(encoding="utf-8")
        committed = (schema.ROOT / rel).read_text(encoding="utf-8")
        assert json.loads(fresh) == json.loads(committed), f"{rel}: run python -m referral.build"
        assert fresh == committed, f"{rel} is not written as a fresh build writes it"


@pytest.mark.parametrize("view", schema.VIEWS)
def test_outline_is_one_valid_polygon_of_the_reference_size(body: Body, view: str) -> None:
    outline = body.outline(view)
    assert isinstance(outline, Polygon)
    assert outline.is_valid
    assert len(outline.interiors) == 0
    assert 150 <= len(outline.exterior.coords) <= 700
    _, ymin, _, ymax = outline.bounds
    assert ymin == pytest.approx(0.0, abs=0.5)
    assert ymax == pytest.approx(schema.HEIGHT, abs=0.5)


def _mirrored_vertices(poly: Polygon) -> set[tuple[float, float]]:
    return {(round(-x, 2) + 0.0, round(y, 2)) for x, y in poly.exterior.coords}


def _vertices(poly: Polygon) -> set[tuple[float, float]]:
    return {(round(x, 2) + 0.0, round(y, 2)) for x, y in poly.exterior.coords}


@pytest.mark.parametrize("view", schema.VIEWS)
def test_outline_mirror_is_exact(body: Body, view: str) -> None:
    outline = body.outline(view)
    mirror = body.outline(schema.MIRROR_VIEW[view])
    assert _mirrored_vertices(outline) == _vertices(mirror)
    assert outline.symmetric_difference(
        Polygon([(-x, y) for x, y in mirror.exterior.coords])
    ).area == pytest.approx(0.0, abs=MIRROR_TOL)


def test_front_and_back_views_share_the_silhouette(body: Body) -> None:
    assert body.outline("anterior").equals(body.outline("posterior"))


def test_lateral_arm_leaves_the_trunk_visible(body: Body) -> None:
    """Below the axilla the lateral view crosses only the trunk: no arm beside it."""
    outline = body.outline("left-lateral")
    lm = body.landmarks["left-lateral"]
    assert outline.bounds[0] < -300  # the arm is flexed forward
    for y in (720.0, 650.0, 600.0, 530.0):  # chest wall, flank, crest, trochanter
        near_trunk = LineString([(-schema.cm(25), y), (schema.cm(25), y)])
        row = outline.intersection(near_trunk)
        assert row.geom_type == "LineString", f"more than the trunk at y={y}"
        assert row.length < schema.cm(30)
    for name in ("left-12th-rib-tip", "left-iliac-crest-summit", "left-greater-trochanter"):
        assert outline.contains(Point(lm.point(name))), name


@pytest.mark.parametrize("view", ["anterior", "posterior"])
def test_front_back_landmarks_present_and_mirrored(body: Body, view: str) -> None:
    lm = body.landmarks[view]
    left_sign = schema.LEFT_SIGN[view]
    for name in REQUIRED_POINTS[view]["bilateral"]:
        lx, ly = lm.point(f"left-{name}")
        rx, ry = lm.point(f"right-{name}")
        assert (rx, ry) == (-lx, ly)
        assert np.sign(lx) == left_sign, f"left-{name} on the wrong side"
    for name in REQUIRED_POINTS[view]["midline"]:
        assert lm.point(name)[0] == 0.0
    for name in REQUIRED_LINES[view]:
        left = np.asarray(lm.lines[f"left-{name}"].coords)
        right = np.asarray(lm.lines[f"right-{name}"].coords)
        np.testing.assert_array_equal(right, left * [-1, 1])
    assert "midline" in lm.lines


@pytest.mark.parametrize("view", ["posterior", "left-lateral", "right-lateral"])
def test_spinous_levels_strictly_decrease(body: Body, view: str) -> None:
    lm = body.landmarks[view]
    ys = [lm.point(name)[1] for name in [*SPINOUS, "coccyx-tip"]]
    assert all(a > b for a, b in itertools.pairwise(ys))
    assert lm.point("spinous-C7")[1] == pytest.approx(844.0)
    assert lm.point("spinous-L4")[1] == pytest.approx(595.6)


def test_posterior_landmarks_match_the_contract(body: Body) -> None:
    lm = body.landmarks["posterior"]
    assert lm.point("left-iliac-crest-point") == pytest.approx((-schema.cm(7), 578.0), abs=0.01)
    assert lm.point("left-psis") == pytest.approx((-schema.cm(3.5), 547.0), abs=0.01)
    assert lm.point("inion") == (0.0, 925.0)
    crest = lm.lines["left-iliac-crest"]
    assert crest.distance(Point(lm.point("left-iliac-crest-point"))) < 1e-6
    outline = body.outline("posterior")
    for name, (x, y) in lm.points.items():
        assert outline.covers(Point(x, y)), name


@pytest.mark.parametrize("view", ["left-lateral", "right-lateral"])
def test_lateral_landmarks(body: Body, view: str) -> None:
    lm = body.landmarks[view]
    side = schema.LATERAL_VIEW_SIDE[view]
    other = schema.other_side(side)
    anterior_sign = -1 if view == "left-lateral" else 1
    for name in LATERAL_POINTS:
        assert f"{side}-{name}" in lm.points
        assert f"{other}-{name}" not in lm.points
    assert np.sign(lm.point("chin")[0]) == anterior_sign
    assert np.sign(lm.point(f"{side}-asis")[0]) == anterior_sign
    assert np.sign(lm.point(f"{side}-psis")[0]) == -anterior_sign
    assert lm.point(f"{side}-greater-trochanter") == (0.0, 530.0)


def test_lateral_views_mirror_landmarks(body: Body) -> None:
    left, right = body.landmarks["left-lateral"], body.landmarks["right-lateral"]
    renamed = {k.replace("left-", "right-", 1): v for k, v in left.points.items()}
    assert set(renamed) == set(right.points)
    for name, (x, y) in renamed.items():
        assert right.point(name) == (-x, y)


def test_unknown_landmark_and_view_raise_clear_errors(body: Body) -> None:
    with pytest.raises(KeyError, match=r"posterior.*left-nose"):
        body.landmarks["posterior"].point("left-nose")
    with pytest.raises(schema.UnknownViewError, match="unknown view"):
        body.outline("superior")


def test_load_body_reports_a_missing_view(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="anterior"):
        load_body(tmp_path)
