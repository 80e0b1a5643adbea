"""The Streamlit user interface (the only package besides app.py that imports Streamlit)."""
