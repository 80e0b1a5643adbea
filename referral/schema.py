"""The project's vocabulary: views, sides, levels, pathways, the coordinate frame, file names.

Every other module imports names from here instead of repeating string literals.

Coordinate frame (all views)
----------------------------
A reference adult of standing height 170 cm is drawn ``HEIGHT`` = 1000 units tall, feet
on ``y = 0``, vertex at ``y = 1000``, y pointing up. ``x = 0`` is the midline in the
anterior and posterior views and the mid-coronal plane (through the ear and the greater
trochanter) in the lateral views. One centimetre of the reference adult is
``UNITS_PER_CM`` = 1000 / 170 ≈ 5.88 units.

Laterality always follows the patient:

- ``anterior``: the patient faces the viewer, so the patient's right is on the viewer's
  left (``x < 0``).
- ``posterior``: the viewer stands behind the patient; the patient's right is at ``x > 0``.
- ``left-lateral``: the patient's left side faces the viewer; anterior is ``x < 0``.
- ``right-lateral``: the mirror image of ``left-lateral``; anterior is ``x > 0``.

Mirroring ``x -> -x`` maps the patient's left onto the right within the anterior and
posterior views and maps ``left-lateral`` onto ``right-lateral``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Final, Literal, TypeGuard

ATLAS_VERSION: Final = "0.1.0"

HEIGHT_CM: Final = 170.0
HEIGHT: Final = 1000.0
UNITS_PER_CM: Final = HEIGHT / HEIGHT_CM

View = Literal["anterior", "posterior", "left-lateral", "right-lateral"]
VIEWS: Final[tuple[View, ...]] = ("anterior", "posterior", "left-lateral", "right-lateral")
VIEW_LABELS: Final[dict[View, str]] = {
    "anterior": "Anterior",
    "posterior": "Posterior",
    "left-lateral": "Left lateral",
    "right-lateral": "Right lateral",
}

#: The frame of each view, ``(x_min, y_min, x_max, y_max)`` in frame units: what its figure
#: shows. y spans the body with 10 units to spare (feet at 0, vertex at 1000); x spans the
#: view's silhouette (``assets/body_outlines``) plus 60 units each side for the side labels,
#: rounded outwards. Outlines must lie inside it (:mod:`referral.drawing`).
VIEW_FRAMES: Final[dict[View, tuple[float, float, float, float]]] = {
    "anterior": (-271.0, -10.0, 271.0, 1010.0),
    "posterior": (-271.0, -10.0, 271.0, 1010.0),
    "left-lateral": (-494.0, -10.0, 136.0, 1010.0),
    "right-lateral": (-136.0, -10.0, 494.0, 1010.0),
}


def is_view(value: object) -> TypeGuard[View]:
    """True when ``value`` is one of :data:`VIEWS` (narrows a ``str`` to :data:`View`).

    >>> is_view("posterior"), is_view("side")
    (True, False)
    """
    return value in VIEWS


class UnknownViewError(ValueError):
    """A view name that is not one of :data:`VIEWS` (the one error every module raises)."""


def check_view(value: object) -> View:
    """``value`` as a :data:`View`; raise :class:`UnknownViewError` naming the known views.

    >>> check_view("posterior")
    'posterior'
    """
    if not is_view(value):
        shown = repr(value)[:40]
        raise UnknownViewError(f"unknown view {shown}; expected one of {', '.join(VIEWS)}")
    return value


Side = Literal["left", "right"]
SIDES: Final[tuple[Side, ...]] = ("left", "right")


def is_side(value: object) -> TypeGuard[Side]:
    """True when ``value`` is one of :data:`SIDES` (narrows a ``str`` to :data:`Side`).

    >>> is_side("left"), is_side("both")
    (True, False)
    """
    return value in SIDES


#: The view that shows the mirror image of each view (x -> -x, left <-> right).
MIRROR_VIEW: Final[dict[View, View]] = {
    "anterior": "anterior",
    "posterior": "posterior",
    "left-lateral": "right-lateral",
    "right-lateral": "left-lateral",
}

#: Which way the patient's left lies along x in each view (+1: x > 0; -1: x < 0).
#: Lateral views show one side only and have no entry.
LEFT_SIGN: Final[dict[View, int]] = {"anterior": +1, "posterior": -1}

#: The only side visible in a lateral view.
LATERAL_VIEW_SIDE: Final[dict[View, Side]] = {"left-lateral": "left", "right-lateral": "right"}

LEVELS: Final[tuple[str, ...]] = (
    *(f"C{i}" for i in range(2, 9)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    *(f"S{i}" for i in range(1, 4)),
)
LEVEL_INDEX: Final[dict[str, int]] = {level: i for i, level in enumerate(LEVELS)}

Ramus = Literal["dorsal", "ventral"]
RAMI: Final[tuple[Ramus, ...]] = ("dorsal", "ventral")

#: A cutaneous territory is skin a branch supplies; a referral zone is where pain was
#: felt when a joint or nerve of that level was stimulated or blocked.
ZoneKind = Literal["cutaneous", "referral"]
ZONE_KINDS: Final[tuple[ZoneKind, ...]] = ("cutaneous", "referral")

Weight = Literal["core", "fringe"]
#: Numeric weight of a zone in matching: the core of a pattern counts fully, its fringe half.
WEIGHTS: Final[dict[str, float]] = {"core": 1.0, "fringe": 0.5}

Evidence = Literal["study", "secondary", "derived"]
EVIDENCE: Final[tuple[Evidence, ...]] = ("study", "secondary", "derived")

FLAGS: Final[dict[str, str]] = {
    "empty": "Nothing is drawn yet.",
    "below-knee": "Pain below the knee is unusual for dorsal ramus referral.",
    "crosses-midline": (
        "The drawing reaches both sides; dorsal ramus referral is usually one-sided."
    ),
    "unexplained": "A substantial part of the drawing lies outside every referral zone.",
}

#: The folder that holds the package: a source tree's top level, or ``site-packages``.
ROOT: Final = Path(__file__).resolve().parent.parent


def packaged(inside: str, outside: str) -> Path:
    """Return the folder of data files that a wheel carries at ``referral/<inside>``.

    The files live at ``<outside>`` in the source tree's top level and are mapped into the
    package when the wheel is built (``[tool.setuptools.package-dir]`` in pyproject.toml),
    so an installed package finds them with :mod:`importlib.resources`; a source tree or an
    editable install, whose package folder holds no copy, finds them at the top level.

    >>> packaged("data", "data").joinpath("regions.geojson").is_file()
    True
    """
    inner = resources.files("referral").joinpath(*inside.split("/"))
    if inner.is_dir():
        return Path(str(inner))  # installed unzipped (zip-safe = false): a real folder
    return ROOT.joinpath(*outside.split("/"))


ASSETS_DIR: Final = packaged("body_outlines", "assets/body_outlines")
DATA_DIR: Final = packaged("data", "data")

OUTLINE_FILE: Final = "{view}.geojson"  # in ASSETS_DIR, one per view
LANDMARKS_FILE: Final = "{view}.landmarks.json"  # in ASSETS_DIR, one per view
REGIONS_FILE: Final = DATA_DIR / "regions.geojson"
ZONES_FILE: Final = DATA_DIR / "zones.geojson"
COURSES_FILE: Final = DATA_DIR / "courses.geojson"
PATHWAYS_FILE: Final = DATA_DIR / "pathways.csv"
SOURCES_FILE: Final = DATA_DIR / "sources.csv"
CONFLICTS_FILE: Final = DATA_DIR / "conflicts.csv"
CANDIDATES_FILE: Final = DATA_DIR / "candidates.csv"
PUBLISHED_CASES_FILE: Final = DATA_DIR / "published-cases.json"
CHOIR_FILE: Final = DATA_DIR / "choir-body-map-codes.csv"


def cm(value: float) -> float:
    """Return ``value`` centimetres of the reference adult in frame units (× 1000/170)."""
    return value * UNITS_PER_CM


def region_id(side: Side, name: str) -> str:
    """Return the id of a lateralised region: ``region_id("left", "groin") == "left-groin"``."""
    return f"{side}-{name}"


def split_region_id(rid: str) -> tuple[Side, str]:
    """Split ``"left-groin"`` into ``("left", "groin")``; raise ``ValueError`` if unsided."""
    side, _, name = rid.partition("-")
    if not is_side(side) or not name:
        raise ValueError(f"region id {rid!r} does not start with 'left-' or 'right-'")
    return side, name


def other_side(side: Side) -> Side:
    """Return the opposite side."""
    return "right" if side == "left" else "left"


#: Pathway vocabulary of the atlas (slug -> display label). A pathway is one route by which
#: a spinal nerve's pain reaches the skin: a named cutaneous branch, or deep (joint) referral.
#: Added by the atlas helper; see data/README.md and data/pathways.csv.
PATHWAYS: Final[dict[str, str]] = {
    "greater-occipital": "Greater occipital nerve (C2 medial branch)",
    "third-occipital": "Third occipital nerve (C3 superficial medial branch)",
    "facet-referral": "Facet joint / medial branch referral",
    "medial-branch": "Medial branch cutaneous twigs",
    "lateral-branch": "Lateral branch cutaneous twigs",
    "dorsal-cutaneous": "Dorsal ramus cutaneous territory",
    "superior-cluneal": "Superior cluneal nerves (posterior pathway)",
    "anterior-ventral": (
        "Anterior pathway (subcostal, iliohypogastric, ilioinguinal, genitofemoral)"
    ),
    "lateral-cutaneous": "Lateral pathway (lateral cutaneous branches to the trochanter)",
    "middle-cluneal": "Middle cluneal nerves (sacral lateral branches)",
    "sacroiliac-referral": "Sacroiliac joint referral (L5 dorsal ramus, S1-S3 lateral branches)",
}


def pathway_label(pathway: str) -> str:
    """A pathway's short display name, its label without the parenthesis.

    >>> pathway_label("superior-cluneal"), pathway_label("made-up")
    ('Superior cluneal nerves', 'Made up')
    """
    return PATHWAYS.get(pathway, pathway.replace("-", " ").capitalize()).split(" (")[0]


#: Which branch of the spinal nerve carries a pathway ("joint": the joint's medial branches;
#: "ramus": the dorsal ramus, where the sources disagree on the branch, as for L5).
BRANCHES: Final[tuple[str, ...]] = (
    "medial",
    "lateral",
    "ventral-anterior",
    "ventral-lateral-cutaneous",
    "joint",
    "ramus",
)
