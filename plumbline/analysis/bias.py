"""Sentence bias p(s), the article bias score and the loaded phrases behind it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from plumbline.analysis.heads import packaged_bias_lexicon, packaged_head, sentence_features
from plumbline.models import LoadedPhrase, Sentence

_TOKEN = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]{2,})*")
PHRASE_MIN_SENTENCE_BIAS = 0.5
PHRASE_MIN_WORD_RATE = 0.1


def sentence_bias(
    vectors: npt.NDArray[np.float32], texts: Sequence[str]
) -> npt.NDArray[np.float64]:
    """p(biased) for each sentence, from its embedding and its loaded words (the packaged
    BABE head)."""
    if len(vectors) == 0:
        return np.zeros(0)
    head = packaged_head("sentence_bias")
    column = head.classes.index("biased")
    features = sentence_features(vectors, texts, packaged_bias_lexicon())
    probabilities: npt.NDArray[np.float64] = head.predict_proba(features)[:, column]
    return probabilities


def weighted_share(texts: Sequence[str], probabilities: Sequence[float]) -> float:
    """Mean of p(s) weighted by sentence length in words, as 0-100."""
    weights = np.array([len(t.split()) for t in texts], dtype=np.float64)
    p = np.asarray(probabilities, dtype=np.float64)
    return round(float(100.0 * (weights * p).sum() / max(weights.sum(), 1.0)), 1)


def article_score(sentences: Sequence[Sentence], *, min_words: int) -> float | None:
    """Expected share of the text an expert would flag, 0-100: the mean of p(s) weighted
    by each sentence's length in words. None when the text has fewer than `min_words`."""
    if sum(len(s.text.split()) for s in sentences) < min_words:
        return None
    if any(s.bias is None for s in sentences):
        return None
    return weighted_share([s.text for s in sentences], [s.bias or 0.0 for s in sentences])


def loaded_words() -> Mapping[str, float]:
    """Words BABE's experts mark as biased, with the (smoothed) share of their uses marked."""
    return packaged_bias_lexicon()


def loaded_phrases(sentences: Sequence[Sentence], *, limit: int = 12) -> list[LoadedPhrase]:
    """Loaded words in sentences the model finds likely biased, adjacent words merged into
    one phrase, strongest first. Weight = p(sentence) x share of the word's uses marked."""
    lexicon = loaded_words()
    found: list[LoadedPhrase] = []
    for index, sentence in enumerate(sentences):
        if sentence.bias is None or sentence.bias < PHRASE_MIN_SENTENCE_BIAS:
            continue
        run: list[tuple[re.Match[str], float]] = []
        for match in [*_TOKEN.finditer(sentence.text), None]:
            ratio = lexicon.get(match.group().lower(), 0.0) if match else 0.0
            if match is not None and ratio >= PHRASE_MIN_WORD_RATE:
                run.append((match, ratio))
                continue
            if run:
                text = sentence.text[run[0][0].start() : run[-1][0].end()]
                weight = sentence.bias * max(r for _m, r in run)
                found.append(LoadedPhrase(text, index, round(weight, 3)))
                run = []
    found.sort(key=lambda p: -p.weight)
    seen: set[str] = set()
    unique = []
    for phrase in found:
        key = phrase.text.lower()
        if key not in seen:
            seen.add(key)
            unique.append(phrase)
    return unique[:limit]
