"""A drawing's formats: the compact text kept in the page's link, the GeoJSON export, and
pasted CHOIR Body Map codes or REDCap Image Map values.

The readers here turn text or JSON into a drawing's parts (region ids, ratings, outlines
per view) and refuse, with a :class:`~referral.outline.DrawingError` naming the part at
fault, anything they cannot read; :class:`referral.drawing.Drawing` builds and checks the
drawing from those parts.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from referral import schema
from referral.outline import MAX_PARTS, MAX_VERTICES, Budget, DrawingError, check_in_frame, shorten
from referral.regions import Regions, redcap_codes
from referral.schema import View

#: Longest text form: the whole page URL must stay under the smallest common request-line
#: limit, 8 KB (nginx ``large_client_header_buffers 4 8k``, Apache ``LimitRequestLine
#: 8190``); 6,000 characters leave room for the address and the other query parameters.
MAX_TEXT_CHARS = 6_000
#: Most features in a file: the app writes one per rated or tapped region (86 regions) and
#: one per view.
MAX_FEATURES = 250
#: Largest drawing file: 10,000 vertices of GeoJSON are about 250 KB.
MAX_FILE_BYTES = 2_000_000
#: Longest pasted code text (every CHOIR code, comma-separated, is under 400 characters).
MAX_CODES_CHARS = 1_000
#: Version of the compact text form written by :meth:`Drawing.to_text`: "2" ends with a
#: check part, so a link cut short anywhere (even between parts) or edited is noticed.
#: Version "1" texts (no check part) are still read.
TEXT_VERSION = "2"
#: The first version, without a check part.
UNCHECKED_TEXT_VERSION = "1"
TEXT_VERSIONS = (UNCHECKED_TEXT_VERSION, TEXT_VERSION)
VIEW_CODES: dict[View, str] = {
    "anterior": "a",
    "posterior": "p",
    "left-lateral": "ll",
    "right-lateral": "rl",
}
CODE_VIEWS: dict[str, View] = {code: view for view, code in VIEW_CODES.items()}
GEOJSON_FORMAT = {"format": "referral-map pain drawing", "version": 1}
#: The kinds of part of the text form: tapped regions, ratings, one outline polygon.
PartKind = Literal["r", "i", "o"]
_INT = re.compile(r"-?[0-9]{1,5}")
_RATING = re.compile(r"([a-z0-9-]{1,40})\.([0-9]|10)")
_CODE_SPLIT = re.compile(r"[\s,;]+")
_CHOIR_CODE = re.compile(r"[0-9]{1,4}")
_REDCAP_KEY = re.compile(r"[bf][0-9]{2}")


class UnknownRegionError(DrawingError):
    """A region id that does not exist; carries the closest valid ids."""

    def __init__(self, rid: str, suggestions: Sequence[str]):
        self.region = rid
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"unknown region {shorten(rid)!r}{hint}")


class CodeError(DrawingError):
    """Pasted codes that cannot be read; ``kind`` says why and ``token`` is the code at fault
    (as pasted): ``"too-long"`` (the whole text; ``token`` empty), ``"not-a-code"``,
    ``"unknown-choir"`` or ``"unknown-redcap"``."""

    def __init__(self, message: str, kind: str, token: str = ""):
        self.kind = kind
        self.token = token
        super().__init__(message)


@dataclass(frozen=True)
class Content:
    """What a text or a file holds, before it is checked as a drawing: tapped region ids,
    ratings (region id → 0-10), polygons per view, and (text form only) its parts."""

    regions: list[str]
    ratings: dict[str, int]
    areas: dict[View, list[BaseGeometry]]
    parts: list[str]


def choir_regions(codes: Iterable[int | str], regions: Regions) -> set[str]:
    """Our regions that carry one of the CHOIR Body Map ``codes`` (e.g. ``218, 122``);
    codes are ASCII digits only, unknown ones raise :class:`CodeError`."""
    ids: set[str] = set()
    for raw in codes:
        text = str(raw).strip()
        if not text:
            continue
        if not _CHOIR_CODE.fullmatch(text):
            raise CodeError(f"CHOIR code {shorten(text)!r} is not a number", "not-a-code", text)
        try:
            ids.update(regions.from_choir(int(text)))
        except KeyError:
            raise CodeError(
                f"unknown CHOIR code {text} (codes are 101-136 front, 201-238 back)",
                "unknown-choir",
                text,
            ) from None
    return ids


def parse_codes(text: str) -> list[int]:
    """Read pasted CHOIR Body Map codes or REDCap Image Map values as CHOIR codes.

    Codes are separated by commas, semicolons or white space; each is a CHOIR code
    (ASCII digits, e.g. ``218``) or a REDCap key (``b18`` back, ``f01`` front; the mapping is
    ``data/choir-body-map-codes.csv``). Unknown codes are reported by the caller.

    >>> parse_codes("218, 223 b18;F01")
    [218, 223, 218, 101]
    """
    if not isinstance(text, str):
        raise DrawingError("codes must be text")
    if len(text) > MAX_CODES_CHARS:
        raise CodeError(f"the codes are longer than {MAX_CODES_CHARS} characters", "too-long")
    redcap = redcap_codes()
    codes: list[int] = []
    for token in _CODE_SPLIT.split(text.strip()):
        if not token:
            continue
        key = token.lower()
        if _CHOIR_CODE.fullmatch(token):
            codes.append(int(token))
        elif _REDCAP_KEY.fullmatch(key):
            if key not in redcap:
                raise CodeError(
                    f"unknown REDCap body map key {shorten(token)!r}", "unknown-redcap", token
                )
            codes.append(redcap[key])
        else:
            raise CodeError(
                f"{shorten(token)!r} is not a CHOIR code (such as 218) or a REDCap key "
                "(such as b18)",
                "not-a-code",
                token,
            )
    return codes


#: Why a text whose parts all read is not taken as a drawing's own text.
NOT_CANONICAL = "the drawing text is not in canonical form (was it edited?)"
#: What a part of the text form can be (for messages).
EXPECTED_PARTS = "'r_<ids>', 'i_<ratings>' or 'o_<view>_<ring>'"


def read_outline_part(fields: Sequence[str], where: str) -> tuple[View, Polygon]:
    """The view and polygon of one ``o`` part of the text form, as written (``fields``: the
    part's ``_``-separated fields after ``o``); raise :class:`DrawingError` prefixed by
    ``where`` unless it is a valid polygon in the view's frame.

    >>> view, polygon = read_outline_part(["p", "0.500.9.0.0.9"], "part 1")
    >>> view, polygon.area
    ('posterior', 40.5)
    """
    if len(fields) < 2:
        raise DrawingError(f"{where}: expected {EXPECTED_PARTS}")
    view = CODE_VIEWS.get(fields[0])
    if view is None:
        raise DrawingError(f"{where}: unknown view code {shorten(fields[0], 10)!r}")
    rings = [_decode_ring(ring, where) for ring in fields[1:]]
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        raise DrawingError(f"{where}: {shapely.is_valid_reason(polygon)}")
    try:
        check_in_frame(view, polygon)
    except DrawingError as exc:
        raise DrawingError(f"{where}: {exc}") from None
    return view, polygon


def split_text(text: str) -> tuple[str, list[str], str | None]:
    """A drawing text's version, its parts (``~``-separated, without a check part) and, for
    version 2, what is wrong with its check part (``None`` when it matches)."""
    version, *parts = text.split("~")
    if version != TEXT_VERSION:
        return version, parts, None
    body, _, last = text.rpartition("~")
    if not last.startswith("k_"):
        return version, parts, "its check part is missing: it was cut short"
    if last != f"k_{text_check(body)}":
        return version, parts[:-1], "its check does not match: it was cut short or edited"
    return version, parts[:-1], None


def text_check(body: str) -> str:
    """The check part's value for the text ``body`` before it: CRC-32 of its UTF-8 bytes,
    in base 36 (lower case, at most 7 characters)."""
    value = zlib.crc32(body.encode("utf-8"))
    digits = ""
    while True:
        value, digit = divmod(value, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[digit] + digits
        if value == 0:
            return digits


def check_region(rid: str, regions: Regions) -> None:
    if rid not in regions.table.index:
        raise UnknownRegionError(rid, regions.suggest(rid[:60]))


def _plain_json(geo: dict[str, Any]) -> dict[str, Any]:
    """Return a GeoJSON geometry with plain nested lists (tuples → lists) for JSON."""
    result: dict[str, Any] = json.loads(json.dumps(geo))
    return result


def _read_feature(
    feature: Any, where: str, regions: Regions, tapped: list[str], ratings: dict[str, int]
) -> tuple[View, BaseGeometry] | None:
    """Read one feature of :meth:`Drawing.from_geojson`: a region goes into ``tapped`` and
    ``ratings``; an outline is returned as ``(view, geometry)``."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise DrawingError(f"{where} is not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise DrawingError(f"{where}: 'properties' must be an object")
    if "region" in props:
        rid = props["region"]
        if not isinstance(rid, str):
            raise DrawingError(f"{where}: 'region' must be a string")
        try:
            check_region(rid, regions)
        except UnknownRegionError as exc:
            raise DrawingError(f"{where}: {exc}") from exc  # the cause names the region
        if "intensity" in props:
            value = props["intensity"]
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise DrawingError(f"{where}: 'intensity' must be a whole number 0-10")
            ratings[rid] = value
        if props.get("kind") != "intensity":
            tapped.append(rid)
        return None
    view = props.get("view")
    if not schema.is_view(view):
        raise DrawingError(
            f"{where}: needs 'region' or a 'view' ({', '.join(schema.VIEWS)}), "
            f"got {shorten(repr(view))}"
        )
    geometry = feature.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        raise DrawingError(f"{where}: geometry must be a Polygon or MultiPolygon")
    _check_counts(geometry, where)
    try:
        # A NaN or infinite coordinate is refused below (check_in_frame) in one line; numpy
        # would first warn about it on stderr while the rings are built.
        with np.errstate(invalid="ignore", over="ignore"):
            geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        message = shorten(f"{exc.__class__.__name__}: {exc}", 80)
        raise DrawingError(f"{where}: malformed coordinates ({message})") from None
    return view, geom


def _check_counts(geometry: dict[str, Any], where: str) -> None:
    """Refuse a GeoJSON (Multi)Polygon with more than :data:`MAX_PARTS` polygons or
    :data:`MAX_VERTICES` positions before shapely builds it (building 10,000 polygons takes
    longer than reading any accepted drawing)."""
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list):
        return  # shape() says what is wrong
    polygons = coordinates if geometry.get("type") == "MultiPolygon" else [coordinates]
    if len(polygons) > MAX_PARTS:
        raise DrawingError(
            f"{where}: an area has {len(polygons)} polygons; the limit is {MAX_PARTS}"
        )
    positions = 0
    for polygon in polygons:
        if isinstance(polygon, list):
            positions += sum(len(ring) for ring in polygon if isinstance(ring, list))
            if positions > MAX_VERTICES:
                raise DrawingError(
                    f"{where}: an area has more than {MAX_VERTICES} vertices; the limit is "
                    f"{MAX_VERTICES}"
                )


def _encode_ring(ring: shapely.LinearRing) -> str:
    coords = np.asarray(ring.coords, dtype=float)[:-1].round().astype(np.int64)
    deltas = np.vstack([coords[:1], np.diff(coords, axis=0)])
    return ".".join(map(str, deltas.ravel().tolist()))


def _decode_ring(text: str, where: str) -> np.ndarray:
    numbers = text.split(".")
    if len(numbers) < 6 or len(numbers) % 2 or not all(_INT.fullmatch(n) for n in numbers):
        raise DrawingError(f"{where}: a ring must be at least 3 pairs of whole numbers")
    deltas = np.array(numbers, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(deltas, axis=0).astype(float)


# -- the compact text form (the page's link) --------------------------------------------------


def text_parts(
    regions: Iterable[str], intensity: Mapping[str, int], outlines: Mapping[View, MultiPolygon]
) -> list[str]:
    """A drawing's text parts (between the version and the check): ``r`` with the tapped
    ids, ``i`` with the ratings, one ``o`` per polygon of each view (ids sorted)."""
    parts = []
    ids = sorted(regions)
    if ids:
        parts.append("_".join(["r", *ids]))
    if intensity:
        ratings = (f"{rid}.{intensity[rid]}" for rid in sorted(intensity))
        parts.append("_".join(["i", *ratings]))
    for view in schema.VIEWS:
        if view not in outlines:
            continue
        for polygon in outlines[view].geoms:
            rings = [polygon.exterior, *polygon.interiors]
            parts.append("_".join(["o", VIEW_CODES[view], *map(_encode_ring, rings)]))
    return parts


def write_text(parts: Sequence[str]) -> str:
    """The compact, URL-safe text form of a drawing's :func:`text_parts`.

    Grammar (parts joined by ``~``, fields by ``_``, integers by ``.``)::

        2~r_left-groin_left-upper-buttock~i_left-groin.7~o_p_<ring>_<hole>~o_a_<ring>~k_<check>

    ``r`` lists tapped region ids; ``i`` gives intensities as ``<region id>.<0-10>``;
    ``o`` gives one polygon in a view (``a``, ``p``, ``ll``, ``rl``): its exterior ring,
    then holes. A ring is ``x0.y0.dx1.dy1…``: the first vertex, then differences, in
    whole frame units; the closing vertex is implied. ``k`` is the check: the CRC-32 of
    the text before ``~k_``, in base 36 (:func:`text_check`). Version 1 is the same
    without the check part.

    >>> write_text(["r_left-groin", "i_left-groin.7"])
    '2~r_left-groin~i_left-groin.7~k_18qxda8'
    """
    body = "~".join([TEXT_VERSION, *parts])
    return f"{body}~k_{text_check(body)}"


def split_part(part: str, where: str) -> tuple[PartKind, list[str]]:
    """The kind and the ``_``-separated fields of one part of the text form; raise
    :class:`DrawingError` prefixed by ``where`` unless it is an ``r`` or ``i`` part with
    fields or an ``o`` part with a view and a ring."""
    kind, *fields = part.split("_")
    if (kind in ("r", "i") and fields) or (kind == "o" and len(fields) >= 2):
        return cast(PartKind, kind), fields
    raise DrawingError(f"{where}: expected {EXPECTED_PARTS}")


def read_rating(item: str) -> tuple[str, int]:
    """One ``<region id>.<0-10>`` item of an ``i`` part, as (region id, intensity).

    >>> read_rating("left-groin.7")
    ('left-groin', 7)
    """
    found = _RATING.fullmatch(item)
    if found is None:
        raise DrawingError(f"expected '<region>.<0-10>', got {shorten(item)!r}")
    return found[1], int(found[2])


def read_text(text: str) -> Content:
    """Read :func:`write_text` output (version 2, or version 1 without the check part);
    anything malformed, cut short or edited raises :class:`DrawingError`. Region ids are
    not checked here (the drawing does that)."""
    if not isinstance(text, str):
        raise DrawingError("the drawing text must be a string")
    if len(text) > MAX_TEXT_CHARS:
        raise DrawingError(f"the drawing text is longer than {MAX_TEXT_CHARS} characters")
    version, parts, problem = split_text(text)
    if version not in TEXT_VERSIONS:
        raise DrawingError(f"drawing text version {shorten(version, 20)!r} is not 1 or 2")
    if problem is not None:
        raise DrawingError("the drawing text's check does not match (cut short or edited)")
    ids: list[str] = []
    ratings: dict[str, int] = {}
    areas: dict[View, list[BaseGeometry]] = {}
    for number, part in enumerate(parts, start=1):
        where = f"drawing text part {number}"
        kind, fields = split_part(part, where)
        if kind == "r":
            ids.extend(fields)
        elif kind == "i":
            for item in fields:
                try:
                    rid, value = read_rating(item)
                except DrawingError as exc:
                    raise DrawingError(f"{where}: {exc}") from None
                ratings[rid] = value
        else:
            view, polygon = read_outline_part(fields, where)
            areas.setdefault(view, []).append(polygon)
    return Content(ids, ratings, areas, parts)


# -- GeoJSON ------------------------------------------------------------------------------


def to_geojson(
    regions: Iterable[str], intensity: Mapping[str, int], outlines: Mapping[View, MultiPolygon]
) -> dict[str, Any]:
    """A drawing in the app's export format: a GeoJSON FeatureCollection.

    Tapped regions are features with ``properties.kind == "region"`` and no geometry;
    outlines are MultiPolygon features with ``properties.kind == "outline"`` and
    ``properties.view``. A rated region carries ``properties.intensity`` (0-10) on its
    region feature, or, when it is painful only through an outline, on a feature with
    ``properties.kind == "intensity"`` and no geometry. Coordinates are in the frame of
    :mod:`referral.schema`.
    """
    tapped = set(regions)
    features: list[dict[str, Any]] = []
    for rid in sorted(tapped | set(intensity)):
        props: dict[str, Any] = {"kind": "region" if rid in tapped else "intensity"}
        props["region"] = rid
        if rid in intensity:
            props["intensity"] = intensity[rid]
        features.append({"type": "Feature", "properties": props, "geometry": None})
    features += [
        {
            "type": "Feature",
            "properties": {"kind": "outline", "view": view},
            "geometry": _plain_json(mapping(outlines[view])),
        }
        for view in schema.VIEWS
        if view in outlines
    ]
    return {"type": "FeatureCollection", "referral_map": GEOJSON_FORMAT, "features": features}


def read_geojson(data: Any, regions: Regions) -> Content:
    """Read a FeatureCollection written by :func:`to_geojson` (or any with the same
    properties); raise :class:`DrawingError` naming the feature that is wrong. Each area is
    checked and repaired within one :class:`~referral.outline.Budget`: at most
    :data:`MAX_FEATURES` features, and the outline caps in all."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise DrawingError("expected a GeoJSON FeatureCollection")
    features = data.get("features")
    if not isinstance(features, list):
        raise DrawingError("the FeatureCollection has no 'features' list")
    if len(features) > MAX_FEATURES:
        raise DrawingError(f"{len(features)} features; the limit is {MAX_FEATURES}")
    tapped: list[str] = []
    ratings: dict[str, int] = {}
    areas: dict[View, list[BaseGeometry]] = {}
    budget = Budget()
    for number, feature in enumerate(features, start=1):
        where = f"feature {number}"
        found = _read_feature(feature, where, regions, tapped, ratings)
        if found is None:
            continue
        view, geom = found
        try:
            areas.setdefault(view, []).append(budget.repair(view, geom))
        except DrawingError as exc:
            raise DrawingError(f"{where}: {exc}") from None
    return Content(tapped, ratings, areas, [])


def read_json_file(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> Any:
    """The JSON value of a regular UTF-8 file of at most ``max_bytes``, not nested beyond
    Python's recursion limit; :class:`DrawingError` names the file and what is wrong."""
    path = Path(path)
    try:
        if not path.is_file():
            what = "does not exist" if not path.exists() else "is not a regular file"
            raise DrawingError(f"{path}: cannot read (it {what})")
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except OSError as exc:
        raise DrawingError(f"{path}: cannot read ({exc.__class__.__name__}: {exc})") from None
    if len(raw) > max_bytes:
        raise DrawingError(f"{path}: larger than {max_bytes} bytes")
    try:
        return json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise DrawingError(f"{path}: cannot read (not UTF-8 text: {exc.reason})") from None
    except RecursionError:
        raise DrawingError(f"{path}: the JSON is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an integer too long to convert
        raise DrawingError(f"{path}: not valid JSON ({shorten(str(exc), 80)})") from None
