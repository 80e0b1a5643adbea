"""Referral Map: page configuration and navigation only (pages live in referral/app/pages).

The app's main script calls :func:`main` on every run: ``app.py`` in a source tree,
``referral/app/streamlit_app.py`` in an installed package (``referral app``).

The page icon is a local file: an emoji or ``:material/...:`` favicon would be fetched
from an outside host, and nothing may leave the machine.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from referral import schema
from referral.app import links

PAGES = Path(__file__).parent / "pages"
#: ``assets/app/`` in a source tree, ``referral/app/assets/`` in an installed package.
ICON = schema.packaged("app/assets", "assets/app") / "icon.png"


#: ``?mode=patient`` opens the patient's own page alone: no navigation to the clinical pages.
MODE = "mode"
PATIENT = "patient"


def patient_mode() -> bool:
    """Whether the link asks for the patient's self-report page (``?mode=patient``, in any
    case; a repeated parameter counts by its last value)."""
    given = st.query_params.get_all(MODE)
    return bool(given) and links.choice([PATIENT])(given[-1]) == PATIENT


def main() -> None:
    """Configure the page and run the navigation (one call per script run)."""
    st.set_page_config(page_title="Referral Map", page_icon=str(ICON), layout="wide")
    if patient_mode():
        # The patient's tablet shows one page and no way to the clinician's pages.
        page = st.Page(PAGES / "patient.py", title="Your pain drawing", default=True)
        st.navigation([page], position="hidden").run()
        return
    # Streamlit leaves 128 px above a page under the top navigation; 76 px is enough, and the
    # pain map's four views then fit a 1280 x 720 screen (a shared screen in a lecture).
    st.html("<style>[data-testid='stMainBlockContainer'] { padding-top: 76px; }</style>")
    st.navigation(
        {
            "Clinic": [
                st.Page(PAGES / "painmap.py", title="Pain map", url_path="painmap", default=True),
            ],
            "Teach": [
                st.Page(PAGES / "explore.py", title="Explore levels", url_path="explore"),
                st.Page(PAGES / "quiz.py", title="Quiz", url_path="quiz"),
            ],
        },
        position="top",  # the pages' own sidebars stay free for controls
    ).run()
