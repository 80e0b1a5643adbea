"""The size of the browser window, as the browser reports it (Streamlit's server has no
way to know it): lets a page lay itself out for a phone, a tablet or a desktop.

The first run of a page does not know the size yet (:func:`size` returns ``None``); the
browser reports it as soon as the page is drawn, and again when the window's width changes
or its height changes by a lot (``viewport.js``), each time with one rerun.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import streamlit as st

KEY = "viewport"
#: The element draws nothing: this keeps its empty row out of the page's layout.
STYLE = f"<style>.st-key-{KEY} {{ display: none; }}</style>"

_mount = st.components.v2.component(
    "referral_viewport",
    js=(Path(__file__).with_name("viewport.js")).read_text(encoding="utf-8"),
    isolate_styles=False,
)


class Size(NamedTuple):
    """A browser window's inner size, CSS px."""

    width: int
    height: int


def reported(state: object) -> Size | None:
    """The size in the component's state as the browser sent it, or ``None`` if malformed.

    >>> reported({"size": {"width": 1024, "height": 768}})
    Size(width=1024, height=768)
    >>> reported({"size": {"width": "x"}}), reported(None)
    (None, None)
    """
    given = state.get("size") if isinstance(state, Mapping) else None
    if not isinstance(given, Mapping):
        return None
    width, height = given.get("width"), given.get("height")
    if type(width) is not int or type(height) is not int or width <= 0 or height <= 0:
        return None
    return Size(width, height)


def size() -> Size | None:
    """The browser window's size as last reported (``None`` until the browser has said).

    Call it once per run, before anything laid out by it.
    """
    known = reported(st.session_state.get(KEY))
    st.html(STYLE)
    _mount(key=KEY, data={"known": known._asdict() if known else None}, on_size_change=_noop)
    return known


def _noop() -> None:
    """A report of the size only needs the rerun it starts."""
