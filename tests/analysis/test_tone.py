"""Tone toward entities by side: VADER sentence tone, outlet weighting, thresholds, verdicts
and the statements they allow. Mentions are built by hand (no NER model)."""

from __future__ import annotations

import pytest

from plumbline.analysis.entities import Entity, EntityKind, Mention
from plumbline.analysis.tone import (
    MIN_OUTLETS,
    MIN_SENTENCES,
    TONE_THRESHOLD,
    ToneSentence,
    ToneVerdict,
    entity_tones,
    sentence_tone,
    side_tone,
    tone_statements,
)
from plumbline.models import Lean

SMITH = Entity("Jane Smith", EntityKind.PERSON, frozenset({"jane smith", "smith"}))
ACME = Entity("Acme", EntityKind.ORGANIZATION, frozenset({"acme"}))

NEGATIVE = "Smith's disastrous plan is a shameful failure that hurt thousands of families."
POSITIVE = "Smith's excellent plan was a great success and helped thousands of happy families."
FLAT = "Smith spoke on Tuesday in the city hall."


def mention(name: str, kind: EntityKind = EntityKind.PERSON) -> Mention:
    return Mention(name, name, kind, 0, len(name), "PERSON")


def sent(
    text: str, outlet: str, side: Lean, *, names: tuple[str, ...] = ("Smith",)
) -> ToneSentence:
    return ToneSentence(text, outlet, side, [mention(n) for n in names])


def test_sentence_tone_signs() -> None:
    assert sentence_tone(NEGATIVE) < -0.5
    assert sentence_tone(POSITIVE) > 0.5
    assert sentence_tone(FLAT) == 0.0


@pytest.mark.parametrize("text", ["", "   ", "<p></p>", "\x00\x01"])
def test_sentence_tone_of_empty_or_debris_is_zero(text: str) -> None:
    assert sentence_tone(text) == 0.0


def test_sentence_tone_ignores_html_tags() -> None:
    assert sentence_tone(f"<div class='x'>{NEGATIVE}</div>") == sentence_tone(NEGATIVE)


def test_sentence_tone_of_a_very_long_string_is_bounded_and_fast() -> None:
    tone = sentence_tone("terrible " * 200_000)
    assert -1.0 <= tone < 0.0


def test_sentence_tone_of_non_english_text_is_in_range() -> None:
    for text in ["Le président a critiqué le plan.", "政府は新しい計画を発表した。", "😡😡"]:
        assert -1.0 <= sentence_tone(text) <= 1.0


def test_critical_when_enough_sentences_and_outlets() -> None:
    st = side_tone(
        [
            (sent(NEGATIVE, "a", Lean.RIGHT), -0.8),
            (sent(NEGATIVE, "b", Lean.RIGHT), -0.6),
            (sent(FLAT, "b", Lean.RIGHT), 0.0),
        ]
    )
    assert st.verdict is ToneVerdict.CRITICAL
    assert st.n_sentences == 3 and st.n_outlets == 2
    assert st.n_negative == 2 and st.n_positive == 0
    assert st.example_sentence == NEGATIVE and st.example_outlet == "a"


def test_insufficient_with_one_outlet() -> None:
    scored = [(sent(NEGATIVE, "a", Lean.RIGHT), -0.8)] * 10
    assert MIN_OUTLETS > 1
    assert side_tone(scored).verdict is ToneVerdict.INSUFFICIENT


def test_insufficient_with_too_few_sentences() -> None:
    scored = [(sent(NEGATIVE, "a", Lean.LEFT), -0.8), (sent(NEGATIVE, "b", Lean.LEFT), -0.8)]
    assert len(scored) < MIN_SENTENCES
    assert side_tone(scored).verdict is ToneVerdict.INSUFFICIENT


def test_each_outlet_counts_once() -> None:
    scored = [(sent(NEGATIVE, "a", Lean.LEFT), -0.9)] * 9 + [(sent(POSITIVE, "b", Lean.LEFT), 0.9)]
    assert side_tone(scored).mean_tone == 0.0


def test_sentences_of_one_outlet_are_averaged() -> None:
    scored = [(sent(NEGATIVE, "a", Lean.LEFT), -0.6), (sent(POSITIVE, "a", Lean.LEFT), 0.3)]
    assert side_tone(scored).mean_tone == pytest.approx(-0.15)


def test_mixed_tone_is_neutral() -> None:
    scored = [
        (sent(NEGATIVE, "a", Lean.CENTER), -0.9),
        (sent(POSITIVE, "b", Lean.CENTER), 0.2),
        (sent(POSITIVE, "c", Lean.CENTER), 0.1),
    ]
    st = side_tone(scored)
    assert st.mean_tone == pytest.approx(-TONE_THRESHOLD)
    assert st.verdict is ToneVerdict.NEUTRAL  # mean at the threshold, but more positive sentences


def test_critical_needs_the_mean_past_the_threshold() -> None:
    scored = [(sent(NEGATIVE, o, Lean.CENTER), -0.1) for o in "abc"]
    assert TONE_THRESHOLD > 0.1
    assert side_tone(scored).verdict is ToneVerdict.NEUTRAL


def test_news_topic_words_carry_no_tone() -> None:
    assert (
        sentence_tone("The Supreme Court heard the Homeland Security case on gun charges.") == 0.0
    )
    assert sentence_tone("The Justice Department and the Republican Party met.") == 0.0


def test_entity_tones_by_side() -> None:
    sentences = [
        sent(NEGATIVE, "fox", Lean.RIGHT),
        sent(NEGATIVE, "breitbart", Lean.RIGHT),
        sent(NEGATIVE, "breitbart", Lean.RIGHT, names=("Jane Smith",)),
        sent(POSITIVE, "nyt", Lean.LEFT),
        sent(POSITIVE, "huffpost", Lean.LEFT),
        sent(POSITIVE, "huffpost", Lean.LEFT),
        sent(NEGATIVE, "unknown", Lean.UNRATED),
        sent(NEGATIVE, "fox", Lean.RIGHT, names=("Acme",)),  # not about Smith
    ]
    (tone,) = entity_tones(sentences, [SMITH])
    assert tone.entity == "Jane Smith" and tone.kind is EntityKind.PERSON
    assert set(tone.by_side) == {Lean.LEFT, Lean.RIGHT}
    assert tone.by_side[Lean.RIGHT].verdict is ToneVerdict.CRITICAL
    assert tone.by_side[Lean.RIGHT].n_sentences == 3
    assert tone.by_side[Lean.LEFT].verdict is ToneVerdict.FAVORABLE
    assert tone.overall.n_sentences == 7
    assert tone.overall.n_outlets == 5


def test_entity_never_mentioned_gets_no_sides() -> None:
    (tone,) = entity_tones([sent(NEGATIVE, "a", Lean.LEFT)], [ACME])
    assert tone.by_side == {}
    assert tone.overall.verdict is ToneVerdict.INSUFFICIENT
    assert tone.overall.n_sentences == 0
    assert tone.overall.example_sentence == ""


def test_statements_only_for_critical_or_favorable_sides() -> None:
    sentences = [
        sent(NEGATIVE, "fox", Lean.RIGHT),
        sent(NEGATIVE, "breitbart", Lean.RIGHT),
        sent(NEGATIVE, "breitbart", Lean.RIGHT),
        sent(POSITIVE, "nyt", Lean.LEFT),  # one left sentence: insufficient
    ]
    (tone,) = entity_tones(sentences, [SMITH])
    (statement,) = tone_statements(tone)
    assert statement.startswith(
        "Coverage on the right uses mostly negative language about Jane Smith: mean tone -0."
    )
    assert "over 3 sentences from 2 outlets" in statement
