"""Story-level figures: source-weighted coverage score, interval, outlets, lean mix,
blindspot and the low-confidence flag, on hand-built articles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from plumbline.analysis.story import (
    BLINDSPOT_SHARE,
    blindspot,
    coverage_score,
    lean_mix,
    outlet_scores,
    score_interval,
    story_stats,
    t_quantile,
)
from plumbline.models import (
    ArticleAnalysis,
    ArticleRecord,
    ArticleState,
    Lean,
    LeanMix,
    LeanScores,
)

_NEXT_ID = iter(range(1, 10_000))


def article(
    outlet: str | None,
    lean: Lean = Lean.UNRATED,
    score: float | None = 50.0,
    *,
    words: int = 300,
    duplicate_of: int | None = None,
    with_analysis: bool = True,
) -> ArticleRecord:
    article_id = next(_NEXT_ID)
    analysis = (
        ArticleAnalysis(
            sentences=[],
            bias_score=score,
            lean=LeanScores(1 / 3, 1 / 3, 1 / 3),
            loaded_phrases=[],
            word_count=words,
        )
        if with_analysis
        else None
    )
    return ArticleRecord(
        id=article_id,
        url=f"https://example.org/{article_id}",
        canonical_url=f"https://example.org/{article_id}",
        title="A title",
        text="word " * words,
        state=ArticleState.CLUSTERED,
        outlet_slug=outlet,
        outlet_name=outlet,
        outlet_lean=lean,
        published=datetime(2024, 5, 1, tzinfo=UTC),
        fetched_at=datetime(2024, 5, 1, tzinfo=UTC),
        duplicate_of=duplicate_of,
        bias_score=score,
        analysis=analysis,
    )


def test_coverage_score_counts_each_outlet_once() -> None:
    articles = [article("a", score=10), article("a", score=30), article("b", score=80)]
    assert coverage_score(articles) == 50.0  # mean(20, 80), not mean(10, 30, 80)


def test_coverage_score_skips_near_duplicates_and_unscored() -> None:
    first = article("a", score=20)
    articles = [first, article("b", score=90, duplicate_of=first.id), article("c", score=None)]
    assert coverage_score(articles) == 20.0


def test_coverage_score_is_none_without_scores() -> None:
    assert coverage_score([article("a", score=None)]) is None
    assert coverage_score([]) is None


def test_articles_without_outlet_are_outlets_of_their_own() -> None:
    scores = outlet_scores([article(None, score=10), article(None, score=30)])
    assert sorted(scores.values()) == [10, 30]


def test_lean_mix_counts_outlets_not_articles() -> None:
    articles = [
        article("a", Lean.LEFT),
        article("a", Lean.LEFT),
        article("b", Lean.RIGHT),
        article("c", Lean.CENTER),
        article(None),
    ]
    assert lean_mix(articles) == LeanMix(left=1, center=1, right=1, unrated=1)


def test_blindspot_names_the_side_that_covers_it() -> None:
    spot = blindspot(LeanMix(left=4, center=1, right=0, unrated=7))
    assert spot is not None
    assert spot.side is Lean.LEFT
    assert spot.share == 0.8
    assert spot.description == "covered almost only by the left (4 of 5 rated outlets)"


def test_blindspot_on_the_right() -> None:
    spot = blindspot(LeanMix(left=0, center=0, right=3, unrated=0))
    assert spot is not None and spot.side is Lean.RIGHT
    assert spot.description.startswith("covered almost only by the right")


def test_no_blindspot_below_three_rated_outlets() -> None:
    assert blindspot(LeanMix(left=2, center=0, right=0, unrated=10)) is None


def test_no_blindspot_below_the_share() -> None:
    mix = LeanMix(left=3, center=1, right=0, unrated=0)  # 75%
    assert BLINDSPOT_SHARE > 3 / 4
    assert blindspot(mix) is None


def test_t_quantile_table_and_tail() -> None:
    assert t_quantile(1) == 12.706
    assert t_quantile(30) == 2.042
    assert t_quantile(60) == pytest.approx(2.000, abs=0.003)
    assert t_quantile(10_000) == pytest.approx(1.96, abs=0.001)
    with pytest.raises(ValueError):
        t_quantile(0)


def test_interval_none_for_one_outlet() -> None:
    assert score_interval([42.0]) is None


def test_interval_is_a_t_interval_around_the_mean() -> None:
    low, high = score_interval([40.0, 50.0, 60.0]) or (0.0, 0.0)
    # mean 50, sd 10, n 3: half-width 4.303 * 10 / sqrt(3) = 24.84
    assert (low, high) == (25.2, 74.8)


def test_interval_is_clipped_to_the_scale() -> None:
    assert score_interval([1.0, 60.0]) == (0.0, 100.0)


def test_interval_narrows_with_more_outlets() -> None:
    few = score_interval([40.0, 60.0, 50.0])
    many = score_interval([40.0, 60.0, 50.0] * 5)
    assert few is not None and many is not None
    assert many[1] - many[0] < few[1] - few[0]


def test_story_stats_flags_few_outlets() -> None:
    stats = story_stats([article("a", Lean.LEFT, 30), article("b", Lean.RIGHT, 50)])
    assert stats.low_confidence
    assert stats.low_confidence_reasons == ["fewer than 3 outlets with a score (2)"]
    assert stats.coverage_score == 40.0
    assert stats.interval is not None


def test_story_stats_flags_little_scored_text() -> None:
    articles = [article(slug, score=40, words=100) for slug in "abc"]
    stats = story_stats(articles)
    assert stats.scored_words == 300
    assert stats.low_confidence_reasons == ["fewer than 500 words of scored text (300)"]


def test_story_stats_confident_story() -> None:
    articles = [
        article("a", Lean.LEFT, 30),
        article("b", Lean.LEFT, 34),
        article("c", Lean.LEFT, 38),
        article("d", Lean.LEFT, 32),
        article("d", Lean.LEFT, 36, duplicate_of=1),
    ]
    stats = story_stats(articles)
    assert not stats.low_confidence
    assert stats.n_articles == 5
    assert stats.n_outlets == 4
    assert stats.n_scored_outlets == 4
    assert stats.scored_words == 1200  # the duplicate's words are not scored text
    assert stats.blindspot is not None and stats.blindspot.side is Lean.LEFT


def test_story_stats_counts_words_from_text_without_analysis() -> None:
    stats = story_stats([article("a", words=20, with_analysis=False)])
    assert stats.scored_words == 20


def test_story_stats_of_an_empty_story() -> None:
    stats = story_stats([])
    assert stats.coverage_score is None
    assert stats.interval is None
    assert stats.n_outlets == 0
    assert stats.blindspot is None
    assert stats.low_confidence
