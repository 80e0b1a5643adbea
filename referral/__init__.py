"""Referral Map: where posterior (dorsal) ramus pain is felt, and which levels fit a drawing.

The core (``body``, ``regions``, ``atlas``, ``drawing``, ``matching``, ``figures``, ``cli``)
is plain Python; only ``app.py`` and ``referral.app`` import Streamlit.
"""

__version__ = "0.1.0"
