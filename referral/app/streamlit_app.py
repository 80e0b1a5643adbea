"""The app's main script in an installed package (``referral app`` serves it).

Streamlit serves ``static/`` beside the main script: the wheel maps the source tree's
``static/`` to ``referral/app/static/``. A source tree runs ``app.py`` instead.
"""

from referral.app.navigation import main

main()
