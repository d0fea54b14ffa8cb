from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from plumbline.analysis.cluster import ClusterInput, StoryClusterer
from plumbline.ingest.dedupe import minhash_bytes
from plumbline.models import OpenStory

T0 = datetime(2020, 6, 1, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def _clusterer() -> StoryClusterer:
    return StoryClusterer(threshold=0.6, window=timedelta(hours=72), near_duplicate=0.8)


def _input(article_id: int, vector: np.ndarray, hours: float = 0, text: str = "") -> ClusterInput:
    return ClusterInput(
        article_id,
        vector,
        T0 + timedelta(hours=hours),
        article_id,
        minhash_bytes(text) if text else None,
    )


def test_similar_articles_share_a_story_and_others_start_new_ones() -> None:
    batch = [_input(1, _unit(1, 0.1)), _input(2, _unit(1, 0.2)), _input(3, _unit(0, 1))]
    decisions = _clusterer().assign(batch, [], lambda _id: [])
    story = {d.article_id: d.story_id for d in decisions}
    assert story[1] == story[2] != story[3]
    assert all(s < 0 for s in story.values())  # new stories get provisional ids


def test_article_joins_an_open_story_but_not_a_closed_one() -> None:
    open_story = OpenStory(7, _unit(1, 0), 3, T0)
    [joined] = _clusterer().assign(
        [_input(1, _unit(1, 0.05), hours=10)], [open_story], lambda _id: []
    )
    assert joined.story_id == 7
    [late] = _clusterer().assign(
        [_input(2, _unit(1, 0.05), hours=200)], [open_story], lambda _id: []
    )
    assert late.story_id < 0


def test_centroid_moves_toward_new_members() -> None:
    open_story = OpenStory(7, _unit(1, 0), 1, T0)
    [d] = _clusterer().assign([_input(1, _unit(0.8, 0.6), hours=1)], [open_story], lambda _id: [])
    assert 0 < d.centroid[1] < 0.6
    assert abs(np.linalg.norm(d.centroid) - 1) < 1e-5


def test_wire_copies_are_linked_not_dropped() -> None:
    text = (
        "Officials said the bridge would reopen on Friday after inspectors found no structural "
        "damage from the collision, which closed two lanes during the morning rush hour."
    )
    batch = [
        _input(1, _unit(1, 0), text=text),
        _input(2, _unit(1, 0.01), hours=1, text="AP - " + text),
    ]
    decisions = _clusterer().assign(batch, [], lambda _id: [])
    assert decisions[1].near_duplicate_of == 1
    assert decisions[0].story_id == decisions[1].story_id


def test_a_long_running_topic_does_not_swallow_later_events() -> None:
    clusterer = StoryClusterer(
        threshold=0.6, window=timedelta(hours=72), near_duplicate=0.8, max_span=timedelta(days=5)
    )
    batch = [_input(i, _unit(1, 0.01 * i), hours=48 * i) for i in range(5)]
    decisions = clusterer.assign(batch, [], lambda _id: [])
    stories = [d.story_id for d in decisions]
    assert stories[0] == stories[1] == stories[2]  # days 0, 2 and 4
    assert stories[3] != stories[0]  # day 6 is past the five-day span


def test_an_undated_article_needs_the_stricter_undated_threshold() -> None:
    def story_of(item: ClusterInput) -> tuple[int, int]:
        clusterer = StoryClusterer(
            threshold=0.5, threshold_undated=0.9, window=timedelta(hours=72), near_duplicate=0.8
        )
        first = clusterer.assign([_input(1, _unit(1, 0))], [], lambda _id: [])[0].story_id
        return first, clusterer.assign([item], None, lambda _id: [])[0].story_id

    first, joined = story_of(_input(2, _unit(1, 0.6)))  # dated, cosine 0.86 >= 0.5
    assert joined == first
    first, alone = story_of(ClusterInput(2, _unit(1, 0.6), None, 2, None))  # undated
    assert alone != first  # 0.86 < 0.9: a story of its own
