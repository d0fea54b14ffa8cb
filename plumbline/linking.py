"""Links a story to the rest of the site when it is synthesized: its topic tags and its
related stories, both stored, so the story and topic pages only read a few indexed rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from plumbline.analysis.related import RELATED_LIMIT, RelatedPool
from plumbline.analysis.topics import story_topics
from plumbline.models import ArticleRecord, StoryFeatures, StoryStats

if TYPE_CHECKING:
    from plumbline.storage.protocols import StoryStore, TopicStore


def _entities(names: Sequence[str]) -> frozenset[str]:
    return frozenset(n.strip().lower() for n in names if n.strip())


class StoryLinker:
    """Topic tags and related stories for the stories one synthesis run touches. The pool
    of candidate stories is read once per run (:meth:`reset` ends a run) and kept current as
    stories are synthesized."""

    def __init__(self, stories: StoryStore, topics: TopicStore) -> None:
        self.stories = stories
        self.topics = topics
        self._pool: RelatedPool | None = None

    def reset(self) -> None:
        self._pool = None

    def _candidates(self) -> RelatedPool:
        if self._pool is None:
            self._pool = RelatedPool(self.topics.related_candidates())
        return self._pool

    def link(self, story_id: int, articles: list[ArticleRecord], stats: StoryStats) -> list[str]:
        """Tag the story, rank and store its related stories; returns its topics."""
        _ids, vectors = self.stories.member_vectors(story_id)
        topics = story_topics(vectors, [a.topic for a in articles])
        self.topics.save_topics(story_id, topics)
        shape = self.stories.story_shapes([story_id])
        if not shape:
            return topics
        features = StoryFeatures(
            story_id,
            shape[0].centroid,
            tuple(topics),
            _entities([tone.entity for tone in stats.tones]),
            shape[0].last_published,
        )
        pool = self._candidates()
        related = pool.rank(features)
        self.topics.save_related(
            story_id, [(r.id, round(r.score, 4)) for r in related], RELATED_LIMIT
        )
        pool.upsert(features)
        return topics
