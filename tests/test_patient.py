"""Patient self-report mode (``?mode=patient``): the patient's words, *your* left and right
on every view, a rating per marked place, no clinical text, and the clinician's link.

The page runs headless through AppTest (its taps are driven in a real browser in
tests/test_browser_patient.py); the words and the views' labels are checked in the core.
"""

from __future__ import annotations

import base64
import re
from typing import Any

import numpy as np
import pytest
from catalogue import chart_figures, regions
from harness import ROOT
from streamlit.testing.v1 import AppTest

from referral import figures, patient, schema
from referral.body import load_body
from referral.drawing import Drawing
from referral.selection import read_drawing_text

APP = ROOT / "app.py"
TIMEOUT = 30
CLASSIC = ["left-groin", "left-iliac-crest", "left-trochanter", "left-upper-buttock"]
#: A level's name (C2 … S3) anywhere in a text.
LEVEL_NAME = re.compile(r"\b[CTLS]\d{1,2}\b")
#: Words that belong to the clinician's page only.
CLINICAL = ("Sources to consider", "Best-matching", "ranking", "Ranking", "ramus", "nerve")


def classic(intensity: dict[str, int] | None = None) -> Drawing:
    drawing = Drawing.from_regions(CLASSIC, regions())
    for rid, value in (intensity or {}).items():
        drawing = drawing.with_intensity(rid, value, regions())
    return drawing


def run(**query: str) -> AppTest:
    """Run the app once with ``query`` as its link's parameters."""
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return ok(at.run())


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def shown_text(at: AppTest) -> str:
    """Every text the page shows: headings, Markdown, plain text, captions, widget labels,
    options and help, and the charts' titles, corner labels and hover labels."""
    parts = [e.value for kind in ("title", "subheader", "markdown", "text", "caption",
                                  "info", "warning") for e in at.get(kind)]  # fmt: skip
    for widget in [*at.button, *at.get("button_group")]:
        parts += [widget.proto.label, widget.proto.help]
        parts += [str(o) for o in getattr(widget.proto, "options", [])]
    for figure in chart_figures(at):
        parts += [note["text"] for note in figure["layout"].get("annotations", [])]
        parts += [str(t.get(key, "")) for t in figure["data"] for key in ("text", "hovertext")]
    return "\n".join(parts)


def drawing_in_link(at: AppTest) -> Drawing:
    value = at.query_params.get("drawing")
    text = value[-1] if isinstance(value, list) else value
    return Drawing.from_text(text, regions()) if text else Drawing()


def rating(at: AppTest, rid: str) -> Any:
    """The rating pills of region ``rid`` (keys carry a generation: ``pt-rate-2-<rid>``)."""
    (pills,) = [w for w in at.get("button_group") if re.fullmatch(rf"pt-rate-\d+-{rid}", w.key)]
    return pills


def done(at: AppTest) -> AppTest:
    at.button(key="pt-done-button").click()
    return ok(at.run())


# --- the page ----------------------------------------------------------------------------


def test_the_patient_page_shows_one_view_and_no_clinical_text():
    """With the classic thoracolumbar pattern in the link, the pain map names levels and its
    sources; the patient's page shows the same drawing without a level, a ranking or a
    source, before and after I'm done."""
    text = classic({"left-groin": 7}).to_text()
    clinic = shown_text(run(drawing=text))
    assert LEVEL_NAME.search(clinic) and "Sources to consider" in clinic  # the test can fail
    at = run(mode="patient", drawing=text)
    assert [f["layout"]["meta"]["view"] for f in chart_figures(at)] == ["anterior"]
    for page in (at, done(at)):
        said = shown_text(page)
        assert not LEVEL_NAME.search(said), LEVEL_NAME.findall(said)
        assert not [word for word in CLINICAL if word in said]


def test_the_view_switcher_shows_each_view_alone():
    at = run(mode="patient")
    for view in schema.VIEWS:
        at.button_group(key="pt-view").set_value(view).run()
        assert [f["layout"]["meta"]["view"] for f in chart_figures(ok(at))] == [view]


@pytest.mark.parametrize("mode", ["PATIENT", ["clinic", "patient"]])
def test_the_mode_is_read_like_every_link_parameter(mode):
    """Any case, and the last of repeated values."""
    at = run(mode=mode)
    assert at.title[0].value == "Where do you feel pain?"


def test_another_mode_opens_the_clinicians_app():
    at = run(mode="clinic", drawing=classic().to_text())
    assert LEVEL_NAME.search(shown_text(at))


def test_a_rating_per_place_goes_into_the_link_and_undo_takes_it_back():
    at = run(mode="patient", drawing=classic().to_text())
    assert [rating(at, rid).proto.label for rid in patient.marked_regions(classic(), regions())]
    rating(at, "left-groin").set_value(7).run()
    assert drawing_in_link(ok(at)) == classic({"left-groin": 7})
    rating(at, "left-trochanter").set_value(3).run()
    assert drawing_in_link(ok(at)) == classic({"left-groin": 7, "left-trochanter": 3})
    at.button(key="pt-undo").click().run()
    assert drawing_in_link(ok(at)) == classic({"left-groin": 7})
    assert rating(at, "left-trochanter").value is None  # the widget shows the undone state
    at.button(key="pt-clear").click().run()
    assert drawing_in_link(ok(at)) == Drawing()
    assert at.button(key="pt-done-button").proto.disabled


def test_done_gives_the_pain_maps_link_as_plain_text_and_a_qr_code():
    drawn = classic({"left-groin": 7})
    at = done(run(mode="patient", drawing=drawn.to_text()))
    (link,) = [t.value for t in at.text if "drawing=" in t.value]
    # AppTest has no browser address: the link is its query (the browser's is absolute)
    assert link == f"?drawing={drawn.to_text()}" and "mode" not in link
    assert read_drawing_text(link.split("drawing=", 1)[1], regions()).drawing == drawn
    (image,) = at.get("image")
    kind, _, data = image.proto.imgs[0].url.partition(",")
    assert kind == "data:image/svg+xml;base64"  # inline: no file, no outside service
    assert base64.b64decode(data).decode() == patient.qr_svg(link)  # the code of the link
    assert "Your left groin: 7 out of 10" in [t.value for t in at.text][-1]
    at.button(key="pt-back").click().run()
    assert at.title[0].value == "Where do you feel pain?"


# --- the words and the views -------------------------------------------------------------


def test_every_region_has_an_everyday_name():
    assert set(regions().table["name"]) <= set(patient.PLAIN_NAMES)


@pytest.mark.parametrize("view", schema.VIEWS)
def test_each_view_names_the_patients_own_sides_where_they_are(view):
    """The corner that says *your left* is on the side of the picture where the patient's
    left-sided regions are (the front view shows the patient's left on the right)."""
    body = load_body()
    base = patient.view_base(figures.view_base(body, regions(), view), body, regions())
    corners = {n["xanchor"]: n["text"] for n in base.layout["annotations"] if n["name"] == "side"}
    xs = base.points[:, 0]
    left = np.array([rid.startswith("left-") for rid in base.point_region])
    if view in schema.LEFT_SIGN:
        left_on = "right" if xs[left].mean() > xs[~left].mean() else "left"
        assert corners[left_on] == "<b>Your left</b>"
        assert corners[{"left": "right", "right": "left"}[left_on]] == "<b>Your right</b>"
    else:
        assert set(corners.values()) == {"<b>Front</b>", "<b>Back</b>"}
        assert patient.VIEW_NAMES[view] == f"Your {schema.LATERAL_VIEW_SIDE[view]} side"


def test_a_tapped_point_is_labelled_in_everyday_words():
    base = figures.view_base(load_body(), regions(), "posterior")
    mine = patient.view_base(base, load_body(), regions())
    i = base.point_region.index("left-iliac-crest")
    assert (base.point_label[i], mine.point_label[i]) == (
        "Left iliac crest",
        "Your left top of the hip bone",
    )


def test_the_qr_code_encodes_the_link():
    import segno

    link = "http://10.0.0.5:8501/?drawing=" + classic().to_text()
    svg = patient.qr_svg(link)
    assert svg is not None and svg.startswith("<svg")
    assert "drawing" not in svg  # the link is in the code's modules, not in the markup
    expected = segno.make(link, error="m", micro=False)
    assert f'width="{(expected.symbol_size(scale=5, border=4))[0]}"' in svg


def test_next_patient_forgets_the_drawing_and_its_undo_steps():
    at = done(run(mode="patient", drawing=classic().to_text()))
    at.button(key="pt-next").click().run()
    assert drawing_in_link(ok(at)) == Drawing()
    assert at.title[0].value == "Where do you feel pain?"
    assert at.button(key="pt-undo").proto.disabled  # nothing of the last patient to go back to
