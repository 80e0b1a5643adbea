"""Dermatomes for contrast with the dorsal ramus territories: loader and figure layer.

``data/dermatomes.geojson`` (built by :mod:`referral.build.dermatomes` from
``data/dermatome_specs.csv``; provenance in ``data/DERMATOMES.md``) holds, for the patient's
left side, each level's ISNCSCI **key sensory point** and, for T3 … T12, a **schematic band**
round the trunk through it. :func:`load_dermatomes` mirrors the left side onto the right
(x → −x, as :func:`referral.atlas.load_atlas` does) and reads the sources from
``data/sources.csv`` (shared with the atlas).

:func:`dermatome_layer` draws one level's dermatome in a view as a :class:`figures.Layer`:
the band hatched with horizontal lines and edged with a dash-dot line in dark ink (no
palette colour, so it never reads as a pathway), the key point as a star.

>>> derm = load_dermatomes()
>>> sorted(set(derm.level_features("T12", view="posterior")["kind"]))
['band']
>>> derm.level_features("L1")["kind"].unique().tolist()
['key-point']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from referral import figures, schema
from referral.atlas import format_citation, read_features, read_sources, split_ids, with_mirror

DERMATOMES_FILE = schema.DATA_DIR / "dermatomes.geojson"  # built by referral.build.dermatomes
SOURCES_FILE = schema.SOURCES_FILE
COLUMNS: tuple[str, ...] = (
    "level", "kind", "view", "side", "key_point", "evidence", "drawing", "source_ids", "note",
    "geometry",
)  # fmt: skip
#: Name of the map the drawings follow, for captions and hover text.
MAP_NAME = "ISNCSCI key sensory points with schematic trunk bands"
BAND_HATCH = "-"
BAND_EDGE = figures.INK


@dataclass(frozen=True)
class Dermatomes:
    """Dermatome features of every level (both sides) and the sources they cite.

    ``features``: one row per (level, kind, view, side) with ``COLUMNS``; ``kind`` is
    ``"band"`` (a Polygon/MultiPolygon) or ``"key-point"`` (a Point); ``source_ids`` tuples.
    ``sources``: index ``source_id`` with the columns of ``data/sources.csv``.
    """

    features: pd.DataFrame
    sources: pd.DataFrame

    def level_features(
        self,
        level: str,
        view: schema.View | None = None,
        sides: Sequence[schema.Side] = schema.SIDES,
    ) -> pd.DataFrame:
        """Rows of ``level`` (in ``view`` and on ``sides`` when given); ValueError if unknown."""
        if level not in schema.LEVEL_INDEX:
            raise ValueError(f"unknown level {level!r}; expected one of {', '.join(schema.LEVELS)}")
        frame = self.features
        mask = (frame["level"] == level) & frame["side"].isin(sides)
        if view is not None:
            mask &= frame["view"] == view
        return frame[mask]

    def has_band(self, level: str) -> bool:
        """Whether ``level`` has a trunk band (T3 … T12), not only a key point."""
        return bool((self.level_features(level)["kind"] == "band").any())

    def citations(self, source_ids: Sequence[str]) -> list[str]:
        """Readable citations of ``source_ids`` (KeyError naming unknown ids).

        >>> load_dermatomes().citations(["lee2008"])[0][:40]
        'Lee MWL, McPhee RW, Stringer MD. An evid'
        """
        missing = [s for s in source_ids if s not in self.sources.index]
        if missing:
            raise KeyError(f"unknown dermatome source id(s): {', '.join(missing)}")
        return [format_citation(self.sources.loc[sid]) for sid in source_ids]

    def level_source_ids(self, level: str) -> list[str]:
        """Source ids cited by ``level``'s rows, in first-seen order."""
        ids: dict[str, None] = {}
        for source_ids in self.level_features(level)["source_ids"]:
            ids.update(dict.fromkeys(source_ids))
        return list(ids)


def load_dermatomes(path: Path = DERMATOMES_FILE, sources_path: Path = SOURCES_FILE) -> Dermatomes:
    """Load the dermatome features, mirror the left side onto the right, read the sources."""
    features = with_mirror(read_features(path))
    features["source_ids"] = features["source_ids"].map(split_ids)
    sources = read_sources(sources_path)
    return Dermatomes(features=features[list(COLUMNS)], sources=sources)


def dermatome_layer(
    derm: Dermatomes,
    base: figures.ViewBase,
    level: str,
    *,
    sides: Sequence[schema.Side] = schema.SIDES,
) -> figures.Layer:
    """``level``'s dermatome in ``base``'s view: hatched dash-dot band(s) and key-point stars.

    Traces carry ``meta.role`` ``"dermatome"`` (band) or ``"dermatome-point"`` (star) and
    ``meta.level``; tap points inside a band get a hover line naming the dermatome.
    """
    rows = derm.level_features(level, base.view, sides)
    width = figures.lines(base.lecture)
    fills: list[figures.Trace] = []
    lines: list[figures.Trace] = []
    notes: dict[int, tuple[str, ...]] = {}
    x, y = base.points[:, 0], base.points[:, 1]
    name = f"{level} dermatome (schematic)"
    for row in rows[rows["kind"] == "band"].to_dict("records"):
        band = figures.lines_trace(
            row["geometry"], "dermatome", BAND_EDGE, width.zone + 1.5, level=level, side=row["side"]
        )
        band["line"]["dash"] = "dashdot"
        band.update(
            fill="toself",
            fillcolor="rgba(40,40,40,0.16)",
            fillpattern={"shape": BAND_HATCH, "fgcolor": BAND_EDGE, "size": 9, "solidity": 0.5},
            name=name,
        )
        fills.append(band)
        inside = np.flatnonzero(shapely.contains_xy(row["geometry"], x, y)).tolist()
        note = f"<b>{level}</b> dermatome · schematic band (derived)"
        notes.update({i: (note,) for i in inside})
    for row in rows[rows["kind"] == "key-point"].to_dict("records"):
        point = row["geometry"]
        lines.append(
            {
                "type": "scatter",
                "x": [round(point.x, figures.DECIMALS)],
                "y": [round(point.y, figures.DECIMALS)],
                "mode": "markers",
                "marker": {
                    "symbol": "star",
                    "size": width.exit + 8,
                    "color": "white",
                    "line": {"color": BAND_EDGE, "width": 2.5 if base.lecture else 1.8},
                },
                "hovertemplate": (
                    f"<b>{level} key sensory point</b> (ISNCSCI)<br>{row['key_point']}"
                    "<extra></extra>"
                ),
                "name": f"{level} key sensory point",
                "showlegend": False,
                "meta": {"role": "dermatome-point", "level": level, "side": row["side"]},
            }
        )
    return figures.Layer(fills=tuple(fills), lines=tuple(lines), notes=notes)


__all__ = ["MAP_NAME", "Dermatomes", "dermatome_layer", "load_dermatomes"]
