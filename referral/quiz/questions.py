"""Quiz questions: a round of ``ROUND_SIZE`` questions drawn from the atlas by
:func:`make_round` with ``random.Random(seed)`` (the kinds and their rules: :mod:`referral.quiz`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import shapely
from shapely.geometry.base import BaseGeometry

from referral import figures, schema

if TYPE_CHECKING:
    from referral.atlas import Atlas
    from referral.dermatomes import Dermatomes
    from referral.regions import Regions

Kind = Literal["which-level", "tap-level", "which-ramus", "dermatome-or-ramus"]
KINDS: tuple[Kind, ...] = ("which-level", "tap-level", "which-ramus", "dermatome-or-ramus")
#: A tap answer passes when this share of the marked skin lies in the level's zones.
TAP_PASS = 0.5
#: Questions of each kind in a round of ten (shuffled by the seed).
ROUND_MIX: Mapping[Kind, int] = {
    "which-level": 3,
    "tap-level": 3,
    "which-ramus": 2,
    "dermatome-or-ramus": 2,
}
ROUND_SIZE = sum(ROUND_MIX.values())
SIDE: schema.Side = "left"
DISTRACTOR_MAX_IOU = 0.5
#: Distractors are at least this many levels from the answer (neighbours overlap by design).
DISTRACTOR_MIN_GAP = 2
#: A dermatome-or-ramus level's dorsal zones share less than this fraction with its band
#: (T7-T12 on the shipped data: higher up the two overlap too much to tell apart).
DERMATOME_MAX_SHARED = 0.3
#: Neutral colours of shapes A and B in a dermatome-or-ramus question (Okabe-Ito).
SHAPE_COLOURS: Mapping[str, str] = {"A": figures.PALETTE["blue"], "B": figures.PALETTE["orange"]}
MAX_SEED = 999_999
#: Most draws for a question not asked before in the round.
MAX_DRAWS = 50


@dataclass(frozen=True)
class Question:
    """One question of a round.

    ``options`` and ``answer`` (an option) are set for choice kinds; a tap question has no
    options and is scored against ``level``'s zones in ``view``. ``pathway`` names the
    pathway a which-ramus question draws; ``dermatome_is`` says which shape ("A" or "B") is
    the dermatome in a dermatome-or-ramus question. ``reasons`` are plain sentences shown
    with the feedback, ``source_ids`` the sources behind them.
    """

    number: int
    kind: Kind
    prompt: str
    level: str
    view: schema.View
    options: tuple[str, ...] = ()
    answer: str = ""
    pathway: str = ""
    dermatome_is: str = ""
    reasons: tuple[str, ...] = ()
    source_ids: tuple[str, ...] = ()


def level_area(
    atlas: Atlas, level: str, view: schema.View, pathway: str | None = None
) -> BaseGeometry:
    """Union of ``level``'s zones (one pathway when given) in ``view`` on the quiz side."""
    zones = atlas.level_zones(level, view=view, side=SIDE)
    if pathway is not None:
        zones = zones[zones["pathway"] == pathway]
    return shapely.union_all(zones["geometry"].to_numpy())


def best_view(atlas: Atlas, level: str, pathway: str | None = None) -> schema.View:
    """The drawn view (patient's left) where ``level``'s zones cover the most area."""
    views: tuple[schema.View, ...] = ("posterior", "anterior", schema.check_view(f"{SIDE}-lateral"))
    return max(views, key=lambda v: (level_area(atlas, level, v, pathway).area, -views.index(v)))


def _iou(a: BaseGeometry, b: BaseGeometry) -> float:
    union = a.union(b).area
    return a.intersection(b).area / union if union else 0.0


def _pathway_reasons(atlas: Atlas, level: str, pathways: Sequence[str] | None = None) -> list[str]:
    rows = atlas.level_pathways(level, pathways)
    return [
        f"{level} · {schema.pathway_label(r.pathway)}: {r.ramus} ramus, {r.nerve} "
        f"({r.kind}, evidence: {r.evidence}). {r.note}".strip()
        for r in rows.itertuples()
    ]


def _fresh(levels: Sequence[str], used: set[str], rng: random.Random) -> str:
    """A level not asked about yet in this round (any level once all have been)."""
    unused = [lv for lv in levels if lv not in used] or list(levels)
    level = rng.choice(unused)
    used.add(level)
    return level


def _which_level(atlas: Atlas, rng: random.Random, number: int, used: set[str]) -> Question:
    levels = atlas.levels()
    level = _fresh(levels, used, rng)
    view = best_view(atlas, level)
    area = level_area(atlas, level, view)
    distinct = [
        lv
        for lv in levels
        if abs(schema.LEVEL_INDEX[lv] - schema.LEVEL_INDEX[level]) >= DISTRACTOR_MIN_GAP
        and _iou(area, level_area(atlas, lv, view)) < DISTRACTOR_MAX_IOU
    ]
    distractors = rng.sample(distinct, 3)
    options = tuple(sorted([level, *distractors], key=schema.LEVEL_INDEX.__getitem__))
    return Question(
        number=number,
        kind="which-level",
        prompt=f"This pain pattern ({schema.VIEW_LABELS[view].lower()} view, patient's left) "
        "— which spinal level does it come from?",
        level=level,
        view=view,
        options=options,
        answer=level,
        reasons=tuple(_pathway_reasons(atlas, level)),
        source_ids=tuple(atlas.level_source_ids(level, zones=False)),
    )


def answerable_by_tap(atlas: Atlas, regions: Regions, level: str, view: schema.View) -> bool:
    """Whether one region of ``view`` alone passes a tap question on ``level``."""
    zones = level_area(atlas, level, view)
    return any(
        geom.intersection(zones).area >= TAP_PASS * geom.area
        for geom in regions.in_view(view).values()
    )


def _tap_level(
    atlas: Atlas, regions: Regions, rng: random.Random, number: int, used: set[str]
) -> Question:
    levels = [
        lv for lv in atlas.levels() if answerable_by_tap(atlas, regions, lv, best_view(atlas, lv))
    ]
    level = _fresh(levels, used, rng)
    view = best_view(atlas, level)
    return Question(
        number=number,
        kind="tap-level",
        prompt=f"Tap where {level} refers: mark the regions of the patient's left side "
        f"({schema.VIEW_LABELS[view].lower()} view) where pain from {level} is felt.",
        level=level,
        view=view,
        reasons=tuple(_pathway_reasons(atlas, level)),
        source_ids=tuple(atlas.level_source_ids(level, zones=False)),
    )


def _which_ramus(
    atlas: Atlas, rng: random.Random, number: int, asked: set[tuple[str, str]]
) -> Question:
    """A which-ramus question on a (level, pathway) not in ``asked`` (then added to it):
    drawn again while it was asked (the same draws as before for a round without repeats;
    after ``MAX_DRAWS`` draws the last is kept)."""
    for _ in range(MAX_DRAWS):
        ramus = rng.choice(schema.RAMI)
        rows = atlas.pathways[atlas.pathways["ramus"] == ramus].sort_values(["level", "pathway"])
        row = rows.iloc[rng.randrange(len(rows))]
        level, pathway = str(row["level"]), str(row["pathway"])
        if (level, pathway) not in asked:
            break
    asked.add((level, pathway))
    view = best_view(atlas, level, pathway)
    return Question(
        number=number,
        kind="which-ramus",
        prompt=f"{level} · {schema.pathway_label(pathway)}: the shaded zones show where it "
        "is felt. Which ramus of the spinal nerve carries it?",
        level=level,
        view=view,
        options=("dorsal ramus", "ventral ramus"),
        answer=f"{ramus} ramus",
        pathway=pathway,
        reasons=tuple(_pathway_reasons(atlas, level, [pathway])),
        source_ids=tuple(atlas.level_source_ids(level, [pathway], zones=False)),
    )


def _dermatome_or_ramus(
    atlas: Atlas, derm: Dermatomes, rng: random.Random, number: int, used: set[str]
) -> Question:
    levels = [lv for lv in atlas.levels() if _band_apart(atlas, derm, lv)]
    level = _fresh(levels, used, rng)
    dermatome_is = rng.choice(("A", "B"))
    ramus_is = "B" if dermatome_is == "A" else "A"
    options = (
        "A is the dermatome, B the dorsal ramus territory",
        "B is the dermatome, A the dorsal ramus territory",
    )
    band = derm.level_features(level, "posterior", (SIDE,))
    band_sources = tuple(dict.fromkeys(s for ids in band["source_ids"] for s in ids))
    pathways = atlas.level_pathways(level)
    dorsal = pathways[pathways["ramus"] == "dorsal"]["pathway"].tolist()
    reasons = (
        f"Shape {dermatome_is} is the {level} dermatome: a band round the trunk from the "
        f"{level} spinous process to its key sensory point in front (schematic, drawn through "
        "the ISNCSCI key point). A root (radicular) lesion follows this band.",
        f"Shape {ramus_is} is where the {level} dorsal ramus sends pain: on the back only, and "
        "lower than the band, because the lower thoracic dorsal rami run down before they "
        "reach the skin.",
        *_pathway_reasons(atlas, level, dorsal),
    )
    return Question(
        number=number,
        kind="dermatome-or-ramus",
        prompt=f"Both shapes belong to the {level} spinal nerve (posterior view, patient's left). "
        "Which is its dermatome, and which its dorsal ramus territory?",
        level=level,
        view="posterior",
        options=options,
        answer=options[0] if dermatome_is == "A" else options[1],
        dermatome_is=dermatome_is,
        reasons=reasons,
        source_ids=tuple(
            dict.fromkeys([*band_sources, *atlas.level_source_ids(level, dorsal, zones=False)])
        ),
    )


def _band_apart(atlas: Atlas, derm: Dermatomes, level: str) -> bool:
    """Whether ``level`` has a band and dorsal zones mostly outside it (posterior view)."""
    if not derm.has_band(level):
        return False
    dorsal = _dorsal_area(atlas, level, "posterior")
    if dorsal.is_empty:
        return False
    band = derm.level_features(level, "posterior", (SIDE,))
    band_area = shapely.union_all(band[band["kind"] == "band"]["geometry"].to_numpy())
    return dorsal.intersection(band_area).area < DERMATOME_MAX_SHARED * dorsal.area


def _dorsal_area(atlas: Atlas, level: str, view: schema.View) -> BaseGeometry:
    zones = atlas.level_zones(level, view=view, side=SIDE)
    return shapely.union_all(zones[zones["ramus"] == "dorsal"]["geometry"].to_numpy())


def make_round(atlas: Atlas, derm: Dermatomes, regions: Regions, seed: int) -> tuple[Question, ...]:
    """The ``ROUND_SIZE`` questions of round ``seed`` (the same seed gives the same round).

    >>> from referral.atlas import load_atlas
    >>> from referral.dermatomes import load_dermatomes
    >>> from referral.regions import load_regions
    >>> atlas, derm, regions = load_atlas(), load_dermatomes(), load_regions()
    >>> make_round(atlas, derm, regions, 7) == make_round(atlas, derm, regions, 7)
    True
    >>> len(make_round(atlas, derm, regions, 7))
    10
    """
    rng = random.Random(seed)
    kinds = [kind for kind, count in ROUND_MIX.items() for _ in range(count)]
    rng.shuffle(kinds)
    questions = []
    used: set[str] = set()
    asked: set[tuple[str, str]] = set()
    for number, kind in enumerate(kinds, start=1):
        if kind == "which-level":
            questions.append(_which_level(atlas, rng, number, used))
        elif kind == "tap-level":
            questions.append(_tap_level(atlas, regions, rng, number, used))
        elif kind == "which-ramus":
            questions.append(_which_ramus(atlas, rng, number, asked))
        else:
            questions.append(_dermatome_or_ramus(atlas, derm, rng, number, used))
    return tuple(questions)


def dermatome_or_ramus_shapes(
    question: Question, atlas: Atlas, derm: Dermatomes
) -> dict[str, BaseGeometry]:
    """Shapes A and B of a dermatome-or-ramus question (band and dorsal ramus zones)."""
    band = derm.level_features(question.level, question.view, (SIDE,))
    band_area = shapely.union_all(band[band["kind"] == "band"]["geometry"].to_numpy())
    dorsal = _dorsal_area(atlas, question.level, question.view)
    ramus_is = "B" if question.dermatome_is == "A" else "A"
    return dict(sorted({question.dermatome_is: band_area, ramus_is: dorsal}.items()))


def clamp_seed(value: int) -> int:
    """A seed in ``[0, MAX_SEED]`` (the next round after the last wraps to 0)."""
    return value % (MAX_SEED + 1)
