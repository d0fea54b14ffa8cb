"""How a story's coverage grew, replayed from its articles (no history table needed: every
figure is recomputed from the articles as they arrived).

- Time of an article: its publication time, else when Plumbline fetched it (``dated`` says
  which). Articles are replayed in that order (ties by id); the first is "who reported
  first".
- After each article: the articles and outlets so far by the lean of their outlet (the
  story's lean mix at that moment, :func:`plumbline.analysis.story.lean_mix`'s rule: an
  outlet's lean is that of its first article) and the coverage score with the articles so
  far (:func:`plumbline.analysis.story.coverage_score`: each outlet once, near-duplicate
  wire copies left out).
- A side *joins* with its first outlet; unrated outlets join no side.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from plumbline.analysis.story import coverage_score, outlet_key
from plumbline.models import (
    ArticleRecord,
    Lean,
    LeanMix,
    SideJoined,
    StoryTimeline,
    TimelineStep,
)

SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def article_time(article: ArticleRecord) -> datetime:
    """When an article entered the coverage: published, else fetched (always aware)."""
    return _aware(article.published or article.fetched_at)


def _mix(counts: dict[Lean, int]) -> LeanMix:
    return LeanMix(
        left=counts[Lean.LEFT],
        center=counts[Lean.CENTER],
        right=counts[Lean.RIGHT],
        unrated=counts[Lean.UNRATED],
    )


def _side(lean: Lean) -> Lean:
    return lean if lean in SIDES else Lean.UNRATED


def story_timeline(story_id: int, slug: str, articles: Sequence[ArticleRecord]) -> StoryTimeline:
    """The story's coverage, article by article (see the module docstring)."""
    ordered = sorted(articles, key=lambda a: (article_time(a), a.id))
    article_counts = dict.fromkeys((*SIDES, Lean.UNRATED), 0)
    outlet_counts = dict.fromkeys((*SIDES, Lean.UNRATED), 0)
    outlet_sides: dict[str, Lean] = {}
    steps: list[TimelineStep] = []
    joined: list[SideJoined] = []
    so_far: list[ArticleRecord] = []
    for article in ordered:
        key = outlet_key(article)
        new_outlet = key not in outlet_sides
        if new_outlet:
            outlet_sides[key] = _side(article.outlet_lean)
            outlet_counts[outlet_sides[key]] += 1
        side = outlet_sides[key]
        article_counts[side] += 1
        when = article_time(article)
        new_side = new_outlet and side in SIDES and all(j.side is not side for j in joined)
        name = article.outlet_name or article.outlet_slug or "Unknown outlet"
        if new_side:
            first = article_time(ordered[0])
            hours = round((when - first).total_seconds() / 3600, 1)
            joined.append(SideJoined(side, when, name, hours))
        so_far.append(article)
        steps.append(
            TimelineStep(
                when=when,
                dated=article.published is not None,
                added=_aware(article.fetched_at),
                article_id=article.id,
                title=article.title,
                outlet_name=name,
                outlet_slug=article.outlet_slug,
                side=side,
                new_outlet=new_outlet,
                new_side=new_side,
                articles=_mix(article_counts),
                outlets=_mix(outlet_counts),
                coverage_score=coverage_score(so_far),
                duplicate=article.duplicate_of is not None,
            )
        )
    scores = [s.coverage_score for s in steps if s.coverage_score is not None]
    return StoryTimeline(
        story_id=story_id,
        slug=slug,
        steps=steps,
        sides=joined,
        missing_sides=[s for s in SIDES if all(j.side is not s for j in joined)],
        score_low=min(scores) if scores else None,
        score_high=max(scores) if scores else None,
        score_first=scores[0] if scores else None,
        score_last=scores[-1] if scores else None,
    )


def new_since(timeline: StoryTimeline, seen: datetime) -> list[TimelineStep]:
    """The steps Plumbline added after a reader's last visit at `seen` (by when the
    article was fetched, so a late-found article that was published earlier counts)."""
    seen = _aware(seen)
    return [step for step in timeline.steps if step.added > seen]
