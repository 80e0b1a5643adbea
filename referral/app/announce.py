"""A live region: text that screen readers say when it changes, shown to no one else.

Streamlit re-creates an element's HTML when its text changes, and a screen reader
announces changes only inside a live region that was already on the page. This small
component keeps one ``aria-live="polite"`` node mounted under its key and changes only its
text (``textContent``: the text is never read as HTML).
"""

from __future__ import annotations

import streamlit as st

SCRIPT = """
export default function ({ parentElement, data }) {
  let region = parentElement.querySelector(":scope > [aria-live]");
  if (!region) {
    region = document.createElement("div");
    region.setAttribute("aria-live", "polite");
    region.setAttribute("aria-atomic", "true");
    region.className = "visually-hidden";
    parentElement.appendChild(region);
  }
  if (region.textContent !== data.text) region.textContent = data.text;
}
"""

_mount = st.components.v2.component("referral_announce", js=SCRIPT, isolate_styles=False)


def live_text(text: str, *, key: str) -> None:
    """Keep ``text`` in the live region ``key`` (a screen reader says it when it changes)."""
    _mount(key=key, data={"text": text})
