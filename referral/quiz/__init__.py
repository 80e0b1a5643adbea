"""Quiz rounds generated from the atlas: pure, seeded, scored without Streamlit.

Questions are drawn in :mod:`referral.quiz.questions`, answers read and scored in
:mod:`referral.quiz.answers`; their figures are made with :mod:`referral.figures`.

A round is ``ROUND_SIZE`` questions drawn by :func:`make_round` from ``random.Random(seed)``,
so one seed always gives the same round. Four kinds (``KINDS``):

- ``which-level`` — a level's referral pattern is drawn (its zones only: no hover, no
  labels); pick the level among four. Distractors are levels whose pattern in the drawn
  view overlaps the answer's by less than ``DISTRACTOR_MAX_IOU`` (intersection over union
  of the zones' area) and that lie ``DISTRACTOR_MIN_GAP`` or more levels away, so the
  question has one defensible answer. A round asks about each level at most once while
  unasked levels remain.
- ``tap-level`` — "tap where T12 refers": the player marks regions of a view; the answer
  is scored by :func:`score_tap` as precision = area(marked ∩ zones) / area(marked), and
  passes at ``TAP_PASS`` or more. Only levels that one region can pass are asked.
- ``which-ramus`` — one pathway's zones are drawn without its branch line (the line's
  dash would give the ramus away); dorsal or ventral ramus?
- ``dermatome-or-ramus`` — a trunk level's schematic dermatome band and its dorsal ramus
  zones are drawn as neutral shapes A and B; which is which? Only levels whose dorsal
  zones lie mostly outside the band (``DERMATOME_MAX_SHARED``) are asked.

An answer is a token: the option's index for a choice, region ids joined by ``_`` for a
tap. :func:`encode_answers` / :func:`decode_answers` turn a round's answers into the
``answers`` query parameter and back, rejecting anything that does not fit the round.
"""

from referral.quiz.answers import (
    TapScore,
    decode_answers,
    encode_answers,
    is_correct,
    score_tap,
    tap_regions,
    tap_token,
)
from referral.quiz.questions import (
    DISTRACTOR_MAX_IOU,
    DISTRACTOR_MIN_GAP,
    KINDS,
    MAX_SEED,
    ROUND_MIX,
    ROUND_SIZE,
    SHAPE_COLOURS,
    SIDE,
    TAP_PASS,
    Question,
    answerable_by_tap,
    best_view,
    clamp_seed,
    dermatome_or_ramus_shapes,
    level_area,
    make_round,
)

__all__ = [
    "DISTRACTOR_MAX_IOU",
    "DISTRACTOR_MIN_GAP",
    "KINDS",
    "MAX_SEED",
    "ROUND_MIX",
    "ROUND_SIZE",
    "SHAPE_COLOURS",
    "SIDE",
    "TAP_PASS",
    "Question",
    "TapScore",
    "answerable_by_tap",
    "best_view",
    "clamp_seed",
    "decode_answers",
    "dermatome_or_ramus_shapes",
    "encode_answers",
    "is_correct",
    "level_area",
    "make_round",
    "score_tap",
    "tap_regions",
    "tap_token",
]
