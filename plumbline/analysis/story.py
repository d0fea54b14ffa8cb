"""Story-level figures from a story's articles: coverage score and its uncertainty, outlets,
lean mix and blindspot.

- Outlets: an article's outlet is its `outlet_slug`; an article without one counts as an
  outlet of its own ("article-<id>"), as in storage's story counts. Every article of the
  story counts for the outlets and the lean mix, near-duplicate wire copies included (an
  outlet that runs a wire copy covers the story).
- Coverage score: source-weighted. Each outlet counts once, as the mean bias score of its
  scored articles that are not near-duplicates of another; the story's score is the mean
  over those outlets.
- Interval: a 95% Student-t interval of that mean over outlets (n-1 degrees of freedom),
  clipped to 0-100. It says how much the score could move with another set of outlets of
  the same kind; with one scored outlet there is none.
- Low confidence: fewer than MIN_OUTLETS scored outlets, or fewer than MIN_SCORED_WORDS
  words of scored text.
- Blindspot: at least BLINDSPOT_MIN_OUTLETS outlets with a known lean, and one side has at
  least BLINDSPOT_SHARE of them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import fmean, stdev

from plumbline.models import ArticleRecord, Blindspot, Lean, LeanMix, StoryStats

MIN_OUTLETS = 3
MIN_SCORED_WORDS = 500
BLINDSPOT_MIN_OUTLETS = 3
BLINDSPOT_SHARE = 0.8
CONFIDENCE = 0.95

# Two-sided 95% quantiles of Student's t for 1-30 degrees of freedom (beyond 30 a
# first-order expansion around 1.96 is within 0.003).
_T95 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def outlet_key(article: ArticleRecord) -> str:
    return article.outlet_slug or f"article-{article.id}"


def outlet_scores(articles: Sequence[ArticleRecord]) -> dict[str, float]:
    """Each outlet's mean bias score over its scored, non-duplicate articles."""
    by_outlet: dict[str, list[float]] = {}
    for article in articles:
        if article.bias_score is not None and article.duplicate_of is None:
            by_outlet.setdefault(outlet_key(article), []).append(article.bias_score)
    return {outlet: fmean(scores) for outlet, scores in by_outlet.items()}


def coverage_score(articles: Sequence[ArticleRecord]) -> float | None:
    """Source-weighted coverage bias: each outlet counts once (the mean of its articles),
    and the story's score is the mean over outlets."""
    scores = outlet_scores(articles)
    return round(fmean(scores.values()), 1) if scores else None


def t_quantile(df: int) -> float:
    """Two-sided 95% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        raise ValueError("degrees of freedom must be at least 1")
    if df <= len(_T95):
        return _T95[df - 1]
    z = 1.959964
    return z + (z**3 + z) / (4 * df)


def score_interval(outlet_means: Sequence[float]) -> tuple[float, float] | None:
    """95% t-interval of the mean of per-outlet scores, clipped to 0-100; None for fewer
    than two outlets."""
    n = len(outlet_means)
    if n < 2:
        return None
    centre = fmean(outlet_means)
    half = t_quantile(n - 1) * stdev(outlet_means) / math.sqrt(n)
    return (round(max(0.0, centre - half), 1), round(min(100.0, centre + half), 1))


def lean_mix(articles: Sequence[ArticleRecord]) -> LeanMix:
    """Outlets (not articles) by lean; an outlet's lean is that of its first article."""
    leans: dict[str, Lean] = {}
    for article in articles:
        leans.setdefault(outlet_key(article), article.outlet_lean)
    values = list(leans.values())
    return LeanMix(
        left=values.count(Lean.LEFT),
        center=values.count(Lean.CENTER),
        right=values.count(Lean.RIGHT),
        unrated=sum(1 for v in values if v not in (Lean.LEFT, Lean.CENTER, Lean.RIGHT)),
    )


_SIDE_NAMES = {Lean.LEFT: "the left", Lean.CENTER: "the center", Lean.RIGHT: "the right"}


def blindspot(mix: LeanMix) -> Blindspot | None:
    """A side with ≥ 80% of ≥ 3 outlets of known lean, or None."""
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    rated = sum(counts.values())
    if rated < BLINDSPOT_MIN_OUTLETS:
        return None
    side = max(counts, key=lambda s: counts[s])
    share = counts[side] / rated
    if share < BLINDSPOT_SHARE:
        return None
    return Blindspot(
        side=side,
        share=round(share, 3),
        n_rated=rated,
        description=(
            f"covered almost only by {_SIDE_NAMES[side]} ({counts[side]} of {rated} rated outlets)"
        ),
    )


def _words(article: ArticleRecord) -> int:
    if article.analysis is not None:
        return article.analysis.word_count
    return len(article.text.split())


def story_stats(articles: Sequence[ArticleRecord]) -> StoryStats:
    """Every story-level figure at once (see the module docstring)."""
    scores = outlet_scores(articles)
    scored_words = sum(
        _words(a) for a in articles if a.bias_score is not None and a.duplicate_of is None
    )
    mix = lean_mix(articles)
    reasons = []
    if len(scores) < MIN_OUTLETS:
        reasons.append(f"fewer than {MIN_OUTLETS} outlets with a score ({len(scores)})")
    if scored_words < MIN_SCORED_WORDS:
        reasons.append(f"fewer than {MIN_SCORED_WORDS} words of scored text ({scored_words})")
    return StoryStats(
        coverage_score=round(fmean(scores.values()), 1) if scores else None,
        interval=score_interval(list(scores.values())),
        n_articles=len(articles),
        n_outlets=len({outlet_key(a) for a in articles}),
        n_scored_outlets=len(scores),
        scored_words=scored_words,
        lean_mix=mix,
        blindspot=blindspot(mix),
        low_confidence=bool(reasons),
        low_confidence_reasons=reasons,
    )
