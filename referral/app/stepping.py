"""Stepping through the spine ladder (pure; used by the Explore page's buttons and Play).

Levels are ``schema.LEVELS`` in spinal order, C2 first and S3 last.

>>> step("T12", +1), step("C2", -1), step("S3", +1)
('L1', 'C2', 'S3')
>>> [play_next(lv, "T10", "L2") for lv in ("T10", "L1", "L2", "C5")]
['T11', 'L2', 'T10', 'T10']
"""

from __future__ import annotations

from referral import schema


def step(level: str, by: int) -> str:
    """The level ``by`` places down (+) or up (−) the ladder, stopping at C2 and S3."""
    index = schema.LEVEL_INDEX[level] + by
    return schema.LEVELS[min(max(index, 0), len(schema.LEVELS) - 1)]


def play_range(start: str, end: str) -> tuple[str, ...]:
    """The levels from ``start`` to ``end`` inclusive, in spinal order whichever comes first."""
    i, j = sorted((schema.LEVEL_INDEX[start], schema.LEVEL_INDEX[end]))
    return schema.LEVELS[i : j + 1]


def play_next(level: str, start: str, end: str) -> str:
    """The next frame of Play over ``start`` … ``end``: loops back to the first level, and a
    level outside the range jumps to its first level."""
    frames = play_range(start, end)
    if level not in frames:
        return frames[0]
    return frames[(frames.index(level) + 1) % len(frames)]
