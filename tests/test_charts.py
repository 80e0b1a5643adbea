"""The app hands figure dicts to Streamlit without re-validating them (referral.app.charts)."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
from shapely.geometry import box

from referral import figures
from referral.app import charts


def test_checked_figure_is_serialised_as_built_and_equals_the_validated_one(
    fake_body, fake_regions, fake_atlas
):
    base = figures.view_base(fake_body, fake_regions, "posterior")
    spec = figures.compose(
        base,
        [
            figures.drawing_layer(box(-50, 500, -10, 600)),
            figures.level_layer(fake_atlas, base, "T12"),
        ],
        tool="tap",
    )
    # What st.plotly_chart does with its argument:
    handed = plotly.tools.return_figure_from_figure_or_data(charts.Checked(spec), True)
    assert handed is spec
    validated = go.Figure(spec).to_dict()
    assert (
        json.loads(pio.to_json(handed, validate=False))["data"]
        == json.loads(pio.to_json(validated, validate=False))["data"]
    )
