"""The referral atlas: where each level's dorsal (and related ventral) ramus pain is felt.

The data files in ``data/`` (see ``data/README.md``) hold zones, nerve courses and joints
for the patient's LEFT side only, in the views ``anterior``, ``posterior`` and
``left-lateral``.
:func:`load_atlas` adds the right side by exact mirroring, x -> -x (``schema.MIRROR_VIEW``:
anterior and posterior stay in their view, ``left-lateral`` becomes ``right-lateral``).

>>> atlas = load_atlas()
>>> "T12" in atlas.levels()
True
>>> sorted(set(atlas.level_zones("T12", view="posterior")["side"]))
['left', 'right']
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from referral import schema

ZONE_COLUMNS: tuple[str, ...] = (
    "zone_id", "level", "pathway", "ramus", "nerve", "kind", "weight", "evidence",
    "drawing", "source_ids", "note", "view", "side", "geometry",
)  # fmt: skip
COURSE_COLUMNS: tuple[str, ...] = (
    "level", "pathway", "ramus", "nerve", "view", "side", "evidence", "source_ids", "note",
    "geometry",
)  # fmt: skip
JOINT_COLUMNS: tuple[str, ...] = (
    "level", "pathway", "joint_id", "joint", "weight", "evidence", "source_ids", "note",
    "view", "side", "geometry",
)  # fmt: skip
#: Columns of ``data/sources.csv`` (index ``source_id``); see ``data/README.md``.
SOURCE_COLUMNS: tuple[str, ...] = (
    "kind", "authors", "title", "journal", "year", "volume", "pages", "doi", "pmid", "url",
    "locator", "note",
)  # fmt: skip
#: Columns of ``data/candidates.csv``; see :class:`Atlas` and ``data/README.md``.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "candidate_id", "family", "family_label", "structure", "levels", "pathway", "territory",
    "test", "guide_ids", "source_ids", "note",
)  # fmt: skip
#: A source without authors is labelled by its title when no longer than this, else journal.
LABEL_TITLE_MAX = 40
#: Notes that start with one of these mark a source whose details could not all be read.
UNVERIFIED_PREFIXES: tuple[str, ...] = (
    "not verified",
    "could not be verified",
    "not fully verified",
)
#: One row of an atlas frame as a dict (column → value), see :meth:`Atlas.level_records`.
Row = dict[str, Any]
#: The joints of the joint-referral pathways (written by :mod:`referral.build.atlas`).
JOINTS_FILE = schema.DATA_DIR / "joints.geojson"

_FLIP = np.array([-1.0, 1.0])


def mirror_geometry(geoms: np.ndarray) -> np.ndarray:
    """Mirror geometries x -> -x exactly (coordinates negated, no origin arithmetic)."""
    return shapely.transform(geoms, lambda coords: coords * _FLIP)


def split_ids(text: object) -> tuple[str, ...]:
    """Parse ``"a;b; c"`` into ``("a", "b", "c")``; blanks and NaN give ``()``."""
    if not isinstance(text, str):
        return ()
    return tuple(s.strip() for s in text.split(";") if s.strip())


#: How the atlas's tables are read: every field as text, empty fields as "".
CSV_READ: dict[str, Any] = {"dtype": str, "keep_default_na": False}


def read_sources(path: Path = schema.SOURCES_FILE) -> pd.DataFrame:
    """``sources.csv`` (shared by the atlas, the dermatomes and the guide), indexed by
    ``source_id``, with :data:`SOURCE_COLUMNS`."""
    return pd.read_csv(path, **CSV_READ).set_index("source_id")[list(SOURCE_COLUMNS)]


def read_features(path: Path) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection into a DataFrame of properties + ``geometry``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    feats = doc["features"]
    table = pd.DataFrame([f["properties"] for f in feats])
    table["geometry"] = shapely.from_geojson([json.dumps(f["geometry"]) for f in feats])
    return table


def with_mirror(left: pd.DataFrame) -> pd.DataFrame:
    """Stack the left-side rows and their mirror images (side right, mirrored view)."""
    left = left.assign(side="left")
    right = left.assign(
        side="right",
        view=left["view"].map(schema.MIRROR_VIEW),
        geometry=mirror_geometry(left["geometry"].to_numpy()),
    )
    return pd.concat([left, right], ignore_index=True)


def _select(df: pd.DataFrame, view: schema.View | None, side: schema.Side | None) -> pd.DataFrame:
    """Rows of ``df`` (one level's rows) in ``view`` and on ``side`` when given."""
    mask = np.ones(len(df), dtype=bool)
    if view is not None:
        mask &= (df["view"] == view).to_numpy()
    if side is not None:
        mask &= (df["side"] == side).to_numpy()
    return df if mask.all() else df[mask]


def _by_level(df: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``df``'s rows split by level (every level of ``schema.LEVELS``, empty when absent)."""
    groups = dict(tuple(df.groupby("level", sort=False))) if len(df) else {}
    return {level: groups.get(level, df.iloc[0:0]) for level in schema.LEVELS}


def _ramus_order(value: str) -> object:
    """Sort key putting the dorsal ramus before the ventral one."""
    return {"dorsal": "0", "ventral": "1"}.get(value, value)


def _check_level(level: str) -> None:
    if level not in schema.LEVEL_INDEX:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(schema.LEVELS)}")


class Atlas:
    """Zones, courses, pathways, sources and conflicts of the referral atlas.

    Attributes
    ----------
    zones : DataFrame
        One row per (zone, view, side): ``ZONE_COLUMNS``; ``source_ids`` are tuples and
        ``geometry`` shapely (Multi)Polygons in the view's frame (``referral.schema``).
    courses : DataFrame
        One row per (nerve course, view, side): ``COURSE_COLUMNS``; (Multi)LineStrings of
        the nerve pathways (``kind == "cutaneous"``). In the posterior and lateral views the
        first line starts where the branch leaves the spine at its level.
    joints : DataFrame
        One row per (joint-referral pathway, joint, view, side): ``JOINT_COLUMNS``; shapely
        Points at the joint; ``joint`` names it (the C2-3 zygapophyseal joint, written with
        an en dash). Joint-referral pathways (``kind == "referral"``) have joints and no
        course.
    pathways : DataFrame
        One row per (level, pathway): level, pathway, ramus, branch, nerve, kind, evidence,
        source_ids, note.
    sources : DataFrame
        Index ``source_id``: ``SOURCE_COLUMNS``. Show them with :meth:`citations` (full
        references) or :meth:`source_label` ("Konno et al. 2017"), never by id.
    conflicts : DataFrame
        topic, positions, sources, atlas_rule (readable text; ``sources`` holds ids).
    candidates : DataFrame
        One row per candidate source of pain (``data/candidates.csv``): candidate_id,
        family, structure, levels (tuple), territory (tuple of ``(level, pathway)``), test,
        guide_ids and source_ids (tuples), note. A candidate's territory is the union of its
        pathways' zones; :mod:`referral.matching` ranks candidates beside the levels.
    """

    def __init__(
        self,
        zones: pd.DataFrame,
        courses: pd.DataFrame,
        pathways: pd.DataFrame,
        sources: pd.DataFrame,
        conflicts: pd.DataFrame,
        joints: pd.DataFrame | None = None,
        candidates: pd.DataFrame | None = None,
    ) -> None:
        self.zones = zones
        self.courses = courses
        self.pathways = pathways
        self.sources = sources
        self.conflicts = conflicts
        self.joints = pd.DataFrame(columns=list(JOINT_COLUMNS)) if joints is None else joints
        self.candidates = (
            pd.DataFrame(columns=list(CANDIDATE_COLUMNS)) if candidates is None else candidates
        )
        self._labels: dict[str, str] = {}  # source_label by id, filled on first use
        self._splits: dict[str, tuple[pd.DataFrame, dict[str, pd.DataFrame]]] = {}
        self._records: dict[tuple[str, str], tuple[pd.DataFrame, tuple[Row, ...]]] = {}

    def levels(self) -> list[str]:
        """Levels with at least one pathway, in spinal order (C2 ... S3)."""
        present = set(self.pathways["level"])
        return [level for level in schema.LEVELS if level in present]

    def level_zones(
        self,
        level: str,
        view: schema.View | None = None,
        side: schema.Side | None = None,
    ) -> pd.DataFrame:
        """Zones of ``level``, optionally only in ``view`` and/or on ``side``."""
        return self._level_rows("zones", level, view, side)

    def level_courses(
        self,
        level: str,
        view: schema.View | None = None,
        side: schema.Side | None = None,
    ) -> pd.DataFrame:
        """Branch courses of ``level``, optionally only in ``view`` and/or on ``side``."""
        return self._level_rows("courses", level, view, side)

    def level_joints(
        self,
        level: str,
        view: schema.View | None = None,
        side: schema.Side | None = None,
    ) -> pd.DataFrame:
        """Joints of ``level``'s joint-referral pathways, optionally in ``view``/on ``side``."""
        return self._level_rows("joints", level, view, side)

    def level_pathways(self, level: str, pathways: Iterable[str] | None = None) -> pd.DataFrame:
        """The pathway rows of ``level`` (only ``pathways`` when given), dorsal ramus first,
        then by pathway id."""
        rows = self._level_rows("pathways", level, None, None)
        if pathways is not None:
            rows = rows[rows["pathway"].isin(list(pathways))]
        return rows.sort_values(["ramus", "pathway"], key=lambda s: s.map(_ramus_order))

    def level_source_ids(
        self, level: str, pathways: Iterable[str] | None = None, *, zones: bool = True
    ) -> list[str]:
        """Source ids cited by ``level``'s pathways (only ``pathways`` when given) and, with
        ``zones``, by their zones, each once in first-seen order."""
        rows = self.level_pathways(level, pathways)
        frames = [rows]
        if zones:
            drawn = self.level_zones(level)
            frames.append(drawn[drawn["pathway"].isin(rows["pathway"])])
        ids: dict[str, None] = {}
        for frame in frames:
            for source_ids in frame["source_ids"]:
                ids.update(dict.fromkeys(source_ids))
        return list(ids)

    def _level_rows(
        self, name: str, level: str, view: schema.View | None, side: schema.Side | None
    ) -> pd.DataFrame:
        """Rows of ``level`` (in ``view``/on ``side`` when given) of the frame attribute
        ``name``. Each frame is split by level once (again only if the attribute is given a
        new frame): selecting from a whole frame took ≈ 3 ms a call, and the figures select
        several per view."""
        _check_level(level)
        frame = getattr(self, name)
        split = self._splits.get(name)
        if split is None or split[0] is not frame:
            split = self._splits[name] = (frame, _by_level(frame))
        return _select(split[1][level], view, side)

    def level_records(self, name: str, level: str) -> tuple[Row, ...]:
        """All rows of ``level`` in the frame attribute ``name`` (``"zones"``, ``"courses"``,
        ``"joints"``, ``"pathways"``) as dicts, made once per level (again only if the
        attribute is given a new frame): for code that walks rows, where pandas' cost per
        call was most of a figure layer's time. Read them, do not change them."""
        frame = getattr(self, name)
        kept = self._records.get((name, level))
        if kept is None or kept[0] is not frame:
            rows = tuple(self._level_rows(name, level, None, None).to_dict("records"))
            kept = self._records[(name, level)] = (frame, rows)
        return kept[1]

    def _source(self, source_id: str) -> pd.Series:
        """The sources row of ``source_id``; ``KeyError`` names an unknown id."""
        if source_id not in self.sources.index:
            raise KeyError(f"unknown source id(s): {source_id}")
        return self.sources.loc[source_id]

    def source_label(self, source_id: str) -> str:
        """A short readable name of a source: first author's surname and year.

        One author gives ``"Aota 2016"``, two ``"Bogduk & Marsland 1986"``, more
        ``"Konno et al. 2017"``; without authors the (short) title or the journal stands in.
        Unknown ids raise ``KeyError``.
        """
        if source_id not in self._labels:
            self._labels[source_id] = source_label(self._source(source_id))
        return self._labels[source_id]

    def family_labels(self) -> dict[str, str]:
        """Each candidate family's name: ``{"sacroiliac": "Sacroiliac joint", …}``."""
        rows = self.candidates
        return dict(zip(rows["family"], rows["family_label"], strict=True))

    def citations(self, source_ids: tuple[str, ...] | list[str] | str) -> list[str]:
        """Full formatted references, e.g. ``"Maigne JY, ... Surg Radiol Anat
        1989;11(4):289-293. doi:10.1007/BF02098698"``.

        Fields a source could not have verified are left out and its note says so. Unknown
        ids raise ``KeyError`` naming them.
        """
        ids = split_ids(source_ids) if isinstance(source_ids, str) else tuple(source_ids)
        missing = [s for s in ids if s not in self.sources.index]
        if missing:
            raise KeyError(f"unknown source id(s): {', '.join(missing)}")
        return [format_citation(self.sources.loc[sid]) for sid in ids]


def _field(row: pd.Series, name: str) -> str:
    """A source field as stripped text ('' when absent or NaN)."""
    value = row.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def source_label(row: pd.Series) -> str:
    """Short label of a sources row (see :meth:`Atlas.source_label`).

    >>> source_label(pd.Series({"authors": "Bogduk N, Marsland A", "year": "1986"}))
    'Bogduk & Marsland 1986'
    >>> source_label(pd.Series({"authors": "Fukui S, et al.", "year": "1996"}))
    'Fukui et al. 1996'
    >>> source_label(pd.Series({"authors": "", "title": "Atlas", "journal": "Am J Anat"}))
    'Atlas'
    """
    authors = [a.strip() for a in _field(row, "authors").split(",") if a.strip()]
    year = _field(row, "year")
    if not authors:
        title, journal = _field(row, "title"), _field(row, "journal")
        name = title if title and (len(title) <= LABEL_TITLE_MAX or not journal) else journal
        return f"{name or 'Unnamed source'} {year}".strip()
    surnames = [_surname(a) for a in authors if a != "et al."]
    if len(surnames) == 1 and "et al." not in authors:
        names = surnames[0]
    elif len(surnames) == 2 and "et al." not in authors:
        names = f"{surnames[0]} & {surnames[1]}"
    else:
        names = f"{surnames[0]} et al."
    return f"{names} {year}".strip()


def _surname(author: str) -> str:
    """Surname of ``"Maigne JY"`` (trailing initials dropped); organisations stay whole."""
    words = author.split()
    if len(words) > 1 and words[-1].replace("-", "").isupper() and len(words[-1]) <= 3:
        return " ".join(words[:-1])
    return author


def format_citation(row: pd.Series) -> str:
    """One reference: ``Authors. Title. Journal Year;Volume:Pages. doi:… PMID:… URL``."""
    parts = []
    for name in ("authors", "title"):
        text = _field(row, name)
        if text:
            parts.append(text if text.endswith((".", "?", "!", "]")) else f"{text}.")
    journal, year = _field(row, "journal"), _field(row, "year")
    volume, pages = _field(row, "volume"), _field(row, "pages")
    where = " ".join(t for t in (journal, year) if t)
    if volume:
        where += f";{volume}"
    if pages:
        where += f":{pages}" if volume else f", pp. {pages}"
    if where:
        parts.append(f"{where}.")
    doi, pmid, url = _field(row, "doi"), _field(row, "pmid"), _field(row, "url")
    if doi:
        parts.append(f"doi:{doi}")
    if pmid:
        parts.append(f"PMID:{pmid}")
    if url and not doi:
        parts.append(url)
    if _field(row, "note").lower().startswith(UNVERIFIED_PREFIXES):
        parts.append("(Details not verified.)")
    return " ".join(parts)


def load_atlas(data_dir: Path = schema.DATA_DIR) -> Atlas:
    """Load the atlas from ``data_dir`` and mirror the left side onto the right."""
    zones = with_mirror(read_features(data_dir / schema.ZONES_FILE.name))
    zones["source_ids"] = zones["source_ids"].map(split_ids)
    courses = with_mirror(read_features(data_dir / schema.COURSES_FILE.name))
    courses["source_ids"] = courses["source_ids"].map(split_ids)
    pathways = pd.read_csv(data_dir / schema.PATHWAYS_FILE.name, **CSV_READ)
    pathways["source_ids"] = pathways["source_ids"].map(split_ids)
    joints = with_mirror(read_features(data_dir / JOINTS_FILE.name))
    joints["source_ids"] = joints["source_ids"].map(split_ids)
    sources = read_sources(data_dir / schema.SOURCES_FILE.name)
    conflicts = pd.read_csv(data_dir / schema.CONFLICTS_FILE.name, **CSV_READ)
    candidates = pd.read_csv(data_dir / schema.CANDIDATES_FILE.name, **CSV_READ)
    for column in ("levels", "guide_ids", "source_ids"):
        candidates[column] = candidates[column].map(split_ids)
    candidates["territory"] = candidates["territory"].map(_territory)
    return Atlas(
        zones=zones[list(ZONE_COLUMNS)],
        courses=courses[list(COURSE_COLUMNS)],
        pathways=pathways,
        sources=sources,
        conflicts=conflicts,
        joints=joints[list(JOINT_COLUMNS)],
        candidates=candidates[list(CANDIDATE_COLUMNS)],
    )


def _territory(text: str) -> tuple[tuple[str, str], ...]:
    """Parse ``"C3:third-occipital; C3:facet-referral"`` into ``(level, pathway)`` pairs."""
    pairs = [item.partition(":") for item in split_ids(text)]
    return tuple((level.strip(), pathway.strip()) for level, _, pathway in pairs)


__all__ = [
    "Atlas",
    "format_citation",
    "load_atlas",
    "mirror_geometry",
    "read_features",
    "read_sources",
    "source_label",
    "split_ids",
    "with_mirror",
]
