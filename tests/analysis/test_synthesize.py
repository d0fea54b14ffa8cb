from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plumbline.analysis.embed import Embedder
from plumbline.analysis.faithful import check_synthesis
from plumbline.analysis.synthesize import (
    BODY_SIZE,
    CONTEXT_SIZE,
    NEXT_SIZE,
    SIDE_SIZE,
    SIDES_TITLE,
    Kind,
    _candidates,
    kind,
    synthesize,
)
from plumbline.analysis.text import split_sentences
from plumbline.models import (
    ArticleAnalysis,
    ArticleRecord,
    ArticleState,
    Lean,
    LeanScores,
    Synthesis,
    SynthSentence,
)
from tests.plumbline_fixtures import demo_lines

STORY = {
    ("left-news", Lean.LEFT): (
        "Senate passes relief bill after marathon session",
        "The Senate passed a $900 billion coronavirus relief bill late on Monday night. "
        "The measure includes direct payments of $600 to most adults and extends unemployment benefits. "
        "Democrats said the package was far too small for a devastated economy.",
    ),
    ("center-wire", Lean.CENTER): (
        "Senate approves $900 billion coronavirus relief package",
        "The Senate approved a $900 billion coronavirus relief package on Monday night by a vote of 92 to 6. "
        "The bill provides direct payments of $600 to most adults and extends unemployment benefits for 11 weeks. "
        "The House passed the measure earlier in the day.",
    ),
    ("right-daily", Lean.RIGHT): (
        "Bloated relief bill sails through Senate!",
        "The Senate passed a $900 billion coronavirus relief bill on Monday. "
        "Republicans said the package would help small businesses keep workers on the payroll. "
        "The bill now goes to the president for his signature.",
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
        "The transit agency expects ridership to grow after fares were cut last year. "
        "The council is expected to vote on fare changes next month. "
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
    i: int, slug: str, lean: Lean, title: str, text: str, biased: str = "far too small"
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
        published=datetime(2020, 12, 21, tzinfo=UTC),
        fetched_at=datetime(2020, 12, 21, tzinfo=UTC),
        bias_score=30.0,
        analysis=analysis,
    )


def _articles(story: dict[tuple[str, Lean], tuple[str, str]] = STORY) -> list[ArticleRecord]:
    return [
        _record(i, slug, lean, title, text)
        for i, ((slug, lean), (title, text)) in enumerate(story.items(), start=1)
    ]


def _sentences(synthesis: Synthesis) -> list[SynthSentence]:
    return synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]


def test_every_sentence_is_a_source_sentence_with_its_backers() -> None:
    articles = _articles()
    synthesis = synthesize(articles)
    assert synthesis is not None
    texts = {a.id: a.text for a in articles}
    sentences = _sentences(synthesis)
    assert sentences
    for sentence in sentences:
        assert sentence.sources, sentence.text
        assert sentence.sources[0].text == sentence.text
        for ref in sentence.sources:
            assert ref.text in texts[ref.article_id]


def test_lead_is_backed_by_several_outlets_and_avoids_biased_sentences() -> None:
    synthesis = synthesize(_articles())
    assert synthesis is not None
    assert len({r.outlet_name for r in synthesis.lead[0].sources}) >= 2
    all_text = " ".join(s.text for sec in synthesis.sections for s in sec.sentences)
    assert "far too small" not in " ".join(s.text for s in synthesis.lead)
    assert all_text


def test_headline_is_a_source_title_without_clickbait() -> None:
    synthesis = synthesize(_articles())
    assert synthesis is not None
    assert synthesis.headline in {title for title, _ in STORY.values()}
    assert not synthesis.headline.endswith("!")


def test_headline_is_not_in_a_writers_own_voice() -> None:
    articles = _articles(RICH_STORY)
    articles[0].title = "We need the new transit budget for night bus routes"  # most central
    articles[1].title = "Council vote on Tuesday"
    articles[2].title = "Transit budget vote"
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.headline != articles[0].title
    articles[0].title = "Your guide to the new transit budget and its night buses"
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.headline != articles[0].title
    # someone quoted in the title is not the writer's voice
    articles[0].title = 'Council backs transit budget as mayor says "we need night buses"'
    articles[1].title = "Transit: council passes budget with night buses"
    articles[2].title = "Budget: council approves transit spending"
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.headline == articles[0].title


def test_sections_follow_the_material() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    titles = [section.title for section in synthesis.sections]
    assert titles[0] == "What happened"
    assert {"Context", "What comes next", SIDES_TITLE} <= set(titles)
    assert 2 <= len(titles) <= 5
    by_title = {section.title: section.sentences for section in synthesis.sections}
    assert all(kind(s.text) is Kind.CONTEXT for s in by_title["Context"])
    assert all(kind(s.text) is Kind.NEXT for s in by_title["What comes next"])


def test_no_sides_section_when_one_side_covers_the_story() -> None:
    articles = _articles(RICH_STORY)
    for article in articles:
        article.outlet_lean = Lean.LEFT
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert SIDES_TITLE not in [section.title for section in synthesis.sections]


def test_attribution_names_only_the_outlets_that_back_the_sentence() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    attributed = [s for s in _sentences(synthesis) if s.attribution]
    assert attributed
    for sentence in _sentences(synthesis):
        assert set(sentence.attribution) <= {r.outlet_name for r in sentence.sources}
    sides = next(sec for sec in synthesis.sections if sec.title == SIDES_TITLE)
    for sentence in sides.sentences:  # one side's claim: always said who says it
        assert sentence.attribution
        assert len({r.outlet_lean for r in sentence.sources}) == 1


def test_claims_every_side_backs_are_not_attributed() -> None:
    synthesis = synthesize(_articles(RICH_STORY))
    assert synthesis is not None
    night_buses = [s for s in _sentences(synthesis) if "night bus service" in s.text]
    assert night_buses
    assert len({r.outlet_lean for r in night_buses[0].sources}) == 3
    assert night_buses[0].attribution == []


def test_figures_given_differently_are_attributed_to_their_outlet() -> None:
    articles = _articles(RICH_STORY)
    synthesis = synthesize(articles)
    assert synthesis is not None
    for sentence in _sentences(synthesis):
        if "million dollars" in sentence.text:
            assert len(sentence.attribution) == 1
            assert [r.outlet_name for r in sentence.sources] == sentence.attribution


def test_synthesis_is_less_biased_than_its_sources() -> None:
    articles = _articles(RICH_STORY)
    for article in articles:
        assert article.analysis is not None
        for s in article.analysis.sentences:
            s.bias = 0.7 if any(w in s.text for w in ("warned", "finally", "citing")) else 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.bias_score is not None
    assert synthesis.bias_score < 25.0  # sources: 25-35 with these sentence scores


def test_the_article_scores_below_its_coverage_even_when_central_sentences_are_loaded() -> None:
    # the sentences every outlet shares (the natural lead and body) are the loaded ones;
    # the articles' own scores put coverage at 40
    articles = _articles(RICH_STORY)
    for article in articles:
        assert article.analysis is not None
        article.bias_score = 40.0
        for s in article.analysis.sentences:
            s.bias = 0.9 if "council" in s.text or "budget" in s.text else 0.15
    synthesis = synthesize(articles)
    assert synthesis is not None and synthesis.bias_score is not None
    assert synthesis.bias_score < 40.0
    texts, titles = {a.id: a.text for a in articles}, [a.title for a in articles]
    assert check_synthesis(synthesis, texts, titles) == []
    assert len(_sentences(synthesis)) >= 3 and synthesis.lead


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


def test_thin_story_gives_nothing_or_a_short_article() -> None:
    short = _record(1, "wire", Lean.CENTER, "Storm closes schools", "Schools closed. Roads too.")
    assert synthesize([short]) is None
    one = _record(
        1,
        "wire",
        Lean.CENTER,
        "Storm closes schools",
        "A winter storm closed every school in the county on Friday morning.",
    )
    synthesis = synthesize([one])
    assert synthesis is not None
    assert [s.text for s in synthesis.lead] == [one.text]
    assert synthesis.sections == []
    assert synthesis.lead[0].attribution == []  # nobody to disagree with


@pytest.mark.parametrize(
    "dateline",
    ["WASHINGTON (Reuters) - ", "WASHINGTON/MINNEAPOLIS (Reuters) - ", "SELMA, Ala. (AP) — "],
)
def test_datelines_and_boilerplate_are_left_out_but_text_stays_verbatim(dateline: str) -> None:
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
        assert any(sentence.text in a.text for a in articles)


def _candidate_texts(added: str) -> list[str]:
    """The sentences synthesis may choose from an article with `added` at its end."""
    article = _articles()[0]
    article.text += " " + added
    assert article.analysis is not None
    article.analysis.sentences = split_sentences(article.text)
    return [c.text for c in _candidates(article)]


def test_a_sentence_pointing_back_at_another_is_left_out() -> None:
    back = "Officials across the state capital surely know this."
    plain = "Officials across the state capital surely know the rules."
    texts = _candidate_texts(f"{back} {plain}")
    assert plain in texts and back not in texts


@pytest.mark.parametrize(
    "trace",
    [
        "The agency did not immediately respond to a request for comment on Monday.",
        "A spokesman for the governor declined to comment on the pending lawsuit.",
        "This story has been updated with figures from the state health department.",
    ],
)
def test_the_reportings_own_trace_is_not_news(trace: str) -> None:
    kept = "The mayor did not respond to the council's ultimatum before the deadline."
    news = "The city will close three bridges over the river tonight."
    texts = _candidate_texts(f"{trace} {kept} KEY POINTS {news}")
    assert trace not in texts and kept in texts
    assert news in texts  # its kicker stripped


@pytest.mark.parametrize(
    "caption",
    [
        "Dr. Anthony Fauci listens during the daily coronavirus task force briefing at the "
        "White House, April 4, 2020.",
        "Protesters against the death penalty gather in Terre Haute, Ind., Wednesday, "
        "July 15, 2020.",
        "Sign at a protest against racial inequality in Los Angeles, Calif., June 8, 2020.",
        "Voters wait in line to cast their ballots at a middle school in Yonkers on Tuesday "
        "(AP Photo/John Minchillo).",
    ],
)
def test_photo_captions_are_not_news(caption: str) -> None:
    news = "Lewis, who carried the struggle to the halls of Congress, died Friday, July 17, 2020."
    texts = _candidate_texts(f"{caption} {news}")
    assert news in texts
    assert not any(t in caption for t in texts)


# the most sentences each section may hold (sides: SIDE_SIZE for each of three sides)
SECTION_LIMITS = {
    "What happened": BODY_SIZE,
    SIDES_TITLE: 3 * SIDE_SIZE,
    "Context": CONTEXT_SIZE,
    "What comes next": NEXT_SIZE,
}


def test_a_long_single_outlet_story_keeps_its_sections_short() -> None:
    """Many facts and one outlet: "What happened" is filled to BODY_SIZE, never past it."""
    places = ["library", "high school", "church hall", "arena", "armory", "college gym",
              "fairground", "community center", "union hall", "hotel", "museum", "stadium"]  # fmt: skip
    text = " ".join(
        f"Volunteers at the {place} served {n * 40} meals and set up {n * 12} cots on Tuesday."
        for n, place in enumerate(places, start=1)
    )
    article = _record(1, "left-news", Lean.LEFT, "County opens flood shelters", text)
    synthesis = synthesize([article])
    assert synthesis is not None
    assert all(len(s.sentences) <= SECTION_LIMITS[s.title] for s in synthesis.sections)
    assert sum(len(s.sentences) for s in synthesis.sections) + len(synthesis.lead) <= 10


DEMO_LEANS = {0: Lean.LEFT, 1: Lean.CENTER, 2: Lean.RIGHT}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("day", "topic"), [("2020-06-02", "us_military"), ("2020-06-03", "violence_in_america")]
)
def test_real_demo_articles_give_a_faithful_sectioned_article(
    embedder: Embedder, day: str, topic: str
) -> None:
    from plumbline.analysis.article import ArticleAnalyzer

    lines = [r for r in demo_lines((day,)) if r["topic"] == topic]
    analyzed = ArticleAnalyzer(embedder).analyze(
        [(str(r["title"]), str(r["content_original"])) for r in lines]
    )
    articles = []
    for i, (line, result) in enumerate(zip(lines, analyzed, strict=True), start=1):
        slug = str(line["source"]).lower().replace(" ", "-")
        article = _record(i, slug, DEMO_LEANS[int(str(line["bias"]))], str(line["title"]), "")
        article.text = str(line["content_original"])
        article.outlet_name = str(line["source"])
        article.analysis = result.analysis
        article.bias_score = result.analysis.bias_score
        articles.append(article)
    synthesis = synthesize(articles)
    assert synthesis is not None
    assert (
        check_synthesis(synthesis, {a.id: a.text for a in articles}, [a.title for a in articles])
        == []
    )
    assert synthesis.headline in {a.title.strip() for a in articles}
    assert 2 <= len(synthesis.sections) <= 5
    assert all(len(s.sentences) <= SECTION_LIMITS[s.title] for s in synthesis.sections)
    scores = [a.bias_score for a in articles if a.bias_score is not None]
    assert synthesis.bias_score is not None
    assert synthesis.bias_score < sum(scores) / len(scores)
