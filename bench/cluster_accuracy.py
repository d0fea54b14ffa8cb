"""Story clustering accuracy on real labeled events: BASIL (100 events x 3 outlets) and
the NeuS/AllSides train+val stories (2,759 stories x 3 articles), mixed into one stream.

Protocol (docs/benchmarks.md):

- BASIL articles carry their publication dates and arrive in date order; NeuS has no dates,
  so its articles are *undated* (the clusterer compares an undated article with every open
  story, whatever its time) and arrive in random order, randomly interleaved with BASIL's.
  No story is ever closed by time for them: the hardest case, ~1,400 concurrent events.
- The events are split in two halves by a hash of their id. Each row (a lexical weight and
  an entity weight, with or without the restructuring step) has its threshold, and merge
  and split thresholds where it restructures, chosen on one half (the best B-cubed F1 over
  the grid), and is reported on the other half, and the other way round; the table gives
  the mean of the two held-out halves. The baseline's distance is chosen the same way.
- Plumbline runs exactly the pipeline's StoryClusterer, one article at a time in arrival
  order, in batches of 64; restructuring rows also run the pipeline's merge/split step
  after each batch (Pipeline._restructure mirrored on an in-memory store, `MemoryStore`).
  The baseline (TF-IDF of title + text, average-link agglomerative clustering on cosine
  distance) sees each half all at once, which no incremental system can.
- Embeddings and entities (spaCy, for the entity signal) are cached in --cache.

    .venv/bin/python bench/cluster_accuracy.py [--data-dir ../shared/data] [--index exact|hnsw]
        [--thresholds ...] [--lexical-weights ...] [--entity-weights ...]
        [--merge-thresholds off,...] [--split-thresholds off,...] [--distances ...]
        [--learned --join-probabilities ... [--undated-join P]]

With ``--learned``, rows for the learned same-event decision
(``plumbline.analysis.same_event``) are added: on each tuning half the model is fit with
``scripts/train_same_event.py``'s ``fit_same_event`` (teacher-forced pairs of that half's
events only), the join probability (and merge and split thresholds where the row has them)
chosen there, and the row reported on the other half.
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import random
import re
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import product
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.cluster import AgglomerativeClustering
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from plumbline.analysis.article import _cluster_vector
from plumbline.analysis.cluster import ClusterInput, StoryClusterer, cluster_entities
from plumbline.analysis.embed import DEFAULT_BACKEND, Embedder
from plumbline.analysis.entities import EntityRecognizer
from plumbline.analysis.restructure import StoryShape, mean_direction, plan_merges, plan_split
from plumbline.analysis.same_event import SameEventModel
from plumbline.analysis.text import split_sentences
from plumbline.models import ArticleAssignment, ClusterMember, Merge, OpenStory
from plumbline.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
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
    key = hashlib.sha1("\x00".join([DEFAULT_BACKEND, *texts]).encode()).hexdigest()[:16]
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


class MemoryStore:
    """What the pipeline's clustering and restructuring steps read and write of the
    database, in memory: story ids, members, centroids, counts and dates, merges."""

    def __init__(
        self,
        items: list[Item],
        matrix: np.ndarray,
        leads: list[str],
        ents: list[tuple[str, ...]],
    ) -> None:
        self.items, self.matrix, self.leads, self.ents = items, matrix, leads, ents
        self.story_of: dict[int, int] = {}
        self.members: dict[int, list[int]] = {}  # open (not merged) story -> article ids
        self.centroid: dict[int, np.ndarray] = {}
        self.next_id = 1
        self.created: dict[int, int] = {}  # provisional (negative) story id -> real id
        self.merged = self.split = 0

    def shape(self, story: int) -> OpenStory:
        dates = [w for i in self.members[story] if (w := self.items[i].when)]
        return OpenStory(
            story,
            self.centroid[story],
            len(self.members[story]),
            max(dates) if dates else None,
            min(dates) if dates else None,
        )

    def open_stories(self, since: datetime | None) -> list[OpenStory]:
        shapes = [self.shape(s) for s in self.members]
        return [
            s for s in shapes if since is None or not s.last_published or s.last_published >= since
        ]

    def load_members(self, story: int) -> list[ClusterMember]:
        return [
            ClusterMember(i, self.items[i].outlet, None, self.leads[i], self.ents[i])
            for i in self.members[story]
        ]

    def new_story(self, articles: list[int], centroid: np.ndarray) -> int:
        story, self.next_id = self.next_id, self.next_id + 1
        self.members[story] = []
        self.centroid[story] = centroid
        self.move(articles, story)
        return story

    def move(self, articles: list[int], story: int) -> None:
        for i in articles:
            old = self.story_of.get(i)
            if old is not None and old in self.members:
                self.members[old].remove(i)
            self.story_of[i] = story
            self.members[story].append(i)

    def assign(self, decisions: Sequence[ArticleAssignment]) -> None:
        """repo.assign_articles: new stories for provisional ids, the latest centroid."""
        for d in decisions:
            story = self.created.get(d.story_id, d.story_id)
            if story < 0:
                self.created[d.story_id] = self.new_story([d.article_id], d.centroid)
            else:
                self.centroid[story] = d.centroid
                self.move([d.article_id], story)

    def merge(self, merges: Sequence[Merge]) -> None:
        """repo.merge_stories."""
        for m in merges:
            if m.source == m.target or m.source not in self.members or m.target not in self.members:
                continue
            combined = self.centroid[m.source] * len(self.members[m.source]) + self.centroid[
                m.target
            ] * max(len(self.members[m.target]), 1)
            norm = float(np.linalg.norm(combined))
            self.centroid[m.target] = (combined / norm if norm else combined).astype(np.float32)
            self.move(list(self.members[m.source]), m.target)
            del self.members[m.source], self.centroid[m.source]
            self.merged += 1

    def restructure(
        self, article_ids: list[int], window: timedelta, merge: float | None, split: float | None
    ) -> None:
        """Pipeline._restructure, step for step, on this store."""
        touched = {self.story_of[i] for i in article_ids}
        since = min(
            (s.last_published for s in map(self.shape, touched) if s.last_published),
            default=None,
        )
        if merge is not None:
            shapes = [
                StoryShape(s.id, s.centroid, s.n_articles, s.first_published, s.last_published)
                for s in self.open_stories((since - window) if since else None)
            ]
            merges = plan_merges(sorted(touched), shapes, threshold=merge, window=window)
            if merges:
                self.merge(merges)
                gone = {m.source for m in merges}
                touched = (touched - gone) | {m.target for m in merges}
        if split is None:
            return
        for story in sorted(touched):
            ids = sorted(self.members[story])
            vectors = self.matrix[ids]
            plan = plan_split(story, ids, vectors, threshold=split, min_part=SPLIT_MIN_PART)
            if plan is None:
                continue
            moved = set(plan.moved)
            rows = [k for k, i in enumerate(ids) if i in moved]
            kept = [k for k, i in enumerate(ids) if i not in moved]
            self.centroid[story] = mean_direction(vectors[kept])
            first = min(plan.moved, key=lambda i: (self.items[i].when or _NEVER, i))
            new = self.new_story([first], mean_direction(vectors[rows]))
            self.move([i for i in plan.moved if i != first], new)
            self.split += 1


_NEVER = datetime.max.replace(tzinfo=UTC)
SPLIT_MIN_PART = Settings.model_fields["cluster_split_min_part"].default


def entities(leads: list[str], cache: Path) -> list[tuple[str, ...]]:
    """Entity keys of each title+lead (the pipeline's `cluster_entities`), cached in
    `cache`."""
    key = hashlib.sha1("\x00".join(leads).encode()).hexdigest()[:16]
    path = cache / f"plumbline-cluster-bench-entities-{key}.json"
    if path.exists():
        return [tuple(keys) for keys in json.loads(path.read_text(encoding="utf-8"))]
    t = time.perf_counter()
    found = cluster_entities(leads, EntityRecognizer())
    path.write_text(json.dumps(found), encoding="utf-8")
    print(f"entities of {len(leads)} leads in {time.perf_counter() - t:.0f} s -> {path}")
    return found


def run_plumbline(
    items: list[Item],
    order: list[int],
    matrix: np.ndarray,
    leads: list[str],
    ents: list[tuple[str, ...]],
    *,
    merge: float | None = None,
    split: float | None = None,
    **options: object,
) -> list[int]:
    """The pipeline's clustering stage over `items` in `order`, in batches of 64; with
    `merge` or `split` (thresholds), its restructuring step after each batch too."""
    window = timedelta(hours=72)
    clusterer = StoryClusterer(
        window=window,
        near_duplicate=0.8,
        **options,  # type: ignore[arg-type]
    )
    batch = [
        ClusterInput(i, matrix[i], items[i].when, items[i].outlet, None, leads[i], ents[i])
        for i in order
    ]
    store = MemoryStore(items, matrix, leads, ents)
    restructure = merge is not None or split is not None
    for start in range(0, len(batch), 64):  # the pipeline's batch size
        part = batch[start : start + 64]
        if restructure:
            # the pipeline reloads open stories each batch (merges and splits change them);
            # undated articles see every story, so every story stays open here
            decisions = clusterer.assign(part, store.open_stories(None), store.load_members)
        else:
            decisions = clusterer.assign(part, None, lambda _id: [])
        store.assign(decisions)
        if restructure:
            store.restructure([d.article_id for d in decisions], window, merge, split)
    return [store.story_of[i] for i in range(len(items))]


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


def _grid(text: str) -> list[float | None]:
    """Comma-separated numbers; "off" stands for None (the step does not run)."""
    return [None if x == "off" else float(x) for x in text.split(",") if x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp"))
    parser.add_argument("--index", choices=["exact", "hnsw"], default="exact")
    parser.add_argument("--thresholds", default="0.45,0.5,0.55,0.6,0.65,0.7")
    parser.add_argument("--lexical-weights", default="0,0.5,0.7")
    parser.add_argument(
        "--entity-weights", default="0", help="named-entity signal weights tried (0: off)"
    )
    parser.add_argument(
        "--merge-thresholds",
        default="off,0.8,0.85,0.9",
        help='restructure step: merge thresholds tried ("off": no merges); '
        '"off" here and in --split-thresholds: no restructure rows',
    )
    parser.add_argument("--split-thresholds", default="off,0.45,0.6")
    parser.add_argument("--distances", default="0.7,0.8,0.9")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--term-sentences",
        type=int,
        default=LEAD,
        help="sentences of text the term signal reads after the title (0: all)",
    )
    parser.add_argument(
        "--learned",
        action="store_true",
        help="add rows for the learned same-event model (fit on each tuning half)",
    )
    parser.add_argument("--join-probabilities", default="0.2,0.3,0.4,0.5,0.6")
    parser.add_argument(
        "--undated-join",
        type=float,
        default=None,
        help="a fixed join probability for undated articles; --join-probabilities then "
        "tunes the dated one",
    )
    parser.add_argument("--show-grid", action="store_true", help="print each tuning run's F1")
    parser.add_argument(
        "--dated-only",
        action="store_true",
        help="BASIL alone: a dated stream in publication order (what the live pipeline sees)",
    )
    parser.add_argument(
        "--undated-threshold",
        type=float,
        default=None,
        help="a fixed threshold for undated articles; --thresholds then tunes the dated one",
    )
    args = parser.parse_args()

    items = basil(args.data_dir) + ([] if args.dated_only else neus(args.data_dir))
    matrix, leads = vectors(items, args.cache)
    entity_weights = [float(x) for x in args.entity_weights.split(",")]
    ents = entities(leads, args.cache) if any(entity_weights) else [() for _ in leads]
    if args.term_sentences != LEAD:  # the term signal reads more (or less) than the lead
        leads = [
            " ".join(
                [
                    it.title,
                    *(s.text for s in split_sentences(it.text)[: args.term_sentences or None]),
                ]
            )
            for it in items
        ]
    undated = args.undated_threshold  # None: one threshold for all articles
    halves = [
        [i for i, it in enumerate(items) if zlib.crc32(it.event.encode()) % 2 == h] for h in (0, 1)
    ]
    print(
        f"{len(items)} articles, {len({it.event for it in items})} events; "
        f"halves of {len(halves[0])} and {len(halves[1])} articles"
    )
    thresholds = [float(x) for x in args.thresholds.split(",")]
    merges, splits = _grid(args.merge_thresholds), _grid(args.split_thresholds)
    restructure = any(x is not None for x in [*merges, *splits])
    # one row per (lexical weight, restructure step or not); each row's numbers are chosen
    # together on the tuning half
    rows: list[tuple[str, list[dict[str, Any]]]] = []
    for weight, entity in product(
        (float(x) for x in args.lexical_weights.split(",")), entity_weights
    ):
        signals = [f"terms (lexical weight {weight})"] if weight else []
        signals += [f"entities (entity weight {entity})"] if entity else []
        name = " + ".join(["embedding", *signals]) if signals else "embedding only"
        fixed = {"lexical_weight": weight, "entity_weight": entity}
        rows.append((f"Plumbline, {name}", [{**fixed, "threshold": t} for t in thresholds]))
        if restructure:
            rows.append(
                (
                    f"Plumbline, {name}, merges/splits after each batch",
                    [
                        {**fixed, "threshold": t, "merge": m, "split": sp}
                        for t, m, sp in product(thresholds, merges, splits)
                    ],
                )
            )
    if args.learned:
        joins = [float(x) for x in args.join_probabilities.split(",")]

        def learned(p: float) -> dict[str, Any]:
            fixed = {"lexical_weight": 0.0, "entity_weight": 0.0, "learned": True}
            return {**fixed, "join_probability": p, "join_probability_undated": args.undated_join}

        rows.append(("Plumbline, learned same-event model", [learned(p) for p in joins]))
        if restructure:
            rows.append(
                (
                    "Plumbline, learned same-event model, merges/splits after each batch",
                    [
                        {**learned(p), "merge": m, "split": sp}
                        for p, m, sp in product(joins, merges, splits)
                    ],
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
                [ents[i] for i in halves[h]],
            )
        model = None
        if args.learned:
            from train_same_event import fit_same_event

            if args.dated_only:  # BASIL's half alone is too small to learn from: the
                # model learns from the mixed stream's tuning half, as in the main protocol
                every = basil(args.data_dir) + neus(args.data_dir)
                every_matrix, every_leads = vectors(every, args.cache)
                rows_ = [
                    i for i, it in enumerate(every) if zlib.crc32(it.event.encode()) % 2 == tune
                ]
                head = fit_same_event(
                    [every[i] for i in rows_], every_matrix[rows_], [every_leads[i] for i in rows_]
                )
            else:
                head = fit_same_event(parts[tune][0], parts[tune][2], parts[tune][3])
            model = SameEventModel(head)

        def run(
            h: int,
            options: dict[str, Any],
            parts: dict[int, Any] = parts,
            model: SameEventModel | None = model,
        ) -> list[int]:
            options = dict(options)
            if options.pop("learned", False):
                options["same_event"] = model
                options["threshold"] = 1.0  # the weighted score is not used
                return run_plumbline(*parts[h], index=args.index, **options)
            return run_plumbline(*parts[h], index=args.index, threshold_undated=undated, **options)

        for name, grid in rows:
            t = time.perf_counter()
            tuned_f1, best = -1.0, grid[0]
            row_keys = {"lexical_weight", "entity_weight", "learned"}
            for options in grid:
                f1 = score(parts[tune][0], run(tune, options))[2]
                if args.show_grid:
                    print(f"  tune half {tune} {options}: F1 {f1:.4f}", flush=True)
                if f1 > tuned_f1:
                    tuned_f1, best = f1, options
            test_pred = run(test, best)
            results.setdefault(name, []).append(score(parts[test][0], test_pred))
            picked = ", ".join(
                f"{k} {'off' if v is None else v}" for k, v in best.items() if k not in row_keys
            )
            chosen.setdefault(name, []).append(f"{picked} (tune F1 {tuned_f1:.3f})")
            print(
                f"half {tune}->{test} {name}: {picked}, held-out "
                f"P/R/F1/ARI {' '.join(f'{x:.3f}' for x in results[name][-1])} "
                f"({time.perf_counter() - t:.0f} s)",
                flush=True,
            )
        if not args.distances:
            continue  # --distances "": no baseline
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
    for name, scores in results.items():
        mean = np.mean(np.array(scores), axis=0)
        print(
            f"| {name} [{'; '.join(chosen[name])}] | " + " | ".join(f"{x:.3f}" for x in mean) + " |"
        )


if __name__ == "__main__":
    main()
