"""Story clustering accuracy on real labeled events: BASIL (100 events x 3 outlets) and
the NeuS/AllSides train+val stories (2,759 stories x 3 articles), mixed into one stream.

Protocol (docs/benchmarks.md):

- BASIL articles carry their publication dates and arrive in date order; NeuS has no dates,
  so its articles are *undated* (the clusterer compares an undated article with every open
  story, whatever its time) and arrive in random order, randomly interleaved with BASIL's.
  No story is ever closed by time for them: the hardest case, ~1,400 concurrent events.
- The events are split in two halves by a hash of their id. The clusterer's two numbers
  (threshold, lexical weight) and the baseline's distance are chosen on one half (the
  best B-cubed F1 over a grid) and reported on the other half, and the other way round;
  the table gives the mean of the two held-out halves.
- Plumbline runs exactly the pipeline's StoryClusterer, one article at a time in arrival
  order. The baseline (TF-IDF of title + text, average-link agglomerative clustering on
  cosine distance) sees each half all at once, which no incremental system can.

    .venv/bin/python bench/cluster_accuracy.py [--data-dir ../shared/data] [--index exact|hnsw]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import random
import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from plumbline.analysis.article import _cluster_vector
from plumbline.analysis.cluster import ClusterInput, StoryClusterer
from plumbline.analysis.embed import Embedder
from plumbline.analysis.text import split_sentences

ROOT = Path(__file__).resolve().parent.parent
LEAD = 5  # sentences of text the term signal reads (the vector uses the first 3)


@dataclass(slots=True)
class Item:
    title: str
    text: str
    event: str
    when: datetime | None
    outlet: int | None = None


def basil(data: Path) -> list[Item]:
    items = []
    outlets = {"fox": 1, "nyt": 2, "hpo": 3}
    for path in sorted(glob.glob(str(data / "basil" / "articles" / "*" / "*.json"))):
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        text = "\n".join(" ".join(p) for p in d["body-paragraphs"])
        when = datetime.fromisoformat(d["date"]).replace(tzinfo=UTC) if d.get("date") else None
        outlet = outlets.get(str(d.get("source", "")).lower())
        items.append(Item(d["title"], text, "basil:" + d["triplet-uuid"], when, outlet))
    return items


_PART = re.compile(r"TITLE=>\s*(.*?)\.?\s*ARTICLE=>\s*(.*)", re.S)


def neus(data: Path, splits: tuple[str, ...] = ("train", "val")) -> list[Item]:
    items = []
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


def bcubed(truth: Sequence[str], pred: Sequence[object]) -> tuple[float, float, float]:
    by_pred: dict[object, list[int]] = {}
    by_true: dict[str, list[int]] = {}
    for i, (t, p) in enumerate(zip(truth, pred, strict=True)):
        by_pred.setdefault(p, []).append(i)
        by_true.setdefault(t, []).append(i)
    precision = recall = 0.0
    for t, p in zip(truth, pred, strict=True):
        same_pred = by_pred[p]
        correct = sum(1 for j in same_pred if truth[j] == t)
        precision += correct / len(same_pred)
        recall += correct / len(by_true[t])
    n = len(truth)
    precision, recall = precision / n, recall / n
    return precision, recall, 2 * precision * recall / (precision + recall)


def arrival_order(items: list[Item], seed: int) -> list[int]:
    """Dated items in date order, undated ones shuffled, the two randomly interleaved."""
    rng = random.Random(seed)
    dated = sorted((i for i, it in enumerate(items) if it.when), key=lambda i: (items[i].when, i))
    undated = [i for i, it in enumerate(items) if not it.when]
    rng.shuffle(undated)
    order: list[int] = []
    while dated or undated:
        take_dated = dated and (
            not undated or rng.random() < len(dated) / (len(dated) + len(undated))
        )
        order.append((dated if take_dated else undated).pop(0))
    return order


def vectors(items: list[Item], cache: Path) -> tuple[np.ndarray, list[str]]:
    """Title+lead cluster vectors (the analyzer's `_cluster_vector` of the same embeddings)
    and the title+lead text, embeddings cached in `cache`."""
    texts: list[str] = []
    spans: list[tuple[int, int]] = []
    leads: list[str] = []
    for it in items:
        sentences = [s.text for s in split_sentences(it.text)[:LEAD]]
        spans.append((len(texts), len(sentences)))
        texts.append(it.title or "")
        texts.extend(sentences)
        leads.append(" ".join([it.title, *sentences]))
    key = hashlib.sha1("\x00".join(texts).encode()).hexdigest()[:16]
    path = cache / f"plumbline-cluster-bench-{key}.npy"
    if path.exists():
        encoded = np.load(path)
    else:
        t = time.perf_counter()
        encoded = Embedder(threads=1).encode(texts)
        np.save(path, encoded)
        print(f"embedded {len(texts)} texts in {time.perf_counter() - t:.0f} s -> {path}")
    matrix = np.stack(
        [_cluster_vector(encoded[start], encoded[start + 1 : start + 1 + n]) for start, n in spans]
    )
    return matrix, leads


def run_plumbline(
    items: list[Item], order: list[int], matrix: np.ndarray, leads: list[str], **options: object
) -> list[int]:
    clusterer = StoryClusterer(
        window=timedelta(hours=72),
        near_duplicate=0.8,
        **options,  # type: ignore[arg-type]
    )
    batch = [
        ClusterInput(i, matrix[i], items[i].when, items[i].outlet, None, leads[i]) for i in order
    ]
    story: dict[int, int] = {}
    for start in range(0, len(batch), 64):  # the pipeline's batch size
        for d in clusterer.assign(batch[start : start + 64], None, lambda _id: []):
            story[d.article_id] = d.story_id
    return [story[i] for i in range(len(items))]


def run_baseline(items: list[Item], distance: float) -> list[int]:
    tfidf = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"{it.title} {it.text}" for it in items]
    )
    distances = np.clip(1.0 - (tfidf @ tfidf.T).toarray(), 0.0, 2.0)
    model = AgglomerativeClustering(
        n_clusters=None, metric="precomputed", linkage="average", distance_threshold=distance
    )
    return [int(x) for x in model.fit_predict(distances)]


def score(items: list[Item], pred: list[int]) -> tuple[float, float, float, float]:
    truth = [it.event for it in items]
    p, r, f = bcubed(truth, pred)
    return p, r, f, adjusted_rand_score(truth, pred)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp"))
    parser.add_argument("--index", choices=["exact", "hnsw"], default="exact")
    parser.add_argument("--thresholds", default="0.45,0.5,0.55,0.6,0.65,0.7")
    parser.add_argument("--lexical-weights", default="0,0.5,0.7")
    parser.add_argument("--distances", default="0.7,0.8,0.9")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    items = basil(args.data_dir) + neus(args.data_dir)
    matrix, leads = vectors(items, args.cache)
    halves = [
        [i for i, it in enumerate(items) if zlib.crc32(it.event.encode()) % 2 == h] for h in (0, 1)
    ]
    print(
        f"{len(items)} articles, {len({it.event for it in items})} events; "
        f"halves of {len(halves[0])} and {len(halves[1])} articles"
    )
    grid = list(
        product(
            [float(x) for x in args.lexical_weights.split(",")],
            [float(x) for x in args.thresholds.split(",")],
        )
    )
    results: dict[str, list[tuple[float, float, float, float]]] = {}
    chosen: dict[str, list[str]] = {}
    for tune, test in ((0, 1), (1, 0)):
        parts = {}
        for h in (tune, test):
            sub = [items[i] for i in halves[h]]
            parts[h] = (
                sub,
                arrival_order(sub, args.seed + h),
                matrix[halves[h]],
                [leads[i] for i in halves[h]],
            )
        # per lexical weight (0 = the embedding alone), the best threshold on the tuning half
        for weight in sorted({w for w, _ in grid}):
            t = time.perf_counter()
            tuned = max(
                (
                    score(
                        parts[tune][0],
                        run_plumbline(
                            *parts[tune], threshold=thr, lexical_weight=weight, index=args.index
                        ),
                    )[2],
                    thr,
                )
                for w, thr in grid
                if w == weight
            )
            thr = tuned[1]
            name = (
                "Plumbline, embedding only"
                if weight == 0
                else f"Plumbline, embedding + terms (lexical weight {weight})"
            )
            test_pred = run_plumbline(
                *parts[test], threshold=thr, lexical_weight=weight, index=args.index
            )
            results.setdefault(name, []).append(score(parts[test][0], test_pred))
            chosen.setdefault(name, []).append(f"threshold {thr} (tune F1 {tuned[0]:.3f})")
            print(
                f"half {tune}->{test} {name}: threshold {thr}, held-out "
                f"P/R/F1/ARI {' '.join(f'{x:.3f}' for x in results[name][-1])} "
                f"({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
        tuned_b = max(
            (score(parts[tune][0], run_baseline(parts[tune][0], d))[2], d)
            for d in (float(x) for x in args.distances.split(","))
        )
        name = "TF-IDF + agglomerative (average link, batch)"
        results.setdefault(name, []).append(
            score(parts[test][0], run_baseline(parts[test][0], tuned_b[1]))
        )
        chosen.setdefault(name, []).append(f"cosine distance {tuned_b[1]}")
        print(
            f"half {tune}->{test} {name}: distance {tuned_b[1]}, held-out "
            f"{' '.join(f'{x:.3f}' for x in results[name][-1])}",
            flush=True,
        )

    print("\n| method (chosen on the other half) | B-cubed P | R | F1 | ARI |")
    print("|---|---|---|---|---|")
    for name, rows in results.items():
        mean = np.mean(np.array(rows), axis=0)
        print(
            f"| {name} [{'; '.join(chosen[name])}] | " + " | ".join(f"{x:.3f}" for x in mean) + " |"
        )


if __name__ == "__main__":
    main()
