"""The learned same-event decision (plumbline.analysis.same_event) and the clusterer using it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from plumbline.analysis.cluster import ClusterInput, StoryClusterer
from plumbline.analysis.heads import LinearHead
from plumbline.analysis.same_event import (
    CLASSES,
    FEATURES,
    Candidate,
    SameEventModel,
    feature_matrix,
    numbers,
    packaged_same_event,
)
from plumbline.errors import ConfigurationError
from plumbline.models import OpenStory

T0 = datetime(2020, 6, 1, tzinfo=UTC)


def _unit(*values: float) -> np.ndarray:
    v = np.zeros(384, dtype=np.float32)
    v[: len(values)] = values
    return v / np.linalg.norm(v)


def _candidate(
    cosine: float, terms: float, *, rank: int = 0, best: float | None = None
) -> Candidate:
    return Candidate(cosine, terms, rank, cosine if best is None else best, 0)


def test_numbers_are_the_figures_standing_alone() -> None:
    text = (
        "COVID-19 killed 2,300 people (3.5%) in G7 nations and 5G towers; 12 died on May 4, 2020."
    )
    assert numbers(text) == {"2,300", "3.5", "12", "4", "2020"}
    assert numbers("") == frozenset()


def test_the_packaged_model_reads_its_features_and_ranks_closer_pairs_higher() -> None:
    model = packaged_same_event()
    assert model.head.metadata["features"] == list(FEATURES)
    p = model.probabilities([_candidate(0.9, 0.7), _candidate(0.6, 0.3), _candidate(0.3, 0.05)])
    assert np.all((p >= 0) & (p <= 1))
    assert p[0] > p[1] > p[2]
    # a candidate far behind the best one is less likely than the same pair ranked first
    ahead, behind = model.probabilities(
        [_candidate(0.6, 0.3), _candidate(0.6, 0.3, rank=3, best=0.9)]
    )
    assert ahead > behind
    assert model.probabilities([]).shape == (0,)
    assert feature_matrix([]).shape == (0, len(FEATURES))


def test_a_model_for_other_features_or_classes_is_refused() -> None:
    d = len(FEATURES)

    def head(classes: tuple[str, ...], dim: int, features: list[str] | None = None) -> LinearHead:
        meta = {} if features is None else {"features": features}
        return LinearHead(classes, np.zeros((1, dim)), np.zeros(1), metadata=meta)

    with pytest.raises(ConfigurationError, match="same-event model needs"):
        SameEventModel(head(("no", "yes"), d))
    with pytest.raises(ConfigurationError, match="same-event model needs"):
        SameEventModel(head(CLASSES, d + 1))
    with pytest.raises(ConfigurationError, match="trained on features"):
        SameEventModel(head(CLASSES, d, [f"x{i}" for i in range(d)]))
    assert SameEventModel(head(CLASSES, d, list(FEATURES))).probabilities(
        [_candidate(0.5, 0.5)]
    ) == pytest.approx([0.5])


def _learned(**options: float) -> StoryClusterer:
    return StoryClusterer(
        threshold=1.0,
        window=timedelta(hours=72),
        near_duplicate=0.8,
        same_event=packaged_same_event(),
        **options,  # type: ignore[arg-type]
    )


def _item(article_id: int, vector: np.ndarray, text: str, hours: float | None = 0) -> ClusterInput:
    when = None if hours is None else T0 + timedelta(hours=hours)
    return ClusterInput(article_id, vector, when, article_id, None, text)


def test_the_learned_clusterer_joins_the_same_event_and_starts_new_stories_otherwise() -> None:
    batch = [
        _item(1, _unit(1, 0.1), "Senate passes $2 trillion relief bill after days of talks"),
        _item(2, _unit(0.1, 1), "Wildfire forces 5,000 to flee homes in northern California"),
        _item(3, _unit(1, 0.15), "Senate approves $2 trillion relief bill; House vote next"),
        _item(4, _unit(0, 0, 1), "Local team wins the championship in overtime thriller"),
    ]
    decisions = _learned().assign(batch, [], lambda _id: [])
    story = {d.article_id: d.story_id for d in decisions}
    assert story[1] == story[3]
    assert len({story[1], story[2], story[4]}) == 3


def test_the_join_probability_decides_and_undated_articles_have_their_own() -> None:
    open_story = OpenStory(7, _unit(1, 0.5), 2, T0)
    members = {7: []}
    text = "Markets fall as oil prices slide"
    # the same pair joins at a low join probability and not at a high one
    joined = _learned(join_probability=0.01).assign(
        [_item(1, _unit(1, 0.3), text)], [open_story], lambda k: members[k]
    )
    apart = _learned(join_probability=0.999).assign(
        [_item(1, _unit(1, 0.3), text)], [open_story], lambda k: members[k]
    )
    assert joined[0].story_id == 7 and apart[0].story_id < 0
    undated = _learned(join_probability=0.01, join_probability_undated=0.999).assign(
        [_item(2, _unit(1, 0.3), text, hours=None)], [open_story], lambda k: members[k]
    )
    assert undated[0].story_id < 0


def test_candidates_are_the_nearest_open_stories_with_their_features() -> None:
    clusterer = _learned()
    stories = [
        OpenStory(1, _unit(1, 0), 2, T0),
        OpenStory(2, _unit(1, 1), 1, T0),
        OpenStory(3, _unit(1, 0.1), 4, T0 - timedelta(days=10)),  # closed for this article
    ]
    clusterer.sync(stories)
    found = clusterer.candidates_for(_item(9, _unit(1, 0.05), "", hours=5), lambda _k: [])
    assert [key for key, _c in found] == [1, 2]
    first, second = (c for _k, c in found)
    assert first.rank == 0 and second.rank == 1
    assert first.best_cosine == second.best_cosine == pytest.approx(first.cosine)
    assert first.terms == 0.0 and first.numbers_shared == 0  # no text: no term signal
