"""The faithfulness check: what a synthesized sentence may and may not add."""

from __future__ import annotations

from plumbline.analysis.faithful import check_sentence, check_synthesis, normalize, unsupported
from plumbline.models import Lean, Omission, SourceRef, Synthesis, SynthSection, SynthSentence

SOURCES = [
    "President Biden signed the $1.2 trillion infrastructure bill on Monday, the White House said.",
    'Republicans in Congress called the bill "a reckless spending spree".',
]


def test_a_source_sentence_is_supported_up_to_spacing_and_quote_marks() -> None:
    assert unsupported(SOURCES[0], SOURCES) == []
    assert (
        unsupported(
            "Republicans  in Congress called the bill “a reckless spending spree”.", SOURCES
        )
        == []
    )


def test_a_faithful_shortening_is_supported() -> None:
    assert unsupported("Biden signed the infrastructure bill on Monday.", SOURCES) == []


def test_invented_numbers_names_and_quotes_are_caught() -> None:
    assert "number not in any source: 2" in unsupported(
        "Biden signed the $2 trillion bill.", SOURCES
    )
    assert any(
        "name not in any source: Senator Manchin" in r
        for r in unsupported("Senator Manchin signed the bill.", SOURCES)
    )
    assert any(
        r.startswith("quotation not in any source")
        for r in unsupported('Republicans called the bill "a wasteful spending spree".', SOURCES)
    )
    assert any(
        "three" in r for r in unsupported("Biden signed the bill with three guests.", SOURCES)
    )


def test_an_added_negation_is_caught() -> None:
    reasons = unsupported("Biden did not sign the infrastructure bill.", SOURCES)
    assert any(r.startswith("negation") for r in reasons)


def test_new_content_is_caught() -> None:
    reasons = unsupported("Biden vetoed the bill after protests erupted across Ohio.", SOURCES)
    assert any("content words" in r for r in reasons)


def test_numbers_compare_without_thousands_separators() -> None:
    assert unsupported("The bill costs 1,200 dollars.", ["The bill costs 1200 dollars."]) == []


def test_empty_sentence_is_unsupported() -> None:
    assert unsupported("  ", SOURCES) == ["empty sentence"]


def test_normalize_straightens_quotes_and_spaces() -> None:
    assert normalize("  “It’s”\n  FINE ") == '"it\'s" fine'


def _ref(text: str, outlet: str = "Fox News", article: int = 1) -> SourceRef:
    return SourceRef(article, 0, outlet, Lean.RIGHT, text)


def test_attribution_must_name_an_outlet_that_backs_the_sentence() -> None:
    sentence = SynthSentence(SOURCES[1], [_ref(SOURCES[1])], attribution=["Fox News"])
    assert check_sentence(sentence, {1: SOURCES[1]}) == []
    wrong = SynthSentence(SOURCES[1], [_ref(SOURCES[1])], attribution=["CNN"])
    assert check_sentence(wrong, {1: SOURCES[1]}) == [
        "attributed to an outlet that does not back it: CNN"
    ]
    assert check_sentence(SynthSentence("Text.", []), {}) == ["cites no source"]


def test_names_may_come_from_the_whole_cited_article() -> None:
    article = "Speaker Mike Johnson said the House would vote. The bill passed the Senate."
    sentence = SynthSentence(
        "Mike Johnson said the bill passed the Senate.", [_ref("The bill passed the Senate.")]
    )
    reasons = check_sentence(sentence, {1: article})
    assert not any(r.startswith("name") for r in reasons)
    assert check_sentence(sentence, {1: "The bill passed the Senate."})[0].startswith("name")


def test_check_synthesis_covers_headline_lead_sections_and_omissions() -> None:
    good = SynthSentence(SOURCES[0], [_ref(SOURCES[0])])
    bad = SynthSentence("Biden vetoed the bill in Ohio.", [_ref(SOURCES[0])])
    synthesis = Synthesis(
        headline="Biden signs bill",
        headline_article_id=1,
        lead=[good],
        sections=[SynthSection("What happened", [good, bad])],
        bias_score=10.0,
        omissions=[Omission(bad, [Lean.LEFT], [Lean.RIGHT])],
    )
    violations = check_synthesis(synthesis, {1: " ".join(SOURCES)}, ["Biden signs bill"])
    assert {v.sentence for v in violations} == {"Biden vetoed the bill in Ohio."}
    invented = check_synthesis(synthesis, {1: ""}, ["Another title"])
    assert any(v.reason == "headline is not a source title" for v in invented)
