"""Plotly figures of the body, its regions, a level's zones and courses, and a pain drawing.

Pure: builds ``plotly.graph_objects.Figure`` objects from the core data (no Streamlit).
Coordinates are in the frame of :mod:`referral.schema` (1000 units = 170 cm, y up) and are
rounded to ``DECIMALS`` places (0.1 unit ≈ 0.2 mm) to keep the figure JSON small.

Every trace carries ``meta={"role": ...}`` so callers and tests can find it:
``skin``, ``border`` (one per region), ``selected``, ``grid`` (invisible hover/tap markers,
``customdata`` = region id), ``labels``, ``zone``, ``course``, ``exit``, ``drawing``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import plotly.graph_objects as go
import shapely
from shapely.geometry.base import BaseGeometry

from referral import schema

if TYPE_CHECKING:
    from referral.atlas import Atlas
    from referral.body import Body
    from referral.regions import Regions

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
#: near it), reddish purple = deep joint referral, orange = the ventral anterior pathway,
#: bluish green = the ventral lateral cutaneous pathway. No level holds two pathways of one
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
    "sacroiliac-referral": "reddish purple",
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

SKIN = "#F6E3D3"
OUTLINE = "#2B2B2B"
BORDER = "#A8968A"
INK = "#1A1A1A"

DECIMALS = 1
GRID_SPACING = 8  # units between hover/tap grid points (≈ 1.4 cm; integers keep JSON short)
Y_RANGE = (-10.0, 1010.0)  # feet at 0, vertex at 1000
X_PAD = 60.0  # room beside the outline for the header row's side labels

#: Zone fill opacity by weight: the core of a pattern is drawn stronger than its fringe.
ZONE_OPACITY: dict[str, float] = {"core": 0.55, "fringe": 0.22}


def _rgba(hex_colour: str, alpha: float) -> str:
    """Return ``rgba(r,g,b,alpha)`` for ``#RRGGBB``."""
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha:g})"


def colour_name(hex_colour: str) -> str:
    """Return the Okabe-Ito name of a palette colour (``KeyError`` if not in the palette)."""
    return {v: k for k, v in PALETTE.items()}[hex_colour]


def pathway_colours(pathways: Iterable[str]) -> dict[str, str]:
    """Map the pathways shown together (one level) to distinct palette colours.

    A pathway in ``PATHWAY_COLOUR_NAMES`` keeps its colour at every level. Any other pathway,
    or one whose colour is already taken in this set, gets the first ``SPARE_COLOURS``
    colour not yet used (colours repeat only beyond six pathways).
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


def _fonts(lecture: bool) -> dict[str, int]:
    """Font sizes in px for normal and lecture mode."""
    if lecture:
        return {"base": 20, "side": 30, "hint": 20, "title": 26, "hover": 20, "label": 16}
    return {"base": 13, "side": 20, "hint": 13, "title": 17, "hover": 14, "label": 10}


def _lines(lecture: bool) -> dict[str, float]:
    """Line widths in px for normal and lecture mode."""
    if lecture:
        return {"outline": 3.5, "border": 1.4, "course": 4.5, "zone": 2.0, "exit": 14}
    return {"outline": 2.0, "border": 0.8, "course": 2.8, "zone": 1.2, "exit": 10}


def _rings(geom: BaseGeometry) -> tuple[list[float | None], list[float | None]]:
    """Return x, y lists of every ring/line of ``geom`` separated by ``None`` (plotly gaps).

    Polygons are oriented (exterior counter-clockwise, holes clockwise) so plotly's
    non-zero fill leaves the holes empty.
    """
    xs: list[float | None] = []
    ys: list[float | None] = []
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        geom = shapely.orient_polygons(geom)
    parts = getattr(geom, "geoms", [geom])
    for part in parts:
        if part.geom_type == "Polygon":
            seqs = [part.exterior.coords, *(r.coords for r in part.interiors)]
        else:
            seqs = [part.coords]
        for seq in seqs:
            arr = np.round(np.asarray(seq)[:, :2], DECIMALS)
            if xs:
                xs.append(None)
                ys.append(None)
            xs.extend(arr[:, 0].tolist())
            ys.extend(arr[:, 1].tolist())
    return xs, ys


def _grid(geom: BaseGeometry, spacing: float = GRID_SPACING) -> np.ndarray:
    """Return the ``(n, 2)`` points of the global ``spacing`` lattice strictly inside ``geom``.

    The lattice is anchored at the origin, so neighbouring regions share one lattice and no
    point belongs to two regions. A region too small to hold a lattice point gets one point
    inside it (``point_on_surface``).
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


def x_range(body: Body, view: str) -> tuple[float, float]:
    """The x range of ``view``: the outline's extent plus ``X_PAD`` units on each side.

    Every view shares ``Y_RANGE`` and the figure height, so all views are drawn at one scale
    whenever their columns are wide enough (the height then sets the scale).
    """
    minx, _, maxx, _ = body.outline(view).bounds
    return float(np.floor(minx - X_PAD)), float(np.ceil(maxx + X_PAD))


def _side_annotations(
    view: str, xs: tuple[float, float], fonts: Mapping[str, int]
) -> list[dict[str, Any]]:
    """The header row above the body: view name in the middle, the patient's sides at the ends.

    Anterior shows the patient's right at x < 0 and posterior at x > 0 (``schema.LEFT_SIGN``):
    bold "R" and "L" sit at those ends. A lateral view is headed by its side ("Left side")
    with "anterior"/"posterior" at the ends: left-lateral faces x < 0, right-lateral x > 0.
    """
    if view in schema.LEFT_SIGN:
        title = schema.VIEW_LABELS[view]
        right_end = -schema.LEFT_SIGN[view]
        ends = {right_end: "<b>R</b>", -right_end: "<b>L</b>"}
        size = fonts["side"]
    else:
        title = f"{schema.LATERAL_VIEW_SIDE[view].capitalize()} side"
        front = -1 if view == "left-lateral" else 1
        ends = {front: "anterior", -front: "posterior"}
        ends = {k: f"◀ {t}" if k < 0 else f"{t} ▶" for k, t in ends.items()}
        size = fonts["hint"]
    row = {"xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False}
    middle = {"x": (xs[0] + xs[1]) / 2, "font": {"size": fonts["title"], "color": INK}}
    notes = [{**row, **middle, "text": f"<b>{title}</b>"}]
    for sign, text in ends.items():
        end = {"x": xs[0], "xanchor": "left"} if sign < 0 else {"x": xs[1], "xanchor": "right"}
        notes.append({**row, **end, "text": text, "font": {"size": size, "color": INK}})
    return notes


def body_figure(
    body: Body,
    regions: Regions,
    view: str,
    *,
    selected: Iterable[str] = (),
    lecture: bool = False,
    tap_grid: bool = False,
    show_labels: bool = False,
) -> go.Figure:
    """Draw one view of the body: skin, region borders, hover grid and patient-side labels.

    Hovering anywhere on a region shows its label through an invisible lattice of markers
    (``GRID_SPACING`` units apart, ``customdata`` = region id), because plotly reports no
    point for a click or hover inside a filled polygon. ``tap_grid=True`` sizes the markers
    for fingers and keeps selected points invisible, for pages that read clicks.
    ``selected`` region ids are filled in ``PAIN_COLOUR``. Ranges are fixed around the body
    (:func:`x_range`, ``Y_RANGE``) with equal aspect, so all views share one scale.
    """
    if view not in schema.VIEWS:
        raise ValueError(f"unknown view {view!r}; expected one of {schema.VIEWS}")
    fonts, lines = _fonts(lecture), _lines(lecture)
    shapes = regions.in_view(view)
    outline = body.outline(view)
    skin = _lines_trace(outline, "skin", OUTLINE, lines["outline"])
    traces = [{**skin, "fill": "toself", "fillcolor": SKIN}]
    traces += [
        {
            **_lines_trace(shapes[rid], "selected", PAIN_COLOUR, 0, region=rid),
            "fill": "toself",
            "fillcolor": _rgba(PAIN_COLOUR, 0.45),
        }
        for rid in shapes
        if rid in set(selected)
    ]
    traces += [
        _lines_trace(geom.boundary, "border", BORDER, lines["border"], region=rid)
        for rid, geom in shapes.items()
    ]
    traces += [
        _grid_trace(rid, regions.region(rid).label, _grid(geom), tap_grid)
        for rid, geom in shapes.items()
    ]
    if show_labels:
        points = np.round([regions.label_point(view, rid) for rid in shapes], DECIMALS)
        traces.append(
            {
                "type": "scatter",
                "x": points[:, 0].tolist(),
                "y": points[:, 1].tolist(),
                "mode": "text",
                "text": [regions.region(rid).label for rid in shapes],
                "textfont": {"size": fonts["label"], "color": INK},
                "hoverinfo": "skip",
                "showlegend": False,
                "meta": {"role": "labels"},
            }
        )
    # The silhouette's edge again, last, so that no fill ever softens it.
    traces.append(_lines_trace(outline, "outline", OUTLINE, lines["outline"]))
    xs = x_range(body, view)
    layout = {
        "template": "none",
        "meta": {"view": view},
        "font": {"size": fonts["base"], "color": INK, "family": "Arial, Helvetica, sans-serif"},
        "height": 820 if lecture else 660,
        # Fixed margins (no auto-expansion) so every view is drawn at the same scale; the
        # bottom margin holds the legend added by add_level/add_drawing.
        "margin": {
            "l": 4,
            "r": 4,
            "t": fonts["side"] + 18,
            "b": 210 if lecture else 120,
            "autoexpand": False,
        },
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "showlegend": True,
        "legend": {
            "orientation": "v",
            "x": 0.5,
            "xanchor": "center",
            "y": -0.01,
            "yanchor": "top",
            "font": {"size": fonts["base"]},
            "itemclick": False,
            "itemdoubleclick": False,
            "tracegroupgap": 4,
        },
        "hoverlabel": {"font": {"size": fonts["hover"]}, "bgcolor": "white", "bordercolor": INK},
        "hovermode": "closest",
        "hoverdistance": 12,
        "dragmode": False,
        "clickmode": "event" if tap_grid else "none",
        "annotations": _side_annotations(view, xs, fonts),
        "xaxis": {"range": list(xs), "visible": False, "fixedrange": True},
        "yaxis": {
            "range": list(Y_RANGE),
            "visible": False,
            "fixedrange": True,
            "scaleanchor": "x",
            "scaleratio": 1,
        },
    }
    return go.Figure(data=traces, layout=layout)


def _lines_trace(
    geom: BaseGeometry, role: str, colour: str, width: float, **meta: str
) -> dict[str, Any]:
    """A scatter trace (dict) drawing every ring or line of ``geom``, without hover."""
    x, y = _rings(geom)
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


def _compact(values: np.ndarray) -> list[float | int]:
    """Values rounded to ``DECIMALS``, whole numbers as ``int`` (``16`` not ``16.0`` in JSON)."""
    rounded = np.round(np.asarray(values, dtype=float), DECIMALS).tolist()
    return [int(v) if v.is_integer() else v for v in rounded]


def _grid_trace(
    rid: str, label: str, points: np.ndarray, tap: bool, details: Sequence[str] = ()
) -> dict[str, Any]:
    """Invisible markers over one region; hover shows the label and any zone ``details``."""
    text = "<br>".join([f"<b>{label}</b>", *details])
    return {
        "type": "scatter",
        "x": _compact(points[:, 0]),
        "y": _compact(points[:, 1]),
        "mode": "markers",
        "marker": {"size": 14 if tap else 9, "opacity": 0, "color": INK},
        "selected": {"marker": {"opacity": 0}},
        "unselected": {"marker": {"opacity": 0}},
        "customdata": [rid] * len(points),
        "hovertemplate": f"{text}<extra></extra>",
        "name": label,
        "showlegend": False,
        "meta": {"role": "grid", "region": rid, "tap": tap},
    }


def _legend_name(pathway: str, ramus: str, nerve: str, lecture: bool) -> str:
    """Short legend text naming the ramus, e.g. ``Superior cluneal nerves — dorsal ramus``.

    The ``schema.PATHWAYS`` label up to its first parenthesis (the hover and the page's
    table give the full name); a pathway missing there is named by its slug and nerve.
    Wrapped with ``<br>`` for narrow columns.
    """
    title = pathway.replace("-", " ").capitalize()
    label = schema.PATHWAYS.get(pathway, f"{title} ({nerve})" if nerve else title)
    if pathway in schema.PATHWAYS:
        label = label.split(" (")[0]
    width = 34 if lecture else 48
    return "<br>".join(textwrap.wrap(f"{label} — {ramus} ramus", width))


def zone_description(row: Mapping[str, Any]) -> str:
    """Two-line hover text for a zone row: level, pathway, ramus, nerve, kind, weight, evidence."""
    kind = "cutaneous territory" if row["kind"] == "cutaneous" else "referral zone"
    pathway = schema.PATHWAYS.get(row["pathway"], row["pathway"])
    return (
        f"{row['level']} · {pathway} · {row['ramus']} ramus"
        f"<br>{row['nerve']} · {kind} · {row['weight']} · evidence: {row['evidence']}"
    )


def add_level(
    fig: go.Figure,
    atlas: Atlas,
    level: str,
    view: str,
    *,
    sides: Sequence[str] = schema.SIDES,
    lecture: bool = False,
) -> go.Figure:
    """Draw ``level``'s zones and branch courses in ``view`` for ``sides``; return ``fig``.

    Zones are filled in their pathway's colour (:func:`pathway_colours`), core at
    ``ZONE_OPACITY["core"]``, fringe fainter with a dotted edge. Courses are lines in the same
    colour, solid for a dorsal ramus and dashed for a ventral one, with a marker at their
    first point (where the branch leaves the spine). One legend entry per pathway names its
    ramus. The hover grid is split so hovering a zone also lists the zone's details.
    """
    if level not in schema.LEVELS:
        raise ValueError(f"unknown level {level!r}; expected one of {schema.LEVELS}")
    lines = _lines(lecture)
    zones = atlas.level_zones(level, view=view)
    zones = zones[zones["side"].isin(sides)]
    courses = atlas.level_courses(level, view=view)
    courses = courses[courses["side"].isin(sides)]
    table = atlas.pathways[atlas.pathways["level"] == level].set_index("pathway")
    colours = pathway_colours(table.index)
    shown: set[str] = set()

    def legend(pathway: str, ramus: str) -> dict[str, Any]:
        """Legend fields; only the first trace of a pathway shows an entry."""
        nerve = str(table.at[pathway, "nerve"]) if pathway in table.index else ""
        first = pathway not in shown
        shown.add(pathway)
        name = _legend_name(pathway, ramus, nerve, lecture)
        return {"name": name, "legendgroup": pathway, "showlegend": first}

    traces: list[dict[str, Any]] = []
    order = zones.assign(_core=zones["weight"].eq("core")).sort_values(["_core", "pathway"])
    for row in order.to_dict("records"):
        colour = colours[row["pathway"]]
        zone = _lines_trace(row["geometry"], "zone", colour, lines["zone"], pathway=row["pathway"])
        zone["line"]["dash"] = "solid" if row["weight"] == "core" else "dot"
        traces.append(
            {
                **zone,
                "fill": "toself",
                "fillcolor": _rgba(colour, ZONE_OPACITY[row["weight"]]),
                "hoveron": "fills",
                "hoverinfo": "text",
                "text": zone_description(row),
                **legend(row["pathway"], row["ramus"]),
            }
        )
    for row in courses.to_dict("records"):
        colour, pathway, geom = colours[row["pathway"]], row["pathway"], row["geometry"]
        halo = _lines_trace(geom, "course-halo", "white", lines["course"] + 2.5, pathway=pathway)
        course = _lines_trace(geom, "course", colour, lines["course"], pathway=pathway)
        course["meta"]["ramus"] = row["ramus"]
        course["line"]["dash"] = "solid" if row["ramus"] == "dorsal" else "dash"
        start = shapely.get_coordinates(geom)[0].round(DECIMALS)
        exit_marker = {
            "type": "scatter",
            "x": [start[0]],
            "y": [start[1]],
            "mode": "markers",
            "marker": {
                "color": colour,
                "size": lines["exit"],
                "line": {"color": "white", "width": 2},
            },
            "hovertemplate": (
                f"<b>{level} {row['ramus']} ramus</b><br>{row['nerve']}: leaves here<extra></extra>"
            ),
            "showlegend": False,
            "meta": {"role": "exit", "pathway": pathway},
        }
        traces += [halo, {**course, **legend(pathway, row["ramus"])}, exit_marker]
    _add_traces(fig, traces)
    _split_grid(fig, zones)
    return fig


def _add_traces(fig: go.Figure, traces: Sequence[dict[str, Any]]) -> None:
    """Append ``traces`` to ``fig``, keeping the silhouette's edge (role ``outline``) last."""
    fig.add_traces(list(traces))
    outline = [t for t in fig.data if (t.meta or {}).get("role") == "outline"]
    fig.data = [t for t in fig.data if t not in outline] + outline


def _split_grid(fig: go.Figure, zones: Any) -> None:
    """Split each region's grid trace by which zones cover its points.

    Each piece keeps the region id in ``customdata`` and gets a fixed hover text listing the
    covering zones, so the JSON holds no per-point text.
    """
    if zones.empty:
        return
    geoms = list(zones["geometry"])
    texts = [zone_description(r) for r in zones.to_dict("records")]
    pieces: list[dict[str, Any]] = []
    for trace in fig.data:
        meta = trace.meta or {}
        if meta.get("role") != "grid":
            continue
        points = np.column_stack([trace.x, trace.y])
        cover = np.column_stack([shapely.contains_xy(g, points[:, 0], points[:, 1]) for g in geoms])
        keys, groups = np.unique(cover, axis=0, return_inverse=True)
        for k, key in enumerate(keys):
            details = [texts[i] for i in np.flatnonzero(key)]
            members = points[groups.ravel() == k]
            pieces.append(_grid_trace(meta["region"], trace.name, members, meta["tap"], details))
    fig.data = [t for t in fig.data if (t.meta or {}).get("role") != "grid"]
    _add_traces(fig, pieces)


def add_drawing(
    fig: go.Figure, shapes_by_view: Mapping[str, BaseGeometry | None], view: str
) -> go.Figure:
    """Draw a patient's pain drawing for ``view`` (vermillion hatching, dark edge); return ``fig``.

    ``shapes_by_view`` maps a view to a Polygon/MultiPolygon in that view's coordinates; a
    missing or empty shape draws nothing.
    """
    geom = shapes_by_view.get(view)
    if geom is None or geom.is_empty:
        return fig
    drawing = _lines_trace(geom, "drawing", "#8A3C00", 2)
    drawing.update(
        fill="toself",
        fillcolor=_rgba(PAIN_COLOUR, 0.25),
        fillpattern={"shape": "/", "fgcolor": PAIN_COLOUR, "size": 8, "solidity": 0.35},
        name="Pain drawing",
        showlegend=True,
    )
    _add_traces(fig, [drawing])
    return fig
