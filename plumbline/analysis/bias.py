"""Sentence bias p(s), the article bias score and the loaded phrases behind it."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from plumbline.analysis.embed import Encoded
from plumbline.analysis.heads import (
    BIAS_CHAR_SCORER,
    packaged_bias_lexicon,
    packaged_head,
    sentence_features,
)
from plumbline.analysis.tfidf import packaged_tfidf
from plumbline.analysis.wording import in_context
from plumbline.models import LoadedPhrase, Sentence

# Words looked up in the lexicon: runs of 2+ letters, hyphenated compounds whole, matched on
# the original text so that a phrase keeps its offsets (folded to ASCII for the lookup).
_TOKEN = re.compile(r"[^\W\d_]{2,}(?:-[^\W\d_]{2,})*")
# Loaded-phrase rule, chosen by token F1 against BABE's marked words on out-of-fold
# predictions (bench/bias_evidence.py; docs/methodology.md): rate >= 0.25 keeps words the
# experts marked in about a quarter or more of their uses (smoothed); the low p(s) gate keeps
# recall, and ranking by p(s) x rate still puts likely-biased sentences first; a cap on
# words per sentence did not help.
PHRASE_MIN_SENTENCE_BIAS = 0.2
PHRASE_MIN_WORD_RATE = 0.25
PHRASE_MAX_WORDS_PER_SENTENCE: int | None = None


def sentence_bias(encoded: Encoded, texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """p(biased) for each sentence (the packaged BABE head), from one encoder pass over the
    texts (``Embedder.encode_layers(texts)``: embedding and layer-4 mean), its loaded words
    and its character n-grams."""
    if not isinstance(encoded, Encoded):
        raise TypeError(
            "sentence_bias needs Embedder.encode_layers(texts), not only the embeddings "
            "(the head also reads a hidden layer of the same pass)"
        )
    if len(encoded) == 0:
        return np.zeros(0)
    head = packaged_head("sentence_bias")
    column = head.classes.index("biased")
    features = sentence_features(
        encoded, texts, packaged_bias_lexicon(), packaged_tfidf(BIAS_CHAR_SCORER)
    )
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


def loaded_phrases(
    sentences: Sequence[Sentence],
    *,
    limit: int = 12,
    lexicon: Mapping[str, float] | None = None,
    min_sentence_bias: float = PHRASE_MIN_SENTENCE_BIAS,
    min_word_rate: float = PHRASE_MIN_WORD_RATE,
    max_words_per_sentence: int | None = PHRASE_MAX_WORDS_PER_SENTENCE,
) -> list[LoadedPhrase]:
    """The loaded phrases behind the score, strongest first, at most `limit`.

    In each sentence with p(s) >= `min_sentence_bias`, the lexicon words (default: the
    packaged BABE lexicon, :func:`loaded_words`) whose rate is >= `min_word_rate` are
    loaded; of those, only the `max_words_per_sentence` distinct words with the highest
    rates are kept (None: all). Consecutive loaded words with only spaces or punctuation
    (no sentence end) between them merge into one phrase. Weight = p(s) x the highest rate
    in the phrase; a phrase repeated (case-insensitively) is shown once, at its strongest."""
    rates = loaded_words() if lexicon is None else lexicon
    found: list[LoadedPhrase] = []
    for index, sentence in enumerate(sentences):
        if sentence.bias is None or sentence.bias < min_sentence_bias:
            continue
        tokens = _tokens(sentence.text)
        keep = {k: rates[k] for _m, k in tokens if rates.get(k, 0.0) >= min_word_rate}
        if max_words_per_sentence is not None:
            strongest = sorted(keep.items(), key=lambda item: (-item[1], item[0]))
            keep = dict(strongest[:max_words_per_sentence])
        run: list[tuple[re.Match[str], float]] = []
        for match, key in [*tokens, (None, "")]:
            if match is not None and key in keep:
                if run and not _joins(sentence.text[run[-1][0].end() : match.start()]):
                    found.append(_phrase(sentence, index, run))
                    run = []
                run.append((match, keep[key]))
                continue
            if run:
                found.append(_phrase(sentence, index, run))
                run = []
    found = [p for p in found if in_context(p.text, sentences[p.sentence_index].text)]
    found.sort(key=lambda p: -p.weight)
    seen: set[str] = set()
    unique = []
    for phrase in found:
        key = phrase.text.lower()
        if key not in seen:
            seen.add(key)
            unique.append(phrase)
    return unique[:limit]


def _joins(gap: str) -> bool:
    """Whether two loaded words separated by `gap` belong to one phrase: only spaces and
    punctuation between them, no other word, number or sentence end."""
    return not any(ch.isalnum() or ch in ".!?" for ch in gap)


def _phrase(sentence: Sentence, index: int, run: list[tuple[re.Match[str], float]]) -> LoadedPhrase:
    text = sentence.text[run[0][0].start() : run[-1][0].end()]
    weight = (sentence.bias or 0.0) * max(rate for _m, rate in run)
    return LoadedPhrase(text, index, round(weight, 3))


def word_keys(text: str) -> list[str]:
    """The words of `text` in order, as :func:`loaded_phrases` looks them up in the lexicon:
    lower-case, accents folded; apostrophes, dashes and quotes separate words."""
    return [key for _match, key in _tokens(text)]


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """Each word of `text` as :func:`word_keys` reads it, with its character offsets."""
    return [(match.start(), match.end(), key) for match, key in _tokens(text)]


def _tokens(text: str) -> list[tuple[re.Match[str], str]]:
    return [
        (m, unicodedata.normalize("NFKD", m.group().lower()).encode("ascii", "ignore").decode())
        for m in _TOKEN.finditer(text)
    ]
