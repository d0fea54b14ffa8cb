"""Tables about readers: saved stories, sign-in links, newsletter subscriptions and digests,
consent records and first-party page views. Changing one means adding an Alembic migration.

Secrets handed to browsers or mailboxes (reader cookies, sign-in links) are stored only as
SHA-256 hashes, so a copy of the database cannot be used to act as a reader. No IP address
is stored anywhere."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from plumbline.storage.schema import Base


class ReaderRow(Base):
    """A reader known by a random cookie (set only when they save something) and, once
    they sign in by emailed link, by their email address."""

    __tablename__ = "readers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(320), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class BookmarkRow(Base):
    __tablename__ = "bookmarks"
    __table_args__ = (Index("ix_bookmarks_reader_created", "reader_id", "created_at"),)

    reader_id: Mapped[int] = mapped_column(
        ForeignKey("readers.id", ondelete="CASCADE"), primary_key=True
    )
    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class SignInTokenRow(Base):
    """A single-use, expiring sign-in link sent to `email`."""

    __tablename__ = "sign_in_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(320))
    reader_id: Mapped[int | None] = mapped_column(  # the browser that asked, to merge saves
        ForeignKey("readers.id", ondelete="SET NULL"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SubscriberRow(Base):
    """A newsletter subscription: pending until the emailed link is followed (double
    opt-in), then confirmed until unsubscribed."""

    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | unsubscribed
    frequency: Mapped[str] = mapped_column(String(8))  # daily | weekly
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)  # empty: all topics
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class DigestRow(Base):
    """One digest for one subscriber and period. The row is written before the mail is
    handed to the SMTP server, so a crash never leads to a second send."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("subscriber_id", "period"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscriber_id: Mapped[int] = mapped_column(ForeignKey("subscribers.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(32))  # "daily:2026-11-30", "weekly:2026-W48"
    status: Mapped[str] = mapped_column(String(16))  # sending | sent | failed | unknown
    stories: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class ConsentRow(Base):
    """Proof of a cookie choice: when, which policy version, what was chosen. The
    consent id is the random value of the reader's consent cookie; no IP is kept."""

    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_consent_id", "consent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[str] = mapped_column(String(64))
    policy_version: Mapped[str] = mapped_column(String(16))
    preferences: Mapped[bool] = mapped_column(Boolean)
    analytics: Mapped[bool] = mapped_column(Boolean)
    choice: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # how it was given
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PageViewRow(Base):
    """First-party page views per story and day, counted only with analytics consent."""

    __tablename__ = "page_views"

    story_id: Mapped[int] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(Integer, default=0)


class PhraseVoteRow(Base):
    """A reader's answer to "Is this loaded?" about a phrase highlighted in an article:
    one per reader, article and phrase (a second answer replaces the first)."""

    __tablename__ = "phrase_votes"
    __table_args__ = (
        UniqueConstraint("reader_id", "article_id", "phrase"),
        Index("ix_phrase_votes_article_phrase", "article_id", "phrase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id", ondelete="CASCADE"))
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    phrase: Mapped[str] = mapped_column(String(120))  # lower-cased, as highlighted
    loaded: Mapped[bool] = mapped_column(Boolean)
    weight: Mapped[float] = mapped_column(Float)  # the model's weight when the vote was cast
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReadRow(Base):
    """A signed-in reader's reading history, kept only with their consent (the news diet):
    a story they read or an article they opened, and when they last did."""

    __tablename__ = "reads"
    __table_args__ = (
        UniqueConstraint("reader_id", "story_id"),
        UniqueConstraint("reader_id", "article_id"),
        Index("ix_reads_reader_at", "reader_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reader_id: Mapped[int] = mapped_column(ForeignKey("readers.id", ondelete="CASCADE"))
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), nullable=True
    )
    article_id: Mapped[int | None] = mapped_column(
        ForeignKey("articles.id", ondelete="CASCADE"), nullable=True
    )
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class FollowRow(Base):
    """A story or topic followed by email (pending until the emailed link is followed) or
    as a private Atom feed (its token stored only as a hash). `state` is what the last alert
    saw: per story, the sides that covered it and its coverage score."""

    __tablename__ = "follows"
    __table_args__ = (Index("ix_follows_email", "email"), Index("ix_follows_reader", "reader_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))  # email | feed
    email: Mapped[str | None] = mapped_column(String(320), nullable=True)
    reader_id: Mapped[int | None] = mapped_column(
        ForeignKey("readers.id", ondelete="SET NULL"), nullable=True
    )
    story_id: Mapped[int | None] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), nullable=True
    )
    topic: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(16))  # pending | active | stopped
    feed_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    confirmation_sent_at: Mapped[datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    confirmations_sent: Mapped[int] = mapped_column(Integer, default=0)
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    last_alert_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FollowAlertRow(Base):
    """One day's changes for one follow: emailed, or an entry of its feed."""

    __tablename__ = "follow_alerts"
    __table_args__ = (Index("ix_follow_alerts_follow_created", "follow_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    changes: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16))  # feed | sending | sent | failed
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
