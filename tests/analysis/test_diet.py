"""The news diet's arithmetic: stories split between sides by their outlets, articles
counted for their outlet's side, the rarely read sides and topics, "the other side" and
the weeks."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from plumbline.analysis.diet import describe, news_diet, side_weights
from plumbline.models import ArticleRecord, ArticleState, Lean, LeanMix, StorySummary

MONDAY = datetime(2026, 11, 30, 9, tzinfo=UTC)  # a Monday


def story(id: int, left: int, center: int, right: int, topics: list[str]) -> StorySummary:
    return StorySummary(
        id=id, slug=f"{id}-s", headline=f"Story {id}", lead="", n_articles=left + center + right,
        n_outlets=left + center + right, first_published=None, last_published=None,
        updated_at=MONDAY, lean_mix=LeanMix(left, center, right, 0), bias_score=None,
        topics=topics,
    )  # fmt: skip


def article(id: int, outlet: str, lean: Lean) -> ArticleRecord:
    return ArticleRecord(
        id=id, url=f"https://{outlet}.example/{id}", canonical_url="", title="", text="",
        state=ArticleState.CLUSTERED, outlet_slug=outlet, outlet_name=outlet.title(),
        outlet_lean=lean, published=None, fetched_at=MONDAY,
    )  # fmt: skip


def day(n: int) -> datetime:
    """Day n of the reading: day 1 is Monday 30 Nov 2026, day 8 the next Monday."""
    return MONDAY + timedelta(days=n - 1)


def test_a_story_splits_between_the_sides_by_its_rated_outlets() -> None:
    assert side_weights(story(1, 2, 0, 1, [])) == pytest.approx(
        {Lean.LEFT: 2 / 3, Lean.CENTER: 0.0, Lean.RIGHT: 1 / 3}
    )
    assert side_weights(story(2, 0, 0, 0, [])) == {}  # only unrated outlets: no side


def test_a_left_reader_sees_right_rarely_read_and_the_other_side_of_their_stories() -> None:
    reads = [
        (story(1, 3, 0, 0, ["elections"]), day(1)),
        (story(2, 2, 1, 0, ["elections"]), day(2)),
        (story(3, 2, 1, 1, ["economy"]), day(3)),  # the one right-covered story read
        (story(4, 3, 0, 0, ["elections"]), day(8)),
    ]
    opened = [
        (article(10, "left-daily", Lean.LEFT), day(2)),
        (article(11, "left-daily", Lean.LEFT), day(8)),
        (article(12, "center-wire", Lean.CENTER), day(8)),
    ]
    site = {"elections": 50, "economy": 30, "healthcare": 20}
    diet = news_diet(reads, opened, site, "browser")
    left, center, right = diet.sides
    assert (left.side, center.side, right.side) == (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
    assert left.weight == pytest.approx(1 + 2 / 3 + 0.5 + 1 + 2, abs=0.01)  # rounded
    assert center.weight == pytest.approx(1 / 3 + 0.25 + 1, abs=0.01)
    assert right.weight == pytest.approx(0.25)
    assert sum(s.share for s in diet.sides) == pytest.approx(1.0)
    assert (left.stories, center.stories, right.stories) == (4, 2, 1)
    assert (left.opened, center.opened, right.opened) == (2, 1, 0)
    assert diet.rare_sides == [Lean.RIGHT]
    assert [(o.story.id, o.side, o.outlets) for o in diet.other_side] == [(3, Lean.RIGHT, 1)]
    assert [(o.slug, o.opened) for o in diet.outlets] == [("left-daily", 2), ("center-wire", 1)]
    assert [(t.slug, t.stories) for t in diet.topics] == [("elections", 3), ("economy", 1)]
    assert diet.topics[0].share == pytest.approx(0.75) and diet.topics[0].site_share == 0.5
    assert [t.slug for t in diet.rare_topics] == ["healthcare"]  # 20% of the site, none of theirs
    assert [w.week for w in diet.weeks] == [date(2026, 11, 30), date(2026, 12, 7)]
    assert [(w.stories, w.opened) for w in diet.weeks] == [(3, 1), (1, 2)]
    assert diet.weeks[1].left == 2.0 and diet.weeks[1].center == 1.0  # story 4, two opens
    assert (diet.stories_read, diet.articles_opened) == (4, 3)
    assert diet.first == day(1) and diet.last == day(8)
    assert [s.id for s in diet.recent] == [4, 3, 2, 1]  # the latest read first
    assert "4 stories read and 3 articles opened" in diet.summary
    assert "Little of your reading is from right-leaning outlets (4%)" in diet.summary


def test_a_balanced_reader_gets_no_rare_side_and_no_suggestion() -> None:
    reads = [(story(i, 1, 1, 1, []), day(i)) for i in range(1, 6)]
    diet = news_diet(reads, [], {}, "account")
    assert diet.rare_sides == [] and diet.other_side == []
    assert all(s.share == pytest.approx(1 / 3) for s in diet.sides)
    assert diet.rare_topics == [] and diet.topics == []


def test_too_little_reading_calls_nothing_rare() -> None:
    diet = news_diet([(story(1, 1, 0, 0, []), day(1))], [], {}, "browser")
    assert diet.sides[0].share == 1.0 and diet.rare_sides == [] and diet.other_side == []


def test_an_empty_diet_and_unrated_outlets() -> None:
    empty = news_diet([], [], {"elections": 3}, "off")
    assert empty.summary == "Nothing read yet." and empty.weeks == [] and empty.first is None
    assert all(s.share == 0 for s in empty.sides)
    assert describe(empty) == "Nothing read yet."
    unrated = news_diet([], [(article(1, "blog", Lean.UNRATED), day(1))], {}, "browser")
    assert unrated.articles_opened == 1 and all(s.weight == 0 for s in unrated.sides)
    assert unrated.outlets[0].lean == Lean.UNRATED
    assert unrated.weeks[0].opened == 1
