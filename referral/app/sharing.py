"""Keeping a page's link equal to its state, so any view can be shared (Streamlit edge).

:func:`referral.app.links.apply_link` reads the link into the widgets once per visit;
:func:`seed_defaults` gives every other widget its default through Session State (so
widgets are created without ``default=``/``value=`` and never warn about both), and
:func:`write_link` writes the widgets' values back after every run: a parameter at its
default is left out, so a plain link stays plain. :func:`copy_link` offers a page's link to
the clipboard.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import streamlit as st

from referral.app import links


def link_text(param: links.Param, value: object) -> str:
    """The canonical link text of a widget value (``True`` → ``"true"``)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def seed_defaults(params: Sequence[links.Param]) -> None:
    """Give each parameter's widget its default unless the link or the user set it."""
    for param in params:
        if param.key not in st.session_state:
            st.session_state[param.key] = links.widget_value(param, param.default)


def link_values(params: Sequence[links.Param], state: Mapping[str, object]) -> dict[str, str]:
    """The query parameters describing ``state``: non-default values only, canonical text.

    >>> p = [links.Param("level", links.LEVEL, "T12", ""), links.Param("on", links.boolean,
    ...      "false", "")]
    >>> link_values(p, {"level": "L1", "on": False})
    {'level': 'L1'}
    """
    out = {}
    for param in params:
        text = link_text(param, state[param.key])
        if text != param.default:
            out[param.key] = text
    return out


def write_link(params: Sequence[links.Param]) -> None:
    """Make the page's query parameters equal to the widgets' state (only ``params`` keys)."""
    wanted = link_values(params, {p.key: st.session_state[p.key] for p in params})
    for param in params:
        current = st.query_params.get_all(param.key)
        if param.key in wanted and current != [wanted[param.key]]:
            st.query_params[param.key] = wanted[param.key]
        elif param.key not in wanted and current:
            del st.query_params[param.key]


_HERE = Path(__file__).parent
_copy = st.components.v2.component(
    "referral_copy_link",
    js=(_HERE / "copy_link.js").read_text(encoding="utf-8"),
    isolate_styles=False,
)


def page_link(params: Mapping[str, str], base: str | None = None) -> str:
    """The link to this page with ``params``: absolute when ``base`` (the page's address
    without its query, e.g. ``st.context.url``) is known, else just the query.

    >>> page_link({"drawing": "2~r_left-groin"}, "http://127.0.0.1:8501/")
    'http://127.0.0.1:8501/?drawing=2~r_left-groin'
    >>> page_link({"drawing": "a b&c"})
    '?drawing=a+b%26c'
    >>> page_link({}, "http://host/quiz")
    'http://host/quiz'
    >>> page_link({"a": "1"}, "http://host")  # the root's path is "/", as a browser shows it
    'http://host/?a=1'
    """
    query = f"?{urlencode(dict(params))}" if params else ""
    if not base:
        return query
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", "")) + query


def current_link(params: Mapping[str, str]) -> str:
    """:func:`page_link` for the page the session is on (absolute when the browser has told
    Streamlit its address)."""
    return page_link(params, st.context.url)


def copy_link(link: str, *, key: str) -> None:
    """A "Copy link" button that copies ``link`` (resolved against the page's address) to the
    clipboard, or, where the browser refuses, shows it selected as plain text."""
    _copy(key=key, data={"link": link})
