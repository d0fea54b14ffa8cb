"""Tone toward a story's main entities, by the side (left/center/right) of the outlets.

A sentence's tone is VADER's compound score (-1 very negative … +1 very positive; Hutto &
Gilbert 2014, a lexicon and rules, offline, no model download) of the sentence, with the
words that are names or topics in news (NEWS_NEUTRAL_WORDS) made neutral. The tone
toward an entity on one side is computed from the sentences of that side's outlets that
mention the entity (after story-level merging, `entities.resolve_entities`):

- each outlet counts once, as for the coverage score: the side's `mean_tone` is the mean over
  its outlets of each outlet's mean sentence tone (weighting sentences by 1 + p(biased) was
  tried and did not help on BASIL, so sentences weigh the same);
- a sentence is negative when its tone is ≤ -0.05 and positive when ≥ +0.05 (VADER's own
  cut-offs).

The verdict says what a page may claim:

- `insufficient`: fewer than MIN_SENTENCES sentences or MIN_OUTLETS outlets on that side
  mention the entity — nothing is claimed;
- `critical`: mean tone ≤ -TONE_THRESHOLD and more negative than positive sentences;
- `favorable`: mean tone ≥ +TONE_THRESHOLD and more positive than negative sentences;
- `neutral` otherwise.

What it measures is the language of the sentences around the entity, not the outlet's
stance toward it: in "X condemned Y's attack" the negative words count against both X and Y,
and a grim event makes every sentence about it negative. On BASIL (bench/tone_basil.py) the
sign of the sentence tone agrees with the annotated polarity of a bias span toward its
target in 64% of the non-neutral sentences (balanced 62%), but which of two outlets is more
negative agrees with the annotators' "author feeling" only 53% of the time (chance 50%).
Statements therefore speak of language ("uses mostly negative language about X"), never of
an outlet's attitude.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from plumbline.analysis.entities import Entity, EntityKind, Mention, mentions_entity
from plumbline.models import Lean

SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
MIN_SENTENCES = 3
MIN_OUTLETS = 2
TONE_THRESHOLD = 0.20
SENTENCE_CUTOFF = 0.05
MAX_SENTENCE_CHARS = 2000

# VADER was built for social media. In news these words are mostly parts of names and topics
# ("Homeland Security", "the Republican Party", "Justice Department", "Supreme Court",
# "health care", "special counsel", "gun control", "national emergency", "pay cuts") or
# function words ("like", "well", "no"), and carry no tone; their VADER valence is dropped.
# Chosen from the most frequent lexicon words in BASIL's text (word counts, not its labels);
# on BASIL they raise span-polarity sign accuracy from 59% to 64% (docs/methodology.md).
NEWS_NEUTRAL_WORDS = frozenset(
    """security party parties united justice intelligence supreme defense care treasury
    authority special legal like well want matter number top interest hand kind share certain
    clear clearly sure god faith benefits no pay gun guns war weapons emergency charges
    charged lawsuit leave demand cut cuts""".split()  # noqa: SIM905 - a word list as text
)

_TAG = re.compile(r"<[^<>]{0,300}>")


class ToneVerdict(StrEnum):
    CRITICAL = "critical"
    FAVORABLE = "favorable"
    NEUTRAL = "neutral"
    INSUFFICIENT = "insufficient"  # too few sentences or outlets to say


@dataclass(frozen=True, slots=True)
class ToneSentence:
    """A sentence of a story's article, with its outlet, the outlet's side and mentions."""

    text: str
    outlet: str  # outlet slug; "article-<id>" when the outlet is unknown
    side: Lean
    mentions: Sequence[Mention]


@dataclass(frozen=True, slots=True)
class SideTone:
    mean_tone: float  # -1 … +1, outlet-weighted
    n_sentences: int
    n_outlets: int
    n_negative: int  # sentences with tone ≤ -SENTENCE_CUTOFF
    n_positive: int  # sentences with tone ≥ +SENTENCE_CUTOFF
    verdict: ToneVerdict
    example_sentence: str  # the sentence that shows the verdict best
    example_outlet: str


@dataclass(frozen=True, slots=True)
class EntityTone:
    entity: str
    kind: EntityKind
    by_side: dict[Lean, SideTone]  # only sides with at least one sentence
    overall: SideTone  # every outlet, unrated ones included


class _Vader:
    """VADER's analyzer, built once (it reads its lexicon file) on first use."""

    def __init__(self) -> None:
        self._analyzer: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._analyzer is None:
                from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

                analyzer = SentimentIntensityAnalyzer()
                for word in NEWS_NEUTRAL_WORDS:
                    analyzer.lexicon.pop(word, None)
                self._analyzer = analyzer
            return self._analyzer


_vader = _Vader()


def sentence_tone(text: str) -> float:
    """VADER compound score of a sentence, -1 … +1; 0.0 for an empty one."""
    cleaned = " ".join(_TAG.sub(" ", text[:MAX_SENTENCE_CHARS]).split())
    if not cleaned:
        return 0.0
    return float(_vader.get().polarity_scores(cleaned)["compound"])


def _verdict(mean: float, n_sentences: int, n_outlets: int, neg: int, pos: int) -> ToneVerdict:
    if n_sentences < MIN_SENTENCES or n_outlets < MIN_OUTLETS:
        return ToneVerdict.INSUFFICIENT
    if mean <= -TONE_THRESHOLD and neg > pos:
        return ToneVerdict.CRITICAL
    if mean >= TONE_THRESHOLD and pos > neg:
        return ToneVerdict.FAVORABLE
    return ToneVerdict.NEUTRAL


def side_tone(scored: Sequence[tuple[ToneSentence, float]]) -> SideTone:
    """Tone of (sentence, tone) pairs of one side: outlet-weighted mean, counts, verdict and
    the example sentence (the most negative for a critical side, the most positive for a
    favorable one, else the one nearest the mean)."""
    by_outlet: dict[str, list[float]] = {}
    for sentence, tone in scored:
        by_outlet.setdefault(sentence.outlet, []).append(tone)
    outlet_means = [sum(tones) / len(tones) for tones in by_outlet.values()]
    mean = sum(outlet_means) / len(outlet_means) if outlet_means else 0.0
    neg = sum(1 for _s, t in scored if t <= -SENTENCE_CUTOFF)
    pos = sum(1 for _s, t in scored if t >= SENTENCE_CUTOFF)
    verdict = _verdict(mean, len(scored), len(by_outlet), neg, pos)
    example = ("", "")
    if scored:
        if verdict is ToneVerdict.CRITICAL:
            best = min(scored, key=lambda p: (p[1], len(p[0].text)))
        elif verdict is ToneVerdict.FAVORABLE:
            best = max(scored, key=lambda p: (p[1], -len(p[0].text)))
        else:
            best = min(scored, key=lambda p: (abs(p[1] - mean), len(p[0].text)))
        example = (best[0].text, best[0].outlet)
    return SideTone(
        mean_tone=round(mean, 3),
        n_sentences=len(scored),
        n_outlets=len(by_outlet),
        n_negative=neg,
        n_positive=pos,
        verdict=verdict,
        example_sentence=example[0],
        example_outlet=example[1],
    )


def entity_tones(sentences: Sequence[ToneSentence], entities: Sequence[Entity]) -> list[EntityTone]:
    """Tone toward each entity (in the given order), by side and overall. An entity no
    sentence mentions gets an empty `by_side` and an insufficient `overall`."""
    tones: dict[int, float] = {}
    result: list[EntityTone] = []
    for entity in entities:
        scored: list[tuple[ToneSentence, float]] = []
        for index, sentence in enumerate(sentences):
            if mentions_entity(sentence.mentions, entity):
                if index not in tones:
                    tones[index] = sentence_tone(sentence.text)
                scored.append((sentence, tones[index]))
        by_side = {
            side: side_tone([p for p in scored if p[0].side is side])
            for side in SIDES
            if any(p[0].side is side for p in scored)
        }
        result.append(EntityTone(entity.name, entity.kind, by_side, side_tone(scored)))
    return result


_SIDE_WORDS = {
    Lean.LEFT: "on the left",
    Lean.CENTER: "from the center",
    Lean.RIGHT: "on the right",
}


def tone_statements(tone: EntityTone) -> list[str]:
    """One sentence per side whose verdict is critical or favorable, with its evidence;
    nothing for neutral or insufficient sides. Worded as language, not attitude (see the
    module docstring for why)."""
    statements = []
    for side in SIDES:
        st = tone.by_side.get(side)
        if st is None or st.verdict not in (ToneVerdict.CRITICAL, ToneVerdict.FAVORABLE):
            continue
        words = "negative" if st.verdict is ToneVerdict.CRITICAL else "positive"
        statements.append(
            f"Coverage {_SIDE_WORDS[side]} uses mostly {words} language about {tone.entity}: "
            f"mean tone {st.mean_tone:+.2f} over {st.n_sentences} sentences from "
            f"{st.n_outlets} outlets ({st.n_negative} negative, {st.n_positive} positive)."
        )
    return statements
