"""Related-story ranking: similarity first, shared topics and entities, time, exclusions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from plumbline.analysis.related import (
    AGE_WEIGHT,
    MIN_SIMILARITY,
    RelatedPool,
    StoryFeatures,
    age_penalty,
    overlap,
    score,
)

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def unit(*values: float) -> np.ndarray:  # type: ignore[type-arg]
    v = np.zeros(8, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def story(id: int, vector: np.ndarray, **kw: object) -> StoryFeatures:  # type: ignore[type-arg]
    return StoryFeatures(id, vector, **kw)  # type: ignore[arg-type]


def test_most_similar_first_and_never_itself() -> None:
    me = story(1, unit(1, 0))
    pool = RelatedPool([me, story(2, unit(1, 0.3)), story(3, unit(1, 0.8)), story(4, unit(0, 1))])
    ranked = pool.rank(me)
    assert [r.id for r in ranked] == [2, 3]  # 4 is below the minimum similarity
    assert all(r.similarity >= MIN_SIMILARITY for r in ranked)


def test_excluded_ids_are_left_out() -> None:
    me = story(1, unit(1, 0))
    pool = RelatedPool([story(2, unit(1, 0.1)), story(3, unit(1, 0.2))])
    assert [r.id for r in pool.rank(me, exclude=[2])] == [3]


def test_shared_topics_and_entities_break_ties() -> None:
    me = story(1, unit(1, 0), topics=("guns",), entities=frozenset({"nra"}))
    plain = story(2, unit(1, 0.5))
    same_topic = story(3, unit(1, 0.5), topics=("guns", "congress"))
    same_both = story(4, unit(1, 0.5), topics=("guns",), entities=frozenset({"nra"}))
    ranked = RelatedPool([plain, same_topic, same_both]).rank(me)
    assert [r.id for r in ranked] == [4, 3, 2]
    assert ranked[0].shared_topics == ("guns",)


def test_closer_in_time_wins_at_equal_similarity() -> None:
    me = story(1, unit(1, 0), when=DAY)
    near = story(2, unit(1, 0.4), when=DAY + timedelta(days=1))
    far = story(3, unit(1, 0.4), when=DAY - timedelta(days=200))
    assert [r.id for r in RelatedPool([far, near]).rank(me)] == [2, 3]


def test_score_terms() -> None:
    assert overlap([], []) == 0.0
    assert overlap(["a", "b"], ["b", "c"]) == 1 / 3
    assert age_penalty(DAY, None) == 0.0
    assert age_penalty(DAY, DAY) == 0.0
    assert age_penalty(DAY, DAY + timedelta(days=3650)) == AGE_WEIGHT
    a = story(1, unit(1), topics=("x",), when=DAY)
    b = story(2, unit(1), topics=("x", "y"), when=DAY + timedelta(days=9))
    assert score(a, b, 0.7) == score(b, a, 0.7)  # symmetric: stored both ways


def test_limit_and_empty_pool() -> None:
    me = story(1, unit(1, 0))
    assert RelatedPool().rank(me) == []
    pool = RelatedPool(story(i, unit(1, i / 100)) for i in range(2, 30))
    assert len(pool.rank(me, limit=3)) == 3
    assert pool.rank(me, limit=0) == []


def test_upsert_replaces_and_remove_forgets() -> None:
    me = story(1, unit(1, 0))
    pool = RelatedPool([story(2, unit(1, 0))])
    pool.upsert(story(2, unit(0, 1)))  # the story drifted away
    assert len(pool) == 1 and pool.rank(me) == []
    pool.upsert(story(3, unit(1, 0.1)))
    pool.remove(2)
    pool.remove(99)
    assert 2 not in pool and [r.id for r in pool.rank(me)] == [3]


def test_unusable_centroids_are_ignored() -> None:
    nan = np.full(8, np.nan, dtype=np.float32)
    pool = RelatedPool([story(2, unit(1)), story(3, nan), story(4, np.ones(3, dtype=np.float32))])
    assert len(pool) == 1
    assert pool.rank(story(1, nan)) == []
    assert pool.rank(story(1, np.ones(5, dtype=np.float32))) == []
    assert pool.rank(story(1, np.zeros(0, dtype=np.float32))) == []
