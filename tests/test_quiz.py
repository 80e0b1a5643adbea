"""The quiz: seeded rounds, scoring, answers in the link, and the page driven by AppTest."""

from __future__ import annotations

from collections import Counter

import pytest
import shapely
from catalogue import chart_figures
from harness import ROOT
from streamlit.testing.v1 import AppTest

from referral import figures, quiz, schema
from referral.app import results
from referral.atlas import load_atlas
from referral.dermatomes import load_dermatomes
from referral.regions import load_regions

PAGE = ROOT / "referral" / "app" / "pages" / "quiz.py"
TIMEOUT = 30


@pytest.fixture(scope="module")
def atlas():
    return load_atlas()


@pytest.fixture(scope="module")
def derm():
    return load_dermatomes()


@pytest.fixture(scope="module")
def regions():
    return load_regions()


@pytest.fixture(scope="module")
def rounds(atlas, derm, regions):
    return {seed: quiz.make_round(atlas, derm, regions, seed) for seed in range(12)}


def test_a_seed_reproduces_its_round_exactly(atlas, derm, regions, rounds):
    assert quiz.make_round(atlas, derm, regions, 3) == rounds[3]
    assert rounds[3] != rounds[4]


def test_a_round_has_ten_questions_in_the_fixed_mix(rounds):
    for questions in rounds.values():
        assert [q.number for q in questions] == list(range(1, quiz.ROUND_SIZE + 1))
        assert Counter(q.kind for q in questions) == Counter(quiz.ROUND_MIX)


def test_choice_questions_have_their_answer_among_distinct_options(rounds):
    for questions in rounds.values():
        for q in questions:
            if q.kind == "tap-level":
                assert q.options == () and q.answer == ""
            else:
                assert q.answer in q.options and len(set(q.options)) == len(q.options)
            assert q.reasons and q.source_ids


def test_which_level_distractors_are_far_and_different(atlas, rounds):
    for questions in rounds.values():
        for q in (q for q in questions if q.kind == "which-level"):
            area = quiz.level_area(atlas, q.level, q.view)
            assert len(q.options) == 4
            for other in set(q.options) - {q.level}:
                gap = abs(schema.LEVEL_INDEX[other] - schema.LEVEL_INDEX[q.level])
                assert gap >= quiz.DISTRACTOR_MIN_GAP
                theirs = quiz.level_area(atlas, other, q.view)
                iou = area.intersection(theirs).area / area.union(theirs).area
                assert iou < quiz.DISTRACTOR_MAX_IOU


def test_levels_are_not_repeated_within_a_round(rounds):
    for questions in rounds.values():
        asked = [q.level for q in questions if q.kind != "which-ramus"]
        assert len(asked) == len(set(asked))


def test_no_question_is_asked_twice_in_a_round(rounds):
    """Seeds 0, 2, 5 and 7 once asked one which-ramus question twice (7: questions 5 and 8)."""
    for questions in rounds.values():
        asked = [(q.kind, q.level, q.pathway, q.view) for q in questions]
        assert len(asked) == len(set(asked))


def test_which_ramus_answers_match_the_atlas(atlas, rounds):
    table = atlas.pathways.set_index(["level", "pathway"])["ramus"]
    for questions in rounds.values():
        for q in (q for q in questions if q.kind == "which-ramus"):
            assert q.answer == f"{table[(q.level, q.pathway)]} ramus"


def test_dermatome_question_shapes_are_the_band_and_the_dorsal_zones(atlas, derm, rounds):
    questions = [q for r in rounds.values() for q in r if q.kind == "dermatome-or-ramus"]
    assert {q.dermatome_is for q in questions} == {"A", "B"}  # both layouts occur
    for q in questions:
        shapes = quiz.dermatome_or_ramus_shapes(q, atlas, derm)
        assert set(shapes) == {"A", "B"}
        band = derm.level_features(q.level, q.view, (quiz.SIDE,))
        band = band[band["kind"] == "band"]["geometry"].iloc[0]
        assert shapes[q.dermatome_is].equals(band)
        assert q.answer.startswith(f"{q.dermatome_is} is the dermatome")
        dorsal = shapes["B" if q.dermatome_is == "A" else "A"]
        assert dorsal.centroid.y < band.bounds[1]  # the reason given: the zones lie lower


def test_every_tap_question_can_be_passed_by_one_region(atlas, regions, rounds):
    for questions in rounds.values():
        for q in (q for q in questions if q.kind == "tap-level"):
            shapes = regions.in_view(q.view)
            assert any(quiz.score_tap(q, [r], atlas, regions).passed for r in shapes), q.level


def inside_regions(atlas, regions, q):
    """Regions of the question's view at least half inside the level's zones."""
    zones = quiz.level_area(atlas, q.level, q.view)
    shapes = regions.in_view(q.view)
    return [r for r, g in shapes.items() if g.intersection(zones).area >= 0.5 * g.area]


def test_tapping_a_levels_own_regions_passes_and_elsewhere_fails(atlas, regions, rounds):
    q = next(q for q in rounds[0] if q.kind == "tap-level")
    zones = quiz.level_area(atlas, q.level, q.view)
    shapes = regions.in_view(q.view)
    inside = inside_regions(atlas, regions, q)
    outside = [r for r, g in shapes.items() if not g.intersects(zones)]
    assert inside and outside
    good = quiz.score_tap(q, inside, atlas, regions)
    assert good.passed and good.precision >= 0.5
    bad = quiz.score_tap(q, outside[:3], atlas, regions)
    assert not bad.passed and bad.precision == 0.0
    assert quiz.score_tap(q, [], atlas, regions) == quiz.TapScore(0.0, False)
    mixed = quiz.score_tap(q, [inside[0], *outside], atlas, regions)
    assert 0 < mixed.precision < good.precision


def test_answers_round_trip_through_the_link(atlas, regions, rounds):
    questions = rounds[5]
    tokens = []
    for q in questions:
        if q.kind == "tap-level":
            shapes = regions.in_view(q.view)
            tokens.append(quiz.tap_token(sorted(shapes)[:2]))
        else:
            tokens.append(str(len(q.options) - 1))
    text = quiz.encode_answers(tokens)
    assert quiz.decode_answers(text, questions, regions) == tuple(tokens)
    assert quiz.decode_answers("", questions, regions) == ()


@pytest.mark.parametrize(
    "bad",
    ["9", "left-nowhere", "0." * 11 + "0", "<b>x</b>", "0.0.0.0.0.0.0.0.0.0.0", "-1"],
)
def test_answers_that_do_not_fit_the_round_are_refused(regions, rounds, bad):
    assert quiz.decode_answers(bad, rounds[5], regions) is None


def test_blind_layer_hides_everything_that_gives_the_answer(atlas, rounds):
    from referral.body import load_body

    base = figures.view_base(load_body(), load_regions(), "posterior")
    full = figures.level_layer(atlas, base, "T12", sides=("left",))
    blind = figures.blind(full, "superior-cluneal")
    assert blind.lines == () and not blind.notes
    assert blind.fills and all(t["meta"]["pathway"] == "superior-cluneal" for t in blind.fills)
    assert all(t["hoverinfo"] == "skip" and not t["showlegend"] for t in blind.fills)
    fig = figures.compose(base, [blind])
    tap = next(t for t in fig["data"] if t["meta"]["role"] == "tap")
    assert not any("T12" in text for text in tap["hovertext"])


# --- the page -----------------------------------------------------------------------


def first_answer(question: quiz.Question, regions) -> str:
    """A valid answer token: the first option, or the first region of the view."""
    if question.kind == "tap-level":
        return quiz.tap_token([sorted(regions.in_view(question.view))[0]])
    return "0"


def run(**query: str) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def keyed_block(at: AppTest, key: str):
    """The block of ``st.container(key=key)`` (its proto id ends with ``-key``)."""

    def walk(node):
        proto = getattr(node, "proto", None)
        if getattr(node, "type", None) == "flex_container" and str(
            getattr(proto, "id", "")
        ).endswith(f"-{key}"):
            return node
        for child in getattr(node, "children", {}).values():
            found = walk(child)
            if found is not None:
                return found
        return None

    return walk(at._tree)


def question_text(at: AppTest) -> str:
    """The headings and text inside the container keyed ``question``."""
    block = keyed_block(at, "question")
    return "\n".join(e.value for e in [*block.header, *block.markdown])


def test_seed_in_the_link_reproduces_the_round_in_the_question_container(rounds):
    at = run(seed="4")
    assert not at.exception, [e.value for e in at.exception]
    assert "Question 1 of 10" in question_text(at)
    assert rounds[4][0].prompt in question_text(at)
    assert at.query_params["seed"] == "4" and at.query_params["q"] == "1"
    again = run(seed="4")
    assert question_text(again) == question_text(at)
    assert question_text(run(seed="5")) != question_text(at)


def test_answering_writes_the_answer_to_the_link_and_shows_feedback(rounds):
    questions = rounds[4]
    number = next(i for i, q in enumerate(questions, 1) if q.kind != "tap-level")
    q = questions[number - 1]
    earlier = quiz.encode_answers([first_answer(p, regions) for p in questions[: number - 1]])
    at = run(seed="4", q=str(number), **({"answers": earlier} if earlier else {}))
    assert not at.exception, [e.value for e in at.exception]
    at.radio(key=f"choice-4-{number}").set_value(q.answer).run()
    at.button(key="check").click().run()
    assert not at.exception, [e.value for e in at.exception]
    answers = at.query_params["answers"]
    assert answers.split(".")[-1] == str(q.options.index(q.answer))
    assert at.success and "Right." in at.success[0].value
    assert any("Sources" in m.value for m in at.markdown)


def test_a_tap_question_is_scored_from_the_marked_regions(atlas, regions, rounds):
    questions = rounds[4]
    number = next(i for i, q in enumerate(questions, 1) if q.kind == "tap-level")
    q = questions[number - 1]
    earlier = [first_answer(p, regions) for p in questions[: number - 1]]
    at = run(
        seed="4", q=str(number), **({"answers": quiz.encode_answers(earlier)} if earlier else {})
    )
    assert not at.exception, [e.value for e in at.exception]
    inside = inside_regions(atlas, regions, q)
    at.multiselect(key=f"marked-4-{number}").set_value(inside).run()
    (chart,) = chart_figures(at)
    drawn = [t for t in chart["data"] if t["meta"]["role"] == "drawing"]
    assert drawn  # the marked regions are drawn on the figure
    at.button(key="check").click().run()
    assert at.success and "Right." in at.success[0].value


def test_the_last_question_leads_to_the_score(atlas, regions, rounds):
    questions = rounds[2]
    tokens = [
        first_answer(q, regions) if q.kind == "tap-level" else str(q.options.index(q.answer))
        for q in questions
    ]
    at = run(seed="2", q=str(quiz.ROUND_SIZE + 1), answers=quiz.encode_answers(tokens))
    assert not at.exception, [e.value for e in at.exception]
    score = sum(
        quiz.is_correct(q, t, atlas, regions) for q, t in zip(questions, tokens, strict=True)
    )
    assert score >= quiz.ROUND_SIZE - quiz.ROUND_MIX["tap-level"]  # every choice is right
    assert any(f"Score: {score} of {quiz.ROUND_SIZE}" in h.value for h in at.header)
    at.button(key="new-round").click().run()
    assert at.query_params["seed"] == "3" and at.query_params["q"] == "1"
    assert "answers" not in at.query_params


def test_the_score_reviews_every_answer(atlas, regions, rounds):
    """After the last question, each question is listed with the answer given, whether it
    was right, and the right answer where it was missed."""
    questions = rounds[2]
    tokens = [
        first_answer(q, regions)
        if q.kind == "tap-level"
        else str(1 - q.options.index(q.answer))
        if q.kind == "which-ramus"
        else str(q.options.index(q.answer))
        for q in questions
    ]
    at = run(seed="2", q=str(quiz.ROUND_SIZE + 1), answers=quiz.encode_answers(tokens))
    assert not at.exception, [e.value for e in at.exception]
    review = [m.value for m in keyed_block(at, "review").markdown][1:]
    assert len(review) == quiz.ROUND_SIZE
    for item, q, token in zip(review, questions, tokens, strict=True):
        right = quiz.is_correct(q, token, atlas, regions)
        assert item.startswith(f"**{q.number}\\. {'Right' if right else 'Not quite'}**")
        if q.kind == "tap-level":
            label = regions.region(quiz.tap_regions(token)[0]).label
            assert f"Your answer: {results.escape_markdown(label)}" in item
        else:
            given = results.escape_markdown(q.options[int(token)])
            assert f"Your answer: {given}" in item
        assert ("Right answer:" in item) is not right
    assert any("Not quite" in item for item in review)  # a which-ramus was answered wrong


def test_a_bad_seed_says_what_it_shows_instead_and_quotes_the_value_as_text():
    at = run(seed="[x](javascript:alert(1))")
    assert not at.exception
    warnings = [w.value for w in at.warning]
    assert any("is not a whole number" in w and "showing a new round." in w for w in warnings)
    assert "From the link: [x](javascript:alert(1))" in [t.value for t in at.text]
    assert at.query_params["seed"].isdigit()


def test_answers_that_do_not_fit_warn_and_restart(rounds):
    at = run(seed="4", q="3", answers="9.9.9")
    assert not at.exception
    assert any("do not fit" in w.value for w in at.warning)
    assert "Question 1 of 10" in question_text(at)


def test_a_link_without_a_seed_gets_one():
    at = run()
    seed = at.query_params["seed"]
    assert seed.isdigit() and 0 <= int(seed) <= quiz.MAX_SEED


def test_region_outline_union_is_what_is_scored(atlas, regions, rounds):
    """score_tap uses the union of regions, so marking a region twice changes nothing."""
    q = next(q for q in rounds[1] if q.kind == "tap-level")
    some = sorted(regions.in_view(q.view))[:3]
    assert quiz.score_tap(q, some, atlas, regions) == quiz.score_tap(q, some + some, atlas, regions)
    assert shapely.union_all([regions.in_view(q.view)[r] for r in some]).area > 0


TAP_POINT = """(gd, region) => {
    const t = gd.data.find(t => t.meta && t.meta.role === 'tap');
    const i = t.customdata.findIndex(r => r === region);
    const L = gd._fullLayout, box = gd.getBoundingClientRect();
    return {x: box.left + L._size.l + L.xaxis.d2p(t.x[i]),
            y: box.top + L._size.t + L.yaxis.d2p(t.y[i])};
}"""


@pytest.mark.browser
def test_tapping_the_body_marks_the_region(browser, app_url, regions, rounds):
    """In a real browser a tap on the figure adds the region to the marked list."""
    questions = rounds[4]
    number = next(i for i, q in enumerate(questions, 1) if q.kind == "tap-level")
    view = questions[number - 1].view
    region = "left-low-back" if view == "posterior" else sorted(regions.in_view(view))[0]
    earlier = quiz.encode_answers([first_answer(q, regions) for q in questions[: number - 1]])
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    try:
        page.goto(f"{app_url}/quiz?seed=4&q={number}&answers={earlier}")
        page.wait_for_function(
            """() => { const gd = document.querySelector('.js-plotly-plot');
                       return gd && gd._fullLayout
                           && gd._fullLayout.clickmode === 'event'; }""",
            timeout=30_000,
        )
        chart = page.locator(".js-plotly-plot").first
        chart.scroll_into_view_if_needed()
        target = chart.evaluate(TAP_POINT, region)
        page.mouse.click(target["x"], target["y"])
        label = regions.region(region).label
        page.locator('[data-testid="stMultiSelect"]').get_by_text(label).wait_for(timeout=15_000)
    finally:
        page.close()


def test_zooming_keeps_the_patients_sides_in_view_and_the_base_untouched(atlas):
    from referral.body import load_body

    base = figures.view_base(load_body(), load_regions(), "posterior")
    layer = figures.level_layer(atlas, base, "L5", sides=("left",))
    figure = figures.compose(base, [layer])
    zoomed = figures.zoom(figure, layer.fills)
    low, high = zoomed["layout"]["yaxis"]["range"]
    assert figures.Y_RANGE[0] <= low < high < figures.Y_RANGE[1]
    corners = [a for a in zoomed["layout"]["annotations"] if a["name"] == "side"]
    assert sorted(a["text"] for a in corners) == ["<b>L</b>", "<b>R</b>"]
    assert all(a["y"] == high and a["yref"] == "y" for a in corners)  # top of the zoomed view
    assert all(
        a["y"] == figures.Y_RANGE[1] for a in base.layout["annotations"] if a["name"] == "side"
    )
    assert figures.zoom(figure, []) is figure
