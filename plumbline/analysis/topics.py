"""Topic tags: a small reader-facing vocabulary, and the packaged head that assigns it.

Every story gets up to three topics from :data:`TOPICS`. They come from the packaged
``topic`` head (``plumbline/data/heads/topic.{npz,json}``, trained by
``scripts/train_topics.py``): a multinomial logistic regression over the article vector the
analysis already computes (``AnalyzedText.vector``: title and lead, MiniLM, L2-normalized),
so tagging costs no extra embedding. Its probabilities are averaged over the story's
articles and a topic is kept only above the head's measured threshold. An article that
arrives with a topic of its own (the Article-Bias-Prediction ``topic`` field of imported
files) votes for the reader topic it maps to (:data:`DATASET_TOPICS`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis.heads import LinearHead, packaged_head
from plumbline.analysis.topic_names import TOPICS, dataset_topic
from plumbline.errors import ConfigurationError

DEFAULT_THRESHOLD = 0.4
#: Weight of the dataset-provided topic votes against the head's mean probability.
DATASET_WEIGHT = 0.5
MAX_TOPICS = 3


@functools.cache
def topic_head() -> LinearHead:
    """The packaged topic head; its classes must be slugs of :data:`TOPICS`."""
    head = packaged_head("topic")
    unknown = [c for c in head.classes if c not in TOPICS]
    if unknown:
        raise ConfigurationError(f"topic head has classes outside the vocabulary: {unknown}")
    return head


def threshold(head: LinearHead) -> float:
    """The tagging threshold stored with the head (chosen on its validation split)."""
    value: Any = head.metadata.get("threshold", DEFAULT_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        return DEFAULT_THRESHOLD
    return float(value)


def topic_probabilities(
    vectors: npt.ArrayLike, head: LinearHead | None = None
) -> npt.NDArray[np.float64]:
    """P(topic) for each article vector, ``(n, len(head.classes))``; rows that are not
    finite or all zero (a missing embedding), or that overflow, come back as zeros."""
    head = head or topic_head()
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or (x.shape[0] and x.shape[1] != head.dim):
        raise ValueError(f"expected an (n, {head.dim}) array, got shape {x.shape}")
    out = np.zeros((x.shape[0], len(head.classes)), dtype=np.float64)
    good = np.isfinite(x).all(axis=1) & (np.abs(x).sum(axis=1) > 0)
    if good.any():
        with np.errstate(over="ignore", invalid="ignore"):
            out[good] = head.predict_proba(x[good])
        out[~np.isfinite(out).all(axis=1)] = 0.0  # overflowed on absurd input
    return out


def story_topics(
    vectors: npt.ArrayLike,
    dataset_topics: Sequence[str] = (),
    *,
    head: LinearHead | None = None,
    limit: int = MAX_TOPICS,
) -> list[str]:
    """The topics of a story, strongest first: the head's probabilities averaged over the
    article vectors, plus :data:`DATASET_WEIGHT` times the share of articles whose own
    topic field maps to each topic; a topic needs the head's threshold to be tagged."""
    head = head or topic_head()
    probabilities = topic_probabilities(vectors, head)
    n = max(len(probabilities), len(dataset_topics), 1)
    scores = dict.fromkeys(TOPICS, 0.0)
    known = probabilities[probabilities.sum(axis=1) > 0]
    if len(known):
        for name, p in zip(head.classes, known.mean(axis=0), strict=True):
            scores[name] += float(p)
    for raw in dataset_topics:
        mapped = dataset_topic(raw)
        if mapped is not None:
            scores[mapped] += DATASET_WEIGHT / n
    cut = threshold(head)
    kept = [t for t, score in scores.items() if score >= cut]
    kept.sort(key=lambda t: (-scores[t], t))
    return kept[:limit]
