"""The Explore page's chart sizes (px), in normal and lecture mode.

Heights are fixed; a chart's width is its column's, which depends on the window. The width
given here is the narrowest the page is designed for, measured in Chromium: a 1440 × 900
window with the sidebar open (the main area ≈ 980 px, ``GAP`` px between columns), and in
lecture mode 1280 × 720 with the sidebar closed (the views share ≈ 1117 px with the legend
beside them, in column weights ``VIEW_WEIGHT`` and ``LEGEND_WEIGHT``). The views' labels are
placed for that width (:func:`referral.labels.place`), so they stay apart in any wider window.
"""

from __future__ import annotations

#: Figure heights: several views, and one view alone.
HEIGHT = {False: 600, True: 540}
HEIGHT_SINGLE = {False: 720, True: 540}
MAIN_WIDTH = {False: 980, True: 1117}
GAP = 16
VIEW_WEIGHT, LEGEND_WEIGHT = 3.0, 3.2


def height(views: int, lecture: bool) -> int:
    """Each chart's height when ``views`` charts are shown."""
    return (HEIGHT_SINGLE if views == 1 else HEIGHT)[lecture]


def width(views: int, lecture: bool) -> int:
    """Each chart's width when ``views`` charts share the page at its design size.

    >>> width(3, False), width(4, False), width(3, True), width(4, True)
    (316, 233, 262, 207)
    """
    if lecture:
        share = VIEW_WEIGHT / (views * VIEW_WEIGHT + LEGEND_WEIGHT)
        return int((MAIN_WIDTH[True] - GAP * views) * share)
    return int((MAIN_WIDTH[False] - GAP * (views - 1)) / views)
