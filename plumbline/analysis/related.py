"""Related stories: the other stories a reader of one story is most likely to want next.

A candidate's score is the cosine between the two story centroids (the mean title-and-lead
vector of their articles), plus a bonus for the topics and the main entities the two share
(Jaccard overlap of each), minus a penalty that grows with the time between them (capped),
so that of two equally similar stories the closer one in time wins. Candidates below a
minimum cosine are never related, whatever they share.

The ranking runs when a story is synthesized, over an in-memory :class:`RelatedPool` of the
published stories, and the result is stored; the story page then reads a handful of rows
instead of scanning every centroid per view. The score is symmetric, so the storage adds a
newly synthesized story to the lists of the stories it is related to as well.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from plumbline.models import StoryFeatures

Vector = npt.NDArray[np.float32]

#: Related stories kept per story.
RELATED_LIMIT = 5
#: Below this centroid cosine two stories are never related.
MIN_SIMILARITY = 0.35
TOPIC_WEIGHT = 0.1
ENTITY_WEIGHT = 0.1
#: Penalty for the time between two stories: AGE_WEIGHT * min(1, log2(1 + days / AGE_DAYS)).
AGE_WEIGHT = 0.1
AGE_DAYS = 7.0
#: How many of the most similar centroids get the topic, entity and age terms.
SHORTLIST = 50


@dataclass(frozen=True, slots=True)
class Related:
    id: int
    score: float
    similarity: float  # centroid cosine
    shared_topics: tuple[str, ...] = ()


def overlap(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard overlap of two sets of names, 0 when both are empty."""
    left, right = set(a), set(b)
    union = left | right
    return len(left & right) / len(union) if union else 0.0


def age_penalty(a: datetime | None, b: datetime | None) -> float:
    """Grows with the days between two stories, up to AGE_WEIGHT; 0 when a date is unknown."""
    if a is None or b is None:
        return 0.0
    days = abs((a - b).total_seconds()) / 86_400
    return AGE_WEIGHT * min(1.0, math.log2(1.0 + days / AGE_DAYS))


def score(story: StoryFeatures, other: StoryFeatures, similarity: float) -> float:
    """The related-story score of `other` for `story`, given their centroid cosine."""
    return (
        similarity
        + TOPIC_WEIGHT * overlap(story.topics, other.topics)
        + ENTITY_WEIGHT * overlap(story.entities, other.entities)
        - age_penalty(story.when, other.when)
    )


class RelatedPool:
    """The candidate stories, one centroid row each; stories can be added or replaced."""

    def __init__(self, stories: Iterable[StoryFeatures] = (), ndim: int | None = None) -> None:
        self._stories: list[StoryFeatures] = []
        self._row: dict[int, int] = {}
        self._matrix: Vector | None = None
        self._ndim = ndim
        for story in stories:
            self.upsert(story)

    def __len__(self) -> int:
        return len(self._stories)

    def __contains__(self, story_id: object) -> bool:
        return story_id in self._row

    def upsert(self, story: StoryFeatures) -> None:
        """Add `story`, or replace the story with its id. Stories without a usable
        centroid (empty, not finite, another dimension) are left out."""
        centroid = np.asarray(story.centroid, dtype=np.float32).reshape(-1)
        if self._ndim is None and centroid.size:
            self._ndim = centroid.size
        if centroid.size == 0 or centroid.size != self._ndim or not np.isfinite(centroid).all():
            self.remove(story.id)
            return
        row = self._row.get(story.id)
        if row is None:
            row = len(self._stories)
            self._stories.append(story)
            self._row[story.id] = row
            self._grow(row + 1)
        else:
            self._stories[row] = story
        assert self._matrix is not None
        self._matrix[row] = centroid

    def _grow(self, rows: int) -> None:
        assert self._ndim is not None
        if self._matrix is None:
            self._matrix = np.zeros((max(rows, 64), self._ndim), dtype=np.float32)
        elif rows > len(self._matrix):
            grown = np.zeros((2 * len(self._matrix), self._ndim), dtype=np.float32)
            grown[: len(self._matrix)] = self._matrix
            self._matrix = grown

    def remove(self, story_id: int) -> None:
        row = self._row.pop(story_id, None)
        if row is None or self._matrix is None:
            return
        last = len(self._stories) - 1
        if row != last:
            moved = self._stories[last]
            self._stories[row] = moved
            self._matrix[row] = self._matrix[last]
            self._row[moved.id] = row
        self._stories.pop()

    def rank(
        self, story: StoryFeatures, *, limit: int = RELATED_LIMIT, exclude: Sequence[int] = ()
    ) -> list[Related]:
        """The `limit` best related stories for `story`, best first (never itself)."""
        n = len(self._stories)
        centroid = np.asarray(story.centroid, dtype=np.float32).reshape(-1)
        if n == 0 or limit <= 0 or self._matrix is None or centroid.size != self._ndim:
            return []
        if not np.isfinite(centroid).all():
            return []
        similarities = self._matrix[:n] @ centroid
        k = min(n, max(SHORTLIST, limit))
        top = np.argpartition(-similarities, k - 1)[:k] if k < n else np.arange(n)
        skip = {story.id, *exclude}
        found: list[Related] = []
        for row in top:
            other = self._stories[int(row)]
            similarity = float(similarities[row])
            if other.id in skip or similarity < MIN_SIMILARITY:
                continue
            shared = tuple(t for t in story.topics if t in other.topics)
            found.append(Related(other.id, score(story, other, similarity), similarity, shared))
        found.sort(key=lambda r: (-r.score, r.id))
        return found[:limit]
