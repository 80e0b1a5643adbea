"""Shared fixtures: a tiny synthetic body/regions/atlas, and a running app for browser tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import harness
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.atlas import Atlas, mirror_geometry

ROOT = Path(__file__).resolve().parent.parent


# --- synthetic data: a 200 x 1000 box body, two regions per view, one fake level ---------


@dataclass(frozen=True)
class FakeRegion:
    id: str
    label: str


@dataclass
class FakeBody:
    outlines: dict[str, Polygon]

    def outline(self, view: str) -> Polygon:
        return self.outlines[view]


@dataclass
class FakeRegions:
    shapes: dict[str, dict[str, BaseGeometry]]

    def in_view(self, view: str) -> dict[str, BaseGeometry]:
        return self.shapes[view]

    def ids(self) -> list[str]:
        return sorted({rid for shapes in self.shapes.values() for rid in shapes})

    def region(self, rid: str) -> FakeRegion:
        side, name = schema.split_region_id(rid)
        return FakeRegion(rid, f"{side.capitalize()} {name}")

    def label_point(self, view: str, rid: str) -> tuple[float, float]:
        p = self.shapes[view][rid].representative_point()
        return p.x, p.y


@pytest.fixture(scope="session")
def fake_body() -> FakeBody:
    return FakeBody({view: box(-100, 0, 100, 1000) for view in schema.VIEWS})


@pytest.fixture(scope="session")
def fake_regions() -> FakeRegions:
    neg, pos = box(-100, 0, 0, 1000), box(0, 0, 100, 1000)
    return FakeRegions(
        {
            "anterior": {"right-trunk": neg, "left-trunk": pos},
            "posterior": {"left-trunk": neg, "right-trunk": pos},
            "left-lateral": {"left-front": neg, "left-back": pos},
            "right-lateral": {"right-back": neg, "right-front": pos},
        }
    )


@pytest.fixture(scope="session")
def fake_atlas() -> Atlas:
    """Level T12: a dorsal pathway on the back, and a ventral one missing from the vocabulary."""
    zone_rows = []
    course_rows = []
    specs = [
        (
            "superior-cluneal",
            "dorsal",
            "superior cluneal nerves",
            "posterior",
            box(-80, 500, -10, 600),
        ),
        ("ilioinguinal", "ventral", "ilioinguinal nerve", "anterior", box(10, 500, 80, 560)),
    ]
    for pathway, ramus, nerve, view, geom in specs:
        for side in schema.SIDES:
            mirrored = side == "right"
            shape = mirror_geometry(geom) if mirrored else geom
            line = LineString([(-5, 650), (-50, 560)])
            for weight, g in (("core", shape), ("fringe", shape.buffer(10))):
                zone_rows.append(
                    {
                        "zone_id": f"t12-{pathway}-{weight}",
                        "level": "T12",
                        "pathway": pathway,
                        "ramus": ramus,
                        "nerve": nerve,
                        "kind": "referral",
                        "weight": weight,
                        "evidence": "study",
                        "source_ids": ("maigne1989",),
                        "note": "",
                        "view": view,
                        "side": side,
                        "geometry": g,
                    }
                )
            course_rows.append(
                {
                    "level": "T12",
                    "pathway": pathway,
                    "ramus": ramus,
                    "nerve": nerve,
                    "view": view,
                    "side": side,
                    "evidence": "derived",
                    "source_ids": ("maigne1989",),
                    "geometry": mirror_geometry(line) if mirrored else line,
                }
            )
    pathways = pd.DataFrame(
        [
            {
                "level": "T12",
                "pathway": p,
                "ramus": r,
                "branch": "lateral",
                "nerve": n,
                "kind": "referral",
                "evidence": "study",
                "source_ids": ("maigne1989",),
                "note": "",
            }
            for p, r, n, _, _ in specs
        ]
    )
    sources = pd.DataFrame(
        [
            {
                "source_id": "maigne1989",
                "kind": "article",
                "authors": "Maigne JY, Lazareth JP, Guérin Surville H, Maigne R",
                "title": (
                    "The lateral cutaneous branches of the dorsal rami of the thoraco-lumbar "
                    "junction"
                ),
                "journal": "Surg Radiol Anat",
                "year": "1989",
            }
        ]
    ).set_index("source_id")
    return Atlas(
        pd.DataFrame(zone_rows), pd.DataFrame(course_rows), pathways, sources, pd.DataFrame()
    )


# --- a running app and a browser for browser tests ---------------------------------------


@pytest.fixture(scope="session")
def app_url() -> Iterator[str]:
    """URL of the app started once for the session (its process group is killed after)."""
    with harness.running_app() as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright; fails (never skips) when it is not installed."""
    if not harness.CHROMIUM.exists():
        pytest.fail(
            f"{harness.CHROMIUM} is missing; browser tests need Debian's chromium "
            "(`make test` installs it; or run `apt-get install -y chromium`)."
        )
    with harness.chromium() as b:
        yield b
