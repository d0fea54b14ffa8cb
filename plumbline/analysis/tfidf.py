"""The one TF-IDF + linear model: n-gram counts over a fixed vocabulary, then logits.

It computes what scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` followed by a
``LogisticRegression`` computes, in plain Python and numpy, so that no pickled estimator is
ever loaded:

- the text (its first :data:`MAX_CHARS` characters) cut into n-grams by its
  :class:`Analyzer`: ``char_wb`` (scikit-learn's ``analyzer="char_wb"``, :func:`char_ngrams`)
  or ``word`` (the default word analyzer, :func:`tokens` and :func:`word_ngrams`);
- ``x_j = (1 + ln count_j) * idf_j`` for each n-gram ``j`` of the vocabulary, and the row
  L2-normalized;
- ``logits = coef @ x + intercept`` (``coef`` is ``k×d``; a binary scorer has ``k = 1``).

Users: the sentence_bias head's character n-gram scorer (``sentence_bias_chars``, a file of
its own, :func:`packaged_tfidf`), the two members of the lexical lean head
(:mod:`plumbline.analysis.lean`) and the voice model of the article-kind classifier
(:mod:`plumbline.analysis.kinds`).

Storage (:mod:`plumbline.analysis.modelfile`): under a prefix, ``<prefix>_vocabulary_utf8``
(the terms in column order, one per line, UTF-8 bytes as ``uint8``), ``<prefix>_idf``,
``<prefix>_coef`` and ``<prefix>_intercept``; the analyzer goes in the JSON
(:meth:`Analyzer.to_json`). A model file of its own uses the prefix :data:`PREFIX` and the
format :data:`FORMAT`.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt

from plumbline.analysis.modelfile import ModelFile, load_model, packaged_model, write_model
from plumbline.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]
AnalyzerKind = Literal["char_wb", "word"]

FORMAT = "plumbline-tfidf-linear-1"
#: The array prefix of a TF-IDF model stored in a file of its own.
PREFIX = "tfidf"
#: A model reads at most this many characters of each text (bounds time on huge input).
MAX_CHARS = 100_000
ANALYZER_KINDS: tuple[AnalyzerKind, ...] = ("char_wb", "word")
_ARRAYS = ("vocabulary_utf8", "idf", "coef", "intercept")
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern


# --- analyzers -------------------------------------------------------------------------------


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """The n-grams (``low`` <= n <= ``high``) of each space-padded, lower-cased word, as
    scikit-learn's ``analyzer="char_wb"`` gives them."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, high + 1):
            if size <= n:
                grams.append(padded)  # the whole padded word, once; longer n add nothing
                break
            grams.extend(padded[i : i + n] for i in range(size - n + 1))
    return grams


def tokens(text: str) -> list[str]:
    """Lowercased word tokens as scikit-learn's default ``TfidfVectorizer`` finds them."""
    return _TOKEN_RE.findall(text.lower())


def word_ngrams(words: Sequence[str], low: int, high: int) -> list[str]:
    """Word ``low``..``high`` grams joined by one space, in scikit-learn's order."""
    out = list(words) if low == 1 else []
    for n in range(max(low, 2), high + 1):
        out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


@dataclass(frozen=True, slots=True)
class Analyzer:
    """How a text becomes n-grams: ``kind`` (``"char_wb"`` or ``"word"``) and the n-gram
    range ``low``..``high``. Stored in a model's JSON as ``{"kind", "ngram_range"}``."""

    kind: AnalyzerKind
    low: int
    high: int

    def __post_init__(self) -> None:
        if self.kind not in ANALYZER_KINDS:
            raise ConfigurationError(f"unknown analyzer {self.kind!r}")
        if not all(type(n) is int for n in (self.low, self.high)) or not (
            1 <= self.low <= self.high
        ):
            raise ConfigurationError(f"bad n-gram range ({self.low!r}, {self.high!r})")

    def __call__(self, text: str) -> list[str]:
        """The n-grams of ``text`` (all of it: callers cut it at :data:`MAX_CHARS`)."""
        if self.kind == "char_wb":
            return char_ngrams(text, self.low, self.high)
        return word_ngrams(tokens(text), self.low, self.high)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "ngram_range": [self.low, self.high]}

    @classmethod
    def from_json(cls, value: Any, source: str) -> Analyzer:
        """The analyzer a model's JSON describes (see :meth:`to_json`)."""
        if (
            not isinstance(value, dict)
            or value.get("kind") not in ANALYZER_KINDS
            or not isinstance(value.get("ngram_range"), list)
            or len(value["ngram_range"]) != 2
        ):
            raise ConfigurationError(f"{source}: 'analyzer' must be {{kind, ngram_range}}")
        low, high = value["ngram_range"]
        try:
            return cls(cast(AnalyzerKind, value["kind"]), low, high)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{source}: {exc}") from exc


# --- the model -------------------------------------------------------------------------------


def softmax(z: FloatArray) -> FloatArray:
    """Row-wise softmax of ``(n, k)`` logits."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    result: FloatArray = e / e.sum(axis=1, keepdims=True)
    return result


def sigmoid(z: FloatArray) -> FloatArray:
    """The logistic function, without overflow warnings for large ``|z|``."""
    out: FloatArray = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


@dataclass(frozen=True, eq=False, slots=True)
class TfidfLinear:
    """A linear model over L2-normalized, sublinear TF-IDF n-gram counts (see the module
    docstring): ``coef`` is ``k×d`` and ``intercept`` ``(k,)`` for a ``d``-term vocabulary
    (``k = 1`` for a binary scorer). ``metadata`` is the JSON stored beside a model saved on
    its own; it does not affect predictions."""

    analyzer: Analyzer
    vocabulary: Mapping[str, int]
    idf: FloatArray
    coef: FloatArray
    intercept: FloatArray
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        d = len(self.vocabulary)
        k = self.intercept.shape[0] if self.intercept.ndim == 1 else 0
        if k < 1 or self.idf.shape != (d,) or self.coef.shape != (k, d):
            raise ConfigurationError(
                f"TF-IDF model: idf {self.idf.shape} / coef {self.coef.shape} / intercept "
                f"{self.intercept.shape} do not fit a {d}-term vocabulary"
            )
        if sorted(self.vocabulary.values()) != list(range(d)):
            raise ConfigurationError("TF-IDF model: vocabulary columns must be 0..d-1")
        if not all(np.all(np.isfinite(a)) for a in (self.idf, self.coef, self.intercept)):
            raise ConfigurationError("TF-IDF model: weights must be finite")

    @property
    def outputs(self) -> int:
        """``k``, the number of logits per text."""
        return int(self.intercept.shape[0])

    def decision_function(self, texts: Sequence[str]) -> FloatArray:
        """Logits ``(n, k)``; a text with no known n-gram gets the intercept."""
        out = np.tile(self.intercept, (len(texts), 1))
        for row, text in enumerate(texts):
            counts = Counter(
                j
                for gram in self.analyzer(text[:MAX_CHARS])
                if (j := self.vocabulary.get(gram)) is not None
            )
            if not counts:
                continue
            index = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            x = (1.0 + np.log(tf)) * self.idf[index]
            norm = math.sqrt(float(x @ x))
            if norm > 0:
                out[row] += self.coef[:, index] @ (x / norm)
        return out

    def predict_proba(self, texts: Sequence[str]) -> FloatArray:
        """Class probabilities: the softmax of the logits for ``k >= 2``; for ``k = 1``,
        ``[1 - sigmoid, sigmoid]`` (``(n, 2)``)."""
        z = self.decision_function(texts)
        if self.outputs == 1:
            p1 = sigmoid(z[:, 0])
            return np.column_stack([1.0 - p1, p1])
        return softmax(z)

    # --- storage ---------------------------------------------------------------------------

    @staticmethod
    def array_names(prefix: str) -> tuple[str, ...]:
        """The arrays a model stored under ``prefix`` occupies."""
        return tuple(f"{prefix}_{name}" for name in _ARRAYS)

    def arrays(
        self, prefix: str, dtype: type[np.floating[Any]] = np.float64
    ) -> dict[str, npt.NDArray[Any]]:
        """The model's arrays under ``prefix``; ``idf`` and ``coef`` as ``dtype`` (float16
        halves a big file and moves predictions by about 1e-4), the intercept float64."""
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        if any(not term or "\n" in term for term in terms):
            raise ValueError("vocabulary terms must be non-empty and without line breaks")
        vocab = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
        return {
            f"{prefix}_vocabulary_utf8": vocab,
            f"{prefix}_idf": self.idf.astype(dtype),
            f"{prefix}_coef": self.coef.astype(dtype),
            f"{prefix}_intercept": self.intercept.astype(np.float64),
        }

    @classmethod
    def from_model_file(
        cls,
        file: ModelFile,
        prefix: str,
        analyzer: Analyzer,
        *,
        metadata: Mapping[str, Any] | None = None,
    ) -> TfidfLinear:
        """The model stored under ``prefix`` in ``file`` (see :meth:`arrays`)."""
        raw = file.raw(f"{prefix}_vocabulary_utf8")
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise file.error(f"{prefix}_vocabulary_utf8 must be a 1-d uint8 array")
        try:
            terms = raw.tobytes().decode("utf-8").split("\n") if raw.size else []
        except UnicodeDecodeError as exc:
            raise file.error(f"{prefix}_vocabulary_utf8 is not UTF-8") from exc
        vocabulary = {term: i for i, term in enumerate(terms)}
        if len(vocabulary) != len(terms):
            raise file.error(f"{prefix}_vocabulary_utf8 has repeated terms")
        d = len(terms)
        intercept = file.array(f"{prefix}_intercept", (None,))
        idf = file.array(f"{prefix}_idf", (d,))
        coef = file.array(f"{prefix}_coef", (intercept.shape[0], d))
        try:
            return cls(
                analyzer=analyzer,
                vocabulary=MappingProxyType(vocabulary),
                idf=idf,
                coef=coef,
                intercept=intercept,
                metadata=metadata if metadata is not None else {},
            )
        except ConfigurationError as exc:
            raise file.error(str(exc)) from exc

    def save(self, path: Path, *, dtype: type[np.floating[Any]] = np.float64) -> tuple[Path, Path]:
        """Write the model as a file of its own (``<path>.npz`` and ``<path>.json``, format
        :data:`FORMAT`, arrays under :data:`PREFIX`); returns both paths."""
        meta = dict(self.metadata)
        meta.update(analyzer=self.analyzer.to_json(), vocabulary_size=len(self.vocabulary))
        return write_model(path, self.arrays(PREFIX, dtype), meta, FORMAT)

    @classmethod
    def load(cls, path: Path) -> TfidfLinear:
        """Read a model written by :meth:`save` (``path`` with or without a suffix)."""
        return cls._from_own_file(load_model(path, format=FORMAT, required=cls.array_names(PREFIX)))

    @classmethod
    def _from_own_file(cls, file: ModelFile) -> TfidfLinear:
        analyzer = Analyzer.from_json(file.meta.get("analyzer"), file.source)
        return cls.from_model_file(file, PREFIX, analyzer, metadata=file.meta)


@functools.cache
def packaged_tfidf(name: str) -> TfidfLinear:
    """A TF-IDF model shipped in ``plumbline/data/heads/`` as a file of its own (cached)."""
    file = packaged_model(name, format=FORMAT, required=TfidfLinear.array_names(PREFIX))
    return TfidfLinear._from_own_file(file)
