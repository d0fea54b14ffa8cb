"""Incremental story clustering: each article joins the most similar open story or starts
a new one. Stories are open while an article joined them within the time window."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from plumbline.ingest.dedupe import jaccard
from plumbline.models import ArticleAssignment, ClusterMember, OpenStory

Vector = npt.NDArray[np.float32]


@dataclass(slots=True)
class ClusterInput:
    article_id: int
    vector: Vector
    when: datetime  # publication time, or when it was fetched if unknown
    outlet_id: int | None
    minhash: bytes | None


@dataclass(slots=True)
class _Candidate:
    id: int
    centroid: Vector
    n: int
    last: datetime | None
    first: datetime | None
    members: list[ClusterMember] | None = None  # loaded on first need
    new_members: list[ClusterMember] = field(default_factory=list)


class StoryClusterer:
    """Greedy single-pass clustering against story centroids (cosine similarity)."""

    def __init__(
        self,
        *,
        threshold: float,
        window: timedelta,
        near_duplicate: float,
        max_span: timedelta = timedelta(days=5),
    ) -> None:
        self.threshold = threshold
        self.window = window
        self.max_span = max_span
        self.near_duplicate = near_duplicate

    def assign(
        self,
        batch: Sequence[ClusterInput],
        open_stories: Sequence[OpenStory],
        load_members: Callable[[int], list[ClusterMember]],
    ) -> list[ArticleAssignment]:
        """Decide a story for each article of `batch` (taken in time order)."""
        candidates = [
            _Candidate(s.id, s.centroid, s.n_articles, s.last_published, s.first_published)
            for s in open_stories
        ]
        next_new = -1
        decisions: list[ArticleAssignment] = []
        for item in sorted(batch, key=lambda x: (x.when, x.article_id)):
            best = self._best(item, candidates)
            if best is None:
                best = _Candidate(next_new, item.vector.copy(), 0, item.when, item.when, members=[])
                next_new -= 1
                candidates.append(best)
                duplicate_of = None
            else:
                duplicate_of = self._near_duplicate(item, best, load_members)
            centroid = best.centroid * best.n + item.vector
            norm = float(np.linalg.norm(centroid))
            best.centroid = (centroid / norm if norm > 0 else centroid).astype(np.float32)
            best.n += 1
            best.last = max(best.last, item.when) if best.last else item.when
            best.first = min(best.first, item.when) if best.first else item.when
            best.new_members.append(ClusterMember(item.article_id, item.outlet_id, item.minhash))
            decisions.append(
                ArticleAssignment(item.article_id, best.id, best.centroid.copy(), duplicate_of)
            )
        return decisions

    def _best(self, item: ClusterInput, candidates: list[_Candidate]) -> _Candidate | None:
        live = [c for c in candidates if self._open_for(c, item.when)]
        if not live:
            return None
        similarities = np.stack([c.centroid for c in live]) @ item.vector
        index = int(np.argmax(similarities))
        return live[index] if float(similarities[index]) >= self.threshold else None

    def _open_for(self, story: _Candidate, when: datetime) -> bool:
        """A story takes an article published within the window of its latest article
        and within the maximum span of its first."""
        if story.last is not None and abs(when - story.last) > self.window:
            return False
        return story.first is None or abs(when - story.first) <= self.max_span

    def _near_duplicate(
        self,
        item: ClusterInput,
        story: _Candidate,
        load_members: Callable[[int], list[ClusterMember]],
    ) -> int | None:
        """The first member of the story whose text is a near copy of this one."""
        if item.minhash is None:
            return None
        if story.members is None:
            story.members = load_members(story.id) if story.id > 0 else []
        for member in [*story.members, *story.new_members]:
            if member.minhash and jaccard(item.minhash, member.minhash) >= self.near_duplicate:
                return member.id
        return None
