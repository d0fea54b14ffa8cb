"""Repository: every read and write Plumbline makes, as typed methods. The only SQL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from plumbline.errors import InvalidInput, NotFound
from plumbline.models import (
    ArticleAssignment,
    ArticleIn,
    ArticleRecord,
    ArticleState,
    ClusterMember,
    FeedStatus,
    Lean,
    LeanMix,
    LeanScores,
    OpenStory,
    Outlet,
    StageCount,
    StorySummary,
)
from plumbline.storage import codec
from plumbline.storage.schema import ArticleRow, FeedRow, OutletRow, StoryRow


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; everything Plumbline stores is UTC."""
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class Repository:
    """Reads and writes through short transactions; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # ----------------------------------------------------------------- outlets
    def upsert_outlets(self, outlets: Iterable[Outlet], *, update_existing: bool = False) -> int:
        """Insert outlets (and their feeds) that are new; returns how many were added.
        Existing outlets keep the reader's choices (enabled) unless `update_existing`."""
        added = 0
        with self.session() as s:
            existing = {row.slug: row for row in s.scalars(select(OutletRow))}
            known_feeds = set(s.scalars(select(FeedRow.url)))
            for outlet in outlets:
                row = existing.get(outlet.slug)
                if row is None:
                    row = OutletRow(
                        slug=outlet.slug,
                        name=outlet.name,
                        homepage=outlet.homepage,
                        country=outlet.country,
                        domains=sorted(outlet.domains),
                        lean=outlet.lean.value,
                        lean_source=outlet.lean_source,
                        enabled=outlet.enabled,
                        created_at=utcnow(),
                    )
                    s.add(row)
                    s.flush()
                    existing[outlet.slug] = row
                    added += 1
                elif update_existing:
                    row.name, row.homepage, row.country = (
                        outlet.name,
                        outlet.homepage,
                        outlet.country,
                    )
                    row.lean, row.lean_source = outlet.lean.value, outlet.lean_source
                    row.domains = sorted(set(row.domains) | set(outlet.domains))
                for url in outlet.feeds:
                    if url not in known_feeds:
                        s.add(FeedRow(outlet_id=row.id, url=url, enabled=True))
                        known_feeds.add(url)
        return added

    def list_outlets(self) -> list[Outlet]:
        with self.session() as s:
            rows = s.scalars(select(OutletRow).order_by(OutletRow.name)).all()
            feeds = _feeds_by_outlet(s)
            return [_outlet(row, feeds.get(row.id, [])) for row in rows]

    def get_outlet(self, slug: str) -> Outlet:
        with self.session() as s:
            row = s.scalar(select(OutletRow).where(OutletRow.slug == slug))
            if row is None:
                raise NotFound(f"no outlet {slug!r}")
            feeds = _feeds_by_outlet(s).get(row.id, [])
            return _outlet(row, feeds)

    def set_outlet_enabled(self, slug: str, enabled: bool) -> None:
        with self.session() as s:
            result = s.execute(
                update(OutletRow).where(OutletRow.slug == slug).values(enabled=enabled)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFound(f"no outlet {slug!r}")

    def outlet_index(self) -> dict[str, tuple[int, str]]:
        """Map slug, lower-cased name and every domain to (outlet id, slug)."""
        index: dict[str, tuple[int, str]] = {}
        with self.session() as s:
            for row in s.scalars(select(OutletRow)):
                for key in (row.slug, row.name.lower(), *row.domains):
                    index.setdefault(key.lower(), (row.id, row.slug))
        return index

    # ------------------------------------------------------------------- feeds
    def feeds(self, *, due_at: datetime | None = None) -> list[FeedStatus]:
        """All feeds, or only the enabled feeds of enabled outlets due at `due_at`."""
        with self.session() as s:
            query = select(FeedRow, OutletRow.slug).join(OutletRow).order_by(FeedRow.id)
            if due_at is not None:
                query = query.where(
                    FeedRow.enabled,
                    OutletRow.enabled,
                    or_(FeedRow.next_fetch_at.is_(None), FeedRow.next_fetch_at <= due_at),
                )
            return [_feed_status(row, slug) for row, slug in s.execute(query)]

    def record_feed_result(
        self,
        feed_id: int,
        *,
        status: int | None,
        error: str | None,
        next_fetch_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        with self.session() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                raise NotFound(f"no feed {feed_id}")
            row.last_fetched_at = utcnow()
            row.last_status = status
            row.next_fetch_at = next_fetch_at
            if error:
                row.last_error = error[:2000]
                row.error_count += 1
            else:
                row.last_error = None
                row.error_count = 0
                if etag is not None:
                    row.etag = etag
                if last_modified is not None:
                    row.last_modified = last_modified

    # ---------------------------------------------------------------- articles
    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """The subset of `urls` already stored (as url or canonical url)."""
        found: set[str] = set()
        with self.session() as s:
            for start in range(0, len(urls), 500):
                chunk = list(urls[start : start + 500])
                found.update(s.scalars(select(ArticleRow.url).where(ArticleRow.url.in_(chunk))))
                found.update(
                    s.scalars(
                        select(ArticleRow.canonical_url).where(ArticleRow.canonical_url.in_(chunk))
                    )
                )
        return found

    def known_external_ids(self, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        with self.session() as s:
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                found.update(
                    x
                    for x in s.scalars(
                        select(ArticleRow.external_id).where(ArticleRow.external_id.in_(chunk))
                    )
                    if x
                )
        return found

    def add_articles(
        self,
        articles: Sequence[tuple[ArticleIn, int | None, int | None, str, str | None]],
    ) -> tuple[int, int]:
        """Store new articles in one transaction: (article, outlet id, feed id, canonical url,
        content hash). Articles whose canonical url, external id or content hash is already
        stored are skipped. Returns (added, skipped)."""
        added = skipped = 0
        with self.session() as s:
            for article, outlet_id, feed_id, canonical, content_hash in articles:
                conditions = [ArticleRow.canonical_url == canonical]
                if article.external_id:
                    conditions.append(ArticleRow.external_id == article.external_id)
                if content_hash:
                    conditions.append(ArticleRow.content_hash == content_hash)
                exists = s.scalar(select(ArticleRow.id).where(or_(*conditions)).limit(1))
                if exists is not None:
                    skipped += 1
                    continue
                state = ArticleState.FETCHED if article.raw_html else ArticleState.EXTRACTED
                s.add(
                    ArticleRow(
                        outlet_id=outlet_id,
                        feed_id=feed_id,
                        url=article.url,
                        canonical_url=canonical,
                        external_id=article.external_id or None,
                        title=article.title,
                        summary=article.summary,
                        text=article.text,
                        author=article.author[:500],
                        language=article.language[:16],
                        topic=article.topic[:100],
                        published_at=article.published,
                        fetched_at=utcnow(),
                        raw_html=article.raw_html,
                        content_hash=content_hash,
                        state=state.value,
                    )
                )
                s.flush()
                added += 1
        return added, skipped

    def pending(self, state: ArticleState, limit: int) -> list[ArticleRecord]:
        """Articles waiting in `state`, oldest publication first (unknown dates last)."""
        with self.session() as s:
            query = (
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.state == state.value)
                .order_by(ArticleRow.published_at.is_(None), ArticleRow.published_at, ArticleRow.id)
                .limit(limit)
            )
            return [_record(a, o) for a, o in s.execute(query)]

    def raw_html(self, article_id: int) -> bytes | None:
        with self.session() as s:
            return s.scalar(select(ArticleRow.raw_html).where(ArticleRow.id == article_id))

    def save_extraction(
        self,
        article_id: int,
        *,
        title: str,
        text: str,
        author: str,
        published: datetime | None,
        canonical_url: str,
        language: str,
        content_hash: str,
    ) -> ArticleState:
        """Store extracted text; an exact copy (same canonical url or text) becomes a
        DUPLICATE pointing at the first, keeping no text of its own."""
        with self.session() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                raise NotFound(f"no article {article_id}")
            original = s.scalar(
                select(ArticleRow.id).where(
                    ArticleRow.id != article_id,
                    or_(
                        ArticleRow.canonical_url == canonical_url,
                        ArticleRow.content_hash == content_hash,
                    ),
                )
            )
            row.raw_html = None
            if original is not None:
                row.state = ArticleState.DUPLICATE.value
                row.duplicate_of_id = original
                return ArticleState.DUPLICATE
            row.title = title or row.title
            row.text = text
            row.author = (author or row.author)[:500]
            row.published_at = row.published_at or published
            row.canonical_url = canonical_url or row.canonical_url
            row.language = language[:16]
            row.content_hash = content_hash
            row.state = ArticleState.EXTRACTED.value
            return ArticleState.EXTRACTED

    def save_analyses(self, results: Sequence[tuple[int, dict[str, Any], bytes, bytes]]) -> None:
        """Store (article id, analysis dict, embedding bytes, minhash bytes) and mark them
        ANALYZED, all in one transaction."""
        with self.session() as s:
            for article_id, analysis, embedding, minhash in results:
                row = s.get(ArticleRow, article_id)
                if row is None or row.state != ArticleState.EXTRACTED.value:
                    continue
                row.analysis = analysis
                row.bias_score = analysis.get("bias_score")
                lean = analysis["lean"]
                row.lean_left, row.lean_center, row.lean_right = (
                    lean["left"],
                    lean["center"],
                    lean["right"],
                )
                row.embedding = embedding
                row.minhash = minhash
                row.state = ArticleState.ANALYZED.value

    def mark_failed(self, article_id: int, stage: str, error: str) -> None:
        with self.session() as s:
            s.execute(
                update(ArticleRow)
                .where(ArticleRow.id == article_id)
                .values(state=ArticleState.FAILED.value, error=f"{stage}: {error}"[:2000])
            )

    def retry_failed(self) -> int:
        """Put failed articles back to the state before the stage that failed."""
        restored = 0
        with self.session() as s:
            for row in s.scalars(select(ArticleRow).where(ArticleRow.state == "failed")):
                stage = (row.error or "").split(":", 1)[0]
                row.state = {
                    "extract": "fetched",
                    "analyze": "extracted",
                    "cluster": "analyzed",
                }.get(stage, "extracted" if row.text else "fetched")
                row.error = None
                restored += 1
        return restored

    def state_counts(self) -> list[StageCount]:
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.state, func.count()).group_by(ArticleRow.state)
            ).all()
        counts = dict((state, int(n)) for state, n in rows)
        return [StageCount(state.value, counts.get(state.value, 0)) for state in ArticleState]

    def article(self, article_id: int) -> ArticleRecord:
        with self.session() as s:
            found = s.execute(
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.id == article_id)
            ).first()
            if found is None:
                raise NotFound(f"no article {article_id}")
            return _record(found[0], found[1])

    def outlet_articles(self, slug: str, limit: int = 50) -> list[ArticleRecord]:
        with self.session() as s:
            query = (
                select(ArticleRow, OutletRow)
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(
                    OutletRow.slug == slug,
                    ArticleRow.state.in_(["analyzed", "clustered"]),
                )
                .order_by(ArticleRow.published_at.desc(), ArticleRow.id.desc())
                .limit(limit)
            )
            return [_record(a, o) for a, o in s.execute(query)]

    def outlet_stats(self, slug: str) -> tuple[int, float | None]:
        """(articles stored, mean article bias score) for an outlet."""
        with self.session() as s:
            n, mean = s.execute(
                select(func.count(ArticleRow.id), func.avg(ArticleRow.bias_score))
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(OutletRow.slug == slug, ArticleRow.state.in_(["analyzed", "clustered"]))
            ).one()
        return int(n), (float(mean) if mean is not None else None)

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
            return [_record(a, o, with_analysis=True) for a, o in s.execute(query)]

    def save_synthesis(
        self,
        story_id: int,
        *,
        headline: str,
        lead: str,
        synthesis: dict[str, Any],
        bias_score: float | None,
        topics: list[str],
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
            return [_story_summary(row) for row in rows]

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
            return _story_summary(row), row.synthesis


# ------------------------------------------------------------------ helpers
def _feeds_by_outlet(s: Session) -> dict[int, list[str]]:
    feeds: dict[int, list[str]] = {}
    for outlet_id, url in s.execute(select(FeedRow.outlet_id, FeedRow.url).order_by(FeedRow.id)):
        feeds.setdefault(outlet_id, []).append(url)
    return feeds


def _outlet(row: OutletRow, feeds: list[str]) -> Outlet:
    return Outlet(
        slug=row.slug,
        name=row.name,
        homepage=row.homepage,
        feeds=feeds,
        country=row.country,
        lean=Lean(row.lean),
        lean_source=row.lean_source,
        enabled=row.enabled,
        domains=list(row.domains),
    )


def _feed_status(row: FeedRow, slug: str) -> FeedStatus:
    return FeedStatus(
        id=row.id,
        outlet_slug=slug,
        url=row.url,
        enabled=row.enabled,
        last_fetched_at=as_utc(row.last_fetched_at),
        last_status=row.last_status,
        last_error=row.last_error,
        error_count=row.error_count,
        next_fetch_at=as_utc(row.next_fetch_at),
        etag=row.etag,
        last_modified=row.last_modified,
    )


def _record(
    row: ArticleRow, outlet: OutletRow | None, *, with_analysis: bool = False
) -> ArticleRecord:
    lean = None
    if row.lean_left is not None and row.lean_center is not None and row.lean_right is not None:
        lean = LeanScores(row.lean_left, row.lean_center, row.lean_right)
    return ArticleRecord(
        id=row.id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        text=row.text,
        state=ArticleState(row.state),
        outlet_slug=outlet.slug if outlet else None,
        outlet_name=outlet.name if outlet else None,
        outlet_lean=Lean(outlet.lean) if outlet else Lean.UNRATED,
        published=as_utc(row.published_at),
        fetched_at=as_utc(row.fetched_at) or utcnow(),
        author=row.author,
        summary=row.summary,
        topic=row.topic,
        story_id=row.story_id,
        duplicate_of=row.duplicate_of_id or row.near_duplicate_of_id,
        bias_score=row.bias_score,
        lean=lean,
        analysis=codec.analysis(row.analysis) if with_analysis and row.analysis else None,
        error=row.error,
    )


def _story_summary(row: StoryRow) -> StorySummary:
    return StorySummary(
        id=row.id,
        slug=row.slug,
        headline=row.headline,
        lead=row.lead,
        n_articles=row.n_articles,
        n_outlets=row.n_outlets,
        first_published=as_utc(row.first_published_at),
        last_published=as_utc(row.last_published_at),
        updated_at=as_utc(row.updated_at) or utcnow(),
        lean_mix=LeanMix(row.lean_left, row.lean_center, row.lean_right, row.lean_unrated),
        bias_score=row.bias_score,
        topics=list(row.topics or []),
    )


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
