"""Hand the core's figure dicts to ``st.plotly_chart`` without re-validating them.

``st.plotly_chart`` builds a ``plotly.graph_objects.Figure`` from a dict to validate it
(≈ 10-15 ms per view of this app), unless it is given a ``Figure``, whose ``to_dict()`` it
then serialises as is. The figures come from :func:`referral.figures.compose`, whose output
is checked against plotly's schema by the tests (``tests/test_figures.py``), so the app
wraps them in :class:`Checked` and pays for validation once, in the tests, not per rerun.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go


class Checked(go.Figure):  # type: ignore[misc]
    """A ``Figure`` that serialises to a prebuilt, already checked figure dict."""

    def __init__(self, spec: dict[str, Any]) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict[str, Any]:
        """The prebuilt figure dict (shared, not copied: callers must not mutate it)."""
        return self._spec
