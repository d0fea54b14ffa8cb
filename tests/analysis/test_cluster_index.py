from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from plumbline.analysis.cluster import ClusterInput, StoryClusterer, article_terms, entity_vector
from plumbline.analysis.story_index import ExactIndex, HnswIndex, make_index
from plumbline.ingest.dedupe import minhash_bytes
from plumbline.models import ClusterMember, OpenStory

T0 = datetime(2020, 6, 1, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def _random(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, 384)).astype(np.float32)
    unit: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return unit


@pytest.mark.parametrize("kind", ["exact", "hnsw"])
def test_index_finds_upserts_and_forgets_removed_keys(kind: str) -> None:
    index = make_index(kind, 384)  # type: ignore[arg-type]
    index.upsert(3, _unit(1, 0))
    index.upsert(8, _unit(0, 1))
    assert index.search(_unit(1, 0.1), 1)[0][0] == 3
    index.upsert(3, _unit(0, 0, 1))  # moved
    assert index.search(_unit(1, 0.1), 1)[0][0] == 8
    index.remove(8)
    index.remove(99)  # absent: no-op
    assert 8 not in index and len(index) == 1
    assert [k for k, _ in index.search(_unit(0, 1), 5)] == [3]


def test_hnsw_agrees_with_the_exact_scan() -> None:
    vectors = _random(3000)
    exact, hnsw = ExactIndex(384), HnswIndex(384)
    for key, v in enumerate(vectors):
        exact.upsert(key, v)
        hnsw.upsert(key, v)
    for key in range(0, 3000, 3):  # closed stories leave both
        exact.remove(key)
        hnsw.remove(key)
    queries = vectors[1::7] + _random(len(vectors[1::7]), seed=1) * 0.05
    agree = 0
    for q in queries:
        q = q / np.linalg.norm(q)
        (k1, s1), (k2, s2) = exact.search(q, 1)[0], hnsw.search(q, 1)[0]
        agree += k1 == k2
        assert s2 <= s1 + 1e-5
    assert agree / len(queries) >= 0.97


def test_exact_index_similarities_are_cosines_in_order() -> None:
    index = ExactIndex(384)
    for key, v in enumerate(_random(50)):
        index.upsert(key, v)
    q = _random(1, seed=5)[0]
    hits = index.search(q, 10)
    assert [s for _, s in hits] == sorted((s for _, s in hits), reverse=True)
    assert len(hits) == 10


def _clusterer(**options: object) -> StoryClusterer:
    return StoryClusterer(
        threshold=0.6,
        window=timedelta(hours=72),
        near_duplicate=0.8,
        **options,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("kind", ["exact", "hnsw"])
def test_clusterer_gives_the_same_stories_with_either_index(kind: str) -> None:
    centres = _random(40, seed=2)
    noise = _random(200, seed=3) * 0.4
    vectors = [
        (centres[i % 40] + noise[i]) / np.linalg.norm(centres[i % 40] + noise[i])
        for i in range(200)
    ]
    batch = [ClusterInput(i, v.astype(np.float32), T0, None, None) for i, v in enumerate(vectors)]
    stories = {
        d.article_id: d.story_id for d in _clusterer(index=kind).assign(batch, [], lambda _: [])
    }
    for i in range(200):
        assert stories[i] == stories[i % 40], i


def test_undated_articles_are_compared_with_every_open_story() -> None:
    story = OpenStory(7, _unit(1, 0), 3, T0 - timedelta(days=300), T0 - timedelta(days=301))
    clusterer = _clusterer()
    [undated] = clusterer.assign(
        [ClusterInput(1, _unit(1, 0.05), None, None, None)], [story], lambda _: []
    )
    assert undated.story_id == 7
    # joining did not move the story's dates: a dated article now is still out of its window
    [dated] = clusterer.assign(
        [ClusterInput(2, _unit(1, 0.05), T0, None, None)], None, lambda _: []
    )
    assert dated.story_id < 0


def test_empty_title_and_text_start_their_own_story() -> None:
    empty = ClusterInput(1, np.zeros(384, dtype=np.float32), T0, None, None, "")
    other = ClusterInput(2, _unit(1, 0), T0, None, None, "Flood in Valencia")
    decisions = _clusterer(lexical_weight=0.5).assign([empty, other], [], lambda _: [])
    assert decisions[0].story_id != decisions[1].story_id
    assert article_terms("") == {}


def test_one_outlets_update_joins_its_story_as_a_copy() -> None:
    text = (
        "Officials said the bridge would reopen on Friday after inspectors found no structural "
        "damage from the collision, which closed two lanes during the morning rush hour."
    )
    first = ClusterInput(1, _unit(1, 0), T0, 5, minhash_bytes(text), text)
    update = ClusterInput(
        2, _unit(1, 0.02), T0 + timedelta(hours=2), 5, minhash_bytes(text + " Updated."), text
    )
    a, b = _clusterer().assign([first, update], [], lambda _: [])
    assert a.story_id == b.story_id
    assert b.near_duplicate_of == 1  # the same source, not a second one


def test_shared_names_lift_a_borderline_article_over_the_threshold() -> None:
    a = ClusterInput(
        1, _unit(1, 0), T0, None, None, "Zelenskyy meets Macron in Kyiv over grain exports"
    )
    b = ClusterInput(
        2, _unit(1, 1.5), T0, None, None, "Macron and Zelenskyy discuss Kyiv grain exports"
    )
    embedding_only = _clusterer().assign([a, b], [], lambda _: [])
    with_terms = _clusterer(lexical_weight=0.5).assign([a, b], [], lambda _: [])
    assert embedding_only[0].story_id != embedding_only[1].story_id  # cosine 0.55 < 0.6
    assert with_terms[0].story_id == with_terms[1].story_id


def test_state_is_kept_between_batches_and_synced_to_storage() -> None:
    clusterer = _clusterer()
    [a] = clusterer.assign([ClusterInput(1, _unit(1, 0), T0, None, None)], [], lambda _: [])
    [b] = clusterer.assign([ClusterInput(2, _unit(1, 0.05), T0, None, None)], None, lambda _: [])
    assert a.story_id == b.story_id < 0
    clusterer.sync([OpenStory(11, _unit(0, 1), 2, T0, T0)])  # as stored: provisional ids gone
    assert len(clusterer) == 1
    [c] = clusterer.assign([ClusterInput(3, _unit(0.05, 1), T0, None, None)], None, lambda _: [])
    assert c.story_id == 11
    clusterer.forget(11)
    [d] = clusterer.assign([ClusterInput(4, _unit(0.05, 1), T0, None, None)], None, lambda _: [])
    assert d.story_id < 0


def test_shared_entities_lift_a_borderline_article_over_the_threshold() -> None:
    a = ClusterInput(1, _unit(1, 0), T0, None, None, entities=("zelenskyy", "kyiv"))
    b = ClusterInput(2, _unit(1, 1.5), T0, None, None, entities=("kyiv", "zelenskyy"))
    c = ClusterInput(3, _unit(1, 1.5), T0, None, None, entities=("valencia",))
    embedding_only = _clusterer().assign([a, b], [], lambda _: [])
    assert embedding_only[0].story_id != embedding_only[1].story_id  # cosine 0.55 < 0.6
    joined = _clusterer(entity_weight=0.3).assign([a, b], [], lambda _: [])
    assert joined[0].story_id == joined[1].story_id
    apart = _clusterer(entity_weight=0.3).assign([a, c], [], lambda _: [])
    assert apart[0].story_id != apart[1].story_id


def test_an_article_without_entities_is_scored_by_the_other_signals() -> None:
    a = ClusterInput(1, _unit(1, 0), T0, None, None, entities=("kyiv",))
    b = ClusterInput(2, _unit(1, 0.5), T0, None, None)  # cosine 0.89, no entities
    decisions = _clusterer(entity_weight=0.5).assign([a, b], [], lambda _: [])
    assert decisions[0].story_id == decisions[1].story_id


def test_stored_story_entities_come_from_its_members() -> None:
    story = OpenStory(7, _unit(1, 0), 1, T0)
    member = ClusterMember(70, None, None, "", ("macron", "france"))
    item = ClusterInput(1, _unit(1, 1.5), T0, None, None, entities=("macron", "france"))
    [d] = _clusterer(entity_weight=0.3).assign([item], [story], lambda _: [member])
    assert d.story_id == 7


def test_entity_vector_weights_rare_names_more() -> None:
    vector = entity_vector(["united states", "zelenskyy"])
    assert vector["zelenskyy"] > vector["united states"]
    assert abs(sum(v * v for v in vector.values()) - 1) < 1e-9
    assert entity_vector([]) == {}


def test_weights_must_leave_room_for_the_embedding() -> None:
    with pytest.raises(ValueError, match="sum to at most 1"):
        _clusterer(lexical_weight=0.6, entity_weight=0.5)
