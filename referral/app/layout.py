"""How the pain map lays itself out for the window it is shown in (no Streamlit here).

On a desktop the four views sit side by side at a fixed height, the ranking beside them.
Narrower than :data:`ALL_VIEWS_FROM` px (a tablet, a phone), the four views would be too
small for a finger (crest, buttock and trochanter ≈ 8-13 px at 1024 px), so one view is
shown at a time, as tall as the window allows and never so small that the upper buttock on
the back view (the narrowest of the regions a finger taps there, 43 units) is under 24 px:
beside the ranking down to :data:`SIDE_BY_SIDE_FROM` px, and under a line with the best
three levels, kept in sight, below it.
"""

from __future__ import annotations

from dataclasses import dataclass

from referral import schema


@dataclass(frozen=True)
class MapLayout:
    """``one_view``: one enlarged view at a time (with a switcher) instead of all four;
    ``chart_height`` of each view, px; ``columns``: relative widths of the map and the
    results beside it, or ``None`` to put the results under the map."""

    one_view: bool
    chart_height: int
    columns: tuple[int, int] | None


#: The views as the switcher names them when one view is shown at a time.
VIEW_CHOICES: dict[schema.View, str] = {
    "anterior": "Front",
    "posterior": "Back",
    "left-lateral": "Left side",
    "right-lateral": "Right side",
}
#: The layout before the browser has said how wide it is, and from ALL_VIEWS_FROM px on:
#: the four views and the toolbar fit a 1440 x 900 screen.
DESKTOP = MapLayout(one_view=False, chart_height=520, columns=(37, 13))
ALL_VIEWS_FROM = 1200
SIDE_BY_SIDE_FROM = 900
#: Room (px) above a single view: the navigation and the toolbar.
ABOVE_VIEW = 160
#: Least height (px) of a single view: the body then spans ≈ 0.56 px a unit (1020 units
#: tall in the chart's area, 30 px of margin), the upper buttock 24 px; and the most.
VIEW_HEIGHTS = (620, 1000)


def pain_map(width: int | None, height: int | None) -> MapLayout:
    """The pain map's layout for a window ``width`` x ``height`` px (``None``: not known).

    >>> pain_map(1440, 900) == pain_map(None, None) == DESKTOP
    True
    >>> pain_map(1024, 768)
    MapLayout(one_view=True, chart_height=620, columns=(3, 2))
    >>> pain_map(768, 1024)
    MapLayout(one_view=True, chart_height=864, columns=None)
    >>> pain_map(390, 844)
    MapLayout(one_view=True, chart_height=684, columns=None)
    """
    if width is None or height is None or width >= ALL_VIEWS_FROM:
        return DESKTOP
    low, high = VIEW_HEIGHTS
    chart_height = max(low, min(high, height - ABOVE_VIEW))
    return MapLayout(True, chart_height, (3, 2) if width >= SIDE_BY_SIDE_FROM else None)
