"""Article lean: left / center / right probabilities from the packaged lexical lean head.

The head reads the article's words (title and body), not its embeddings. It averages the
probabilities of two TF-IDF + logistic-regression members
(:class:`plumbline.analysis.tfidf.TfidfLinear`, word analyzer): one reads the raw text; the
other reads :func:`lean_text`, the text with outlet boilerplate removed (outlet names,
bylines, datelines, photo credits, URLs, newsletter and "advertisement" lines, honorifics),
so that it has to learn lean from wording rather than an outlet's house style and carries
over better to outlets it has not seen. A member counts word 1-2 grams over its packaged
vocabulary as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` does and applies a
multinomial logistic regression. Everything is numpy; the weights live in the model file
(:mod:`plumbline.analysis.modelfile`) ``plumbline/data/heads/lean.npz`` (numeric arrays only,
read with ``allow_pickle=False``) and ``lean.json`` (members, metadata, measured figures).
Trained and measured by ``scripts/train_lean.py``; see docs/methodology.md, "Article lean".
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis import clean
from plumbline.analysis.modelfile import ModelFile, load_model, packaged_model, write_model
from plumbline.analysis.tfidf import MAX_CHARS, Analyzer, TfidfLinear
from plumbline.errors import ConfigurationError
from plumbline.models import Lean, LeanScores

FloatArray = npt.NDArray[np.float64]

#: The model-file format of the head; version 2 stores each member's analyzer.
FORMAT = "plumbline-lexical-lean-2"
CLASSES = ("left", "center", "right")
#: How every member reads its text: word 1-2 grams.
WORD_BIGRAMS = Analyzer("word", 1, 2)


def lean_text(title: str, text: str) -> str:
    """The title and body as the lean head reads them: outlet boilerplate removed.

    Paragraphs are the lines of ``title`` and ``text``. A short paragraph that looks like
    boilerplate (bylines, "contributed to this report", newsletter and advertisement lines,
    timestamps) is dropped; in the rest, photo credits, URLs and e-mail addresses, outlet
    names, datelines ("WASHINGTON (Reuters) -") and honorifics are removed (the ``LEAN_*``
    patterns of :mod:`plumbline.analysis.clean`). Reads at most :data:`MAX_CHARS` characters.
    """
    source = ((title or "") + "\n" + (text or ""))[:MAX_CHARS]
    kept: list[str] = []
    for paragraph in source.splitlines():
        p = paragraph.strip()
        if not p:
            continue
        if len(p) < clean.LEAN_BOILERPLATE_CHARS and clean.LEAN_BOILERPLATE.search(p):
            continue
        if len(p) < clean.LEAN_BYLINE_CHARS and clean.LEAN_BYLINE.match(p):
            continue
        p = clean.LEAN_PHOTO_CREDIT.sub(" ", p)
        p = clean.LEAN_URL.sub(" ", p)
        p = clean.LEAN_OUTLET.sub(" ", p)
        p = clean.LEAN_DATELINE.sub("", p)
        p = clean.LEAN_EMPTY_PARENS.sub(" ", p)
        p = clean.LEAN_HONORIFIC.sub(" ", p)
        kept.append(p)
    return "\n".join(kept)


# --- the head --------------------------------------------------------------------------------

#: How a member of the head reads an article: ``raw`` is title + text as given (cut at
#: :data:`MAX_CHARS`), ``clean`` is :func:`lean_text`.
INPUTS = ("raw", "clean")


def member_text(kind: str, title: str, text: str) -> str:
    """An article as a member of kind ``kind`` (see :data:`INPUTS`) reads it."""
    if kind == "raw":
        return ((title or "") + "\n" + (text or ""))[:MAX_CHARS]
    if kind == "clean":
        return lean_text(title, text)
    raise ValueError(f"unknown lean input {kind!r}")


@dataclass(frozen=True, eq=False, slots=True)
class LexicalLeanHead:
    """The lean head: the mean of its members' class probabilities.

    ``members`` pairs an input kind (:data:`INPUTS`) with a
    :class:`~plumbline.analysis.tfidf.TfidfLinear` (one logit per class); the packaged head has
    one member on the raw text and one on :func:`lean_text`. ``metadata`` is the JSON document
    stored beside the weights (data, protocol, figures, license); it does not affect
    predictions.
    """

    members: tuple[tuple[str, TfidfLinear], ...]
    classes: tuple[str, ...] = CLASSES
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = [kind for kind, _ in self.members]
        if not kinds or len(set(kinds)) != len(kinds) or not set(kinds) <= set(INPUTS):
            raise ConfigurationError(f"lean head: members must be distinct {INPUTS}, got {kinds}")
        if len(self.classes) < 2:
            raise ConfigurationError("lean head: needs at least two classes")
        for _, model in self.members:
            if model.intercept.shape != (len(self.classes),):
                raise ConfigurationError("lean head: a member does not fit the classes")

    def predict_proba(self, articles: Sequence[tuple[str, str]]) -> FloatArray:
        """Class probabilities ``(n, k)`` of (title, text) pairs, columns in ``classes``."""
        total = np.zeros((len(articles), len(self.classes)))
        for kind, model in self.members:
            total += model.predict_proba([member_text(kind, t, x) for t, x in articles])
        result: FloatArray = total / len(self.members)
        return result

    # --- storage ---------------------------------------------------------------------------

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``<path>.npz`` (numeric arrays only; idf and coefficients as float16) and
        ``<path>.json`` (metadata); ``path`` with or without a suffix."""
        arrays: dict[str, npt.NDArray[Any]] = {}
        for kind, model in self.members:
            # float16 halves the file; predictions move by about 1e-4 (checked by the trainer)
            arrays.update(model.arrays(kind, np.float16))
        doc = dict(self.metadata)
        doc["classes"] = list(self.classes)
        doc["members"] = [
            {
                "input": kind,
                "analyzer": m.analyzer.to_json(),
                "vocabulary_size": len(m.vocabulary),
            }
            for kind, m in self.members
        ]
        return write_model(path, arrays, doc, FORMAT)

    @classmethod
    def load(cls, path: Path) -> LexicalLeanHead:
        """Read a head written by :meth:`save` (``path`` with or without ``.npz``)."""
        return cls.from_model_file(load_model(path, format=FORMAT, required=_member_arrays))

    @classmethod
    def from_model_file(cls, file: ModelFile) -> LexicalLeanHead:
        """Build a head from its checked model file."""
        try:
            specs = _member_specs(file.meta)
        except ValueError as exc:
            raise file.error(str(exc)) from exc
        members = tuple(
            (
                spec["input"],
                TfidfLinear.from_model_file(
                    file, spec["input"], Analyzer.from_json(spec.get("analyzer"), file.source)
                ),
            )
            for spec in specs
        )
        try:
            return cls(members=members, classes=file.strings("classes"), metadata=file.meta)
        except ConfigurationError as exc:
            raise file.error(str(exc)) from exc


def _member_specs(meta: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``members`` entries of a head's metadata; ValueError if malformed."""
    specs = meta.get("members")
    if not isinstance(specs, list) or not all(
        isinstance(m, dict) and m.get("input") in INPUTS for m in specs
    ):
        raise ValueError("metadata 'members' is malformed")
    return specs


def _member_arrays(meta: Mapping[str, Any]) -> Collection[str]:
    """The arrays a head's metadata calls for: each member's, under its input's name."""
    specs = _member_specs(meta)
    return [name for m in specs for name in TfidfLinear.array_names(m["input"])]


@functools.cache
def packaged_lean_head() -> LexicalLeanHead:
    """The head shipped as ``plumbline/data/heads/lean.{npz,json}`` (cached)."""
    file = packaged_model(
        "lean", format=FORMAT, required=_member_arrays, trained_by="scripts/train_lean.py"
    )
    head = LexicalLeanHead.from_model_file(file)
    if head.classes != CLASSES:
        raise file.error(f"lean head classes must be {CLASSES}, got {head.classes}")
    return head


def article_lean(title: str, text: str) -> LeanScores:
    """Lean of one article from its title and body text (see :func:`lean_text`)."""
    p = packaged_lean_head().predict_proba([(title, text)])[0]
    left, center, right = (round(float(x), 4) for x in p)
    return LeanScores(left, center, right)


def dominant(scores: LeanScores) -> Lean:
    values = {Lean.LEFT: scores.left, Lean.CENTER: scores.center, Lean.RIGHT: scores.right}
    return max(values, key=lambda lean: values[lean])
