"""Stories: clustering decisions, syntheses, listings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from plumbline.errors import InvalidInput, NotFound
from plumbline.models import (
    ArticleAssignment,
    ArticleRecord,
    ArticleState,
    ClusterMember,
    OpenStory,
    StorySummary,
)
from plumbline.storage import codec
from plumbline.storage.base import Store, as_utc, utcnow
from plumbline.storage.convert import record, story_summary
from plumbline.storage.schema import ArticleRow, OutletRow, StoryRow


class StoryStore(Store):
    # ----------------------------------------------------------------- stories
    def open_stories(self, since: datetime) -> list[OpenStory]:
        with self.session() as s:
            rows = s.execute(
                select(
                    StoryRow.id,
                    StoryRow.centroid,
                    StoryRow.n_articles,
                    StoryRow.last_published_at,
                    StoryRow.first_published_at,
                ).where(
                    StoryRow.merged_into_id.is_(None),
                    or_(StoryRow.last_published_at.is_(None), StoryRow.last_published_at >= since),
                )
            ).all()
        return [
            OpenStory(id, codec.vector(centroid), n, as_utc(last), as_utc(first))
            for id, centroid, n, last, first in rows
        ]

    def cluster_features(
        self, article_ids: Sequence[int]
    ) -> dict[int, tuple[codec.Vector, bytes | None, int | None]]:
        """Article id -> (cluster vector, minhash, outlet id)."""
        with self.session() as s:
            rows = s.execute(
                select(
                    ArticleRow.id, ArticleRow.embedding, ArticleRow.minhash, ArticleRow.outlet_id
                ).where(ArticleRow.id.in_(list(article_ids)))
            ).all()
        return {
            id: (codec.vector(embedding or b""), minhash, outlet)
            for id, embedding, minhash, outlet in rows
        }

    def story_members(self, story_id: int) -> list[ClusterMember]:
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.outlet_id, ArticleRow.minhash).where(
                    ArticleRow.story_id == story_id
                )
            ).all()
        return [ClusterMember(id, outlet, mh) for id, outlet, mh in rows]

    def assign_articles(self, assignments: Sequence[ArticleAssignment]) -> None:
        """Record a batch of clustering decisions in one transaction: new stories are
        created, centroids and counts updated, the articles marked CLUSTERED."""
        now = utcnow()
        with self.session() as s:
            created: dict[int, int] = {}  # provisional (negative) id -> real id
            for a in assignments:
                row = s.get(ArticleRow, a.article_id)
                if row is None or row.state != ArticleState.ANALYZED.value:
                    continue
                story_id = a.story_id
                if story_id < 0 and story_id in created:
                    story_id = created[story_id]
                if story_id < 0:
                    story = StoryRow(
                        slug=f"pending-{a.article_id}",
                        headline=row.title,
                        lead="",
                        created_at=now,
                        updated_at=now,
                        centroid=codec.vector_bytes(a.centroid),
                        dirty=True,
                        topics=[],
                    )
                    s.add(story)
                    s.flush()
                    story.slug = f"{story.id}-{codec.slugify(row.title)}"
                    created[a.story_id] = story.id
                    story_id = story.id
                else:
                    story_row = s.get(StoryRow, story_id)
                    if story_row is None:
                        raise NotFound(f"no story {story_id}")
                    story_row.centroid = codec.vector_bytes(a.centroid)
                    story_row.dirty = True
                    story_row.updated_at = now
                row.story_id = story_id
                row.near_duplicate_of_id = a.near_duplicate_of
                row.state = ArticleState.CLUSTERED.value
            touched = {created.get(a.story_id, a.story_id) for a in assignments}
            for story_id in touched:
                _refresh_story_counts(s, story_id)

    def dirty_stories(self, limit: int) -> list[int]:
        with self.session() as s:
            return list(
                s.scalars(
                    select(StoryRow.id)
                    .where(StoryRow.dirty, StoryRow.merged_into_id.is_(None))
                    .order_by(StoryRow.id)
                    .limit(limit)
                )
            )

    def count_dirty_stories(self) -> int:
        with self.session() as s:
            query = select(func.count(StoryRow.id)).where(
                StoryRow.dirty, StoryRow.merged_into_id.is_(None)
            )
            return int(s.scalar(query) or 0)

    def mark_story_failed(self, story_id: int, error: str) -> None:
        """Leave the story unpublished with the reason; new articles make it dirty again."""
        with self.session() as s:
            s.execute(
                update(StoryRow)
                .where(StoryRow.id == story_id)
                .values(dirty=False, error=error[:2000], updated_at=utcnow())
            )

    def story_articles(self, story_id: int) -> list[ArticleRecord]:
        with self.session() as s:
            query = (
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.story_id == story_id)
                .order_by(ArticleRow.published_at, ArticleRow.id)
            )
            return [record(a, o, with_analysis=True) for a, o in s.execute(query)]

    def save_synthesis(
        self,
        story_id: int,
        *,
        headline: str,
        lead: str,
        synthesis: dict[str, Any],
        bias_score: float | None,
        topics: list[str],
        stats: dict[str, Any] | None = None,
    ) -> None:
        with self.session() as s:
            row = s.get(StoryRow, story_id)
            if row is None:
                raise NotFound(f"no story {story_id}")
            row.headline = headline
            row.lead = lead
            row.synthesis = synthesis
            row.bias_score = bias_score
            row.topics = topics
            row.stats = stats
            row.dirty = False
            row.error = None
            row.updated_at = utcnow()

    def list_stories(
        self, *, limit: int = 30, offset: int = 0, min_outlets: int = 1
    ) -> list[StorySummary]:
        """Stories, most recent day first and most-covered first within it."""
        if limit < 1 or limit > 200 or offset < 0:
            raise InvalidInput("limit must be 1-200 and offset at least 0")
        with self.session() as s:
            day = func.date(StoryRow.last_published_at)
            rows = s.scalars(
                select(StoryRow)
                .where(
                    StoryRow.merged_into_id.is_(None),
                    StoryRow.synthesis.is_not(None),
                    StoryRow.n_outlets >= min_outlets,
                )
                .order_by(day.desc(), StoryRow.n_outlets.desc(), StoryRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [story_summary(row) for row in rows]

    def count_stories(self) -> int:
        with self.session() as s:
            return int(
                s.scalar(
                    select(func.count(StoryRow.id)).where(
                        StoryRow.merged_into_id.is_(None), StoryRow.synthesis.is_not(None)
                    )
                )
                or 0
            )

    def story(self, key: str | int) -> tuple[StorySummary, dict[str, Any] | None]:
        """A story by id or slug (a slug whose id matches but text differs still finds it)."""
        with self.session() as s:
            row: StoryRow | None
            if isinstance(key, int) or str(key).isdigit():
                row = s.get(StoryRow, int(key))
            else:
                row = s.scalar(select(StoryRow).where(StoryRow.slug == key))
                prefix = str(key).split("-", 1)[0]
                if row is None and prefix.isdigit():
                    row = s.get(StoryRow, int(prefix))
            if row is None:
                raise NotFound(f"no story {key!r}")
            while row.merged_into_id is not None:
                merged = s.get(StoryRow, row.merged_into_id)
                if merged is None:
                    break
                row = merged
            return story_summary(row), row.synthesis


def _refresh_story_counts(s: Session, story_id: int) -> None:
    story = s.get(StoryRow, story_id)
    if story is None:
        return
    rows = s.execute(
        select(ArticleRow.outlet_id, ArticleRow.published_at, OutletRow.lean)
        .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
        .where(ArticleRow.story_id == story_id)
    ).all()
    story.n_articles = len(rows)
    outlets: dict[object, str] = {}
    for index, (outlet_id, _published, lean) in enumerate(rows):
        outlets[outlet_id if outlet_id is not None else f"unknown-{index}"] = lean or "unrated"
    story.n_outlets = len(outlets)
    leans = list(outlets.values())
    story.lean_left = leans.count("left")
    story.lean_center = leans.count("center")
    story.lean_right = leans.count("right")
    story.lean_unrated = len(leans) - story.lean_left - story.lean_center - story.lean_right
    dates = [as_utc(p) for _o, p, _l in rows if p is not None]
    story.first_published_at = min(dates) if dates else None  # type: ignore[type-var]
    story.last_published_at = max(dates) if dates else None  # type: ignore[type-var]
