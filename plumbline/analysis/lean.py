"""Article lean: left / center / right probabilities from the packaged lexical lean head.

The head reads the article's words (title and body), not its embeddings. It averages the
probabilities of two TF-IDF + logistic-regression members (:class:`TfidfLogit`): one reads
the raw text; the other reads :func:`lean_text`, the text with outlet boilerplate removed
(outlet names, bylines, datelines, photo credits, URLs, newsletter and "advertisement"
lines, honorifics), so that it has to learn lean from wording rather than an outlet's house
style and carries over better to outlets it has not seen. A member counts word 1-2 grams over
its packaged vocabulary as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)`` does and
applies a multinomial logistic regression. Everything is numpy; the weights live in
``plumbline/data/heads/lean.npz`` (numeric arrays only, read with ``allow_pickle=False``) and
``lean.json`` (metadata, measured figures). Trained and measured by ``scripts/train_lean.py``;
see docs/methodology.md, "Article lean".
"""

from __future__ import annotations

import functools
import io
import json
import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.errors import ConfigurationError
from plumbline.models import Lean, LeanScores

FloatArray = npt.NDArray[np.float64]

FORMAT = "plumbline-lexical-lean-1"
CLASSES = ("left", "center", "right")
#: The head reads at most this many characters of title + text (bounds time on huge input).
MAX_CHARS = 100_000
_ARRAYS = ("vocabulary_utf8", "idf", "coef", "intercept")  # per member, prefixed
_TOKEN_RE = re.compile(r"(?u)\b\w\w+\b")  # scikit-learn's default token_pattern

# --- text cleaning ---------------------------------------------------------------------------

#: Publication names removed from the text (case-sensitive, as they are written; an optional
#: leading "The", trailing ".com" or possessive goes with them). People's names are kept.
OUTLET_NAMES = (
    "ABC News", "AFP", "AP", "Agence France-Presse", "Al Jazeera", "AllSides",
    "American Enterprise Institute", "American Spectator", "Associated Press", "Axios",
    "BBC", "BBC News", "Bloomberg News", "Boston Globe", "Breitbart", "Breitbart News",
    "Business Insider", "BuzzFeed", "BuzzFeed News", "CBN", "CBN News", "CBS", "CBS News",
    "CNBC", "CNN", "Chicago Sun-Times", "Christian Science Monitor", "Daily Beast",
    "Daily Caller", "Daily Kos", "Daily Mail", "Daily Signal", "Daily Wire", "Democracy Now",
    "Epoch Times", "FOX News", "FiveThirtyEight", "Fox Business", "Fox News",
    "Fox News Channel", "FoxNews", "Free Beacon", "Gannett", "HotAir", "Hot Air", "HuffPost",
    "Huffington Post", "International Business Times", "Jacobin", "LA Times",
    "Los Angeles Times", "MSNBC", "MarketWatch", "Marshall Project", "Media Matters",
    "Media Research Center", "Mediaite", "Mother Jones", "NBC", "NBC News", "NPR", "NYT",
    "National Public Radio", "National Review", "New York Magazine", "New York Post",
    "New York Times", "NewsBusters", "NewsMax", "Newsmax", "Newsweek", "PJ Media", "POLITICO",
    "Pew Research Center", "Politico", "ProPublica", "REUTERS", "Real Clear Politics",
    "RealClearPolitics", "Reason magazine", "Reason.com", "Reuters", "Salon",
    "Scientific American", "Sky News", "Slate", "The American Spectator", "The Atlantic",
    "The Blaze", "The Economist", "The Federalist", "The Flip Side", "The Guardian",
    "The Hill", "The Intercept", "The New Yorker", "TheBlaze", "ThinkProgress", "TIME",
    "Time Magazine", "Townhall", "Twitchy", "UPI", "USA TODAY", "USA Today", "VICE",
    "Vanity Fair", "Vice News", "Vox", "WSJ", "Wall Street Journal", "Washington Examiner",
    "Washington Free Beacon", "Washington Post", "Washington Times", "Yahoo", "Yahoo News",
)  # fmt: skip
_OUTLET_RE = re.compile(
    r"(?<!\w)(?:[Tt]he\s+)?(?:"
    + "|".join(
        re.escape(name).replace(r"\ ", r"\s+")
        for name in sorted(set(OUTLET_NAMES), key=len, reverse=True)
    )
    + r")(?:\.com|'s|’s)?(?!\w)"
)
_URL_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|org|net|gov|edu|io|co\.uk|co)\b(?:/\S*)?"
    r"|\S+@\S+\.\w+|@\w+",
    re.IGNORECASE,
)
_PHOTO_RE = re.compile(
    r"\(?\b(?:AP|Reuters|REUTERS|AFP|Getty Images|EPA|Bloomberg|UPI)(?:\s*Photo)?\s*/"
    r"\s*[\w .'’-]{0,40}\)?"
    r"|\((?:AP|Reuters|AFP)\s*Photo[^)]{0,60}\)"
    r"|\bPhoto(?:graph)?\s*(?:by|:)[^.\n]{0,60}"
    r"|toggle caption.*",
    re.IGNORECASE,
)
_DATELINE_RE = re.compile(
    r"^\s*(?:[A-Z][A-Z.'’-]+(?:[ ,]+[A-Z][A-Za-z.'’-]*){0,4})?\s*"
    r"(?:\(\s*[A-Za-z. ]{0,20}\s*\))?\s*[-—–]{1,2}\s+"
)
#: A short paragraph (< 300 characters) matching this is boilerplate and is dropped whole.
_BOILERPLATE_RE = re.compile(
    r"contributed to this report|reporting by|editing by|writing by|additional reporting"
    r"|sign up|signing up|subscribe|newsletter|click here|copyright|©|all rights reserved"
    r"|follow (?:us|him|her|me)|toggle caption|advertisement|story continued"
    r"|continue reading|read more|related:|^watch:|^video:|^photo|image \d+ of"
    r"|getty images|share this|e-?mail (?:us|me|him|her)\b|the views expressed|opinions expressed"
    r"|is a (?:columnist|contributor|correspondent|reporter|writer|senior|fellow|professor)"
    r"|^\d+ (?:years?|months?|weeks?|days?|hours?|minutes?) ago$|^updated\b|^follow\b"
    r"|more on this|loading\.\.\.|^close$|^\W*$|^\s*(?:by|from)\s+[A-Z]",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(
    r"^\s*(?:by|By|BY)\s+[A-Z][\w.'’-]+(?:\s+[A-Z][\w.'’-]+){0,3}\s*(?:,|and|$)"
)
#: House style, not lean ("Mr." is common in some outlets' copy and absent from others').
_HONORIFIC_RE = re.compile(r"\b(?:Mr|Mrs|Ms|Messrs|Mmes)\b\.?")
_EMPTY_PARENS_RE = re.compile(r"\(\s*\)")


def lean_text(title: str, text: str) -> str:
    """The title and body as the lean head reads them: outlet boilerplate removed.

    Paragraphs are the lines of ``title`` and ``text``. A short paragraph that looks like
    boilerplate (bylines, "contributed to this report", newsletter and advertisement lines,
    timestamps) is dropped; in the rest, photo credits, URLs and e-mail addresses, outlet
    names, datelines ("WASHINGTON (Reuters) -") and honorifics are removed. Reads at most
    :data:`MAX_CHARS` characters.
    """
    source = ((title or "") + "\n" + (text or ""))[:MAX_CHARS]
    kept: list[str] = []
    for paragraph in source.splitlines():
        p = paragraph.strip()
        if not p:
            continue
        if len(p) < 300 and _BOILERPLATE_RE.search(p):
            continue
        if len(p) < 100 and _BYLINE_RE.match(p):
            continue
        p = _PHOTO_RE.sub(" ", p)
        p = _URL_RE.sub(" ", p)
        p = _OUTLET_RE.sub(" ", p)
        p = _DATELINE_RE.sub("", p)
        p = _EMPTY_PARENS_RE.sub(" ", p)
        p = _HONORIFIC_RE.sub(" ", p)
        kept.append(p)
    return "\n".join(kept)


def tokens(text: str) -> list[str]:
    """Lowercased word tokens as scikit-learn's default ``TfidfVectorizer`` finds them."""
    return _TOKEN_RE.findall(text.lower())


def ngrams(words: Sequence[str], max_n: int) -> list[str]:
    """Word 1..``max_n`` grams joined by one space, in scikit-learn's order."""
    out = list(words)
    for n in range(2, max_n + 1):
        out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return out


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
class TfidfLogit:
    """TF-IDF word n-grams over a fixed vocabulary + multinomial logistic regression.

    Count the in-vocabulary n-grams of a text, ``x_j = (1 + ln count_j) * idf_j``,
    ``x /= ||x||`` (scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``), then
    ``logits = coef @ x + intercept``.
    """

    vocabulary: Mapping[str, int]
    idf: FloatArray
    coef: FloatArray
    intercept: FloatArray
    max_n: int = 2

    def __post_init__(self) -> None:
        size = len(self.vocabulary)
        k = self.intercept.shape[0] if self.intercept.ndim == 1 else -1
        if k < 2 or self.idf.shape != (size,) or self.coef.shape != (k, size):
            raise ConfigurationError(
                f"lean head: idf {self.idf.shape} / coef {self.coef.shape} / intercept "
                f"{self.intercept.shape} do not fit a {size}-term vocabulary"
            )
        if sorted(self.vocabulary.values()) != list(range(size)):
            raise ConfigurationError("lean head: vocabulary indices must be 0..n-1")
        if not all(np.all(np.isfinite(a)) for a in (self.idf, self.coef, self.intercept)):
            raise ConfigurationError("lean head: weights must be finite")
        if self.max_n < 1:
            raise ConfigurationError("lean head: max_n must be >= 1")

    def decision_function(self, texts: Sequence[str]) -> FloatArray:
        """Logits ``(n, k)``; each text is read up to :data:`MAX_CHARS` characters."""
        out = np.tile(self.intercept, (len(texts), 1))
        for row, text in enumerate(texts):
            counts = Counter(
                j
                for gram in ngrams(tokens(text[:MAX_CHARS]), self.max_n)
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
        """Softmax of :meth:`decision_function`."""
        return _softmax(self.decision_function(texts))

    def arrays(self, prefix: str) -> dict[str, npt.NDArray[Any]]:
        terms = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        if any("\n" in term for term in terms):
            raise ValueError("vocabulary terms must not contain line breaks")
        vocab = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
        return {
            f"{prefix}_vocabulary_utf8": vocab,
            # float16 halves the file; predictions move by about 1e-4 (checked by the trainer)
            f"{prefix}_idf": self.idf.astype(np.float16),
            f"{prefix}_coef": self.coef.astype(np.float16),
            f"{prefix}_intercept": self.intercept.astype(np.float64),
        }

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[Any]], prefix: str, max_n: int, source: str
    ) -> TfidfLogit:
        raw = arrays[f"{prefix}_vocabulary_utf8"]
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise ConfigurationError(f"{source}: {prefix}_vocabulary_utf8 must be uint8")
        try:
            terms = raw.tobytes().decode("utf-8").split("\n") if raw.size else []
        except UnicodeDecodeError as exc:
            raise ConfigurationError(f"{source}: vocabulary is not UTF-8") from exc
        vocabulary = {term: i for i, term in enumerate(terms)}
        if len(vocabulary) != len(terms):
            raise ConfigurationError(f"{source}: vocabulary has duplicate terms")
        return cls(
            vocabulary=MappingProxyType(vocabulary),
            idf=_frozen(arrays[f"{prefix}_idf"]),
            coef=_frozen(arrays[f"{prefix}_coef"]),
            intercept=_frozen(arrays[f"{prefix}_intercept"]),
            max_n=max_n,
        )


def _softmax(z: FloatArray) -> FloatArray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    result: FloatArray = e / e.sum(axis=1, keepdims=True)
    return result


def _frozen(a: npt.NDArray[Any]) -> FloatArray:
    value = np.array(a, dtype=np.float64)
    value.setflags(write=False)  # the packaged head is shared (cached)
    return value


@dataclass(frozen=True, eq=False, slots=True)
class LexicalLeanHead:
    """The lean head: the mean of its members' class probabilities.

    ``members`` pairs an input kind (:data:`INPUTS`) with a :class:`TfidfLogit`; the packaged
    head has one member on the raw text and one on :func:`lean_text`. ``metadata`` is the JSON
    document stored beside the weights (data, protocol, figures, license); it does not affect
    predictions.
    """

    members: tuple[tuple[str, TfidfLogit], ...]
    classes: tuple[str, ...] = CLASSES
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        kinds = [kind for kind, _ in self.members]
        if not kinds or len(set(kinds)) != len(kinds) or not set(kinds) <= set(INPUTS):
            raise ConfigurationError(f"lean head: members must be distinct {INPUTS}, got {kinds}")
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
        """Write ``<path>.npz`` (numeric arrays only) and ``<path>.json`` (metadata)."""
        npz_path, json_path = _paths(path)
        arrays: dict[str, npt.NDArray[Any]] = {}
        for kind, model in self.members:
            arrays.update(model.arrays(kind))
        buffer = io.BytesIO()
        np.savez_compressed(buffer, allow_pickle=False, **arrays)
        npz_path.parent.mkdir(parents=True, exist_ok=True)
        npz_path.write_bytes(buffer.getvalue())
        doc = dict(self.metadata)
        doc.update(format=FORMAT, classes=list(self.classes))
        doc["members"] = [
            {"input": kind, "max_n": m.max_n, "vocabulary_size": len(m.vocabulary)}
            for kind, m in self.members
        ]
        json_path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return npz_path, json_path

    @classmethod
    def from_bytes(
        cls, npz_bytes: bytes, json_text: str, *, source: str = "<bytes>"
    ) -> LexicalLeanHead:
        """Build a head from its ``.npz`` and ``.json`` contents; refuses pickles and junk."""
        try:
            meta = json.loads(json_text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{source}: metadata is not valid JSON: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ConfigurationError(f"{source}: not a {FORMAT} head")
        classes = meta.get("classes")
        if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
            raise ConfigurationError(f"{source}: metadata 'classes' must be a list of strings")
        specs = meta.get("members")
        if not isinstance(specs, list) or not all(
            isinstance(m, dict) and m.get("input") in INPUTS and isinstance(m.get("max_n"), int)
            for m in specs
        ):
            raise ConfigurationError(f"{source}: metadata 'members' is malformed")
        expected = {f"{m['input']}_{key}" for m in specs for key in _ARRAYS}
        try:
            with np.load(io.BytesIO(npz_bytes), allow_pickle=False) as npz:
                if set(npz.files) != expected:
                    raise ConfigurationError(f"{source}: arrays must be exactly {sorted(expected)}")
                arrays = {key: npz[key] for key in npz.files}  # object arrays raise ValueError
        except (ValueError, OSError, EOFError) as exc:
            raise ConfigurationError(f"{source}: not a safe numeric npz file: {exc}") from exc
        if any(a.dtype.kind not in "fiu" for a in arrays.values()):
            raise ConfigurationError(f"{source}: arrays must be numeric")
        members = tuple(
            (m["input"], TfidfLogit.from_arrays(arrays, m["input"], m["max_n"], source))
            for m in specs
        )
        return cls(members=members, classes=tuple(classes), metadata=meta)

    @classmethod
    def load(cls, path: Path) -> LexicalLeanHead:
        """Read a head written by :meth:`save` (``path`` with or without ``.npz``)."""
        npz_path, json_path = _paths(path)
        try:
            npz_bytes = npz_path.read_bytes()
            json_text = json_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"cannot read lean head {npz_path}: {exc}") from exc
        return cls.from_bytes(npz_bytes, json_text, source=str(npz_path))


def _paths(path: Path) -> tuple[Path, Path]:
    path = Path(path)
    base = path.with_suffix("") if path.suffix in (".npz", ".json") else path
    return base.with_name(base.name + ".npz"), base.with_name(base.name + ".json")


@functools.cache
def packaged_lean_head() -> LexicalLeanHead:
    """The head shipped as ``plumbline/data/heads/lean.{npz,json}`` (cached)."""
    folder = resources.files("plumbline").joinpath("data", "heads")
    try:
        npz_bytes = folder.joinpath("lean.npz").read_bytes()
        json_text = folder.joinpath("lean.json").read_text(encoding="utf-8")
    except (OSError, FileNotFoundError) as exc:
        raise ConfigurationError(
            "packaged lean head is missing (run scripts/train_lean.py)"
        ) from exc
    head = LexicalLeanHead.from_bytes(npz_bytes, json_text, source="plumbline/data/heads/lean.npz")
    if head.classes != CLASSES:
        raise ConfigurationError(f"lean head classes must be {CLASSES}, got {head.classes}")
    return head


def article_lean(title: str, text: str) -> LeanScores:
    """Lean of one article from its title and body text (see :func:`lean_text`)."""
    p = packaged_lean_head().predict_proba([(title, text)])[0]
    left, center, right = (round(float(x), 4) for x in p)
    return LeanScores(left, center, right)


def dominant(scores: LeanScores) -> Lean:
    values = {Lean.LEFT: scores.left, Lean.CENTER: scores.center, Lean.RIGHT: scores.right}
    return max(values, key=lambda lean: values[lean])
