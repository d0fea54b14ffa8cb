"""Topic tags: the vocabulary, the packaged head, and how a story's topics are chosen."""

from __future__ import annotations

import numpy as np
import pytest

from plumbline.analysis.embed import Embedder
from plumbline.analysis.heads import LinearHead
from plumbline.analysis.text import split_sentences
from plumbline.analysis.topic_names import DATASET_TOPICS, TOPICS, dataset_topic, topic_label
from plumbline.analysis.topics import (
    story_topics,
    threshold,
    topic_head,
    topic_probabilities,
)


def toy_head(cut: float = 0.5) -> LinearHead:
    """Three topics, one per axis, sharp enough that an axis vector is nearly certain."""
    return LinearHead(
        classes=("guns", "economy", "abortion"),
        coef=np.eye(3) * 20.0,
        intercept=np.zeros(3),
        metadata={"threshold": cut},
    )


def test_vocabulary() -> None:
    assert 15 <= len(TOPICS) <= 30
    assert set(DATASET_TOPICS.values()) <= set(TOPICS)
    assert all(slug.replace("-", "").isalpha() and slug.islower() for slug in TOPICS)
    assert topic_label("guns") == "Guns"
    assert topic_label("<script>") is None
    assert dataset_topic("White_House") == "white-house"
    assert dataset_topic("gun control and gun rights") == "guns"
    assert dataset_topic("economy") == "economy"  # a reader slug is kept
    assert dataset_topic("politics") is None  # too vague to tag


def test_packaged_head() -> None:
    head = topic_head()
    assert set(head.classes) <= set(TOPICS) and len(head.classes) >= 15
    assert head.dim == 384
    assert 0.0 < threshold(head) < 1.0
    metrics = head.metadata["metrics"]
    assert metrics["test"]["macro_f1"] > metrics["baseline"]["test"]["macro_f1"] - 0.1
    p = topic_probabilities(np.random.default_rng(0).normal(size=(4, 384)))
    assert p.shape == (4, len(head.classes))
    assert np.allclose(p.sum(axis=1), 1.0)


def test_hostile_vectors_give_no_topics() -> None:
    rows = np.array([[np.nan] * 384, [np.inf] * 384, [0.0] * 384], dtype=np.float64)
    p = topic_probabilities(rows)
    assert np.all(p == 0.0)
    assert story_topics(rows) == []
    assert story_topics(np.zeros((0, 0), dtype=np.float32)) == []
    huge = topic_probabilities(np.full((1, 384), 1e30))
    assert np.all(np.isfinite(huge))
    with pytest.raises(ValueError):
        topic_probabilities(np.zeros((2, 7)))


def test_story_topics_average_articles_and_threshold() -> None:
    head = toy_head(cut=0.45)
    guns, economy = np.eye(3)[0], np.eye(3)[1]
    assert story_topics(np.stack([guns, guns]), head=head) == ["guns"]
    mixed = story_topics(np.stack([guns, guns, economy]), head=head)
    assert mixed == ["guns"]  # economy at 1/3 stays under the threshold
    assert story_topics(np.stack([guns, economy]), head=head) == ["economy", "guns"]  # tie: a-z
    assert story_topics(np.zeros((1, 3)) + 1 / 3, head=head) == []  # no topic is likely


def test_dataset_topics_vote() -> None:
    head = toy_head(cut=0.4)
    blank = np.full((2, 3), np.nan)  # no usable vector: only the dataset speaks
    assert story_topics(blank, ["abortion", "abortion"], head=head) == ["abortion"]
    assert story_topics(blank, ["abortion", "politics"], head=head) == []  # one vote of two
    guns = np.eye(3)[[0, 0]]
    assert story_topics(guns, ["immigration", "immigration"], head=head) == ["guns", "immigration"]
    assert story_topics(guns, ["immigration"] * 2, head=head, limit=1) == ["guns"]


def lead_vector(embedder: Embedder, title: str, text: str) -> np.ndarray:  # type: ignore[type-arg]
    """AnalyzedText.vector: the title plus the mean of the first three sentences, unit."""
    lead = [s.text for s in split_sentences(text)[:3]]
    vecs = embedder.encode([title, *lead])
    v = vecs[0] + vecs[1:].mean(axis=0)
    return v / np.linalg.norm(v)


def test_real_articles_get_their_topic(embedder: Embedder) -> None:
    articles = [
        (
            "Senate passes bill expanding background checks for gun buyers",
            "The Senate on Thursday passed a bill that expands background checks for firearm "
            "purchases, weeks after a mass shooting. Gun rights groups said they would fight "
            "the measure. The National Rifle Association called the vote an attack on the "
            "Second Amendment.",
        ),
        (
            "Migrants wait at the border as asylum rules change",
            "Thousands of migrants waited at the southern border on Monday as new asylum rules "
            "took effect. Border Patrol agents said crossings had risen. Immigration advocates "
            "said the rules would send refugees back to danger.",
        ),
    ]
    vectors = [lead_vector(embedder, title, text) for title, text in articles]
    assert story_topics(vectors[0][None, :])[:1] == ["guns"]
    assert story_topics(vectors[1][None, :])[:1] == ["immigration"]
