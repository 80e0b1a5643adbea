"""Plotly figures of the body views as a small base plus stackable overlay layers.

Pure: no Streamlit. A figure is composed from

- a :class:`ViewBase` built once per (view, lecture): the skin and every region border as
  two layout shapes (``name`` ``skin`` and ``border``), the silhouette's edge, the header
  (view name, the patient's L and R) and one invisible **tap** trace (a ``scatter`` lattice
  of points inside the regions, ``customdata`` = region id) that makes "tap anywhere in a
  region" and hover work, because plotly reports no point for a click inside a filled
  polygon;
- overlay layers, pure functions that return traces: :func:`drawing_layer` (the patient's
  pain), :func:`level_layer` (a level's zones, branch courses and joints; ``style="compare"``
  draws a second level hatched and outlined so the two stay apart without colour);
- :func:`compose`, which stacks them in a fixed order (skin, borders, zones, drawing,
  courses, outline, tap) and writes, for every tap point, which zones of which level lie
  under it into the hover text. Legend entries are deduplicated by ``legendgroup``.

:func:`compose` returns a plain figure dict (``{"data": [...], "layout": {...}}``); bases and
layers are shared between calls and never mutated, so a caller may cache them.

Coordinates are in the frame of :mod:`referral.schema` (1000 units = 170 cm, y up), rounded
to ``DECIMALS`` places. Every trace carries ``meta={"role": ...}``: ``outline``, ``tap``,
``drawing``, ``zone``, ``course``, ``course-halo``, ``exit``, ``joint``, ``course-label``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from referral import labels, schema

if TYPE_CHECKING:
    from referral.atlas import Atlas, Row
    from referral.body import Body
    from referral.regions import Regions

Trace = dict[str, Any]
Style = Literal["primary", "compare"]

#: Okabe & Ito (2008) colour-blind-safe palette, by name.
PALETTE: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}
#: Colour of each pathway of ``schema.PATHWAYS``, by family so a colour means the same
#: thing at every level: blue = a dorsal ramus cutaneous branch (sky blue for a second one
#: near it), reddish purple = facet joint referral, orange = the ventral anterior pathway,
#: bluish green = the ventral lateral cutaneous pathway (T12, L1) and the sacroiliac joint
#: (L5-S3, where L5 also has facet referral). No level holds two pathways of one
#: colour (tested on the shipped atlas). Vermillion is kept for the patient's pain and black
#: for outlines, so a pathway never looks like the drawing.
PATHWAY_COLOUR_NAMES: dict[str, str] = {
    "greater-occipital": "blue",
    "third-occipital": "sky blue",
    "medial-branch": "blue",
    "lateral-branch": "blue",
    "dorsal-cutaneous": "sky blue",
    "superior-cluneal": "blue",
    "middle-cluneal": "blue",
    "facet-referral": "reddish purple",
    "sacroiliac-referral": "bluish green",
    "anterior-ventral": "orange",
    "lateral-cutaneous": "bluish green",
}
#: Colours for pathways outside the table above, in order of preference.
SPARE_COLOURS: tuple[str, ...] = (
    "blue",
    "orange",
    "bluish green",
    "reddish purple",
    "sky blue",
    "yellow",
)
#: Colour of the patient's pain (selected regions and drawings).
PAIN_COLOUR = PALETTE["vermillion"]
#: The drawing's edge: a dark vermillion that keeps 3:1 or more against the skin and every
#: zone beside it (WCAG 1.4.11; the lightest was 2.9:1 beside a blue core zone at #8A3C00).
PAIN_EDGE = "#6B2E00"

SKIN = "#F6E3D3"
OUTLINE = "#2B2B2B"
BORDER = "#A8968A"
INK = "#1A1A1A"

#: Decimal places of coordinates in the figure JSON: whole units (1.7 mm) are finer than a
#: screen pixel at any size the views are shown, and keep each figure about a third smaller.
DECIMALS = 0
#: Largest shift of an outline drawn as a trace (zones, courses, the drawing), in units
#: (1.7 mm; under half a pixel at the pain map's size): simplified to it, the atlas's zones
#: keep about 40 % of their vertices, and a changed figure is that much smaller. Matching
#: and hover notes use the exact shapes.
DRAWN_TOLERANCE = 1.0
#: Units between tap/hover lattice points (3.1 cm; ≈ 9 px on a 520 px view): about 350-500
#: points per view. A click anywhere in a region lies within ``HOVER_DISTANCE`` px of one.
TAP_SPACING = 18
#: The tap lattice is one ``scatter`` trace drawn as an invisible line (width 0), not as
#: markers: plotly hovers and clicks the nearest point either way, and one SVG path redraws
#: several times faster than hundreds of marker nodes. (The app draws with plotly.js's basic
#: bundle, which has no ``scattergl``.)
TAP_TRACE_TYPE = "scatter"
#: Pixels within which plotly reports the nearest point for a hover or a click.
HOVER_DISTANCE = 12
Y_RANGE = (-10.0, 1010.0)  # feet at 0, vertex at 1000
X_PAD = 30.0  # room beside the outline for the corner labels

#: Zone fill opacity by weight: the core of a pattern is drawn stronger than its fringe.
ZONE_OPACITY: dict[str, float] = {"core": 0.55, "fringe": 0.22}
#: A compared level is hatched (pattern ``x``) and edged with long dashes instead.
COMPARE_PATTERN = "x"


@dataclass(frozen=True)
class Fonts:
    """Font sizes in px."""

    base: int
    title: int
    side: int
    hint: int
    hover: int
    label: int


@dataclass(frozen=True)
class Lines:
    """Line widths in px."""

    outline: float
    border: float
    course: float
    zone: float
    exit: float


def fonts(lecture: bool) -> Fonts:
    """Font sizes for normal and lecture mode (lecture: ≥ 20 px everywhere)."""
    if lecture:
        return Fonts(base=20, title=24, side=30, hint=20, hover=20, label=20)
    return Fonts(base=13, title=16, side=20, hint=13, hover=14, label=12)


def lines(lecture: bool) -> Lines:
    """Line widths for normal and lecture mode (lecture: thick, for washed-out projectors)."""
    if lecture:
        return Lines(outline=3.5, border=1.6, course=5.0, zone=2.5, exit=16)
    return Lines(outline=2.0, border=0.8, course=2.8, zone=1.2, exit=10)


def rgba(hex_colour: str, alpha: float) -> str:
    """Return ``rgba(r,g,b,alpha)`` for ``#RRGGBB``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def blend(hex_colour: str, alpha: float, background: str) -> str:
    """``hex_colour`` at opacity ``alpha`` over ``background``, as ``#rrggbb``.

    >>> blend("#000000", 0.5, "#FFFFFF")
    '#808080'
    """
    top, under = _channels(hex_colour), _channels(background)
    mixed = (round(alpha * a + (1 - alpha) * b) for a, b in zip(top, under, strict=True))
    return "#" + "".join(f"{c:02x}" for c in mixed)


def contrast_ratio(a: str, b: str) -> float:
    """The WCAG 2 contrast ratio of two ``#RRGGBB`` colours, 1 to 21.

    >>> round(contrast_ratio("#000000", "#FFFFFF"), 1), contrast_ratio("#F6E3D3", "#F6E3D3")
    (21.0, 1.0)
    """
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _channels(hex_colour: str) -> tuple[int, int, int]:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return r, g, b


def _luminance(hex_colour: str) -> float:
    """WCAG 2's relative luminance of an sRGB colour."""
    linear = [
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
        for c in (v / 255 for v in _channels(hex_colour))
    ]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def colour_name(hex_colour: str) -> str:
    """Return the Okabe-Ito name of a palette colour (``KeyError`` if not in the palette)."""
    return {v: k for k, v in PALETTE.items()}[hex_colour]


def pathway_colours(pathways: Iterable[str]) -> dict[str, str]:
    """Map the pathways shown together (one level) to distinct palette colours.

    A pathway in ``PATHWAY_COLOUR_NAMES`` keeps its colour at every level. Any other pathway,
    or one whose colour is already taken in this set, gets the first ``SPARE_COLOURS``
    colour not yet used (colours repeat only beyond six pathways).

    >>> pathway_colours(["superior-cluneal", "anterior-ventral"])["anterior-ventral"]
    '#E69F00'
    """
    unique = sorted(set(pathways), key=lambda p: (p not in PATHWAY_COLOUR_NAMES, p))
    colours: dict[str, str] = {}
    for pathway in unique:
        used = set(colours.values())
        name = PATHWAY_COLOUR_NAMES.get(pathway)
        if name is None or PALETTE[name] in used:
            free = [n for n in SPARE_COLOURS if PALETTE[n] not in used]
            name = free[0] if free else SPARE_COLOURS[len(colours) % len(SPARE_COLOURS)]
        colours[pathway] = PALETTE[name]
    return colours


def _rings(geom: BaseGeometry) -> tuple[list[float | int | None], list[float | int | None]]:
    """Return x, y lists of every ring/line of ``geom`` separated by ``None`` (plotly gaps).

    Polygons are oriented (exterior counter-clockwise, holes clockwise) so plotly's
    non-zero fill leaves the holes empty.
    """
    xs: list[float | int | None] = []
    ys: list[float | int | None] = []
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            seqs = [part.exterior.coords, *(r.coords for r in part.interiors)]
        else:
            seqs = [part.coords]
        for seq in seqs:
            arr = np.asarray(seq)[:, :2]
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(_compact(arr[:, 0]))
            ys.extend(_compact(arr[:, 1]))
    return xs, ys


def svg_path(geom: BaseGeometry) -> str:
    """An SVG path in data coordinates of every ring/line of ``geom`` (rings closed with
    ``Z``), for a plotly ``path`` shape: one path element however many parts.

    >>> svg_path(shapely.box(0, 0, 2, 1))
    'M2 0L2 1L0 1L0 0L2 0Z'
    >>> svg_path(shapely.MultiLineString([[(0, 0), (1, 1)], [(3, 3), (4, 4)]]))
    'M0 0L1 1M3 3L4 4'
    """
    closed = geom.geom_type in ("Polygon", "MultiPolygon")
    xs, ys = _rings(geom)
    parts, pen = [], False
    for x, y in zip(xs, ys, strict=True):
        if x is None:
            parts.append("Z" if closed else "")
            pen = False
            continue
        parts.append(f"{'L' if pen else 'M'}{x} {y}")
        pen = True
    if pen and closed:
        parts.append("Z")
    return "".join(parts)


def path_shape(geom: BaseGeometry, role: str, **style: Any) -> dict[str, Any]:
    """A layout shape drawing ``geom`` under every trace (``name`` = ``role``); ``style``
    sets ``line`` and ``fillcolor``."""
    return {
        "type": "path",
        "xref": "x",
        "yref": "y",
        "layer": "below",
        "path": svg_path(geom),
        "name": role,
        **style,
    }


def lattice(geom: BaseGeometry, spacing: float = TAP_SPACING) -> np.ndarray:
    """Return the ``(n, 2)`` points of the global ``spacing`` lattice strictly inside ``geom``.

    The lattice is anchored at the origin, so neighbouring regions share one lattice and no
    point belongs to two regions. A region too small to hold a lattice point gets one point
    inside it (``point_on_surface``).

    >>> from shapely.geometry import box
    >>> lattice(box(1, 1, 29, 19), spacing=10).tolist()
    [[10.0, 10.0], [20.0, 10.0]]
    >>> lattice(box(1, 1, 3, 3)).tolist()
    [[2.0, 2.0]]
    """
    minx, miny, maxx, maxy = geom.bounds
    xs = np.arange(np.ceil(minx / spacing), np.floor(maxx / spacing) + 1) * spacing
    ys = np.arange(np.ceil(miny / spacing), np.floor(maxy / spacing) + 1) * spacing
    gx, gy = np.meshgrid(xs, ys)
    inside = shapely.contains_xy(geom, gx, gy)
    points = np.column_stack([gx[inside], gy[inside]])
    if len(points) == 0:
        p = geom.point_on_surface()
        points = np.round(np.array([[p.x, p.y]]), DECIMALS)
    return points


def x_range(body: Body, view: schema.View) -> tuple[float, float]:
    """The x range of ``view``: the outline's extent plus ``X_PAD`` units on each side.

    Every view shares ``Y_RANGE``, so views drawn at one height share one scale.
    """
    minx, _, maxx, _ = body.outline(view).bounds
    return float(np.floor(minx - X_PAD)), float(np.ceil(maxx + X_PAD))


def _compact(values: np.ndarray) -> list[float | int]:
    """Values rounded to ``DECIMALS``, whole numbers as ``int`` (``16`` not ``16.0`` in JSON)."""
    rounded = np.round(np.asarray(values, dtype=float), DECIMALS).tolist()
    return [int(v) if v.is_integer() else v for v in rounded]


def lines_trace(geom: BaseGeometry, role: str, colour: str, width: float, **meta: Any) -> Trace:
    """A scatter trace drawing every ring or line of ``geom`` (to within
    :data:`DRAWN_TOLERANCE`), without hover; add ``fill="toself"`` and a ``fillcolor`` to
    fill a polygon (``meta.role`` = ``role``)."""
    x, y = _rings(shapely.simplify(geom, DRAWN_TOLERANCE))
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "mode": "lines",
        "line": {"color": colour, "width": width},
        "hoverinfo": "skip",
        "showlegend": False,
        "meta": {"role": role, **meta},
    }


def _header(view: schema.View, xs: tuple[float, float], size: Fonts) -> list[dict[str, Any]]:
    """View name above the body; the patient's sides in the top corners, inside the plot.

    Anterior shows the patient's right at x < 0 and posterior at x > 0 (``schema.LEFT_SIGN``):
    bold "R" and "L" sit in those corners. A lateral view shows one side: its title carries
    that side's letter, and its corners say which way is front and back (left-lateral faces
    x < 0). Title and corners lie on different rows, so they never overlap.
    """
    title_row = {"xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False}
    corner_row = {"xref": "x", "yref": "y", "y": Y_RANGE[1], "yanchor": "top", "showarrow": False}
    middle = (xs[0] + xs[1]) / 2
    if view in schema.LEFT_SIGN:
        title = schema.VIEW_LABELS[view]
        right_end = -schema.LEFT_SIGN[view]
        corners = {right_end: ("R", size.side), -right_end: ("L", size.side)}
    else:
        side = schema.LATERAL_VIEW_SIDE[view]
        title = f"{side[0].upper()} · {side.capitalize()} side"
        front = -1 if view == "left-lateral" else 1
        corners = {front: ("front", size.hint), -front: ("back", size.hint)}
    notes = [
        {
            **title_row,
            "x": middle,
            "text": f"<b>{title}</b>",
            "font": {"size": size.title, "color": INK},
            "name": "title",
        }
    ]
    for sign, (text, font) in corners.items():
        end = {"x": xs[0], "xanchor": "left"} if sign < 0 else {"x": xs[1], "xanchor": "right"}
        notes.append(
            {
                **corner_row,
                **end,
                "text": f"<b>{text}</b>",
                "font": {"size": font, "color": INK},
                "name": "side",
            }
        )
    return notes


@dataclass(frozen=True)
class ViewBase:
    """One view's fixed part: layout (with the skin and region borders as shapes under
    every trace), the silhouette's edge, and the tap lattice (never mutated)."""

    view: schema.View
    lecture: bool
    over: tuple[Trace, ...]
    layout: dict[str, Any]
    points: np.ndarray
    point_region: tuple[str, ...]
    point_label: tuple[str, ...]


def view_base(
    body: Body, regions: Regions, view: schema.View, *, lecture: bool = False
) -> ViewBase:
    """Build one view's base: skin, region borders, edge, header, tap lattice.

    Skin and borders are two layout shapes (one SVG path each) under every trace: as a
    trace, the borders' ≈ 400 separate lines were ≈ 400 path elements, restyled on every
    redraw, half of a redraw's time. Overlays are drawn over them, zones translucent.
    Ranges are fixed around the body (:func:`x_range`, ``Y_RANGE``) with equal aspect.
    """
    schema.check_view(view)
    size, width = fonts(lecture), lines(lecture)
    shapes = regions.in_view(view)
    outline = body.outline(view)
    skin = path_shape(outline, "skin", fillcolor=SKIN, line={"width": 0})
    borders = shapely.union_all([geom.boundary for geom in shapes.values()])
    border = path_shape(borders, "border", line={"color": BORDER, "width": width.border})
    edge = lines_trace(outline, "outline", OUTLINE, width.outline)
    points, rids = [], []
    for rid, geom in shapes.items():
        grid = lattice(geom)
        points.append(grid)
        rids += [rid] * len(grid)
    region_labels = {rid: regions.region(rid).label for rid in shapes}
    xs = x_range(body, view)
    layout = {
        "template": "none",
        "meta": {"view": view},
        "font": {"size": size.base, "color": INK, "family": "Arial, Helvetica, sans-serif"},
        "margin": {"l": 2, "r": 2, "t": size.title + 12, "b": 2, "autoexpand": False},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "showlegend": False,
        "legend": {
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yanchor": "top",
            "font": {"size": size.base},
            "itemclick": False,
            "itemdoubleclick": False,
        },
        "hoverlabel": {"font": {"size": size.hover}, "bgcolor": "white", "bordercolor": INK},
        "hovermode": "closest",
        "hoverdistance": HOVER_DISTANCE,
        "dragmode": False,
        "annotations": _header(view, xs, size),
        "shapes": [skin, border],
        "xaxis": {"range": list(xs), "visible": False, "fixedrange": True},
        "yaxis": {
            "range": list(Y_RANGE),
            "visible": False,
            "fixedrange": True,
            "scaleanchor": "x",
            "scaleratio": 1,
        },
    }
    return ViewBase(
        view=view,
        lecture=lecture,
        over=(edge,),
        layout=layout,
        points=np.vstack(points),
        point_region=tuple(rids),
        point_label=tuple(region_labels[r] for r in rids),
    )


@dataclass(frozen=True)
class Layer:
    """Overlay traces for one view, plus hover notes for the base's tap points.

    ``fills`` go under ``lines`` (both over the region borders). ``notes`` maps a tap point
    index to the lines its hover adds (e.g. which level's zone lies under it).
    """

    fills: tuple[Trace, ...] = ()
    lines: tuple[Trace, ...] = ()
    notes: Mapping[int, tuple[str, ...]] | None = None


def drawing_layer(area: BaseGeometry | None, *, lecture: bool = False) -> Layer:
    """The patient's painful area in one view: vermillion with hatching and a dark edge.

    ``area`` is the drawing's (Multi)Polygon in the view's frame (tapped regions ∪ outlines,
    :meth:`referral.drawing.Drawing.shapes`); ``None`` or empty draws nothing.
    """
    if area is None or area.is_empty:
        return Layer()
    trace = lines_trace(area, "drawing", PAIN_EDGE, 3 if lecture else 2)
    trace.update(
        fill="toself",
        fillcolor=rgba(PAIN_COLOUR, 0.35),
        fillpattern={"shape": "/", "fgcolor": PAIN_COLOUR, "size": 8, "solidity": 0.3},
        name="Pain drawing",
        legendgroup="drawing",
        legendrank=1,
        showlegend=True,
    )
    return Layer(lines=(trace,))


def legend_name(level: str, pathway: str, ramus: str, *, width: int = 60) -> str:
    """Legend text naming the level, pathway and ramus, wrapped with ``<br>`` at ``width``.

    >>> legend_name("T12", "superior-cluneal", "dorsal")
    'T12 · Superior cluneal nerves — dorsal ramus'
    """
    label = schema.pathway_label(pathway)
    return "<br>".join(textwrap.wrap(f"{level} · {label} — {ramus} ramus", width))


def zone_description(row: Mapping[str, Any]) -> str:
    """One hover line for a zone row: level, pathway, ramus, kind, weight, evidence."""
    kind = "cutaneous" if row["kind"] == "cutaneous" else "referral"
    pathway = schema.pathway_label(row["pathway"])
    return (
        f"<b>{row['level']}</b> {pathway} · {row['ramus']} ramus · "
        f"{kind}, {row['weight']} · evidence: {row['evidence']}"
    )


def _in_view(rows: Iterable[Row], view: schema.View, sides: Sequence[schema.Side]) -> list[Row]:
    """The rows drawn in ``view`` on one of ``sides``."""
    return [row for row in rows if row["view"] == view and row["side"] in sides]


def level_layer(
    atlas: Atlas,
    base: ViewBase,
    level: str,
    *,
    sides: Sequence[schema.Side] = schema.SIDES,
    style: Style = "primary",
    course_labels: bool = False,
    detail: bool = True,
) -> Layer:
    """One level's zones, branch courses and joints in ``base``'s view.

    Zones are filled in their pathway's colour (:func:`pathway_colours`), core stronger than
    fringe (``ZONE_OPACITY``, fringe with a dotted edge); the zones of one pathway and weight
    are one trace (their outlines separated by gaps; where they overlap the fill is not
    doubled), so a figure carries each style once. ``style="compare"`` draws a second
    level hatched (``COMPARE_PATTERN``) with a long-dash edge and no opacity fill, so it
    stays distinguishable without colour. Courses run from where the branch leaves the
    spine (a marker) into the zones: solid for a dorsal ramus, dashed for a ventral one, on a
    white halo; ``course_labels`` writes the nerve's name at the course's end. Joint-referral
    pathways have no course: the joint is marked instead (``atlas.joints``, when present).
    One legend entry per (level, pathway) names the ramus. The hover of every tap point in a
    zone names the zone's level and pathway; with ``detail`` also its ramus, kind, weight,
    evidence and sources (without, each changed figure is about a third smaller).
    """
    if level not in schema.LEVEL_INDEX:
        raise ValueError(f"unknown level {level!r}; expected one of {', '.join(schema.LEVELS)}")
    view, width, size = base.view, lines(base.lecture), fonts(base.lecture)
    zones = _in_view(atlas.level_records("zones", level), view, sides)
    courses = _in_view(atlas.level_records("courses", level), view, sides)
    joints = _in_view(atlas.level_records("joints", level), view, sides)
    colours = pathway_colours(row["pathway"] for row in atlas.level_records("pathways", level))
    compare = style == "compare"
    shown: set[str] = set()

    def legend(pathway: str, ramus: str) -> dict[str, Any]:
        first = pathway not in shown
        shown.add(pathway)
        name = legend_name(level, pathway, ramus, width=28 if base.lecture else 60)
        group = f"{level}:{pathway}"
        if compare:
            name, group = f"{name} (compared)", f"{group}:compare"
        return {"name": name, "legendgroup": group, "showlegend": first}

    # One fill per (pathway, weight); core fills are drawn last (on top) and carry the legend
    # entry, so the swatch is solid.
    groups: dict[tuple[bool, str], list[Row]] = {}
    for row in zones:
        groups.setdefault((row["weight"] == "core", row["pathway"]), []).append(row)
    cores = {pathway for is_core, pathway in groups if is_core}
    fills: list[Trace] = []
    for is_core, pathway in sorted(groups, key=lambda k: (k[0], k[1])):
        rows, weight = groups[is_core, pathway], "core" if is_core else "fringe"
        colour = colours[pathway]
        meta = {"level": level, "pathway": pathway, "style": style}
        parts = [part for row in rows for part in shapely.get_parts(row["geometry"])]
        zone = lines_trace(shapely.multipolygons(parts), "zone", colour, width.zone, **meta)
        if compare:
            zone["line"].update(dash="longdash", width=width.zone + 1)
            zone.update(
                fill="toself",
                fillcolor="rgba(0,0,0,0)",
                fillpattern={
                    "shape": COMPARE_PATTERN,
                    "fgcolor": colour,
                    "size": 10,
                    "solidity": 0.25 if is_core else 0.12,
                },
            )
        else:
            zone["line"]["dash"] = "solid" if is_core else "dot"
            zone.update(fill="toself", fillcolor=rgba(colour, ZONE_OPACITY[weight]))
        entry = legend(pathway, rows[0]["ramus"])
        if not is_core and pathway in cores:  # the core fill, drawn later, carries the swatch
            shown.discard(pathway)
            entry["showlegend"] = False
        fills.append({**zone, **entry})

    drawn: list[Trace] = []
    for row in courses:
        colour, pathway, geom = colours[row["pathway"]], row["pathway"], row["geometry"]
        meta = {"level": level, "pathway": pathway, "ramus": row["ramus"]}
        halo = lines_trace(geom, "course-halo", "white", width.course + 3, **meta)
        course = lines_trace(geom, "course", colour, width.course, **meta)
        course["line"]["dash"] = "solid" if row["ramus"] == "dorsal" else "dash"
        coords = shapely.get_coordinates(geom).round(DECIMALS)
        exit_marker = {
            "type": "scatter",
            "x": [coords[0][0]],
            "y": [coords[0][1]],
            "mode": "markers",
            "marker": {"color": colour, "size": width.exit, "line": {"color": "white", "width": 2}},
            "hovertemplate": (
                f"<b>{level} {row['ramus']} ramus</b><br>{row['nerve']}: leaves the spine here"
                "<extra></extra>"
            ),
            "showlegend": False,
            "meta": {"role": "exit", **meta},
        }
        drawn += [halo, {**course, **legend(pathway, row["ramus"])}, exit_marker]
        if course_labels:
            xs = base.layout["xaxis"]["range"]
            drawn.append(_course_label(row["nerve"], coords[-1], xs, colour, size.label, meta))
    drawn += _joint_traces(atlas, joints, level, colours, width)
    notes = _zone_notes(atlas, base, zones, compare, detail)
    return Layer(fills=tuple(fills), lines=tuple(drawn), notes=notes)


def _course_label(
    nerve: str,
    end: np.ndarray,
    x_range: Sequence[float],
    colour: str,
    size: int,
    meta: Mapping[str, Any],
) -> Trace:
    """The nerve's name at the end of its course, in dark ink on a white halo.

    An end in the middle third of the view has its text centred below it; an end in an
    outer third has its text run toward the middle, so no edge of the figure cuts it.
    """
    name = "<br>".join(textwrap.wrap(nerve.split(" (")[0], 16))
    third = (x_range[1] - x_range[0]) / 3
    if end[0] > x_range[1] - third:
        inward = "left"
    elif end[0] < x_range[0] + third:
        inward = "right"
    else:
        inward = "center"
    return {
        "type": "scatter",
        "x": [float(end[0])],
        "y": [float(end[1])],
        "mode": "text",
        "text": [name],
        "textposition": f"bottom {inward}",
        "textfont": {"size": size, "color": INK, "shadow": "1px 1px 2px white"},
        "cliponaxis": False,
        "hoverinfo": "skip",
        "showlegend": False,
        "meta": {"role": "course-label", "colour": colour, **meta},
    }


def _sources(atlas: Atlas, ids: Sequence[str]) -> str:
    """Readable source names, e.g. ``Konno et al. 2017; Aota 2016``."""
    return "; ".join(atlas.source_label(sid) for sid in ids)


def _joint_traces(
    atlas: Atlas,
    joints: Sequence[Row],
    level: str,
    colours: Mapping[str, str],
    width: Lines,
) -> list[Trace]:
    """One diamond marker per joint whose stimulation maps the level's referral zones."""
    traces = []
    for row in joints:
        point = shapely.get_coordinates(row["geometry"]).mean(axis=0).round(DECIMALS)
        name = f"{row['joint']} ({row['weight']}) · {_sources(atlas, row['source_ids'])}"
        traces.append(
            {
                "type": "scatter",
                "x": [float(point[0])],
                "y": [float(point[1])],
                "mode": "markers",
                "marker": {
                    "symbol": "diamond",
                    "size": width.exit + 4,
                    "color": colours.get(row["pathway"], INK),
                    "line": {"color": INK, "width": 1.5},
                },
                "hovertemplate": f"<b>{level}</b> {name}<extra></extra>",
                "showlegend": False,
                "meta": {"role": "joint", "level": level, "pathway": row["pathway"]},
            }
        )
    return traces


def _zone_notes(
    atlas: Atlas, base: ViewBase, zones: Sequence[Row], compare: bool, detail: bool
) -> dict[int, tuple[str, ...]]:
    """For every tap point inside a zone, the hover lines naming those zones (and sources)."""
    notes: dict[int, list[str]] = {}
    x, y = base.points[:, 0], base.points[:, 1]
    for row in zones:
        if detail:
            text = f"{zone_description(row)} · {_sources(atlas, row['source_ids'])}"
        else:
            pathway: str = row["pathway"]
            text = f"<b>{row['level']}</b> {schema.PATHWAYS.get(pathway, pathway).split(' (')[0]}"
        text += " (compared)" if compare else ""
        for i in np.flatnonzero(shapely.contains_xy(row["geometry"], x, y)).tolist():
            lines_here = notes.setdefault(i, [])
            if text not in lines_here:
                lines_here.append(text)
    return {i: tuple(v) for i, v in notes.items()}


def compose(
    base: ViewBase,
    layers: Sequence[Layer] = (),
    *,
    tool: Literal["tap", "lasso", "none"] = "none",
    height: int = 640,
    legend: bool = False,
    legend_height: int = 0,
    width: float | None = None,
) -> dict[str, Any]:
    """Stack ``layers`` on ``base`` and return a plain plotly figure dict.

    Order, bottom to top: skin and region borders (layout shapes), layer fills (zones),
    layer lines (drawing, courses, joints), silhouette edge, course labels, tap trace. The
    tap trace is one ``scatter`` trace with ``meta.role == "tap"``: an invisible line through
    the lattice,
    ``customdata`` = region id per point, hover =
    region label plus every layer's notes for that point. ``tool`` sets the interaction:
    ``"tap"`` (a click reports its point), ``"lasso"`` (drag draws a lasso), ``"none"`` (hover
    only). Legend entries repeated across layers (same ``legendgroup``) are shown once;
    ``legend_height`` px are reserved below the body for the legend when ``legend``.
    Course labels are moved apart from each other and from every marker
    (:func:`referral.labels.place`) for a view ``height`` px tall and at most ``width`` px
    wide (the narrowest it is shown at; ``None``: as wide as it needs).
    """
    fills = [t for layer in layers for t in layer.fills]
    overlay = [t for layer in layers for t in layer.lines]
    data = [*fills, *overlay, *base.over, _tap_trace(base, layers)]
    seen: set[str] = set()
    for i, trace in enumerate(data):
        group = trace.get("legendgroup")
        if trace.get("showlegend") and group is not None:
            if group in seen:
                data[i] = {**trace, "showlegend": False}
            seen.add(group)
    margin = {**base.layout["margin"], "b": legend_height if legend else 2}
    layout = {
        **base.layout,
        "height": height,
        "margin": margin,
        "showlegend": legend,
        "dragmode": "lasso" if tool == "lasso" else False,
        "clickmode": "none" if tool == "none" else "event",
    }
    return {"data": labels.place(data, layout, width), "layout": layout}


def patch(figure: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """``figure`` as changes to ``base``, another figure of the same view (e.g. the view's
    :func:`compose` without layers), so only the changes need to travel.

    A trace whose role (``meta.role``) has a trace in ``base`` becomes ``{"$base": j}`` plus
    the keys whose values differ from base trace ``j`` (``None`` for a key it lacks); a list
    of the same length with under half its items changed becomes ``{"$changes": [[i, v],
    ...]}``, or ``{"$sets": [[v, [i, ...]], ...]}`` (each new item once, with the indices
    it goes to) when that is shorter: a zone's hover note repeats over every tap point it
    covers. Other traces are kept whole. The layout keeps only the keys that differ.

    >>> base = {"data": [{"meta": {"role": "tap"}, "x": [1, 2], "hovertext": ["a", "b", "c"]}],
    ...         "layout": {"height": 400, "title": "t"}}
    >>> fig = {"data": [{"meta": {"role": "zone"}, "x": [0]},
    ...                 {"meta": {"role": "tap"}, "x": [1, 2], "hovertext": ["a", "b", "C"]}],
    ...        "layout": {"height": 520, "title": "t"}}
    >>> patch(fig, base)["data"][1]
    {'$base': 0, 'hovertext': {'$changes': [[2, 'C']]}}
    >>> patch(fig, base)["layout"]
    {'height': 520}
    >>> many = {"data": [{"meta": {"role": "tap"}, "hovertext": ["a"] * 9}], "layout": {}}
    >>> notes = {"data": [{"meta": {"role": "tap"}, "hovertext": ["a"] * 5 + ["note"] * 4}],
    ...          "layout": {}}
    >>> patch(notes, many)["data"][0]["hovertext"]
    {'$sets': [['note', [5, 6, 7, 8]]]}
    """
    roles = {(t.get("meta") or {}).get("role"): j for j, t in enumerate(base["data"])}
    data: list[dict[str, Any]] = []
    for trace in figure["data"]:
        j = roles.get((trace.get("meta") or {}).get("role"))
        if j is None:
            data.append(trace)
            continue
        old = base["data"][j]
        changed: dict[str, Any] = {"$base": j}
        for key in old.keys() - trace.keys():
            changed[key] = None
        for key, value in trace.items():
            if old.get(key) != value:
                changed[key] = _changes(old.get(key), value)
        data.append(changed)
    layout = {k: v for k, v in figure["layout"].items() if base["layout"].get(k) != v}
    layout |= {k: None for k in base["layout"].keys() - figure["layout"].keys()}
    return {"data": data, "layout": layout}


def _changes(old: Any, new: Any) -> Any:
    """``new`` against the list ``old`` (same length, under half the items changed) as
    ``{"$changes": [[i, item], ...]}`` or, when fewer distinct items than changes, as
    ``{"$sets": [[item, [i, ...]], ...]}``; else ``new`` itself."""
    if not (isinstance(old, list) and isinstance(new, list) and len(old) == len(new)):
        return new
    changes = [[i, b] for i, (a, b) in enumerate(zip(old, new, strict=True)) if a != b]
    if len(changes) >= len(new) / 2:
        return new
    if all(isinstance(item, str) for _, item in changes):
        sets: dict[str, list[int]] = {}
        for i, item in changes:
            sets.setdefault(item, []).append(i)
        if len(sets) < len(changes):
            return {"$sets": [[item, indices] for item, indices in sets.items()]}
    return {"$changes": changes}


def unpatch(patch: dict[str, Any], base: dict[str, Any]) -> dict[str, Any]:
    """The figure a :func:`patch` on ``base`` describes, its inverse: what ``plot.js`` rebuilds
    in the browser (``unpatch(patch(figure, base), base) == figure``; keys set to ``None``
    are dropped).

    >>> base = {"data": [{"meta": {"role": "tap"}, "x": [1, 2]}], "layout": {"height": 400}}
    >>> fig = {"data": [{"meta": {"role": "tap"}, "x": [1, 3]}], "layout": {"height": 520}}
    >>> unpatch(patch(fig, base), base) == fig
    True
    """

    def item(value: Any, old: Any) -> Any:
        if isinstance(value, dict) and "$changes" in value:
            out = list(old)
            for i, new in value["$changes"]:
                out[i] = new
            return out
        if isinstance(value, dict) and "$sets" in value:
            out = list(old)
            for new, indices in value["$sets"]:
                for i in indices:
                    out[i] = new
            return out
        return value

    data = []
    for trace in patch["data"]:
        if "$base" not in trace:
            data.append(trace)
            continue
        old = base["data"][trace["$base"]]
        merged = {**old, **{k: item(v, old.get(k)) for k, v in trace.items() if k != "$base"}}
        data.append({k: v for k, v in merged.items() if v is not None})
    layout = {k: v for k, v in {**base["layout"], **patch["layout"]}.items() if v is not None}
    return {"data": data, "layout": layout}


def _tap_trace(base: ViewBase, layers: Sequence[Layer]) -> Trace:
    """The invisible lattice: one marker per point, region id in ``customdata``.

    A point's hover is its region's name (``text``, the same in every figure of the view)
    followed by the layers' notes there (``hovertext``): a changed figure re-sends only the
    notes, each distinct one once (:func:`patch`), not the names with them.
    """
    notes: dict[int, list[str]] = {}
    for layer in layers:
        for i, more in (layer.notes or {}).items():
            notes.setdefault(i, []).extend(more)
    return {
        "type": TAP_TRACE_TYPE,
        "x": _compact(base.points[:, 0]),
        "y": _compact(base.points[:, 1]),
        "mode": "lines",
        "line": {"width": 0, "color": INK},
        "customdata": list(base.point_region),
        "text": [f"<b>{label}</b>" for label in base.point_label],
        "hovertext": [
            "".join(f"<br>{n}" for n in notes.get(i, ())) for i in range(len(base.points))
        ],
        "hovertemplate": "%{text}%{hovertext}<extra></extra>",
        "showlegend": False,
        "name": "regions",
        "meta": {"role": "tap"},
    }


# -- quiz figures -------------------------------------------------------------------------

#: Distance of a quiz shape's letter from the shape's outer edge (units).
LABEL_GAP = 8.0


def blind(layer: Layer, pathway: str | None = None) -> Layer:
    """``layer`` with nothing that gives the answer away: zone fills only (one pathway when
    given), no hover text, no notes, no legend."""
    fills = tuple(
        {**t, "hoverinfo": "skip", "showlegend": False}
        for t in layer.fills
        if pathway is None or (t.get("meta") or {}).get("pathway") == pathway
    )
    return Layer(fills=fills)


def zoom(figure: dict, traces: Sequence[dict], margin: float = 90.0) -> dict:
    """``figure`` with its y range narrowed to ``traces`` (± ``margin`` units; x follows
    the equal aspect). The corner labels (the patient's R and L, or front and back) move to
    the top of the new range, so the zoomed view still says which side is which. A new
    dict: ``figure``'s own parts, shared with a cached base, are not changed.
    """
    ys = [y for t in traces for y in t["y"] if y is not None]
    if not ys:
        return figure
    low = max(min(ys) - margin, Y_RANGE[0])
    high = min(max(ys) + margin, Y_RANGE[1])
    layout = figure["layout"]
    corners = [
        {**a, "y": high} if a.get("name") == "side" else a for a in layout.get("annotations", ())
    ]
    yaxis = {**layout["yaxis"], "range": [low, high]}
    return {**figure, "layout": {**layout, "yaxis": yaxis, "annotations": corners}}


def shapes_layer(
    shapes: Mapping[str, BaseGeometry], colours: Mapping[str, str], *, lecture: bool = False
) -> Layer:
    """Neutral labelled shapes (``"A"``, ``"B"``): fill, solid edge, and the letter beside the
    shape on the side away from the midline (``LABEL_GAP`` units out), level with its
    centroid, so the two letters never cover the shapes or each other."""
    width = lines(lecture)
    size = fonts(lecture)
    fills, labels = [], []
    for name, geom in shapes.items():
        colour = colours[name]
        shape = lines_trace(geom, "quiz-shape", colour, width.zone + 1, shape=name)
        shape.update(fill="toself", fillcolor=rgba(colour, 0.45))
        fills.append(shape)
        minx, _, maxx, _ = geom.bounds
        outer = minx if abs(minx) > abs(maxx) else maxx  # the side away from the midline
        side = -1.0 if outer < 0 else 1.0
        labels.append(
            {
                "type": "scatter",
                "x": [round(outer + side * LABEL_GAP, 1)],
                "y": [round(geom.centroid.y, 1)],
                "mode": "text",
                "textposition": "middle left" if side < 0 else "middle right",
                "text": [f"<b>{name}</b>"],
                "textfont": {"size": size.title + 6, "color": INK},
                "hoverinfo": "skip",
                "showlegend": False,
                "meta": {"role": "quiz-label", "shape": name},
            }
        )
    return Layer(fills=tuple(fills), lines=tuple(labels))


__all__ = [
    "LABEL_GAP",
    "PAIN_COLOUR",
    "PALETTE",
    "PATHWAY_COLOUR_NAMES",
    "Layer",
    "ViewBase",
    "blend",
    "blind",
    "colour_name",
    "compose",
    "contrast_ratio",
    "drawing_layer",
    "fonts",
    "lattice",
    "legend_name",
    "level_layer",
    "lines",
    "lines_trace",
    "patch",
    "path_shape",
    "pathway_colours",
    "rgba",
    "shapes_layer",
    "svg_path",
    "unpatch",
    "view_base",
    "x_range",
    "zone_description",
    "zoom",
]
