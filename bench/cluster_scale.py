"""Story clustering at scale: time per inserted article and peak memory as the archive
grows to 100,000 articles, HNSW index (usearch) next to the exact scan, same stream.

The stream is synthetic but shaped like news: events start at random times over `--days`
days; each has 1-8 articles (geometric sizes) published within a day of its start. An
event's direction is a real MiniLM title vector (titles of the packaged demo corpus,
embedded once and cached) plus noise, and its articles scatter around it (cosine to the
event about 0.8, as real same-event title+lead vectors do). Articles go through
StoryClusterer.assign in batches of 64, as in the pipeline; stories close 72 h after their
last article, so the open-story count is what the window holds.

    .venv/bin/python bench/cluster_scale.py [--articles 100000] [--days 10]
        [--decision learned|score]

``--decision learned`` (the pipeline's default) decides with the packaged same-event model
(join probability 0.1, the dated default); ``score`` with the embedding threshold 0.6.
Without ``--with-text`` the stream has no text, so the term and number signals are zero in
both. With it, each article also carries a text made from its event's demo title: three
words of the event's own (names, say: each kept with probability 0.8), each of the title's
words kept with probability 0.7, plus 3-6 words of another random title — so articles of
one event share most of their words, as real title+leads do, events that share a demo
title do not share their specifics, and the learned model sees its term signal; the score
rule then uses the pipeline's settings (threshold 0.35, term weight 0.5) instead of 0.6 on
the embedding alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import numpy as np
from cluster_accuracy import bcubed

from plumbline.analysis.cluster import ClusterInput, StoryClusterer
from plumbline.analysis.same_event import packaged_same_event

CHECKPOINTS = (1_000, 10_000, 100_000)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def demo_titles() -> list[str]:
    source = resources.files("plumbline.data") / "demo_corpus.jsonl.gz"
    with source.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        return [json.loads(line)["title"] for line in lines]


def base_vectors(cache: Path) -> np.ndarray:
    path = cache / "plumbline-scale-bench-titles.npy"
    if path.exists():
        cached: np.ndarray = np.load(path)
        return cached
    from plumbline.analysis.embed import Embedder

    vectors = Embedder(threads=1).encode(demo_titles())
    np.save(path, vectors)
    return vectors


def stream(
    n: int, days: float, seed: int, cache: Path, with_text: bool
) -> tuple[np.ndarray, list[datetime], list[str], list[int]]:
    rng = np.random.default_rng(seed)
    base = base_vectors(cache)
    words = [t.split() for t in demo_titles()] if with_text else []
    dim = base.shape[1]
    vectors = np.empty((n, dim), dtype=np.float32)
    starts: list[float] = []
    texts: list[str] = []
    events: list[int] = []
    count = event = 0
    while count < n:
        event += 1
        size = min(int(rng.geometric(0.35)), 8, n - count)
        title = int(rng.integers(len(base)))
        centre = base[title] + rng.normal(0, 0.5 / np.sqrt(dim), dim)
        centre /= np.linalg.norm(centre)
        start = float(rng.uniform(0, days * 24))
        specifics = [f"Name{int(rng.integers(10**6))}" for _ in range(3)] if with_text else []
        for _ in range(size):
            v = centre + rng.normal(0, 0.75 / np.sqrt(dim), dim)
            vectors[count] = v / np.linalg.norm(v)
            starts.append(start + float(rng.uniform(0, 24)))
            events.append(event)
            if with_text:
                # the event's own specifics (names, places, figures), which events that
                # share a demo title do not share
                kept = [w for w in specifics if rng.random() < 0.8]
                kept += [w for w in words[title] if rng.random() < 0.7]
                other = words[int(rng.integers(len(words)))]
                extra = rng.choice(len(other), min(len(other), int(rng.integers(3, 7))), False)
                texts.append(" ".join(kept + [other[i] for i in sorted(extra)]))
            else:
                texts.append("")
            count += 1
    order = np.argsort(starts, kind="stable")
    return (
        vectors[order],
        [T0 + timedelta(hours=starts[i]) for i in order],
        [texts[i] for i in order],
        [events[i] for i in order],
    )


def run(
    kind: str, n: int, days: float, seed: int, cache: Path, decision: str, with_text: bool
) -> dict[str, object]:
    vectors, when, texts, events = stream(n, days, seed, cache, with_text)
    clusterer = StoryClusterer(
        threshold=0.35 if with_text else 0.6,
        lexical_weight=0.5 if with_text else 0.0,
        window=timedelta(hours=72),
        near_duplicate=0.8,
        index=kind,  # type: ignore[arg-type]
        same_event=packaged_same_event() if decision == "learned" else None,
        join_probability=0.1,
    )
    per_insert: dict[int, float] = {}
    open_at: dict[int, int] = {}
    stories: list[int] = []
    elapsed = 0.0
    window_start = 0.0
    for start in range(0, n, 64):
        batch = [
            ClusterInput(i, vectors[i], when[i], None, None, texts[i])
            for i in range(start, min(n, start + 64))
        ]
        t = time.perf_counter()
        clusterer.close_before(batch[0].when)  # type: ignore[arg-type]
        decisions = clusterer.assign(batch, None, lambda _id: [])
        elapsed += time.perf_counter() - t
        stories += [d.story_id for d in decisions]
        done = start + len(batch)
        for checkpoint in CHECKPOINTS:
            # mean over the last 1,000 inserts before the checkpoint (or all, below 1,000)
            if done - len(batch) < checkpoint - 1000 <= done:
                window_start = elapsed
            if done - len(batch) < checkpoint <= done:
                per_insert[checkpoint] = (elapsed - window_start) / min(checkpoint, 1000)
                open_at[checkpoint] = len(clusterer)
    return {
        "kind": kind,
        "per_insert_us": {k: v * 1e6 for k, v in per_insert.items()},
        "open_stories": open_at,
        "total_s": elapsed,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stories": stories,
        "bcubed_f1": bcubed([str(e) for e in events], stories)[2],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", type=Path, default=Path("/tmp"))
    parser.add_argument("--decision", choices=["learned", "score"], default="learned")
    parser.add_argument(
        "--with-text", action="store_true", help="give each article a synthetic title text"
    )
    parser.add_argument("--one", choices=["exact", "hnsw"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # child process: one index kind, so peak memory is its own
        result = run(
            args.one,
            args.articles,
            args.days,
            args.seed,
            args.cache,
            args.decision,
            args.with_text,
        )
        print(json.dumps(result))
        return
    base_vectors(args.cache)
    results = {}
    for kind in ("hnsw", "exact"):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--one",
                kind,
                "--articles",
                str(args.articles),
                "--days",
                str(args.days),
                "--seed",
                str(args.seed),
                "--cache",
                str(args.cache),
                "--decision",
                args.decision,
                *(["--with-text"] if args.with_text else []),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[kind] = json.loads(out.strip().splitlines()[-1])
    hnsw, exact = results["hnsw"], results["exact"]
    same = np.mean([a == b for a, b in zip(hnsw["stories"], exact["stories"], strict=True)])
    print(
        f"{args.articles} articles over {args.days:g} days; window 72 h, batches of 64; "
        f"{args.decision} decision{', synthetic text' if args.with_text else ''}"
    )
    print(
        "| articles so far | open stories | exact scan µs/article | HNSW µs/article | exact/HNSW |"
    )
    print("|---|---|---|---|---|")
    for checkpoint in CHECKPOINTS:
        key = str(checkpoint)
        if key not in hnsw["per_insert_us"]:
            continue
        e, h = exact["per_insert_us"][key], hnsw["per_insert_us"][key]
        print(
            f"| {checkpoint:,} | {hnsw['open_stories'][key]:,} | {e:.0f} | {h:.0f} | {e / h:.2f}× |"
        )
    print(
        f"peak memory (RSS): exact {exact['peak_rss_mib']:.0f} MiB, "
        f"HNSW {hnsw['peak_rss_mib']:.0f} MiB; "
        f"total {exact['total_s']:.1f} s vs {hnsw['total_s']:.1f} s; "
        f"same story decision as the exact scan for {same:.1%} of articles; B-cubed F1 "
        f"against the synthetic events: exact {exact['bcubed_f1']:.3f}, "
        f"HNSW {hnsw['bcubed_f1']:.3f}"
    )


if __name__ == "__main__":
    main()
