"""Rank spinal levels by how well their referral zones explain a pain drawing.

The formula (also in ``docs/matching.md``, with its assumptions and the literature):

For a drawing measured on the skin (:func:`measure`), let ``D`` be its painful skin area,
summed region by region, each region in one view only. For level ``L``:

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
two views is not counted twice and an edge-on view is not under-weighted. A region rated
with pain intensity ``i`` (0-10) has its painful skin weighted by ``w = (i + 1) / 11``
(unrated: ``w = 1``) in every quantity above (:func:`intensity_weight`).

Flags (``schema.FLAGS``) never remove a level from the ranking; they lower confidence and
explain why: ``below-knee`` (≥ 1 % of the drawing on the calf, shin or foot),
``crosses-midline`` (the smaller side holds ≥ 10 % of the drawing), ``unexplained``
(≥ 50 % of the drawing outside every zone of every level: mostly outside) and ``empty``.

Candidate sources (``data/candidates.csv``: a joint or an entrapped nerve, its levels,
nerves and test) are scored with the same formula on their territory ``T_c`` (the union
of their pathways' zones), with ``|D ∩ T_c| / |T_c|`` as the coverage term, and listed one
per family, best first (:attr:`Ranking.candidates`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import shapely
from shapely import STRtree

from referral import schema
from referral.atlas import Atlas
from referral.drawing import INTENSITY_MAX, Drawing
from referral.regions import Regions

EXPLAIN_EXPONENT = 0.75
BELOW_KNEE_MIN = 0.01
MIDLINE_MIN = 0.10
UNEXPLAINED_MIN = 0.50
#: A region counts as explained by a pathway when this share of its painful skin lies in
#: the pathway's zones (used only for the wording of reasons).
REASON_SHARE = 0.25
BELOW_KNEE_NAMES = frozenset({"calf", "shin", "foot"})
#: Candidates scoring at least ``(1 - CANDIDATE_MARGIN)`` times the best score cannot be
#: told apart by the drawing: the page shows what separates them instead of an order.
CANDIDATE_MARGIN = 0.20


@dataclass(frozen=True)
class Flag:
    """Something in the drawing that does not fit a dorsal ramus pattern."""

    code: str
    message: str


class AtlasIndex:
    """The atlas and regions prepared for matching; build once, reuse for every drawing.

    Zones are merged into *layers* per view: for every level the union of its zones and the
    union of its core zones, for every (level, pathway) the union of its zones, and the union
    of all zones. Each layer is cut by the regions into *cells* (layer ∩ region), kept with
    their areas in an STRtree per view. A tapped region reads its share of every layer from a
    table (max over views); an outlined area is intersected with the cells it touches only,
    and cells it covers whole are not intersected at all.
    """

    def __init__(self, atlas: Atlas, regions: Regions):
        self.atlas = atlas
        self.regions = regions
        self.levels: list[str] = [lv for lv in schema.LEVELS if lv in set(atlas.zones["level"])]
        keys = atlas.pathways[["level", "pathway"]].itertuples(index=False, name=None)
        self.pathway_keys: list[tuple[str, str]] = [k for k in keys if k[0] in self.levels]
        info = atlas.pathways.set_index(["level", "pathway"])
        #: Per pathway key: ramus, nerve, kind and display label.
        self.pathway_info: list[dict[str, str]] = [
            {
                "ramus": info.loc[key, "ramus"],
                "nerve": info.loc[key, "nerve"],
                "kind": info.loc[key, "kind"],
                "label": schema.PATHWAYS.get(key[1], key[1]),
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

        candidates = atlas.candidates
        known = set(self.pathway_keys)
        #: Per candidate: its row of ``atlas.candidates`` as a dict, and the positions in
        #: ``pathway_keys`` of its territory's pathways (those the atlas has).
        self.candidates: list[dict[str, Any]] = candidates.to_dict("records")
        self.candidate_pathways: list[np.ndarray] = [
            np.array([self.pathway_keys.index(k) for k in c["territory"] if k in known], int)
            for c in self.candidates
        ]

        n_lv, n_pw, n_c = len(self.levels), len(self.pathway_keys), len(self.candidates)
        #: Layer rows: levels (any zone), levels (core zones), pathways, candidates (any
        #: zone), candidates (core zones), all zones; ``slices`` names each block.
        self.slices = LayerSlices.of(n_lv, n_pw, n_c)
        self.n_layers = self.slices.n_layers
        self.tap = np.zeros((self.n_layers, len(self.region_ids)))
        self.cells: dict[schema.View, Cells] = {}
        #: Per view, the regions themselves as cells (``layer`` unused), to cut an outline.
        self.region_cells: dict[schema.View, Cells] = {}
        zones = atlas.zones
        by_weight = zones.groupby(["view", "level", "weight"])["geometry"].agg(list).to_dict()
        by_pathway = zones.groupby(["view", "level", "pathway", "weight"])["geometry"]
        pathway_parts = by_pathway.agg(list).to_dict()
        by_view = zones.groupby("view")["geometry"].agg(list).to_dict()
        for view in schema.VIEWS:
            core = [shapely.union_all(by_weight.get((view, lv, "core"), [])) for lv in self.levels]
            fringe = [
                shapely.union_all(by_weight.get((view, lv, "fringe"), [])) for lv in self.levels
            ]
            pw_core = np.array(
                [
                    shapely.union_all(pathway_parts.get((view, *k, "core"), []))
                    for k in self.pathway_keys
                ],
                dtype=object,
            )
            pw_any = shapely.union(
                pw_core,
                [
                    shapely.union_all(pathway_parts.get((view, *k, "fringe"), []))
                    for k in self.pathway_keys
                ],
            )
            cand_any = [shapely.union_all(pw_any[ks]) for ks in self.candidate_pathways]
            cand_core = [shapely.union_all(pw_core[ks]) for ks in self.candidate_pathways]
            layers = np.array(
                [
                    *shapely.union(core, fringe),
                    *core,
                    *pw_any,
                    *cand_any,
                    *cand_core,
                    shapely.union_all(by_view.get(view, [])),
                ],
                dtype=object,
            )
            shapes = regions.in_view(view)
            ids = list(shapes)
            polys = np.array([shapes[rid] for rid in ids], dtype=object)
            positions = np.array([self.region_pos[rid] for rid in ids], dtype=int)
            self.region_cells[view] = Cells(
                polys, shapely.area(polys), positions, np.zeros(len(ids), int), STRtree(polys)
            )
            rows, layer = np.nonzero(shapely.intersects(polys[:, None], layers[None, :]))
            geoms = shapely.intersection(polys[rows], layers[layer])
            areas = shapely.area(geoms)
            keep = areas > 0
            region = np.array([self.region_pos[ids[r]] for r in rows[keep]], dtype=int)
            cells = Cells(geoms[keep], areas[keep], region, layer[keep], STRtree(geoms[keep]))
            self.cells[view] = cells
            share = cells.area / shapely.area(polys[rows[keep]])
            np.maximum.at(self.tap, (cells.layer, cells.region), share)
        self.pathway_skin = self.tap[self.slices.pathway] @ self.skin
        self.candidate_skin = self.tap[self.slices.candidate] @ self.skin
        self.pathway_level = np.array([self.levels.index(lv) for lv, _ in self.pathway_keys])


@dataclass(frozen=True)
class LayerSlices:
    """Where each block of layers lies in :class:`AtlasIndex`'s layer rows."""

    level: slice
    core: slice
    pathway: slice
    candidate: slice
    candidate_core: slice
    n_layers: int

    @classmethod
    def of(cls, n_levels: int, n_pathways: int, n_candidates: int) -> LayerSlices:
        """Blocks in order: levels, cores, pathways, candidates, candidate cores; then one
        row of all zones."""
        ends = [
            int(e)
            for e in np.cumsum([0, n_levels, n_levels, n_pathways, n_candidates, n_candidates])
        ]
        level, core, pathway, candidate, candidate_core = (
            slice(a, b) for a, b in itertools.pairwise(ends)
        )
        return cls(level, core, pathway, candidate, candidate_core, n_layers=ends[-1] + 1)


@dataclass(frozen=True)
class Cells:
    """Pieces of zone layers cut by the regions of one view (see :class:`AtlasIndex`)."""

    geometry: np.ndarray
    area: np.ndarray
    region: np.ndarray
    layer: np.ndarray
    tree: STRtree


@dataclass(frozen=True)
class Amounts:
    """Skin areas (frame units²) of a measured drawing, one column per painful region.

    ``drawn[i]``: painful skin of region ``positions[i]``; ``layers[j, i]``: of that, the
    part inside layer ``j`` of :class:`AtlasIndex` (views ``level``, ``core``, ``pathway``,
    ``candidate``, ``candidate_core``, ``zoned`` slice it). A region drawn in several views
    takes, for each quantity, its largest value over those views.
    """

    positions: np.ndarray
    drawn: np.ndarray
    layers: np.ndarray
    slices: LayerSlices

    @property
    def level(self) -> np.ndarray:
        return self.layers[self.slices.level]

    @property
    def core(self) -> np.ndarray:
        return self.layers[self.slices.core]

    @property
    def pathway(self) -> np.ndarray:
        return self.layers[self.slices.pathway]

    @property
    def candidate(self) -> np.ndarray:
        return self.layers[self.slices.candidate]

    @property
    def candidate_core(self) -> np.ndarray:
        return self.layers[self.slices.candidate_core]

    @property
    def zoned(self) -> np.ndarray:
        return self.layers[-1]


def intensity_weight(value: int | None) -> float:
    """Weight of a region's painful skin in matching: ``(i + 1) / 11`` for intensity ``i``
    (0-10), 1 when unrated (see ``docs/matching.md``).

    >>> intensity_weight(None), intensity_weight(10), round(intensity_weight(4), 3)
    (1.0, 1.0, 0.455)
    """
    return 1.0 if value is None else (value + 1) / (INTENSITY_MAX + 1)


def measure(drawing: Drawing, index: AtlasIndex) -> Amounts:
    """Measure ``drawing`` on the skin, in one pass over the index's cells (units²).

    A tapped region ``r`` hurts whole: ``drawn = S_r``, and ``S_r · tap[j, r]`` lies in layer
    ``j``. An area outlined in view ``v`` is cut by the regions of ``v`` (skipping tapped
    ones); each piece ``P = A ∩ R_v,r`` counts ``|P| · S_r / |R_v,r|`` as painful skin
    (at most ``S_r``) and ``|P ∩ c| · S_r / |R_v,r|`` in the layer of each of the region's
    cells ``c`` it touches (a cell it covers whole is not intersected). A region outlined in
    several views takes, for each quantity, its largest value over those views. Every
    quantity of region ``r`` is multiplied by its intensity weight ``w_r``.
    """
    n = len(index.region_ids)
    drawn = np.zeros(n)
    layers = np.zeros((index.n_layers, n))
    tapped = np.array([index.region_pos[rid] for rid in drawing.regions], dtype=int)
    drawn[tapped] = index.skin[tapped]
    layers[:, tapped] = index.tap[:, tapped] * index.skin[tapped]
    is_tapped = np.zeros(n, dtype=bool)
    is_tapped[tapped] = True
    for view, area in drawing.outlines.items():
        outlined = index.region_cells[view]
        hit = outlined.tree.query(area, predicate="intersects")
        hit = hit[~is_tapped[outlined.region[hit]]]
        pieces = shapely.intersection(outlined.geometry[hit], area)
        painful = shapely.area(pieces)
        keep = painful > 0
        hit, pieces, painful = hit[keep], pieces[keep], painful[keep]
        if not len(hit):
            continue
        region = outlined.region[hit]
        scale = index.skin[region] / outlined.area[hit]
        drawn[region] = np.maximum(drawn[region], np.minimum(painful * scale, index.skin[region]))
        cells = index.cells[view]
        which, cell = cells.tree.query(pieces, predicate="intersects")
        own = cells.region[cell] == region[which]
        which, cell = which[own], cell[own]
        shapely.prepare(pieces)
        inside = cells.area[cell].copy()
        partial = ~shapely.covers(pieces[which], cells.geometry[cell])
        inside[partial] = shapely.area(
            shapely.intersection(pieces[which][partial], cells.geometry[cell][partial])
        )
        in_view = np.zeros_like(layers)
        np.add.at(in_view, (cells.layer[cell], region[which]), inside * scale[which])
        np.maximum(layers, in_view, out=layers)
    for rid, value in drawing.intensity.items():
        weight = intensity_weight(value)
        drawn[index.region_pos[rid]] *= weight
        layers[:, index.region_pos[rid]] *= weight
    positions = np.nonzero(drawn > 0)[0]
    return Amounts(positions, drawn[positions], layers[:, positions], index.slices)


@dataclass(frozen=True)
class LevelMatch:
    """One level's fit: score, explained share (all zones, core zones only), and the
    pathway whose territory is most covered by the drawing (``""`` when none is)."""

    level: str
    score: float
    explained: float
    explained_core: float
    best_pathway: str


@dataclass(frozen=True)
class CandidateMatch:
    """One candidate source of the pain (a joint or an entrapped nerve) and its fit.

    ``score`` uses the level formula on the candidate's territory ``T`` (the union of its
    pathways' zones): ``weighted^¾ · (|D ∩ T| / |T|)^¼``. ``tied`` is true when the score
    is within :data:`CANDIDATE_MARGIN` of the best candidate's and so is another
    candidate's; ``also`` names the family's other candidates within that margin of this one.
    """

    candidate_id: str
    family: str
    structure: str
    levels: tuple[str, ...]
    pathway: str
    test: str
    guide_ids: tuple[str, ...]
    source_ids: tuple[str, ...]
    score: float
    explained: float
    explained_core: float
    tied: bool
    also: tuple[str, ...] = ()

    def as_well(self, escape: Callable[[str], str] = str) -> str:
        """`` (as well: <the family's other candidates within the margin>)``, the names passed
        through ``escape`` (for Markdown or HTML), or ``""`` when there are none."""
        return f" (as well: {escape(', '.join(self.also))})" if self.also else ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of ``match --json``'s ``candidates`` entries."""
        return {
            "id": self.candidate_id,
            "family": self.family,
            "structure": self.structure,
            "levels": list(self.levels),
            "pathway": self.pathway,
            "test": self.test,
            "score": round(self.score, 3),
            "explained": round(self.explained, 3),
            "explained_core": round(self.explained_core, 3),
            "cannot_tell_apart": self.tied,
            "also": list(self.also),
            "separated_by": list(self.guide_ids),
        }


@dataclass(frozen=True)
class Ranking:
    """The result of :func:`rank_levels`: levels by score, per-pathway coverage, flags.

    ``table`` (one row per level, best first) and ``reasons`` are computed on first use.
    """

    index: AtlasIndex
    amounts: Amounts
    scores: np.ndarray
    explained: np.ndarray
    explained_core: np.ndarray
    coverage: np.ndarray
    flags: tuple[Flag, ...]
    candidate_scores: np.ndarray
    candidate_explained: np.ndarray
    candidate_explained_core: np.ndarray

    @cached_property
    def candidates(self) -> list[CandidateMatch]:
        """The best candidate of each family with a score above 0, best first (ties:
        explained share, file order); a family's other candidates within
        :data:`CANDIDATE_MARGIN` of its best are named in ``also`` (e.g. the adjacent joint).

        When more than one candidate lies within :data:`CANDIDATE_MARGIN` of the best, the
        drawing cannot decide between them: they are marked ``tied`` (a best candidate with
        no other within the margin is not).
        """
        scores = self.candidate_scores
        order = np.lexsort((np.arange(len(scores)), -self.candidate_explained, -scores))
        best = scores.max(initial=0.0)
        rows = self.index.candidates
        leaders: dict[str, int] = {}
        also: dict[str, list[str]] = {}
        for i in order:
            if scores[i] <= 0:
                break
            family = rows[i]["family"]
            if family not in leaders:
                leaders[family], also[family] = i, []
            elif scores[i] >= (1 - CANDIDATE_MARGIN) * scores[leaders[family]]:
                also[family].append(rows[i]["structure"])
        near = {f: bool(scores[i] >= (1 - CANDIDATE_MARGIN) * best) for f, i in leaders.items()}
        undecided = sum(near.values()) > 1
        return [
            CandidateMatch(
                candidate_id=rows[i]["candidate_id"],
                family=family,
                structure=rows[i]["structure"],
                levels=rows[i]["levels"],
                pathway=rows[i]["pathway"],
                test=rows[i]["test"],
                guide_ids=rows[i]["guide_ids"],
                source_ids=rows[i]["source_ids"],
                score=float(scores[i]),
                explained=float(self.candidate_explained[i]),
                explained_core=float(self.candidate_explained_core[i]),
                tied=undecided and near[family],
                also=tuple(also[family]),
            )
            for family, i in leaders.items()
        ]

    @property
    def painful_regions(self) -> list[str]:
        """The ids of the regions that hurt (any view), in the index's order."""
        return [self.index.region_ids[p] for p in self.amounts.positions]

    @cached_property
    def undecided(self) -> list[CandidateMatch]:
        """The best candidates when the drawing cannot tell them apart (else empty)."""
        return [c for c in self.candidates if c.tied]

    @cached_property
    def order(self) -> np.ndarray:
        """Level positions sorted by score, then explained share, then spinal order."""
        lv = np.arange(len(self.index.levels))
        return np.lexsort((lv, -self.explained, -self.scores))

    @cached_property
    def levels(self) -> list[LevelMatch]:
        """One :class:`LevelMatch` per level, best first (plain values: the page reads these
        on every tap, where a DataFrame costs a millisecond or more)."""
        best = self._best_pathway()
        return [
            LevelMatch(
                level=self.index.levels[i],
                score=float(self.scores[i]),
                explained=float(self.explained[i]),
                explained_core=float(self.explained_core[i]),
                best_pathway=best[i],
            )
            for i in self.order
        ]

    def matched(self, n: int) -> list[LevelMatch]:
        """The first ``n`` levels with a positive score (none for an empty drawing)."""
        return [m for m in self.levels if m.score > 0][:n]

    @cached_property
    def table(self) -> pd.DataFrame:
        """:attr:`levels` as a table: level, score, explained, explained_core, best_pathway."""
        return pd.DataFrame([asdict(m) for m in self.levels])

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
        rows = self.levels if top is None else self.levels[:top]
        ranking = [
            {
                "level": row.level,
                "score": round(row.score, 3),
                "explained": round(row.explained, 3),
                "explained_core": round(row.explained_core, 3),
                "pathways": self.pathways(row.level),
                "reasons": self.reasons(row.level),
            }
            for row in rows
        ]
        flags = [{"code": f.code, "message": f.message} for f in self.flags]
        candidates = self.candidates if top is None else self.candidates[:top]
        return {
            "ranking": ranking,
            "candidates": [c.to_dict() for c in candidates],
            "flags": flags,
        }


def _join(words: list[str]) -> str:
    unique = list(dict.fromkeys(words))
    if len(unique) <= 1:
        return "".join(unique)
    return ", ".join(unique[:-1]) + " and " + unique[-1]


def rank_levels(drawing: Drawing, index: AtlasIndex) -> Ranking:
    """Rank every level by how well its zones explain ``drawing`` (formula: module docstring).

    Pure: the same drawing and index always give the same ranking; nothing is cached.
    """
    amounts = measure(drawing, index)
    total = amounts.drawn.sum()
    n_lv, n_c = len(index.levels), len(index.candidates)
    if total <= 0:
        zeros, none = np.zeros(n_lv), np.zeros(n_c)
        empty_flag = Flag("empty", schema.FLAGS["empty"])
        coverage = np.zeros(len(index.pathway_keys))
        return Ranking(
            index, amounts, zeros, zeros, zeros, coverage, (empty_flag,), none, none, none
        )
    explained, explained_core, weighted = _explained(amounts.level, amounts.core, total)
    painful = amounts.pathway.sum(axis=1)
    coverage = np.minimum(painful / np.maximum(index.pathway_skin, 1e-12), 1.0)
    best_cover = np.zeros(n_lv)
    np.maximum.at(best_cover, index.pathway_level, coverage)
    scores = _score(weighted, best_cover)
    c_explained, c_core, c_weighted = _explained(amounts.candidate, amounts.candidate_core, total)
    c_cover = np.minimum(
        amounts.candidate.sum(axis=1) / np.maximum(index.candidate_skin, 1e-12), 1.0
    )
    return Ranking(
        index,
        amounts,
        scores,
        explained,
        explained_core,
        coverage,
        _flags(amounts, index),
        _score(c_weighted, c_cover),
        c_explained,
        c_core,
    )


def _explained(
    inside: np.ndarray, core: np.ndarray, total: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``explained``, ``explained_core`` and ``weighted`` (fringe counts half) per row of
    skin areas inside a union of zones (``inside``) and of its core zones (``core``)."""
    explained = np.minimum(inside.sum(axis=1) / total, 1.0)
    explained_core = np.minimum(core.sum(axis=1) / total, 1.0)
    weighted = explained_core + schema.WEIGHTS["fringe"] * (explained - explained_core)
    return explained, explained_core, weighted


def _score(weighted: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """``weighted^¾ · cover^¼`` (``EXPLAIN_EXPONENT`` = ¾)."""
    return weighted**EXPLAIN_EXPONENT * cover ** (1 - EXPLAIN_EXPONENT)


def _flags(amounts: Amounts, index: AtlasIndex) -> tuple[Flag, ...]:
    """Flags for a non-empty drawing: ``schema.FLAGS[code]`` plus the measured detail."""
    total = amounts.drawn.sum()
    flags = []
    below = amounts.drawn[index.below_knee[amounts.positions]].sum() / total
    if below >= BELOW_KNEE_MIN:
        detail = (
            f"{below:.0%} of the drawing is on the calf, shin or foot: consider radicular "
            "pain; sacroiliac joint pain (below the knee in 14 of 50 block-confirmed patients, "
            "Slipman 2000) and cluneal nerve entrapment can still give leg symptoms."
        )
        flags.append(Flag("below-knee", f"{schema.FLAGS['below-knee']} {detail}"))
    left = amounts.drawn[index.is_left[amounts.positions]].sum() / total
    if min(left, 1 - left) >= MIDLINE_MIN:
        detail = f"Left {left:.0%}, right {1 - left:.0%}: each side may need its own explanation."
        flags.append(Flag("crosses-midline", f"{schema.FLAGS['crosses-midline']} {detail}"))
    outside = 1 - min(amounts.zoned.sum() / total, 1.0)
    if outside >= UNEXPLAINED_MIN:
        detail = f"{outside:.0%} of it: the pattern may not be dorsal ramus referral."
        flags.append(Flag("unexplained", f"{schema.FLAGS['unexplained']} {detail}"))
    return tuple(flags)
