"""Small linear model heads on top of the MiniLM sentence embeddings.

A head is a (calibrated) logistic regression stored as a model file
(:mod:`plumbline.analysis.modelfile`, format :data:`FORMAT`): the numeric weights in
``<name>.npz`` (read with ``allow_pickle=False``, so loading can never run code) and its
metadata in ``<name>.json`` (classes, training data, protocol, measured figures, license note).
Prediction is pure numpy. The heads are trained by ``scripts/train_heads.py``; the packaged
ones live in ``plumbline/data/heads/`` and are loaded with :func:`packaged_head`.

Packaged heads:

- ``sentence_bias``: classes ``("non_biased", "biased")``; input :func:`sentence_features`
  (772-d): from one encoder pass (``Embedder().encode_layers(sentences, max_tokens=128)``),
  the sentence embedding (384-d) and the mean-pooled hidden states of layer 4 (384-d);
  then three loaded-word features from the packaged BABE word lexicon
  (:func:`packaged_bias_lexicon`, :func:`lexicon_features`) and the logit of a character
  n-gram TF-IDF model (:data:`BIAS_CHAR_SCORER`, :func:`plumbline.analysis.tfidf.packaged_tfidf`).

The article lean head is lexical, not embedding-based: see :mod:`plumbline.analysis.lean`.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis.embed import Encoded
from plumbline.analysis.modelfile import ModelFile, load_model, packaged_model, write_model
from plumbline.analysis.tfidf import TfidfLinear, sigmoid, softmax
from plumbline.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]
Vectors = npt.NDArray[np.float32]

#: The model-file format of a head (:mod:`plumbline.analysis.modelfile`).
FORMAT = "plumbline-linear-head-1"
#: The version of the loaded-word lexicon file (a JSON document, not a model file).
LEXICON_FORMAT_VERSION = 1
#: How many leading sentences :func:`lead_sentences` gives by default (the former
#: embedding lean head read the title and these; ``scripts/train_topics.py`` still does).
LEAN_MAX_SENTENCES = 12
#: Token limit used when embedding titles and sentences for the heads.
HEAD_MAX_TOKENS = 128

#: Names of the loaded-word features appended to the sentence embedding (sentence_bias head).
LEXICON_FEATURES = ("log1p_lexicon_words", "max_word_rate", "sum_word_rate")
#: File (in ``plumbline/data/heads/``) holding the packaged loaded-word lexicon.
BIAS_LEXICON_FILE = "sentence_bias_lexicon.json"
#: Name (in ``plumbline/data/heads/``) of the character n-gram TF-IDF model whose logit the
#: sentence_bias head reads (:func:`plumbline.analysis.tfidf.packaged_tfidf`).
BIAS_CHAR_SCORER = "sentence_bias_chars"

_WORD_RE = re.compile(r"[a-z]{2,}(?:-[a-z]{2,})*")
_REQUIRED = ("coef", "intercept", "calibration")
_OPTIONAL = ("mean", "scale")
#: The script that trains each packaged head (for the message when one is missing).
_TRAINERS = {"topic": "scripts/train_topics.py", "same_event": "scripts/train_same_event.py"}


@dataclass(frozen=True, eq=False, slots=True)
class LinearHead:
    """A linear classifier over fixed features, with optional standardization and calibration.

    ``logits = ((X - mean) / scale) @ coef.T + intercept``; then

    - binary (``len(classes) == 2``, ``coef`` is ``1×d``): ``p(classes[1]) =
      sigmoid(calib_scale * logit + calib_shift)`` (Platt scaling on the raw logit;
      identity when ``calib_scale == 1`` and ``calib_shift == 0``);
    - multiclass (``coef`` is ``k×d``): ``softmax(calib_scale * logits)`` (temperature
      scaling with ``T = 1 / calib_scale``; ``calib_shift`` must be 0).

    ``metadata`` is the JSON document stored beside the weights (training data, protocol,
    measured figures, date, license note); it does not affect predictions.
    """

    classes: tuple[str, ...]
    coef: FloatArray
    intercept: FloatArray
    mean: FloatArray | None = None
    scale: FloatArray | None = None
    calib_scale: float = 1.0
    calib_shift: float = 0.0
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        k = len(self.classes)
        if k < 2 or len(set(self.classes)) != k:
            raise ConfigurationError(f"a head needs >= 2 distinct classes, got {self.classes!r}")
        rows = 1 if k == 2 else k
        if self.coef.ndim != 2 or self.coef.shape[0] != rows:
            raise ConfigurationError(
                f"coef must be {rows}×d for {k} classes, got shape {self.coef.shape}"
            )
        if self.intercept.shape != (rows,):
            raise ConfigurationError(f"intercept must have shape ({rows},)")
        d = self.coef.shape[1]
        for name, vec in (("mean", self.mean), ("scale", self.scale)):
            if vec is not None and vec.shape != (d,):
                raise ConfigurationError(f"{name} must have shape ({d},)")
        if self.scale is not None and not np.all(self.scale > 0):
            raise ConfigurationError("scale must be positive")
        arrays = [self.coef, self.intercept, self.mean, self.scale]
        if not all(np.all(np.isfinite(a)) for a in arrays if a is not None):
            raise ConfigurationError("head weights must be finite")
        if not (np.isfinite(self.calib_scale) and self.calib_scale > 0):
            raise ConfigurationError("calib_scale must be positive and finite")
        if not np.isfinite(self.calib_shift) or (k > 2 and self.calib_shift != 0.0):
            raise ConfigurationError("calib_shift must be finite, and 0 for multiclass heads")

    @property
    def dim(self) -> int:
        """Number of input features."""
        return int(self.coef.shape[1])

    def decision_function(self, X: npt.ArrayLike) -> FloatArray:
        """Raw (uncalibrated) logits: ``(n, 1)`` for binary heads, ``(n, k)`` otherwise."""
        x = np.asarray(X, dtype=np.float64)
        if x.ndim != 2 or x.shape[1] != self.dim:
            raise ValueError(f"expected an (n, {self.dim}) array, got shape {x.shape}")
        if self.mean is not None:
            x = x - self.mean
        if self.scale is not None:
            x = x / self.scale
        logits: FloatArray = x @ self.coef.T + self.intercept
        return logits

    def predict_proba(self, X: npt.ArrayLike) -> FloatArray:
        """Calibrated class probabilities, float64 ``(n, k)``, columns in ``classes`` order."""
        z = self.decision_function(X) * self.calib_scale
        if len(self.classes) == 2:
            p1 = sigmoid(z[:, 0] + self.calib_shift)
            return np.column_stack([1.0 - p1, p1])
        return softmax(z)

    def predict(self, X: npt.ArrayLike) -> list[str]:
        """The most probable class of each row."""
        return [self.classes[i] for i in self.predict_proba(X).argmax(axis=1)]

    # --- storage -------------------------------------------------------------------------

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``<path>.npz`` (numeric arrays only) and ``<path>.json`` (metadata).

        ``path`` may be given with or without the ``.npz`` suffix. Returns both paths.
        """
        arrays: dict[str, FloatArray] = {
            "coef": self.coef.astype(np.float64),
            "intercept": self.intercept.astype(np.float64),
            "calibration": np.array([self.calib_scale, self.calib_shift], dtype=np.float64),
        }
        if self.mean is not None:
            arrays["mean"] = self.mean.astype(np.float64)
        if self.scale is not None:
            arrays["scale"] = self.scale.astype(np.float64)
        doc = dict(self.metadata)
        doc.pop("format_version", None)  # the old layout's marker; the format is "format"
        doc["classes"] = list(self.classes)
        doc["dim"] = self.dim
        doc["calibration"] = {"scale": self.calib_scale, "shift": self.calib_shift}
        return write_model(path, arrays, doc, FORMAT)

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        """Read a head written by :meth:`save` (``path`` with or without ``.npz``).

        Raises :class:`ConfigurationError` for a missing, malformed or pickle-bearing file.
        """
        return cls.from_model_file(
            load_model(path, format=FORMAT, required=_REQUIRED, optional=_OPTIONAL)
        )

    @classmethod
    def from_model_file(cls, file: ModelFile) -> LinearHead:
        """Build a head from its checked model file."""
        calibration = file.array("calibration", (2,))
        classes = file.strings("classes")
        coef, intercept = file.array("coef"), file.array("intercept")
        mean = file.array("mean") if "mean" in file.arrays else None
        scale = file.array("scale") if "scale" in file.arrays else None
        try:
            return cls(
                classes=classes,
                coef=coef,
                intercept=intercept,
                mean=mean,
                scale=scale,
                calib_scale=float(calibration[0]),
                calib_shift=float(calibration[1]),
                metadata=file.meta,
            )
        except ConfigurationError as exc:
            raise file.error(str(exc)) from exc


@functools.cache
def packaged_head(name: str) -> LinearHead:
    """A head shipped in ``plumbline/data/heads/`` (``"sentence_bias"``, ``"topic"``), cached."""
    trainer = _TRAINERS.get(name, "scripts/train_heads.py")
    file = packaged_model(
        name, format=FORMAT, required=_REQUIRED, optional=_OPTIONAL, trained_by=trainer
    )
    return LinearHead.from_model_file(file)


# --- features ------------------------------------------------------------------------------


def lead_sentences(text: str, limit: int = LEAN_MAX_SENTENCES) -> list[str]:
    """The first ``limit`` sentences of an article body.

    The text is cut into paragraphs at line breaks; each non-empty paragraph is split with
    ``pysbd`` (English, ``clean=False``); empty pieces are dropped. Stops after ``limit``.
    """
    segmenter = _segmenter()
    out: list[str] = []
    for paragraph in text.splitlines():
        if not paragraph.strip():
            continue
        for piece in segmenter.segment(paragraph):
            sentence = str(piece).strip()
            if sentence:
                out.append(sentence)
                if len(out) >= limit:
                    return out
    return out


@functools.cache
def _segmenter() -> Any:
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def words(text: str) -> set[str]:
    """The distinct lowercase words of ``text`` as the bias lexicon counts them.

    Runs of two or more ASCII letters, hyphenated compounds kept whole (``far-left``);
    apostrophes split (``left's`` and ``left’s`` give ``left``). Accented letters are folded
    to ASCII; other non-ASCII characters (typographic quotes and dashes, ellipses, no-break
    spaces) separate words, as in ``plumbline.analysis.bias.word_keys``.
    """
    return set(_WORD_RE.findall(_fold(text.lower())))


def _fold(text: str) -> str:
    """``text`` in ASCII: NFKD, then combining marks and non-ASCII letters dropped (``é``
    gives ``e``), every other non-ASCII character (punctuation, symbols, spaces, format
    marks) turned into a space."""
    decomposed = unicodedata.normalize("NFKD", text)
    if decomposed.isascii():
        return decomposed
    return "".join(
        ch if ch.isascii() else "" if unicodedata.category(ch)[0] in "LM" else " "
        for ch in decomposed
    )


def lexicon_features(texts: Sequence[str], lexicon: Mapping[str, float]) -> Vectors:
    """Loaded-word features of each text, float32 ``(n, 3)`` (see :data:`LEXICON_FEATURES`).

    ``lexicon`` maps a word to its rate: how often BABE experts marked it as biased, per
    sentence it occurs in (smoothed). Features: ``log(1 + number of lexicon words present)``,
    the highest rate and the sum of rates over the distinct words of the text.
    """
    out = np.zeros((len(texts), len(LEXICON_FEATURES)), dtype=np.float32)
    for row, text in enumerate(texts):
        rates = [lexicon[w] for w in words(text) if w in lexicon]
        if rates:
            out[row] = (np.log1p(len(rates)), max(rates), sum(rates))
    return out


def sentence_features(
    encoded: Encoded,
    texts: Sequence[str],
    lexicon: Mapping[str, float],
    chars: TfidfLinear,
) -> Vectors:
    """The sentence_bias head's input, float32 ``(n, 772)``: ``[embedding (384), layer-4
    mean (384), lexicon_features (3), n-gram logit (1)]``.

    ``encoded`` is one encoder pass over ``texts`` (``Embedder.encode_layers``); ``lexicon``
    and ``chars`` (a binary TF-IDF scorer, one logit) are the packaged ones
    (:func:`packaged_bias_lexicon`, ``packaged_tfidf(BIAS_CHAR_SCORER)``) unless a test or the
    training script passes others.
    """
    if chars.outputs != 1:
        raise ValueError(f"the n-gram scorer must give one logit, not {chars.outputs}")
    vecs = np.asarray(encoded.vectors, dtype=np.float32)
    layer = np.asarray(encoded.layer_means, dtype=np.float32)
    if vecs.ndim != 2 or vecs.shape[0] != len(texts) or layer.shape != vecs.shape:
        raise ValueError(
            f"need one embedding and one layer mean per text, got {vecs.shape} and "
            f"{layer.shape} for {len(texts)}"
        )
    result: Vectors = np.hstack(
        [
            vecs,
            layer,
            lexicon_features(texts, lexicon),
            chars.decision_function(texts)[:, :1].astype(np.float32),
        ]
    ).astype(np.float32)
    return result


def loaded_words(
    text: str, lexicon: Mapping[str, float], limit: int = 5, *, min_rate: float = 0.1
) -> list[tuple[str, float]]:
    """Lexicon words in ``text`` with rate >= ``min_rate``, highest first (evidence to show).

    The default ``min_rate`` leaves out function words that experts marked once by accident.
    """
    found = [(w, lexicon[w]) for w in words(text) if lexicon.get(w, 0.0) >= min_rate]
    found.sort(key=lambda item: (-item[1], item[0]))
    return found[:limit]


def parse_lexicon(json_text: str, *, source: str = "<lexicon>") -> dict[str, float]:
    """Validate and read a lexicon file written by ``scripts/train_heads.py``."""
    try:
        doc = json.loads(json_text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{source}: not valid JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise ConfigurationError(f"{source}: a lexicon must be a JSON object")
    entries = doc.get("words")
    if doc.get("format_version") != LEXICON_FORMAT_VERSION or not isinstance(entries, dict):
        raise ConfigurationError(f"{source}: not a format-{LEXICON_FORMAT_VERSION} lexicon")
    lexicon: dict[str, float] = {}
    for word, rate in entries.items():
        if not isinstance(rate, (int, float)) or not 0.0 <= float(rate) <= 1.0:
            raise ConfigurationError(f"{source}: bad rate for {word!r}")
        lexicon[str(word)] = float(rate)
    return lexicon


@functools.cache
def packaged_bias_lexicon() -> Mapping[str, float]:
    """The loaded-word lexicon the packaged ``sentence_bias`` head was trained with (cached)."""
    resource = resources.files("plumbline").joinpath("data", "heads", BIAS_LEXICON_FILE)
    try:
        json_text = resource.read_text(encoding="utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise ConfigurationError(
            f"packaged lexicon {BIAS_LEXICON_FILE} is missing (run scripts/train_heads.py)"
        ) from exc
    return MappingProxyType(parse_lexicon(json_text, source=BIAS_LEXICON_FILE))
