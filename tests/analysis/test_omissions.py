"""Omissions: central facts one side reports and another side that covered the story leaves out."""

from __future__ import annotations

from plumbline.analysis.facts import statement_pool
from plumbline.analysis.faithful import check_sentence
from plumbline.analysis.omissions import omissions
from plumbline.models import ArticleRecord, Lean
from tests.analysis.storybuild import article

BRIDGE = (
    "The river bridge in Millbrook collapsed on Sunday after days of heavy flooding in the valley."
)
WARNING = "State engineers had warned in a report last year that the Millbrook river bridge was unsafe and needed repairs."


def _story() -> list[ArticleRecord]:
    return [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{BRIDGE} {WARNING} Rescue crews searched the valley for survivors on Monday.",
        ),
        article(
            2,
            "center-wire",
            Lean.CENTER,
            f"{BRIDGE} Engineers had warned in a report last year that the Millbrook river bridge was unsafe and needed repairs. Rescue crews searched the valley on Monday.",
        ),
        article(
            3,
            "right-post",
            Lean.RIGHT,
            f"{BRIDGE} Rescue crews searched the flooded valley for survivors on Monday. The governor praised the rescue crews for their quick work.",
        ),
    ]


def test_a_fact_one_side_leaves_out_names_that_side() -> None:
    found = omissions(_story())
    warning = [o for o in found if "warned" in o.fact.text]
    assert len(warning) == 1
    assert warning[0].missing_from == [Lean.RIGHT]
    assert warning[0].reported_by == [Lean.LEFT, Lean.CENTER]


def test_a_fact_every_side_reports_is_not_an_omission() -> None:
    assert not any("collapsed" in o.fact.text for o in omissions(_story()))


def test_the_fact_is_a_source_sentence_with_every_backer() -> None:
    articles = _story()
    texts = {a.id: a.text for a in articles}
    for o in omissions(articles):
        assert o.fact.sources[0].text == o.fact.text
        assert all(ref.text in texts[ref.article_id] for ref in o.fact.sources)
        assert check_sentence(o.fact, texts) == []
    warning = next(o for o in omissions(articles) if "warned" in o.fact.text)
    assert {r.article_id for r in warning.fact.sources} == {1, 2}


def test_a_story_from_one_side_has_no_omissions() -> None:
    articles = [a for a in _story() if a.outlet_lean is Lean.LEFT]
    articles.append(
        article(4, "left-weekly", Lean.LEFT, f"{BRIDGE} The mayor asked for federal help.")
    )
    assert omissions(articles) == []


def test_no_more_than_the_limit_per_side() -> None:
    facts = (
        "Inspectors found deep cracks in the north support of the Millbrook bridge in May. "
        "The county council delayed the Millbrook bridge repair contract twice to save money. "
        "Three trucks were crossing the Millbrook bridge when it collapsed into the flooded river. "
        "The Millbrook bridge carried about nine thousand vehicles across the river every day."
    )
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{BRIDGE} {facts}"),
        article(2, "right-post", Lean.RIGHT, f"{BRIDGE} The governor praised the rescue crews."),
    ]
    assert sum(Lean.RIGHT in o.missing_from for o in omissions(articles)) >= 3
    assert sum(Lean.RIGHT in o.missing_from for o in omissions(articles, per_side=2)) == 2


def test_a_sentence_with_another_figure_does_not_back_a_fact() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{BRIDGE} At least 12 people died when the Millbrook bridge collapsed on Sunday.",
        ),
        article(
            2,
            "center-wire",
            Lean.CENTER,
            f"{BRIDGE} Officials said 19 people died when the Millbrook bridge collapsed on Sunday.",
        ),
        article(
            3,
            "right-post",
            Lean.RIGHT,
            f"{BRIDGE} Officials said 19 people died when the bridge collapsed on Sunday.",
        ),
    ]
    pool = statement_pool(articles)
    assert pool is not None
    [i] = [
        k
        for k, s in enumerate(pool.statements)
        if s.text.startswith("Officials said 19 people died when the Millbrook")
    ]
    assert {pool.statements[j].article.id for j in pool.backers(i)} == {2, 3}
