"""Turns plain model objects into JSON-able dicts and vectors into bytes, and back."""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

import numpy as np
from pydantic import TypeAdapter

from plumbline.models import (
    ArticleAnalysis,
    EntityToneView,
    Lean,
    SideToneView,
    StoryStats,
    Synthesis,
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


def stored(value: ArticleAnalysis | Synthesis) -> dict[str, Any]:
    """An analysis or a write-up as stored: its fields by name, JSON types only, defaults
    left out (they come back on reading). Generated from the dataclasses in models.py by
    pydantic, so a new field needs no converter of its own."""
    adapter: TypeAdapter[Any] = _analyses() if isinstance(value, ArticleAnalysis) else _syntheses()
    data: dict[str, Any] = adapter.dump_python(value, mode="json", exclude_defaults=True)
    return data


def analysis(data: dict[str, Any]) -> ArticleAnalysis:
    """A stored article analysis (see :func:`stored`)."""
    return _analyses().validate_python(data)


def synthesis(data: dict[str, Any]) -> Synthesis:
    """A stored story write-up (see :func:`stored`)."""
    return _syntheses().validate_python(data)


@functools.cache
def _analyses() -> TypeAdapter[ArticleAnalysis]:
    return TypeAdapter(ArticleAnalysis)


@functools.cache
def _syntheses() -> TypeAdapter[Synthesis]:
    return TypeAdapter(Synthesis)


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
