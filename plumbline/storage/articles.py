"""Articles through the pipeline states."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, func, or_, select, update
from sqlalchemy.orm import Session

from plumbline.errors import NotFound
from plumbline.models import (
    WAITING_STATES,
    AnalyzedArticle,
    ArticleAnalysis,
    ArticleKind,
    ArticleRecord,
    ArticleState,
    ImportKey,
    NewArticle,
    OutletEntityTone,
    StageCount,
)
from plumbline.storage import codec
from plumbline.storage.base import Store, as_utc, utcnow
from plumbline.storage.convert import record
from plumbline.storage.schema import ArticleRow, OutletRow, StoryRow


class SqlArticleStore(Store):
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

    def add_articles(self, articles: Sequence[NewArticle]) -> tuple[int, int]:
        """Store new articles in one transaction. Articles whose canonical url, external id
        or content hash is already stored are skipped. Returns (added, skipped)."""
        added = skipped = 0
        with self.session() as s:
            for article, outlet_id, feed_id, canonical, content_hash in articles:
                key = ImportKey(article.external_id, canonical, content_hash)
                exists = s.scalar(select(ArticleRow.id).where(same_article(key)).limit(1))
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
                        kind=article.kind.value if article.kind else "",
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
            return [record(a, o) for a, o in s.execute(query)]

    def pending_ids(self, state: ArticleState, limit: int) -> list[int]:
        """Ids of articles waiting in `state`, in the order of :meth:`pending`."""
        with self.session() as s:
            return list(
                s.scalars(
                    select(ArticleRow.id)
                    .where(ArticleRow.state == state.value)
                    .order_by(
                        ArticleRow.published_at.is_(None), ArticleRow.published_at, ArticleRow.id
                    )
                    .limit(limit)
                )
            )

    def articles_in_state(self, ids: Sequence[int], state: ArticleState) -> list[ArticleRecord]:
        """The articles of `ids` that are still in `state`, in the order of :meth:`pending`
        (a worker re-checks its batch with this before doing the work)."""
        if not ids:
            return []
        with self.session() as s:
            query = (
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.id.in_(list(ids)), ArticleRow.state == state.value)
                .order_by(ArticleRow.published_at.is_(None), ArticleRow.published_at, ArticleRow.id)
            )
            return [record(a, o) for a, o in s.execute(query)]

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
        kind: ArticleKind | None = None,
    ) -> ArticleState | None:
        """Store extracted text; an exact copy (same canonical url or text) becomes a
        DUPLICATE pointing at the first, keeping no text of its own. None when the article
        is no longer FETCHED (another worker stored it first): nothing is changed."""
        with self.session() as s:
            if not _hold_in_state(s, article_id, ArticleState.FETCHED):
                if s.get(ArticleRow, article_id) is None:
                    raise NotFound(f"no article {article_id}")
                return None
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
            row.kind = kind.value if kind else row.kind
            row.state = ArticleState.EXTRACTED.value
            return ArticleState.EXTRACTED

    def save_analyses(self, results: Sequence[AnalyzedArticle]) -> int:
        """Store the analyses and mark their articles ANALYZED, all in one transaction.
        Only articles still EXTRACTED change (a conditional transition: a batch analyzed
        twice, even at once by two workers, is stored once). Returns how many changed."""
        changed = 0
        with self.session() as s:
            for article_id, analysis, vector, minhash in results:
                if not _hold_in_state(s, article_id, ArticleState.EXTRACTED):
                    continue
                row = s.get(ArticleRow, article_id)
                if row is None:
                    continue
                changed += 1
                row.analysis = codec.stored(analysis)
                row.bias_score = analysis.bias_score
                lean = analysis.lean
                row.lean_left, row.lean_center, row.lean_right = lean.left, lean.center, lean.right
                row.embedding = codec.vector_bytes(vector)
                row.minhash = minhash
                row.state = ArticleState.ANALYZED.value
        return changed

    def mark_failed(
        self, article_id: int, stage: str, error: str, *, expected: ArticleState | None = None
    ) -> bool:
        """Mark an article FAILED at `stage`; with `expected`, only while it is still in
        that state (a worker never fails an article another one has moved on). Returns
        whether it changed."""
        conditions = [ArticleRow.id == article_id]
        if expected is not None:
            conditions.append(ArticleRow.state == expected.value)
        with self.session() as s:
            result = s.execute(
                update(ArticleRow)
                .where(*conditions)
                .values(state=ArticleState.FAILED.value, error=f"{stage}: {error}"[:2000])
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

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

    def busy(self) -> bool:
        """Whether an article waits for a stage or a story for its write-up: two indexed
        EXISTS probes, cheap enough for every front page."""
        waiting = [state.value for state in WAITING_STATES]
        with self.session() as s:
            articles = select(ArticleRow.id).where(ArticleRow.state.in_(waiting)).exists()
            stories = (
                select(StoryRow.id)
                .where(StoryRow.dirty, StoryRow.merged_into_id.is_(None))
                .exists()
            )
            return bool(s.scalar(select(or_(articles, stories))))

    def state_counts(self) -> list[StageCount]:
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.state, func.count()).group_by(ArticleRow.state)
            ).all()
        counts = dict((state, int(n)) for state, n in rows)
        return [StageCount(state.value, counts.get(state.value, 0)) for state in ArticleState]

    def article(self, article_id: int, *, with_analysis: bool = False) -> ArticleRecord:
        with self.session() as s:
            found = s.execute(
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.id == article_id)
            ).first()
            if found is None:
                raise NotFound(f"no article {article_id}")
            return record(found[0], found[1], with_analysis=with_analysis)

    def articles(self, ids: Sequence[int]) -> list[ArticleRecord]:
        """The articles of `ids` that exist, with their outlets (no analysis)."""
        wanted = list(dict.fromkeys(ids))[:5000]
        if not wanted:
            return []
        with self.session() as s:
            query = (
                select(ArticleRow, OutletRow)
                .outerjoin(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(ArticleRow.id.in_(wanted))
            )
            return [record(a, o) for a, o in s.execute(query)]

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
            return [record(a, o) for a, o in s.execute(query)]

    def outlet_scores(self, slug: str) -> list[tuple[datetime, float]]:
        """(publication time, bias score) of the outlet's scored, dated articles, oldest
        first: the outlet page's score history."""
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.published_at, ArticleRow.bias_score)
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(
                    OutletRow.slug == slug,
                    ArticleRow.bias_score.is_not(None),
                    ArticleRow.published_at.is_not(None),
                )
                .order_by(ArticleRow.published_at)
            ).all()
        return [
            (as_utc(when) or utcnow(), float(score)) for when, score in rows if score is not None
        ]

    def outlet_stats(self, slug: str) -> tuple[int, float | None]:
        """(articles stored, mean article bias score) for an outlet."""
        with self.session() as s:
            n, mean = s.execute(
                select(func.count(ArticleRow.id), func.avg(ArticleRow.bias_score))
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(OutletRow.slug == slug, ArticleRow.state.in_(["analyzed", "clustered"]))
            ).one()
        return int(n), (float(mean) if mean is not None else None)

    # ---------------------------------------------------------- outlet profiles
    def outlet_kinds(self, slug: str) -> dict[str, int]:
        """How many of the outlet's analyzed articles are news, opinion or analysis."""
        with self.session() as s:
            rows = s.execute(
                select(ArticleRow.kind, func.count(ArticleRow.id))
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(OutletRow.slug == slug, ArticleRow.state.in_(["analyzed", "clustered"]))
                .group_by(ArticleRow.kind)
            ).all()
        return {str(kind): int(n) for kind, n in rows if kind}

    def outlet_analyses(self, slug: str, recent: int = 300) -> list[ArticleAnalysis]:
        """The stored analyses of the outlet's `recent` latest analyzed articles (wire copies
        of another article left out), newest first."""
        with self.session() as s:
            rows = s.scalars(
                select(ArticleRow.analysis)
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(
                    OutletRow.slug == slug,
                    ArticleRow.state.in_(["analyzed", "clustered"]),
                    ArticleRow.duplicate_of_id.is_(None),
                    ArticleRow.near_duplicate_of_id.is_(None),
                )
                .order_by(
                    func.coalesce(ArticleRow.published_at, ArticleRow.fetched_at).desc(),
                    ArticleRow.id.desc(),
                )
                .limit(recent)
            ).all()
        return [codec.analysis(data) for data in rows if data]

    def outlet_story_sides(self, slug: str) -> list[tuple[int, int, int]]:
        """(left, center, right) outlets of every story with two or more outlets that the
        outlet's articles are in."""
        with self.session() as s:
            stories = _outlet_stories(slug)
            rows = s.execute(
                select(StoryRow.lean_left, StoryRow.lean_center, StoryRow.lean_right).where(
                    StoryRow.id.in_(stories),
                    StoryRow.merged_into_id.is_(None),
                    StoryRow.n_outlets >= 2,
                )
            ).all()
        return [(int(a), int(b), int(c)) for a, b, c in rows]

    def outlet_story_tones(self, slug: str, recent: int = 300) -> list[list[OutletEntityTone]]:
        """The per-outlet entity tones of the outlet's `recent` latest stories (with two or
        more outlets), one list per story (every outlet's, so others can be compared)."""
        with self.session() as s:
            stories = _outlet_stories(slug)
            rows = s.scalars(
                select(StoryRow.stats)
                .where(
                    StoryRow.id.in_(stories),
                    StoryRow.merged_into_id.is_(None),
                    StoryRow.n_outlets >= 2,
                )
                .order_by(StoryRow.last_published_at.desc(), StoryRow.id.desc())
                .limit(recent)
            ).all()
        return [codec.stats(stats).outlet_tones for stats in rows if stats]

    def lean_outlet_scores(self, lean: str) -> list[tuple[str, str, int, float, float]]:
        """(slug, name, scored articles, mean, mean of squares) of the bias scores of every
        enabled outlet of this lean that has a scored article."""
        with self.session() as s:
            rows = s.execute(
                select(
                    OutletRow.slug,
                    OutletRow.name,
                    func.count(ArticleRow.bias_score),
                    func.avg(ArticleRow.bias_score),
                    func.avg(ArticleRow.bias_score * ArticleRow.bias_score),
                )
                .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
                .where(
                    OutletRow.lean == lean,
                    OutletRow.enabled.is_(True),
                    ArticleRow.bias_score.is_not(None),
                    ArticleRow.duplicate_of_id.is_(None),
                    ArticleRow.near_duplicate_of_id.is_(None),
                )
                .group_by(OutletRow.slug, OutletRow.name)
            ).all()
        return [
            (str(slug), str(name), int(n), float(mean), float(squares))
            for slug, name, n, mean, squares in rows
            if n and mean is not None and squares is not None
        ]


def _hold_in_state(s: Session, article_id: int, state: ArticleState) -> bool:
    """Lock the article's row for this transaction if it is in `state`; False if it is
    not. The write comes first on purpose: it takes SQLite's write lock before anything is
    read (so no other process can change the row until commit) and PostgreSQL's row lock
    (a concurrent transaction waits, then sees the new state and gets False)."""
    result = s.execute(
        update(ArticleRow)
        .where(ArticleRow.id == article_id, ArticleRow.state == state.value)
        .values(state=state.value)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1


def same_article(key: ImportKey) -> ColumnElement[bool]:
    """Matches a stored copy of the article `key` identifies: same canonical URL, external
    id or content hash (how import skips copies and finds an imported record again)."""
    conditions = [ArticleRow.canonical_url == key.canonical_url]
    if key.external_id:
        conditions.append(ArticleRow.external_id == key.external_id)
    if key.content_hash:
        conditions.append(ArticleRow.content_hash == key.content_hash)
    return or_(*conditions)


def _outlet_stories(slug: str) -> Select[int | None]:
    """The ids of the stories the outlet's articles are in."""
    return (
        select(ArticleRow.story_id)
        .join(OutletRow, ArticleRow.outlet_id == OutletRow.id)
        .where(OutletRow.slug == slug, ArticleRow.story_id.is_not(None))
        .distinct()
    )
