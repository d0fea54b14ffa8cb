"""Small linear model heads on top of the MiniLM sentence embeddings.

A head is a (calibrated) logistic regression stored in a safe format: the numeric weights in
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
  n-gram TF-IDF model (:data:`BIAS_CHAR_SCORER`, :mod:`plumbline.analysis.charngrams`).

The article lean head is lexical, not embedding-based, and has its own format and loader:
see :mod:`plumbline.analysis.lean`.
"""

from __future__ import annotations

import functools
import io
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

from plumbline.analysis.charngrams import CharNgramScorer
from plumbline.analysis.embed import Encoded
from plumbline.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]
Vectors = npt.NDArray[np.float32]

FORMAT_VERSION = 1
#: How many leading sentences :func:`lead_sentences` gives by default (the former
#: embedding lean head read the title and these; ``scripts/train_topics.py`` still does).
LEAN_MAX_SENTENCES = 12
#: Token limit used when embedding titles and sentences for the heads.
HEAD_MAX_TOKENS = 128

#: Names of the loaded-word features appended to the sentence embedding (sentence_bias head).
LEXICON_FEATURES = ("log1p_lexicon_words", "max_word_rate", "sum_word_rate")
#: File (in ``plumbline/data/heads/``) holding the packaged loaded-word lexicon.
BIAS_LEXICON_FILE = "sentence_bias_lexicon.json"
#: Name (in ``plumbline/data/heads/``) of the character n-gram scorer whose logit the
#: sentence_bias head reads (:func:`plumbline.analysis.charngrams.packaged_scorer`).
BIAS_CHAR_SCORER = "sentence_bias_chars"

_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD_RE = re.compile(r"[a-z]{2,}(?:-[a-z]{2,})*")
_ARRAY_KEYS = ("coef", "intercept", "mean", "scale", "calibration")


def _sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _softmax(z: FloatArray) -> FloatArray:
    shifted = z - z.max(axis=1, keepdims=True)
    ez = np.exp(shifted)
    result: FloatArray = ez / ez.sum(axis=1, keepdims=True)
    return result


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
            p1 = _sigmoid(z[:, 0] + self.calib_shift)
            return np.column_stack([1.0 - p1, p1])
        return _softmax(z)

    def predict(self, X: npt.ArrayLike) -> list[str]:
        """The most probable class of each row."""
        return [self.classes[i] for i in self.predict_proba(X).argmax(axis=1)]

    # --- storage -------------------------------------------------------------------------

    def save(self, path: Path) -> tuple[Path, Path]:
        """Write ``<path>.npz`` (numeric arrays only) and ``<path>.json`` (metadata).

        ``path`` may be given with or without the ``.npz`` suffix. Returns both paths.
        """
        npz_path, json_path = _paths(path)
        npz_path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, FloatArray] = {
            "coef": self.coef.astype(np.float64),
            "intercept": self.intercept.astype(np.float64),
            "calibration": np.array([self.calib_scale, self.calib_shift], dtype=np.float64),
        }
        if self.mean is not None:
            arrays["mean"] = self.mean.astype(np.float64)
        if self.scale is not None:
            arrays["scale"] = self.scale.astype(np.float64)
        buffer = io.BytesIO()
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        npz_path.write_bytes(buffer.getvalue())
        doc = dict(self.metadata)
        doc["format_version"] = FORMAT_VERSION
        doc["classes"] = list(self.classes)
        doc["dim"] = self.dim
        doc["calibration"] = {"scale": self.calib_scale, "shift": self.calib_shift}
        json_path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return npz_path, json_path

    @classmethod
    def load(cls, path: Path) -> LinearHead:
        """Read a head written by :meth:`save` (``path`` with or without ``.npz``).

        Raises :class:`ConfigurationError` for a missing, malformed or pickle-bearing file.
        """
        npz_path, json_path = _paths(path)
        try:
            npz_bytes = npz_path.read_bytes()
            json_text = json_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read model head {npz_path}: {exc}") from exc
        return cls.from_bytes(npz_bytes, json_text, source=str(npz_path))

    @classmethod
    def from_bytes(cls, npz_bytes: bytes, json_text: str, *, source: str = "<bytes>") -> LinearHead:
        """Build a head from the contents of its ``.npz`` and ``.json`` files."""
        try:
            meta = json.loads(json_text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{source}: metadata is not valid JSON: {exc}") from exc
        if not isinstance(meta, dict):
            raise ConfigurationError(f"{source}: metadata must be a JSON object")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ConfigurationError(
                f"{source}: unsupported head format {meta.get('format_version')!r}"
            )
        classes = meta.get("classes")
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise ConfigurationError(f"{source}: metadata 'classes' must be a list of strings")
        arrays: dict[str, FloatArray] = {}
        try:
            with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
                unknown = set(npz.files) - set(_ARRAY_KEYS)
                if unknown:
                    raise ConfigurationError(f"{source}: unexpected arrays {sorted(unknown)}")
                for key in npz.files:
                    arr = npz[key]  # raises ValueError for object (pickled) arrays
                    if arr.dtype.kind not in "fiu":
                        raise ConfigurationError(f"{source}: array {key!r} is not numeric")
                    value = np.array(arr, dtype=np.float64)
                    value.setflags(write=False)  # packaged heads are shared (cached)
                    arrays[key] = value
        except (ValueError, OSError, EOFError) as exc:
            raise ConfigurationError(f"{source}: not a safe numeric npz file: {exc}") from exc
        for key in ("coef", "intercept", "calibration"):
            if key not in arrays:
                raise ConfigurationError(f"{source}: missing array {key!r}")
        calibration = arrays["calibration"]
        if calibration.shape != (2,):
            raise ConfigurationError(f"{source}: calibration must have shape (2,)")
        return cls(
            classes=tuple(classes),
            coef=arrays["coef"],
            intercept=arrays["intercept"],
            mean=arrays.get("mean"),
            scale=arrays.get("scale"),
            calib_scale=float(calibration[0]),
            calib_shift=float(calibration[1]),
            metadata=meta,
        )


def _paths(path: Path) -> tuple[Path, Path]:
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".npz", ".json") else path
    return base.with_name(base.name + ".npz"), base.with_name(base.name + ".json")


@functools.cache
def packaged_head(name: str) -> LinearHead:
    """A head shipped in ``plumbline/data/heads/`` (``"sentence_bias"``), cached."""
    if not _NAME_RE.match(name):
        raise ConfigurationError(f"invalid head name {name!r}")
    folder = resources.files("plumbline").joinpath("data", "heads")
    npz_file = folder.joinpath(f"{name}.npz")
    json_file = folder.joinpath(f"{name}.json")
    try:
        npz_bytes = npz_file.read_bytes()
        json_text = json_file.read_text(encoding="utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise ConfigurationError(
            f"packaged model head {name!r} is missing (run scripts/train_heads.py)"
        ) from exc
    return LinearHead.from_bytes(npz_bytes, json_text, source=f"plumbline/data/heads/{name}.npz")


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
    chars: CharNgramScorer,
) -> Vectors:
    """The sentence_bias head's input, float32 ``(n, 772)``: ``[embedding (384), layer-4
    mean (384), lexicon_features (3), n-gram logit (1)]``.

    ``encoded`` is one encoder pass over ``texts`` (``Embedder.encode_layers``); ``lexicon``
    and ``chars`` are the packaged ones (:func:`packaged_bias_lexicon`, the scorer named
    :data:`BIAS_CHAR_SCORER`) unless a test or the training script passes others.
    """
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
            chars.decision_function(texts).astype(np.float32)[:, None],
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
    if doc.get("format_version") != FORMAT_VERSION or not isinstance(entries, dict):
        raise ConfigurationError(f"{source}: not a format-{FORMAT_VERSION} lexicon")
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
