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


def stored(value: ArticleAnalysis | Synthesis | StoryStats) -> dict[str, Any]:
    """An analysis, a write-up or a story's statistics as stored: fields by name, JSON
    types only. Generated from the dataclasses in models.py by pydantic, so a new field
    needs no converter of its own. Defaults are left out (they come back on reading),
    except in the statistics, which SQL reads (`blindspot.side`)."""
    if isinstance(value, StoryStats):
        whole: dict[str, Any] = _stats().dump_python(value, mode="json")
        return whole
    adapter: TypeAdapter[Any] = _analyses() if isinstance(value, ArticleAnalysis) else _syntheses()
    data: dict[str, Any] = adapter.dump_python(value, mode="json", exclude_defaults=True)
    return data


def analysis(data: dict[str, Any]) -> ArticleAnalysis:
    """A stored article analysis (see :func:`stored`)."""
    return _analyses().validate_python(data)


def synthesis(data: dict[str, Any]) -> Synthesis:
    """A stored story write-up (see :func:`stored`)."""
    return _syntheses().validate_python(data)


def stats(data: dict[str, Any]) -> StoryStats:
    """A story's stored statistics (see :func:`stored`)."""
    return _stats().validate_python(data)


@functools.cache
def _analyses() -> TypeAdapter[ArticleAnalysis]:
    return TypeAdapter(ArticleAnalysis)


@functools.cache
def _syntheses() -> TypeAdapter[Synthesis]:
    return TypeAdapter(Synthesis)


@functools.cache
def _stats() -> TypeAdapter[StoryStats]:
    return TypeAdapter(StoryStats)
