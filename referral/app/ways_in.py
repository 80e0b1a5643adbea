"""Opening a drawing file or pasted codes: the drawing, or what was wrong in plain words.

Pure (no Streamlit): :func:`read_upload` and :func:`read_codes` return a
:class:`~referral.drawing.Drawing`, or a :class:`Problem` that says what was wrong and what
to do in the page's own words, without the reader's technical message (``'utf-8' codec
can't decode byte …``). The user's own text (a file name, a code) is kept apart in
``quoted``, for the page to show as plain text, never as Markdown or HTML.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from referral.drawing import CodeError, Drawing, DrawingError, UnknownRegionError
from referral.regions import Regions

#: Largest drawing file accepted (bytes); an export of the largest drawing is far smaller.
MAX_UPLOAD_BYTES = 1_000_000
#: What to do with a file that is not a drawing.
SAVED_FILE = (
    "Choose a file saved from this page with Keep and share → Drawing (GeoJSON); it ends "
    "in .geojson."
)
#: What to do with codes that cannot be read.
CODES_FORM = (
    "Paste the painful areas as CHOIR Body Map numbers (such as 218, 223) or REDCap keys "
    "(such as b18, b23), separated by commas or spaces."
)


@dataclass(frozen=True)
class Problem:
    """Why an input was not used: ``what`` was wrong and what ``todo`` (the page's words),
    and the user's own text it concerns (``quoted``, to be shown as plain text)."""

    what: str
    todo: str
    quoted: tuple[str, ...] = ()


def read_upload(name: str, raw: bytes, regions: Regions) -> Drawing | Problem:
    """The drawing in an uploaded file named ``name`` with content ``raw``, or the problem.

    >>> from referral.regions import load_regions
    >>> problem = read_upload("scan.png", b"\\x89PNG\\r\\n\\x1a\\n\\x8f", load_regions())
    >>> problem.what
    'That file is not a drawing: it is not text (a picture, a PDF or a document, perhaps).'
    >>> problem.quoted
    ('File: scan.png',)
    """
    quoted = (f"File: {name}",)
    if len(raw) > MAX_UPLOAD_BYTES:
        size = f"{len(raw) / 1_000_000:.1f} MB"
        what = f"That file is too large to be a drawing from this app ({size}; the limit is 1 MB)."
        return Problem(what, SAVED_FILE, quoted)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        what = (
            "That file is not a drawing: it is not text (a picture, a PDF or a document, perhaps)."
        )
        return Problem(what, SAVED_FILE, quoted)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # JSONDecodeError, an overlong number, deep nesting
        return Problem("That file is not a drawing: its text is not GeoJSON.", SAVED_FILE, quoted)
    try:
        return Drawing.from_geojson(data, regions)
    except DrawingError as exc:
        unknown = exc if isinstance(exc, UnknownRegionError) else exc.__cause__
        if isinstance(unknown, UnknownRegionError):
            what = (
                "That file names a body region this app does not know, so it was not opened "
                "(was it made by another version of the app, or edited?)."
            )
            return Problem(what, SAVED_FILE, (*quoted, f"Unknown region: {unknown.region}"))
        what = (
            "That file is GeoJSON, but not a drawing this app can open (from another program, "
            "or edited?)."
        )
        return Problem(what, SAVED_FILE, quoted)


def read_codes(text: str, regions: Regions) -> Drawing | Problem:
    """The drawing that pasted CHOIR / REDCap codes describe, or the problem.

    >>> from referral.regions import load_regions
    >>> problem = read_codes("218, 999", load_regions())
    >>> problem.what
    'One code is not on the CHOIR Body Map, whose codes run 101-136 (front) and 201-238 (back).'
    >>> problem.quoted
    ('Not on the map: 999',)
    """
    if "~" in text or "drawing=" in text:
        what = "That is a drawing's link or code from this app, not questionnaire codes."
        todo = "Open the link in the browser's address bar: it shows its drawing."
        return Problem(what, todo)
    try:
        return Drawing.from_codes(text, regions)
    except CodeError as exc:
        return _code_problem(exc)
    except DrawingError:
        return Problem("Those codes could not be read.", CODES_FORM)


def _code_problem(exc: CodeError) -> Problem:
    if exc.kind == "too-long":
        return Problem("That is more text than a list of body map codes.", CODES_FORM)
    if exc.kind == "unknown-choir":
        what = (
            "One code is not on the CHOIR Body Map, whose codes run 101-136 (front) and "
            "201-238 (back)."
        )
        return Problem(what, CODES_FORM, (f"Not on the map: {exc.token}",))
    if exc.kind == "unknown-redcap":
        what = "One REDCap key is not on the body map (keys run f01-f36 and b01-b38)."
        return Problem(what, CODES_FORM, (f"Not on the map: {exc.token}",))
    what = "One item is neither a CHOIR Body Map code nor a REDCap key."
    return Problem(what, CODES_FORM, (f"Not a code: {exc.token}",))
