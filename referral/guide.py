"""Examination signs and block / treatment targets per level, with readable citations.

Data: ``data/guide.csv`` (one row per item); its source ids resolve in
``data/sources.csv``. Columns of ``guide.csv``:

- ``guide_id``: unique id;
- ``levels``: ``;``-separated levels or ranges in spinal order, e.g. ``C3..C8`` or
  ``T11..L2;S1`` (``schema.LEVELS``);
- ``pathway``: the atlas pathway the item supports (``pathways.csv``), empty for the whole
  level;
- ``kind``: ``sign`` (examination), ``block`` (diagnostic block) or ``treatment``;
- ``title``, ``detail`` (what to do, where) and ``evidence`` (what the evidence for it
  actually is), plain text;
- ``source_ids``: ``;``-separated ids of the sources.

:func:`guide_for` is pure (no Streamlit); the tables are read once per data directory.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Final

import pandas as pd

from referral import schema
from referral.atlas import Atlas, format_citation, read_sources, split_ids

GUIDE_FILE: Final = "guide.csv"
GUIDE_COLUMNS: Final = (
    "guide_id",
    "levels",
    "pathway",
    "kind",
    "title",
    "detail",
    "evidence",
    "source_ids",
)
SIGN: Final = "sign"
TARGET_KINDS: Final = ("block", "treatment")
KINDS: Final = (SIGN, *TARGET_KINDS)
_READ = {"dtype": str, "keep_default_na": False}


class GuideError(ValueError):
    """The guide data cannot be read or a level is unknown; the message says why."""


@dataclass(frozen=True)
class GuideItem:
    """One examination sign or block / treatment target and the evidence behind it."""

    kind: str
    pathway: str
    title: str
    detail: str
    evidence: str
    source_ids: tuple[str, ...]
    citations: tuple[str, ...]


@dataclass(frozen=True)
class Guide:
    """What to examine and what to block or treat for one level.

    ``signs`` keep the order of ``guide.csv``; ``targets`` list the blocks first, then the
    treatments. ``note`` is always set: it says plainly when nothing specific is known for
    the level, or for which of its pathways nothing specific is known.
    """

    level: str
    signs: tuple[GuideItem, ...]
    targets: tuple[GuideItem, ...]
    note: str

    @property
    def known(self) -> bool:
        """True when the guide holds at least one sign or target for the level."""
        return bool(self.signs or self.targets)

    def items(self, pathway: str | None = None) -> tuple[GuideItem, ...]:
        """Signs then targets; only those of ``pathway`` (plus level-wide ones) if given."""
        every = self.signs + self.targets
        if pathway is None:
            return every
        return tuple(item for item in every if item.pathway in ("", pathway))


def parse_levels(text: str) -> tuple[str, ...]:
    """Expand ``"C3..C5;T1"`` to ``("C3", "C4", "C5", "T1")`` in spinal order.

    Unknown levels and reversed ranges raise :class:`GuideError`.
    """
    out: list[str] = []
    for part in split_ids(text):
        first, _, last = part.partition("..")
        last = last or first
        for name in (first, last):
            if name not in schema.LEVEL_INDEX:
                raise GuideError(f"unknown level {name!r}; did you mean {_closest(name)}?")
        lo, hi = schema.LEVEL_INDEX[first], schema.LEVEL_INDEX[last]
        if lo > hi:
            raise GuideError(f"level range {part!r} runs backwards")
        out.extend(level for level in schema.LEVELS[lo : hi + 1] if level not in out)
    return tuple(sorted(out, key=schema.LEVEL_INDEX.__getitem__))


def _closest(name: str) -> str:
    return ", ".join(difflib.get_close_matches(name, schema.LEVELS, n=3, cutoff=0)) or "C2"


@dataclass(frozen=True)
class _Tables:
    rows: pd.DataFrame
    sources: pd.DataFrame
    pathways: pd.DataFrame


@lru_cache(maxsize=4)
def _tables(data_dir: Path) -> _Tables:
    """Read the guide, the sources (``sources.csv``) and the pathways of ``data_dir``;
    raise :class:`GuideError` naming a missing file or column."""
    try:
        rows = pd.read_csv(data_dir / GUIDE_FILE, **_READ)
        sources = read_sources(data_dir / schema.SOURCES_FILE.name)
        pathways = pd.read_csv(data_dir / schema.PATHWAYS_FILE.name, **_READ)
    except OSError as exc:
        raise GuideError(f"cannot read the guide data ({exc})") from None
    missing = [c for c in GUIDE_COLUMNS if c not in rows.columns]
    if missing:
        raise GuideError(f"{GUIDE_FILE}: missing column(s) {', '.join(missing)}")
    return _Tables(rows[list(GUIDE_COLUMNS)], sources, pathways)


def guide_for(level: str, atlas: Atlas | None = None, data_dir: Path = schema.DATA_DIR) -> Guide:
    """Return the exam and block guide for ``level`` (``"C2"`` … ``"S3"``).

    With ``atlas`` its sources and pathways are used; otherwise they are read from
    ``data_dir``. An unknown level raises :class:`GuideError` naming the closest levels.

    >>> guide_for("T12").known
    True
    >>> [item.title for item in guide_for("C3").targets][:1]
    ['Third occipital nerve block (C2-3 joint)']
    """
    if level not in schema.LEVEL_INDEX:
        raise GuideError(f"unknown level {level!r}; did you mean {_closest(level)}?")
    tables = _tables(Path(data_dir))
    sources, pathways = tables.sources, tables.pathways
    if atlas is not None:
        sources = atlas.sources
        pathways = atlas.pathways
    items: list[GuideItem] = []
    for row in tables.rows.itertuples(index=False):
        if level not in parse_levels(row.levels):
            continue
        ids = split_ids(row.source_ids)
        items.append(
            GuideItem(
                kind=row.kind,
                pathway=row.pathway,
                title=row.title,
                detail=row.detail,
                evidence=row.evidence,
                source_ids=ids,
                citations=tuple(format_citation(sources.loc[sid]) for sid in ids),
            )
        )
    signs = tuple(i for i in items if i.kind == SIGN)
    targets = tuple(i for kind in TARGET_KINDS for i in items if i.kind == kind)
    return Guide(level, signs, targets, _note(level, items, pathways))


def guide_items(
    guide_ids: tuple[str, ...] | list[str],
    atlas: Atlas | None = None,
    data_dir: Path = schema.DATA_DIR,
) -> list[GuideItem]:
    """The guide's items with these ids, in the order given (signs and blocks that tell a
    candidate source from the others); an unknown id raises :class:`GuideError`."""
    tables = _tables(Path(data_dir))
    sources = tables.sources if atlas is None else atlas.sources
    rows = tables.rows.set_index("guide_id")
    unknown = [g for g in guide_ids if g not in rows.index]
    if unknown:
        raise GuideError(f"{GUIDE_FILE}: unknown guide_id {unknown[0]!r}")
    items = []
    for gid in guide_ids:
        row = rows.loc[gid]
        ids = split_ids(row["source_ids"])
        items.append(
            GuideItem(
                kind=row["kind"],
                pathway=row["pathway"],
                title=row["title"],
                detail=row["detail"],
                evidence=row["evidence"],
                source_ids=ids,
                citations=tuple(format_citation(sources.loc[sid]) for sid in ids),
            )
        )
    return items


def _note(level: str, items: list[GuideItem], pathways: pd.DataFrame) -> str:
    """Say plainly what is not known for ``level``: everything, or which pathways."""
    if not items:
        return (
            f"Nothing specific is known for {level} in the sources read: no examination "
            "sign or block target is recorded for this level."
        )
    covered = {i.pathway for i in items}
    level_rows = pathways[pathways["level"] == level]
    uncovered = [
        str(r.nerve or r.pathway)
        for r in level_rows.itertuples(index=False)
        if r.pathway not in covered
    ]
    if not uncovered:
        return f"Every pathway of {level} has a sign or target below; each names its evidence."
    return (
        f"Nothing specific is known in the sources read for {level}: " + "; ".join(uncovered) + "."
    )


def validate_guide(data_dir: Path = schema.DATA_DIR) -> list[str]:
    """Every problem of the guide data as a readable line (empty list: valid).

    Checked: unique ``guide_id``; levels parse; ``kind`` in :data:`KINDS`; ``title``,
    ``detail``, ``evidence`` and ``source_ids`` non-empty; every source id resolves in
    ``sources.csv`` and formats to a citation; a non-empty ``pathway``
    exists in ``pathways.csv`` for at least one of the row's levels.
    """
    try:
        tables = _tables(Path(data_dir))
    except GuideError as exc:
        return [str(exc)]
    problems: list[str] = []
    rows, sources, pathways = tables.rows, tables.sources, tables.pathways
    duplicated = sorted(set(rows["guide_id"][rows["guide_id"].duplicated()]))
    if duplicated:
        problems.append(f"{GUIDE_FILE}: duplicate guide_id(s) {', '.join(duplicated)}")
    known_pairs = set(zip(pathways["level"], pathways["pathway"], strict=True))
    for row in rows.itertuples(index=False):
        where = f"{GUIDE_FILE}: {row.guide_id or '(no id)'}"
        levels: tuple[str, ...] = ()
        try:
            levels = parse_levels(row.levels)
        except GuideError as exc:
            problems.append(f"{where}: {exc}")
        else:
            if not levels:
                problems.append(f"{where}: no level")
        if row.kind not in KINDS:
            problems.append(f"{where}: kind {row.kind!r} is not one of {', '.join(KINDS)}")
        for column in ("title", "detail", "evidence", "source_ids"):
            if not str(getattr(row, column)).strip():
                problems.append(f"{where}: empty {column}")
        for sid in split_ids(row.source_ids):
            if sid not in sources.index:
                problems.append(f"{where}: unknown source id {sid!r}")
            elif not format_citation(sources.loc[sid]).strip():
                problems.append(f"{where}: source {sid!r} has no citation text")
        if row.pathway and levels and not any((lv, row.pathway) in known_pairs for lv in levels):
            problems.append(
                f"{where}: pathway {row.pathway!r} exists at none of {', '.join(levels)}"
            )
    return problems


__all__ = [
    "KINDS",
    "Guide",
    "GuideError",
    "GuideItem",
    "guide_for",
    "parse_levels",
    "validate_guide",
]
