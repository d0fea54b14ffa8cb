"""Key questions: each drawn from the story and pointing at what it was drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from plumbline.analysis.facts import statement_pool
from plumbline.analysis.figures import disputed, figures
from plumbline.analysis.omissions import omissions
from plumbline.analysis.questions import key_questions
from plumbline.analysis.story import story_stats
from plumbline.analysis.synthesize import synthesize
from plumbline.models import (
    ArticleKind,
    ArticleRecord,
    EntityToneView,
    KeyQuestion,
    Lean,
    Perspective,
    SourceRef,
    Synthesis,
)
from tests.analysis.storybuild import LEFT_CRITICAL_OF_SMITH, article

FLOOD = "Heavy rain flooded the Millbrook valley over the weekend and closed the main highway."


def _questions(
    articles: Sequence[ArticleRecord], tones: Sequence[EntityToneView] = ()
) -> list[KeyQuestion]:
    pool = statement_pool(articles)
    omitted = omissions(articles, pool=pool)
    synthesis = synthesize(articles)
    return key_questions(articles, story_stats(articles), tones, omitted, pool, synthesis)


def test_figures_keep_what_they_count_and_skip_dates_years_and_ages() -> None:
    found = figures(
        "At least 12 people died on June 3, 2021, said Smith, 46, and a 46-year-old "
        "officer; the plan costs $2.5 billion and 40% of 92 to 6 voters."
    )
    assert [(f.value, f.unit, f.text) for f in found] == [
        (12.0, "people", "At least 12 people"),
        (2.5e9, "$", "$2.5 billion"),
        (40.0, "percent", "40%"),
        (6.0, "voter", "6 voters"),
    ]


def test_disagreeing_numbers_produce_a_disagreement_question() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} Twelve people were killed in the flooding in the Millbrook valley on Sunday, officials said.",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} Officials said 19 people were killed in the flooding in the Millbrook valley on Sunday.",
        ),
    ]
    found = [q for q in _questions(articles) if q.kind == "disagreement"]
    assert len(found) == 1
    assert "twelve people" in found[0].text and "19 people" in found[0].text
    assert found[0].text.endswith("?")
    assert {e.anchor for e in found[0].evidence} == {"article-1", "article-2"}
    assert {e.article_id for e in found[0].evidence} == {1, 2}


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("At least 12 people were killed", "19 people were killed"),  # "at least" reaches 19
        ("Thirty-two states have passed laws", "32 states have passed laws"),
        ("More than 80 million followers saw the post", "80.4 million followers saw the post"),
        (
            "He knelt on the neck for nearly nine minutes",
            "He knelt on the neck for more than eight minutes",
        ),
        ("About 80,000 people have died of the virus", "82,000 people have died of the virus"),
        ("The arrest came 74 days later", "The arrest came two days later"),  # from other moments
        ("5 people were killed in the storm", "7 people were injured in the storm"),  # other things
    ],
)
def test_figures_that_can_both_be_true_are_no_dispute(one: str, other: str) -> None:
    assert not disputed(figures(one), figures(other))


def test_reports_days_apart_or_giving_the_other_figure_are_no_dispute() -> None:
    a, b = (
        figures("12 people were killed in the flood"),
        figures("19 people were killed in the flood"),
    )
    assert disputed(a, b) == {"people"}
    assert not disputed(a, b, days_apart=3.0)  # counts change: news, not a dispute
    assert not disputed(a, b, a_elsewhere=figures("Later, 19 people were counted dead"))


def test_matching_numbers_are_no_disagreement() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} At least 12 people were killed in the flooding in the Millbrook valley on Sunday.",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} Officials said 12 people were killed in the flooding in the Millbrook valley on Sunday.",
        ),
    ]
    assert not [q for q in _questions(articles) if q.kind == "disagreement"]


def test_a_missing_side_produces_a_missing_side_question() -> None:
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley."),
        article(
            2,
            "center-wire",
            Lean.CENTER,
            f"{FLOOD} Rescue crews searched the valley for survivors.",
        ),
    ]
    found = [q for q in _questions(articles) if q.kind == "missing_side"]
    assert len(found) == 1
    assert "right-leaning" in found[0].text and "left-leaning" not in found[0].text
    assert [e.anchor for e in found[0].evidence] == ["lean-mix"]


def test_a_thin_story_gets_fewer_questions_and_no_filler() -> None:
    articles = [article(1, "left-daily", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley.")]
    found = _questions(articles)
    assert [q.kind for q in found] == ["missing_side"]
    assert "Only one outlet" in found[0].text


def test_unrated_outlets_alone_give_no_side_question() -> None:
    articles = [article(1, "blog", Lean.UNRATED, f"{FLOOD} Rescue crews searched the valley.")]
    assert _questions(articles) == []


def test_a_fact_only_one_side_reports_is_asked_about() -> None:
    warning = "State engineers warned last year that the Millbrook river levee was unsafe and needed urgent repairs."
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} {warning}"),
        article(
            2,
            "left-weekly",
            Lean.LEFT,
            f"{FLOOD} Engineers warned last year that the Millbrook river levee was unsafe and needed repairs.",
        ),
        article(
            3,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} The governor thanked the volunteers who filled sandbags.",
        ),
    ]
    found = [q for q in _questions(articles) if q.kind == "one_side"]
    assert found and found[0].text.startswith("Only left-leaning outlets (")
    assert "levee" in found[0].text
    assert "omissions" in {e.anchor for e in found[0].evidence}


def test_a_loaded_phrase_one_side_uses_is_a_framing_question() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} A crowd of demonstrators gathered outside the Millbrook city hall on Monday to demand flood relief.",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} A radical mob gathered outside the Millbrook city hall on Monday to demand flood relief.",
            loaded=["radical mob"],
        ),
    ]
    found = [q for q in _questions(articles) if q.kind == "framing"]
    assert found and "“radical mob”" in found[0].text
    assert {e.article_id for e in found[0].evidence} == {1, 2}


def test_a_tone_gap_between_sides_is_a_framing_question() -> None:
    tone = LEFT_CRITICAL_OF_SMITH
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley."),
        article(2, "right-post", Lean.RIGHT, f"{FLOOD} Rescue crews searched the valley."),
    ]
    found = [q for q in _questions(articles, [tone]) if q.kind == "framing"]
    assert found and "Jane Smith" in found[0].text
    assert [e.anchor for e in found[0].evidence] == ["tone"]


def test_what_comes_next_is_asked_from_an_announced_step() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} The Millbrook council will vote on an emergency flood relief fund next week.",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} The Millbrook council is expected to vote on a flood relief fund next week.",
        ),
    ]
    found = [q for q in _questions(articles) if q.kind == "next"]
    assert found and "vote" in found[0].text
    assert {e.anchor for e in found[0].evidence} <= {"article-1", "article-2"}


def test_never_more_than_five_questions_each_with_evidence() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} Twelve people were killed in the flooding in the Millbrook valley on Sunday. A crowd of residents gathered outside the Millbrook city hall on Monday to demand flood relief. The council will vote on relief next week. State engineers warned last year that the Millbrook river levee was unsafe and needed urgent repairs.",
        ),
        article(
            2,
            "center-wire",
            Lean.CENTER,
            f"{FLOOD} Officials said 19 people were killed in the flooding in the Millbrook valley on Sunday. State engineers warned last year that the Millbrook river levee was unsafe.",
        ),
        article(
            3,
            "center-news",
            Lean.CENTER,
            f"{FLOOD} A radical mob gathered outside the Millbrook city hall on Monday to demand flood relief.",
            loaded=["radical mob"],
        ),
    ]
    found = _questions(articles)
    assert 3 <= len(found) <= 5
    assert all(q.evidence for q in found)
    assert all(q.text.endswith("?") for q in found)


def _two_headlines() -> list[ArticleRecord]:
    """Two sides' reports of the flood under headlines that put different things first."""
    return [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{FLOOD} Residents blamed the council for ignoring warnings about the levee.",
            title="Council ignored levee warnings before deadly flood",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{FLOOD} Volunteers filled sandbags through the night to protect the town.",
            title="Volunteers rally to save Millbrook from rising river",
        ),
    ]


def test_two_sides_headlines_that_put_different_things_first_are_compared() -> None:
    articles = _two_headlines()
    [found] = [q for q in _questions(articles) if q.kind == "headlines"]
    assert "Left Daily (left-leaning) headlines it “Council ignored levee warnings" in found.text
    assert found.text.endswith("?")
    assert {e.anchor for e in found.evidence} == {"article-1", "article-2"}


def test_quotations_posts_and_first_person_are_never_one_sides_facts() -> None:
    tweet = (
        "Rand Paul: we never reached pandemic levels in Kentucky. pic.twitter.com/abc — A "
        "Reporter (@reporter) May 12, 2020"
    )
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} {tweet} We were never told about the levee."),
        article(2, "right-post", Lean.RIGHT, f"{FLOOD} Crews searched the valley for survivors."),
    ]
    asked = " ".join(q.text for q in _questions(articles) if q.kind == "one_side")
    assert "pic.twitter.com" not in asked and "We were never told" not in asked


def test_a_fact_reported_after_the_other_side_wrote_is_not_left_out() -> None:
    levee = "State engineers warned last year that the Millbrook river levee was unsafe."
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} {levee}"),
        article(2, "left-weekly", Lean.LEFT, f"{FLOOD} {levee}"),
        article(3, "right-post", Lean.RIGHT, f"{FLOOD} Crews searched the valley for survivors."),
    ]
    assert any(q.kind == "one_side" for q in _questions(articles))
    for a in articles[:2]:
        a.published = datetime(2021, 3, 4, tzinfo=UTC)  # three days after the right's report
    assert not any(q.kind == "one_side" for q in _questions(articles))


def test_a_rebuke_of_someones_plans_is_not_what_comes_next() -> None:
    rebuke = (
        "More than 280 former diplomats rebuked the mayor over his plans to close the Millbrook "
        "highway for a month."
    )
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} {rebuke}"),
        article(2, "right-post", Lean.RIGHT, f"{FLOOD} {rebuke}"),
    ]
    assert not [q for q in _questions(articles) if q.kind == "next"]


def test_two_sides_perspectives_are_set_against_each_other() -> None:
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{FLOOD} Rescue crews searched the valley."),
        article(2, "right-post", Lean.RIGHT, f"{FLOOD} Crews searched the valley at night."),
    ]
    left = "The council ignored years of warnings about the levee."
    right = "Volunteers, not the state, saved the town."
    views = [
        Perspective(
            side,
            article_id,
            name,
            "",
            "",
            ArticleKind.OPINION,
            [SourceRef(article_id, 1, name, side, text)],
        )
        for side, article_id, name, text in (
            (Lean.LEFT, 1, "Left Daily", left),
            (Lean.RIGHT, 2, "Right Post", right),
        )
    ]
    synthesis = Synthesis("h", None, [], [], None, perspectives=views)
    pool = statement_pool(articles)
    found = [
        q
        for q in key_questions(articles, story_stats(articles), [], [], pool, synthesis)
        if q.kind == "perspectives"
    ]
    assert len(found) == 1
    assert found[0].text.startswith("Left Daily (left-leaning) writes “The council ignored")
    assert "Right Post (right-leaning) “Volunteers, not the state, saved the town”" in found[0].text
    assert {e.anchor for e in found[0].evidence} == {"article-1", "article-2"}


def test_headlines_written_days_apart_are_not_compared() -> None:
    articles = _two_headlines()
    articles[1].published = datetime(2021, 3, 5, tzinfo=UTC)  # four days after the other
    assert not [q for q in _questions(articles) if q.kind == "headlines"]


def test_a_fact_that_names_another_outlet_of_the_story_is_not_one_sides() -> None:
    claim = (
        "Left Weekly reported that state engineers warned last year that the Millbrook river "
        "levee was unsafe."
    )
    crews = f"{FLOOD} Crews searched the valley for survivors."
    articles = [
        article(1, "center-wire", Lean.CENTER, f"{FLOOD} {claim}"),
        article(2, "center-news", Lean.CENTER, f"{FLOOD} {claim}"),
        article(3, "left-weekly", Lean.LEFT, crews),
        article(4, "right-post", Lean.RIGHT, crews),
    ]
    omitted = omissions(articles, pool=statement_pool(articles))
    assert any(o.fact.text == claim for o in omitted)  # an omission by the matching rules …
    asked = " ".join(q.text for q in _questions(articles) if q.kind == "one_side")
    assert "Left Weekly reported" not in asked  # … that names an outlet said to leave it out


def test_headlines_give_one_question_and_a_second_only_to_a_thin_story() -> None:
    same = f"{FLOOD} Crews searched the valley for survivors."
    sides = ((Lean.LEFT, "Left Daily"), (Lean.CENTER, "Center Wire"), (Lean.RIGHT, "Right Post"))
    articles = [
        article(k, name.lower().replace(" ", "-"), side, same)
        for k, (side, name) in enumerate(sides, 1)
    ]
    titles = ("Council ignored warnings", "Valley floods after storm", "Volunteers save the town")
    views = [
        Perspective(side, k, name, title, "", ArticleKind.NEWS, [])
        for k, ((side, name), title) in enumerate(zip(sides, titles, strict=True), 1)
    ]
    synthesis = Synthesis("h", None, [], [], None, perspectives=views)
    found = key_questions(
        articles, story_stats(articles), [], [], statement_pool(articles), synthesis
    )
    assert [q.kind for q in found] == ["headlines", "headlines"]
    assert found[0].text.startswith("Left Daily (left-leaning) headlines it “Council ignored")
