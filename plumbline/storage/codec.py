"""Turns plain model objects into JSON-able dicts and vectors into bytes, and back."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

from plumbline.models import (
    ArticleAnalysis,
    Lean,
    LeanScores,
    LoadedPhrase,
    Sentence,
    SourceRef,
    StoryStats,
    Synthesis,
    SynthSection,
    SynthSentence,
)

Vector = np.ndarray[Any, np.dtype[np.float32]]


def vector_bytes(vector: Vector) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def vector(data: bytes) -> Vector:
    return np.frombuffer(data, dtype="<f4").astype(np.float32)


def slugify(text: str, max_length: int = 80) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "story"


def analysis_dict(a: ArticleAnalysis) -> dict[str, Any]:
    return {
        "sentences": [[s.text, s.start, s.end, s.bias] for s in a.sentences],
        "bias_score": a.bias_score,
        "lean": {"left": a.lean.left, "center": a.lean.center, "right": a.lean.right},
        "loaded_phrases": [[p.text, p.sentence_index, p.weight] for p in a.loaded_phrases],
        "word_count": a.word_count,
    }


def analysis(data: dict[str, Any]) -> ArticleAnalysis:
    lean = data["lean"]
    return ArticleAnalysis(
        sentences=[Sentence(t, start, end, bias) for t, start, end, bias in data["sentences"]],
        bias_score=data.get("bias_score"),
        lean=LeanScores(lean["left"], lean["center"], lean["right"]),
        loaded_phrases=[LoadedPhrase(t, i, w) for t, i, w in data.get("loaded_phrases", [])],
        word_count=int(data.get("word_count", 0)),
    )


def stats_dict(stats: StoryStats) -> dict[str, Any]:
    blindspot = stats.blindspot
    return {
        "coverage_score": stats.coverage_score,
        "interval": list(stats.interval) if stats.interval else None,
        "n_scored_outlets": stats.n_scored_outlets,
        "scored_words": stats.scored_words,
        "low_confidence": stats.low_confidence,
        "low_confidence_reasons": list(stats.low_confidence_reasons),
        "blindspot": {
            "side": blindspot.side.value,
            "share": blindspot.share,
            "n_rated": blindspot.n_rated,
            "description": blindspot.description,
        }
        if blindspot
        else None,
    }


def _sentence_dict(s: SynthSentence) -> dict[str, Any]:
    return {
        "text": s.text,
        "bias": s.bias,
        "sources": [
            [r.article_id, r.sentence_index, r.outlet_name, r.outlet_lean.value, r.text]
            for r in s.sources
        ],
    }


def _sentence(data: dict[str, Any]) -> SynthSentence:
    return SynthSentence(
        text=data["text"],
        bias=data.get("bias"),
        sources=[SourceRef(a, i, o, Lean(lean), t) for a, i, o, lean, t in data["sources"]],
    )


def synthesis_dict(s: Synthesis) -> dict[str, Any]:
    return {
        "headline": s.headline,
        "headline_article_id": s.headline_article_id,
        "lead": [_sentence_dict(x) for x in s.lead],
        "sections": [
            {"title": sec.title, "sentences": [_sentence_dict(x) for x in sec.sentences]}
            for sec in s.sections
        ],
        "bias_score": s.bias_score,
    }


def synthesis(data: dict[str, Any]) -> Synthesis:
    return Synthesis(
        headline=data["headline"],
        headline_article_id=data.get("headline_article_id"),
        lead=[_sentence(x) for x in data["lead"]],
        sections=[
            SynthSection(sec["title"], [_sentence(x) for x in sec["sentences"]])
            for sec in data["sections"]
        ],
        bias_score=data.get("bias_score"),
    )
