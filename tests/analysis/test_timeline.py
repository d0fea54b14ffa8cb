"""A story's coverage replayed article by article (analysis/timeline.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from plumbline.analysis.story import coverage_score
from plumbline.analysis.timeline import article_time, new_since, story_timeline
from plumbline.models import ArticleRecord, ArticleState, Lean

T0 = datetime(2020, 6, 1, 8, tzinfo=UTC)


def article(
    id: int,
    outlet: str | None,
    lean: Lean,
    hours: float | None,
    score: float | None = 40.0,
    *,
    fetched_hours: float | None = None,
    duplicate_of: int | None = None,
) -> ArticleRecord:
    fetched = T0 + timedelta(hours=fetched_hours if fetched_hours is not None else (hours or 0))
    return ArticleRecord(
        id=id,
        url=f"https://{outlet or 'x'}.example/{id}",
        canonical_url=f"https://{outlet or 'x'}.example/{id}",
        title=f"Article {id}",
        text="",
        state=ArticleState.CLUSTERED,
        outlet_slug=outlet,
        outlet_name=outlet.title() if outlet else None,
        outlet_lean=lean,
        published=None if hours is None else T0 + timedelta(hours=hours),
        fetched_at=fetched,
        story_id=7,
        bias_score=score,
        duplicate_of=duplicate_of,
    )


def test_replays_articles_in_time_order_and_names_who_was_first() -> None:
    articles = [
        article(3, "rightnews", Lean.RIGHT, 30, 60.0),
        article(1, "leftpost", Lean.LEFT, 0, 20.0),
        article(2, "leftdaily", Lean.LEFT, 2, 30.0),
        article(4, "leftpost", Lean.LEFT, 40, 40.0),
    ]
    timeline = story_timeline(7, "s", articles)
    assert [s.article_id for s in timeline.steps] == [1, 2, 3, 4]
    assert timeline.first is not None and timeline.first.outlet_name == "Leftpost"
    # sides join with their first outlet; the center never did
    assert [(j.side, j.hours_after_first, j.outlet_name) for j in timeline.sides] == [
        (Lean.LEFT, 0.0, "Leftpost"),
        (Lean.RIGHT, 30.0, "Rightnews"),
    ]
    assert timeline.first_outlets == ["Leftpost"]
    assert timeline.summary == (
        "First reported by Leftpost on 1 Jun 2020, 08:00 UTC. The left covered it from the "
        "start; the right joined 30 hours later (Rightnews). No center outlet has covered it "
        "yet. The coverage score moved between 20 and 40 as outlets joined."
    )
    assert timeline.missing_sides == [Lean.CENTER]
    assert [s.new_side for s in timeline.steps] == [True, False, True, False]
    assert [s.new_outlet for s in timeline.steps] == [True, True, True, False]
    # articles and outlets so far, by side
    last = timeline.steps[-1]
    assert (last.articles.left, last.articles.right) == (3, 1)
    assert (last.outlets.left, last.outlets.right) == (2, 1)


def test_coverage_score_moves_as_the_story_scores_it() -> None:
    articles = [
        article(1, "a", Lean.LEFT, 0, 20.0),
        article(2, "b", Lean.RIGHT, 1, 60.0),
        article(3, "a", Lean.LEFT, 2, 40.0),
        article(4, "c", Lean.CENTER, 3, None),  # not enough text: no score
    ]
    timeline = story_timeline(7, "s", articles)
    # each outlet counts once (outlet a: mean of 20 and 40), as the story's own score
    assert [s.coverage_score for s in timeline.steps] == [20.0, 40.0, 45.0, 45.0]
    assert timeline.steps[-1].coverage_score == coverage_score(articles)
    assert (timeline.score_low, timeline.score_high) == (20.0, 45.0)
    assert (timeline.score_first, timeline.score_last) == (20.0, 45.0)


def test_undated_articles_use_their_fetch_time_and_say_so() -> None:
    articles = [article(1, "a", Lean.LEFT, 5), article(2, "b", Lean.CENTER, None, fetched_hours=1)]
    timeline = story_timeline(7, "s", articles)
    assert [s.article_id for s in timeline.steps] == [2, 1]
    assert timeline.steps[0].dated is False and timeline.steps[1].dated is True
    assert article_time(articles[1]) == T0 + timedelta(hours=1)


def test_wire_copies_count_for_coverage_but_not_for_the_score() -> None:
    articles = [
        article(1, "a", Lean.LEFT, 0, 20.0),
        article(2, "b", Lean.RIGHT, 1, 90.0, duplicate_of=1),
    ]
    timeline = story_timeline(7, "s", articles)
    assert timeline.steps[1].duplicate and timeline.steps[1].new_side
    assert timeline.steps[1].coverage_score == 20.0


def test_unrated_outlets_join_no_side() -> None:
    articles = [article(1, None, Lean.UNRATED, 0), article(2, "x", Lean.UNRATED, 1)]
    timeline = story_timeline(7, "s", articles)
    assert timeline.sides == [] and timeline.missing_sides == [Lean.LEFT, Lean.CENTER, Lean.RIGHT]
    assert timeline.steps[-1].outlets.unrated == 2
    assert timeline.first is not None and timeline.first.outlet_name == "Unknown outlet"


def test_new_since_counts_what_plumbline_found_after_the_visit() -> None:
    # article 3 was published before the visit but found after it: it is new to the reader
    articles = [
        article(1, "a", Lean.LEFT, 0),
        article(2, "b", Lean.RIGHT, 10),
        article(3, "c", Lean.CENTER, 1, fetched_hours=12),
    ]
    timeline = story_timeline(7, "s", articles)
    seen = T0 + timedelta(hours=11)
    assert [s.article_id for s in new_since(timeline, seen)] == [3]
    assert new_since(timeline, seen.replace(tzinfo=None)) == new_since(timeline, seen)
    assert new_since(timeline, T0 + timedelta(hours=20)) == []


def test_an_empty_story_has_an_empty_timeline() -> None:
    timeline = story_timeline(7, "s", [])
    assert timeline.steps == [] and timeline.first is None and timeline.score_low is None


def test_articles_that_share_a_day_are_not_ranked_within_it() -> None:
    # dates without a time (00:00 UTC): the same day ties, whatever the import order
    day = T0.replace(hour=0)
    articles = [
        article(1, "a", Lean.LEFT, -8),  # 1 Jun 00:00
        article(2, "b", Lean.CENTER, -8),
        article(3, "c", Lean.RIGHT, 40),  # 3 Jun 00:00
    ]
    timeline = story_timeline(7, "s", articles)
    assert timeline.steps[0].when == day and timeline.steps[0].day_only
    assert timeline.first_outlets == ["A", "B"]
    assert [j.from_start for j in timeline.sides] == [True, True, False]
    assert timeline.summary.startswith(
        "First reported on 1 Jun 2020 by A and B (the outlets give only the day). The left "
        "and center covered it from the first day; the right joined 2 days later (C)."
    )
    # two outlets of a side on the day it joined both count as its first
    both = story_timeline(7, "s", [*articles, article(4, "d", Lean.RIGHT, 40)])
    assert both.sides[-1].outlets == ["C", "D"]
    assert [s.new_side for s in both.steps] == [True, True, True, True]
    assert "the right joined 2 days later (C and D)." in both.summary


def test_the_score_moves_only_between_distinct_times() -> None:
    # three outlets on one day: their order within the day is arbitrary, so no movement
    same_day = [
        article(1, "a", Lean.LEFT, -8, 10.0),
        article(2, "b", Lean.RIGHT, -8, 50.0),
        article(3, "c", Lean.CENTER, -8, 30.0),
    ]
    timeline = story_timeline(7, "s", same_day)
    assert (timeline.score_low, timeline.score_high) == (30.0, 30.0)
    assert "coverage score" not in timeline.summary
    assert "The left, center and right covered it from the first day." in timeline.summary
    later = [*same_day, article(4, "d", Lean.RIGHT, 16, 90.0)]  # the next day
    timeline = story_timeline(7, "s", later)
    assert (timeline.score_first, timeline.score_last) == (30.0, 45.0)
    assert timeline.summary.endswith(
        "The coverage score moved between 30 and 45 as outlets joined."
    )


def test_a_day_without_a_time_ties_with_the_timed_articles_of_that_day() -> None:
    mixed = [article(1, "a", Lean.LEFT, -8), article(2, "b", Lean.RIGHT, 0)]  # 00:00, 08:00
    timeline = story_timeline(7, "s", mixed)
    assert timeline.first_outlets == ["A", "B"]
    assert all(j.from_start for j in timeline.sides)
    assert "(some outlets give only the day)" in timeline.summary
    close = [article(1, "a", Lean.LEFT, 0), article(2, "b", Lean.RIGHT, 1 / 60)]
    assert "the right joined 1 minute later (B)" in story_timeline(7, "s", close).summary


def test_new_means_joined_the_story_after_the_visit() -> None:
    # fetched before the visit, placed in the story after it: new to the reader
    late = article(2, "b", Lean.RIGHT, 1, fetched_hours=1)
    late.joined = T0 + timedelta(hours=5)
    timeline = story_timeline(7, "s", [article(1, "a", Lean.LEFT, 0), late])
    assert [s.article_id for s in new_since(timeline, T0 + timedelta(hours=3))] == [2]
