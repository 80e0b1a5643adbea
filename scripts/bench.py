"""Benchmarks: print timings (milliseconds) and peak memory as JSON.

Measures: loading the atlas, body and regions; building the matching index; matching a
five-region drawing; matching a 2,000-vertex outline; and, for comparison, a naive loop that
intersects the drawing with every zone one by one. Run with ``make bench``.
"""

from __future__ import annotations

import json
import platform
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import shapely

from referral import __version__ as version
from referral.atlas import load_atlas
from referral.body import load_body
from referral.drawing import Drawing
from referral.matching import AtlasIndex, rank_levels
from referral.regions import load_regions

FIVE_REGIONS = [
    "left-low-back",
    "left-iliac-crest",
    "left-upper-buttock",
    "left-groin",
    "left-trochanter",
]


def timed(fn: Callable[[], Any], repeat: int, warmup: int = 3) -> dict[str, float]:
    """Run ``fn`` ``repeat`` times after ``warmup`` runs; return median/min/max in ms."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(samples), 4),
        "min_ms": round(min(samples), 4),
        "max_ms": round(max(samples), 4),
        "runs": repeat,
    }


def lasso(n: int = 2000, seed: int = 0) -> np.ndarray:
    """A wobbly closed path of ``n`` vertices over the left low back and buttock (posterior)."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = 1 + 0.05 * np.sin(7 * t) + rng.normal(0, 0.01, n)
    x = -55 + 45 * radius * np.cos(t)
    y = 560 + 60 * radius * np.sin(t)
    return np.c_[x, y]


def naive(drawing: Drawing, regions: Any, atlas: Any) -> float:
    """The obvious loop: intersect the drawing with every zone row, one at a time."""
    shapes = drawing.shapes(regions)
    total = 0.0
    for row in atlas.zones.itertuples(index=False):
        if row.view in shapes:
            total += shapes[row.view].intersection(row.geometry).area
    return total


def peak_memory() -> dict[str, float]:
    """Peak Python allocations (tracemalloc) for load + index + both matches, and max RSS.

    Measured apart from the timings: tracing allocations slows Python code several-fold.
    """
    tracemalloc.start()
    atlas, regions = load_atlas(), load_regions()
    index = AtlasIndex(atlas, regions)
    rank_levels(Drawing.from_regions(FIVE_REGIONS, regions), index).to_dict(top=3)
    rank_levels(Drawing.from_outline("posterior", lasso()), index).to_dict(top=3)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {"traced_python_peak_mb": round(peak / 2**20, 2), "max_rss_mb": round(rss, 1)}


def main() -> None:
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "shapely": shapely.__version__,
        "referral": version,
        "machine": platform.machine(),
    }
    results["load_atlas"] = timed(load_atlas, repeat=10, warmup=1)
    results["load_body"] = timed(load_body, repeat=10, warmup=1)
    results["load_regions"] = timed(load_regions, repeat=10, warmup=1)
    atlas, regions = load_atlas(), load_regions()
    results["build_index"] = timed(lambda: AtlasIndex(atlas, regions), repeat=5, warmup=1)
    index = AtlasIndex(atlas, regions)

    five = Drawing.from_regions(FIVE_REGIONS, regions)
    results["match_five_regions_scores"] = timed(lambda: rank_levels(five, index), repeat=5000)
    results["match_five_regions_with_top3_reasons"] = timed(
        lambda: rank_levels(five, index).to_dict(top=3), repeat=1000
    )
    results["naive_loop_five_regions"] = timed(lambda: naive(five, regions, atlas), repeat=50)

    path = lasso()
    results["build_drawing_2000_vertex_outline"] = timed(
        lambda: Drawing.from_outline("posterior", path), repeat=100
    )
    outline = Drawing.from_outline("posterior", path)
    results["outline_vertices_after_canonical"] = int(
        shapely.get_num_coordinates(outline.outlines["posterior"])
    )
    results["match_2000_vertex_outline"] = timed(lambda: rank_levels(outline, index), repeat=300)
    results["naive_loop_2000_vertex_outline"] = timed(
        lambda: naive(outline, regions, atlas), repeat=30
    )
    results["peak_memory"] = peak_memory()
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
