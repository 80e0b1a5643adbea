"""Referral Map: page configuration and navigation only (pages live in referral/app/pages)."""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "referral" / "app" / "pages"

st.set_page_config(
    page_title="Referral Map", page_icon=":material/accessibility_new:", layout="wide"
)
st.navigation(
    [
        st.Page(
            PAGES / "explore.py", title="Explore levels", icon=":material/layers:", default=True
        ),
    ]
).run()
