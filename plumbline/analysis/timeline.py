"""How a story's coverage grew, replayed from its articles (no history table needed: every
figure is recomputed from the articles as they arrived).

- Time of an article: its publication time, else when Plumbline fetched it (``dated`` says
  which). A publication time of exactly 00:00:00 UTC is read as a date without a time
  (``day_only``: what feeds and datasets that give only the day turn into). Articles are
  replayed in time order (ties by id); "who reported first" names every outlet at the
  earliest time, so articles that share a day are never ranked within it.
- After each article: the articles and outlets so far by the lean of their outlet (the
  story's lean mix at that moment, :func:`plumbline.analysis.story.lean_mix`'s rule: an
  outlet's lean is that of its first article) and the coverage score with the articles so
  far (:func:`plumbline.analysis.story.coverage_score`: each outlet once, near-duplicate
  wire copies left out). How the score *moved* (``score_low`` … ``score_last``) is read at
  each distinct time only, after every article of that time.
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
        name = article.outlet_name or article.outlet_slug or "Unknown outlet"
        earlier = next((j for j in joined if j.side is side), None)
        new_side = new_outlet and side in SIDES and (earlier is None or earlier.when == when)
        if new_side and earlier is None:
            first = article_time(ordered[0])
            hours = round((when - first).total_seconds() / 3600, 1)
            joined.append(SideJoined(side, when, name, [name], hours, _same_time(first, when)))
        elif new_side and earlier is not None:
            earlier.outlets.append(name)  # another outlet of the side at the same time
        so_far.append(article)
        steps.append(
            TimelineStep(
                when=when,
                dated=article.published is not None,
                day_only=article.published is not None and _day_only(when),
                added=_aware(article.joined or article.fetched_at),
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
    scores = [s.coverage_score for s in settled(steps) if s.coverage_score is not None]
    first_outlets = list(
        dict.fromkeys(s.outlet_name for s in steps if _same_time(steps[0].when, s.when))
    )
    timeline = StoryTimeline(
        story_id=story_id,
        slug=slug,
        steps=steps,
        sides=joined,
        missing_sides=[s for s in SIDES if all(j.side is not s for j in joined)],
        score_low=min(scores) if scores else None,
        score_high=max(scores) if scores else None,
        score_first=scores[0] if scores else None,
        score_last=scores[-1] if scores else None,
        first_outlets=first_outlets,
        summary="",
    )
    timeline.summary = describe(timeline)
    return timeline


def settled(steps: Sequence[TimelineStep]) -> list[TimelineStep]:
    """The last step of each distinct time: how the story stood once every article of that
    moment (or day) was in. Articles that share a time arrive together, so their order among
    themselves must not show as the score moving."""
    return [s for i, s in enumerate(steps) if i + 1 == len(steps) or steps[i + 1].when != s.when]


def _day_only(when: datetime) -> bool:
    return when.hour == when.minute == when.second == when.microsecond == 0


def _same_time(first: datetime, when: datetime) -> bool:
    """At the same moment, or on the same day when either carries only its day (a date
    without a time cannot be ordered within its day)."""
    if _day_only(first) or _day_only(when):
        return first.date() == when.date()
    return when == first


def _names(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _few(names: Sequence[str], most: int = 3) -> str:
    """Up to `most` names, and how many more: "A, B, C and 2 more"."""
    shown = list(names[:most])
    more = len(names) - len(shown)
    return _names([*shown, f"{more} more"] if more else shown)


def _date(when: datetime, day_only: bool) -> str:
    return when.strftime("%-d %b %Y") if day_only else when.strftime("%-d %b %Y, %H:%M UTC")


def _later(joined: SideJoined, first: datetime) -> str:
    if _day_only(first) or _day_only(joined.when):
        days = (joined.when.date() - first.date()).days
        return "the next day" if days == 1 else f"{days} days later"
    seconds = (joined.when - first).total_seconds()
    if seconds < 3600:
        minutes = max(1, round(seconds / 60))
        return f"{minutes} minute{'s' if minutes != 1 else ''} later"
    if seconds < 48 * 3600:
        hours = round(seconds / 3600)
        return f"{hours} hour{'s' if hours != 1 else ''} later"
    return f"{round(seconds / 86400)} days later"


def describe(timeline: StoryTimeline) -> str:
    """The timeline in plain sentences: who reported first and when, when each side
    joined, the sides missing, and how the coverage score moved."""
    first = timeline.first
    if first is None:
        return ""
    when = _date(first.when, first.day_only)
    if not first.dated:
        when += " (when Plumbline found it; the outlet gave no date)"
    if len(timeline.first_outlets) == 1:
        parts = [f"First reported by {first.outlet_name} on {when}."]
    else:
        parts = [f"First reported on {when} by {_few(timeline.first_outlets, 4)}."]
        tied = [s for s in timeline.steps if _same_time(first.when, s.when)]
        if any(s.day_only for s in tied):
            who = "the outlets give" if all(s.day_only for s in tied) else "some outlets give"
            parts[0] = parts[0][:-1] + f" ({who} only the day)."
    start = [s.value for s in SIDES if any(j.side is s and j.from_start for j in timeline.sides)]
    later = [
        f"the {j.side.value} joined {_later(j, first.when)} ({_few(j.outlets)})"
        for j in timeline.sides
        if not j.from_start
    ]
    sides = []
    if start:
        sides.append(
            f"the {_names(start)} covered it from the {'first day' if first.day_only else 'start'}"
        )
    sides += later
    if sides:
        sentence = "; ".join(sides)
        parts.append(sentence[0].upper() + sentence[1:] + ".")
    if timeline.missing_sides:
        missing = _names([s.value for s in timeline.missing_sides]).replace(" and ", " or ")
        parts.append(f"No {missing} outlet has covered it yet.")
    low, high = timeline.score_low, timeline.score_high
    moments = len({step.when for step in timeline.steps})
    if low is not None and high is not None and moments > 1:
        if high - low >= 1:
            parts.append(
                f"The coverage score moved between {low:.0f} and {high:.0f} as outlets joined."
            )
        else:
            parts.append(f"The coverage score held at {low:.0f} as outlets joined.")
    return " ".join(parts)


def new_since(timeline: StoryTimeline, seen: datetime) -> list[TimelineStep]:
    """The steps that joined the story after a reader's last visit at `seen` (by when the
    article was placed in the story, so a late-found article published earlier counts)."""
    seen = _aware(seen)
    return [step for step in timeline.steps if step.added > seen]
