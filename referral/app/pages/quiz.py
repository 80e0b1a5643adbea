"""Quiz: ten questions generated from the atlas, reproducible from the link's seed.

The link holds the whole state: ``seed`` (the round), ``q`` (the question on screen; one past
the last shows the score) and ``answers`` (the answers given so far, see
:func:`referral.quiz.encode_answers`). The current question sits in the container keyed
``question``; after Check, the right answer is drawn with its reasons and citations.
"""

from __future__ import annotations

import random

import shapely
import streamlit as st

from referral import figures, quiz, schema
from referral.app import cache, lecture, links, plot, results, scrolling, sharing

PARAMS: tuple[links.Param, ...] = (
    links.Param(
        "seed",
        links.integer(0, quiz.MAX_SEED),
        "",
        f"a whole number 0 … {quiz.MAX_SEED}",
        "a new round",
    ),
    links.Param("q", links.integer(1, quiz.ROUND_SIZE + 1), "1", "a question number"),
    links.Param(
        "answers", lambda raw: raw.strip() or None, "", "a list of answers", "no answers yet"
    ),
    links.Param("lecture", links.boolean, "false", "on or off"),
)
#: Figure height in px: normal, and lecture mode (fits a 1280 x 720 window below the header).
HEIGHT = {False: 560, True: 420}


def state() -> tuple[int, int, tuple[str, ...]]:
    """Seed, question number and answers from the link (a fresh seed when it has none)."""
    seed = st.query_params.get("seed")
    if seed is None:
        seed = str(random.SystemRandom().randrange(quiz.MAX_SEED + 1))
        st.query_params["seed"] = seed
    q = int(st.query_params.get("q", "1"))
    return int(seed), q, tuple(filter(None, st.query_params.get("answers", "").split(".")))


def go(seed: int, q: int, answers: tuple[str, ...]) -> None:
    """Write the quiz state into the link (the page reruns from it)."""
    st.query_params["seed"] = str(seed)
    st.query_params["q"] = str(q)
    if answers:
        st.query_params["answers"] = quiz.encode_answers(answers)
    elif "answers" in st.query_params:
        del st.query_params["answers"]


def on_tap(question: quiz.Question, chosen_key: str, chart_key: str) -> None:
    """Chart callback: toggle the tapped regions in the list of marked regions (each tap
    the chart reported since the last ones applied, in order)."""
    marked = set(st.session_state.get(chosen_key, []))
    for event in plot.new_selections(chart_key):
        selection = event.get("selection")
        points = selection.get("points") if isinstance(selection, dict) else None
        marked ^= {
            p.get("customdata")
            for p in (points if isinstance(points, list) else [])
            if isinstance(p, dict) and isinstance(p.get("customdata"), str)
        }
    st.session_state[chosen_key] = sorted(marked)


def question_figure(
    question: quiz.Question, answered: bool, marked: list[str], is_lecture: bool
) -> dict:
    """The question's view: before the answer, only what the question shows; after it, the
    right answer (the level's zones with branch courses and nerve names, or the labelled
    dermatome and dorsal ramus zones), with the player's marked regions on top."""
    atlas, sides, view = cache.atlas(), (quiz.SIDE,), question.view
    base = cache.base(view, is_lecture)
    level_layer = cache.level_layer(view, question.level, sides, is_lecture, "primary", True)
    layers: list[figures.Layer] = []
    if question.kind == "dermatome-or-ramus":
        shapes = quiz.dermatome_or_ramus_shapes(question, atlas, cache.dermatomes())
        layers.append(figures.shapes_layer(shapes, quiz.SHAPE_COLOURS, lecture=is_lecture))
        if answered:
            layers.append(cache.dermatome(view, question.level, sides, is_lecture))
    elif question.kind == "tap-level":
        if answered:
            layers.append(level_layer)
    elif answered:
        layers.append(level_layer)
    else:
        pathway = question.pathway or None
        layers.append(figures.blind(level_layer, pathway))
    if marked:
        shapes_in_view = cache.regions().in_view(view)
        area = shapely.union_all([shapes_in_view[r] for r in marked if r in shapes_in_view])
        layers.append(figures.drawing_layer(area, lecture=is_lecture))
    tapping = question.kind == "tap-level" and not answered
    figure = figures.compose(
        base, layers, tool="tap" if tapping else "none", height=HEIGHT[is_lecture]
    )
    if question.kind != "tap-level":  # zooming a tap question would show where to tap
        figure = figures.zoom(figure, [t for layer in layers for t in layer.fills])
    return figure


def answer_text(question: quiz.Question, token: str) -> str:
    """The answer ``token`` in words: the option chosen, or the regions marked."""
    if question.kind == "tap-level":
        marked = [
            cache.regions().region(r).label
            for r in quiz.tap_regions(token)
            if r in cache.regions().in_view(question.view)
        ]
        return ", ".join(marked) or "nothing marked"
    if token.isdigit() and int(token) < len(question.options):
        return question.options[int(token)]
    return "no answer"


def show_review(questions: tuple[quiz.Question, ...], answers: tuple[str, ...]) -> None:
    """Every question of the round with the answer given, right or not, and the right
    answer where it was missed (in the container keyed ``review``). All text is escaped:
    nothing in it is read as Markdown."""
    atlas, regions = cache.atlas(), cache.regions()
    esc = results.escape_markdown
    with st.container(key="review"):
        st.markdown("**Your answers**")
        for question, token in zip(questions, answers, strict=False):
            right = quiz.is_correct(question, token, atlas, regions)
            verdict = "Right" if right else "Not quite"
            lines = [
                f"**{question.number}\\. {verdict}** — {esc(question.prompt)}",
                f"Your answer: {esc(answer_text(question, token))}",
            ]
            if not right:
                correct = (
                    f"the regions where {question.level} refers"
                    if question.kind == "tap-level"
                    else question.answer
                )
                lines.append(f"Right answer: {esc(correct)}")
            st.markdown("  \n".join(lines))


def show_feedback(question: quiz.Question, token: str) -> None:
    """Right or wrong, the score of a tap, the reasons and the citations."""
    atlas, regions = cache.atlas(), cache.regions()
    right = quiz.is_correct(question, token, atlas, regions)
    if question.kind == "tap-level":
        score = quiz.score_tap(question, quiz.tap_regions(token), atlas, regions)
        verdict = (
            f"{round(100 * score.precision)} % of the area you marked lies in "
            f"{question.level}'s zones (pass: {round(100 * quiz.TAP_PASS)} %)."
        )
    else:
        verdict = f"The answer is: {question.answer}."
    (st.success if right else st.error)(("Right. " if right else "Not quite. ") + verdict)
    st.markdown("**Why**")
    st.markdown("\n".join("- " + r.replace("\n", " ") for r in question.reasons))
    cited = atlas.citations(question.source_ids)
    st.markdown("**Sources**\n" + "\n".join(f"{i}. {c}" for i, c in enumerate(cited, 1)))


problems = links.apply_link(PARAMS)
sharing.seed_defaults(PARAMS[-1:])
is_lecture = bool(st.session_state.get("lecture", False))
if is_lecture:
    st.set_page_config(initial_sidebar_state="collapsed")
    lecture.apply()
st.title("Quiz")
st.caption(cache.text("disclaimer"))
links.show_problems(problems)

seed, number, given = state()
atlas, regions = cache.atlas(), cache.regions()
questions = quiz.make_round(atlas, cache.dermatomes(), regions, seed)
answers = quiz.decode_answers(".".join(given), questions, regions)
if answers is None:
    st.warning("The link's **answers** do not fit this round; starting it again.", icon="⚠️")
    answers = ()
    go(seed, 1, answers)
number = min(number, len(answers) + 1)
st.query_params["q"] = str(number)

score = sum(quiz.is_correct(q, a, atlas, regions) for q, a in zip(questions, answers, strict=False))
st.progress(
    min(len(answers), quiz.ROUND_SIZE) / quiz.ROUND_SIZE,
    text=f"Round {seed} · question {min(number, quiz.ROUND_SIZE)} of {quiz.ROUND_SIZE} · "
    f"score {score} of {len(answers)}",
)
with st.sidebar:
    st.toggle("Lecture mode", key="lecture")
    st.markdown(cache.text("quiz"))
sharing.write_link(PARAMS[-1:])

# A new question (or the score) is brought into sight: "Next question" sits far below the
# prompt, so the new prompt would otherwise open above the window.
scrolling.into_view("question", token=f"{seed}-{number}", key="question-scroll")
with st.container(key="question"):
    if number > quiz.ROUND_SIZE:
        st.header(f"Score: {score} of {quiz.ROUND_SIZE}")
        st.markdown(cache.text("quiz-end"))
        st.button(
            "New round", key="new-round", type="primary",
            on_click=go, args=(quiz.clamp_seed(seed + 1), 1, ()),
        )  # fmt: skip
        show_review(questions, answers)
    else:
        question = questions[number - 1]
        answered = len(answers) >= number
        token = answers[number - 1] if answered else ""
        st.header(f"Question {number} of {quiz.ROUND_SIZE}")
        st.markdown(f"**{question.prompt}**")
        chosen_key = f"marked-{seed}-{number}"
        chart_key = f"quiz-chart-{number}"
        if question.kind == "tap-level" and not answered:
            marked = st.multiselect(
                "Regions you marked (tap the body, or pick here)",
                sorted(cache.regions().in_view(question.view)),
                key=chosen_key,
                format_func=lambda rid: cache.regions().region(rid).label,
            )
        else:
            marked = quiz.tap_regions(token) if question.kind == "tap-level" else []
        figure = question_figure(question, answered, marked, is_lecture)
        base = cache.base_figure(question.view, is_lecture)
        plot.bases(dict([base]))
        left, right = st.columns([3, 2])
        with left:
            if question.kind == "tap-level" and not answered:
                plot.plot(
                    figure,
                    key=chart_key,
                    base=base,
                    on_select=lambda: on_tap(question, chosen_key, chart_key),
                    config={"displaylogo": False},
                )
            else:
                plot.plot(figure, key=chart_key, base=base, config={"displaylogo": False})
        with right:
            if answered:
                show_feedback(question, token)
                st.button(
                    "Next question" if number < quiz.ROUND_SIZE else "See the score",
                    key="next", type="primary", on_click=go, args=(seed, number + 1, answers),
                )  # fmt: skip
            elif question.kind == "tap-level":
                st.button(
                    "Check", key="check", type="primary", disabled=not marked,
                    on_click=go, args=(seed, number, (*answers, quiz.tap_token(marked))),
                )  # fmt: skip
            else:
                choice = st.radio(
                    "Your answer", question.options, index=None, key=f"choice-{seed}-{number}"
                )
                token = "" if choice is None else str(question.options.index(choice))
                st.button(
                    "Check", key="check", type="primary", disabled=choice is None,
                    on_click=go, args=(seed, number, (*answers, token)),
                )  # fmt: skip
if is_lecture:
    st.caption(f"Share this round: seed {seed} ({schema.ATLAS_VERSION} atlas).")
