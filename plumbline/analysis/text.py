"""Sentences with character offsets (pysbd, rule-based, per paragraph)."""

from __future__ import annotations

import re
import threading

import pysbd

from plumbline.models import Sentence

_PARAGRAPH = re.compile(r"[^\n]+")
_local = threading.local()
MIN_SENTENCE_CHARS = 12
MAX_SENTENCE_CHARS = 1200


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        _local.segmenter = segmenter
    return segmenter


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text` with their offsets. Fragments shorter than 12 characters
    (bylines, "Advertisement") are dropped; over-long runs are cut at 1,200."""
    sentences: list[Sentence] = []
    for paragraph in _PARAGRAPH.finditer(text):
        base = paragraph.start()
        for span in _segmenter().segment(paragraph.group()):
            raw = span.sent
            stripped = raw.strip()
            if len(stripped) < MIN_SENTENCE_CHARS:
                continue
            start = base + span.start + (len(raw) - len(raw.lstrip()))
            stripped = stripped[:MAX_SENTENCE_CHARS]
            sentences.append(Sentence(stripped, start, start + len(stripped)))
    return sentences


def word_count(text: str) -> int:
    return len(text.split())
