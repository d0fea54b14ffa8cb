from __future__ import annotations

from datetime import UTC, datetime

from plumbline.analysis.synthesize import synthesize
from plumbline.analysis.text import split_sentences
from plumbline.models import ArticleAnalysis, ArticleRecord, ArticleState, Lean, LeanScores

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


def _articles() -> list[ArticleRecord]:
    records = []
    for i, ((slug, lean), (title, text)) in enumerate(STORY.items(), start=1):
        sentences = split_sentences(text)
        for s in sentences:
            s.bias = 0.8 if "far too small" in s.text else 0.2
        analysis = ArticleAnalysis(
            sentences, 30.0, LeanScores(0.3, 0.4, 0.3), [], len(text.split())
        )
        records.append(
            ArticleRecord(
                id=i,
                url=f"https://{slug}.example/a",
                canonical_url=f"https://{slug}.example/a",
                title=title,
                text=text,
                state=ArticleState.ANALYZED,
                outlet_slug=slug,
                outlet_name=slug.title(),
                outlet_lean=lean,
                published=datetime(2020, 12, 21, tzinfo=UTC),
                fetched_at=datetime(2020, 12, 21, tzinfo=UTC),
                bias_score=30.0,
                analysis=analysis,
            )
        )
    return records


def test_every_sentence_is_a_source_sentence_with_its_backers() -> None:
    articles = _articles()
    synthesis = synthesize(articles)
    assert synthesis is not None
    texts = {a.id: a.text for a in articles}
    sentences = synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]
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


def test_story_without_text_gives_nothing() -> None:
    article = _articles()[0]
    article.analysis = ArticleAnalysis([], None, LeanScores(0.3, 0.4, 0.3), [], 0)
    assert synthesize([article]) is None


def test_datelines_and_boilerplate_are_left_out_but_text_stays_verbatim() -> None:
    articles = _articles()
    for article in articles:
        article.text = (
            "WASHINGTON (Reuters) - "
            + article.text
            + " Read more at our site about the bill today."
        )
        assert article.analysis is not None
        article.analysis.sentences = split_sentences(article.text)
        for s in article.analysis.sentences:
            s.bias = 0.2
    synthesis = synthesize(articles)
    assert synthesis is not None
    sentences = synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]
    for sentence in sentences:
        assert not sentence.text.startswith("WASHINGTON")
        assert "Read more" not in sentence.text
        assert any(sentence.text in a.text for a in articles)
