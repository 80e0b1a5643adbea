"""Cut the body outlines into named, lateralised regions (step 2 of :mod:`referral.build`).

Writes ``data/regions.geojson`` (see ``data/REGIONS.md``) from the outlines of
:mod:`referral.build.body`. Each
view is carved by an ordered list of cutters: each cutter takes what earlier ones left, so
the regions tile the outline. Run ``python -m referral.build.regions``.

Every number below carries the tag of its source, as in :mod:`referral.build.body`:
[DC] segment proportions, [SA] standard surface anatomy, [EV] the project's evidence base,
[CT] the interface contract's landmark table, [D] a drawing choice (a border where anatomy
gives no line; "derived", not measured). A name in CAPITALS refers to a landmark constant
of :mod:`referral.build.body`, which states its own source.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon
from shapely.ops import unary_union

from referral import schema
from referral.atlas import mirror_geometry
from referral.build import feature_collection, write_files
from referral.build.body import (
    ACROMION_X,
    ACROMION_Y,
    ANTERIOR_CREST_TOP,
    ARM_ANTERIOR,
    ARM_LATERAL,
    ARM_ULNAR_EDGE,
    ASIS,
    CLAVICLE,
    COCCYX_TIP_Y,
    COSTAL_LOW,
    CROTCH_Y,
    ELBOW_S,
    GLUTEAL_FOLD,
    INION,
    KNEE_Y,
    LATERAL_ARM_ROOT_HALF,
    LATERAL_ARM_START_S,
    LATERAL_ASIS,
    LATERAL_CREST,
    LATERAL_INION,
    LATERAL_KNEE_CENTRE,
    LATERAL_MASTOID,
    LATERAL_RIB12_TIP,
    LATERAL_TROCHANTER,
    MASTOID_U,
    MASTOID_Y,
    POSTERIOR_CREST,
    PSIS,
    PUBIC_TUBERCLE,
    RIB12_START,
    RIB12_TIP,
    SCAPULA_INF_ANGLE,
    SCAPULA_SPINE_ROOT,
    SCAPULA_SUP_ANGLE,
    SPINOUS_Y,
    STERNAL_NOTCH_Y,
    TROCHANTER,
    TROCHANTER_TOP_Y,
    TROCHANTER_Y,
    UMBILICUS_Y,
    WRIST_S,
    XIPHOID_Y,
    Coord,
    Limb,
    outlines,
)
from referral.schema import cm

#: Vertices closer than this to a neighbour's edge are inserted into it before rounding.
NODE_TOL = 1e-6
#: Polygon parts smaller than this (units², a few grid cells) are rounding debris.
MIN_PART_AREA = 1e-3
SNAP_ROUNDS = 4  # round / make_valid passes before giving up
FAR = 2000.0  # [D] a distance beyond the body in every direction (units)
#: [D] front/back cutters start this far across the midline (x = 0) so that the u >= 0 half
#: is cut whole, without a sliver left on the midline.
PAST_MIDLINE = -1.0
#: [D] a height above every region a box cutter must reach in the neck and shoulder.
NECK_TOP_Y = 900.0
PARASPINAL_U = cm(8.0)  # [D] lateral edge of the paraspinal band (erector spinae) ~8 cm
CREST_BAND_HALF = cm(1.25)  # [D] iliac-crest region: a band 2.5 cm wide along the crest
GROIN_BAND_HALF = cm(1.5)  # [D] groin: a band 3 cm wide along the inguinal ligament
NECK_U = cm(5.2)  # [D] posterior neck / anterior neck: medial to the neck side
SHOULDER_U = 105.0  # [D] the shoulder (deltoid cap) starts lateral to this, above ...
SHOULDER_LOW_Y = 745.0  # [D] ... the deltoid insertion level
#: [D] lower border of the upper trapezius (neck-shoulder angle), posterior view: from the
#: side of the neck down to the shoulder at the acromion level (818 [DC]).
UPPER_TRAP_LOW: tuple[Coord, ...] = (
    (NECK_U, 842.0),
    (45.0, 833.0),
    (70.0, 824.0),
    (SHOULDER_U, 818.0),
)
HAIRLINE_Y = 963.0  # [D] anterior: scalp above, face below
JAW_LINE: tuple[Coord, ...] = ((0.0, 865.0), (30.0, 872.0), (42.0, 893.0), (70.0, 900.0))  # [D]
#: [SA][EV] the sacrum: from the S1 level (568 [D], between the L5 and S1 spinous
#: processes) out to the PSIS (within ~0.6 cm of PSIS = (20.6, 547) [SA][EV]) and down to
#: the coccyx tip [CT]; the corner points between are a drawing choice [D].
SACRAL_BORDER: tuple[Coord, ...] = (
    (0.0, 568.0),
    (18.0, 566.0),
    (25.0, 557.0),
    (24.5, 548.0),
    (21.0, 542.0),
    (0.0, COCCYX_TIP_Y),
)
#: [EV][D] beside the sacrum the middle cluneal strip (medial-buttock) along the
#: PSIS-coccyx line: 4 cm wide, a drawing of "the skin over the medial part of gluteus
#: maximus" (Gray 1918; the posteromedial fifth in Tubbs 2010 as summarised).
MEDIAL_BUTTOCK_WIDTH = cm(4.0)
MEDIAL_BUTTOCK_BELOW_COCCYX = cm(1.0)  # [D] the strip ends 1 cm below the coccyx tip
TROCHANTER_RADII = (cm(4.5), cm(4.0))  # [D] the region over the greater trochanter
LATERAL_THIGH_WIDTH = cm(2.5)  # [D] strip along the outer thigh seen from front/back
KNEE_HALF = cm(5.0)  # [D] knee band ±5 cm about the knee line (with the popliteal fossa)
ANKLE_BAND = (25.0, 70.0)  # [D] ankle band around the malleoli (ankle 39 [DC])
ELBOW_BAND = (ELBOW_S - cm(3.0), ELBOW_S + cm(3.0))  # [D] elbow ±3 cm along the arm
WRIST_BAND = (WRIST_S - cm(2.0), WRIST_S + cm(2.0))  # [D] wrist ±2 cm along the arm
ANTERIOR_AXILLARY_U = cm(12.0)  # [D] chest | lateral chest (anterior axillary line)
AXILLARY_FOLD_Y = 760.0  # [D]
FLANK_U = cm(12.5)  # [D] anterior view: flank lateral to this
MEDIAL_THIGH_FRACTION = 0.35  # [D] medial-thigh: the medial 35 % of the thigh width
PUBIC_BOX = (cm(3.5), 512.0, 548.0)  # [SA] over the pubic bone: u, y range
GENITAL_U = cm(2.7)  # [D] scrotum / labia between the thighs
LATERAL_BACK_STRIP = cm(6.0)  # [D] lateral view: back regions behind this x
LATERAL_FRONT_STRIP = -cm(6.0)  # [D] lateral view: chest/abdomen in front of this x
LATERAL_THIGH_HALF = cm(3.5)  # [D] lateral view: lateral thigh ±3.5 cm about x = 0
#: [CT][D] the inguinal fold seen from the side: from the ASIS down and forward.
LATERAL_GROIN: tuple[Coord, ...] = (LATERAL_ASIS, (-cm(9.8), 548.0), (-cm(11.0), 526.0))
EAR_CENTRE, EAR_RADII = (cm(0.8), 928.0), (cm(1.7), cm(3.2))  # [D] external ear
SHOULDER_RADIUS_LATERAL = cm(6.5)  # [D] deltoid cap about the shoulder centre
LATERAL_FACE_BORDER: tuple[Coord, ...] = (
    (-cm(6.0), 862.0),
    (-cm(1.0), 888.0),
    (-cm(2.2), 940.0),
    (-cm(3.0), HAIRLINE_Y),
)
#: [D] lateral view: face in front of the jaw angle and the temple; occiput up to the crown.
LATERAL_CROWN_Y = 975.0  # [D] lateral view: the occiput region reaches up to the crown
ARM_ZONE_T = 45.0  # [D] lateral view: the arm zone reaches this far above the arm axis
#: [D] lateral view: the costal margin from the xiphoid level (700 [CT]) down the front.
LATERAL_COSTAL: tuple[Coord, ...] = ((-FAR, 700.0), (-cm(9.0), 690.0), (LATERAL_FRONT_STRIP, 668.0))

#: Region name -> CHOIR Body Map regions (map view, name) it belongs to; the code is then
#: picked by the patient's side from data/choir-body-map-codes.csv.
CHOIR_AREAS: dict[str, tuple[tuple[str, str], ...]] = {
    "scalp": (("front", "Cranium"),),
    "face": (("front", "Face"),),
    "ear": (("front", "Face"),),
    "occiput": (("back", "Cranium"),),
    "suboccipital": (("back", "Head"),),
    "posterior-neck": (("back", "Neck"),),
    "anterior-neck": (("front", "Neck"),),
    "upper-trapezius": (("back", "Shoulder"),),
    "shoulder": (("front", "Shoulder"), ("back", "Shoulder")),
    "suprascapular": (("back", "Upper Back"),),
    "scapula": (("back", "Upper Back"),),
    "interscapular": (("back", "Upper Back"),),
    "mid-back": (("back", "Middle Back"),),
    "thoracolumbar": (("back", "Middle Back"),),
    "low-back": (("back", "Lower Back"),),
    "flank": (("front", "Abdomen"), ("back", "Lower Back")),
    "iliac-crest": (("back", "Lower Back"),),
    "sacral": (("back", "Lower Back"),),
    "upper-buttock": (("back", "Buttocks"),),
    "medial-buttock": (("back", "Buttocks"),),
    "lower-buttock": (("back", "Buttocks"),),
    "chest": (("front", "Chest"),),
    "lateral-chest": (("front", "Chest"), ("back", "Middle Back")),
    "upper-abdomen": (("front", "Abdomen"),),
    "lower-abdomen": (("front", "Abdomen"),),
    "groin": (("front", "Pubic"),),
    "pubic": (("front", "Pubic"),),
    "genital": (("front", "Pubic"),),
    "trochanter": (("front", "Hip"), ("back", "Hip")),
    "lateral-thigh": (("front", "Upper Leg"), ("back", "Upper Leg")),
    "anterior-thigh": (("front", "Upper Leg"),),
    "medial-thigh": (("front", "Upper Leg"),),
    "posterior-thigh": (("back", "Upper Leg"),),
    "knee": (("front", "Knee"), ("back", "Knee")),
    "calf": (("back", "Lower Leg"),),
    "shin": (("front", "Lower Leg"),),
    "ankle": (("front", "Ankle"), ("back", "Ankle")),
    "foot": (("front", "Foot"), ("back", "Foot")),
    "upper-arm": (("front", "Bicep"), ("back", "Bicep")),
    "elbow": (("front", "Elbow"), ("back", "Elbow")),
    "forearm": (("front", "Forearm"), ("back", "Forearm")),
    "wrist": (("front", "Wrist"), ("back", "Wrist")),
    "hand": (("front", "Hand"), ("back", "Hand")),
}


def box(x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """Axis-aligned rectangle."""
    return shapely.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def band(coords: Sequence[Coord], half_width: float) -> Polygon:
    """A band of ``half_width`` either side of a polyline, with flat ends."""
    return LineString(coords).buffer(half_width, cap_style="flat", join_style="round")


def ellipse(centre: Coord, radii: Coord) -> Polygon:
    """An axis-aligned ellipse."""
    circle = Point(centre).buffer(1.0, quad_segs=16)  # unit circle, 16 segments per quarter [D]
    return shapely.affinity.scale(circle, radii[0], radii[1], origin=centre)


def limb_band(limb: Limb, s0: float, s1: float, t0: float = -FAR, t1: float = FAR) -> Polygon:
    """The quadrilateral s in [s0, s1], t in [t0, t1] of a limb frame."""
    return Polygon(
        [limb.to_world(s0, t0), limb.to_world(s1, t0), limb.to_world(s1, t1), limb.to_world(s0, t1)]
    )


def above(line: Sequence[Coord], top: float = FAR) -> Polygon:
    """The region above a polyline (ordered by x), closed at height ``top``."""
    pts = list(line)
    return Polygon([*pts, (pts[-1][0], top), (pts[0][0], top)])


def below(line: Sequence[Coord], bottom: float = -FAR) -> Polygon:
    """The region below a polyline (ordered by x), closed at height ``bottom``."""
    pts = list(line)
    return Polygon([*pts, (pts[-1][0], bottom), (pts[0][0], bottom)])


def row_segments(shape: Polygon, y: float) -> list[tuple[float, float]]:
    """The x-intervals where a horizontal line at ``y`` crosses ``shape``, left to right."""
    cut = shape.intersection(LineString([(-FAR, y), (FAR, y)]))
    parts = [
        g for g in getattr(cut, "geoms", [cut]) if isinstance(g, LineString) and not g.is_empty
    ]
    return sorted(
        (min(p.coords[0][0], p.coords[-1][0]), max(p.coords[0][0], p.coords[-1][0])) for p in parts
    )


def arm_zone(half: Polygon) -> Polygon:
    """Front/back (u >= 0): everything lateral to the gap between arm and trunk or thigh.

    The separator follows the middle of the gap from the axilla down past the fingertips.
    """
    seps: list[Coord] = []
    # [D] scan every unit from just below the axilla (800) to below the fingertips (377 [DC])
    for y in np.arange(800.0, 370.0, -1.0):
        segs = row_segments(half, float(y))
        if len(segs) >= 2:
            seps.append(((segs[0][1] + segs[1][0]) / 2, float(y)))
    top = seps[0]  # [D] the separator starts half a unit above its first row
    return Polygon(
        [(top[0], top[1] + 0.5), *seps, (seps[-1][0], -FAR), (FAR, -FAR), (FAR, top[1] + 0.5)]
    )


def leg_edges(half: Polygon, y: float) -> tuple[float, float]:
    """Inner and outer u of the leg (or hip) at height ``y`` in the u >= 0 half."""
    seg = row_segments(half, y)[0]
    return seg


def thigh_strip(
    half: Polygon, y0: float, y1: float, fraction: float | None, width: float | None
) -> Polygon:
    """Front/back: the outer strip of the leg (``width``) or its medial ``fraction``."""
    outer, inner = [], []
    for y in np.linspace(y0, y1, 24):  # [D] 24 rows sample the leg edges
        lo, hi = leg_edges(half, float(y))
        if width is not None:
            inner.append((hi - width, float(y)))
            outer.append((FAR, float(y)))
        else:
            assert fraction is not None
            inner.append((PAST_MIDLINE, float(y)))
            outer.append((lo + fraction * (hi - lo), float(y)))
    return Polygon([*inner, *reversed(outer)])


def _extend(
    line: Sequence[Coord], start: Coord | None = None, end: Coord | None = None
) -> list[Coord]:
    """A polyline with optional extra points before and after."""
    return [*([start] if start else []), *line, *([end] if end else [])]


def posterior_cutters(half: Polygon) -> list[tuple[str, shapely.Geometry]]:
    """Ordered (name, cutter) pairs for the posterior view, patient's left as u >= 0."""
    # [CT] superior nuchal line from the inion to the mastoid, continued out and down [D]
    nuchal = [INION, (cm(2.0), 923.0), (cm(4.5), 915.0), (MASTOID_U, MASTOID_Y), (70.0, 897.0)]
    crest = _extend(POSTERIOR_CREST, end=(FAR, 580.0))  # [D] continued past the flank edge
    crest_full = _extend(crest, start=(PAST_MIDLINE, SPINOUS_Y["S1"]))
    # [CT] 12th rib (its middle point [D]), from beside T12 (676 [D]) out past its tip [D]
    rib = _extend([RIB12_START, (cm(8.0), 665.0), RIB12_TIP], start=(0.0, 676.0), end=(FAR, 610.0))
    # [CT] gluteal fold, from the natal cleft (471 [D]) out past the thigh (470 [D])
    fold = _extend(GLUTEAL_FOLD, start=(PAST_MIDLINE, 471.0), end=(FAR, 470.0))
    psis_line = list(SACRAL_BORDER[3:])
    # Beside the PSIS-coccyx line only: below the coccyx tip the medial buttock is the
    # perforating cutaneous / inferior cluneal (ventral ramus) skin, part of lower-buttock.
    strip_bottom = COCCYX_TIP_Y - MEDIAL_BUTTOCK_BELOW_COCCYX
    medial_strip = Polygon(
        [
            (psis_line[0][0], 600.0),  # [D] up to above the crest; earlier cutters take it
            *psis_line,
            (PAST_MIDLINE, COCCYX_TIP_Y),
            (PAST_MIDLINE, strip_bottom),
            (MEDIAL_BUTTOCK_WIDTH, strip_bottom),
            (PSIS[0] + MEDIAL_BUTTOCK_WIDTH, PSIS[1]),
            (PSIS[0] + MEDIAL_BUTTOCK_WIDTH + 8.0, 600.0),  # [D] widening 8 units upward
        ]
    )
    arms = arm_zone(half)
    return [
        ("occiput", above(nuchal)),
        # [D] suboccipital: below the nuchal line down to ~C2 (895 [CT]): 891 medially, 885 out
        ("suboccipital", above([(PAST_MIDLINE, 891.0), (70.0, 885.0)])),
        # [D] the neck ends 2 units above the C7 spinous tip [CT]
        ("posterior-neck", box(PAST_MIDLINE, SPINOUS_Y["C7"] - 2, NECK_U, NECK_TOP_Y)),
        (
            "shoulder",
            unary_union(
                [
                    box(SHOULDER_U, SHOULDER_LOW_Y, FAR, NECK_TOP_Y),
                    arms.intersection(box(0.0, SHOULDER_LOW_Y, FAR, NECK_TOP_Y)),
                ]
            ),
        ),
        *arm_bands(ARM_ANTERIOR, arms),
        (
            "upper-trapezius",
            # [D] from the side of the neck at 842 out to the acromion level (818 [DC])
            above(_extend(UPPER_TRAP_LOW, start=(NECK_U, 842.0), end=(FAR, 818.0))),
        ),
        (
            "interscapular",
            Polygon(
                [
                    (PAST_MIDLINE, NECK_TOP_Y),
                    (SCAPULA_SUP_ANGLE[0], NECK_TOP_Y),
                    SCAPULA_SUP_ANGLE,
                    SCAPULA_INF_ANGLE,
                    (PAST_MIDLINE, SCAPULA_INF_ANGLE[1]),
                ]
            ),
        ),
        ("suprascapular", above([SCAPULA_SPINE_ROOT, (ACROMION_X, ACROMION_Y), (FAR, ACROMION_Y)])),
        ("scapula", box(0.0, SCAPULA_INF_ANGLE[1], FAR, NECK_TOP_Y)),
        (
            "mid-back",
            unary_union(
                [
                    # [D] up to 760, above the inferior angle of the scapula (745 [SA])
                    box(PAST_MIDLINE, SPINOUS_Y["T10"], FAR, 760.0),
                    above(rib).intersection(box(PARASPINAL_U, 0.0, FAR, 760.0)),
                ]
            ),
        ),
        (
            "sacral",
            Polygon(
                [*SACRAL_BORDER, (PAST_MIDLINE, COCCYX_TIP_Y), (PAST_MIDLINE, SACRAL_BORDER[0][1])]
            ),
        ),
        ("iliac-crest", band(crest, CREST_BAND_HALF)),
        ("thoracolumbar", box(PAST_MIDLINE, SPINOUS_Y["L1"], PARASPINAL_U, SPINOUS_Y["T10"])),
        (
            "low-back",
            above(crest_full).intersection(box(PAST_MIDLINE, 0.0, PARASPINAL_U, SPINOUS_Y["L1"])),
        ),
        # [D] the flank reaches up to 700, above the 12th rib tip (650 [CT])
        ("flank", above(crest_full).intersection(box(PARASPINAL_U, 0.0, FAR, 700.0))),
        ("medial-buttock", medial_strip),
        ("trochanter", ellipse(TROCHANTER, TROCHANTER_RADII)),
        # [D] the upper buttock: everything left between the trochanter top and 620
        ("upper-buttock", box(PAST_MIDLINE, TROCHANTER_TOP_Y, FAR, 620.0)),
        (
            "lateral-thigh",
            # [D] from 3 cm below the trochanter down to the knee band
            thigh_strip(half, KNEE_Y + KNEE_HALF, TROCHANTER_Y - cm(3), None, LATERAL_THIGH_WIDTH),
        ),
        ("lower-buttock", above(fold)),
        *leg_bands("posterior-thigh", "calf"),
    ]


def arm_bands(limb: Limb, zone: shapely.Geometry) -> list[tuple[str, shapely.Geometry]]:
    """Upper arm, elbow, forearm, wrist and hand as bands across the arm axis."""
    edges = [-FAR, ELBOW_BAND[0], ELBOW_BAND[1], WRIST_BAND[0], WRIST_BAND[1], FAR]
    names = ["upper-arm", "elbow", "forearm", "wrist", "hand"]
    return [
        (n, limb_band(limb, a, b).intersection(zone))
        for n, a, b in zip(names, edges, edges[1:], strict=False)
    ]


def leg_bands(thigh: str, lower_leg: str) -> list[tuple[str, shapely.Geometry]]:
    """Knee, thigh remainder, lower leg, ankle and foot as horizontal bands."""
    return [
        ("knee", box(-FAR, KNEE_Y - KNEE_HALF, FAR, KNEE_Y + KNEE_HALF)),
        (thigh, box(-FAR, KNEE_Y + KNEE_HALF, FAR, 560.0)),  # [D] up to 560, above the fold
        (lower_leg, box(-FAR, ANKLE_BAND[1], FAR, KNEE_Y - KNEE_HALF)),
        ("ankle", box(-FAR, ANKLE_BAND[0], FAR, ANKLE_BAND[1])),
        ("foot", box(-FAR, -FAR, FAR, ANKLE_BAND[0])),
    ]


def anterior_cutters(half: Polygon) -> list[tuple[str, shapely.Geometry]]:
    """Ordered (name, cutter) pairs for the anterior view, patient's left as u >= 0."""
    clavicle = _extend(CLAVICLE, start=(PAST_MIDLINE, STERNAL_NOTCH_Y), end=(FAR, ACROMION_Y))
    costal = [  # [CT] costal margin: xiphoid, a middle point [D], lowest point, then out [D]
        (PAST_MIDLINE, XIPHOID_Y),
        (0.0, XIPHOID_Y),
        (cm(5.0), 672.0),
        COSTAL_LOW,
        (ANTERIOR_AXILLARY_U, 648.0),
        (FAR, 648.0),
    ]
    # [SA] inguinal ligament ASIS -> pubic tubercle, sagging between them [D]
    inguinal = [ASIS, (cm(8.0), 552.0), (cm(5.0), 540.0), PUBIC_TUBERCLE]
    # [CT] iliac crest from the ASIS up to its top; the symphysis end (560 [D]) and a middle
    # point (76, 585) [D]; continued out past the flank (600 [D])
    crest = [
        (PAST_MIDLINE, 560.0),
        *reversed(inguinal),
        (76.0, 585.0),
        ANTERIOR_CREST_TOP,
        (FAR, 600.0),
    ]
    arms = arm_zone(half)
    trochanter = unary_union(
        [
            ellipse(TROCHANTER, TROCHANTER_RADII),
            # [D] below the crest, lateral to 1 cm beyond the ASIS, up to 620
            below(crest, 0.0).intersection(box(ASIS[0] + cm(1.0), TROCHANTER[1], FAR, 620.0)),
        ]
    )
    return [
        ("scalp", box(PAST_MIDLINE, HAIRLINE_Y, FAR, FAR)),
        # [D] the jaw line from the chin (865 ~ CHIN_Y [DC]) out to the ear (900)
        ("face", above(_extend(JAW_LINE, start=(PAST_MIDLINE, 865.0), end=(FAR, NECK_TOP_Y)))),
        ("anterior-neck", above(clavicle).intersection(box(PAST_MIDLINE, 0.0, NECK_U, FAR))),
        (
            "shoulder",
            unary_union(
                [
                    box(SHOULDER_U, SHOULDER_LOW_Y, FAR, NECK_TOP_Y),
                    arms.intersection(box(0.0, SHOULDER_LOW_Y, FAR, NECK_TOP_Y)),
                ]
            ),
        ),
        *arm_bands(ARM_ANTERIOR, arms),
        ("upper-trapezius", above(clavicle)),
        # [D] lateral chest from the costal level (648) up to the axillary fold
        ("lateral-chest", box(ANTERIOR_AXILLARY_U, 648.0, FAR, AXILLARY_FOLD_Y)),
        ("chest", above(costal)),
        # [D] the flank reaches up to 660, just above the lowest costal point (645 [CT])
        ("flank", above(crest).intersection(box(FLANK_U, 0.0, FAR, 660.0))),
        # [D] upper abdomen: umbilicus [SA] up to 720, above the xiphoid (700 [CT])
        ("upper-abdomen", box(PAST_MIDLINE, UMBILICUS_Y, FAR, 720.0)),
        # [D] the groin band starts 4 units out and 7 up from the ASIS
        ("groin", band(_extend(inguinal, start=(ASIS[0] + 4.0, ASIS[1] + 7.0)), GROIN_BAND_HALF)),
        ("pubic", box(PAST_MIDLINE, PUBIC_BOX[1], PUBIC_BOX[0], PUBIC_BOX[2])),
        # [D] genital region down to 10 units below the crotch
        ("genital", box(PAST_MIDLINE, CROTCH_Y - 10.0, GENITAL_U, PUBIC_BOX[1])),
        ("trochanter", trochanter),
        ("lower-abdomen", above(crest)),
        (
            "lateral-thigh",
            # [D] from 3 cm below the trochanter down to the knee band
            thigh_strip(half, KNEE_Y + KNEE_HALF, TROCHANTER_Y - cm(3), None, LATERAL_THIGH_WIDTH),
        ),
        (
            "medial-thigh",
            # [D] from 1 unit below the crotch; plus a 4 cm strip up to 520 beside the midline
            thigh_strip(half, KNEE_Y + KNEE_HALF, CROTCH_Y - 1, MEDIAL_THIGH_FRACTION, None).union(
                box(PAST_MIDLINE, KNEE_Y + KNEE_HALF, cm(4.0), 520.0)
            ),
        ),
        *leg_bands("anterior-thigh", "shin"),
    ]


def lateral_cutters(outline: Polygon) -> list[tuple[str, shapely.Geometry]]:
    """Ordered (name, cutter) pairs for the left-lateral view (anterior at x < 0)."""
    nuchal = [  # [D] occiput border: behind the ear, over the mastoid [SA], to the inion [CT]
        (cm(3.0), 960.0),
        (cm(2.6), 915.0),
        LATERAL_MASTOID,
        (cm(6.0), 917.0),
        LATERAL_INION,
        (FAR, 925.0),
    ]
    crest = [(-FAR, 560.0), *LATERAL_CREST, (FAR, 540.0)]  # [CT] crest, continued out [D]
    ulnar = ARM_ULNAR_EDGE
    arm_edge = [  # [D] half a unit outside the ulnar edge of the arm, then far along it
        ARM_LATERAL.to_world(s_, t_ - 0.5)
        for s_, t_ in ((LATERAL_ARM_START_S, -LATERAL_ARM_ROOT_HALF), *ulnar)
    ]
    arm_edge += [ARM_LATERAL.to_world(FAR, -40.0)]
    arm = Polygon(
        [
            *arm_edge,
            ARM_LATERAL.to_world(FAR, ARM_ZONE_T),
            ARM_LATERAL.to_world(LATERAL_ARM_START_S, ARM_ZONE_T),
        ]
    )
    # [D] shin | calf split: from the knee centre to 0.5 cm in front of the ankle band top
    shin_split = [(LATERAL_KNEE_CENTRE, KNEE_Y), (-cm(0.5), ANKLE_BAND[1]), (0.0, -FAR)]
    trochanter = unary_union(
        [
            ellipse(LATERAL_TROCHANTER, (cm(4.0), cm(4.0))),  # [D] 4 cm about the trochanter
            # [D] below the crest, behind 1.5 cm behind the ASIS, up to 620
            below(crest, 0.0).intersection(
                box(LATERAL_ASIS[0] + cm(1.5), TROCHANTER_Y, 0.0, 620.0)
            ),
        ]
    )
    return [
        ("ear", ellipse(EAR_CENTRE, EAR_RADII)),
        (
            "face",
            Polygon([*LATERAL_FACE_BORDER, (-FAR, HAIRLINE_Y), (-FAR, LATERAL_FACE_BORDER[0][1])]),
        ),
        ("occiput", Polygon([*nuchal, (FAR, LATERAL_CROWN_Y), (nuchal[0][0], LATERAL_CROWN_Y)])),
        ("scalp", box(-FAR, 935.0, FAR, FAR)),  # [D] scalp above 935, just above the tragus
        # [D] suboccipital: behind 1 cm, down to 2 units below the C2 spinous tip [CT]
        ("suboccipital", box(cm(1.0), SPINOUS_Y["C2"] - 2, FAR, FAR)),
        ("shoulder", Point(ARM_LATERAL.origin).buffer(SHOULDER_RADIUS_LATERAL)),
        *arm_bands(ARM_LATERAL, arm),
        ("posterior-neck", box(0.0, 850.0, FAR, FAR)),  # [D] neck above 850 (C6-C7 [CT])
        ("anterior-neck", box(-FAR, 826.0, 0.0, FAR)),  # [D] down to 826, the clavicle [CT]
        ("upper-trapezius", box(-FAR, 815.0, FAR, FAR)),  # [D] down to 815, ~T2 [CT]
        ("scapula", box(LATERAL_BACK_STRIP, SPINOUS_Y["T7"], FAR, FAR)),
        ("mid-back", box(LATERAL_BACK_STRIP, SPINOUS_Y["T10"], FAR, FAR)),
        ("thoracolumbar", box(LATERAL_BACK_STRIP, SPINOUS_Y["L1"], FAR, FAR)),
        (
            "chest",
            above([*LATERAL_COSTAL, (LATERAL_FRONT_STRIP, FAR)]).intersection(
                box(-FAR, 0.0, LATERAL_FRONT_STRIP, FAR)
            ),
        ),
        (
            "lateral-chest",
            # [D] above 665 in front, then the 12th rib tip [CT], 650 behind it
            above([(-FAR, 665.0), (LATERAL_FRONT_STRIP, 665.0), LATERAL_RIB12_TIP, (FAR, 650.0)]),
        ),
        # [D] sacral: behind 9.2 cm, from the coccyx tip up to 4 units above the S1 spinous tip
        ("sacral", box(cm(9.2), COCCYX_TIP_Y, FAR, SPINOUS_Y["S1"] + 4)),
        ("iliac-crest", band(LATERAL_CREST[2:], CREST_BAND_HALF)),
        ("low-back", above(crest).intersection(box(LATERAL_BACK_STRIP, 0.0, FAR, FAR))),
        ("flank", above(crest).intersection(box(LATERAL_FRONT_STRIP, 0.0, FAR, FAR))),
        ("upper-abdomen", box(-FAR, UMBILICUS_Y, FAR, FAR)),
        # [D] the groin band continues forward and down to 500
        ("groin", band(_extend(LATERAL_GROIN, end=(-FAR, 500.0)), GROIN_BAND_HALF)),
        ("trochanter", trochanter),
        (
            "lower-abdomen",
            Polygon(
                [
                    (-FAR, LATERAL_GROIN[-1][1]),
                    *reversed(LATERAL_GROIN),
                    *LATERAL_CREST[1:2],
                    (LATERAL_FRONT_STRIP, FAR),
                    (-FAR, FAR),
                ]
            ),
        ),
        ("upper-buttock", box(0.0, TROCHANTER_TOP_Y, FAR, FAR)),
        (
            "lateral-thigh",
            box(-LATERAL_THIGH_HALF, KNEE_Y + KNEE_HALF, LATERAL_THIGH_HALF, TROCHANTER_Y),
        ),
        (
            "lower-buttock",
            # [D] gluteal fold seen from the side: 500 at the mid-coronal line, 470 at 3 cm,
            # 468 behind (the fold is 465-470 [CT])
            above([(0.0, 500.0), (cm(3.0), 470.0), (FAR, 468.0)]).intersection(
                box(0.0, 0.0, FAR, FAR)
            ),
        ),
        # [D] thighs up to 560, above the fold and the trochanter (530 [DC])
        ("anterior-thigh", box(-FAR, KNEE_Y + KNEE_HALF, 0.0, 560.0)),
        ("knee", box(-FAR, KNEE_Y - KNEE_HALF, FAR, KNEE_Y + KNEE_HALF)),
        ("posterior-thigh", box(0.0, KNEE_Y + KNEE_HALF, FAR, 560.0)),
        (
            "shin",
            Polygon([*shin_split, (-FAR, -FAR), (-FAR, KNEE_Y)]).intersection(
                box(-FAR, ANKLE_BAND[1], FAR, KNEE_Y)
            ),
        ),
        ("calf", box(-FAR, ANKLE_BAND[1], FAR, KNEE_Y - KNEE_HALF)),
        ("ankle", box(-FAR, ANKLE_BAND[0], FAR, ANKLE_BAND[1])),
        ("foot", box(-FAR, -FAR, FAR, ANKLE_BAND[0])),
    ]


def carve(
    shape: Polygon, cutters: Iterable[tuple[str, shapely.Geometry]]
) -> dict[str, shapely.Geometry]:
    """Cut ``shape`` into named pieces: each cutter takes what earlier ones left.

    Pieces left over at the end join the piece with which they share the longest border,
    so the result tiles ``shape``; vertices are then rounded to the output grid.
    """
    rest = shape
    pieces: dict[str, shapely.Geometry] = {}
    for name, cutter in cutters:
        part = shapely.intersection(rest, cutter)
        rest = shapely.difference(rest, cutter)
        prev = pieces.get(name)
        pieces[name] = part if prev is None else shapely.union(prev, part)
    for bit in _polygons(rest):
        live = [n for n in pieces if not _clean(pieces[n]).is_empty]
        best = max(live, key=lambda n: bit.boundary.intersection(_clean(pieces[n]).boundary).length)
        pieces[best] = shapely.union(pieces[best], bit)
    # insert every neighbour's vertices into shared edges (fewer T-junctions), then round
    nodes = shapely.multipoints(shapely.get_coordinates(list(pieces.values())))
    snapped = {n: _clean(_snap(shapely.snap(g, nodes, NODE_TOL))) for n, g in pieces.items()}
    return {n: g for n, g in snapped.items() if not g.is_empty}


def _snap(geom: shapely.Geometry) -> shapely.Geometry:
    """Round every vertex to the output grid; shared vertices of neighbours stay shared."""
    for _ in range(SNAP_ROUNDS):
        geom = shapely.remove_repeated_points(shapely.transform(geom, lambda c: np.round(c, 2)))
        if geom.is_valid:
            return geom
        geom = _clean(shapely.make_valid(geom))  # may add off-grid vertices: round again
    raise ValueError(f"could not snap {geom.wkt[:80]} to the grid")


def _polygons(geom: shapely.Geometry) -> list[Polygon]:
    """The polygon parts of any geometry."""
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for g in getattr(geom, "geoms", []) for p in _polygons(g)]


def _clean(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only polygonal parts; a single part as Polygon, several as MultiPolygon."""
    polys = [p for p in _polygons(geom) if p.area > MIN_PART_AREA]
    if not polys:
        return Polygon()
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


def choir_codes() -> dict[tuple[str, str, str], int]:
    """CHOIR code by (map view, region name, patient side) from the shared CSV."""
    with schema.CHOIR_FILE.open(newline="") as fh:
        return {
            (r["view"], r["name"], r["patient_side"]): int(r["choir_code"])
            for r in csv.DictReader(fh)
        }


def regions(outline_by_view: dict[schema.View, Polygon]) -> list[dict]:
    """GeoJSON features of every (region, view), ordered by view then id."""
    codes = choir_codes()
    features: list[dict] = []
    for view in schema.VIEWS:
        outline = outline_by_view[view]
        by_side: dict[schema.Side, dict[str, shapely.Geometry]] = {}
        if view in schema.LEFT_SIGN:
            half = shapely.intersection(outline, box(0.0, -FAR, FAR, FAR))
            cutters = anterior_cutters(half) if view == "anterior" else posterior_cutters(half)
            u_side = carve(half, cutters)
            mirrored = {n: mirror_geometry(g) for n, g in u_side.items()}
            left_positive = schema.LEFT_SIGN[view] > 0
            by_side["left"] = u_side if left_positive else mirrored
            by_side["right"] = mirrored if left_positive else u_side
        elif view == "left-lateral":
            by_side["left"] = carve(outline, lateral_cutters(outline))
        else:
            lat = carve(
                outline_by_view["left-lateral"], lateral_cutters(outline_by_view["left-lateral"])
            )
            by_side["right"] = {n: mirror_geometry(g) for n, g in lat.items()}
        rows = []
        for side, pieces in by_side.items():
            for name, geom in pieces.items():
                rid = schema.region_id(side, name)
                choir = sorted(codes[(mv, mn, side)] for mv, mn in CHOIR_AREAS[name])
                props = {
                    "id": rid,
                    "name": name,
                    "side": side,
                    "label": f"{side.capitalize()} {name.replace('-', ' ')}",
                    "view": view,
                    "choir": choir,
                }
                rows.append({"type": "Feature", "properties": props, "geometry": geom})
        features += sorted(rows, key=lambda f: f["properties"]["id"])
    return features


def build_files() -> dict[str, str]:
    """``data/regions.geojson`` as {path relative to the project root: text}.

    The regions are cut from the outlines as :func:`referral.build.body.outlines` builds
    them (the same polygons step 1 writes, before their coordinates are printed).
    """
    features = regions(outlines())
    return {str(schema.REGIONS_FILE.relative_to(schema.ROOT)): feature_collection(features)}


def main(root: Path = schema.ROOT) -> None:
    """Write ``data/regions.geojson`` under ``root``."""
    write_files(build_files(), root)


if __name__ == "__main__":
    main()
