"""Patient self-report: the words a patient sees while marking their own pain, and the QR
code of the link their clinician opens.

Nothing here names a level, a nerve or a ranking: the patient marks places and rates them;
the clinician reads the drawing in the pain map. Every view says which side is *your* left
and *your* right (left/right confusion is the commonest error in published body maps): the
front view shows the patient as someone facing them sees them, so their left is on the
right of the picture.
"""

from __future__ import annotations

import dataclasses
import io

import segno

from referral import figures, schema
from referral.body import Body
from referral.drawing import Drawing
from referral.regions import Regions

#: Each region's name in everyday words (a region's own label is the clinical one).
PLAIN_NAMES: dict[str, str] = {
    "ankle": "ankle",
    "anterior-neck": "front of the neck",
    "anterior-thigh": "front of the thigh",
    "calf": "calf",
    "chest": "chest",
    "ear": "ear",
    "elbow": "elbow",
    "face": "face",
    "flank": "side of the waist",
    "foot": "foot",
    "forearm": "forearm",
    "genital": "genitals",
    "groin": "groin",
    "hand": "hand",
    "iliac-crest": "top of the hip bone",
    "interscapular": "between the shoulder blades",
    "knee": "knee",
    "lateral-chest": "side of the chest",
    "lateral-thigh": "outer thigh",
    "low-back": "lower back",
    "lower-abdomen": "lower belly",
    "lower-buttock": "lower buttock",
    "medial-buttock": "inner buttock",
    "medial-thigh": "inner thigh",
    "mid-back": "middle of the back",
    "occiput": "back of the head",
    "posterior-neck": "back of the neck",
    "posterior-thigh": "back of the thigh",
    "pubic": "pubic area",
    "sacral": "bottom of the spine",
    "scalp": "top of the head",
    "scapula": "shoulder blade",
    "shin": "shin",
    "shoulder": "shoulder",
    "suboccipital": "base of the skull",
    "suprascapular": "above the shoulder blade",
    "thoracolumbar": "back, just above the waist",
    "trochanter": "outer hip",
    "upper-abdomen": "upper belly",
    "upper-arm": "upper arm",
    "upper-buttock": "upper buttock",
    "upper-trapezius": "top of the shoulder",
    "wrist": "wrist",
}

#: The view switcher's labels, in the order the patient is asked to go through them.
VIEW_NAMES: dict[schema.View, str] = {
    "anterior": "Front",
    "posterior": "Back",
    "left-lateral": "Your left side",
    "right-lateral": "Your right side",
}

#: One sentence under the switcher: how the picture is turned.
VIEW_CUES: dict[schema.View, str] = {
    "anterior": "You, seen from the front, as someone facing you sees you: "
    "your right is on the left of the picture, your left on the right.",
    "posterior": "You, seen from behind: your left is on the left of the picture, "
    "your right on the right.",
    "left-lateral": "Your left side: your front is on the left of the picture, "
    "your back on the right.",
    "right-lateral": "Your right side: your back is on the left of the picture, "
    "your front on the right.",
}

#: Labels in the picture's top corners: (left corner, right corner).
CORNERS: dict[schema.View, tuple[str, str]] = {
    "anterior": ("Your right", "Your left"),
    "posterior": ("Your left", "Your right"),
    "left-lateral": ("Front", "Back"),
    "right-lateral": ("Back", "Front"),
}
#: Font size (px) of the corner labels and the picture's title.
CUE_FONT = 18

#: The view's height (px) before the browser has said how big its window is; the room (px)
#: the title, switcher and instruction take above the view; the least and most height.
VIEW_HEIGHT, ABOVE_VIEW, VIEW_HEIGHTS = 640, 150, (480, 1000)
#: Below this window width (px) the list of marked places goes under the view, not beside.
STACK_BELOW = 900

#: Pain intensity: what 0 and 10 mean.
SCALE = "0 means no pain, 10 the worst pain you can imagine."


def layout(width: int | None, height: int | None) -> tuple[int, bool]:
    """The view's height (px) for a window of ``width`` x ``height`` px (``None``: not known
    yet), and whether the list goes under the view: the view fills the window's height.

    >>> layout(1024, 768), layout(390, 844), layout(None, None)
    ((618, False), (694, True), (640, False))
    """
    if width is None or height is None:
        return VIEW_HEIGHT, False
    low, high = VIEW_HEIGHTS
    return max(low, min(high, height - ABOVE_VIEW)), width < STACK_BELOW


def plain_label(rid: str, regions: Regions) -> str:
    """A region in everyday words, on the patient's own side.

    >>> from referral.regions import load_regions
    >>> plain_label("left-iliac-crest", load_regions())
    'Your left top of the hip bone'
    """
    side, name = schema.split_region_id(regions.region(rid).id)
    return f"Your {side} {PLAIN_NAMES.get(name, name.replace('-', ' '))}"


def marked_regions(drawing: Drawing, regions: Regions) -> list[str]:
    """The painful regions of ``drawing``, in the order of their everyday names."""
    return sorted(drawing.painful_regions(regions), key=lambda rid: plain_label(rid, regions))


def marked_lines(drawing: Drawing, regions: Regions) -> list[str]:
    """What the patient marked, one line per painful region with its rating if given.

    >>> from referral.regions import load_regions
    >>> d = Drawing.from_regions(["left-groin", "left-trochanter"], load_regions())
    >>> marked_lines(d.with_intensity("left-groin", 7, load_regions()), load_regions())
    ['Your left groin: 7 out of 10', 'Your left outer hip']
    """
    lines = []
    for rid in marked_regions(drawing, regions):
        rating = drawing.intensity.get(rid)
        suffix = "" if rating is None else f": {rating} out of 10"
        lines.append(plain_label(rid, regions) + suffix)
    return lines


def view_base(base: figures.ViewBase, body: Body, regions: Regions) -> figures.ViewBase:
    """``base`` (a view's :func:`referral.figures.view_base`) in the patient's words: its
    title and corner labels say *your* left and *your* right, and a tapped point's label is
    the region's everyday name."""
    view = base.view
    x0, x1 = figures.x_range(body, view)
    font = {"size": CUE_FONT, "color": figures.INK}
    corner = {"xref": "x", "yref": "y", "y": figures.Y_RANGE[1], "yanchor": "top"}
    left, right = CORNERS[view]
    notes = [
        {"xref": "x", "yref": "paper", "y": 1.0, "yanchor": "bottom", "x": (x0 + x1) / 2,
         "text": f"<b>{VIEW_NAMES[view]}</b>", "name": "title"},
        {**corner, "x": x0, "xanchor": "left", "text": f"<b>{left}</b>", "name": "side"},
        {**corner, "x": x1, "xanchor": "right", "text": f"<b>{right}</b>", "name": "side"},
    ]  # fmt: skip
    return dataclasses.replace(
        base,
        layout={
            **base.layout,
            "annotations": [{**n, "showarrow": False, "font": font} for n in notes],
        },
        point_label=tuple(plain_label(rid, regions) for rid in base.point_region),
    )


def qr_svg(text: str, *, scale: int = 5) -> str | None:
    """``text`` as a QR code (SVG markup, made here: no outside service), or ``None`` when it
    is too long for one.

    >>> qr_svg("http://127.0.0.1:8501/?drawing=1~r_left-groin").startswith("<svg")
    True
    >>> qr_svg("x" * 5000) is None
    True
    """
    try:
        code = segno.make(text, error="m", micro=False)
    except segno.DataOverflowError:
        return None
    out = io.BytesIO()
    code.save(out, kind="svg", scale=scale, border=4, xmldecl=False, svgns=True)
    return out.getvalue().decode("utf-8")
