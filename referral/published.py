"""Published cases drawn like a drawing, and what confirmed their source.

The published cases (``data/published-cases.json``, the evaluation set of
``docs/evaluation.md``) each hold a pain drawing encoded from a paper's text by fixed rules
and the structure a block, a radiofrequency neurotomy or surgery confirmed. The same drawing
often had different confirmed sources (a low back: superior cluneal, sacroiliac, middle
cluneal), which no ranking can show; this module finds the cases drawn like a drawing so
that the page can say what confirmed them.

**Alike**: the Jaccard index of the painful region sets, ``|A ∩ B| / |A ∪ B|``, the larger
of the case as drawn and mirrored (a case drawn on the left matches the same drawing on the
right). Cases at :data:`LEAST_ALIKE` or more are drawn like the drawing: they share at least
half of the regions marked in either.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from referral import schema
from referral.evaluate import load_cases

#: Least Jaccard index of the region sets for a case to count as drawn alike.
LEAST_ALIKE = 0.5
#: How :func:`confirmed_sentence` starts.
HEADING = "Published cases drawn like this (drawings encoded from the papers' text)"
#: What a case that confirmed no dorsal ramus source (a contrast case) is counted as.
NOT_DORSAL_RAMUS = "not a dorsal ramus source"


@dataclass(frozen=True)
class PublishedCase:
    """One published case: its drawing (region ids), its confirmed source families
    (``data/candidates.csv``; none for a contrast case) and what was read."""

    case_id: str
    regions: frozenset[str]
    families: tuple[str, ...]
    citation: str
    confirmation: str


@dataclass(frozen=True)
class AlikeCase:
    """A published case drawn like a drawing: ``shared`` of the ``marked`` regions (those
    marked in either drawing) are marked in both."""

    case: PublishedCase
    shared: int
    marked: int

    @property
    def alike(self) -> float:
        """The Jaccard index ``shared / marked``."""
        return self.shared / self.marked

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``match --json``'s ``published_cases`` entries."""
        return {
            "id": self.case.case_id,
            "sources": list(self.case.families),
            "shared_regions": self.shared,
            "marked_regions": self.marked,
            "alike": round(self.alike, 3),
        }


def load_published_cases(path: Path = schema.PUBLISHED_CASES_FILE) -> tuple[PublishedCase, ...]:
    """The published cases in file order (checked by :func:`referral.evaluate.load_cases`)."""
    return tuple(
        PublishedCase(
            case_id=case["id"],
            regions=frozenset(case["regions"]),
            families=tuple(case.get("accept_sources", ())),
            citation=str(case.get("citation", "")),
            confirmation=str(case.get("confirmation", "")),
        )
        for case in load_cases(path)
    )


def mirrored(region_ids: Iterable[str]) -> frozenset[str]:
    """The same regions on the other side: ``left-groin`` ↔ ``right-groin``."""
    other = dict(zip(schema.SIDES, reversed(schema.SIDES), strict=True))
    sides = (schema.split_region_id(rid) for rid in region_ids)
    return frozenset(schema.region_id(other[side], name) for side, name in sides)


def drawn_alike(
    region_ids: Iterable[str], cases: Sequence[PublishedCase], least: float = LEAST_ALIKE
) -> list[AlikeCase]:
    """The cases whose drawing is alike (module docstring) at ``least`` or more, most alike
    first (ties in file order); none for an empty drawing."""
    drawn = frozenset(region_ids)
    if not drawn:
        return []
    found = []
    for case in cases:
        shared = max(len(drawn & case.regions), len(drawn & mirrored(case.regions)))
        found_case = AlikeCase(case, shared, len(drawn) + len(case.regions) - shared)
        if found_case.alike >= least:
            found.append(found_case)
    return sorted(found, key=lambda found_case: -found_case.alike)


def confirmed_counts(alike: Sequence[AlikeCase]) -> list[tuple[str, int]]:
    """How many of the cases confirmed each source family (:data:`NOT_DORSAL_RAMUS` for
    none), most first (ties in order of first appearance). A case confirming two families
    counts for each."""
    counts = Counter(
        family for found in alike for family in (found.case.families or (NOT_DORSAL_RAMUS,))
    )
    return counts.most_common()


def confirmed_sentence(alike: Sequence[AlikeCase], labels: Mapping[str, str]) -> str:
    """What the cases drawn alike confirmed, in plain text (``labels``: family → its name),
    or ``""`` when there are none: ``Published cases drawn like this (drawings encoded from
    the papers' text): 3, confirmed as: sacroiliac joint 2, middle cluneal nerves 1.``"""
    if not alike:
        return ""
    counts = ", ".join(
        f"{_in_sentence(labels.get(family, family))} {n}" for family, n in confirmed_counts(alike)
    )
    return f"{HEADING}: {len(alike)}, confirmed as: {counts}."


def _in_sentence(name: str) -> str:
    """``Sacroiliac joint`` → ``sacroiliac joint``; a name that starts with a level
    (``C2-3 joint``) is kept."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name
