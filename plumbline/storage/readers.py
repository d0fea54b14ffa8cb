"""Readers: saved stories, sign-in links, consent records, first-party page views, and each
reader's data export and deletion."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plumbline.errors import InvalidInput, NotFound
from plumbline.models import ConsentChoice, StorySummary
from plumbline.signing import token_hash
from plumbline.storage.base import Store, as_utc, utcnow
from plumbline.storage.convert import story_summary
from plumbline.storage.schema import ArticleRow, StoryRow
from plumbline.storage.schema_readers import (
    BookmarkRow,
    ConsentRow,
    FollowRow,
    PageViewRow,
    PhraseVoteRow,
    ReaderRow,
    ReadRow,
    SignInTokenRow,
)
from plumbline.storage.stories import current_story

MAX_BOOKMARKS = 1000
MAX_READS = 2000  # a reader's reading history keeps this many stories and articles


class SqlReaderStore(Store):
    # ----------------------------------------------------------------- readers
    def reader_id(self, token: str) -> int | None:
        """The reader a cookie token belongs to, or None."""
        if not token or len(token) > 200:
            return None
        with self.session() as s:
            row = s.scalar(select(ReaderRow).where(ReaderRow.token_hash == token_hash(token)))
            if row is None:
                return None
            now = utcnow()
            if (as_utc(row.last_seen_at) or now) < now - timedelta(hours=1):
                row.last_seen_at = now
            return row.id

    def create_reader(self, token: str) -> int:
        now = utcnow()
        with self.session() as s:
            row = ReaderRow(token_hash=token_hash(token), created_at=now, last_seen_at=now)
            s.add(row)
            s.flush()
            return row.id

    def reader_email(self, reader_id: int) -> str | None:
        with self.session() as s:
            return s.scalar(select(ReaderRow.email).where(ReaderRow.id == reader_id))

    # --------------------------------------------------------------- bookmarks
    def save_story(self, reader_id: int, story_id: int) -> None:
        """Idempotent: saving a saved story changes nothing."""
        with self.session() as s:
            if s.get(StoryRow, story_id) is None:
                raise NotFound(f"no story {story_id}")
            if s.get(BookmarkRow, (reader_id, story_id)) is not None:
                return
            count = s.scalar(
                select(func.count())
                .select_from(BookmarkRow)
                .where(BookmarkRow.reader_id == reader_id)
            )
            if (count or 0) >= MAX_BOOKMARKS:
                raise InvalidInput(f"at most {MAX_BOOKMARKS} saved stories")
            s.add(BookmarkRow(reader_id=reader_id, story_id=story_id, created_at=utcnow()))

    def unsave_story(self, reader_id: int, story_id: int) -> None:
        with self.session() as s:
            s.execute(
                delete(BookmarkRow).where(
                    BookmarkRow.reader_id == reader_id, BookmarkRow.story_id == story_id
                )
            )

    def saved_story_ids(self, reader_id: int) -> set[int]:
        with self.session() as s:
            return set(
                s.scalars(select(BookmarkRow.story_id).where(BookmarkRow.reader_id == reader_id))
            )

    def saved_stories(
        self, reader_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[StorySummary]:
        """Saved stories, the most recently saved first; a merged story shows as the story
        it joined."""
        with self.session() as s:
            rows = s.execute(
                select(StoryRow)
                .join(BookmarkRow, BookmarkRow.story_id == StoryRow.id)
                .where(BookmarkRow.reader_id == reader_id)
                .order_by(BookmarkRow.created_at.desc(), StoryRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).scalars()
            found: dict[int, StorySummary] = {}
            for row in rows:
                current = current_story(s, row)
                found.setdefault(current.id, story_summary(current))
            return list(found.values())

    # ---------------------------------------------------------- sign-in links
    def create_sign_in(
        self, token: str, email: str, reader_id: int | None, lifetime: timedelta
    ) -> None:
        now = utcnow()
        with self.session() as s:
            s.add(
                SignInTokenRow(
                    token_hash=token_hash(token),
                    email=email,
                    reader_id=reader_id,
                    created_at=now,
                    expires_at=now + lifetime,
                )
            )

    def sign_ins_since(self, email: str, since: datetime) -> int:
        with self.session() as s:
            return int(
                s.scalar(
                    select(func.count())
                    .select_from(SignInTokenRow)
                    .where(SignInTokenRow.email == email, SignInTokenRow.created_at >= since)
                )
                or 0
            )

    def use_sign_in(self, token: str, new_reader_token: str) -> int:
        """Spend a sign-in link: returns the signed-in reader's id. The account is the
        reader with that email (created on first sign-in); the browser that asked for the
        link brings its saved stories along. Raises InvalidInput for an unknown, used or
        expired link."""
        now = utcnow()
        with self.session() as s:
            link = s.scalar(
                select(SignInTokenRow).where(SignInTokenRow.token_hash == token_hash(token))
            )
            if link is None or link.used_at is not None:
                raise InvalidInput("this sign-in link is not valid or was already used")
            if (as_utc(link.expires_at) or now) < now:
                raise InvalidInput("this sign-in link has expired; ask for a new one")
            link.used_at = now
            account = s.scalar(select(ReaderRow).where(ReaderRow.email == link.email))
            if account is None:
                account = ReaderRow(
                    token_hash=token_hash(new_reader_token),
                    email=link.email,
                    created_at=now,
                    last_seen_at=now,
                )
                s.add(account)
                s.flush()
            else:
                account.token_hash = token_hash(new_reader_token)  # one signed-in browser key
                account.last_seen_at = now
            if link.reader_id is not None and link.reader_id != account.id:
                _move_bookmarks(s, link.reader_id, account.id)
                _move_reader_data(s, link.reader_id, account.id)
            return account.id

    # ----------------------------------------------------------------- consent
    def record_consent(self, consent_id: str, choice: ConsentChoice) -> None:
        with self.session() as s:
            s.add(
                ConsentRow(
                    consent_id=consent_id,
                    policy_version=choice.policy_version,
                    preferences=choice.preferences,
                    analytics=choice.analytics,
                    choice={"method": choice.method},
                    created_at=utcnow(),
                )
            )

    def consent_history(self, consent_id: str) -> list[dict[str, Any]]:
        with self.session() as s:
            rows = s.scalars(
                select(ConsentRow)
                .where(ConsentRow.consent_id == consent_id)
                .order_by(ConsentRow.id)
            )
            return [
                {
                    "at": (as_utc(r.created_at) or utcnow()).isoformat(),
                    "policy_version": r.policy_version,
                    "preferences": r.preferences,
                    "analytics": r.analytics,
                    "method": r.choice.get("method", ""),
                }
                for r in rows
            ]

    # -------------------------------------------------------------- analytics
    def count_view(self, story_id: int, day: date) -> None:
        with self.session() as s:
            updated = s.execute(
                update(PageViewRow)
                .where(PageViewRow.story_id == story_id, PageViewRow.day == day)
                .values(views=PageViewRow.views + 1)
            )
            if getattr(updated, "rowcount", 0) == 0 and s.get(StoryRow, story_id) is not None:
                s.add(PageViewRow(story_id=story_id, day=day, views=1))

    def story_views(self, story_id: int) -> int:
        with self.session() as s:
            return int(
                s.scalar(
                    select(func.coalesce(func.sum(PageViewRow.views), 0)).where(
                        PageViewRow.story_id == story_id
                    )
                )
                or 0
            )

    # --------------------------------------------------------- reading history
    def record_read(
        self,
        reader_id: int,
        when: datetime,
        *,
        story_id: int | None = None,
        article_id: int | None = None,
    ) -> None:
        """Note that the reader read a story or opened an article at `when` (one row per
        story and article: a second read moves its time); the oldest go past MAX_READS.
        Two reads at once meet the unique constraint: the second then moves the time."""
        if (story_id is None) == (article_id is None):
            raise ValueError("a read is of a story or of an article")
        try:
            self._record_read(reader_id, when, story_id, article_id)
        except IntegrityError:
            self._record_read(reader_id, when, story_id, article_id)

    def _record_read(
        self, reader_id: int, when: datetime, story_id: int | None, article_id: int | None
    ) -> None:
        with self.session() as s:
            target = (
                ReadRow.story_id == story_id if story_id is not None
                else ReadRow.article_id == article_id
            )  # fmt: skip
            row = s.scalar(select(ReadRow).where(ReadRow.reader_id == reader_id, target))
            if row is not None:
                row.at = when
                return
            exists = (
                s.get(StoryRow, story_id) if story_id is not None
                else s.get(ArticleRow, article_id)
            )  # fmt: skip
            if exists is None:
                return  # gone meanwhile: nothing to remember
            s.add(ReadRow(reader_id=reader_id, story_id=story_id, article_id=article_id, at=when))
            s.flush()
            old = s.scalars(
                select(ReadRow.id)
                .where(ReadRow.reader_id == reader_id)
                .order_by(ReadRow.at.desc(), ReadRow.id.desc())
                .offset(MAX_READS)
            ).all()
            if old:
                s.execute(delete(ReadRow).where(ReadRow.id.in_(old)))

    def reading_history(self, reader_id: int) -> tuple[dict[int, datetime], dict[int, datetime]]:
        """(story id -> last read, article id -> last opened) for the reader."""
        stories: dict[int, datetime] = {}
        articles: dict[int, datetime] = {}
        with self.session() as s:
            rows = s.execute(
                select(ReadRow.story_id, ReadRow.article_id, ReadRow.at).where(
                    ReadRow.reader_id == reader_id
                )
            ).all()
        for story_id, article_id, at in rows:
            when = as_utc(at) or utcnow()
            if story_id is not None:
                stories[story_id] = when
            elif article_id is not None:
                articles[article_id] = when
        return stories, articles

    def forget_reading(self, reader_id: int) -> int:
        """Delete the reader's reading history; returns how many entries went."""
        with self.session() as s:
            done = s.execute(delete(ReadRow).where(ReadRow.reader_id == reader_id))
            return int(getattr(done, "rowcount", 0) or 0)

    # ------------------------------------------------------ export and delete
    def export_reader(self, reader_id: int) -> dict[str, Any]:
        """Everything stored about a reader, as JSON-ready data."""
        with self.session() as s:
            reader = s.get(ReaderRow, reader_id)
            if reader is None:
                raise NotFound("no such reader")
            saved = s.execute(
                select(BookmarkRow.story_id, BookmarkRow.created_at, StoryRow.slug)
                .join(StoryRow, StoryRow.id == BookmarkRow.story_id)
                .where(BookmarkRow.reader_id == reader_id)
                .order_by(BookmarkRow.created_at)
            ).all()
            votes = s.execute(
                select(PhraseVoteRow, ArticleRow.url)
                .join(ArticleRow, ArticleRow.id == PhraseVoteRow.article_id)
                .where(PhraseVoteRow.reader_id == reader_id)
                .order_by(PhraseVoteRow.created_at, PhraseVoteRow.id)
            ).all()
            reads = s.execute(
                select(ReadRow.at, StoryRow.slug, ArticleRow.url)
                .outerjoin(StoryRow, StoryRow.id == ReadRow.story_id)
                .outerjoin(ArticleRow, ArticleRow.id == ReadRow.article_id)
                .where(ReadRow.reader_id == reader_id)
                .order_by(ReadRow.at, ReadRow.id)
            ).all()
            return {
                "email": reader.email,
                "reading_history": [
                    {"story": slug, "read_at": (as_utc(at) or utcnow()).isoformat()}
                    if slug is not None
                    else {"article": url, "opened_at": (as_utc(at) or utcnow()).isoformat()}
                    for at, slug, url in reads
                ],
                "created_at": (as_utc(reader.created_at) or utcnow()).isoformat(),
                "saved_stories": [
                    {"story": slug, "saved_at": (as_utc(at) or utcnow()).isoformat()}
                    for _id, at, slug in saved
                ],
                "phrase_answers": [
                    {
                        "article": url,
                        "phrase": vote.phrase,
                        "loaded": vote.loaded,
                        "answered_at": (as_utc(vote.updated_at) or utcnow()).isoformat(),
                    }
                    for vote, url in votes
                ],
            }

    def delete_reader(self, reader_id: int) -> None:
        """Forget a reader: their saved stories, answers about phrases, reading history,
        sign-in links and account."""
        with self.session() as s:
            reader = s.get(ReaderRow, reader_id)
            if reader is None:
                return
            s.execute(delete(BookmarkRow).where(BookmarkRow.reader_id == reader_id))
            s.execute(delete(PhraseVoteRow).where(PhraseVoteRow.reader_id == reader_id))
            s.execute(delete(ReadRow).where(ReadRow.reader_id == reader_id))
            s.execute(delete(SignInTokenRow).where(SignInTokenRow.reader_id == reader_id))
            if reader.email:
                s.execute(delete(SignInTokenRow).where(SignInTokenRow.email == reader.email))
            s.delete(reader)


def _move_bookmarks(s: Session, source: int, target: int) -> None:
    have = set(s.scalars(select(BookmarkRow.story_id).where(BookmarkRow.reader_id == target)))
    for row in s.scalars(select(BookmarkRow).where(BookmarkRow.reader_id == source)).all():
        if row.story_id not in have:
            s.add(BookmarkRow(reader_id=target, story_id=row.story_id, created_at=row.created_at))
        s.delete(row)


def _move_reader_data(s: Session, source: int, target: int) -> None:
    """The browser's answers about phrases, reading history and follows join the account
    it signs in to (an answer or read the account has already stays the account's)."""
    answered = {
        (a, p)
        for a, p in s.execute(
            select(PhraseVoteRow.article_id, PhraseVoteRow.phrase).where(
                PhraseVoteRow.reader_id == target
            )
        )
    }
    for vote in s.scalars(select(PhraseVoteRow).where(PhraseVoteRow.reader_id == source)).all():
        if (vote.article_id, vote.phrase) in answered:
            s.delete(vote)
        else:
            vote.reader_id = target
    mine = {
        (r.story_id, r.article_id): r
        for r in s.scalars(select(ReadRow).where(ReadRow.reader_id == target)).all()
    }
    for read in s.scalars(select(ReadRow).where(ReadRow.reader_id == source)).all():
        kept = mine.get((read.story_id, read.article_id))
        if kept is not None:
            kept.at = max(as_utc(kept.at) or read.at, as_utc(read.at) or kept.at)
            s.delete(read)
        else:
            read.reader_id = target
    s.execute(update(FollowRow).where(FollowRow.reader_id == source).values(reader_id=target))
