"""Sentences with character offsets (pysbd, rule-based, per paragraph)."""

from __future__ import annotations

import functools
import re
import sys
import threading
import types
from typing import Any

import pysbd

from plumbline.models import Sentence

_PARAGRAPH = re.compile(r"[^\n]+")
_local = threading.local()
_patch_lock = threading.Lock()
MIN_SENTENCE_CHARS = 12
MAX_SENTENCE_CHARS = 1200


@functools.lru_cache(maxsize=8192)
def _compiled(pattern: Any, flags: int) -> re.Pattern[Any]:
    return re.compile(pattern, flags)


class _CachedRe(types.ModuleType):
    """`re` for pysbd's modules, with a bigger cache of compiled patterns. pysbd builds a few
    patterns for each abbreviation it meets in a text, far more than the 512 that `re`
    caches, so it recompiled them on every call: most of its time. Same calls, same
    results (`re.sub(p, r, s, count, flags)` is `re.compile(p, flags).sub(r, s, count)`)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(re, name)

    @staticmethod
    def sub(pattern: Any, repl: Any, string: str, count: int = 0, flags: int = 0) -> str:
        return _compiled(pattern, flags).sub(repl, string, count)

    @staticmethod
    def search(pattern: Any, string: str, flags: int = 0) -> re.Match[str] | None:
        return _compiled(pattern, flags).search(string)

    @staticmethod
    def match(pattern: Any, string: str, flags: int = 0) -> re.Match[str] | None:
        return _compiled(pattern, flags).match(string)

    @staticmethod
    def findall(pattern: Any, string: str, flags: int = 0) -> list[Any]:
        return _compiled(pattern, flags).findall(string)

    @staticmethod
    def finditer(pattern: Any, string: str, flags: int = 0) -> Any:
        return _compiled(pattern, flags).finditer(string)

    @staticmethod
    def split(pattern: Any, string: str, maxsplit: int = 0, flags: int = 0) -> list[Any]:
        return _compiled(pattern, flags).split(string, maxsplit)


_PYSBD_RE = _CachedRe("re")
_patched = False


def _patch_pysbd() -> None:
    """Point every loaded pysbd module's `re` at the cached one (once)."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        for name, module in list(sys.modules.items()):
            if name.split(".")[0] == "pysbd" and getattr(module, "re", None) is re:
                module.re = _PYSBD_RE
        _patched = True


def _segmenter() -> pysbd.Segmenter:
    segmenter = getattr(_local, "segmenter", None)
    if segmenter is None:
        segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
        _patch_pysbd()
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
