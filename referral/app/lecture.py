"""Lecture mode: the page's own CSS for a projector (never user text).

At 1280 × 720 every text outside the figures is at least ``MIN_PX`` (the figures' own fonts
come from :func:`referral.figures.fonts`), headings are kept moderate so the views fit the
window, and the page's top padding is cut to the header's height.
"""

from __future__ import annotations

import streamlit as st

#: Smallest font size of any page text in lecture mode (px).
MIN_PX = 20

CSS = f"""
<style>
/* Lecture mode (Referral Map): at least {MIN_PX}px for every text outside the plotly SVGs. */
.stApp *:not(svg):not(svg *) {{ font-size: max({MIN_PX}px, 1em) !important; }}
.stApp h1:not(svg *) {{ font-size: 30px !important; padding: 0.2rem 0 !important; }}
.stApp h2:not(svg *) {{ font-size: 26px !important; padding: 0.1rem 0 !important; }}
.stApp h3:not(svg *) {{ font-size: 24px !important; padding: 0.1rem 0 !important; }}
[data-testid="stMainBlockContainer"] {{ padding-top: 3.6rem !important;
    padding-bottom: 1rem !important; max-width: 100% !important; }}
[data-testid="stMainBlockContainer"] [data-testid="stVerticalBlock"] {{ gap: 0.45rem; }}
</style>
"""


def apply() -> None:
    """Add the lecture stylesheet to the page (call once per run, in lecture mode only)."""
    st.html(CSS)
