"""Merge and split plans over hand-made unit vectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from plumbline.analysis.restructure import StoryShape, mean_direction, plan_merges, plan_split

DAY = datetime(2024, 3, 1, tzinfo=UTC)


def unit(*values: float) -> np.ndarray:
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def shape(id: int, vector: np.ndarray, n: int = 2, day: int = 0) -> StoryShape:
    when = DAY + timedelta(days=day)
    return StoryShape(id, vector, n, when, when + timedelta(hours=6))


def test_similar_stories_merge_into_the_larger() -> None:
    stories = [shape(1, unit(1, 0.05, 0), n=2), shape(2, unit(1, 0, 0), n=5)]
    merges = plan_merges([1], stories, threshold=0.9, window=timedelta(days=3))
    assert [(m.source, m.target) for m in merges] == [(1, 2)]
    assert merges[0].similarity > 0.99


def test_equal_sizes_keep_the_older_story() -> None:
    stories = [shape(7, unit(1, 0, 0), n=3), shape(4, unit(1, 0.01, 0), n=3)]
    merges = plan_merges([7], stories, threshold=0.9, window=timedelta(days=3))
    assert [(m.source, m.target) for m in merges] == [(7, 4)]


def test_different_events_do_not_merge() -> None:
    stories = [shape(1, unit(1, 0, 0)), shape(2, unit(0.5, 1, 0))]
    assert plan_merges([1, 2], stories, threshold=0.8, window=timedelta(days=3)) == []


def test_stories_far_apart_in_time_do_not_merge() -> None:
    stories = [shape(1, unit(1, 0, 0), day=0), shape(2, unit(1, 0, 0), day=10)]
    assert plan_merges([1], stories, threshold=0.8, window=timedelta(days=3)) == []


def test_undated_stories_are_judged_by_content() -> None:
    undated = StoryShape(2, unit(1, 0, 0), 1, None, None)
    merges = plan_merges(
        [2], [shape(1, unit(1, 0, 0)), undated], threshold=0.8, window=timedelta(days=1)
    )
    assert [(m.source, m.target) for m in merges] == [(2, 1)]


def test_a_group_of_stories_merges_into_its_largest() -> None:
    stories = [
        shape(1, unit(1, 0, 0), n=1),
        shape(2, unit(1, 0.01, 0), n=4),
        shape(3, unit(1, 0.02, 0), n=1),
        shape(4, unit(0, 1, 0), n=9),
    ]
    merges = plan_merges([1, 3], stories, threshold=0.9, window=timedelta(days=3))
    assert sorted((m.source, m.target) for m in merges) == [(1, 2), (3, 2)]


def test_untouched_or_single_stories_give_no_plan() -> None:
    assert (
        plan_merges(
            [], [shape(1, unit(1, 0)), shape(2, unit(1, 0))], threshold=0.5, window=timedelta(1)
        )
        == []
    )
    assert plan_merges([1], [shape(1, unit(1, 0))], threshold=0.5, window=timedelta(1)) == []


def _group(centre: np.ndarray, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    points = centre + rng.normal(0, 0.05, size=(n, len(centre)))
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


def test_a_drifted_story_splits_and_the_larger_part_stays() -> None:
    vectors = np.vstack([_group(unit(1, 0, 0, 0), 5, 0), _group(unit(0, 1, 0, 0), 3, 1)])
    split = plan_split(9, list(range(10, 18)), vectors, threshold=0.5, min_part=3)
    assert split is not None
    assert split.story == 9 and split.moved == (15, 16, 17)
    assert split.similarity < 0.5


def test_a_coherent_story_does_not_split() -> None:
    vectors = _group(unit(1, 0, 0, 0), 10, 2)
    assert plan_split(1, list(range(10)), vectors, threshold=0.5, min_part=3) is None


def test_a_tiny_outlier_group_does_not_split_off() -> None:
    vectors = np.vstack([_group(unit(1, 0, 0, 0), 6, 3), _group(unit(0, 1, 0, 0), 2, 4)])
    assert plan_split(1, list(range(8)), vectors, threshold=0.5, min_part=3) is None


def test_split_needs_enough_members_and_matching_rows() -> None:
    vectors = _group(unit(1, 0, 0, 0), 4, 5)
    assert plan_split(1, [1, 2, 3, 4], vectors, threshold=0.99, min_part=3) is None
    assert plan_split(1, [1, 2], vectors, threshold=0.5, min_part=1) is None


def test_identical_members_do_not_split() -> None:
    vectors = np.tile(unit(1, 0, 0), (8, 1)).astype(np.float32)
    assert plan_split(1, list(range(8)), vectors, threshold=0.5, min_part=2) is None


def test_mean_direction_is_unit_length() -> None:
    centroid = mean_direction(np.vstack([unit(1, 0), unit(0, 1)]).astype(np.float32))
    assert np.isclose(np.linalg.norm(centroid), 1.0)
    assert np.allclose(centroid, unit(1, 1))
