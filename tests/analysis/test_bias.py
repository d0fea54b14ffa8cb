from __future__ import annotations

import pytest

from plumbline.analysis.bias import (
    article_score,
    loaded_phrases,
    loaded_words,
    weighted_share,
    word_keys,
    word_spans,
)
from plumbline.models import Sentence

LEXICON = {
    "corrupt": 0.5,
    "dishonest": 0.6,
    "slammed": 0.7,
    "radical": 0.4,
    "scheme": 0.3,
    "naive": 0.5,
    "plan": 0.05,
}


def sentence(text: str, bias: float | None) -> Sentence:
    return Sentence(text, 0, len(text), bias=bias)


def texts(sentences: list[Sentence], max_words_per_sentence: int | None = None) -> list[str]:
    """Phrase texts under a fixed rule (p(s) >= 0.5, rate >= 0.1), whatever ships."""
    phrases = loaded_phrases(
        sentences,
        lexicon=LEXICON,
        min_sentence_bias=0.5,
        min_word_rate=0.1,
        max_words_per_sentence=max_words_per_sentence,
    )
    return [p.text for p in phrases]


def test_loaded_word_found_in_a_likely_biased_sentence() -> None:
    assert texts([sentence("Critics slammed the senator on Monday.", 0.9)]) == ["slammed"]


def test_no_phrase_in_a_neutral_sentence() -> None:
    assert texts([sentence("The committee will meet on Tuesday at 10 a.m.", 0.9)]) == []


def test_loaded_words_ignored_when_the_sentence_is_unlikely_biased() -> None:
    assert texts([sentence("Critics slammed the senator on Monday.", 0.2)]) == []


def test_unscored_sentence_is_skipped() -> None:
    assert texts([sentence("Critics slammed the senator on Monday.", None)]) == []


def test_words_below_the_rate_threshold_are_not_loaded() -> None:
    assert texts([sentence("The plan passed.", 0.9)]) == []


def test_adjacent_loaded_words_merge_into_one_phrase() -> None:
    found = texts([sentence("It was a corrupt, dishonest deal.", 0.9)])
    assert found == ["corrupt, dishonest"]


def test_words_separated_by_another_word_stay_apart() -> None:
    found = texts([sentence("It was corrupt and dishonest.", 0.9)])
    assert sorted(found) == ["corrupt", "dishonest"]


def test_phrase_weight_is_sentence_bias_times_highest_rate() -> None:
    (phrase,) = loaded_phrases([sentence("A corrupt, dishonest deal.", 0.7)], lexicon=LEXICON)
    assert phrase.weight == pytest.approx(0.7 * 0.6)
    assert phrase.sentence_index == 0


def test_phrases_come_strongest_first() -> None:
    sentences = [sentence("A radical idea.", 0.9), sentence("Critics slammed it.", 0.9)]
    assert texts(sentences) == ["slammed", "radical"]


def test_limit_is_respected() -> None:
    sentences = [sentence(f"A {word} move.", 0.9) for word in ("corrupt", "slammed", "radical")]
    assert len(loaded_phrases(sentences, lexicon=LEXICON, limit=2)) == 2


def test_repeated_phrase_is_shown_once() -> None:
    sentences = [sentence("A radical idea.", 0.8), sentence("Radical, they said.", 0.9)]
    phrases = loaded_phrases(sentences, lexicon=LEXICON)
    assert [(p.text, p.sentence_index) for p in phrases] == [("Radical", 1)]


def test_max_words_per_sentence_keeps_the_highest_rates() -> None:
    found = texts([sentence("A radical scheme, critics slammed.", 0.9)], max_words_per_sentence=1)
    assert found == ["slammed"]


def test_accented_word_matches_its_folded_lexicon_entry() -> None:
    assert texts([sentence("A naïve proposal.", 0.9)]) == ["naïve"]


def test_word_keys_are_lower_case_and_split_at_apostrophes() -> None:
    assert word_keys("Trump’s far-left Critics") == ["trump", "far-left", "critics"]


def test_packaged_lexicon_is_the_default() -> None:
    rate = loaded_words()["slammed"]
    (phrase,) = loaded_phrases([sentence("Critics slammed the plan.", 1.0)])
    assert phrase.text == "slammed"
    assert phrase.weight == pytest.approx(rate, abs=1e-3)


def test_weighted_share_weights_sentences_by_length() -> None:
    share = weighted_share(["one two three", "four"], [1.0, 0.0])
    assert share == 75.0


def test_article_score_is_none_for_empty_text() -> None:
    assert article_score([], min_words=40) is None


def test_article_score_is_none_below_min_words() -> None:
    sentences = [sentence("Seven words are in this short sentence.", 0.5)]
    assert article_score(sentences, min_words=40) is None


def test_article_score_is_the_length_weighted_share() -> None:
    sentences = [sentence("word " * 30, 0.8), sentence("word " * 10, 0.4)]
    assert article_score(sentences, min_words=40) == 70.0


def test_article_score_is_none_when_a_sentence_is_unscored() -> None:
    sentences = [sentence("word " * 30, 0.8), sentence("word " * 10, None)]
    assert article_score(sentences, min_words=40) is None


@pytest.mark.slow
def test_analyzer_finds_phrases_in_the_loaded_sentence_only() -> None:
    from plumbline.analysis.article import ArticleAnalyzer
    from plumbline.analysis.embed import Embedder

    text = (
        "The city council met on Tuesday to discuss the budget for next year.\n"
        "Critics slammed the mayor's disgraceful, dishonest scheme to destroy the city."
    )
    (result,) = ArticleAnalyzer(Embedder(), min_words=10).analyze([("Budget meeting", text)])
    phrases = result.analysis.loaded_phrases
    assert phrases
    assert {p.sentence_index for p in phrases} == {1}
    assert result.analysis.bias_score is not None


@pytest.mark.slow
def test_analyzer_gives_no_score_for_a_short_text() -> None:
    from plumbline.analysis.article import ArticleAnalyzer
    from plumbline.analysis.embed import Embedder

    (result,) = ArticleAnalyzer(Embedder()).analyze([("Title", "Too short to score.")])
    assert result.analysis.bias_score is None


def test_sentence_bias_needs_the_layer_means_of_the_same_pass() -> None:
    import numpy as np

    from plumbline.analysis.bias import sentence_bias
    from plumbline.analysis.embed import Encoded

    with pytest.raises(TypeError, match="encode_layers"):
        sentence_bias(np.zeros((1, 384), dtype=np.float32), ["text"])  # type: ignore[arg-type]
    empty = np.zeros((0, 384), dtype=np.float32)
    assert sentence_bias(Encoded(empty, empty), []).shape == (0,)


# --- the loaded-word head ------------------------------------------------------------------


def test_word_scores_take_each_words_highest_piece_and_skip_the_rest() -> None:
    from plumbline.analysis.bias import word_scores

    text = "Critics slammed the un-American scheme, 2020."
    #         [CLS]   Crit    ics      slam      med       the       un      -         American  scheme   ,        2020      [SEP]
    spans = [
        (0, 0),
        (0, 4),
        (4, 7),
        (8, 12),
        (12, 15),
        (16, 19),
        (20, 22),
        (22, 23),
        (23, 31),
        (32, 38),
        (38, 39),
        (40, 44),
        (0, 0),
    ]
    scores = [9.0, 0.1, 0.3, 0.9, 0.2, 0.0, 0.6, 0.5, 0.4, 0.7, 0.8, 0.95, 9.0]
    got = word_scores(text, spans, scores)
    assert got == {"critics": 0.3, "slammed": 0.9, "the": 0.0, "un-american": 0.6, "scheme": 0.7}
    assert word_scores("", [(0, 0)], [1.0]) == {}


def test_the_head_marks_words_outside_the_lexicon_and_keeps_its_rule() -> None:
    from plumbline.analysis.bias import word_rule

    min_p, min_rate = word_rule()
    assert 0 < min_p < 1 and 0 < min_rate <= 1.01
    neutral = sentence("The mayor presented a plan to the council.", 0.1)
    loaded = sentence("The mayor pushed a reckless scheme on the council.", 0.8)
    scores = [{"mayor": 0.01, "plan": 0.02}, {"reckless": 0.99, "scheme": 0.01, "mayor": 0.0}]
    phrases = loaded_phrases([neutral, loaded], lexicon={"scheme": 1.0}, word_scores=scores)
    # "reckless" by the head, "scheme" by the lexicon: one phrase, weight p(s) x strength
    assert [(p.text, p.sentence_index, p.weight) for p in phrases] == [("reckless scheme", 1, 0.8)]
    with pytest.raises(ValueError, match="one mapping per sentence"):
        loaded_phrases([neutral, loaded], word_scores=scores[:1])


def test_token_scores_come_from_the_same_pass_with_spans_in_the_text() -> None:
    import numpy as np

    from plumbline.analysis.bias import loaded_word_scores, token_head
    from plumbline.analysis.embed import Embedder, Encoded

    texts = ["  Critics slammed the dishonest scheme.", "Rain is expected on Tuesday."]
    embedder = Embedder()
    encoded = embedder.encode_layers(texts, token_head=token_head())
    plain = embedder.encode_layers(texts)
    np.testing.assert_allclose(encoded.vectors, plain.vectors, atol=1e-6)
    assert plain.tokens == () and len(encoded.tokens) == 2
    first = encoded.tokens[0]
    assert len(first.scores) == len(first.spans)
    pieces = [(a, b) for a, b in first.spans if b > a]
    # the spans point into the text as given (leading spaces included) and cover every word
    assert all(texts[0][a:b].strip() == texts[0][a:b] != "" for a, b in pieces)
    assert texts[0][pieces[0][0] : pieces[0][1]].lower().startswith("crit")
    for start, end, _key in word_spans(texts[0]):
        assert any(a < end and b > start for a, b in pieces)
    scores = loaded_word_scores(encoded, texts)
    assert scores is not None and set(scores[0]) == {
        "critics",
        "slammed",
        "the",
        "dishonest",
        "scheme",
    }
    assert all(0.0 <= p <= 1.0 for row in scores for p in row.values())
    assert scores[0]["dishonest"] > scores[1]["rain"]
    assert loaded_word_scores(plain, texts) is None
    empty = np.zeros((0, 384), dtype=np.float32)
    assert loaded_word_scores(Encoded(empty, empty), []) == []
