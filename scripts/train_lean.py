"""Train, measure and export Plumbline's article lean head (``plumbline/data/heads/lean.*``).

    .venv/bin/python scripts/train_lean.py [--data-dir ../shared/data] [--out-dir DIR]

Article-Bias-Prediction (Baly et al. 2020), **media** split: train on all 26,590 train
articles; choose C by an out-of-outlet 5-fold CV on train (StratifiedGroupKFold grouped by
outlet, seed 0: each validation fold's outlets are unseen by its model, as the test split's
mostly are); evaluate once on the 1,300-article test split (macro F1, accuracy, confusion
matrix; also on the test articles whose outlet is absent from train, and per test outlet).

Models, same protocol, printed side by side:

- baseline: TF-IDF word 1-2 grams of the raw title + text (sublinear tf, min_df 3,
  max_df 0.5, 200k features) + multinomial logistic regression;
- clean: the same on ``plumbline.analysis.lean.lean_text(title, text)`` (outlet
  boilerplate removed: outlet names, bylines, datelines, photo credits, URLs,
  newsletter/advertisement lines, honorifics);
- shipped head: the mean of the two models' probabilities, exported as a numpy
  ``LexicalLeanHead`` (vocabularies, idf, coefficients; no pickle) and checked to reproduce
  scikit-learn's probabilities.

One CPU thread; about an hour on a busy 2-core machine. See docs/methodology.md, "Article lean".
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import gzip
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedGroupKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.lean import (  # noqa: E402
    CLASSES,
    WORD_BIGRAMS,
    LexicalLeanHead,
    lean_text,
    member_text,
)
from plumbline.analysis.tfidf import TfidfLinear  # noqa: E402

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

SEED = 0
N_FOLDS = 5
C_GRID = (0.3, 1.0, 3.0)
VECTORIZER = {
    "ngram_range": (1, 2),
    "sublinear_tf": True,
    "min_df": 3,
    "max_df": 0.5,
    "max_features": 200_000,
    "dtype": np.float64,
}
ABP_LICENSE = (
    "Trained on Article-Bias-Prediction (Baly et al. 2020), Apache-2.0: "
    "https://github.com/ramybaly/Article-Bias-Prediction (commit "
    "ced8111a720948e6a410e52031ace99c4e53f096); article texts are third-party news content "
    "and are not shipped, only the fitted vocabulary (word 1-2 grams), idf and weights."
)
PUBLISHED = {
    "POLITICS-base (Liu et al. 2022), macro F1": 74.93,
    "BERT-base (same table), macro F1": 60.88,
}


def log(msg: str) -> None:
    print(msg, flush=True)


def read_split(path: Path) -> list[tuple[str, int]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["ID"], int(row["bias"])) for row in csv.DictReader(handle, delimiter="\t")]


def load_articles(path: Path, wanted: set[str]) -> dict[str, dict[str, str]]:
    """Title, text (``content_original``), label text, outlet and addresses of the wanted
    articles."""
    found: dict[str, dict[str, str]] = {}
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            obj = json.loads(line)
            if obj["ID"] in wanted:
                found[obj["ID"]] = {
                    "title": str(obj.get("title") or ""),
                    "text": str(obj.get("content_original") or ""),
                    "bias_text": str(obj["bias_text"]),
                    "source": str(obj.get("source") or ""),
                    "url": str(obj.get("url") or ""),
                    "source_url": str(obj.get("source_url") or ""),
                }
    missing = wanted - set(found)
    if missing:
        raise ValueError(f"{len(missing)} split IDs not found in {path}")
    return found


def scores(y: I64, pred: I64, unseen: npt.NDArray[np.bool_]) -> dict[str, Any]:
    return {
        "macro_f1": round(float(f1_score(y, pred, average="macro")), 4),
        "accuracy": round(float(accuracy_score(y, pred)), 4),
        "f1_per_class": dict(
            zip(CLASSES, (round(float(v), 4) for v in f1_score(y, pred, average=None)), strict=True)
        ),
        "confusion_matrix_rows_true_left_center_right": confusion_matrix(
            y, pred, labels=[0, 1, 2]
        ).tolist(),
        "unseen_outlets_only": {
            "articles": int(unseen.sum()),
            "macro_f1": round(float(f1_score(y[unseen], pred[unseen], average="macro")), 4),
            "accuracy": round(float(accuracy_score(y[unseen], pred[unseen])), 4),
        },
    }


def select_c(
    name: str, x: Any, y: I64, groups: Sequence[str]
) -> tuple[float, dict[str, float], F64]:
    """C with the best out-of-outlet CV macro F1 (ties: the smaller C), and its OOF probabilities.

    ``x`` is vectorized once on all of train (vocabulary and idf only, labels unused); each
    fold's model is fit on the other folds' outlets, warm-started along the C grid.
    """
    folds = StratifiedGroupKFold(n_splits=N_FOLDS, shuffle=True, random_state=SEED)
    oof = {c: np.zeros((len(y), len(CLASSES))) for c in C_GRID}
    for k, (fit_part, held) in enumerate(folds.split(np.zeros(len(y)), y, groups)):
        t0 = time.perf_counter()
        model = LogisticRegression(max_iter=3000, warm_start=True)
        for c in sorted(C_GRID):
            model.set_params(C=c)
            oof[c][held] = model.fit(x[fit_part], y[fit_part]).predict_proba(x[held])
        log(f"  {name}: CV fold {k + 1}/{N_FOLDS} ({time.perf_counter() - t0:.0f} s)")
    cv = {c: round(float(f1_score(y, oof[c].argmax(axis=1), average="macro")), 4) for c in C_GRID}
    for c, f in cv.items():
        log(f"  {name}: C={c:g} out-of-outlet CV macro F1 {f:.4f}")
    best = max(C_GRID, key=lambda c: (cv[c], -c))
    return best, {f"{c:g}": f for c, f in cv.items()}, oof[best]


def per_outlet(pred: I64, y: I64, outlets: Sequence[str]) -> dict[str, Any]:
    rows: dict[str, list[int]] = {}
    labels: dict[str, int] = {}
    for outlet, p, t in zip(outlets, pred, y, strict=True):
        rows.setdefault(outlet, []).append(int(p))
        labels[outlet] = int(t)
    return {
        outlet: {
            "label": CLASSES[labels[outlet]],
            "articles": len(p),
            "predicted_left_center_right": np.bincount(p, minlength=3).tolist(),
        }
        for outlet, p in sorted(rows.items(), key=lambda kv: -len(kv[1]))
    }


@dataclass
class Member:
    """One fitted TF-IDF + LR model and its probabilities (out-of-outlet CV, valid, test)."""

    name: str
    vectorizer: TfidfVectorizer
    model: LogisticRegression
    c: float
    cv_by_c: dict[str, float]
    oof: F64
    proba: dict[str, F64]


def fit_member(name: str, docs: dict[str, list[str]], y: I64, groups: Sequence[str]) -> Member:
    t0 = time.perf_counter()
    vectorizer = TfidfVectorizer(**VECTORIZER)
    x_train = vectorizer.fit_transform(docs["train"])
    log(f"  {name}: {x_train.shape[1]} features ({time.perf_counter() - t0:.0f} s)")
    c, cv, oof = select_c(name, x_train, y, groups)
    model = LogisticRegression(C=c, max_iter=3000).fit(x_train, y)
    proba = {s: model.predict_proba(vectorizer.transform(docs[s])) for s in ("valid", "test")}
    log(f"  {name}: C={c:g}, {time.perf_counter() - t0:.0f} s")
    return Member(name, vectorizer, model, c, cv, oof, proba)


def evaluate(
    oof: F64,
    proba: dict[str, F64],
    ys: dict[str, I64],
    unseen: npt.NDArray[np.bool_],
    test_outlets: Sequence[str],
) -> dict[str, Any]:
    pred = proba["test"].argmax(axis=1)
    metrics = scores(ys["test"], pred, unseen)
    metrics["out_of_outlet_cv_train_macro_f1"] = round(
        float(f1_score(ys["train"], oof.argmax(axis=1), average="macro")), 4
    )
    metrics["valid_macro_f1"] = round(
        float(f1_score(ys["valid"], proba["valid"].argmax(axis=1), average="macro")), 4
    )
    metrics["test_per_outlet"] = per_outlet(pred, ys["test"], test_outlets)
    return metrics


def bootstrap_difference(
    y: I64, pred_a: I64, pred_b: I64, outlets: Sequence[str], rounds: int = 2000
) -> dict[str, Any]:
    """95% intervals of macro F1(a) - macro F1(b) on test: resampling articles, and outlets.

    Test articles of one outlet share its label and style, so the outlet-level (cluster)
    bootstrap is the honest one; the article-level one is shown for comparison.
    """
    rng = np.random.default_rng(SEED)
    names = sorted(set(outlets))
    members = [np.flatnonzero(np.asarray(outlets) == name) for name in names]
    diffs: dict[str, list[float]] = {"articles": [], "outlets": []}
    for _ in range(rounds):
        for kind, values in diffs.items():
            if kind == "articles":
                idx = rng.integers(0, len(y), len(y))
            else:
                idx = np.concatenate([members[i] for i in rng.integers(0, len(names), len(names))])
            fa = f1_score(y[idx], pred_a[idx], average="macro", labels=[0, 1, 2], zero_division=0)
            fb = f1_score(y[idx], pred_b[idx], average="macro", labels=[0, 1, 2], zero_division=0)
            values.append(float(fa - fb))
    point = float(f1_score(y, pred_a, average="macro") - f1_score(y, pred_b, average="macro"))
    return {
        "macro_f1_difference": round(point, 4),
        "rounds": rounds,
        **{
            f"ci95_resampling_{kind}": [round(float(np.percentile(d, q)), 4) for q in (2.5, 97.5)]
            for kind, d in diffs.items()
        },
    }


def as_logit(member: Member) -> TfidfLinear:
    """The member as shipped: idf and coefficients rounded to float16, as the file stores them."""

    def f16(a: Any) -> F64:
        return np.asarray(a, dtype=np.float16).astype(np.float64)

    return TfidfLinear(
        analyzer=WORD_BIGRAMS,
        vocabulary={str(term): int(j) for term, j in member.vectorizer.vocabulary_.items()},
        idf=f16(member.vectorizer.idf_),
        coef=f16(member.model.coef_),
        intercept=np.asarray(member.model.intercept_, dtype=np.float64),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out-dir", type=Path, default=REPO / "plumbline" / "data" / "heads")
    parser.add_argument(
        "--limit", type=int, default=0, help="smoke test: first N articles of each split only"
    )
    args = parser.parse_args(argv)

    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    threadpool_limits(1)
    start = time.perf_counter()
    log("== lean: Article-Bias-Prediction, media split ==")
    root = args.data_dir / "article-bias-prediction"
    splits = {
        s: read_split(root / "splits" / "media" / f"{s}.tsv") for s in ("train", "valid", "test")
    }
    if args.limit:
        splits = {s: rows[: args.limit] for s, rows in splits.items()}
    articles = load_articles(
        root / "articles.jsonl.gz", {i for rows in splits.values() for i, _ in rows}
    )
    ids = {s: [i for i, _ in rows] for s, rows in splits.items()}
    ys: dict[str, I64] = {}
    for split, rows in splits.items():
        labels = np.asarray([label for _, label in rows], dtype=np.int64)
        if labels.tolist() != [CLASSES.index(articles[i]["bias_text"]) for i in ids[split]]:
            raise ValueError(f"split {split}: TSV bias disagrees with bias_text")
        ys[split] = labels
        log(f"  {split}: {len(rows)} articles (left/center/right {np.bincount(labels).tolist()})")
    groups = [articles[i]["source"] for i in ids["train"]]
    train_outlets = set(groups)
    test_outlets = [articles[i]["source"] for i in ids["test"]]
    unseen = np.asarray([s not in train_outlets for s in test_outlets], dtype=bool)
    log(
        f"  test: {int((~unseen).sum())} of {len(unseen)} articles come from outlets that also "
        f"occur in train: {sorted({s for s in test_outlets if s in train_outlets})}"
    )

    log("-- baseline: TF-IDF of the raw title + text + LR")
    raw = {
        s: [member_text("raw", articles[i]["title"], articles[i]["text"]) for i in ids[s]]
        for s in ids
    }
    base = fit_member("baseline (raw)", raw, ys["train"], groups)
    log("-- clean: TF-IDF of lean_text(title, text) (outlet boilerplate removed) + LR")
    t0 = time.perf_counter()
    cleaned = {
        s: [lean_text(articles[i]["title"], articles[i]["text"]) for i in ids[s]] for s in ids
    }
    n_docs = sum(len(v) for v in cleaned.values())
    log(f"  lean_text on {n_docs} articles: {time.perf_counter() - t0:.0f} s")
    clean = fit_member("clean", cleaned, ys["train"], groups)

    # The shipped head's own figures come from the numpy head as exported (float16 weights),
    # not from scikit-learn; the two are compared below.
    members = (("raw", as_logit(base)), ("clean", as_logit(clean)))
    numpy_head = LexicalLeanHead(members=members)
    split_articles = {
        s: [(articles[i]["title"], articles[i]["text"]) for i in ids[s]] for s in ("valid", "test")
    }
    head_proba = {s: numpy_head.predict_proba(a) for s, a in split_articles.items()}
    expected = (base.proba["test"] + clean.proba["test"]) / 2
    np.testing.assert_allclose(head_proba["test"], expected, rtol=0, atol=2e-3)
    agree = float((head_proba["test"].argmax(axis=1) == expected.argmax(axis=1)).mean())
    log(
        f"  numpy head (float16 weights) vs scikit-learn on test: max |dp| "
        f"{np.abs(head_proba['test'] - expected).max():.2e}, argmax agreement {agree:.4f}"
    )
    results = {
        "baseline": evaluate(base.oof, base.proba, ys, unseen, test_outlets),
        "clean": evaluate(clean.oof, clean.proba, ys, unseen, test_outlets),
        "head": evaluate((base.oof + clean.oof) / 2, head_proba, ys, unseen, test_outlets),
    }
    results["head"]["bootstrap_head_minus_baseline"] = bootstrap_difference(
        ys["test"],
        head_proba["test"].argmax(axis=1),
        base.proba["test"].argmax(axis=1),
        test_outlets,
    )
    for key, member in (("baseline", base), ("clean", clean)):
        results[key]["C"] = member.c
        results[key]["out_of_outlet_cv_train_macro_f1_by_C"] = member.cv_by_c
    elapsed = time.perf_counter() - start
    metrics = {
        "protocol": (
            "Article-Bias-Prediction media split: train on all 26,590 train articles; C chosen "
            f"from {list(C_GRID)} by out-of-outlet 5-fold CV on train (StratifiedGroupKFold by "
            "outlet, seed 0, macro F1; TF-IDF vocabulary and idf fit once on all of train); "
            "evaluated once on test (1,300); also on the test articles whose outlet does not "
            "occur in train, and per test outlet"
        ),
        "test": results["head"],
        "members": {"raw": results["baseline"], "clean": results["clean"]},
        "baseline": {
            "name": (
                "TF-IDF of the raw title + text, word 1-2 grams (sublinear tf, min_df 3, "
                "max_df 0.5, 200k features) + logistic regression, same protocol (it is also "
                "the head's raw member)"
            ),
            "test": results["baseline"],
        },
        "published": PUBLISHED,
    }
    head = LexicalLeanHead(
        members=members,
        metadata={
            "name": "lean",
            "description": "P(left / center / right) of a news article, AllSides-style labels",
            "input": (
                "(title, text). Member 'raw': title + '\\n' + text; member 'clean': "
                "plumbline.analysis.lean.lean_text(title, text). Each: lowercased word 1-2 "
                "grams (token pattern \\b\\w\\w+\\b) over its vocabulary, (1 + ln tf) * idf, "
                "L2-normalized, multinomial LR; the head averages the two members' probabilities"
            ),
            "classifier": (
                "per member: sklearn TfidfVectorizer "
                + json.dumps({k: v for k, v in VECTORIZER.items() if k != "dtype"})
                + f" + LogisticRegression (L2, lbfgs); C raw={base.c:g}, clean={clean.c:g}; "
                "idf and weights stored as float16"
            ),
            "training_data": {
                "dataset": "Article-Bias-Prediction (Baly et al., EMNLP 2020)",
                "split": "media",
                "train_rows": len(ids["train"]),
                "valid_rows": len(ids["valid"]),
                "test_rows": len(ids["test"]),
            },
            "metrics": metrics,
            "trained_on": dt.date.today().isoformat(),
            "sklearn_version": _sklearn_version(),
            "seed": SEED,
            "command": "scripts/train_lean.py",
            "runtime_s": round(elapsed, 1),
            "license": ABP_LICENSE,
        },
    )
    npz_path, json_path = head.save(args.out_dir / "lean")
    # Self-check: the files reproduce the numpy head the figures above were measured with.
    reloaded = LexicalLeanHead.load(npz_path).predict_proba(split_articles["test"])
    np.testing.assert_allclose(reloaded, head_proba["test"], rtol=0, atol=1e-9)
    for path in (npz_path, json_path):
        log(f"  wrote {path} ({path.stat().st_size} B)")

    log("")
    log("RESULT lean, media split test (1,300 articles; published best 74.93, POLITICS-base):")
    log(f"  {'model':<46} {'macro F1':>8} {'acc':>6} {'unseen-outlet F1':>16} {'CV F1':>6}")
    names = {
        "baseline": f"baseline: TF-IDF raw text + LR (C={base.c:g})",
        "clean": f"clean: TF-IDF lean_text + LR (C={clean.c:g})",
        "head": "shipped head: mean of the two",
    }
    for key, name in names.items():
        m = results[key]
        log(
            f"  {name:<46} {100 * m['macro_f1']:>8.2f} {100 * m['accuracy']:>6.2f} "
            f"{100 * m['unseen_outlets_only']['macro_f1']:>16.2f} "
            f"{100 * m['out_of_outlet_cv_train_macro_f1']:>6.2f}"
        )
    boot = results["head"]["bootstrap_head_minus_baseline"]
    log(
        f"  head - baseline macro F1: {100 * boot['macro_f1_difference']:+.2f}; 95% bootstrap "
        f"interval {[round(100 * v, 2) for v in boot['ci95_resampling_articles']]} resampling "
        f"articles, {[round(100 * v, 2) for v in boot['ci95_resampling_outlets']]} resampling "
        "outlets"
    )
    for key in ("baseline", "head"):
        log(
            f"  {key} confusion matrix on test (rows true, columns predicted: left, center, right):"
        )
        for cls, row in zip(
            CLASSES, results[key]["confusion_matrix_rows_true_left_center_right"], strict=True
        ):
            log(f"    {cls:<7} {row}")
    log("  per test outlet (label: predicted left/center/right by baseline | clean | head):")
    for outlet, row in results["head"]["test_per_outlet"].items():
        b = results["baseline"]["test_per_outlet"][outlet]["predicted_left_center_right"]
        c = results["clean"]["test_per_outlet"][outlet]["predicted_left_center_right"]
        log(f"    {outlet:<28} {row['label']:<7} {b} | {c} | {row['predicted_left_center_right']}")
    log(f"done in {elapsed:.0f} s")
    return 0


def _sklearn_version() -> str:
    import sklearn

    return str(sklearn.__version__)


if __name__ == "__main__":
    raise SystemExit(main())
