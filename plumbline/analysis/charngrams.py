"""A character n-gram TF-IDF + logistic-regression scorer, packaged as vocabulary + weights.

It computes what scikit-learn's ``TfidfVectorizer(analyzer="char_wb", ngram_range=(lo, hi),
sublinear_tf=True)`` followed by a binary ``LogisticRegression`` computes, in plain Python and
numpy, so that no pickled estimator is ever loaded:

- text lower-cased, cut into words at whitespace; each word padded with one space on each
  side; its n-grams for n = lo..hi (a padded word shorter than n gives itself, once);
- tf = 1 + log(count) for each n-gram of the vocabulary; times its idf; the row L2-normalized;
- logit = row · coef + intercept.

Storage: ``<name>.npz`` (``idf``, ``coef``, ``intercept``; read with ``allow_pickle=False``)
and ``<name>.json`` (format version, n-gram range, the vocabulary in column order, metadata).
``scripts/train_heads.py`` writes the packaged one (``sentence_bias_chars``) and checks it
against scikit-learn.
"""

from __future__ import annotations

import functools
import io
import json
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]

FORMAT_VERSION = 1
_ARRAYS = ("idf", "coef", "intercept")


def char_ngrams(text: str, low: int, high: int) -> list[str]:
    """The n-grams (``low`` <= n <= ``high``) of each space-padded, lower-cased word."""
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


@dataclass(frozen=True, eq=False, slots=True)
class CharNgramScorer:
    """A linear model over L2-normalized, sublinear TF-IDF character n-gram counts."""

    ngram_range: tuple[int, int]
    vocabulary: Mapping[str, int]
    idf: FloatArray
    coef: FloatArray
    intercept: float
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        low, high = self.ngram_range
        if not 1 <= low <= high:
            raise ConfigurationError(f"bad n-gram range {self.ngram_range!r}")
        d = len(self.vocabulary)
        if self.idf.shape != (d,) or self.coef.shape != (d,):
            raise ConfigurationError(f"idf and coef must have shape ({d},)")
        if sorted(self.vocabulary.values()) != list(range(d)):
            raise ConfigurationError("the vocabulary must number its columns 0..d-1")
        if not (np.all(np.isfinite(self.idf)) and np.all(np.isfinite(self.coef))):
            raise ConfigurationError("weights must be finite")
        if not math.isfinite(self.intercept):
            raise ConfigurationError("intercept must be finite")

    def decision_function(self, texts: Sequence[str]) -> FloatArray:
        """The logit of each text, float64 ``(n,)``; 0-vector texts get the intercept."""
        low, high = self.ngram_range
        out = np.full(len(texts), self.intercept, dtype=np.float64)
        for row, text in enumerate(texts):
            counts = Counter(g for g in char_ngrams(text, low, high) if g in self.vocabulary)
            if not counts:
                continue
            columns = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.int64)
            tf = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64))
            weights = tf * self.idf[columns]
            norm = float(np.sqrt(weights @ weights))
            out[row] += float(weights @ self.coef[columns]) / norm
        return out

    # --- storage -------------------------------------------------------------------------

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``<path>.npz`` and ``<path>.json``; returns both paths."""
        base = Path(path)
        npz_path = base.with_name(base.name + ".npz")
        json_path = base.with_name(base.name + ".json")
        npz_path.parent.mkdir(parents=True, exist_ok=True)
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            allow_pickle=False,
            idf=self.idf.astype(np.float64),
            coef=self.coef.astype(np.float64),
            intercept=np.array([self.intercept], dtype=np.float64),
        )
        npz_path.write_bytes(buffer.getvalue())
        columns = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        doc = dict(self.metadata)
        doc.update(
            format_version=FORMAT_VERSION, ngram_range=list(self.ngram_range), vocabulary=columns
        )
        json_path.write_text(
            json.dumps(doc, indent=0, sort_keys=True, ensure_ascii=True) + "\n", encoding="utf-8"
        )
        return npz_path, json_path

    @classmethod
    def load(cls, path: Path) -> CharNgramScorer:
        """Read a scorer written by :meth:`save` (``path`` without suffix)."""
        base = Path(path)
        try:
            npz_bytes = base.with_name(base.name + ".npz").read_bytes()
            json_text = base.with_name(base.name + ".json").read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read n-gram scorer {base}: {exc}") from exc
        return cls.from_bytes(npz_bytes, json_text, source=str(base))

    @classmethod
    def from_bytes(
        cls, npz_bytes: bytes, json_text: str, *, source: str = "<bytes>"
    ) -> CharNgramScorer:
        """Build a scorer from the contents of its ``.npz`` and ``.json`` files."""
        try:
            doc = json.loads(json_text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{source}: metadata is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
            raise ConfigurationError(f"{source}: not a format-{FORMAT_VERSION} n-gram scorer")
        columns = doc.pop("vocabulary", None)
        ngram_range = doc.get("ngram_range")
        if not isinstance(columns, list) or not all(isinstance(g, str) for g in columns):
            raise ConfigurationError(f"{source}: 'vocabulary' must be a list of strings")
        if len(set(columns)) != len(columns):
            raise ConfigurationError(f"{source}: repeated n-grams in the vocabulary")
        if (
            not isinstance(ngram_range, list)
            or len(ngram_range) != 2
            or not all(isinstance(n, int) for n in ngram_range)
        ):
            raise ConfigurationError(f"{source}: 'ngram_range' must be two integers")
        arrays: dict[str, FloatArray] = {}
        try:
            with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
                if sorted(npz.files) != sorted(_ARRAYS):
                    raise ConfigurationError(f"{source}: expected arrays {list(_ARRAYS)}")
                for key in _ARRAYS:
                    arr = npz[key]  # raises ValueError for object (pickled) arrays
                    if arr.dtype.kind not in "fiu":
                        raise ConfigurationError(f"{source}: array {key!r} is not numeric")
                    value = np.array(arr, dtype=np.float64)
                    value.setflags(write=False)
                    arrays[key] = value
        except (ValueError, OSError, EOFError) as exc:
            raise ConfigurationError(f"{source}: not a safe numeric npz file: {exc}") from exc
        if arrays["intercept"].shape != (1,):
            raise ConfigurationError(f"{source}: intercept must have shape (1,)")
        return cls(
            ngram_range=(ngram_range[0], ngram_range[1]),
            vocabulary={g: i for i, g in enumerate(columns)},
            idf=arrays["idf"],
            coef=arrays["coef"],
            intercept=float(arrays["intercept"][0]),
            metadata=doc,
        )


@functools.cache
def packaged_scorer(name: str) -> CharNgramScorer:
    """An n-gram scorer shipped in ``plumbline/data/heads/`` (cached)."""
    folder = resources.files("plumbline").joinpath("data", "heads")
    try:
        npz_bytes = folder.joinpath(f"{name}.npz").read_bytes()
        json_text = folder.joinpath(f"{name}.json").read_text(encoding="utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise ConfigurationError(
            f"packaged n-gram scorer {name!r} is missing (run scripts/train_heads.py)"
        ) from exc
    return CharNgramScorer.from_bytes(npz_bytes, json_text, source=f"plumbline/data/heads/{name}")
