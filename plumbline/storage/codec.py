"""Turns plain model objects into JSON-able dicts and vectors into bytes, and back."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import numpy as np

from plumbline.models import (
    ArticleAnalysis,
    ArticleKind,
    AssessmentSentence,
    EntityToneView,
    EvidenceRef,
    KeyQuestion,
    Lean,
    LeanScores,
    LoadedPhrase,
    Omission,
    Perspective,
    Sentence,
    SideToneView,
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
        "title_bias": a.title_bias,
    }


def analysis(data: dict[str, Any]) -> ArticleAnalysis:
    lean = data["lean"]
    return ArticleAnalysis(
        sentences=[Sentence(t, start, end, bias) for t, start, end, bias in data["sentences"]],
        bias_score=data.get("bias_score"),
        lean=LeanScores(lean["left"], lean["center"], lean["right"]),
        loaded_phrases=[LoadedPhrase(t, i, w) for t, i, w in data.get("loaded_phrases", [])],
        word_count=int(data.get("word_count", 0)),
        title_bias=data.get("title_bias"),
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


def tone_views(tones: list[dict[str, Any]]) -> list[EntityToneView]:
    """The story's tone table from its stored form (story_tones' dicts)."""
    return [
        EntityToneView(
            entity=str(t["entity"]),
            kind=str(t["kind"]),
            statements=[str(x) for x in t.get("statements", [])],
            by_side=[
                SideToneView(
                    side=Lean(side),
                    mean_tone=float(v["mean_tone"]),
                    n_sentences=int(v["n_sentences"]),
                    n_outlets=int(v["n_outlets"]),
                    verdict=str(v["verdict"]),
                    example_sentence=str(v["example_sentence"]),
                    example_outlet=str(v["example_outlet"]),
                )
                for side, v in t.get("by_side", {}).items()
            ],
        )
        for t in tones
    ]


def _sentence_dict(s: SynthSentence) -> dict[str, Any]:
    data: dict[str, Any] = {
        "text": s.text,
        "bias": s.bias,
        "sources": [_ref_dict(r) for r in s.sources],
    }
    if s.attribution:
        data["attribution"] = s.attribution
    if s.rewritten:
        data["rewritten"] = True
    if s.paragraph:
        data["paragraph"] = s.paragraph
    if s.inserted:
        data["inserted"] = s.inserted
    if s.exclusive:
        data["exclusive"] = True
    if s.lower_first is not None:
        data["lower_first"] = s.lower_first
    return data


def _ref_dict(r: SourceRef) -> list[Any]:
    return [r.article_id, r.sentence_index, r.outlet_name, r.outlet_lean.value, r.text]


def _ref(data: list[Any]) -> SourceRef:
    article_id, index, outlet, lean, text = data
    return SourceRef(article_id, index, outlet, Lean(lean), text)


def _perspective_dict(p: Perspective) -> dict[str, Any]:
    return {
        "side": p.side.value,
        "article_id": p.article_id,
        "outlet": p.outlet_name,
        "title": p.title,
        "url": p.url,
        "kind": p.kind.value,
        "quotes": [_ref_dict(r) for r in p.quotes],
    }


def _perspective(data: dict[str, Any]) -> Perspective:
    return Perspective(
        side=Lean(data["side"]),
        article_id=int(data["article_id"]),
        outlet_name=str(data["outlet"]),
        title=str(data.get("title", "")),
        url=str(data.get("url", "")),
        kind=ArticleKind(data.get("kind", "news")),
        quotes=[_ref(r) for r in data.get("quotes", [])],
    )


def _sentence(data: dict[str, Any]) -> SynthSentence:
    return SynthSentence(
        text=data["text"],
        bias=data.get("bias"),
        sources=[_ref(r) for r in data["sources"]],
        attribution=list(data.get("attribution", [])),
        rewritten=bool(data.get("rewritten", False)),
        paragraph=int(data.get("paragraph", 0)),
        inserted=[str(x) for x in data.get("inserted", [])],
        exclusive=bool(data.get("exclusive", False)),
        lower_first=data.get("lower_first"),
    )


def _evidence_dict(e: EvidenceRef) -> list[Any]:
    return [e.kind, e.label, e.anchor, e.article_id]


def _evidence(data: list[Any]) -> EvidenceRef:
    kind, label, anchor, article_id = data
    return EvidenceRef(kind, label, anchor, article_id)


def synthesis_dict(s: Synthesis) -> dict[str, Any]:
    return {
        "headline": s.headline,
        "headline_article_id": s.headline_article_id,
        "lead": [_sentence_dict(x) for x in s.lead],
        "sections": [
            {
                "title": sec.title,
                "kind": sec.kind,
                "sentences": [_sentence_dict(x) for x in sec.sentences],
            }
            for sec in s.sections
        ],
        "bias_score": s.bias_score,
        "assessment": [
            {"text": a.text, "evidence": [_evidence_dict(e) for e in a.evidence]}
            for a in s.assessment
        ],
        "questions": [
            {"text": q.text, "kind": q.kind, "evidence": [_evidence_dict(e) for e in q.evidence]}
            for q in s.questions
        ],
        "omissions": [
            {
                "fact": _sentence_dict(o.fact),
                "reported_by": [x.value for x in o.reported_by],
                "missing_from": [x.value for x in o.missing_from],
            }
            for o in s.omissions
        ],
        "backend": s.backend,
        "fallbacks": s.fallbacks,
        "perspectives": [_perspective_dict(p) for p in s.perspectives],
        "note": s.note,
    }


def synthesis(data: dict[str, Any]) -> Synthesis:
    return Synthesis(
        headline=data["headline"],
        headline_article_id=data.get("headline_article_id"),
        lead=[_sentence(x) for x in data["lead"]],
        sections=[
            SynthSection(
                sec["title"], [_sentence(x) for x in sec["sentences"]], kind=sec.get("kind", "")
            )
            for sec in data["sections"]
        ],
        bias_score=data.get("bias_score"),
        assessment=[
            AssessmentSentence(a["text"], [_evidence(e) for e in a["evidence"]])
            for a in data.get("assessment", [])
        ],
        questions=[
            KeyQuestion(q["text"], q["kind"], [_evidence(e) for e in q["evidence"]])
            for q in data.get("questions", [])
        ],
        omissions=[
            Omission(
                _sentence(o["fact"]),
                [Lean(x) for x in o["reported_by"]],
                [Lean(x) for x in o["missing_from"]],
            )
            for o in data.get("omissions", [])
        ],
        backend=data.get("backend", "extractive"),
        fallbacks=int(data.get("fallbacks", 0)),
        perspectives=[_perspective(p) for p in data.get("perspectives", [])],
        note=str(data.get("note", "")),
    )
