"""Sentence bias p(s), the article bias score and the loaded phrases behind it."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from plumbline.analysis.embed import Encoded, Span, TokenHead
from plumbline.analysis.heads import (
    BIAS_CHAR_SCORER,
    packaged_bias_lexicon,
    packaged_head,
    sentence_features,
)
from plumbline.analysis.tfidf import packaged_tfidf
from plumbline.analysis.wording import in_context
from plumbline.errors import ConfigurationError
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
#: The packaged loaded-word head (scripts/train_loaded_words.py): a logistic score of each
#: word piece's hidden states (layer 4 and the last, from the encoder pass that gives the
#: embeddings), trained on the words BABE's experts marked.
LOADED_WORDS_HEAD = "loaded_words"


@functools.cache
def token_head() -> TokenHead:
    """The loaded-word head as a :class:`TokenHead` (standardization folded in): its score
    is the logit of p(the word piece is in a word an expert would mark as biased)."""
    head = packaged_head(LOADED_WORDS_HEAD)
    if head.classes != ("other", "loaded") or head.dim != 768:
        raise ConfigurationError(f"{LOADED_WORDS_HEAD}: expected a 768-d other/loaded head")
    weights = head.coef[0].copy()
    bias = float(head.intercept[0])
    if head.scale is not None:
        weights = weights / head.scale
    if head.mean is not None:
        bias -= float(head.mean @ weights)
    return TokenHead(weights.astype(np.float32), bias * head.calib_scale + head.calib_shift)


@functools.cache
def word_rule() -> tuple[float, float]:
    """(p, rate): a word is loaded when the head gives it p or more, or its lexicon rate
    is rate or more (chosen with the head, stored in its metadata)."""
    meta = packaged_head(LOADED_WORDS_HEAD).metadata
    try:
        return float(meta["word_min_p"]), float(meta["word_min_rate"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigurationError(f"{LOADED_WORDS_HEAD}: no word rule in its metadata") from exc


def word_scores(text: str, spans: Sequence[Span], scores: Sequence[float]) -> dict[str, float]:
    """Each distinct word of `text` (:func:`word_keys`) with the highest score of the word
    pieces that overlap it (pieces outside words, and special tokens, are ignored)."""
    words = word_spans(text)
    best: dict[str, float] = {}
    k = 0
    for (start, end), score in sorted(zip(spans, scores, strict=True)):
        if end <= start:
            continue
        while k < len(words) and words[k][1] <= start:
            k += 1
        j = k
        while j < len(words) and words[j][0] < end:
            key = words[j][2]
            best[key] = max(best.get(key, float("-inf")), float(score))
            j += 1
    return best


def loaded_word_scores(encoded: Encoded, texts: Sequence[str]) -> list[dict[str, float]] | None:
    """p(loaded) of each word of each text, from the token scores of the pass that
    embedded them (``encode_layers(texts, token_head=token_head())``); None when the pass
    gave no token scores (the reference back end)."""
    if len(encoded.tokens) != len(texts):
        return None
    out = []
    for text, tokens in zip(texts, encoded.tokens, strict=True):
        logits = word_scores(text, tokens.spans, tokens.scores.tolist())
        out.append({k: float(1.0 / (1.0 + np.exp(-v))) for k, v in logits.items()})
    return out


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
    word_scores: Sequence[Mapping[str, float]] | None = None,
) -> list[LoadedPhrase]:
    """The loaded phrases behind the score, strongest first, at most `limit`.

    With `word_scores` (each sentence's p(loaded) per word, from the loaded-word head:
    :func:`loaded_word_scores`), a word is loaded when its p reaches the head's threshold or
    its lexicon rate the head's rate (:func:`word_rule`), in every scored sentence; its
    strength is the larger of the two. Without, the lexicon rule: in each sentence with
    p(s) >= `min_sentence_bias`, the lexicon words (default: the packaged BABE lexicon,
    :func:`loaded_words`) whose rate is >= `min_word_rate` are loaded. Of those, only the
    `max_words_per_sentence` strongest distinct words are kept (None: all). Consecutive
    loaded words with only spaces or punctuation (no sentence end) between them merge into
    one phrase. Weight = p(s) x the highest strength in the phrase; a phrase repeated
    (case-insensitively) is shown once, at its strongest."""
    rates = loaded_words() if lexicon is None else lexicon
    if word_scores is not None and len(word_scores) != len(sentences):
        raise ValueError("word_scores needs one mapping per sentence")
    min_p, rule_rate = word_rule() if word_scores is not None else (1.0, min_word_rate)
    found: list[LoadedPhrase] = []
    for index, sentence in enumerate(sentences):
        if sentence.bias is None:
            continue
        tokens = _tokens(sentence.text)
        if word_scores is None:
            if sentence.bias < min_sentence_bias:
                continue
            keep = {k: rates[k] for _m, k in tokens if rates.get(k, 0.0) >= min_word_rate}
        else:
            scores = word_scores[index]
            keep = {
                k: max(scores.get(k, 0.0), rates.get(k, 0.0))
                for _m, k in tokens
                if scores.get(k, 0.0) >= min_p or rates.get(k, 0.0) >= rule_rate
            }
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
