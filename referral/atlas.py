"""The referral atlas: where each level's dorsal (and related ventral) ramus pain is felt.

The data files in ``data/`` (see ``data/README.md``) hold zones and courses for the
patient's LEFT side only, in the views ``anterior``, ``posterior`` and ``left-lateral``.
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
from pathlib import Path

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

_FLIP = np.array([-1.0, 1.0])


def mirror_geometry(geoms: np.ndarray) -> np.ndarray:
    """Mirror geometries x -> -x exactly (coordinates negated, no origin arithmetic)."""
    return shapely.transform(geoms, lambda coords: coords * _FLIP)


def split_ids(text: object) -> tuple[str, ...]:
    """Parse ``"a;b; c"`` into ``("a", "b", "c")``; blanks and NaN give ``()``."""
    if not isinstance(text, str):
        return ()
    return tuple(s.strip() for s in text.split(";") if s.strip())


def _read_features(path: Path) -> pd.DataFrame:
    """Read a GeoJSON FeatureCollection into a DataFrame of properties + ``geometry``."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    feats = doc["features"]
    table = pd.DataFrame([f["properties"] for f in feats])
    table["geometry"] = shapely.from_geojson([json.dumps(f["geometry"]) for f in feats])
    return table


def _with_mirror(left: pd.DataFrame) -> pd.DataFrame:
    """Stack the left-side rows and their mirror images (side right, mirrored view)."""
    left = left.assign(side="left")
    right = left.assign(
        side="right",
        view=left["view"].map(schema.MIRROR_VIEW),
        geometry=mirror_geometry(left["geometry"].to_numpy()),
    )
    return pd.concat([left, right], ignore_index=True)


def _select(df: pd.DataFrame, level: str, view: str | None, side: str | None) -> pd.DataFrame:
    """Rows of ``df`` for ``level`` (and ``view``/``side`` when given)."""
    if level not in schema.LEVEL_INDEX:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(schema.LEVELS)}")
    mask = df["level"] == level
    if view is not None:
        mask &= df["view"] == view
    if side is not None:
        mask &= df["side"] == side
    return df[mask]


class Atlas:
    """Zones, courses, pathways, sources and conflicts of the referral atlas.

    Attributes
    ----------
    zones : DataFrame
        One row per (zone, view, side): ``ZONE_COLUMNS``; ``source_ids`` are tuples and
        ``geometry`` shapely (Multi)Polygons in the view's frame (``referral.schema``).
    courses : DataFrame
        One row per (pathway course, view, side): ``COURSE_COLUMNS``; (Multi)LineStrings
        starting where the branch leaves the spine.
    pathways : DataFrame
        One row per (level, pathway): level, pathway, ramus, branch, nerve, kind, evidence,
        source_ids, note.
    sources : DataFrame
        Index ``source_id``: citation, year, doi, url, locator, note.
    conflicts : DataFrame
        topic, positions, sources, atlas_rule.
    """

    def __init__(
        self,
        zones: pd.DataFrame,
        courses: pd.DataFrame,
        pathways: pd.DataFrame,
        sources: pd.DataFrame,
        conflicts: pd.DataFrame,
    ) -> None:
        self.zones = zones
        self.courses = courses
        self.pathways = pathways
        self.sources = sources
        self.conflicts = conflicts

    def levels(self) -> list[str]:
        """Levels with at least one pathway, in spinal order (C2 ... S3)."""
        present = set(self.pathways["level"])
        return [level for level in schema.LEVELS if level in present]

    def level_zones(
        self, level: str, view: str | None = None, side: str | None = None
    ) -> pd.DataFrame:
        """Zones of ``level``, optionally only in ``view`` and/or on ``side``."""
        return _select(self.zones, level, view, side)

    def level_courses(
        self, level: str, view: str | None = None, side: str | None = None
    ) -> pd.DataFrame:
        """Branch courses of ``level``, optionally only in ``view`` and/or on ``side``."""
        return _select(self.courses, level, view, side)

    def citations(self, source_ids: tuple[str, ...] | list[str] | str) -> list[str]:
        """Formatted citations, e.g. ``"Fukui S, ... Pain 1996;68:79-83. doi:10.1016/..."``.

        Unknown ids raise ``KeyError`` naming them.
        """
        ids = split_ids(source_ids) if isinstance(source_ids, str) else tuple(source_ids)
        missing = [s for s in ids if s not in self.sources.index]
        if missing:
            raise KeyError(f"unknown source id(s): {', '.join(missing)}")
        out = []
        for sid in ids:
            row = self.sources.loc[sid]
            text = row["citation"]
            if row["doi"]:
                text += f" doi:{row['doi']}"
            elif row["url"]:
                text += f" {row['url']}"
            out.append(text)
        return out


def load_atlas(data_dir: Path = schema.DATA_DIR) -> Atlas:
    """Load the atlas from ``data_dir`` and mirror the left side onto the right."""
    zones = _with_mirror(_read_features(data_dir / schema.ZONES_FILE.name))
    zones["source_ids"] = zones["source_ids"].map(split_ids)
    courses = _with_mirror(_read_features(data_dir / schema.COURSES_FILE.name))
    courses["source_ids"] = courses["source_ids"].map(split_ids)
    read = {"dtype": str, "keep_default_na": False}
    pathways = pd.read_csv(data_dir / schema.PATHWAYS_FILE.name, **read)
    pathways["source_ids"] = pathways["source_ids"].map(split_ids)
    sources = pd.read_csv(data_dir / schema.SOURCES_FILE.name, **read).set_index("source_id")
    conflicts = pd.read_csv(data_dir / schema.CONFLICTS_FILE.name, **read)
    return Atlas(
        zones=zones[list(ZONE_COLUMNS)],
        courses=courses[list(COURSE_COLUMNS)],
        pathways=pathways,
        sources=sources,
        conflicts=conflicts,
    )


__all__ = ["Atlas", "load_atlas", "mirror_geometry", "split_ids"]
