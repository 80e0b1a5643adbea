"""Quiz answers: tokens in the ``answers`` query parameter, read back against a round, and
scored (a tap answer by the share of the marked skin that lies in the level's zones)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import shapely

from referral.quiz.questions import TAP_PASS, Question, level_area

if TYPE_CHECKING:
    from referral.atlas import Atlas
    from referral.regions import Regions

#: An answer token: an option's index, or region ids joined by ``_``.
_TOKEN = re.compile(r"^(\d|[a-z0-9-]+(_[a-z0-9-]+)*)$")


@dataclass(frozen=True)
class TapScore:
    """Precision (share of the marked area inside the level's zones) and whether it passes."""

    precision: float
    passed: bool


def score_tap(
    question: Question, region_ids: Sequence[str], atlas: Atlas, regions: Regions
) -> TapScore:
    """Score marked regions against the question's level: precision and pass/fail.

    precision = area(∪ marked ∩ ∪ zones) / area(∪ marked), in the question's view; no
    regions marked scores 0.
    """
    shapes = regions.in_view(question.view)
    marked = shapely.union_all([shapes[r] for r in region_ids if r in shapes])
    if marked.is_empty or marked.area == 0:
        return TapScore(0.0, False)
    zones = level_area(atlas, question.level, question.view)
    precision = marked.intersection(zones).area / marked.area
    return TapScore(round(precision, 3), precision >= TAP_PASS)


def is_correct(question: Question, token: str, atlas: Atlas, regions: Regions) -> bool:
    """Whether the answer ``token`` (see :func:`encode_answers`) is right."""
    if question.kind == "tap-level":
        return score_tap(question, tap_regions(token), atlas, regions).passed
    return token.isdigit() and question.options[int(token)] == question.answer


def tap_regions(token: str) -> list[str]:
    """Region ids of a tap answer token (``"left-groin_left-pubic"``)."""
    return [r for r in token.split("_") if r]


def tap_token(region_ids: Sequence[str]) -> str:
    """The answer token of marked regions (sorted, so equal sets give equal tokens)."""
    return "_".join(sorted(set(region_ids)))


def encode_answers(tokens: Sequence[str]) -> str:
    """The ``answers`` query value: tokens joined by ``.``.

    >>> encode_answers(["2", "left-groin_left-pubic", "0"])
    '2.left-groin_left-pubic.0'
    """
    return ".".join(tokens)


def decode_answers(
    text: str, questions: Sequence[Question], regions: Regions
) -> tuple[str, ...] | None:
    """The answer tokens in ``text`` if they fit ``questions``, else ``None``.

    A choice token must be an option's index; a tap token must name regions of the
    question's view. There can be no more tokens than questions.
    """
    if not text:
        return ()
    tokens = text.split(".")
    if len(tokens) > len(questions):
        return None
    for token, question in zip(tokens, questions, strict=False):
        if not _TOKEN.match(token):
            return None
        if question.kind == "tap-level":
            shapes = regions.in_view(question.view)
            if token.isdigit() or not all(r in shapes for r in tap_regions(token)):
                return None
        elif not token.isdigit() or int(token) >= len(question.options):
            return None
    return tuple(tokens)
