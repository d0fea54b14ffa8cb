"""Stories: clustering decisions, syntheses, listings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import TypeVar

import numpy as np
from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select, text, update
from sqlalchemy.orm import Session

from plumbline.errors import InvalidInput, NotFound
from plumbline.models import (
    ArticleAssignment,
    ArticleRecord,
    ArticleState,
    ClusterFeatures,
    ClusterMember,
    ImportKey,
    Merge,
    OpenStory,
    Split,
    StoryStats,
    StorySummary,
    Synthesis,
)
from plumbline.storage import codec
from plumbline.storage.articles import same_article
from plumbline.storage.base import Store, as_utc, row_id, utcnow
from plumbline.storage.convert import record, story_summary
from plumbline.storage.schema import ArticleRow, OutletRow, StoryRow, StoryTopicRow
from plumbline.storage.search import index_story, synthesis_text, unindex_story

T = TypeVar("T")
_SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,119}")  # what a story slug can be (String(120))


class SqlStoryStore(Store):
    # ----------------------------------------------------------------- stories
    def close_story_vectors(self, margin: timedelta) -> int:
        """PostgreSQL: take the pgvector copy off the stories whose latest dated article is
        more than `margin` older than the newest story's, so that the HNSW index holds the
        open stories and stays small as the archive grows (a story that takes an article
        again gets its copy back with its new centroid). Returns how many were closed; 0 on
        SQLite, which keeps no copy."""
        if self.engine.dialect.name != "postgresql":
            return 0
        with self.session() as s:
            newest = s.scalar(select(func.max(StoryRow.last_published_at)))
            if newest is None:
                return 0
            result = s.execute(
                text(
                    "UPDATE stories SET centroid_vec = NULL "
                    "WHERE centroid_vec IS NOT NULL AND last_published_at < :before"
                ),
                {"before": newest - margin},
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def open_stories(self, since: datetime) -> list[OpenStory]:
        return self._shapes(
            StoryRow.merged_into_id.is_(None),
            or_(StoryRow.last_published_at.is_(None), StoryRow.last_published_at >= since),
        )

    def _shapes(self, *conditions: ColumnElement[bool]) -> list[OpenStory]:
        with self.session() as s:
            rows = s.execute(
                select(
                    StoryRow.id,
                    StoryRow.centroid,
                    StoryRow.n_articles,
                    StoryRow.last_published_at,
                    StoryRow.first_published_at,
                ).where(*conditions)
            ).all()
        return [
            OpenStory(id, codec.vector(centroid), n, as_utc(last), as_utc(first))
            for id, centroid, n, last, first in rows
        ]

    def cluster_features(self, article_ids: Sequence[int]) -> dict[int, ClusterFeatures]:
        """What the clusterer reads of each of the articles, by id."""
        with self.session() as s:
            rows = s.execute(
                select(
                    ArticleRow.id, ArticleRow.embedding, ArticleRow.minhash, ArticleRow.outlet_id
                ).where(ArticleRow.id.in_(list(article_ids)))
            ).all()
        return {
            id: ClusterFeatures(codec.vector(embedding or b""), minhash, outlet)
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
                    story = _new_story(s, row, a.centroid, now)
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
                row.joined_at = now
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

    def story_texts(self, story_id: int) -> dict[int, tuple[str, str]]:
        """Article id -> (title, text) of a story's members (no analysis decoded)."""
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.title, ArticleRow.text).where(
                    ArticleRow.story_id == story_id
                )
            ).all()
        return {id: (title or "", text or "") for id, title, text in rows}

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
        synthesis: Synthesis,
        *,
        bias_score: float | None,
        topics: list[str],
        stats: StoryStats | None = None,
    ) -> None:
        """Store a story's write-up with its statistics; the story is no longer waiting for
        one."""
        stored = codec.stored(synthesis)
        headline = synthesis.headline
        with self.session() as s:
            row = s.get(StoryRow, story_id)
            if row is None:
                raise NotFound(f"no story {story_id}")
            row.headline = headline
            row.lead = " ".join(sentence.text for sentence in synthesis.lead)
            row.synthesis = stored
            row.bias_score = bias_score
            row.topics = topics
            row.stats = codec.stored(stats) if stats is not None else None
            row.dirty = False
            row.error = None
            row.updated_at = utcnow()
            index_story(s, story_id, headline, synthesis_text(stored), topics)

    def list_stories(
        self,
        *,
        limit: int = 30,
        offset: int = 0,
        min_outlets: int = 1,
        topic: str | None = None,
        blindspot: bool = False,
    ) -> list[StorySummary]:
        """Stories, most recent day first and most-covered first within it; optionally
        only one topic's, or only blindspots (covered almost only by one side)."""
        if limit < 1 or limit > 200 or offset < 0:
            raise InvalidInput("limit must be 1-200 and offset at least 0")
        with self.session() as s:
            day = func.date(StoryRow.last_published_at)
            query = _listed(select(StoryRow), min_outlets, topic, blindspot)
            rows = s.scalars(
                query.order_by(day.desc(), StoryRow.n_outlets.desc(), StoryRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return [story_summary(row) for row in rows]

    def count_stories(
        self, *, min_outlets: int = 1, topic: str | None = None, blindspot: bool = False
    ) -> int:
        """How many stories :meth:`list_stories` lists with the same filters."""
        query = _listed(select(func.count(StoryRow.id)), min_outlets, topic, blindspot)
        with self.session() as s:
            return int(s.scalar(query) or 0)

    def story_summaries(self, story_ids: Iterable[int]) -> dict[int, StorySummary]:
        """Each given story's summary by the id asked for; a merged story answers as the
        story it joined, an unknown id not at all."""
        wanted = list(dict.fromkeys(story_ids))[:5000]
        if not wanted:
            return {}
        found: dict[int, StorySummary] = {}
        with self.session() as s:
            for row in s.scalars(select(StoryRow).where(StoryRow.id.in_(wanted))):
                found[row.id] = story_summary(current_story(s, row))
        return found

    def story_version(self, slug: str) -> str | None:
        """A token that changes whenever the story at `slug` is written up again, merged
        or split (None: no such slug). One indexed lookup: the page cache asks it on
        every hit."""
        with self.engine.connect() as connection:  # no ORM session: this is the hot path
            found = connection.execute(_VERSION_QUERY, {"slug": slug}).first()
        if found is None:
            return None
        story_id, updated, merged_into = found
        return f"{story_id}:{updated.isoformat() if updated else ''}:{merged_into or ''}"

    def story(self, key: str | int) -> tuple[StorySummary, Synthesis | None]:
        """A story by id or slug (a slug whose id matches but text differs still finds it)."""
        with self.session() as s:
            row: StoryRow | None = None
            if isinstance(key, int) or (key.isascii() and key.isdigit()):
                number = row_id(key)
                row = s.get(StoryRow, number) if number is not None else None
            else:
                # only what could be a slug is looked up: anything else (a NUL byte, which
                # PostgreSQL text refuses, quotes, capitals, a megabyte) cannot be one
                if _SLUG.fullmatch(key):
                    row = s.scalar(select(StoryRow).where(StoryRow.slug == key))
                prefix = row_id(key.split("-", 1)[0])
                if row is None and prefix is not None:
                    row = s.get(StoryRow, prefix)
            if row is None:
                raise NotFound(f"no story {key!r}")
            row = current_story(s, row)
            return story_summary(row), codec.synthesis(row.synthesis) if row.synthesis else None

    def article_id_of_import(self, key: ImportKey) -> int | None:
        """The stored article an imported record became, matched the way import skips
        copies: external id, canonical URL or content hash."""
        with self.session() as s:
            return s.scalar(_import_match(key).with_only_columns(ArticleRow.id))

    def story_of_import(self, key: ImportKey) -> tuple[int | None, str]:
        """The story of the stored article an imported record became, following merges;
        or None and why."""
        with self.session() as s:
            row = s.scalar(_import_match(key))
            if row is None:
                return None, "not stored"
            if row.story_id is None:
                return None, row.error or f"not clustered (state {row.state})"
            story = s.get(StoryRow, row.story_id)
            return (current_story(s, story).id if story else row.story_id), ""

    # ------------------------------------------------------- merges and splits
    def story_ids_of(self, article_ids: Sequence[int]) -> set[int]:
        """The stories the given articles belong to now."""
        with self.session() as s:
            ids = s.scalars(select(ArticleRow.story_id).where(ArticleRow.id.in_(list(article_ids))))
            return {story_id for story_id in ids if story_id is not None}

    def story_shapes(self, story_ids: Iterable[int]) -> list[OpenStory]:
        """Centroid, size and dates of the given stories."""
        return self._shapes(StoryRow.id.in_(list(story_ids)))

    def member_vectors(self, story_id: int) -> tuple[list[int], codec.Vector]:
        """The story's article ids and their cluster vectors (rows in the same order)."""
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.id, ArticleRow.embedding)
                .where(ArticleRow.story_id == story_id, ArticleRow.embedding.is_not(None))
                .order_by(ArticleRow.id)
            ).all()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.float32)
        return [id for id, _ in rows], np.stack([codec.vector(v or b"") for _, v in rows])

    def merge_stories(self, merges: Sequence[Merge]) -> None:
        """Carry out merges in one transaction: the source story's articles join the
        target, the source is kept as a redirect (`merged_into_id`), stories that already
        redirected to the source now redirect to the target."""
        now = utcnow()
        with self.session() as s:
            for merge in merges:
                source = s.get(StoryRow, merge.source)
                target = s.get(StoryRow, merge.target)
                if source is None or target is None or source.id == target.id:
                    continue
                if source.merged_into_id is not None or target.merged_into_id is not None:
                    continue  # already merged by an earlier plan
                combined = codec.vector(source.centroid) * source.n_articles + codec.vector(
                    target.centroid
                ) * max(target.n_articles, 1)
                norm = float(np.linalg.norm(combined))
                target.centroid = codec.vector_bytes(combined / norm if norm else combined)
                s.execute(
                    update(ArticleRow)
                    .where(ArticleRow.story_id == source.id)
                    .values(story_id=target.id, joined_at=utcnow())
                )
                s.execute(
                    update(StoryRow)
                    .where(StoryRow.merged_into_id == source.id)
                    .values(merged_into_id=target.id)
                )
                source.merged_into_id = target.id
                unindex_story(s, source.id)
                source.dirty = False
                source.updated_at = now
                target.dirty = True
                target.updated_at = now
                s.flush()
                _refresh_story_counts(s, source.id)
                _refresh_story_counts(s, target.id)

    def split_story(
        self, split: Split, kept_centroid: codec.Vector, moved_centroid: codec.Vector
    ) -> int:
        """Move `split.moved` articles to a new story; returns its id. The old story keeps
        its id and URL."""
        now = utcnow()
        with self.session() as s:
            story = s.get(StoryRow, split.story)
            if story is None:
                raise NotFound(f"no story {split.story}")
            first = s.scalar(
                select(ArticleRow)
                .where(ArticleRow.id.in_(split.moved), ArticleRow.story_id == story.id)
                .order_by(ArticleRow.published_at, ArticleRow.id)
                .limit(1)
            )
            if first is None:
                raise InvalidInput(f"none of the articles to split off is in story {story.id}")
            new = _new_story(s, first, moved_centroid, now)
            s.execute(
                update(ArticleRow)
                .where(ArticleRow.id.in_(split.moved), ArticleRow.story_id == story.id)
                .values(story_id=new.id, joined_at=now)
            )
            story.centroid = codec.vector_bytes(kept_centroid)
            story.dirty = True
            story.updated_at = now
            s.flush()
            _refresh_story_counts(s, story.id)
            _refresh_story_counts(s, new.id)
            return new.id


_VERSION_QUERY = select(StoryRow.id, StoryRow.updated_at, StoryRow.merged_into_id).where(
    StoryRow.slug == bindparam("slug")
)


def current_story(s: Session, row: StoryRow) -> StoryRow:
    """The story `row` now lives in: itself, or the story it was merged into (following
    a chain of merges; a broken or circular chain stops where it breaks)."""
    seen = {row.id}
    while row.merged_into_id is not None:
        merged = s.get(StoryRow, row.merged_into_id)
        if merged is None or merged.id in seen:
            break
        seen.add(merged.id)
        row = merged
    return row


def _listed(query: Select[T], min_outlets: int, topic: str | None, blindspot: bool) -> Select[T]:
    """`query` over the published stories that pass the listing's filters."""
    query = query.where(
        StoryRow.merged_into_id.is_(None),
        StoryRow.synthesis.is_not(None),
        StoryRow.n_outlets >= min_outlets,
    )
    if topic:
        query = query.join(StoryTopicRow, StoryTopicRow.story_id == StoryRow.id).where(
            StoryTopicRow.topic == topic
        )
    if blindspot:
        query = query.where(StoryRow.stats["blindspot"]["side"].as_string().is_not(None))
    return query


def _import_match(key: ImportKey) -> Select[ArticleRow]:
    return select(ArticleRow).where(same_article(key)).order_by(ArticleRow.id).limit(1)


def _new_story(s: Session, first: ArticleRow, centroid: codec.Vector, now: datetime) -> StoryRow:
    """A new story started by `first`; its slug is its id and the article's title."""
    story = StoryRow(
        slug=f"pending-{first.id}",
        headline=first.title,
        lead="",
        created_at=now,
        updated_at=now,
        centroid=codec.vector_bytes(centroid),
        dirty=True,
        topics=[],
    )
    s.add(story)
    s.flush()
    story.slug = f"{story.id}-{codec.slugify(first.title)}"
    return story


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
