"""Ingestion + pipeline throughput on the packaged demo corpus, and peak memory.

Imports the demo corpus into a fresh SQLite store, runs every pipeline stage, and prints
articles/s per stage and overall, with the raw embedding model's sentence throughput
measured in the same run (the analysis stage is bounded by it).

    .venv/bin/python bench/pipeline_throughput.py [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import resource
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

from plumbline.analysis.embed import Embedder
from plumbline.analysis.text import split_sentences
from plumbline.core import Plumbline
from plumbline.models import PipelineReport
from plumbline.settings import Settings


def demo_records(limit: int | None) -> bytes:
    data = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz").read_bytes()
    lines = gzip.decompress(data).splitlines(keepends=True)
    return b"".join(lines[:limit] if limit else lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--limit", type=int, default=None, help="Use only the first N articles.")
    args = parser.parse_args()
    payload = demo_records(args.limit)
    n_articles = payload.count(b"\n")

    embedder = Embedder()
    embedder.encode(["warm up"])
    with tempfile.TemporaryDirectory() as folder:
        core = Plumbline(Settings(data_dir=Path(folder), default_outlets=True), embedder=embedder)
        core.init()
        t0 = time.perf_counter()
        imported = core.import_articles(io.BytesIO(payload))
        t_import = time.perf_counter() - t0

        pipeline_report = PipelineReport()

        pipeline = core.pipeline()
        timings = {}
        for stage in ("extract", "analyze", "cluster", "synthesize"):
            t = time.perf_counter()
            getattr(pipeline, stage)(pipeline_report)
            timings[stage] = time.perf_counter() - t
        total = sum(timings.values())
        stories = core.stores.stories.count_stories()
        core.close()

    # raw model throughput on the same sentences (first 300 articles), same run
    texts = [json.loads(line)["content_original"] for line in payload.splitlines()[:300]]
    sentences = [s.text for t in texts for s in split_sentences(t)[:80]]
    t = time.perf_counter()
    embedder.encode(sentences)
    raw_rate = len(sentences) / (time.perf_counter() - t)

    analyzed_sentences = sum(
        min(len(split_sentences(json.loads(x)["content_original"])), 80) + 1
        for x in payload.splitlines()
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"articles: {n_articles} (imported {imported.added}, invalid {imported.invalid})")
    print(f"import: {t_import:.1f} s = {imported.added / t_import:.0f} articles/s")
    for stage, seconds in timings.items():
        print(f"{stage:10}: {seconds:6.1f} s = {n_articles / max(seconds, 1e-9):8.1f} articles/s")
    print(f"pipeline total: {total:.1f} s = {n_articles / total:.1f} articles/s; {stories} stories")
    analysis_rate = analyzed_sentences / timings["analyze"]
    print(
        f"analysis: {analysis_rate:.0f} sentences/s vs raw model {raw_rate:.0f} sentences/s "
        f"= {analysis_rate / raw_rate:.2f}x"
    )
    print(f"peak memory (max RSS): {peak_mb:.0f} MB")
    print(f"python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
