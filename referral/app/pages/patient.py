"""Your pain drawing (``?mode=patient``): the patient marks their own pain on a tablet.

One large view at a time with a switcher (front, back, each side), *your* left and *your*
right on every view, a rating 0-10 for each marked place, Undo and Start again. Nothing
clinical is shown: no level, no ranking, no source. "I'm done" shows the link that opens the
drawing in the clinician's pain map, as plain text and as a QR code made on the machine.

The drawing lives in the session and in this page's link (``drawing``, the pain map's own
format), so a reload keeps it. Taps arrive through the charts' logs (:mod:`plot`): none is
lost or doubled.
"""

from __future__ import annotations

import functools

import streamlit as st

from referral import figures, patient, schema
from referral.app import cache, plot, sharing, viewport
from referral.app.drawing_state import DrawingState
from referral.drawing import Drawing, DrawingError
from referral.selection import History, edit, read_drawing_text

LINK = "drawing"
LINK_SEEN, DONE = "pt-link", "pt-done"
#: The drawing, its undo steps and the generation of the rating widgets.
STATE = DrawingState("pt")
#: No header bar (its menu is not for the patient) and less room above the page.
STYLE = """<style>
header[data-testid="stHeader"] { display: none; }
[data-testid="stMainBlockContainer"] { padding: 1rem 1.5rem; }
.st-key-pt-head h1 { font-size: 1.75rem; padding: 0.25rem 0; }
</style>"""
CONFIG = {"displaylogo": False, "displayModeBar": False}


def history() -> History:
    return STATE.history()


def drawing() -> Drawing:
    return STATE.drawing()


def commit(new: History, *, mirrored: bool = False) -> None:
    """Make ``new`` the history; unless the change came from a rating widget (which shows
    it already), the rating widgets are made afresh with the new values."""
    STATE.replace(new, mirrored=mirrored)


def on_chart(view: schema.View) -> None:
    """Apply each tap the chart of ``view`` reported, in order, once."""
    for event in plot.new_selections(f"pt-chart-{view}"):
        commit(history().commit(edit(drawing(), event, "tap", view, cache.regions()).drawing))


def on_rate(rid: str, key: str) -> None:
    """Rate ``rid`` with the pills ``key`` (none chosen: no rating); nothing if the place
    was unmarked meanwhile."""
    try:
        rated = drawing().with_intensity(rid, st.session_state.get(key), cache.regions())
    except DrawingError:
        return
    commit(history().commit(rated), mirrored=True)


def on_undo() -> None:
    commit(history().undo())


def on_clear() -> None:
    commit(history().commit(Drawing()))


def on_done(done: bool) -> None:
    st.session_state[DONE] = done


def on_next_patient() -> None:
    """Forget the drawing and its undo steps: the next patient starts afresh."""
    commit(History())
    st.session_state[DONE] = False


def read_link() -> None:
    """Take the drawing from the link when it changed from outside (a reload, a new visit);
    keep what can be read of it."""
    given = st.query_params.get_all(LINK)
    raw = given[-1] if given else None
    if raw is None or raw == st.session_state.get(LINK_SEEN):
        return
    commit(history().commit(read_drawing_text(raw, cache.regions()).drawing))
    st.session_state[LINK_SEEN] = raw


def write_link(current: Drawing) -> None:
    text = None if current.is_empty else current.to_text()
    if st.query_params.get_all(LINK) != ([text] if text else []):
        if text is None:
            del st.query_params[LINK]
        else:
            st.query_params[LINK] = text
    st.session_state[LINK_SEEN] = text


def show_view(view: schema.View, current: Drawing, height: int) -> None:
    """The chosen view, large, with the patient's sides named on it."""
    area = current.shapes(cache.regions()).get(view)
    figure = figures.compose(
        cache.patient_base(view), [figures.drawing_layer(area)], tool="tap", height=height
    )
    with st.container(key=f"map-{view}"):
        plot.plot(
            figure,
            key=f"pt-chart-{view}",
            base=cache.patient_base_figure(view),
            on_select=functools.partial(on_chart, view),
            config=CONFIG,
        )


def show_marked(current: Drawing) -> None:
    """What is marked, each place with its rating 0-10 (optional)."""
    regions = cache.regions()
    painful = patient.marked_regions(current, regions)
    with st.container(key="pt-marked"):
        st.header("What you marked")
        if not painful:
            st.markdown("Nothing yet.")
            return
        st.markdown(f"How strong is the pain in each place? {patient.SCALE}")
        generation = STATE.generation()
        for rid in painful:
            key = f"pt-rate-{generation}-{rid}"
            st.pills(
                patient.plain_label(rid, regions),
                options=list(range(11)),
                default=current.intensity.get(rid),
                key=key,
                on_change=on_rate,
                args=(rid, key),
            )


def show_marking(current: Drawing, size: viewport.Size | None) -> None:
    with st.container(key="pt-head", horizontal=True, vertical_alignment="center"):
        st.title("Where do you feel pain?")
        view: schema.View = st.pills(  # pills wrap on a phone, a segmented control does not
            "Turn the body",
            options=list(patient.VIEW_NAMES),
            format_func=patient.VIEW_NAMES.__getitem__,
            default="anterior",
            required=True,
            key="pt-view",
            label_visibility="collapsed",
        )
    st.markdown(f"**{cache.text('patient').strip()}** {patient.VIEW_CUES[view]}")
    height, stacked = patient.layout(*(size or (None, None)))
    body, side = (st.container(), st.container()) if stacked else st.columns(2, gap="large")
    with body:
        show_view(view, current, height)
    with side:
        with st.container(horizontal=True):
            st.button("Undo", key="pt-undo", on_click=on_undo, disabled=not history().can_undo)
            st.button("Start again", key="pt-clear", on_click=on_clear, disabled=current.is_empty)
        show_marked(current)
        st.button(
            "I'm done",
            key="pt-done-button",
            type="primary",
            on_click=on_done,
            args=(True,),
            disabled=current.is_empty,
        )


def show_done(current: Drawing) -> None:
    """Thanks, what was marked, and the clinician's link as plain text and a QR code."""
    st.title("Thank you")
    st.markdown("Please give the tablet back. Your clinician opens your drawing with this code.")
    link = sharing.current_link({LINK: current.to_text()})
    svg = patient.qr_svg(link)
    with st.container(key="pt-qr"):
        if svg is None:
            st.markdown("The drawing is too large for a code: please use the link below.")
        else:
            st.image(svg, alt="QR code of the link to your drawing")  # inline: a data URI
    with st.container(key="pt-link"):
        st.text(link)
    st.header("What you marked")
    st.text("\n".join(patient.marked_lines(current, cache.regions())))
    with st.container(horizontal=True):
        st.button("Go back and change it", key="pt-back", on_click=on_done, args=(False,))
        st.button("Next patient", key="pt-next", on_click=on_next_patient)


st.html(STYLE)
size = viewport.size()
read_link()
current = drawing()
write_link(current)
plot.bases(dict(cache.patient_base_figure(view) for view in schema.VIEWS))
if st.session_state.get(DONE) and not current.is_empty:
    show_done(current)
else:
    show_marking(current, size)
st.caption(cache.text("disclaimer"))
