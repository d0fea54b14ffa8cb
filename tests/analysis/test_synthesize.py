"""The story article: headline, lede, prose body, where accounts differ, perspectives."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from plumbline.analysis.embed import Embedder
from plumbline.analysis.faithful import check_synthesis
from plumbline.analysis.prose import attributed, voice_problem
from plumbline.analysis.synthesize import (
    BODY_SIZE,
    CONTEXT_SIZE,
    DIFFER_SIZE,
    NEXT_SIZE,
    OPINION_ONLY,
    SAME_FACT_COSINE,
    Kind,
    kind,
    synthesize,
)
from plumbline.analysis.text import split_sentences
from plumbline.models import (
    ArticleAnalysis,
    ArticleKind,
    ArticleRecord,
    ArticleState,
    Lean,
    LeanScores,
    Synthesis,
    SynthSentence,
)
from tests.plumbline_fixtures import demo_lines

MONDAY = datetime(2020, 12, 21, 18, 0, tzinfo=UTC)

STORY = {
    ("left-news", Lean.LEFT): (
        "Senate passes relief bill after marathon session",
        "The Senate passed a $900 billion coronavirus relief bill late on Monday night after a marathon session. "
        "The measure includes direct payments of $600 to most adults and extends unemployment benefits. "
        "Democrats said the package was far too small for a devastated economy.",
    ),
    ("center-wire", Lean.CENTER): (
        "Senate approves $900 billion coronavirus relief package",
        "The Senate approved a $900 billion coronavirus relief package on Monday night by a vote of 92 to 6. "
        "The bill provides direct payments of $600 to most adults and extends unemployment benefits for 11 weeks. "
        "The House passed the measure earlier in the day by a wide margin.",
    ),
    ("right-daily", Lean.RIGHT): (
        "Bloated relief bill sails through Senate!",
        "The Senate passed a $900 billion coronavirus relief bill on Monday after months of talks. "
        "Republicans said the package would help small businesses keep workers on the payroll. "
        "The bill now goes to the president for his signature before the end of the year.",
    ),
}

# The same event with background, what comes next, each side's own claims and a figure
# the outlets give differently.
RICH_STORY = {
    ("left-news", Lean.LEFT): (
        "City council approves new transit budget",
        "The city council approved a new transit budget on Tuesday after a long debate. "
        "The budget adds night bus service on twelve routes across the eastern districts. "
        "Transit advocates said the plan finally serves workers who commute after dark. "
        "The council had rejected a similar proposal in 2019 after a dispute over fares. "
        "The new routes will start running in March, according to the transit agency. "
        "Officials said the budget totals 410 million dollars for the coming year.",
    ),
    ("center-wire", Lean.CENTER): (
        "Council passes transit budget with night buses",
        "The city council approved the transit budget on Tuesday by a vote of seven to two. "
        "The budget adds night bus service on twelve routes across the eastern districts. "
        "The transit agency expects ridership to grow after fares were cut in the spring. "
        "The council is expected to vote on fare changes in January next year. "
        "The agency said the budget totals 395 million dollars for the coming year.",
    ),
    ("right-daily", Lean.RIGHT): (
        "Council approves transit budget despite cost worries",
        "The city council approved a new transit budget on Tuesday evening. "
        "Business owners warned that the spending would raise property taxes for small shops. "
        "The budget adds night bus service on twelve routes across the eastern districts. "
        "Two council members voted against the plan, citing the rising costs of the system.",
    ),
}


def _record(
    i: int,
    slug: str,
    lean: Lean,
    title: str,
    text: str,
    biased: str = "far too small",
    kind: ArticleKind | None = ArticleKind.NEWS,
) -> ArticleRecord:
    sentences = split_sentences(text)
    for s in sentences:
        s.bias = 0.8 if biased in s.text else 0.2
    analysis = ArticleAnalysis(sentences, 30.0, LeanScores(0.3, 0.4, 0.3), [], len(text.split()))
    return ArticleRecord(
        id=i,
        url=f"https://{slug}.example/a",
        canonical_url=f"https://{slug}.example/a",
        title=title,
        text=text,
        state=ArticleState.ANALYZED,
        outlet_slug=slug,
        outlet_name=slug.replace("-", " ").title(),
        outlet_lean=lean,
        published=MONDAY,
        fetched_at=MONDAY,
        bias_score=30.0,
        analysis=analysis,
        kind=kind,
    )


def _articles(story: dict[tuple[str, Lean], tuple[str, str]] = STORY) -> list[ArticleRecord]:
    return [
        _record(i, slug, lean, title, text)
        for i, ((slug, lean), (title, text)) in enumerate(story.items(), start=1)
    ]


def _sentences(synthesis: Synthesis) -> list[SynthSentence]:
    return synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]


def _section(synthesis: Synthesis, kind: str) -> list[SynthSentence]:
    return next((sec.sentences for sec in synthesis.sections if sec.kind == kind), [])


def test_every_sentence_is_a_source_sentence_with_its_backers() -> None:
    articles = _articles()
    synthesis = synthesize(articles)
    assert synthesis is not None
    texts = {a.id: a.text for a in articles}
    sentences = _sentences(synthesis)
    assert sentences
    for sentence in sentences:
        assert sentence.sources[0].text in texts[sentence.sources[0].article_id]
        for ref in sentence.sources:
            assert ref.text in texts[ref.article_id]
    assert check_synthesis(synthesis, texts, [a.title for a in articles]) == []


def test_the_headline_is_a_news_title_without_clickbait_and_the_lede_says_it() -> None:
    synthesis = synthesize(_articles())
    assert synthesis is not None
    assert synthesis.headline in {title for title, _ in STORY.values()}
    assert not synthesis.headline.endswith("!")
    lede = synthesis.lead[0]
    assert lede.sources[0].sentence_index == 0  # the opening its writer wrote
    assert "Senate" in lede.text and ("passed" in lede.text or "approved" in lede.text)


@pytest.mark.parametrize(
    "title",
    [
        "We need the new transit budget for night bus routes",
        "Your guide to the new transit budget and its night buses",
        "“Finally, buses at night”",
        "Will the council’s transit budget work?",
        "Opinion: The council’s transit budget is a triumph",
    ],
)
def test_the_headline_is_never_in_the_writers_voice_a_question_or_a_quotation(title: str) -> None:
    articles = _articles(RICH_STORY)
    articles[0].title = title
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.headline != title


def test_opinion_never_supplies_facts_or_the_headline() -> None:
    articles = _articles(RICH_STORY)
    column = articles[0]
    column.kind = ArticleKind.OPINION
    column.title = "City council approves new transit budget with night buses on twelve routes"
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert synthesis.headline != column.title
    for sentence in _sentences(synthesis):
        assert sentence.sources[0].article_id != column.id
    left = [p for p in synthesis.perspectives if p.side is Lean.LEFT]
    assert left and left[0].article_id == column.id and left[0].kind is ArticleKind.OPINION


def test_a_story_only_opinion_covers_has_perspectives_and_no_factual_account() -> None:
    articles = _articles(RICH_STORY)
    for article in articles:
        article.kind = ArticleKind.OPINION
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert synthesis.note == OPINION_ONLY
    assert synthesis.lead == [] and synthesis.sections == []
    assert synthesis.headline.startswith("Opinion: ")
    assert {p.side for p in synthesis.perspectives} == {Lean.LEFT, Lean.CENTER, Lean.RIGHT}
    texts = {a.id: a.text for a in articles}
    assert check_synthesis(synthesis, texts, [a.title for a in articles]) == []


def test_no_two_lead_sentences_state_the_same_fact() -> None:
    articles = _articles()
    # the center wire's second sentence restates its lede in other words
    articles[1].text = (
        "The Senate approved a $900 billion coronavirus relief package on Monday night by a vote of 92 to 6. "
        "Senators approved the $900 billion relief package for the coronavirus crisis in a 92-6 vote on Monday. "
        "The bill provides direct payments of $600 to most adults and extends unemployment benefits for 11 weeks."
    )
    assert articles[1].analysis is not None
    articles[1].analysis.sentences = split_sentences(articles[1].text)
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert len(synthesis.lead) == 2
    assert "92-6 vote" not in synthesis.lead[1].text
    # the second lead sentence is never one side's claim alone ("Republicans said …")
    assert not any("Republicans said" in x.text for x in synthesis.lead)
    texts = [s.text for s in _sentences(synthesis)]
    assert len(texts) == len(set(texts))


def test_the_lede_may_come_from_another_article_than_the_headline() -> None:
    story = dict(STORY)
    # the center wire's title is the only one fit to be a headline (the others ask and
    # exclaim), but its opening is an aside
    left_text = story[("left-news", Lean.LEFT)][1]
    story[("left-news", Lean.LEFT)] = ("Is this relief bill enough for workers?", left_text)
    story[("center-wire", Lean.CENTER)] = (
        "Senate approves $900 billion coronavirus relief package",
        "It was, by any measure, a long and exhausting night for everyone in the chamber. "
        "The bill provides direct payments of $600 to most adults and extends unemployment "
        "benefits for 11 weeks. The House passed the measure earlier in the day by a wide margin.",
    )
    synthesis = synthesize(_articles(story))
    assert synthesis is not None
    assert synthesis.headline == story[("center-wire", Lean.CENTER)][0]
    assert synthesis.lead and synthesis.lead[0].text.startswith("The Senate passed a $900 billion")
    assert synthesis.lead[0].sources[0].article_id != synthesis.headline_article_id


def test_paraphrases_count_as_the_same_fact_with_an_encoder() -> None:
    articles = _articles()
    calls: list[int] = []

    def encode(texts: list[str]) -> np.ndarray:  # every sentence about the vote is one fact
        calls.append(len(texts))
        rows = [
            np.array([1.0, 0.0]) if "Senate" in t or "vote" in t else np.array([0.0, 1.0])
            for t in texts
        ]
        return np.array(rows, dtype=np.float32)

    synthesis = synthesize(articles, encode=encode)
    assert synthesis is not None and calls
    about_the_vote = [s for s in _sentences(synthesis) if "Senate" in s.text or "vote" in s.text]
    assert len(about_the_vote) == 1


def test_sentences_that_lean_on_an_unseen_antecedent_or_speak_as_i_are_left_out() -> None:
    articles = _articles(RICH_STORY)
    articles[1].text += (
        " The trooper said the night buses would be free for the first month of the service. "
        "He said the plan would cost taxpayers more than the council admitted in its budget. "
        "I rode the night bus on the eastern routes last winter and it was always empty."
    )
    assert articles[1].analysis is not None
    articles[1].analysis.sentences = split_sentences(articles[1].text)
    for s in articles[1].analysis.sentences:
        s.bias = 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None
    printed = " ".join(s.text for s in _sentences(synthesis))
    assert "The trooper" not in printed and "He said" not in printed and "I rode" not in printed
    for sentence in _sentences(synthesis):
        if not sentence.attribution:
            assert voice_problem(sentence.sources[0].text, 0.0) in (None, "loaded")


def test_relative_dates_are_written_out_and_undated_ones_left_out() -> None:
    synthesis = synthesize(_articles())
    assert synthesis is not None
    lede = synthesis.lead[0]
    assert "on Monday, December 21" in lede.text or "December 21" in lede.text
    assert lede.inserted == ["December 21"]
    undated = _articles()
    for article in undated:
        article.published = None
    synthesis = synthesize(undated)
    assert synthesis is not None
    assert all("Monday" not in s.text for s in _sentences(synthesis))


def test_what_comes_next_never_says_what_already_happened() -> None:
    articles = _articles(RICH_STORY)
    articles[
        1
    ].text += " The justices will finally hear arguments on the transit budget in the city court. "
    articles[
        2
    ].text += " The justices heard arguments on the transit budget in the city court on Tuesday. "
    for a in articles[1:]:
        assert a.analysis is not None
        a.analysis.sentences = split_sentences(a.text)
        for s in a.analysis.sentences:
            s.bias = 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert all("will finally hear" not in s.text for s in _section(synthesis, "next"))


def test_figures_given_differently_are_where_accounts_differ() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    differ = _section(synthesis, "differ") + _section(synthesis, "one_side")
    assert differ and len(differ) <= DIFFER_SIZE
    for sentence in differ:
        assert sentence.attribution
        assert set(sentence.attribution) <= {r.outlet_name for r in sentence.sources}
        printed = attributed(sentence.text, sentence.attribution)
        assert sentence.attribution[0] in printed.split(" reported")[0]
    figures = _section(synthesis, "differ")
    # both accounts, each its outlet's, when the article is long enough to attribute two
    # sentences of five: otherwise neither figure is printed
    assert {s.text for s in figures} <= {
        "Officials said the budget totals 410 million dollars for the coming year.",
        "The agency said the budget totals 395 million dollars for the coming year.",
    }
    assert len(figures) in (0, 2) and not any(s.exclusive for s in figures)
    # outside those parts, nothing is attributed, and no sentence gives a disputed figure
    for sentence in _sentences(synthesis):
        if sentence not in differ:
            assert not sentence.attribution
            assert "million dollars" not in sentence.text


def test_a_claim_one_side_alone_makes_says_so() -> None:
    articles = _articles(RICH_STORY)
    articles[0].text = articles[0].text.replace(
        "Officials said the budget totals 410 million dollars for the coming year.",
        "Officials said the budget totals 395 million dollars for the coming year.",
    )
    assert articles[0].analysis is not None
    articles[0].analysis.sentences = split_sentences(articles[0].text)
    for s in articles[0].analysis.sentences:
        s.bias = 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None
    one_side = _section(synthesis, "one_side")
    assert one_side and all(s.exclusive and s.attribution for s in one_side)
    assert all(len({r.outlet_lean for r in s.sources}) == 1 for s in one_side)
    titles = [sec.title for sec in synthesis.sections]
    assert "Reported by one side" in titles


def test_at_most_one_sentence_in_five_carries_an_attribution() -> None:
    for story in (STORY, RICH_STORY):
        synthesis = synthesize(_articles(story))
        assert synthesis is not None
        sentences = _sentences(synthesis)
        assert sum(1 for s in sentences if s.attribution) <= 0.2 * len(sentences)


def test_claims_every_side_backs_are_facts_first() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    night = [s for s in _sentences(synthesis) if "night bus service" in s.text]
    assert night and night[0].attribution == []
    assert len({r.outlet_lean for r in night[0].sources}) == 3


def test_each_side_that_covered_it_has_a_perspective_in_its_own_words() -> None:
    articles = _articles(RICH_STORY)
    synthesis = synthesize(articles)
    assert synthesis is not None
    texts = {a.id: a.text for a in articles}
    printed = {s.text for s in _sentences(synthesis)}
    assert [p.side for p in synthesis.perspectives] == [Lean.LEFT, Lean.CENTER, Lean.RIGHT]
    assert any(view.quotes for view in synthesis.perspectives)
    for view in synthesis.perspectives:
        assert view.title == articles[[a.id for a in articles].index(view.article_id)].title
        assert len(view.quotes) <= 2
        for quote in view.quotes:
            assert quote.article_id == view.article_id and quote.text in texts[view.article_id]
            assert quote.text not in printed


def test_the_body_is_paragraphs_by_source_in_their_writers_order() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    for section in synthesis.sections:
        paragraphs: dict[int, list[SynthSentence]] = {}
        for s in section.sentences:
            paragraphs.setdefault(s.paragraph, []).append(s)
        for members in paragraphs.values():
            assert len({m.sources[0].article_id for m in members}) == 1
            indices = [m.sources[0].sentence_index for m in members]
            assert indices == sorted(indices)


def test_synthesis_is_less_biased_than_its_sources() -> None:
    articles = _articles(RICH_STORY)
    for article in articles:
        assert article.analysis is not None
        for s in article.analysis.sentences:
            s.bias = 0.7 if any(w in s.text for w in ("warned", "finally", "citing")) else 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.bias_score is not None
    assert synthesis.bias_score < 25.0  # sources: 25-35 with these sentence scores


def test_the_article_scores_below_its_coverage_even_when_central_sentences_lean() -> None:
    articles = _articles(RICH_STORY)
    for article in articles:
        assert article.analysis is not None
        article.bias_score = 40.0
        for s in article.analysis.sentences:
            s.bias = 0.45 if "council" in s.text or "budget" in s.text else 0.15
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.bias_score is not None
    assert synthesis.bias_score < 40.0
    texts, titles = {a.id: a.text for a in articles}, [a.title for a in articles]
    assert check_synthesis(synthesis, texts, titles) == []
    assert synthesis.lead


def test_kind_of_sentence() -> None:
    assert kind("The vote is expected to take place next week.") is Kind.NEXT
    assert kind("The new law will take effect in January.") is Kind.NEXT
    assert kind("The company had faced similar claims in 2018.") is Kind.CONTEXT
    assert kind("Unemployment has doubled since March.") is Kind.CONTEXT
    assert kind("The Senate passed the bill on Monday.") is Kind.FACT


def test_story_without_text_gives_nothing() -> None:
    article = _articles()[0]
    article.analysis = ArticleAnalysis([], None, LeanScores(0.3, 0.4, 0.3), [], 0)
    assert synthesize([article]) is None


def test_thin_story_gives_its_title_and_a_note_or_a_short_article() -> None:
    short = _record(1, "wire", Lean.CENTER, "Storm closes schools", "Schools closed. Roads too.")
    bare = synthesize([short])
    assert bare is not None and bare.headline == "Storm closes schools"
    assert bare.lead == [] and bare.sections == [] and bare.note
    assert [(v.article_id, v.quotes) for v in bare.perspectives] == [(1, [])]
    one = _record(
        1,
        "wire",
        Lean.CENTER,
        "Storm closes schools",
        "A winter storm closed every school in the county on Friday morning.",
    )
    synthesis = synthesize([one])
    assert synthesis is not None
    assert [s.sources[0].text for s in synthesis.lead] == [one.text]
    assert synthesis.sections == []
    assert synthesis.lead[0].attribution == []  # nobody to disagree with


@pytest.mark.parametrize(
    "dateline",
    ["WASHINGTON (Reuters) - ", "WASHINGTON/MINNEAPOLIS (Reuters) - ", "SELMA, Ala. (AP) — "],
)
def test_datelines_and_furniture_are_left_out(dateline: str) -> None:
    articles = _articles()
    for article in articles:
        article.text = dateline + article.text + " Read more at our site about the bill today."
        assert article.analysis is not None
        article.analysis.sentences = split_sentences(article.text)
        for s in article.analysis.sentences:
            s.bias = 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None
    for sentence in _sentences(synthesis):
        assert not sentence.text.startswith(dateline.split()[0])
        assert "Read more" not in sentence.text


SECTION_LIMITS = {
    "facts": BODY_SIZE,
    "background": CONTEXT_SIZE,
    "next": NEXT_SIZE,
    "differ": DIFFER_SIZE,
    "one_side": DIFFER_SIZE,
}


def test_a_long_single_outlet_story_keeps_its_sections_short() -> None:
    places = ["library", "high school", "church hall", "arena", "armory", "college gym",
              "fairground", "community center", "union hall", "hotel", "museum", "stadium"]  # fmt: skip
    text = " ".join(
        f"Volunteers at the {place} served {n * 40} meals and set up {n * 12} cots on Tuesday."
        for n, place in enumerate(places, start=1)
    )
    article = _record(1, "left-news", Lean.LEFT, "County opens flood shelters", text)
    synthesis = synthesize([article])
    assert synthesis is not None
    assert all(len(s.sentences) <= SECTION_LIMITS[s.kind] for s in synthesis.sections)
    assert len(_sentences(synthesis)) <= 12


DEMO_LEANS = {0: Lean.LEFT, 1: Lean.CENTER, 2: Lean.RIGHT}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("day", "topic"), [("2020-06-02", "us_military"), ("2020-06-03", "violence_in_america")]
)
def test_real_demo_articles_give_a_faithful_article_that_reads_alone(
    embedder: Embedder, day: str, topic: str
) -> None:
    from plumbline.analysis.article import ArticleAnalyzer
    from plumbline.ingest.importers import article_from_record

    lines = [r for r in demo_lines((day,)) if r["topic"] == topic]
    prepared = [article_from_record(r) for r in lines]
    analyzed = ArticleAnalyzer(embedder).analyze([(a.title, a.text) for a in prepared])
    articles = []
    for i, (line, entry, result) in enumerate(zip(lines, prepared, analyzed, strict=True), start=1):
        slug = str(line["source"]).lower().replace(" ", "-")
        article = _record(
            i, slug, DEMO_LEANS[int(str(line["bias"]))], entry.title, "", kind=entry.kind
        )
        article.text = entry.text
        article.outlet_name = str(line["source"])
        article.published = entry.published
        article.analysis = result.analysis
        article.bias_score = result.analysis.bias_score
        articles.append(article)
    synthesis = synthesize(articles, encode=embedder.encode)
    assert synthesis is not None
    texts = {a.id: a.text for a in articles}
    assert check_synthesis(synthesis, texts, [a.title for a in articles]) == []
    opinion = {a.id for a in articles if a.kind is ArticleKind.OPINION}
    previous = None
    for sentence in _sentences(synthesis):
        source = sentence.sources[0]
        assert source.article_id not in opinion
        # a sentence may lean on its writer's previous one when printed right after it
        follows = previous == (source.article_id, source.sentence_index - 1)
        if not sentence.attribution:
            assert voice_problem(source.text, 0.0, follows=follows) in (None, "loaded")
        previous = (source.article_id, source.sentence_index)
    assert all(len(s.sentences) <= SECTION_LIMITS[s.kind] for s in synthesis.sections)
    sentences = _sentences(synthesis)
    assert sum(1 for s in sentences if s.attribution) <= 0.2 * len(sentences)
    scores = [a.bias_score for a in articles if a.bias_score is not None]
    assert synthesis.bias_score is not None
    assert synthesis.bias_score < sum(scores) / len(scores)
    # a side's quotation shows its angle, not a paraphrase of what the article already says
    quotes = [q.text for view in synthesis.perspectives for q in view.quotes]
    if quotes:
        printed = embedder.encode([s.text for s in sentences])
        assert (embedder.encode(quotes) @ printed.T).max() < SAME_FACT_COSINE


def test_a_notice_of_what_will_happen_is_news_not_a_plan() -> None:
    assert kind("ICE notified colleges Monday that students will be forced to leave.") is Kind.FACT
    assert kind("The House will vote on the measure on Friday.") is Kind.NEXT
    assert kind("Trump said Friday he will renew his effort to end the program.") is Kind.NEXT


def test_a_plan_reported_before_the_ledes_day_is_not_what_comes_next() -> None:
    from datetime import timedelta

    story = dict(RICH_STORY)
    plan = "The new routes will start running in March, according to the transit agency. "
    left_title, left_text = story[("left-news", Lean.LEFT)]
    story[("left-news", Lean.LEFT)] = (left_title, left_text.replace(plan, ""))
    center_title, center_text = story[("center-wire", Lean.CENTER)]
    story[("center-wire", Lean.CENTER)] = (center_title, center_text + " " + plan.strip())
    articles = _articles(story)
    fresh = synthesize(articles)
    assert fresh is not None
    lede_article = fresh.lead[0].sources[0].article_id
    coming = _section(fresh, "next")
    assert any(s.sources[0].article_id != lede_article for s in coming)
    # the same plans, reported a day before the lede's article: stale, left out
    for article in articles:
        if article.id != lede_article:
            article.published = MONDAY - timedelta(days=1)
    stale = synthesize(articles)
    assert stale is not None
    assert all(s.sources[0].article_id == lede_article for s in _section(stale, "next"))
