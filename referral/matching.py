"""Rank spinal levels by how well their referral zones explain a pain drawing.

The formula (also in ``docs/matching.md``, with its assumptions and the literature):

For a drawing measured on the skin (:func:`referral.drawing.measure`), let ``D`` be its
painful skin area, summed region by region, each region in one view only. For level ``L``:

- ``explained(L) = |D ∩ Z_L| / |D|``: the share of the drawing inside any zone of ``L``
  (``Z_L`` = union of its zones, both sides, cutaneous territories and referral zones);
- ``explained_core(L) = |D ∩ core_L| / |D|``;
- ``weighted(L) = explained_core + ½ · (explained − explained_core)``: fringe counts half
  (``schema.WEIGHTS``);
- ``coverage(L, p) = |D ∩ Z_L,p| / |Z_L,p|`` for each pathway ``p`` of ``L``: how much of the
  branch's territory hurts;
- ``score(L) = weighted(L)^(3/4) · max_p coverage(L, p)^(1/4)``, in [0, 1]. A level scores 0
  when it explains nothing; explaining the drawing counts three times as much (in the log)
  as filling a territory, because patients rarely draw a whole territory (Maigne) while
  pain outside every zone of a level argues against it.

Areas are skin areas: a region's projected area is converted to its skin area
``S_r = max_v |region_v,r|`` (the view that sees it most squarely), so a region drawn in
two views is not counted twice and an edge-on view is not under-weighted.

Flags (``schema.FLAGS``) never remove a level from the ranking; they lower confidence and
explain why: ``below-knee`` (≥ 1 % of the drawing on the calf, shin or foot),
``crosses-midline`` (the smaller side holds ≥ 10 % of the drawing), ``unexplained``
(≥ 25 % of the drawing outside every zone of every level) and ``empty``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.atlas import Atlas
from referral.drawing import Drawing, Measure, measure
from referral.regions import Regions

EXPLAIN_EXPONENT = 0.75
BELOW_KNEE_MIN = 0.01
MIDLINE_MIN = 0.10
UNEXPLAINED_MIN = 0.25
#: A region counts as explained by a pathway when this share of its painful skin lies in
#: the pathway's zones (used only for the wording of reasons).
REASON_SHARE = 0.25
BELOW_KNEE_NAMES = frozenset({"calf", "shin", "foot"})

_EMPTY = shapely.Polygon()


@dataclass(frozen=True)
class Flag:
    """Something in the drawing that does not fit a dorsal ramus pattern."""

    code: str
    message: str


class AtlasIndex:
    """The atlas and regions prepared for matching; build once, reuse for every drawing.

    Per view it holds, for every level, the union of its core zones and of its fringe zones
    (minus core), for every (level, pathway) the union of its zones, and the union of all
    zones. Per region it holds the tables used when a whole region is tapped: the share of
    the region inside each of those unions, in the view that shows the most of it.
    """

    def __init__(self, atlas: Atlas, regions: Regions):
        self.atlas = atlas
        self.regions = regions
        self.levels: list[str] = [lv for lv in schema.LEVELS if lv in set(atlas.zones["level"])]
        keys = atlas.pathways[["level", "pathway"]].itertuples(index=False, name=None)
        self.pathway_keys: list[tuple[str, str]] = [k for k in keys if k[0] in self.levels]
        info = atlas.pathways.set_index(["level", "pathway"])
        labels = getattr(schema, "PATHWAYS", {})
        #: Per pathway key: ramus, nerve, kind and display label.
        self.pathway_info: list[dict[str, str]] = [
            {
                "ramus": info.loc[key, "ramus"],
                "nerve": info.loc[key, "nerve"],
                "kind": info.loc[key, "kind"],
                "label": labels.get(key[1], key[1]),
            }
            for key in self.pathway_keys
        ]
        self.region_ids: list[str] = regions.ids()
        self.region_pos = {rid: i for i, rid in enumerate(self.region_ids)}
        self.skin = np.array([regions.skin_area(rid) for rid in self.region_ids])
        names = regions.table.loc[self.region_ids, "name"]
        sides = regions.table.loc[self.region_ids, "side"]
        self.below_knee = names.isin(BELOW_KNEE_NAMES).to_numpy()
        self.is_left = (sides == "left").to_numpy()
        self.labels = regions.table.loc[self.region_ids, "label"].str.lower().tolist()

        n_lv, n_pw, n_rg = len(self.levels), len(self.pathway_keys), len(self.region_ids)
        # Per view: geometry arrays, each shape (n_levels,), (n_pathways,) or scalar.
        self.core: dict[str, np.ndarray] = {}
        self.fringe: dict[str, np.ndarray] = {}
        self.pathway: dict[str, np.ndarray] = {}
        self.any_zone: dict[str, BaseGeometry] = {}
        # Tap tables: share of each region inside each union, max over views.
        self.tap_level = np.zeros((n_lv, n_rg))
        self.tap_core = np.zeros((n_lv, n_rg))
        self.tap_pathway = np.zeros((n_pw, n_rg))
        self.tap_any = np.zeros(n_rg)
        zones = atlas.zones
        for view in schema.VIEWS:
            in_view = zones[zones["view"] == view]
            core, fringe, paths = [], [], []
            for level in self.levels:
                rows = in_view[in_view["level"] == level]
                c = shapely.union_all(rows.loc[rows["weight"] == "core", "geometry"].to_numpy())
                f = shapely.union_all(rows.loc[rows["weight"] == "fringe", "geometry"].to_numpy())
                core.append(c)
                fringe.append(f.difference(c))
            for level, pathway in self.pathway_keys:
                rows = in_view[(in_view["level"] == level) & (in_view["pathway"] == pathway)]
                paths.append(shapely.union_all(rows["geometry"].to_numpy()))
            self.core[view] = _prepared(core)
            self.fringe[view] = _prepared(fringe)
            self.pathway[view] = _prepared(paths)
            self.any_zone[view] = _prepared([shapely.union_all(in_view["geometry"].to_numpy())])[0]

            shapes = regions.in_view(view)
            ids = list(shapes)
            cols = np.array([self.region_pos[rid] for rid in ids], dtype=int)
            polys = np.array([shapes[rid] for rid in ids], dtype=object)
            totals = shapely.area(polys)
            core_share = _overlap(polys, self.core[view]) / totals[:, None]
            fringe_share = _overlap(polys, self.fringe[view]) / totals[:, None]
            pathway_share = _overlap(polys, self.pathway[view]) / totals[:, None]
            any_share = _overlap(polys, np.array([self.any_zone[view]]))[:, 0] / totals
            for table, share in (
                (self.tap_level, (core_share + fringe_share).T),
                (self.tap_core, core_share.T),
                (self.tap_pathway, pathway_share.T),
            ):
                table[:, cols] = np.maximum(table[:, cols], share)
            self.tap_any[cols] = np.maximum(self.tap_any[cols], any_share)
        self.pathway_skin = self.tap_pathway @ self.skin
        self.pathway_level = np.array([self.levels.index(lv) for lv, _ in self.pathway_keys])


def _prepared(geoms: list[BaseGeometry]) -> np.ndarray:
    array = np.array(geoms, dtype=object)
    shapely.prepare(array)
    return array


def _overlap(pieces: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Return ``area(pieces[i] ∩ geoms[j])`` as an (n_pieces, n_geoms) array.

    Only pairs whose geometries intersect (a cheap prepared-geometry test) are intersected.
    """
    out = np.zeros((len(pieces), len(geoms)))
    hits = shapely.intersects(pieces[:, None], geoms[None, :])
    rows, cols = np.nonzero(hits)
    if len(rows):
        out[rows, cols] = shapely.area(shapely.intersection(pieces[rows], geoms[cols]))
    return out


@dataclass(frozen=True)
class Amounts:
    """Skin areas (frame units²) of a measured drawing, one column per painful region.

    ``drawn[i]``: painful skin of region ``positions[i]``; ``level[l, i]`` / ``core[l, i]``:
    of that, the part in any / core zones of level ``l``; ``pathway[k, i]``: the part in
    pathway ``k``'s zones; ``zoned[i]``: the part in any zone of any level. A region drawn in
    several views takes, for each quantity, its largest value over those views.
    """

    positions: np.ndarray
    drawn: np.ndarray
    level: np.ndarray
    core: np.ndarray
    pathway: np.ndarray
    zoned: np.ndarray


def _amounts(m: Measure, index: AtlasIndex) -> Amounts:
    """Convert a measure to skin areas: projected area × ``S_r / |R_v,r|``, max over views."""
    entry_pos = np.array([index.region_pos[rid] for rid in m.region], dtype=int)
    positions, slot = np.unique(entry_pos, return_inverse=True)
    skin = index.skin[entry_pos]
    drawn = m.fraction * skin
    level = index.tap_level[:, entry_pos] * skin
    core = index.tap_core[:, entry_pos] * skin
    pathway = index.tap_pathway[:, entry_pos] * skin
    zoned = index.tap_any[entry_pos] * skin
    views = np.array(m.view)
    outlined = np.array([piece is not None for piece in m.piece], dtype=bool)
    for view in dict.fromkeys(views[outlined]):
        cols = np.nonzero(outlined & (views == view))[0]
        pieces = np.array([m.piece[i] for i in cols], dtype=object)
        scale = (skin[cols] / index.regions.areas(view, [m.region[i] for i in cols]))[:, None]
        c = _overlap(pieces, index.core[view]) * scale
        level[:, cols] = (c + _overlap(pieces, index.fringe[view]) * scale).T
        core[:, cols] = c.T
        pathway[:, cols] = (_overlap(pieces, index.pathway[view]) * scale).T
        zoned[cols] = _overlap(pieces, np.array([index.any_zone[view]]))[:, 0] * scale[:, 0]
    if len(positions) == len(entry_pos):  # every region in one entry: nothing to reduce
        order = np.argsort(slot)
        return Amounts(
            positions,
            drawn[order],
            level[:, order],
            core[:, order],
            pathway[:, order],
            zoned[order],
        )
    return Amounts(
        positions,
        _max_by(slot, drawn, len(positions)),
        _max_by(slot, level, len(positions)),
        _max_by(slot, core, len(positions)),
        _max_by(slot, pathway, len(positions)),
        _max_by(slot, zoned, len(positions)),
    )


def _max_by(slot: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Column-wise maximum of ``values`` grouped by ``slot`` (last axis), ``n`` groups."""
    out = np.zeros((*values.shape[:-1], n))
    np.maximum.at(out.T, slot, values.T)
    return out


@dataclass(frozen=True)
class Ranking:
    """The result of :func:`rank_levels`: levels by score, per-pathway coverage, flags.

    ``table`` (one row per level, best first) and ``reasons`` are computed on first use.
    """

    index: AtlasIndex
    measure: Measure
    amounts: Amounts
    scores: np.ndarray
    explained: np.ndarray
    explained_core: np.ndarray
    coverage: np.ndarray
    flags: tuple[Flag, ...]

    @cached_property
    def order(self) -> np.ndarray:
        """Level positions sorted by score, then explained share, then spinal order."""
        lv = np.arange(len(self.index.levels))
        return np.lexsort((lv, -self.explained, -self.scores))

    @cached_property
    def table(self) -> pd.DataFrame:
        """One row per level, best first: level, score, explained, explained_core, best pathway."""
        best = self._best_pathway()
        rows = [
            {
                "level": self.index.levels[i],
                "score": float(self.scores[i]),
                "explained": float(self.explained[i]),
                "explained_core": float(self.explained_core[i]),
                "best_pathway": best[i],
            }
            for i in self.order
        ]
        return pd.DataFrame(rows)

    def _best_pathway(self) -> list[str]:
        best = [""] * len(self.index.levels)
        top = np.full(len(self.index.levels), 0.0)
        for k, (_, pathway) in enumerate(self.index.pathway_keys):
            lv = self.index.pathway_level[k]
            if self.coverage[k] > top[lv]:
                top[lv], best[lv] = self.coverage[k], pathway
        return best

    def pathways(self, level: str) -> list[dict[str, Any]]:
        """The level's pathways with ramus, nerve and coverage (share of the territory drawn)."""
        return [
            {
                "pathway": key[1],
                "ramus": self.index.pathway_info[k]["ramus"],
                "nerve": self.index.pathway_info[k]["nerve"],
                "kind": self.index.pathway_info[k]["kind"],
                "coverage": round(float(self.coverage[k]), 3),
            }
            for k, key in enumerate(self.index.pathway_keys)
            if key[0] == level
        ]

    def reasons(self, level: str) -> list[str]:
        """Short sentences saying what the level explains and what it does not."""
        lv = self.index.levels.index(level)
        if not len(self.amounts.drawn):
            return []
        labels = [self.index.labels[p] for p in self.amounts.positions]
        reasons = [
            f"Explains {self.explained[lv]:.0%} of the drawing "
            f"({self.explained_core[lv]:.0%} by core zones)."
        ]
        for k, (klevel, _) in enumerate(self.index.pathway_keys):
            if klevel != level:
                continue
            info = self.index.pathway_info[k]
            name = f"{info['label']}, {info['ramus']} ramus"
            share = self.amounts.pathway[k] / np.maximum(self.amounts.drawn, 1e-12)
            covered = [labels[i] for i in np.nonzero(share >= REASON_SHARE)[0]]
            if covered:
                reasons.append(f"{name}: its zone covers the {_join(covered)}.")
            else:
                reasons.append(f"{name}: nothing drawn in its zone.")
        level_share = self.amounts.level[lv] / np.maximum(self.amounts.drawn, 1e-12)
        partly = [
            labels[i] for i in np.nonzero((level_share > 0) & (level_share < REASON_SHARE))[0]
        ]
        missing = [labels[i] for i in np.nonzero(level_share == 0)[0]]
        if partly:
            reasons.append(f"Covers only a small part of the {_join(partly)}.")
        if missing:
            reasons.append(f"Leaves the {_join(missing)} unexplained.")
        return reasons

    def to_dict(self, top: int | None = None) -> dict[str, Any]:
        """The CLI's JSON shape: ranking (best first) with pathways and reasons, and flags."""
        rows = self.table if top is None else self.table.head(top)
        ranking = [
            {
                "level": row.level,
                "score": round(row.score, 3),
                "explained": round(row.explained, 3),
                "explained_core": round(row.explained_core, 3),
                "pathways": self.pathways(row.level),
                "reasons": self.reasons(row.level),
            }
            for row in rows.itertuples(index=False)
        ]
        flags = [{"code": f.code, "message": f.message} for f in self.flags]
        return {"ranking": ranking, "flags": flags}


def _join(words: list[str]) -> str:
    unique = list(dict.fromkeys(words))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def rank_levels(drawing: Drawing, index: AtlasIndex) -> Ranking:
    """Rank every level by how well its zones explain ``drawing`` (formula: module docstring).

    Pure: the same drawing and index always give the same ranking; nothing is cached.
    """
    m = measure(drawing, index.regions)
    amounts = _amounts(m, index)
    total = amounts.drawn.sum()
    n_lv = len(index.levels)
    if total <= 0:
        zeros = np.zeros(n_lv)
        empty_flag = Flag("empty", schema.FLAGS["empty"])
        return Ranking(
            index, m, amounts, zeros, zeros, zeros, np.zeros(len(index.pathway_keys)), (empty_flag,)
        )
    explained = np.minimum(amounts.level.sum(axis=1) / total, 1.0)
    explained_core = np.minimum(amounts.core.sum(axis=1) / total, 1.0)
    weighted = explained_core + schema.WEIGHTS["fringe"] * (explained - explained_core)
    painful = amounts.pathway.sum(axis=1)
    coverage = np.minimum(painful / np.maximum(index.pathway_skin, 1e-12), 1.0)
    best_cover = np.zeros(n_lv)
    np.maximum.at(best_cover, index.pathway_level, coverage)
    scores = weighted**EXPLAIN_EXPONENT * best_cover ** (1 - EXPLAIN_EXPONENT)
    return Ranking(
        index, m, amounts, scores, explained, explained_core, coverage, _flags(amounts, index)
    )


def _flags(amounts: Amounts, index: AtlasIndex) -> tuple[Flag, ...]:
    total = amounts.drawn.sum()
    flags = []
    below = amounts.drawn[index.below_knee[amounts.positions]].sum() / total
    if below >= BELOW_KNEE_MIN:
        flags.append(
            Flag(
                "below-knee",
                f"{below:.0%} of the drawing is below the knee (calf, shin or foot). Dorsal "
                "ramus and facet referral usually stop above the knee: consider radicular "
                "pain. Cluneal nerve entrapment can still give leg symptoms.",
            )
        )
    left = amounts.drawn[index.is_left[amounts.positions]].sum() / total
    if min(left, 1 - left) >= MIDLINE_MIN:
        flags.append(
            Flag(
                "crosses-midline",
                f"The drawing covers both sides (left {left:.0%}, right {1 - left:.0%}); "
                "dorsal ramus referral is usually one-sided. Each side may need its own "
                "explanation.",
            )
        )
    outside = 1 - min(amounts.zoned.sum() / total, 1.0)
    if outside >= UNEXPLAINED_MIN:
        flags.append(
            Flag(
                "unexplained",
                f"{outside:.0%} of the drawing lies outside every zone in the atlas: "
                "the pattern may not be dorsal ramus referral.",
            )
        )
    return tuple(flags)
