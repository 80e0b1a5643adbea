"""Referral Map in a source tree: ``streamlit run app.py`` (``make run``).

The navigation is declared in :mod:`referral.app.navigation`, which an installed package
runs the same way (``referral app``). Streamlit serves ``static/`` beside this file.
"""

from referral.app.navigation import main

main()
