"""Generators of the committed geometry: body outlines, regions and the referral atlas.

Every generated file is deterministic (coordinates on a 0.01-unit grid, stable order) and
a test checks that the committed file equals a fresh build. The steps run in order, each
reading what the previous one wrote through :mod:`referral.body`:

1. :mod:`referral.build.body`: ``assets/body_outlines/{view}.geojson`` and
   ``{view}.landmarks.json`` (outlines and landmarks of the reference adult);
2. :mod:`referral.build.regions`: ``data/regions.geojson`` (named regions tiling each view);
3. :mod:`referral.build.atlas`: ``data/zones.geojson``, ``data/courses.geojson`` and
   ``data/joints.geojson`` from the tables in ``data/``.

``python -m referral.build`` runs all steps; ``python -m referral.build.atlas`` (or
``.body``, ``.regions``) runs one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping

from referral import schema

#: Output grid in units: every coordinate is written with 2 decimals.
GRID = 0.01


def rounded_geometry(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON mapping of ``geom`` with every coordinate rounded to the grid (no ``-0.0``)."""
    return json.loads(json.dumps(mapping(geom)), parse_float=lambda v: round(float(v), 2) + 0.0)


def feature_collection(features: Iterable[Mapping[str, Any]]) -> str:
    """Serialise ``{"properties": ..., "geometry": shapely}`` items, one Feature per line."""
    lines = [
        json.dumps(
            {
                "type": "Feature",
                "properties": feat["properties"],
                "geometry": rounded_geometry(feat["geometry"]),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
        for feat in features
    ]
    return '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"


def write_files(files: Mapping[str, str], root: Path = schema.ROOT) -> None:
    """Write ``{path relative to root: text}`` under ``root`` and say what was written."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"wrote {rel} ({len(text.encode()) / 1024:.0f} KB)")
