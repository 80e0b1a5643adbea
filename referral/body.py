"""The reference body: one silhouette and a set of named landmarks per view.

Data files (written by ``python -m referral.build.body``, see ``assets/body_outlines/README.md``):
``{view}.geojson`` holds the outline Polygon, ``{view}.landmarks.json`` the landmark points
and lines. Coordinates are in the frame of :mod:`referral.schema` (1000 units = 170 cm).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from shapely.geometry import LineString, Polygon, shape

from referral import schema


@dataclass(frozen=True)
class Landmarks:
    """Named points and polylines of one view."""

    view: schema.View
    points: dict[str, tuple[float, float]]
    lines: dict[str, LineString]

    def point(self, name: str) -> tuple[float, float]:
        """Return the (x, y) of a landmark point; KeyError names the view and the landmark."""
        try:
            return self.points[name]
        except KeyError:
            raise KeyError(f"view {self.view!r} has no landmark point {name!r}") from None

    def line(self, name: str) -> LineString:
        """Return a landmark line; KeyError names the view and the landmark."""
        try:
            return self.lines[name]
        except KeyError:
            raise KeyError(f"view {self.view!r} has no landmark line {name!r}") from None


@dataclass(frozen=True)
class Body:
    """Outlines and landmarks of every view."""

    outlines: dict[schema.View, Polygon]
    landmarks: dict[schema.View, Landmarks]

    def outline(self, view: schema.View) -> Polygon:
        """Return the silhouette of ``view`` (:class:`schema.UnknownViewError` lists the
        known views)."""
        return self.outlines[schema.check_view(view)]


def load_outline(path: Path) -> Polygon:
    """Read one outline file (a FeatureCollection with a single Polygon feature)."""
    doc = json.loads(path.read_text())
    features = doc["features"]
    if len(features) != 1:
        raise ValueError(f"{path}: expected one feature, found {len(features)}")
    geom = shape(features[0]["geometry"])
    if not isinstance(geom, Polygon):
        raise ValueError(f"{path}: expected a Polygon, found {geom.geom_type}")
    return geom


def load_landmarks(path: Path) -> Landmarks:
    """Read one landmark file."""
    doc = json.loads(path.read_text())
    points = {k: (float(x), float(y)) for k, (x, y) in doc["points"].items()}
    lines = {k: LineString(v) for k, v in doc["lines"].items()}
    return Landmarks(view=doc["view"], points=points, lines=lines)


def load_body(directory: Path = schema.ASSETS_DIR) -> Body:
    """Load outlines and landmarks of every view from ``directory``.

    Raises FileNotFoundError naming the first missing file.
    """
    outlines: dict[schema.View, Polygon] = {}
    landmarks: dict[schema.View, Landmarks] = {}
    for view in schema.VIEWS:
        outline_path = directory / schema.OUTLINE_FILE.format(view=view)
        landmark_path = directory / schema.LANDMARKS_FILE.format(view=view)
        for path in (outline_path, landmark_path):
            if not path.is_file():
                raise FileNotFoundError(f"missing body file for view {view!r}: {path}")
        outlines[view] = load_outline(outline_path)
        landmarks[view] = load_landmarks(landmark_path)
        if landmarks[view].view != view:
            raise ValueError(f"{landmark_path}: says view {landmarks[view].view!r}")
    return Body(outlines=outlines, landmarks=landmarks)
