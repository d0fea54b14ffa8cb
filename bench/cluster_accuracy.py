"""Story clustering accuracy on real labeled events: BASIL (100 events x 3 outlets) and
NeuS/AllSides stories (3 articles each), mixed into one stream.

Runs Plumbline's incremental clusterer (the same code as the pipeline) over the stream in
publication order and reports B-cubed precision/recall/F1 and the adjusted Rand index at
several similarity thresholds, next to a TF-IDF + agglomerative baseline.

    .venv/bin/python bench/cluster_accuracy.py [--data-dir ../shared/data] [--neus val|train|all]
"""

from __future__ import annotations

import argparse
import glob
import json
import re
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from plumbline.analysis.article import ArticleAnalyzer
from plumbline.analysis.cluster import ClusterInput, StoryClusterer
from plumbline.analysis.embed import Embedder
from plumbline.analysis.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent


@dataclass(slots=True)
class Item:
    title: str
    text: str
    event: str
    when: datetime | None


def basil(data: Path) -> list[Item]:
    items = []
    for path in sorted(glob.glob(str(data / "basil" / "articles" / "*" / "*.json"))):
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        text = "\n".join(" ".join(p) for p in d["body-paragraphs"])
        when = datetime.fromisoformat(d["date"]).replace(tzinfo=UTC) if d.get("date") else None
        items.append(Item(d["title"], text, "basil:" + d["triplet-uuid"], when))
    return items


_PART = re.compile(r"TITLE=>\s*(.*?)\.?\s*ARTICLE=>\s*(.*)", re.S)


def neus(data: Path, split: str) -> list[Item]:
    items = []
    splits = ["train", "val"] if split == "all" else [split]
    for name in splits:
        lines = (data / "neus-allsides" / "data" / f"{name}.source").read_text("utf-8").splitlines()
        for number, line in enumerate(lines):
            for part in line.split("[SEP]"):
                match = _PART.search(part)
                if match:
                    items.append(
                        Item(match[1].strip(), match[2].strip(), f"neus:{name}:{number}", None)
                    )
    return items


def bcubed(truth: list[str], pred: list[object]) -> tuple[float, float, float]:
    by_pred: dict[object, list[int]] = {}
    by_true: dict[str, list[int]] = {}
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        by_pred.setdefault(p, []).append(i)
        by_true.setdefault(t, []).append(i)
    precision = recall = 0.0
    for t, p in zip(truth, pred, strict=True):
        same_pred = by_pred[p]
        same_true = by_true[t]
        correct = sum(1 for j in same_pred if truth[j] == t)
        precision += correct / len(same_pred)
        recall += correct / len(same_true)
    n = len(truth)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--neus", choices=["val", "train", "all"], default="val")
    parser.add_argument("--thresholds", default="0.5,0.55,0.6,0.65,0.7,0.75,0.8")
    args = parser.parse_args()

    items = basil(args.data_dir) + neus(args.data_dir, args.neus)
    # undated NeuS stories get one day each, three days apart, interleaved with BASIL's dates
    base = datetime(2021, 1, 1, tzinfo=UTC)
    for i, item in enumerate(items):
        if item.when is None:
            item.when = base + timedelta(hours=(i // 3) * 6)
    order = sorted(range(len(items)), key=lambda i: (items[i].when, i))
    items = [items[i] for i in order]
    truth = [it.event for it in items]
    print(f"{len(items)} articles, {len(set(truth))} events")

    t = time.perf_counter()
    analyzer = ArticleAnalyzer(Embedder())
    vectors = []
    for start in range(0, len(items), 64):
        chunk = items[start : start + 64]
        vectors += [
            r.vector for r in analyzer.analyze([(it.title, _lead(it.text)) for it in chunk])
        ]
    print(f"embedded in {time.perf_counter() - t:.0f} s")

    for threshold in [float(x) for x in args.thresholds.split(",")]:
        clusterer = StoryClusterer(
            threshold=threshold, window=timedelta(hours=72), near_duplicate=0.8
        )
        batch = [
            ClusterInput(i, vectors[i], items[i].when or base, None, None)
            for i in range(len(items))
        ]
        decisions = clusterer.assign(batch, [], lambda _id: [])
        pred = [d.story_id for d in sorted(decisions, key=lambda d: d.article_id)]
        p, r, f = bcubed(truth, pred)
        ari = adjusted_rand_score(truth, pred)
        print(
            f"plumbline threshold {threshold:.2f}: B3 P {p:.3f} R {r:.3f} F1 {f:.3f}  "
            f"ARI {ari:.3f}  stories {len(set(pred))}"
        )

    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(
        [f"{it.title} {it.text}" for it in items]
    )
    for distance in (0.7, 0.8, 0.9):
        model = AgglomerativeClustering(
            n_clusters=None, metric="cosine", linkage="average", distance_threshold=distance
        )
        pred = list(model.fit_predict(tfidf.toarray()))
        p, r, f = bcubed(truth, pred)
        print(
            f"baseline TF-IDF + agglomerative (average, cosine distance {distance}): "
            f"B3 P {p:.3f} R {r:.3f} F1 {f:.3f}  ARI {adjusted_rand_score(truth, pred):.3f}"
        )
    print("story sizes:", sorted(Counter(Counter(truth).values()).items()))


def _lead(text: str) -> str:
    return "\n".join(s.text for s in split_sentences(text)[:5])


if __name__ == "__main__":
    main()
