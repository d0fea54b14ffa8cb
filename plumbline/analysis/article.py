"""Analyzes articles in batches: sentences, embeddings, bias, lean, loaded phrases."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plumbline.analysis import bias, lean
from plumbline.analysis.embed import Embedder
from plumbline.analysis.text import split_sentences, word_count
from plumbline.models import ArticleAnalysis

LEAD_SENTENCES = 3


@dataclass(slots=True)
class AnalyzedText:
    analysis: ArticleAnalysis
    vector: npt.NDArray[np.float32]  # title + lead, L2-normalized: what clustering compares


class ArticleAnalyzer:
    """One embedding pass per batch: every title and sentence of the batch together."""

    def __init__(self, embedder: Embedder, *, max_sentences: int = 80, min_words: int = 40) -> None:
        self.embedder = embedder
        self.max_sentences = max_sentences
        self.min_words = min_words

    def analyze(self, items: Sequence[tuple[str, str]]) -> list[AnalyzedText]:
        """Analyze (title, text) pairs."""
        split = [split_sentences(text)[: self.max_sentences] for _title, text in items]
        texts: list[str] = []
        for (title, _text), sentences in zip(items, split, strict=True):
            texts.append(title or "")
            texts.extend(s.text for s in sentences)
        encoded = self.embedder.encode_layers(texts, token_head=bias.token_head())
        vectors = encoded.vectors
        probabilities = bias.sentence_bias(encoded, texts)
        word_scores = bias.loaded_word_scores(encoded, texts)
        results: list[AnalyzedText] = []
        cursor = 0
        for (title, text), sentences in zip(items, split, strict=True):
            title_vec = vectors[cursor]
            sentence_vecs = vectors[cursor + 1 : cursor + 1 + len(sentences)]
            for sentence, p in zip(
                sentences, probabilities[cursor + 1 : cursor + 1 + len(sentences)], strict=True
            ):
                sentence.bias = round(float(p), 4)
            title_bias = round(float(probabilities[cursor]), 4) if title else None
            scores = word_scores[cursor + 1 : cursor + 1 + len(sentences)] if word_scores else None
            cursor += 1 + len(sentences)
            analysis = ArticleAnalysis(
                sentences=sentences,
                bias_score=bias.article_score(sentences, min_words=self.min_words),
                lean=lean.article_lean(title or "", text),
                loaded_phrases=bias.loaded_phrases(sentences, word_scores=scores),
                word_count=word_count(text),
                title_bias=title_bias,
            )
            results.append(AnalyzedText(analysis, _cluster_vector(title_vec, sentence_vecs)))
        return results


def _cluster_vector(
    title_vec: npt.NDArray[np.float32], sentence_vecs: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """Title and lead: the title embedding plus the mean of the first sentences."""
    combined = title_vec.astype(np.float32).copy()
    if len(sentence_vecs):
        combined = combined + sentence_vecs[:LEAD_SENTENCES].mean(axis=0)
    norm = float(np.linalg.norm(combined))
    result: npt.NDArray[np.float32] = combined / norm if norm > 0 else combined
    return result
