"""Topic tags and related stories: written at synthesis, read by the story and topic pages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import defer
from sqlalchemy.sql.base import ExecutableOption

from plumbline.errors import InvalidInput
from plumbline.models import StoryFeatures, StorySummary
from plumbline.storage import codec
from plumbline.storage.base import Store, as_utc
from plumbline.storage.convert import story_summary
from plumbline.storage.schema import StoryRelatedRow, StoryRow, StoryTopicRow

#: (story id, centroid, topics, main entity names, last published) of a published story.


def _published() -> list[ColumnElement[bool]]:
    return [StoryRow.merged_into_id.is_(None), StoryRow.synthesis.is_not(None)]


def _listing() -> tuple[ExecutableOption, ...]:
    """Loader options for listing stories: the summary needs neither the synthesis (large
    JSON) nor the centroid."""
    return (defer(StoryRow.synthesis), defer(StoryRow.centroid))


def _check_page(limit: int, offset: int) -> None:
    if limit < 1 or limit > 200 or offset < 0:
        raise InvalidInput("limit must be 1-200 and offset at least 0")


class SqlTopicStore(Store):
    def save_topics(self, story_id: int, topics: Sequence[str]) -> None:
        """Replace the story's topic rows (rank 0 is its main topic)."""
        with self.session() as s:
            s.execute(delete(StoryTopicRow).where(StoryTopicRow.story_id == story_id))
            for rank, topic in enumerate(dict.fromkeys(topics)):
                s.add(StoryTopicRow(story_id=story_id, topic=topic[:40], rank=rank))

    def save_related(self, story_id: int, related: Sequence[tuple[int, float]], limit: int) -> None:
        """Replace the story's related stories, and offer the story to each of them: it
        joins their list when they have fewer than `limit` or it beats their weakest (the
        score is symmetric)."""
        with self.session() as s:
            s.execute(delete(StoryRelatedRow).where(StoryRelatedRow.story_id == story_id))
            for other, score in related[:limit]:
                if other == story_id:
                    continue
                s.add(StoryRelatedRow(story_id=story_id, related_id=other, score=score))
                s.execute(
                    delete(StoryRelatedRow).where(
                        StoryRelatedRow.story_id == other, StoryRelatedRow.related_id == story_id
                    )
                )
                theirs = s.execute(
                    select(StoryRelatedRow.related_id, StoryRelatedRow.score)
                    .where(StoryRelatedRow.story_id == other)
                    .order_by(StoryRelatedRow.score, StoryRelatedRow.related_id)
                ).all()
                if len(theirs) >= limit:
                    weakest, weakest_score = theirs[0]
                    if weakest_score >= score:
                        continue
                    s.execute(
                        delete(StoryRelatedRow).where(
                            StoryRelatedRow.story_id == other,
                            StoryRelatedRow.related_id == weakest,
                        )
                    )
                s.add(StoryRelatedRow(story_id=other, related_id=story_id, score=score))

    def related_stories(self, story_id: int, limit: int = 5) -> list[StorySummary]:
        """The story's stored related stories that are still published, best first."""
        with self.session() as s:
            rows = s.scalars(
                select(StoryRow)
                .options(*_listing())
                .join(StoryRelatedRow, StoryRelatedRow.related_id == StoryRow.id)
                .where(StoryRelatedRow.story_id == story_id, StoryRow.id != story_id, *_published())
                .order_by(StoryRelatedRow.score.desc(), StoryRow.id)
                .limit(limit)
            ).all()
            return [story_summary(row) for row in rows]

    def topic_stories(
        self, topic: str, *, limit: int = 30, offset: int = 0, exclude: int | None = None
    ) -> list[StorySummary]:
        """Published stories tagged with `topic`, most recent first."""
        _check_page(limit, offset)
        conditions = [StoryTopicRow.topic == topic, *_published()]
        if exclude is not None:
            conditions.append(StoryRow.id != exclude)
        with self.session() as s:
            rows = s.scalars(
                select(StoryRow)
                .options(*_listing())
                .join(StoryTopicRow, StoryTopicRow.story_id == StoryRow.id)
                .where(*conditions)
                .order_by(StoryRow.last_published_at.desc().nulls_last(), StoryRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [story_summary(row) for row in rows]

    def topic_counts(self) -> dict[str, int]:
        """Topic -> number of published stories tagged with it."""
        with self.session() as s:
            rows = s.execute(
                select(StoryTopicRow.topic, func.count(StoryRow.id))
                .join(StoryRow, StoryTopicRow.story_id == StoryRow.id)
                .where(*_published())
                .group_by(StoryTopicRow.topic)
            ).all()
        return {topic: int(count) for topic, count in rows}

    def related_candidates(self, limit: int = 20_000) -> list[StoryFeatures]:
        """The most recent published stories, for related-story ranking."""
        with self.session() as s:
            rows = s.execute(
                select(
                    StoryRow.id,
                    StoryRow.centroid,
                    StoryRow.topics,
                    StoryRow.stats,
                    StoryRow.last_published_at,
                )
                .where(*_published())
                .order_by(StoryRow.last_published_at.desc().nulls_last(), StoryRow.id.desc())
                .limit(limit)
            ).all()
        return [
            StoryFeatures(
                id,
                codec.vector(centroid or b""),
                tuple(str(t) for t in topics or []),
                frozenset(
                    name.strip().lower()
                    for tone in (stats or {}).get("tones", [])
                    if (name := str(tone.get("entity", ""))).strip()
                ),
                as_utc(last),
            )
            for id, centroid, topics, stats, last in rows
        ]
