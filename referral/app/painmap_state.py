"""The pain map's state and what changes it: the drawing's undoable history in
``st.session_state``, the page link that mirrors it, the notices about input that could not
be used in full, and the callbacks of the map, the regions list, the ratings, Undo, Clear,
the uploader and the codes field. The page (``pages/painmap.py``) keeps the layout.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from referral import schema
from referral.app import cache, links, plot, ways_in
from referral.app.drawing_state import DrawingState
from referral.drawing import Drawing, DrawingError
from referral.selection import History, Tool, edit, read_drawing_text

#: Characters of a file's or a code's own text quoted back in a message.
QUOTED_CHARS = 120
NOT_RATED = "not rated"
LINK = "drawing"
LINK_SEEN, NOTICES, FIGURES = "pm-link", "pm-notices", "pm-figures"
#: The drawing, its undo steps and the generation of the widgets that mirror it.
STATE = DrawingState("pm")
#: The problem with the last file or codes given, shown next to the uploader or the codes
#: field: ``(place, Problem)`` with place ``"upload"`` or ``"codes"``; one at a time.
WAYS_IN_PROBLEM = "pm-ways-in-problem"
#: How many such problems were said so far: each new one is scrolled into sight (the field
#: may sit at the window's bottom edge, the warning under it out of sight).
PROBLEMS_SAID = "pm-problems-said"


def history() -> History:
    """The session's drawing history."""
    return STATE.history()


def drawing() -> Drawing:
    """The current drawing."""
    return STATE.drawing()


def generation() -> int:
    """The current generation of the widgets that mirror the drawing."""
    return STATE.generation()


def commit(new: Drawing, *, mirrored: bool = False) -> None:
    """Make ``new`` current (undoable); see :func:`replace_history`."""
    replace_history(history().commit(new), mirrored=mirrored)


def replace_history(new: History, *, mirrored: bool = False) -> None:
    """Make ``new`` the session's history (:meth:`DrawingState.replace`) and drop the
    notices about earlier input."""
    STATE.replace(new, mirrored=mirrored)
    st.session_state[NOTICES] = []
    st.session_state.pop(WAYS_IN_PROBLEM, None)


def notify(message: str, quoted: Sequence[str] = ()) -> None:
    """Keep a warning to show until the next edit: the page's words as Markdown, then
    ``quoted`` (text from a link, file or code) as plain text only."""
    shown = [links.shorten(q, QUOTED_CHARS) for q in quoted]
    notices = st.session_state.setdefault(NOTICES, [])
    if (message, shown) not in notices:  # the same warning twice is shown once
        notices.append((message, shown))


def on_chart(view: schema.View) -> None:
    """Apply, in order and each once, the taps and lassos the chart of ``view`` reported
    since the last ones applied (several when taps came quicker than reruns), with the
    current tool; each is one step for Undo."""
    tool: Tool = st.session_state.get("tool") or "tap"
    problems: list[str] = []
    for event in plot.new_selections(f"chart-{view}"):
        result = edit(drawing(), event, tool, view, cache.regions())
        commit(result.drawing)
        problems += result.problems
    if problems:
        notify("Part of that lasso could not be used; the rest was applied.", problems)


def on_regions(key: str) -> None:
    """Make the tapped regions equal to the regions list (the keyboard way to tap)."""
    chosen = set(st.session_state.get(key) or ())
    current = drawing()
    added, removed = chosen - current.regions, current.regions - chosen
    commit(current.without_regions(removed).with_regions(added, cache.regions()), mirrored=True)


def on_rate(rid: str, key: str) -> None:
    """Rate region ``rid`` with the intensity widget ``key`` (or remove its rating)."""
    value = st.session_state.get(key)
    rating = None if value in (None, NOT_RATED) else int(str(value))
    try:
        commit(drawing().with_intensity(rid, rating, cache.regions()), mirrored=True)
    except DrawingError as exc:
        notify("That rating could not be kept.", [str(exc)])


def on_undo() -> None:
    """Go back to the drawing before the last change."""
    replace_history(history().undo())


def on_clear() -> None:
    """Start again with nothing drawn (undoable)."""
    commit(Drawing())


def on_upload() -> None:
    """Replace the drawing by an uploaded GeoJSON export; on any problem keep it and say
    why, next to the uploader."""
    upload = st.session_state.get("upload")
    if upload is None:  # the file was removed: so is what was said about it
        if st.session_state.get(WAYS_IN_PROBLEM, ("",))[0] == "upload":
            del st.session_state[WAYS_IN_PROBLEM]
        return
    result = ways_in.read_upload(upload.name, upload.getvalue(), cache.regions())
    if isinstance(result, ways_in.Problem):
        say_problem("upload", result)
    else:
        commit(result)


def on_codes() -> None:
    """Replace the drawing by pasted CHOIR or REDCap codes; on a bad code keep it and say
    why, next to the codes field."""
    text = st.session_state.get("codes") or ""
    if not text.strip():
        return
    result = ways_in.read_codes(text, cache.regions())
    if isinstance(result, ways_in.Problem):
        say_problem("codes", result)
    else:
        commit(result)


def read_link() -> None:
    """Load the drawing from the link when the link changed from outside the page (a new
    visit, reload, back/forward, an edited address); keep what can be read of a bad one."""
    given = st.query_params.get_all(LINK)
    raw = given[-1] if given else None
    if raw is None or raw == st.session_state.get(LINK_SEEN):
        return  # unchanged, or absent (returning from another page keeps the drawing)
    result = read_drawing_text(raw, cache.regions())
    commit(result.drawing)
    st.session_state[LINK_SEEN] = raw
    if len(given) > 1:
        notify(f"The link gives **{LINK}** {len(given)} times; using the last one.")
    if result.problems:
        notify(
            "The link's drawing could not be read in full (was it cut short or edited?); "
            "showing what could be read.",
            [f"From the link: {raw}", *result.problems],
        )


def write_link(current: Drawing) -> None:
    """Keep the link equal to the drawing (no parameter for an empty drawing)."""
    text = None if current.is_empty else current.to_text()
    given = st.query_params.get_all(LINK)
    if given != ([text] if text else []):
        if text is None:
            del st.query_params[LINK]
        else:
            st.query_params[LINK] = text
    st.session_state[LINK_SEEN] = text


def say_problem(place: str, problem: ways_in.Problem) -> None:
    """Show ``problem`` with the file or codes given at ``place`` until the next edit."""
    st.session_state[WAYS_IN_PROBLEM] = (place, problem)
    st.session_state[PROBLEMS_SAID] = st.session_state.get(PROBLEMS_SAID, 0) + 1
