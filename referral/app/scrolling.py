"""Bring a part of the page into sight when what it shows changes (Streamlit edge).

:func:`into_view` scrolls the container keyed ``target`` into sight whenever
``token`` differs from the one it was last called with on this page (not on the page's
first showing): e.g. the Quiz's new question after "Next question", pressed far below it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import streamlit as st

_scroll = st.components.v2.component(
    "referral_scroll_into_view",
    js=(Path(__file__).with_name("scrolling.js")).read_text(encoding="utf-8"),
    isolate_styles=False,
)


def into_view(
    target: str, *, token: str, key: str, block: Literal["start", "nearest"] = "start"
) -> None:
    """Scroll the container keyed ``target`` into sight when ``token`` changed (call it on
    every run, before or after the container): to the top of the window, or with
    ``block="nearest"`` only as far as it takes to bring it wholly into sight."""
    _scroll(key=key, data={"target": target, "token": token, "block": block}, height=0)
