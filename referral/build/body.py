"""Build the body outlines and landmarks of the reference adult (step 1 of :mod:`referral.build`).

Writes ``assets/body_outlines/{view}.geojson`` and ``assets/body_outlines/{view}.landmarks.json``.
Run ``python -m referral.build.body``; the output is deterministic (coordinates on a
0.01-unit grid, stable ordering) and a test checks that the committed files equal a fresh
build. The named regions are cut from these outlines by :mod:`referral.build.regions`.

Frame (see ``referral/schema.py``): reference adult H = 170 cm drawn 1000 units tall, feet
on y = 0, y up, x = 0 on the midline (anterior/posterior) or the mid-coronal plane through
the ear and the greater trochanter (lateral). 1 cm = 1000/170 = 5.88 units (``cm()``).

Sources of the numbers below, abbreviated in the comments:
- [DC] Drillis & Contini 1966 segment proportions as tabulated in Winter, *Biomechanics and
  Motor Control of Human Movement* (shared/reference/anthropometry.md): heights and widths
  as fractions of H.
- [SA] standard surface anatomy (anthropometry.md; evidence.md §7): vertebral levels of
  the scapular angles, PSIS, iliac crest summit, umbilicus, trochanter.
- [EV] evidence.md §4, §6, §7: the iliac crest point 7 cm from the midline, the PSIS 3.5 cm
  from the midline, the greater occipital nerve below the superior nuchal line.
- [CT] the landmark table of the project's interface contract (contract.md), itself built
  from [DC] and [SA].
- [D] a drawing choice (silhouette shape between the proportion stations, region borders
  where anatomy gives no line); these are "derived", not measured.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import unary_union

from referral import schema
from referral.atlas import mirror_geometry
from referral.build import GRID, rounded_geometry, write_files
from referral.schema import HEIGHT as H
from referral.schema import cm

Coord = tuple[float, float]


# --------------------------------------------------------------------------------------
# Proportions [DC] (fractions of H)
# --------------------------------------------------------------------------------------
VERTEX_Y = 1.000 * H  # [DC] vertex
EYE_Y = 0.936 * H  # [DC] eye
CHIN_Y = 0.870 * H  # [DC] chin
ACROMION_Y = 0.818 * H  # [DC] shoulder (acromion)
NIPPLE_Y = 0.720 * H  # [DC] chest (nipple)
ELBOW_Y = 0.630 * H  # [DC] elbow
TROCHANTER_Y = 0.530 * H  # [DC] hip joint / greater trochanter
WRIST_Y = 0.485 * H  # [DC] wrist
FINGERTIP_Y = 0.377 * H  # [DC] fingertip
KNEE_Y = 0.285 * H  # [DC] knee
ANKLE_Y = 0.039 * H  # [DC] ankle
ACROMION_X = 0.259 * H / 2  # [DC] biacromial width 0.259 H -> ±129.5
CHEST_HALF = 0.174 * H / 2  # [DC] chest width 0.174 H -> ±87 at the nipple
HIP_HALF = 0.191 * H / 2  # [DC] hip width 0.191 H -> ±95.5 at the trochanter
FOOT_LENGTH = 0.152 * H  # [DC] foot length
FOOT_WIDTH = 0.055 * H  # [DC] foot width
HAND_LENGTH = 0.108 * H  # [DC] hand length
UPPER_ARM_LENGTH = 0.186 * H  # [DC] upper arm (shoulder -> elbow)
FOREARM_LENGTH = 0.146 * H  # [DC] forearm (elbow -> wrist)

# --------------------------------------------------------------------------------------
# Landmarks [CT]; posterior-view coordinates are given for the patient's LEFT as a lateral
# distance u >= 0 from the midline and placed at x = LEFT_SIGN * u.
# --------------------------------------------------------------------------------------
#: Spinous process tips [CT]: C2-C7 evenly spaced from C2 (just below the inion) to the
#: vertebra prominens; T1-T12 evenly spaced (14.1 units) from C7; L1-L5 (19.8 units) so that
#: L4 = iliac crest summit 595.6 [SA]; S2 = PSIS level 547 [SA]; natal cleft top at S4.
SPINOUS_Y: dict[str, float] = {
    "C2": 895.0,
    "C3": 884.8,
    "C4": 874.6,
    "C5": 864.4,
    "C6": 854.2,
    "C7": 844.0,
    "T1": 829.9,
    "T2": 815.8,
    "T3": 801.7,
    "T4": 787.6,
    "T5": 773.5,
    "T6": 759.4,
    "T7": 745.3,
    "T8": 731.2,
    "T9": 717.1,
    "T10": 703.0,
    "T11": 688.9,
    "T12": 674.8,
    "L1": 655.0,
    "L2": 635.2,
    "L3": 615.4,
    "L4": 595.6,
    "L5": 575.8,
    "S1": 560.0,
    "S2": 547.0,
    "S3": 534.0,
    "S4": 522.0,
}
COCCYX_TIP_Y = 505.0  # [CT] coccyx tip, just above the gluteal fold
INION = (0.0, 925.0)  # [CT] external occipital protuberance
MASTOID_U, MASTOID_Y = 38.0, 905.0  # [CT] mastoid, end of the superior nuchal line
SCAPULA_SUP_ANGLE = (cm(6.5), SPINOUS_Y["T2"])  # [SA] superior angle ≈ T2, 6.5 cm out
SCAPULA_SPINE_ROOT = (cm(6.5), SPINOUS_Y["T3"])  # [SA] root of the spine ≈ T3
SCAPULA_INF_ANGLE = (cm(8.0), SPINOUS_Y["T7"])  # [SA] inferior angle ≈ T7, 8 cm out
SCAPULA_GLENOID = (cm(18.5), 790.0)  # [D] lateral angle, below the acromion
RIB12_START = (cm(3.0), 675.0)  # [CT] 12th rib beside T12
RIB12_TIP = (cm(13.0), 650.0)  # [CT] 12th rib tip, ~a hand's breadth below T12 laterally
PSIS = (cm(3.5), SPINOUS_Y["S2"])  # [SA][EV] PSIS ≈ S2, 3.5 cm from the midline
ILIAC_CREST_POINT = (cm(7.0), 578.0)  # [EV] Maigne's crest point, 7 cm from the midline
ILIAC_SUMMIT = (82.0, SPINOUS_Y["L4"])  # [SA] crest summit at L4
ILIAC_LATERAL_LIP = (88.0, 590.0)  # [CT] crest at the flank edge
#: Posterior iliac crest, PSIS -> crest point -> summit -> lateral lip [CT][D].
POSTERIOR_CREST: tuple[Coord, ...] = (
    PSIS,
    (cm(5.0), 563.0),
    ILIAC_CREST_POINT,
    (cm(10.0), 590.0),
    ILIAC_SUMMIT,
    ILIAC_LATERAL_LIP,
)
TROCHANTER = (95.0, TROCHANTER_Y)  # [CT][DC] greater trochanter (hip width / 2 ≈ 95.5)
TROCHANTER_TOP_Y = 545.0  # [CT] top of the greater trochanter
GLUTEAL_FOLD: tuple[Coord, ...] = ((cm(1.0), 470.0), (35.0, 465.0), (60.0, 465.0), (80.0, 468.0))
#: [CT] gluteal fold from the natal cleft outward, sagging slightly [D].

# Anterior [CT]
STERNAL_NOTCH_Y = 818.0  # [CT] level with the acromion
XIPHOID_Y = 700.0  # [CT]
UMBILICUS_Y = 605.0  # [SA] umbilicus ≈ L3-4
PUBIC_SYMPHYSIS_Y = 535.0  # [CT] top of the symphysis
NIPPLE = (cm(10.0), NIPPLE_Y)  # [CT][DC]
COSTAL_LOW = (cm(10.0), 645.0)  # [CT] lowest point of the costal margin (10th rib)
ASIS = (cm(12.0), 570.0)  # [CT] anterior superior iliac spine
PUBIC_TUBERCLE = (cm(2.5), 530.0)  # [SA] level with the greater trochanter
ANTERIOR_CREST_TOP = (82.0, 595.0)  # [CT] iliac crest from ASIS up and laterally
CROTCH_Y = 475.0  # [D] perineum between the thighs
CLAVICLE: tuple[Coord, ...] = (
    (cm(1.5), STERNAL_NOTCH_Y + 2),
    (60.0, 826.0),
    (ACROMION_X, ACROMION_Y),
)
#: [CT] clavicle notch -> acromion, with its gentle S curve [D].

# Lateral (left-lateral; anterior is x < 0) [CT]
TRAGUS = (0.0, 930.0)  # [CT] tragus / external ear on the mid-coronal line
LATERAL_INION = (cm(9.5), 925.0)  # [CT]
LATERAL_CHIN = (-cm(10.0), CHIN_Y)  # [CT]
LATERAL_MASTOID = (cm(2.0), 905.0)  # [SA] behind and below the ear
LATERAL_ACROMION = (0.0, ACROMION_Y)  # [CT]
AXILLA_Y = 770.0  # [CT] top of the mid-axillary line
LATERAL_RIB12_TIP = (cm(5.0), 650.0)  # [CT]
LATERAL_ASIS = (-cm(9.0), 570.0)  # [CT]
LATERAL_SUMMIT = (cm(1.0), 600.0)  # [CT] crest summit on the mid-axillary line
LATERAL_PSIS = (cm(10.0), SPINOUS_Y["S2"])  # [CT]
#: [CT] iliac crest seen from the side: ASIS rising to the summit and down to the PSIS [D].
LATERAL_CREST: tuple[Coord, ...] = (
    LATERAL_ASIS,
    (-cm(6.0), 588.0),
    (-cm(3.0), 597.0),
    LATERAL_SUMMIT,
    (cm(4.0), 597.0),
    (cm(7.0), 586.0),
    (cm(8.8), 572.0),
    LATERAL_PSIS,
)
LATERAL_CREST_POINT_X = cm(8.3)  # [EV] the crest point (7 cm from the midline) seen from the side
LATERAL_TROCHANTER = (0.0, TROCHANTER_Y)  # [CT]
#: Skin depth of the spinous tips below the back profile in lateral views [D].
SPINOUS_DEPTH = cm(0.6)

#: Back of the left-lateral profile, (x, y) from the inion down to the gluteal fold [D],
#: checked against [CT]: C7 at x = cm(6), PSIS at cm(10), lumbar lordosis, buttock.
LATERAL_BACK: tuple[Coord, ...] = (
    (cm(10.2), 950.0),
    (cm(9.7), 925.0),
    (cm(7.4), 905.0),
    (cm(5.6), 888.0),
    (cm(5.0), 870.0),
    (cm(5.5), 855.0),
    (cm(6.6), 844.0),
    (cm(8.2), 825.0),
    (cm(9.8), 800.0),
    (cm(10.8), 770.0),
    (cm(11.0), 740.0),
    (cm(10.5), 705.0),
    (cm(9.6), 670.0),
    (cm(8.9), 640.0),
    (cm(8.6), 610.0),
    (cm(8.9), 585.0),
    (cm(9.8), 562.0),
    (cm(10.9), 545.0),
    (cm(12.0), 525.0),
    (cm(12.8), 500.0),
    (cm(12.3), 482.0),
    (cm(10.8), 468.0),
)


@dataclass(frozen=True)
class Limb:
    """A straight limb axis: ``s`` runs along it from ``origin``, ``t`` across it (units).

    ``t > 0`` is the radial (thumb) side of the arm.
    """

    origin: Coord
    axis: Coord  # unit vector along the limb
    normal: Coord  # unit vector across the limb, toward the thumb side

    def to_world(self, s: float, t: float) -> Coord:
        """World coordinates of the local point (s, t): origin + s * axis + t * normal."""
        ox, oy = self.origin
        return (
            ox + s * self.axis[0] + t * self.normal[0],
            oy + s * self.axis[1] + t * self.normal[1],
        )

    def centre(self, s: float) -> Coord:
        """Point on the axis at distance ``s`` from the origin (rounded to the grid)."""
        x, y = self.to_world(s, 0.0)
        return (round(x, 2), round(y, 2))


ELBOW_S = UPPER_ARM_LENGTH  # [DC] elbow along the arm axis
WRIST_S = UPPER_ARM_LENGTH + FOREARM_LENGTH  # [DC] wrist along the arm axis
FINGERTIP_S = WRIST_S + HAND_LENGTH  # [DC] middle fingertip along the arm axis
#: Anterior/posterior arm: hanging, abducted 10° so a gap shows between arm and trunk [D];
#: shoulder centre below the acromion so that elbow, wrist and fingertip fall near the [DC]
#: heights 630, 485, 377.
ARM_ABDUCTION_DEG = 10.0
ARM_ANTERIOR = Limb(
    origin=(cm(19.0), 816.0),
    axis=(math.sin(math.radians(ARM_ABDUCTION_DEG)), -math.cos(math.radians(ARM_ABDUCTION_DEG))),
    normal=(math.cos(math.radians(ARM_ABDUCTION_DEG)), math.sin(math.radians(ARM_ABDUCTION_DEG))),
)
#: Lateral views: the arm is flexed forward 80° (just below horizontal), elbow straight,
#: forearm neutral (thumb up) so the chest wall, flank, crest and trochanter stay visible [D].
ARM_FLEXION_DEG = 80.0
ARM_LATERAL = Limb(
    origin=(0.0, 805.0),
    axis=(-math.sin(math.radians(ARM_FLEXION_DEG)), -math.cos(math.radians(ARM_FLEXION_DEG))),
    normal=(-math.cos(math.radians(ARM_FLEXION_DEG)), math.sin(math.radians(ARM_FLEXION_DEG))),
)
LEG_OUTER_KNEE = cm(11.9)  # [D] outer knee edge (knee breadth ~9.5 cm)
LEG_INNER_KNEE = cm(2.4)  # [D] inner knee edge, knees nearly touching
LEG_CENTRE_KNEE = round((LEG_OUTER_KNEE + LEG_INNER_KNEE) / 2, 2)  # patella centre
LATERAL_KNEE_FRONT = -cm(8.0)  # [D] front of the patella (knee depth ~13.7 cm)
LATERAL_KNEE_BACK = cm(5.7)  # [D] popliteal skin
LATERAL_KNEE_CENTRE = round((LATERAL_KNEE_FRONT + LATERAL_KNEE_BACK) / 2, 2)


def mirror(coord: Coord) -> Coord:
    """Return the x-mirror (x -> -x) of a point."""
    return (-coord[0], coord[1])


def side_x(u: float, view: schema.View, side: schema.Side = "left") -> float:
    """x of a point at lateral distance ``u`` on the patient's ``side`` in a front/back view."""
    sign = schema.LEFT_SIGN[view] * (1 if side == "left" else -1)
    return sign * u


def interp_x(profile: Sequence[Coord], y: float) -> float:
    """Linear x of a profile polyline (ordered by descending y) at height ``y``."""
    ys = np.array([p[1] for p in profile])[::-1]
    xs = np.array([p[0] for p in profile])[::-1]
    return float(np.interp(y, ys, xs))


def line_y_at(points: Sequence[Coord], x: float) -> float:
    """Linear y of a polyline (monotone in x) at ``x``."""
    pts = sorted(points)
    return float(np.interp(x, [p[0] for p in pts], [p[1] for p in pts]))


# --------------------------------------------------------------------------------------
# Landmarks
# --------------------------------------------------------------------------------------


def _sided(
    view: schema.View, points: Mapping[str, Coord], lines: Mapping[str, Sequence[Coord]]
) -> tuple[dict[str, Coord], dict[str, list[Coord]]]:
    """Expand left-side landmarks given in lateral distance u into both sides of a view."""
    out_p: dict[str, Coord] = {}
    out_l: dict[str, list[Coord]] = {}
    for side in schema.SIDES:
        for name, (u, y) in points.items():
            out_p[f"{side}-{name}"] = (side_x(u, view, side), y)
        for name, coords in lines.items():
            out_l[f"{side}-{name}"] = [(side_x(u, view, side), y) for u, y in coords]
    return out_p, out_l


def _midline_points() -> dict[str, Coord]:
    """Spinous processes and coccyx on the midline of the posterior view."""
    pts = {f"spinous-{level}": (0.0, y) for level, y in SPINOUS_Y.items()}
    pts["coccyx-tip"] = (0.0, COCCYX_TIP_Y)
    return pts


def posterior_landmarks() -> tuple[dict[str, Coord], dict[str, list[Coord]]]:
    """Points and lines of the posterior view (patient's left at x < 0)."""
    view: schema.View = "posterior"
    nuchal = [INION, (cm(2.0), 923.0), (cm(4.5), 915.0), (MASTOID_U, MASTOID_Y)]  # [CT]
    left_points = {
        "mastoid": (MASTOID_U, MASTOID_Y),
        "greater-occipital-nerve": (cm(2.0), 918.0),  # [EV] below the nuchal line, 2 cm out
        "acromion": (ACROMION_X, ACROMION_Y),
        "scapula-superior-angle": SCAPULA_SUP_ANGLE,
        "scapula-spine-root": SCAPULA_SPINE_ROOT,
        "scapula-inferior-angle": SCAPULA_INF_ANGLE,
        "12th-rib-tip": RIB12_TIP,
        "psis": PSIS,
        "iliac-crest-point": ILIAC_CREST_POINT,
        "iliac-crest-summit": ILIAC_SUMMIT,
        "iliac-crest-lateral-lip": ILIAC_LATERAL_LIP,
        "middle-cluneal-point": (cm(3.6), PSIS[1] - cm(1.5)),  # [EV] Aota 2016; Konno 2017
        "greater-trochanter": TROCHANTER,
        "greater-trochanter-top": (TROCHANTER[0], TROCHANTER_TOP_Y),
        "elbow": (ARM_ANTERIOR.centre(ELBOW_S)),
        "wrist": (ARM_ANTERIOR.centre(WRIST_S)),
        "knee": (LEG_CENTRE_KNEE, KNEE_Y),
    }
    left_lines = {
        "superior-nuchal-line": nuchal,
        "scapula-vertebral-border": [SCAPULA_SUP_ANGLE, SCAPULA_INF_ANGLE],
        "scapular-spine": [SCAPULA_SPINE_ROOT, (ACROMION_X, ACROMION_Y)],
        "scapula-lateral-border": [SCAPULA_INF_ANGLE, SCAPULA_GLENOID],
        "12th-rib": [RIB12_START, (cm(8.0), 665.0), RIB12_TIP],
        "iliac-crest": list(POSTERIOR_CREST),
        "psis-coccyx-line": [PSIS, (0.0, COCCYX_TIP_Y)],
        "gluteal-fold": list(GLUTEAL_FOLD),
        "knee-line": [(LEG_INNER_KNEE, KNEE_Y), (LEG_OUTER_KNEE, KNEE_Y)],
    }
    points, lines = _sided(view, left_points, left_lines)
    points.update(_midline_points())
    points["inion"] = INION
    points["natal-cleft-top"] = (0.0, SPINOUS_Y["S4"])
    lines["midline"] = [(0.0, VERTEX_Y), (0.0, CROTCH_Y)]
    return points, lines


def anterior_landmarks() -> tuple[dict[str, Coord], dict[str, list[Coord]]]:
    """Points and lines of the anterior view (patient's left at x > 0)."""
    view: schema.View = "anterior"
    inguinal = [ASIS, (cm(8.0), 552.0), (cm(5.0), 540.0), PUBIC_TUBERCLE]  # [SA] sagging [D]
    left_points = {
        "acromion": (ACROMION_X, ACROMION_Y),
        "nipple": NIPPLE,
        "costal-margin-lowest": COSTAL_LOW,
        "asis": ASIS,
        "pubic-tubercle": PUBIC_TUBERCLE,
        "greater-trochanter": TROCHANTER,
        "iliac-crest-anterior-top": ANTERIOR_CREST_TOP,
        "patella": (LEG_CENTRE_KNEE, KNEE_Y),
        "elbow": (ARM_ANTERIOR.centre(ELBOW_S)),
        "wrist": (ARM_ANTERIOR.centre(WRIST_S)),
        "eye": (cm(3.2), EYE_Y),  # [D] interpupillary distance ~6.4 cm
    }
    left_lines = {
        "clavicle": list(CLAVICLE),
        "costal-margin": [(0.0, XIPHOID_Y), (cm(5.0), 672.0), COSTAL_LOW],
        "inguinal-ligament": inguinal,
        "iliac-crest": [ASIS, (76.0, 585.0), ANTERIOR_CREST_TOP],
        "knee-line": [(LEG_INNER_KNEE, KNEE_Y), (LEG_OUTER_KNEE, KNEE_Y)],
    }
    points, lines = _sided(view, left_points, left_lines)
    points.update(
        {
            "chin": (0.0, CHIN_Y),
            "sternal-notch": (0.0, STERNAL_NOTCH_Y),
            "xiphoid": (0.0, XIPHOID_Y),
            "umbilicus": (0.0, UMBILICUS_Y),
            "pubic-symphysis": (0.0, PUBIC_SYMPHYSIS_Y),
        }
    )
    lines["midline"] = [(0.0, VERTEX_Y), (0.0, CROTCH_Y)]
    return points, lines


def left_lateral_landmarks() -> tuple[dict[str, Coord], dict[str, list[Coord]]]:
    """Points and lines of the left-lateral view (anterior at x < 0)."""
    points: dict[str, Coord] = {
        f"spinous-{level}": (round(interp_x(LATERAL_BACK, y) - SPINOUS_DEPTH, 2), y)
        for level, y in SPINOUS_Y.items()
    }
    points["coccyx-tip"] = (round(interp_x(LATERAL_BACK, COCCYX_TIP_Y) - cm(1.5), 2), COCCYX_TIP_Y)
    points["inion"] = LATERAL_INION
    points["chin"] = LATERAL_CHIN
    crest_y = line_y_at(LATERAL_CREST, LATERAL_CREST_POINT_X)
    sided = {
        "tragus": TRAGUS,
        "mastoid": LATERAL_MASTOID,
        "acromion": LATERAL_ACROMION,
        "axilla": (0.0, AXILLA_Y),
        "12th-rib-tip": LATERAL_RIB12_TIP,
        "asis": LATERAL_ASIS,
        "iliac-crest-summit": LATERAL_SUMMIT,
        "iliac-crest-point": (LATERAL_CREST_POINT_X, round(crest_y, 2)),
        "psis": LATERAL_PSIS,
        "greater-trochanter": LATERAL_TROCHANTER,
        "greater-trochanter-top": (0.0, TROCHANTER_TOP_Y),
        "elbow": ARM_LATERAL.centre(ELBOW_S),
        "wrist": ARM_LATERAL.centre(WRIST_S),
        "knee": (LATERAL_KNEE_CENTRE, KNEE_Y),
    }
    rib_start = (interp_x(LATERAL_BACK, 675.0) - SPINOUS_DEPTH, 675.0)
    lines_sided: dict[str, list[Coord]] = {
        "superior-nuchal-line": [LATERAL_INION, (cm(6.0), 917.0), LATERAL_MASTOID],
        "mid-axillary-line": [(0.0, AXILLA_Y), LATERAL_SUMMIT],
        "12th-rib": [rib_start, (cm(7.5), 662.0), LATERAL_RIB12_TIP],
        "iliac-crest": list(LATERAL_CREST),
        "knee-line": [(LATERAL_KNEE_FRONT, KNEE_Y), (LATERAL_KNEE_BACK, KNEE_Y)],
    }
    points.update({f"left-{k}": v for k, v in sided.items()})
    lines = {f"left-{k}": v for k, v in lines_sided.items()}
    lines["midline"] = [LATERAL_INION, *[points[f"spinous-{lv}"] for lv in SPINOUS_Y]]
    return points, lines


def mirror_landmarks(
    points: dict[str, Coord], lines: dict[str, list[Coord]]
) -> tuple[dict[str, Coord], dict[str, list[Coord]]]:
    """Mirror left-lateral landmarks into the right-lateral view (x -> -x, left -> right)."""

    def rename(name: str) -> str:
        return "right-" + name[5:] if name.startswith("left-") else name

    return (
        {rename(k): mirror(v) for k, v in points.items()},
        {rename(k): [mirror(c) for c in v] for k, v in lines.items()},
    )


def landmarks(view: schema.View) -> dict:
    """Return the landmark document of one view (rounded, names sorted)."""
    if view == "posterior":
        points, lines = posterior_landmarks()
    elif view == "anterior":
        points, lines = anterior_landmarks()
    else:
        points, lines = left_lateral_landmarks()
        if view == "right-lateral":
            points, lines = mirror_landmarks(points, lines)
    return {
        "view": view,
        "units": "reference adult 170 cm = 1000 units, feet y=0, y up; 1 cm = 5.882 units",
        "points": {k: _round_pt(points[k]) for k in sorted(points)},
        "lines": {k: [_round_pt(c) for c in lines[k]] for k in sorted(lines)},
    }


def _round_pt(coord: Coord) -> list[float]:
    """Round a coordinate to the output grid (and drop negative zero)."""
    return [round(float(c), 2) + 0.0 for c in coord]


# --------------------------------------------------------------------------------------
# Outlines
# --------------------------------------------------------------------------------------
#: Centripetal Catmull-Rom (alpha = 0.5) never forms cusps or self-loops inside a segment.
CATMULL_ROM_ALPHA = 0.5
#: Target spacing of the smoothed outline (units); then simplified within SIMPLIFY_TOL.
SAMPLE_STEP = 4.0
SIMPLIFY_TOL = 0.25

#: Arm silhouette in the arm's own frame, (s along the axis from the shoulder centre,
#: t across it, + = thumb side) [D]: upper arm ~8.5 cm wide, elbow ~7.5 cm, forearm belly
#: ~8 cm, wrist ~5.6 cm [DC-scaled]; elbow at s = 186, wrist at s = 332 [DC].
ARM_RADIAL_EDGE: tuple[Coord, ...] = (
    (20.0, 30.0),
    (50.0, 28.0),
    (95.0, 25.5),
    (140.0, 23.5),
    (ELBOW_S, 22.5),
    (215.0, 25.0),
    (260.0, 21.0),
    (300.0, 17.5),
    (WRIST_S, 16.5),
)
ARM_ULNAR_EDGE: tuple[Coord, ...] = (
    (42.0, -24.0),
    (80.0, -25.0),
    (130.0, -23.0),
    (ELBOW_S, -22.0),
    (225.0, -21.5),
    (270.0, -18.5),
    (310.0, -16.0),
    (WRIST_S, -16.0),
)
#: Fingers of the hand, radial -> ulnar: (centre t, half-width, tip s beyond the wrist) [D];
#: middle finger tip at the hand length 108 [DC], palm breadth ~8.5 cm.
FINGERS: tuple[tuple[float, float, float], ...] = (
    (13.6, 5.0, 96.0),
    (3.4, 5.2, HAND_LENGTH),
    (-7.0, 5.0, 102.0),
    (-16.6, 4.4, 89.0),
)
FINGER_CLEFT = 13.0  # [D] depth of the clefts between the fingers held together
#: Wrist, thenar eminence and slightly abducted thumb on the radial side [D].
THUMB: tuple[Coord, ...] = (
    (12.0, 21.0),
    (27.0, 27.5),
    (43.0, 31.0),
    (54.0, 32.0),
    (60.0, 29.5),
    (58.5, 25.0),
    (49.0, 22.0),
    (40.0, 19.8),
)
HYPOTHENAR: tuple[Coord, ...] = ((50.0, -23.5), (20.0, -20.0))  # [D] ulnar side of the palm


def hand_outline() -> list[Coord]:
    """Hand control points in the arm frame (s, t), radial -> fingertips -> ulnar."""
    pts = [(WRIST_S + s_, t_) for s_, t_ in THUMB]
    for i, (tc, w, tip) in enumerate(FINGERS):
        if i > 0:
            prev_tc, prev_w, prev_tip = FINGERS[i - 1]
            cleft_t = (prev_tc - prev_w + tc + w) / 2
            pts.append((WRIST_S + min(tip, prev_tip) - FINGER_CLEFT, cleft_t))
        else:
            pts.append((WRIST_S + tip - 2.5 * w, tc + w))
        pts += [
            (WRIST_S + tip - 0.9 * w, tc + 0.85 * w),
            (WRIST_S + tip, tc),
            (WRIST_S + tip - 0.9 * w, tc - 0.85 * w),
        ]
    pts += [(WRIST_S + s_, t_) for s_, t_ in HYPOTHENAR]
    return pts


#: Anterior/posterior half silhouette, patient's left as u >= 0, from the vertex down the
#: head, neck and shoulder [D] to the arm (inserted from the arm frame), then from the
#: axilla down the trunk, leg and foot and up the inner leg to the crotch. Stations:
#: head breadth 15.5 cm, neck 11.5 cm, chest ±87 at the nipple and hips ±101 at the
#: trochanter (0.174 H and 0.191 H plus soft tissue) [DC]; knee 285, ankle 39 [DC].
HEAD_NECK_SHOULDER: tuple[Coord, ...] = (
    (0.0, VERTEX_Y),
    (21.0, 997.0),
    (36.0, 987.0),
    (43.5, 971.0),
    (45.5, 955.0),
    (45.0, 943.0),
    (48.0, 939.0),
    (50.0, 930.0),
    (49.0, 917.0),
    (45.5, 909.0),
    (43.0, 898.0),
    (39.0, 884.0),
    (33.5, 874.0),
    (32.5, 862.0),
    (34.5, 851.0),
    (43.0, 842.0),
    (62.0, 834.5),
    (88.0, 829.0),
    (110.0, 825.0),
    (ACROMION_X, 821.0),
    (139.0, 814.0),
)
TRUNK_AND_LEG: tuple[Coord, ...] = (
    (90.5, 760.0),
    (88.5, 742.0),
    (CHEST_HALF, NIPPLE_Y),
    (84.5, 693.0),
    (80.5, 665.0),
    (78.5, 645.0),
    (80.5, 622.0),
    (85.5, 604.0),
    (90.0, 590.0),
    (95.5, 567.0),
    (99.5, 547.0),
    (101.0, TROCHANTER_Y),
    (100.5, 512.0),
    (98.0, 490.0),
    (94.0, 460.0),
    (89.0, 420.0),
    (83.0, 380.0),
    (77.0, 340.0),
    (72.5, 310.0),
    (LEG_OUTER_KNEE, KNEE_Y),
    (71.0, 262.0),
    (75.5, 230.0),
    (74.5, 195.0),
    (68.0, 150.0),
    (60.5, 100.0),
    (57.5, 62.0),
    (59.5, ANKLE_Y + 4),
    (63.0, 26.0),
    (67.5, 12.0),
    (67.0, 3.5),
    (62.0, 0.0),
    (14.0, 0.0),
    (10.5, 4.0),
    (12.5, 14.0),
    (17.5, 27.0),
    (20.5, ANKLE_Y + 4),
    (20.0, 62.0),
    (21.0, 110.0),
    (23.5, 180.0),
    (23.0, 225.0),
    (17.5, 260.0),
    (LEG_INNER_KNEE, KNEE_Y),
    (13.5, 310.0),
    (12.0, 350.0),
    (9.5, 400.0),
    (7.0, 440.0),
    (4.5, 462.0),
    (0.0, CROTCH_Y),
)

#: Left-lateral silhouette without the arm, from the vertex down the back [D] (LATERAL_BACK),
#: the back of the leg, heel, sole and toes (foot length 0.152 H [DC]), then up the shin,
#: thigh, abdomen, chest, neck and face (nose, lips, chin at 0.870 H [DC]).
LATERAL_HEAD_TOP: tuple[Coord, ...] = ((cm(1.0), VERTEX_Y), (cm(5.5), 993.0), (cm(8.6), 975.0))
LATERAL_LEG_AND_FRONT: tuple[Coord, ...] = (
    (cm(9.6), 450.0),
    (cm(8.6), 400.0),
    (cm(7.3), 340.0),
    (LATERAL_KNEE_BACK, 300.0),
    (cm(5.9), 272.0),
    (cm(7.2), 240.0),
    (cm(7.4), 212.0),
    (cm(6.4), 170.0),
    (cm(4.5), 120.0),
    (cm(3.2), 72.0),
    (cm(3.5), ANKLE_Y),
    (cm(4.5), 20.0),
    (cm(4.8), 9.0),
    (cm(3.8), 0.8),
    (cm(2.0), 0.0),
    (-cm(16.0), 0.0),
    (-cm(19.9), 1.5),
    (cm(4.8) - FOOT_LENGTH, 5.5),
    (-cm(20.4), 10.5),
    (-cm(18.0), 14.0),
    (-cm(12.5), 23.0),
    (-cm(7.5), 34.0),
    (-cm(4.4), 50.0),
    (-cm(4.5), 85.0),
    (-cm(5.5), 150.0),
    (-cm(6.0), 205.0),
    (-cm(6.4), 245.0),
    (-cm(7.0), 265.0),
    (LATERAL_KNEE_FRONT, KNEE_Y),
    (-cm(8.2), 308.0),
    (-cm(9.0), 350.0),
    (-cm(10.0), 420.0),
    (-cm(10.3), 470.0),
    (-cm(10.0), 505.0),
    (-cm(10.3), 530.0),
    (-cm(10.8), 560.0),
    (-cm(11.1), 590.0),
    (-cm(10.9), 615.0),
    (-cm(10.2), 642.0),
    (-cm(10.5), 667.0),
    (-cm(11.6), 692.0),
    (-cm(12.4), 715.0),
    (-cm(12.0), 745.0),
    (-cm(10.6), 780.0),
    (-cm(8.6), 808.0),
    (-cm(6.6), 822.0),
    (-cm(5.8), 836.0),
    (-cm(5.5), 850.0),
    (-cm(6.2), 861.0),
    (-cm(8.6), 865.0),
    LATERAL_CHIN,
    (-cm(10.1), 878.0),
    (-cm(9.7), 887.0),
    (-cm(10.1), 895.0),
    (-cm(10.2), 903.0),
    (-cm(11.8), 911.0),
    (-cm(10.4), 930.0),
    (-cm(10.5), 943.0),
    (-cm(10.0), 960.0),
    (-cm(8.4), 981.0),
    (-cm(4.8), 995.0),
)
#: The lateral arm starts inside the shoulder; the body-arm junction is rounded by a
#: morphological closing of this radius within SHOULDER_BLEND_RADIUS of the shoulder [D].
LATERAL_ARM_START_S = -10.0
LATERAL_ARM_ROOT_HALF = 31.0
CLOSING_RADIUS = 9.0
SHOULDER_BLEND_RADIUS = cm(9.0)


def catmull_rom(points: Sequence[Coord], closed: bool, step: float = SAMPLE_STEP) -> np.ndarray:
    """Sample a centripetal Catmull-Rom spline through ``points`` about every ``step`` units.

    Returns the samples of each segment P[i] -> P[i+1] (P[i] included); for an open curve
    the end point is appended and the end tangents use reflected phantom points.
    """
    p = np.asarray(points, dtype=float)
    if closed:
        ext = np.vstack([p[-1], p, p[0], p[1]])
    else:
        ext = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    n_seg = len(p) if closed else len(p) - 1
    out = []
    for i in range(n_seg):
        p0, p1, p2, p3 = ext[i], ext[i + 1], ext[i + 2], ext[i + 3]
        t0 = 0.0
        t1 = t0 + max(float(np.linalg.norm(p1 - p0)), 1e-9) ** CATMULL_ROM_ALPHA
        t2 = t1 + max(float(np.linalg.norm(p2 - p1)), 1e-9) ** CATMULL_ROM_ALPHA
        t3 = t2 + max(float(np.linalg.norm(p3 - p2)), 1e-9) ** CATMULL_ROM_ALPHA
        k = max(1, math.ceil(np.linalg.norm(p2 - p1) / step))
        t = np.linspace(t1, t2, k, endpoint=False)[:, None]
        a1 = (t1 - t) / (t1 - t0) * p0 + (t - t0) / (t1 - t0) * p1
        a2 = (t2 - t) / (t2 - t1) * p1 + (t - t1) / (t2 - t1) * p2
        a3 = (t3 - t) / (t3 - t2) * p2 + (t - t2) / (t3 - t2) * p3
        b1 = (t2 - t) / (t2 - t0) * a1 + (t - t0) / (t2 - t0) * a2
        b2 = (t3 - t) / (t3 - t1) * a2 + (t - t1) / (t3 - t1) * a3
        out.append((t2 - t) / (t2 - t1) * b1 + (t - t1) / (t2 - t1) * b2)
    if not closed:
        out.append(p[-1:])
    return np.vstack(out)


def arm_outline(limb: Limb, start_s: float | None = None) -> list[Coord]:
    """Control points of the arm from the radial edge down, round the hand, up the ulnar edge.

    With ``start_s`` the edges are extended back to that s (a closed arm for the lateral view).
    """
    radial = list(ARM_RADIAL_EDGE)
    ulnar = list(ARM_ULNAR_EDGE)
    if start_s is not None:
        radial.insert(0, (start_s, LATERAL_ARM_ROOT_HALF))
        ulnar.insert(0, (start_s, -LATERAL_ARM_ROOT_HALF))
    local = [*radial, *hand_outline(), *reversed(ulnar)]
    return [limb.to_world(s_, t_) for s_, t_ in local]


def symmetric_outline() -> Polygon:
    """Anterior/posterior silhouette: smooth the left half and mirror it exactly."""
    half = [*HEAD_NECK_SHOULDER, *arm_outline(ARM_ANTERIOR), *TRUNK_AND_LEG]
    loop = [*half, *[mirror(c) for c in reversed(half[1:-1])]]
    samples = catmull_rom(loop, closed=True)
    # keep the samples of the half (segments 0 .. len(half)-2) and its end point
    n_half = sum(
        max(1, math.ceil(math.dist(half[i], half[i + 1]) / SAMPLE_STEP))
        for i in range(len(half) - 1)
    )
    path = np.vstack([samples[:n_half], [half[-1]]])
    path = np.asarray(LineString(path).simplify(SIMPLIFY_TOL).coords)
    path[:, 1] = np.clip(path[:, 1], 0.0, VERTEX_Y)  # the spline overshoots the sole a little
    path = np.round(path, 2)
    path[0, 0] = path[-1, 0] = 0.0
    mirrored = path[-2:0:-1] * [-1.0, 1.0]
    return Polygon(np.vstack([path, mirrored]))


def lateral_outline() -> Polygon:
    """Left-lateral silhouette: smoothed body profile united with the forward-flexed arm."""
    body_pts = [*LATERAL_HEAD_TOP, *LATERAL_BACK, *LATERAL_LEG_AND_FRONT]
    body = Polygon(catmull_rom(body_pts, closed=True))
    arm = Polygon(catmull_rom(arm_outline(ARM_LATERAL, LATERAL_ARM_START_S), closed=True))
    joined = body.union(arm)
    closed = joined.buffer(CLOSING_RADIUS, quad_segs=4).buffer(-CLOSING_RADIUS, quad_segs=4)
    blend = Point(ARM_LATERAL.origin).buffer(SHOULDER_BLEND_RADIUS, quad_segs=8)
    shape = unary_union([joined, closed.intersection(blend)])
    shape = shape.simplify(SIMPLIFY_TOL)
    return _on_grid(_largest(shape))


def _largest(geom: shapely.Geometry) -> Polygon:
    """The largest polygon of a geometry, without holes."""
    polys = [g for g in getattr(geom, "geoms", [geom]) if isinstance(g, Polygon)]
    return Polygon(max(polys, key=lambda g: g.area).exterior)


def _on_grid(geom: shapely.Geometry) -> shapely.Geometry:
    """Snap a geometry to the output grid, keeping it valid."""
    return shapely.set_precision(geom, GRID)


def outlines() -> dict[schema.View, Polygon]:
    """Silhouettes of all four views."""
    front = symmetric_outline()
    side = lateral_outline()
    return {
        "anterior": shapely.orient_polygons(front),
        "posterior": shapely.orient_polygons(front),
        "left-lateral": shapely.orient_polygons(side),
        "right-lateral": shapely.orient_polygons(mirror_geometry(side)),
    }


# --------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------


def landmarks_json(doc: dict) -> str:
    """Serialise a landmark document with one point or line per row."""

    def block(items: dict) -> str:
        rows = [f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in items.items()]
        return "{\n" + ",\n".join(rows) + "\n  }"

    return (
        "{\n"
        f'  "view": {json.dumps(doc["view"])},\n'
        f'  "units": {json.dumps(doc["units"])},\n'
        f'  "points": {block(doc["points"])},\n'
        f'  "lines": {block(doc["lines"])}\n'
        "}\n"
    )


def outline_json(view: schema.View, outline: Polygon) -> str:
    """Serialise one view's silhouette as a GeoJSON FeatureCollection with one Feature."""
    geometry = rounded_geometry(outline)
    feature = {"type": "Feature", "properties": {"view": view}, "geometry": geometry}
    doc = {"type": "FeatureCollection", "features": [feature]}
    return json.dumps(doc, separators=(",", ":")) + "\n"


def build_files() -> dict[str, str]:
    """Outline and landmark files of every view as {path relative to the project root: text}."""
    shapes = outlines()
    assets = schema.ASSETS_DIR.relative_to(schema.ROOT)
    files: dict[str, str] = {}
    for view in schema.VIEWS:
        files[str(assets / schema.OUTLINE_FILE.format(view=view))] = outline_json(
            view, shapes[view]
        )
        files[str(assets / schema.LANDMARKS_FILE.format(view=view))] = landmarks_json(
            landmarks(view)
        )
    return files


def main(root: Path = schema.ROOT) -> None:
    """Write the outline and landmark files under ``root``."""
    write_files(build_files(), root)


if __name__ == "__main__":
    main()
