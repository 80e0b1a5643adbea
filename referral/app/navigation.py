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


APP_TITLE = "Referral Map"
#: Streamlit leaves 128 px above a page under the top navigation; 76 px is enough, and the
#: pain map's four views then fit a 1280 x 720 screen (a shared screen in a lecture).
#: Captions (the disclaimer) are darker than Streamlit's 3.9:1 grey: 5.8:1 or more on every
#: background of the app (WCAG 1.4.3 asks for 4.5:1). ``.visually-hidden`` keeps a heading
#: for screen readers where the page shows its name already (the pain map's h1). Every
#: control shows where the keyboard focus is (WCAG 2.4.7): a dark ring, around a toggle's or
#: a check box's whole label (their own input is hidden under the drawn switch).
STYLE = """<style>
[data-testid='stMainBlockContainer'] { padding-top: 76px; }
[data-testid='stCaptionContainer'] { color: #5e5c5a; opacity: 1; }
[data-testid='stElementContainer']:has(.visually-hidden) { position: absolute; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden;
    clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; margin: -1px; padding: 0; }
.stApp :is(button, a, input, select, textarea, summary, [role='radio'], [role='tab'],
    [role='checkbox'], [role='switch'], [role='option'], [tabindex]):focus-visible {
    outline: 2px solid #1A1A1A !important; outline-offset: 2px; }
.stApp label:has(input:is([type='checkbox'], [type='radio']):focus-visible) {
    outline: 2px solid #1A1A1A; outline-offset: 2px; }
</style>"""


def page_title(page: str) -> str:
    """The browser tab's title of a page.

    >>> page_title("Pain map")
    'Pain map · Referral Map'
    """
    return f"{page} · {APP_TITLE}"


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
    st.set_page_config(page_title=APP_TITLE, page_icon=str(ICON), layout="wide")
    st.html(STYLE)
    if patient_mode():
        # The patient's tablet shows one page and no way to the clinician's pages.
        patient = st.Page(PAGES / "patient.py", title="Your pain drawing", default=True)
        page = st.navigation([patient], position="hidden")
    else:
        page = st.navigation(
            {
                "Clinic": [
                    st.Page(
                        PAGES / "painmap.py", title="Pain map", url_path="painmap", default=True
                    ),
                ],
                "Teach": [
                    st.Page(PAGES / "explore.py", title="Explore levels", url_path="explore"),
                    st.Page(PAGES / "quiz.py", title="Quiz", url_path="quiz"),
                ],
            },
            position="top",  # the pages' own sidebars stay free for controls
        )
    if st.runtime.exists():  # a bare import (no server) has no page to title
        st.set_page_config(page_title=page_title(page.title))  # each page its own tab title
    page.run()
