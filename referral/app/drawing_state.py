"""A page's drawing in ``st.session_state``: its undoable :class:`History` and the
generation of the widgets that mirror it (the pain map's regions list and ratings, the
patient's ratings).

A mirroring widget is keyed by its generation. When the drawing changes any other way the
generation is bumped, so the widget is made afresh with the new value: setting its state
instead races with the browser, which may send the widget's stale value with the next
rerun and undo the change.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from referral.drawing import Drawing
from referral.selection import History


@dataclass(frozen=True)
class DrawingState:
    """The drawing kept under session keys ``<prefix>-history`` and ``<prefix>-generation``."""

    prefix: str

    @property
    def _history_key(self) -> str:
        return f"{self.prefix}-history"

    @property
    def _generation_key(self) -> str:
        return f"{self.prefix}-generation"

    def history(self) -> History:
        """The session's drawing history (created empty on first use)."""
        if self._history_key not in st.session_state:
            st.session_state[self._history_key] = History()
        history: History = st.session_state[self._history_key]
        return history

    def drawing(self) -> Drawing:
        """The current drawing."""
        return self.history().current

    def generation(self) -> int:
        """The current generation of the widgets that mirror the drawing."""
        return int(st.session_state.get(self._generation_key, 0))

    def replace(self, new: History, *, mirrored: bool = False) -> None:
        """Make ``new`` the history. ``mirrored``: the change came from a widget that mirrors
        the drawing and shows it already; otherwise, if the drawing changed, those widgets
        get a new generation."""
        if new.current != self.drawing() and not mirrored:
            st.session_state[self._generation_key] = self.generation() + 1
        st.session_state[self._history_key] = new
