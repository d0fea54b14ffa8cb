"""Quality of the synthesized article on NeuS / AllSides (Lee et al. 2022): each story is
three articles (one left, one center, one right outlet, in random order) and an expert-
written neutral roundup.

    .venv/bin/python bench/synthesis_quality.py [--split val] [--limit N]
    .venv/bin/python bench/synthesis_quality.py --tune [--split train] [--limit 800]

Each article is analyzed by Plumbline's own ArticleAnalyzer (packaged MiniLM and heads;
results cached under --cache), turned into an ArticleRecord and synthesized with
`synthesize()`. The articles carry no outlet labels, and the file shuffles their order, so
each story's three articles are given the three sides by the assignment (one article per
side) that best fits the packaged lean head's probabilities; the outlets are named
"Outlet 1" ... "Outlet 3".

Printed:

1. ROUGE-1/2/L F1 (rouge-score, Porter stemmer) of the article body against the roundup's
   body, for Plumbline, LexRank (sumy, on the same sentences) and a round-robin lead
   baseline (first sentence of each article, then the second ...), twice: length-matched
   (every system's sentences, in reading order, for Plumbline lead then sections, taken
   until they reach the roundup's word count and cut there) and the first FIRST_WORDS words
   of each (what a reader reads first; the issue's measure). Plumbline's whole article
   (lead and every section, uncut) is scored too, with its mean length. The articles carry
   no dates: each is given the same placeholder publication date, so that sentences with a
   relative date ("on Monday") may be chosen as for any dated article, and what is scored
   is the chosen source sentences verbatim (the page prints the placeholder's dates into
   them).
2. Neutrality measured outside Plumbline: TextBlob subjectivity (0 objective .. 1) and
   VADER |compound| (0 neutral .. 1), per text, mean over stories, for the length-matched
   outputs, the source articles (mean of the three) and the roundups. Lower is more neutral.
3. Plumbline's own bias score (same scorer): the share of stories whose synthesized article
   scores below the coverage score, and below every scored source.

With --tune, a grid over the selection weights (`SelectionWeights`) is searched on the
given split (use train, not val) for the best mean ROUGE-1 F1, keeping the synthesized
article below the coverage score in at least as many stories as the defaults do.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import math
import os
import pickle
import re
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

# Before the imports below: one core, the machine is shared.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np
import numpy.typing as npt

import plumbline
from plumbline.analysis.article import ArticleAnalyzer
from plumbline.analysis.embed import Embedder
from plumbline.analysis.story import coverage_score
from plumbline.analysis.synthesize import SelectionWeights, synthesize
from plumbline.models import (
    ArticleAnalysis,
    ArticleRecord,
    ArticleState,
    Lean,
    Synthesis,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "neus-allsides" / "data"
_ITEM = re.compile(r"^TITLE=> (?P<title>.*?)\. ARTICLE=> (?P<text>.*)$", re.DOTALL)
SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
ROUGE = ("rouge1", "rouge2", "rougeL")
CHUNK = 64  # stories per cache file
HEADS = Path(plumbline.__file__).parent / "data" / "heads"  # the analyzer's packaged heads
ROUNDS = 1  # of coordinate ascent in --tune (each run takes a minute on a shared core)
FIRST_WORDS = 75


@dataclass(slots=True)
class Story:
    titles: list[str]
    texts: list[str]
    reference_title: str
    reference: str


def load(folder: Path, split: str, limit: int | None) -> list[Story]:
    sources = (folder / f"{split}.source").read_text(encoding="utf-8").splitlines()
    targets = (folder / f"{split}.target").read_text(encoding="utf-8").splitlines()
    assert len(sources) == len(targets), "source and target files differ in length"
    stories = []
    for source, target in zip(sources, targets, strict=True):
        items = [_ITEM.match(part.strip()) for part in source.split(" [SEP] ")]
        ref = _ITEM.match(target.strip())
        if ref is None or any(m is None for m in items):
            continue
        stories.append(
            Story(
                titles=[m.group("title").strip() for m in items if m],
                texts=[m.group("text").strip() for m in items if m],
                reference_title=ref.group("title").strip(),
                reference=ref.group("text").strip(),
            )
        )
    return stories[:limit] if limit else stories


def analyze(stories: Sequence[Story], cache: Path, key: str) -> list[list[ArticleAnalysis]]:
    """ArticleAnalyzer results for every article, cached in chunks of CHUNK stories (the
    file's first stories first), so that a --limit run reuses and extends the cache."""
    analyzer = ArticleAnalyzer(Embedder(threads=1))
    results: list[list[ArticleAnalysis]] = []
    started = time.perf_counter()
    for first in range(0, len(stories), CHUNK):
        path = cache / f"neus-{key}-{first:05d}.pickle"
        if path.exists():
            chunk_results: list[list[ArticleAnalysis]] = pickle.loads(path.read_bytes())
        else:
            chunk = stories[first : first + CHUNK]
            items = [(t, x) for s in chunk for t, x in zip(s.titles, s.texts, strict=True)]
            analyzed = [r.analysis for r in analyzer.analyze(items)]
            chunk_results, cursor = [], 0
            for story in chunk:
                chunk_results.append(analyzed[cursor : cursor + len(story.texts)])
                cursor += len(story.texts)
            cache.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pickle.dumps(chunk_results))
            print(
                f"  analyzed {first + len(chunk)}/{len(stories)} stories"
                f" ({time.perf_counter() - started:.0f} s)",
                flush=True,
            )
        results.extend(chunk_results)
    return results[: len(stories)]


def assign_sides(analyses: Sequence[ArticleAnalysis]) -> list[Lean]:
    """One side per article (a story has one of each), the assignment that the lean head
    finds most likely; with other than three articles, each its own most likely side."""

    def p(a: ArticleAnalysis, side: Lean) -> float:
        return max(1e-6, float(getattr(a.lean, side.value)))

    if len(analyses) != len(SIDES):
        return [max(SIDES, key=lambda s: p(a, s)) for a in analyses]
    best = max(
        itertools.permutations(SIDES),
        key=lambda perm: sum(math.log(p(a, s)) for a, s in zip(analyses, perm, strict=True)),
    )
    return list(best)


def records(story: Story, analyses: Sequence[ArticleAnalysis]) -> list[ArticleRecord]:
    when = datetime(2021, 1, 1, tzinfo=UTC)  # a placeholder: NeuS gives no dates
    found = []
    for i, (title, text, analysis, side) in enumerate(
        zip(story.titles, story.texts, analyses, assign_sides(analyses), strict=True), start=1
    ):
        found.append(
            ArticleRecord(
                id=i,
                url=f"https://outlet-{i}.example/story",
                canonical_url=f"https://outlet-{i}.example/story",
                title=title,
                text=text,
                state=ArticleState.ANALYZED,
                outlet_slug=f"outlet-{i}",
                outlet_name=f"Outlet {i}",
                outlet_lean=side,
                published=when,
                fetched_at=when,
                bias_score=analysis.bias_score,
                lean=analysis.lean,
                analysis=analysis,
            )
        )
    return found


def synthesis_sentences(synthesis: Synthesis | None) -> list[str]:
    """The article's sentences in reading order, as their sources wrote them."""
    if synthesis is None:
        return []
    return [s.sources[0].text for s in synthesis.lead] + [
        s.sources[0].text for section in synthesis.sections for s in section.sentences
    ]


def cut(sentences: Sequence[str], words: int) -> str:
    """Sentences in order until `words` words, cut there."""
    taken: list[str] = []
    for sentence in sentences:
        taken.extend(sentence.split())
        if len(taken) >= words:
            break
    return " ".join(taken[:words])


def lead_baseline(analyses: Sequence[ArticleAnalysis]) -> list[str]:
    """First sentence of each article, then each second sentence, and so on."""
    columns = [[s.text for s in a.sentences] for a in analyses]
    return [
        column[i]
        for i in range(max((len(c) for c in columns), default=0))
        for column in columns
        if i < len(column)
    ]


def lexrank_baseline(analyses: Sequence[ArticleAnalysis], words: int) -> list[str]:
    """sumy's LexRank over the same sentences: its best k sentences (in document order,
    as sumy gives them) for the smallest k that reaches `words` words."""
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = _WordTokenizer()
    paragraphs = [Paragraph([Sentence(s.text, tokenizer) for s in a.sentences]) for a in analyses]
    document = ObjectDocumentModel(paragraphs)
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    best: list[str] = []
    for k in range(1, len(document.sentences) + 1):
        best = [str(s) for s in summarizer(document, k)]
        if sum(len(s.split()) for s in best) >= words:
            break
    return best


class _WordTokenizer:
    """What sumy needs of a tokenizer, without NLTK's downloadable models."""

    language = "english"

    def to_words(self, text: str) -> list[str]:
        return re.findall(r"[A-Za-z0-9][A-Za-z0-9'’-]*", text)


@dataclass(slots=True)
class Scores:
    rouge: dict[str, list[float]]
    subjectivity: list[float]
    vader: list[float]
    words: list[int]

    @classmethod
    def empty(cls) -> Scores:
        return cls({k: [] for k in ROUGE}, [], [], [])


class Meters:
    def __init__(self) -> None:
        from rouge_score import rouge_scorer
        from textblob import TextBlob
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        self._rouge = rouge_scorer.RougeScorer(list(ROUGE), use_stemmer=True)
        self._blob = TextBlob
        self._vader = SentimentIntensityAnalyzer()

    def rouge(self, text: str, reference: str) -> dict[str, float]:
        scores = self._rouge.score(reference, text)
        return {k: scores[k].fmeasure for k in ROUGE}

    def subjectivity(self, text: str) -> float:
        return float(self._blob(text).sentiment.subjectivity)

    def vader(self, text: str) -> float:
        return abs(float(self._vader.polarity_scores(text)["compound"]))

    def add(self, scores: Scores, text: str, reference: str | None) -> None:
        if reference is not None:
            for k, v in self.rouge(text, reference).items():
                scores.rouge[k].append(v)
        scores.subjectivity.append(self.subjectivity(text))
        scores.vader.append(self.vader(text))
        scores.words.append(len(text.split()))


def _mean(values: Sequence[float]) -> float:
    return statistics.fmean(values) if values else float("nan")


class CachedEncoder:
    """The analysis encoder (as the pipeline gives synthesis), remembering every sentence it
    embedded: --tune writes the same stories up many times."""

    def __init__(self) -> None:
        self.embedder = Embedder(threads=1)
        self.cache: dict[str, npt.NDArray[np.float32]] = {}

    def __call__(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if missing:
            for text, vector in zip(missing, self.embedder.encode(missing), strict=True):
                self.cache[text] = vector
        return np.stack([self.cache[t] for t in texts])


ENCODER = CachedEncoder()


def evaluate(
    stories: Sequence[Story],
    analyses: Sequence[Sequence[ArticleAnalysis]],
    weights: SelectionWeights,
    *,
    baselines: bool = True,
) -> dict[str, object]:
    meters = Meters()
    System = Callable[[Sequence[ArticleAnalysis], Synthesis | None, int], list[str]]
    systems: dict[str, System] = {
        "Plumbline (length-matched)": lambda _a, syn, _n: synthesis_sentences(syn),
    }
    if baselines:
        systems["LexRank (sumy)"] = lambda a, _syn, n: lexrank_baseline(a, n)
        systems["Lead, round-robin"] = lambda a, _syn, _n: lead_baseline(a)
    scores = {name: Scores.empty() for name in systems}
    first = {name: Scores.empty() for name in systems}  # the first FIRST_WORDS words
    whole, sources, references = Scores.empty(), Scores.empty(), Scores.empty()
    below_coverage = below_every = compared = compared_every = none = 0
    below_several = compared_several = 0  # stories with two or more scored sources
    n_sections: list[int] = []
    attributed = 0
    headline: list[float] = []  # ROUGE-1 F1 of the headline against the roundup's title
    any_title: list[float] = []  # ... of a source title picked at random (expected value)
    for story, analysis in zip(stories, analyses, strict=True):
        articles = records(story, analysis)
        synthesis = synthesize(articles, weights=weights, encode=ENCODER)
        budget = len(story.reference.split())
        for name, system in systems.items():
            sentences = system(analysis, synthesis, max(budget, FIRST_WORDS))
            meters.add(scores[name], cut(sentences, budget), story.reference)
            meters.add(first[name], cut(sentences, FIRST_WORDS), story.reference)
        if synthesis is None:
            none += 1
            continue
        meters.add(whole, " ".join(synthesis_sentences(synthesis)), story.reference)
        n_sections.append(len(synthesis.sections))
        if baselines:
            title = story.reference_title
            headline.append(meters.rouge(synthesis.headline, title)["rouge1"])
            any_title.append(_mean([meters.rouge(t, title)["rouge1"] for t in story.titles]))
        attributed += any(
            s.attribution for sec in synthesis.sections for s in sec.sentences
        ) or any(s.attribution for s in synthesis.lead)
        if baselines:
            for text in story.texts:
                meters.add(sources, text, None)
            meters.add(references, story.reference, None)
        own = synthesis.bias_score
        coverage = coverage_score(articles)
        scored = [a.bias_score for a in articles if a.bias_score is not None]
        if own is not None and coverage is not None:
            compared += 1
            below_coverage += own < coverage
            if len(scored) >= 2:
                compared_several += 1
                below_several += own < coverage
        if own is not None and scored:
            compared_every += 1
            below_every += all(own < s for s in scored)
    return {
        "scores": scores,
        "first": first,
        "whole": whole,
        "sources": sources,
        "references": references,
        "n": len(stories),
        "none": none,
        "below_coverage": (below_coverage, compared),
        "below_coverage_several": (below_several, compared_several),
        "below_every": (below_every, compared_every),
        "sections": n_sections,
        "attributed": attributed,
        "headline": (headline, any_title),
    }


def report(result: dict[str, object], split: str) -> None:
    scores = result["scores"]
    assert isinstance(scores, dict)
    whole, sources, references = result["whole"], result["sources"], result["references"]
    assert isinstance(whole, Scores) and isinstance(sources, Scores)
    assert isinstance(references, Scores)
    print(f"\nNeuS {split}: {result['n']} stories ({result['none']} without a synthesis)\n")
    print(f"{'system':34} {'R-1':>6} {'R-2':>6} {'R-L':>6} {'words':>6} {'subj':>6} {'|VADER|':>7}")
    rows: list[tuple[str, Scores]] = [*scores.items(), ("Plumbline (whole article)", whole)]
    for name, s in rows:
        print(
            f"{name:34} {100 * _mean(s.rouge['rouge1']):6.2f} {100 * _mean(s.rouge['rouge2']):6.2f}"
            f" {100 * _mean(s.rouge['rougeL']):6.2f} {_mean(s.words):6.1f}"
            f" {_mean(s.subjectivity):6.4f} {_mean(s.vader):7.3f}"
        )
    first = result["first"]
    assert isinstance(first, dict)
    print(f"\nFirst {FIRST_WORDS} words of each against the roundup:")
    for name, s in first.items():
        label = name.replace(" (length-matched)", "")
        r1, r2 = 100 * _mean(s.rouge["rouge1"]), 100 * _mean(s.rouge["rouge2"])
        print(
            f"{label:34} {r1:6.2f} {r2:6.2f}"
            f" {100 * _mean(s.rouge['rougeL']):6.2f} {_mean(s.words):6.1f}"
            f" {_mean(s.subjectivity):6.4f} {_mean(s.vader):7.3f}"
        )
    print()
    for name, s in (("Source articles", sources), ("Expert roundups", references)):
        print(
            f"{name:34} {'':6} {'':6} {'':6} {_mean(s.words):6.1f}"
            f" {_mean(s.subjectivity):6.4f} {_mean(s.vader):7.3f}"
        )
    below, compared = result["below_coverage"]  # type: ignore[misc]
    every, compared_every = result["below_every"]  # type: ignore[misc]
    sections = result["sections"]
    assert isinstance(sections, list)
    print(
        f"\nOwn bias score below the coverage score: {below}/{compared}"
        f" ({100 * below / max(compared, 1):.1f}%)"
    )
    several, compared_several = result["below_coverage_several"]  # type: ignore[misc]
    print(
        f"  ... in stories with two or more scored sources: {several}/{compared_several}"
        f" ({100 * several / max(compared_several, 1):.1f}%; with one, the article is often"
        " that source's own sentences)"
    )
    print(
        f"Own bias score below every scored source: {every}/{compared_every}"
        f" ({100 * every / max(compared_every, 1):.1f}%)"
    )
    counts = {k: sections.count(k) for k in sorted(set(sections))}
    print(f"Sections per article: {counts}; with an attribution: {result['attributed']}")
    headline, any_title = result["headline"]  # type: ignore[misc]
    print(
        f"Headline vs the roundup's title, ROUGE-1 F1: {100 * _mean(headline):.2f}"
        f" (a source title at random: {100 * _mean(any_title):.2f})"
    )


def tune(stories: Sequence[Story], analyses: Sequence[Sequence[ArticleAnalysis]]) -> None:
    """Coordinate ascent (ROUNDS rounds) over the selection weights for the best mean ROUGE-1
    of the first FIRST_WORDS words among settings whose output is less subjective (TextBlob)
    than the roundups of the same stories."""
    meters = Meters()
    reference = _mean([meters.subjectivity(s.reference) for s in stories])
    print(f"  roundups' subjectivity: {reference:.3f}", flush=True)

    def run(weights: SelectionWeights) -> tuple[float, float, float, float, float]:
        result = evaluate(stories, analyses, weights, baselines=False)
        s = result["first"]["Plumbline (length-matched)"]  # type: ignore[index]
        whole = result["whole"]
        assert isinstance(whole, Scores)
        below, compared = result["below_coverage"]  # type: ignore[misc]
        every, compared_every = result["below_every"]  # type: ignore[misc]
        return (
            _mean(s.rouge["rouge1"]),
            _mean(s.subjectivity),
            below / max(compared, 1),
            every / max(compared_every, 1),
            _mean(whole.words),
        )

    def show(label: str, figures: tuple[float, float, float, float, float]) -> None:
        r1, subjectivity, below, every, words = figures
        print(
            f"  {label}: R-1 {100 * r1:.2f} subj {subjectivity:.3f} below coverage"
            f" {100 * below:.1f}% below every {100 * every:.1f}% words {words:.0f}",
            flush=True,
        )

    def objective(figures: tuple[float, float, float, float, float]) -> float:
        return figures[0] - (1.0 if figures[1] >= reference else 0.0)

    grid: dict[str, tuple[float, ...]] = {
        "relevant": (0.05, 0.08, 0.12, 0.16),
        "bias": (0.4, 0.8, 1.0),
        "support": (0.0, 0.15, 0.4),
        "position": (0.0, 0.05, 0.2),
        "title": (0.0, 0.3, 0.6),
        "quote": (0.0, 0.5),
    }
    best = SelectionWeights()
    best_figures = run(best)
    show(f"start {best}", best_figures)
    for round_ in range(ROUNDS):
        for name, values in grid.items():
            for value in values:
                if getattr(best, name) == value:
                    continue
                trial = replace(best, **{name: value})
                figures = run(trial)
                show(f"{name}={value}", figures)
                if objective(figures) > objective(best_figures):
                    best, best_figures = trial, figures
        show(f"round {round_ + 1} best {best}", best_figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--split", default="val")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/plumbline-bench-neus"))
    parser.add_argument("--tune", action="store_true")
    args = parser.parse_args()
    every = load(args.data, args.split, None)
    stories = every[: args.limit] if args.limit else every
    digest = hashlib.sha256((args.data / f"{args.split}.source").read_bytes())
    for head in sorted(HEADS.iterdir()):  # analyses made with other heads are not reused
        digest.update(head.name.encode() + head.read_bytes())
    whole_chunks = every[: -(-len(stories) // CHUNK) * CHUNK]  # cache files hold whole chunks
    analyses = analyze(whole_chunks, args.cache, f"{args.split}-{digest.hexdigest()[:12]}")
    analyses = analyses[: len(stories)]
    if args.tune:
        tune(stories, analyses)
        return
    report(evaluate(stories, analyses, SelectionWeights()), args.split)


if __name__ == "__main__":
    main()
