"""Train, measure and export the article kind model (``plumbline/data/heads/article_kind.*``):
news, opinion or analysis (see plumbline/analysis/kinds.py).

    .venv/bin/python scripts/train_kinds.py [--data-dir ../shared/data] [--out-dir DIR]

1. The voice model (distant labels): Article-Bias-Prediction articles whose URL or outlet
   marks them as opinion ("/opinion/", "/op-ed/", "/commentary/", "/columns/", outlets such
   as "CNN - Editorial" or "Guest Writer") against up to 6,000 articles of wire and newsroom
   outlets with no such mark, the demo corpus left out; TF-IDF word 1-2 grams of
   `voice_text` (quotations blanked out), min_df 5, 30,000 terms, logistic regression (C
   by 5-fold CV on these distant labels, class weights balanced).
2. The kind classifier: multinomial logistic regression over `FEATURES` (standardized),
   fitted on 200 demo articles that two annotators labelled news / opinion / analysis
   (``bench/data/article_kinds.jsonl``; they agreed on 194, the rest adjudicated).
   Measured twice without looking at the figures to choose anything: fitted on the first 100
   labelled articles and scored on the other 100, and by 10-fold cross-validation over all
   200 (stratified, seed 0); C is fixed at 1. The shipped classifier is fitted on all 200.

Printed: accuracy, macro F1, per-class precision/recall, the confusion matrix, and the
binary "opinion or not" figures (what keeps opinion out of a story's facts), next to a
rules-only baseline (the page's marks alone: opinion URL/outlet/title/label -> opinion,
analysis URL/outlet/title -> analysis, else news).
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import StratifiedKFold

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from plumbline.analysis.clean import clean_text  # noqa: E402
from plumbline.analysis.kinds import (  # noqa: E402
    CLASSES,
    FEATURES,
    OPINION_OUTLET,
    OPINION_URL,
    KindModel,
    features,
    marked_opinion,
    voice_text,
)
from plumbline.analysis.lean import WORD_BIGRAMS  # noqa: E402
from plumbline.analysis.modelfile import ModelFile  # noqa: E402
from plumbline.analysis.tfidf import TfidfLinear  # noqa: E402

SEED = 0
VOICE_TERMS = 30_000
NEWS_SAMPLE = 6_000
# outlets whose unmarked articles are newsroom copy (distant "news" labels)
NEWS_OUTLETS = re.compile(
    r"^(?:Reuters|Associated Press|NPR Online News|CBS News|ABC News|NBC News \(Online\)|"
    r"Politico|The Hill|USA TODAY|Washington Times|Fox Online News|CNN \(Web News\)|"
    r"New York Times \(News\)|BBC News|Bloomberg|Wall Street Journal - News|Newsmax - News|"
    r"The Epoch Times)$"
)
NOT_NEWS_URL = re.compile(r"analysis|blog|/ideas/|features|/opinion|/column", re.IGNORECASE)
LICENSE = (
    "Voice model trained on Article-Bias-Prediction (Baly et al. 2020), Apache-2.0, with "
    "labels derived from its URLs and outlet names; only the fitted vocabulary, idf and "
    "weights are shipped. Kind classifier fitted on 200 demo articles (from the same data) "
    "labelled by two annotators: bench/data/article_kinds.jsonl."
)


warnings.filterwarnings("ignore", category=FutureWarning, module="sklearn")


def log(message: str) -> None:
    print(message, flush=True)


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:  # type: ignore[operator]
        return [json.loads(line) for line in handle if line.strip()]


def cleaned(row: dict[str, Any]) -> tuple[str, Any]:
    result = clean_text(str(row.get("content_original") or ""))
    return result.text, result.removed


def train_voice(
    abp: Sequence[dict[str, Any]], demo_ids: set[str]
) -> tuple[TfidfLinear, dict[str, Any]]:
    pool = [r for r in abp if r["ID"] not in demo_ids]
    opinion = [
        r for r in pool if OPINION_URL.search(r["url"]) or OPINION_OUTLET.search(r["source"])
    ]
    news = [
        r
        for r in pool
        if NEWS_OUTLETS.match(r["source"])
        and not NOT_NEWS_URL.search(r["url"])
        and not OPINION_URL.search(r["url"])
    ]
    rng = np.random.default_rng(SEED)
    news = [news[i] for i in rng.choice(len(news), size=min(NEWS_SAMPLE, len(news)), replace=False)]
    log(
        f"voice model: {len(opinion)} opinion-marked and {len(news)} news articles (distant labels)"
    )
    docs = [voice_text(cleaned(r)[0]) for r in opinion + news]
    y = np.array([1] * len(opinion) + [0] * len(news))
    vectorizer = TfidfVectorizer(
        ngram_range=(1, 2), min_df=5, max_features=VOICE_TERMS, sublinear_tf=True, dtype=np.float64
    )
    X = vectorizer.fit_transform(docs)
    model = LogisticRegressionCV(
        Cs=[0.3, 1.0, 3.0, 10.0], cv=5, scoring="roc_auc", class_weight="balanced", max_iter=3000
    ).fit(X, y)
    auc = float(np.max(np.mean(model.scores_[1], axis=0)))
    log(f"  C = {model.C_[0]}, 5-fold ROC AUC on the distant labels {auc:.3f}")
    vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    coef = np.vstack([-model.coef_[0] / 2, model.coef_[0] / 2])  # two-class softmax = sigmoid
    intercept = np.array([-model.intercept_[0] / 2, model.intercept_[0] / 2])
    logit = TfidfLinear(
        analyzer=WORD_BIGRAMS,
        vocabulary=vocabulary,
        idf=vectorizer.idf_.astype(np.float64),
        coef=coef,
        intercept=intercept,
    )
    # the packaged weights are float16: use what will ship
    arrays = logit.arrays("voice", np.float16)
    shipped = TfidfLinear.from_model_file(ModelFile(arrays, {}, "voice"), "voice", WORD_BIGRAMS)
    info = {
        "n_opinion": len(opinion),
        "n_news": len(news),
        "C": float(model.C_[0]),
        "cv_roc_auc_distant": round(auc, 4),
        "terms": len(vocabulary),
    }
    return shipped, info


def rules_only(values: dict[str, float]) -> str:
    if (
        values["opinion_url"]
        or values["opinion_outlet"]
        or values["opinion_title"]
        or values["page_label"]
    ):
        return "opinion"
    if values["analysis_url"] or values["analysis_outlet"] or values["analysis_title"]:
        return "analysis"
    return "news"


def report(name: str, y: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    y_arr, p_arr = np.asarray(y), np.asarray(pred)
    precision, recall, _f1, support = precision_recall_fscore_support(
        y_arr, p_arr, labels=list(CLASSES), zero_division=0
    )
    opinion_true, opinion_pred = y_arr == "opinion", p_arr == "opinion"
    tp = int(np.sum(opinion_true & opinion_pred))
    figures = {
        "accuracy": round(float(accuracy_score(y_arr, p_arr)), 3),
        "macro_f1": round(float(f1_score(y_arr, p_arr, average="macro")), 3),
        "per_class": {
            c: {"precision": round(float(p), 3), "recall": round(float(r), 3), "n": int(n)}
            for c, p, r, n in zip(CLASSES, precision, recall, support, strict=True)
        },
        "confusion_rows_true": {
            "labels": list(CLASSES),
            "matrix": confusion_matrix(y_arr, p_arr, labels=list(CLASSES)).tolist(),
        },
        "opinion_precision": round(tp / max(1, int(opinion_pred.sum())), 3),
        "opinion_recall": round(tp / max(1, int(opinion_true.sum())), 3),
        "news_precision": round(
            float(np.sum((y_arr == "news") & (p_arr == "news")))
            / max(1, int(np.sum(p_arr == "news"))),
            3,
        ),
    }
    log(
        f"  {name:34} acc {figures['accuracy']:.3f}  macro F1 {figures['macro_f1']:.3f}"
        f"  opinion P {figures['opinion_precision']:.3f} R {figures['opinion_recall']:.3f}"
        f"  news P {figures['news_precision']:.3f}"
    )
    return figures


def with_marks(
    predicted: Sequence[str],
    rows: Sequence[dict[str, float]],
    urls: Sequence[str],
    titles: Sequence[str],
) -> list[str]:
    """The shipped rule: a page that marks itself opinion is opinion (kinds.marked_opinion)."""
    return [
        "opinion" if marked_opinion(values, url, title) else str(kind)
        for kind, values, url, title in zip(predicted, rows, urls, titles, strict=True)
    ]


def fit_classifier(X: npt.NDArray[np.float64], y: Sequence[str]) -> tuple[Any, Any, Any]:
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=5000).fit((X - mean) / scale, list(y))
    assert tuple(model.classes_) == CLASSES, model.classes_
    return mean, scale, model


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--out-dir", type=Path, default=REPO / "plumbline" / "data" / "heads")
    parser.add_argument(
        "--labels", type=Path, default=REPO / "bench" / "data" / "article_kinds.jsonl"
    )
    args = parser.parse_args(argv)

    demo = {r["ID"]: r for r in read_jsonl(REPO / "plumbline" / "data" / "demo_corpus.jsonl.gz")}
    abp = read_jsonl(args.data_dir / "article-bias-prediction" / "articles.jsonl.gz")
    voice, voice_info = train_voice(abp, set(demo))

    labelled = read_jsonl(args.labels)
    y = [row["label"] for row in labelled]
    rows = []
    for row in labelled:
        article = demo[row["id"]]
        text, removed = cleaned(article)
        logits = voice.decision_function([voice_text(text)])[0]
        values = features(
            url=article["url"],
            title=article["title"],
            text=text,
            outlet=article["source"],
            removed=removed,
            voice=float(logits[1] - logits[0]),
        )
        rows.append(values)
    X = np.array([[v[f] for f in FEATURES] for v in rows])
    urls = [demo[row["id"]]["url"] for row in labelled]
    titles = [demo[row["id"]]["title"] for row in labelled]
    y_arr = np.array(y)

    log(f"\n{len(y)} labelled demo articles: " + ", ".join(f"{c} {y.count(c)}" for c in CLASSES))
    figures: dict[str, Any] = {}
    half = len(y) // 2
    log("first half fitted, second half scored:")
    figures["rules_only_second_half"] = report(
        "rules only (page marks)", y[half:], [rules_only(v) for v in rows[half:]]
    )
    mean, scale, model = fit_classifier(X[:half], y[:half])
    figures["model_second_half"] = report(
        "model", y[half:], list(model.predict((X[half:] - mean) / scale))
    )
    figures["shipped_second_half"] = report(
        "model + opinion marks (shipped)",
        y[half:],
        with_marks(
            list(model.predict((X[half:] - mean) / scale)), rows[half:], urls[half:], titles[half:]
        ),
    )
    log("10-fold cross-validation over all:")
    predicted = np.empty(len(y), dtype=object)
    folds = StratifiedKFold(n_splits=10, shuffle=True, random_state=SEED)
    for train, test in folds.split(X, y_arr):
        m_mean, m_scale, m_model = fit_classifier(X[train], y_arr[train])
        predicted[test] = m_model.predict((X[test] - m_mean) / m_scale)
    figures["rules_only_all"] = report("rules only (page marks)", y, [rules_only(v) for v in rows])
    figures["model_cv10"] = report("model", y, list(predicted))
    figures["shipped_cv10"] = report(
        "model + opinion marks (shipped)", y, with_marks(list(predicted), rows, urls, titles)
    )
    voice_only = ["opinion" if v["voice"] > 0 else "news" for v in rows]
    figures["voice_only_all"] = report("voice model alone (news/opinion)", y, voice_only)

    mean, scale, model = fit_classifier(X, y)
    agreement = sum(1 for r in labelled if r["annotator_1"] == r["annotator_2"])
    kind_model = KindModel(
        voice=voice,
        mean=mean,
        scale=scale,
        coef=model.coef_.astype(np.float64),
        intercept=model.intercept_.astype(np.float64),
        metadata={
            "license": LICENSE,
            "voice": voice_info,
            "labels": {
                "file": "bench/data/article_kinds.jsonl",
                "n": len(y),
                "annotator_agreement": round(agreement / len(y), 3),
            },
            "figures": figures,
        },
    )
    args.out_dir.mkdir(parents=True, exist_ok=True)
    npz_path, json_path = kind_model.save(args.out_dir / "article_kind")
    log(f"\nwrote {npz_path} ({npz_path.stat().st_size / 1e6:.2f} MB) and {json_path}")
    log(
        f"annotators agreed on {agreement}/{len(y)}; coefficients per class: "
        + "; ".join(
            f"{c}: " + ", ".join(f"{f} {w:+.2f}" for f, w in zip(FEATURES, row, strict=True))
            for c, row in zip(CLASSES, model.coef_, strict=True)
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
