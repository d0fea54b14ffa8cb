"""Second thoughts about stories: merge two stories that turn out to be one event, split a
story that drifted into two.

Incremental clustering decides once per article, so it can start two stories for one event
(the first articles of each looked different) or let a story absorb a neighbouring event
one article at a time. After each clustering batch the pipeline asks these functions about
the stories the batch touched; storage carries out the plans (the merged story's URL
redirects to the one it joined; a split keeps the larger part under the old id).

Pure functions over unit vectors: no storage, no time zone arithmetic beyond comparisons.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from plumbline.models import Merge, Split

Vectors = npt.NDArray[np.float32]


@dataclass(slots=True)
class StoryShape:
    """What merging needs of an open story."""

    id: int
    centroid: npt.NDArray[np.float32]  # unit vector
    n_articles: int
    first: datetime | None
    last: datetime | None


def plan_merges(
    touched: Sequence[int],
    stories: Sequence[StoryShape],
    *,
    threshold: float,
    window: timedelta,
) -> list[Merge]:
    """Merges among open stories: each touched story is linked to its most similar other
    open story when their centroids are at least `threshold` similar and their time ranges
    lie within `window` of each other; linked stories form groups, and in each group the
    story with the most articles absorbs the others (ties: the oldest id), so the URL
    readers most likely saw survives."""
    if len(stories) < 2 or not touched:
        return []
    by_id = {s.id: i for i, s in enumerate(stories)}
    matrix = np.stack([s.centroid for s in stories]).astype(np.float32)
    parent = list(range(len(stories)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    link_similarity: dict[int, float] = {}
    for story_id in dict.fromkeys(touched):
        row = by_id.get(story_id)
        if row is None:
            continue
        similarities = matrix @ matrix[row]
        similarities[row] = -1.0
        for index in np.argsort(-similarities):
            similarity = float(similarities[index])
            if similarity < threshold:
                break
            if _close_in_time(stories[row], stories[int(index)], window):
                a, b = root(row), root(int(index))
                if a != b:
                    parent[a] = b
                link_similarity[row] = max(link_similarity.get(row, 0.0), similarity)
                link_similarity[int(index)] = max(link_similarity.get(int(index), 0.0), similarity)
                break
    groups: dict[int, list[int]] = {}
    for i in link_similarity:
        groups.setdefault(root(i), []).append(i)
    merges: list[Merge] = []
    for members in groups.values():
        winner = max(members, key=lambda i: (stories[i].n_articles, -stories[i].id))
        for i in sorted(members, key=lambda i: stories[i].id):
            if i != winner:
                merges.append(
                    Merge(stories[i].id, stories[winner].id, round(link_similarity[i], 4))
                )
    return merges


def plan_split(
    story: int,
    article_ids: Sequence[int],
    vectors: Vectors,
    *,
    threshold: float,
    min_part: int,
    iterations: int = 10,
) -> Split | None:
    """Whether a story's members form two groups whose centroids are less than `threshold`
    similar, each with at least `min_part` articles. Two-means on the unit sphere, seeded
    deterministically with the member least like the story and the member least like that
    one. The larger group keeps the story (ties: the group holding the earliest id)."""
    n = len(article_ids)
    if n < 2 * min_part or n != len(vectors):
        return None
    unit = _normalize(vectors.astype(np.float32))
    centre = _normalize(unit.mean(axis=0, keepdims=True))[0]
    first = int(np.argmin(unit @ centre))
    second = int(np.argmin(unit @ unit[first]))
    if first == second:
        return None
    centroids = unit[[first, second]]
    labels = np.zeros(n, dtype=np.int64)
    for _ in range(iterations):
        new_labels = np.argmax(unit @ centroids.T, axis=1)
        if (new_labels == labels).all() and _ > 0:
            break
        labels = new_labels
        if labels.min() == labels.max():
            return None
        centroids = _normalize(np.stack([unit[labels == k].mean(axis=0) for k in (0, 1)]))
    sizes = np.bincount(labels, minlength=2)
    if sizes.min() < min_part:
        return None
    similarity = float(centroids[0] @ centroids[1])
    if similarity >= threshold:
        return None
    ids = np.asarray(article_ids)
    keep = int(np.argmax(sizes)) if sizes[0] != sizes[1] else int(labels[np.argmin(ids)])
    moved = tuple(sorted(int(i) for i in ids[labels != keep]))
    return Split(story, moved, round(similarity, 4))


def mean_direction(vectors: Vectors) -> npt.NDArray[np.float32]:
    """The normalized mean of unit vectors: a story's centroid."""
    centroid: npt.NDArray[np.float32] = _normalize(
        vectors.astype(np.float32).mean(axis=0, keepdims=True)
    )[0]
    return centroid


def _normalize(matrix: Vectors) -> Vectors:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    result: Vectors = (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)
    return result


def _close_in_time(a: StoryShape, b: StoryShape, window: timedelta) -> bool:
    if a.first is None or b.first is None or a.last is None or b.last is None:
        return True  # undated stories are judged by their content alone
    gap = max(a.first, b.first) - min(a.last, b.last)
    return gap <= window
