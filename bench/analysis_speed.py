"""Analysis speed against the raw embedding model, per embedding back end, in one run.

On N demo articles (title + up to 80 sentences each, as ArticleAnalyzer embeds them),
measures, interleaved and repeated (the order of the back ends rotates each round):

- the raw model: ``Embedder.encode`` of exactly the texts the analysis embeds, same batch
  size, for each back end (torch = sentence-transformers on PyTorch; onnx = ONNX Runtime
  over the cached export; onnx-int8 = its int8-quantized variant);
- the whole analysis: ``ArticleAnalyzer.analyze`` in batches of 64 articles (as the
  pipeline calls it), with the same embedder;

and prints sentences/s and articles/s (medians), the ratio analysis/raw per back end (the
median of the per-round ratios: the two are measured back to back) and onnx/torch, and
where the analysis time goes besides the model. Machines are shared and noisy, so read
the ratios, not the absolute rates.

    .venv/bin/python bench/analysis_speed.py [--articles 200] [--repeats 3] [--threads 0] \\
        [--sweep] [--profile] [--accuracy [--babe ../shared/data/babe/data/final_labels_SG2.csv]]

--sweep: raw-model sentences/s for batch sizes 16/32/64/128 (--sweep-batch-sizes), without
the length sorting (batches taken in text order), and with 1 thread instead of all cores,
on the first --sweep-texts texts.
--profile: the top functions of one analysis pass outside the model (cProfile).
--accuracy: the back ends' vectors against torch on --accuracy-texts demo sentences (max
and mean absolute difference, cosine), the sentence_bias probabilities they give, and on
BABE the packaged head's macro F1 and a 5-fold cross-validated logistic regression's.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import gzip
import io
import json
import pstats
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from functools import partial
from importlib import metadata, resources
from pathlib import Path
from typing import TypeVar

import numpy as np

from plumbline.analysis import bias
from plumbline.analysis.article import ArticleAnalyzer
from plumbline.analysis.embed import Embedder, Encoded, export_onnx
from plumbline.analysis.text import split_sentences

BACKENDS = ("torch", "onnx", "onnx-int8")
T = TypeVar("T")
ARTICLE_BATCH = 64
MAX_SENTENCES = 80
DEFAULT_BABE = Path(__file__).resolve().parents[2] / "shared/data/babe/data/final_labels_SG2.csv"


class TimedEmbedder(Embedder):
    """An Embedder that adds up the seconds spent encoding (`encode` goes through
    `encode_layers`, the one pass that the analysis makes)."""

    seconds = 0.0

    def encode_layers(self, texts: Sequence[str], *, max_tokens: int = 128) -> Encoded:
        start = time.perf_counter()
        try:
            return super().encode_layers(texts, max_tokens=max_tokens)
        finally:
            self.seconds += time.perf_counter() - start


def demo_articles(limit: int) -> list[tuple[str, str]]:
    data = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz").read_bytes()
    rows = [json.loads(line) for line in gzip.decompress(data).splitlines()[:limit]]
    return [(str(r.get("title") or ""), str(r["content_original"])) for r in rows]


def analysis_texts(items: Sequence[tuple[str, str]]) -> list[str]:
    """What ArticleAnalyzer embeds: each title, then its sentences."""
    texts: list[str] = []
    for title, text in items:
        texts.append(title)
        texts.extend(s.text for s in split_sentences(text)[:MAX_SENTENCES])
    return texts


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def analyze_all(analyzer: ArticleAnalyzer, batches: Sequence[Sequence[tuple[str, str]]]) -> None:
    for batch in batches:
        analyzer.analyze(batch)


def encode_all(embedder: Embedder, chunks: Sequence[Sequence[str]]) -> None:
    for chunk in chunks:
        embedder.encode(chunk)


def rotated(names: Sequence[T], round_: int) -> list[T]:
    shift = round_ % len(names)
    return [*names[shift:], *names[:shift]]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def main_comparison(
    embedders: dict[str, TimedEmbedder],
    items: Sequence[tuple[str, str]],
    texts: Sequence[str],
    repeats: int,
) -> None:
    analyzer = {
        name: ArticleAnalyzer(e, max_sentences=MAX_SENTENCES) for name, e in embedders.items()
    }
    raw: dict[str, list[float]] = {name: [] for name in embedders}
    full: dict[str, list[float]] = {name: [] for name in embedders}
    inside: dict[str, list[float]] = {name: [] for name in embedders}
    split: list[float] = []
    batches = [items[i : i + ARTICLE_BATCH] for i in range(0, len(items), ARTICLE_BATCH)]
    for round_ in range(repeats):
        for name in rotated(list(embedders), round_):
            embedder = embedders[name]
            raw[name].append(timed(partial(embedder.encode, texts)))
            embedder.seconds = 0.0
            full[name].append(timed(partial(analyze_all, analyzer[name], batches)))
            inside[name].append(embedder.seconds)
            print(
                f"  round {round_ + 1} {name:9}: raw {len(texts) / raw[name][-1]:6.1f} sent/s, "
                f"analysis {len(texts) / full[name][-1]:6.1f} sent/s",
                flush=True,
            )
        split.append(timed(partial(analysis_texts, items)))

    n_texts, n_articles = len(texts), len(items)
    print(
        f"\n{n_articles} articles, {n_texts} texts embedded (titles + sentences), {repeats} rounds"
    )
    print("| back end | raw model sent/s | analysis sent/s | analysis articles/s | analysis/raw |")
    print("|---|---|---|---|---|")
    ratio: dict[str, float] = {}
    for name in embedders:
        ratio[name] = median([r / f for r, f in zip(raw[name], full[name], strict=True)])
        print(
            f"| {name} | {n_texts / median(raw[name]):.1f} | {n_texts / median(full[name]):.1f} "
            f"| {n_articles / median(full[name]):.2f} | {ratio[name]:.2f}x |"
        )
    if "torch" in embedders:
        for name in embedders:
            if name == "torch":
                continue
            raw_x = median([t / o for t, o in zip(raw["torch"], raw[name], strict=True)])
            full_x = median([t / o for t, o in zip(full["torch"], full[name], strict=True)])
            print(f"{name}/torch: raw model {raw_x:.2f}x, whole analysis {full_x:.2f}x")
    print("\nwhere the analysis time goes (medians of the rounds):")
    for name in embedders:
        total, model = median(full[name]), median(inside[name])
        seg = median(split)
        rest = max(total - model - seg, 0.0)
        print(
            f"  {name:9}: model {100 * model / total:4.1f}%, sentence splitting "
            f"{100 * seg / total:4.1f}%, heads/lean/phrases {100 * rest / total:4.1f}% "
            f"of {total:.1f} s"
        )


def sweep(
    embedders: dict[str, TimedEmbedder],
    texts: Sequence[str],
    repeats: int,
    batch_sizes: Sequence[int],
) -> None:
    import torch

    default_threads = torch.get_num_threads()
    configs: list[tuple[str, str, int, bool, int]] = []  # label, backend, batch, sorted, threads
    single: dict[str, Embedder] = {}
    for name in embedders:
        for batch in sorted({*batch_sizes, 64}):
            configs.append((f"{name} batch {batch}", name, batch, True, 0))
        configs.append((f"{name} batch 64 unsorted", name, 64, False, 0))
        configs.append((f"{name} batch 64 1 thread", name, 64, True, 1))
        if name != "torch":  # ONNX Runtime threads are per session; torch's per process
            single[name] = Embedder(backend=name, threads=1)
            single[name].encode(["warm up"])
    times: dict[str, list[float]] = {c[0]: [] for c in configs}
    for round_ in range(repeats):
        for label, name, batch, by_length, threads in rotated(configs, round_):
            embedder: Embedder = single[name] if name in single and threads else embedders[name]
            embedder.batch_size = batch
            if name == "torch":
                torch.set_num_threads(threads or default_threads)
            chunks = (
                [texts]
                if by_length
                else [texts[i : i + batch] for i in range(0, len(texts), batch)]
            )
            times[label].append(timed(partial(encode_all, embedder, chunks)))
        torch.set_num_threads(default_threads)
    for embedder in embedders.values():
        embedder.batch_size = 64
    print(f"\nraw model sentences/s on {len(texts)} texts, {repeats} rounds (median):")
    print(f"(default threads: torch {default_threads}, ONNX Runtime = cores)")
    print("| configuration | sentences/s | vs same back end, batch 64 | vs torch batch 64 |")
    print("|---|---|---|---|")
    reference = times.get("torch batch 64")
    for label, seconds in times.items():
        base = times[f"{label.split()[0]} batch 64"]
        rel = median([b / s for b, s in zip(base, seconds, strict=True)])
        cross = (
            f"{median([b / s for b, s in zip(reference, seconds, strict=True)]):.2f}x"
            if reference
            else "-"
        )
        print(f"| {label} | {len(texts) / median(seconds):.1f} | {rel:.2f}x | {cross} |")


def profile(embedder: TimedEmbedder, items: Sequence[tuple[str, str]]) -> None:
    analyzer = ArticleAnalyzer(embedder, max_sentences=MAX_SENTENCES)
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(0, len(items), ARTICLE_BATCH):
        analyzer.analyze(items[i : i + ARTICLE_BATCH])
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(
        r"plumbline/analysis/(text|bias|heads|lean|article)\.py|pysbd", 25
    )
    print("\ncProfile of the analysis (cumulative, plumbline analysis and pysbd functions):")
    print(out.getvalue())


def load_babe(path: Path) -> tuple[list[str], np.ndarray]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        rows = [
            r for r in csv.DictReader(handle, delimiter=";") if r["label_bias"] != "No agreement"
        ]
    texts = [r["text"].strip() for r in rows]
    labels = np.array([1 if r["label_bias"] == "Biased" else 0 for r in rows])
    return texts, labels


def accuracy(embedders: dict[str, TimedEmbedder], texts: Sequence[str], babe: Path) -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import f1_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    sentences = [t for t in texts if len(t.split()) >= 3]
    print(f"\naccuracy: {len(sentences)} demo sentences, vectors against torch")
    encoded = {name: e.encode_layers(sentences) for name, e in embedders.items()}
    vectors = {name: v.vectors for name, v in encoded.items()}
    probs = {name: bias.sentence_bias(v, sentences) for name, v in encoded.items()}
    reference, p_ref = vectors["torch"], probs["torch"]
    print(
        "| back end | max abs diff | mean abs diff | cosine min | cosine mean "
        "| p(biased) max diff | mean diff | same side of 0.5 |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name in embedders:
        if name == "torch":
            continue
        diff = np.abs(vectors[name] - reference)
        cosine = (vectors[name] * reference).sum(axis=1)
        dp = np.abs(probs[name] - p_ref)
        same = float(np.mean((probs[name] >= 0.5) == (p_ref >= 0.5)))
        print(
            f"| {name} | {diff.max():.2e} | {diff.mean():.2e} | {cosine.min():.6f} | "
            f"{cosine.mean():.6f} | {dp.max():.4f} | {dp.mean():.5f} | {100 * same:.2f}% |"
        )
    if not babe.exists():
        print(f"(no BABE at {babe}: skipped)")
        return
    babe_texts, labels = load_babe(babe)
    print(f"\nBABE SG2: {len(babe_texts)} sentences; macro F1")
    print(
        "| back end | packaged head (trained on onnx vectors, in-sample) "
        "| 5-fold CV, scaled LR C=0.003 on the 384-d vectors |"
    )
    print("|---|---|---|")
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(babe_texts, labels))
    for name, embedder in embedders.items():
        both = embedder.encode_layers(babe_texts)
        v = both.vectors
        head = f1_score(labels, bias.sentence_bias(both, babe_texts) >= 0.5, average="macro")
        scores = []
        for train, test in folds:
            model = make_pipeline(StandardScaler(), LogisticRegression(C=0.003, max_iter=3000))
            model.fit(v[train], labels[train])
            scores.append(f1_score(labels[test], model.predict(v[test]), average="macro"))
        print(f"| {name} | {head:.4f} | {np.mean(scores):.4f} ± {np.std(scores):.4f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200, help="Demo articles to analyze.")
    parser.add_argument("--repeats", type=int, default=3, help="Rounds of each measurement.")
    parser.add_argument("--backends", default=",".join(BACKENDS), help="Comma-separated.")
    parser.add_argument("--threads", type=int, default=0, help="Model threads; 0: all cores.")
    parser.add_argument("--sweep", action="store_true", help="Batch size, sorting, threads.")
    parser.add_argument("--sweep-texts", type=int, default=1500)
    parser.add_argument("--sweep-batch-sizes", default="16,32,64,128")
    parser.add_argument("--profile", action="store_true", help="Profile the analysis.")
    parser.add_argument("--accuracy", action="store_true", help="Compare the back ends' vectors.")
    parser.add_argument("--accuracy-texts", type=int, default=3000)
    parser.add_argument("--babe", type=Path, default=DEFAULT_BABE)
    parser.add_argument("--skip-speed", action="store_true", help="Only --sweep/--accuracy.")
    args = parser.parse_args()

    names = [n for n in args.backends.split(",") if n]
    embedders = {name: TimedEmbedder(backend=name, threads=args.threads) for name in names}
    start = time.perf_counter()
    for embedder in embedders.values():
        embedder.encode(["warm up: load the model (and export it, once)"])
    print(f"models loaded in {time.perf_counter() - start:.1f} s")
    model_path = next(iter(embedders.values())).model_path
    fp32, int8 = export_onnx(model_path, next(iter(embedders.values())).cache_dir, int8=True)
    for path in (fp32, int8):
        if path:
            print(f"  {path}: {path.stat().st_size / 1e6:.1f} MB")
    versions = ", ".join(
        f"{p} {metadata.version(p)}" for p in ("torch", "sentence-transformers", "onnxruntime")
    )
    print(f"python {sys.version.split()[0]}, {versions}")

    items = demo_articles(args.articles)
    texts = analysis_texts(items)
    if not args.skip_speed:
        main_comparison(embedders, items, texts, args.repeats)
    if args.sweep:
        batch_sizes = [int(b) for b in args.sweep_batch_sizes.split(",") if b]
        sweep(embedders, texts[: args.sweep_texts], args.repeats, batch_sizes)
    if args.profile:
        profile(embedders.get("onnx") or next(iter(embedders.values())), items)
    if args.accuracy:
        sample: list[str] = []
        for title, text in demo_articles(10_000)[::-1]:  # from the end: other articles
            sample.extend(analysis_texts([(title, text)]))
            if len(sample) >= args.accuracy_texts:
                break
        accuracy(embedders, sample[: args.accuracy_texts], args.babe)


if __name__ == "__main__":
    main()
