"""The framework's floor for ``make bench``: a one-button Streamlit app (click → text)."""

import streamlit as st

if st.button("Click", key="go"):
    st.session_state.clicks = st.session_state.get("clicks", 0) + 1
with st.container(key="result"):
    st.write(f"clicked {st.session_state.get('clicks', 0)}")
