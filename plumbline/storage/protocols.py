"""What the rest of Plumbline may ask of storage: one small protocol per aggregate.

The SQL implementations live beside this module (``Sql*Store`` in outlets.py, articles.py,
stories.py, topics.py, readers.py, subscribers.py, search.py, feedback.py,
follows.py) and are put together by
:func:`plumbline.storage.sql.open_stores`. Services name only the stores they use, so a
service's constructor says what it can touch; this module imports no database library,
so importing a service costs nothing until a store is opened.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from plumbline.models import (
        AnalyzedArticle,
        ArticleAnalysis,
        ArticleAssignment,
        ArticleKind,
        ArticleRecord,
        ArticleState,
        ClusterFeatures,
        ClusterMember,
        ConsentChoice,
        FeedStatus,
        Follow,
        FollowAlert,
        FollowChange,
        ImportKey,
        Merge,
        NewArticle,
        OpenStory,
        Outlet,
        OutletEntityTone,
        OutletRef,
        PhraseVote,
        Split,
        StageCount,
        StoryFeatures,
        StoryStats,
        StorySummary,
        Subscriber,
        Synthesis,
    )
    from plumbline.storage import codec


class OutletStore(Protocol):
    def upsert_outlets(self, outlets: Iterable[Outlet], *, update_existing: bool = False) -> int:
        """Insert outlets (and their feeds) that are new; returns how many were added."""
        ...

    def list_outlets(self) -> list[Outlet]: ...

    def get_outlet(self, slug: str) -> Outlet: ...

    def set_outlet_enabled(self, slug: str, enabled: bool) -> None: ...

    def outlet_index(self) -> dict[str, OutletRef]:
        """Map slug, lower-cased name and every domain to the outlet."""
        ...

    def feeds(self, *, due_at: datetime | None = None) -> list[FeedStatus]:
        """All feeds, or only the enabled feeds of enabled outlets due at `due_at`."""
        ...

    def record_feed_result(
        self,
        feed_id: int,
        *,
        status: int | None,
        error: str | None,
        next_fetch_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None: ...


class ArticleStore(Protocol):
    def known_urls(self, urls: Sequence[str]) -> set[str]:
        """The subset of `urls` already stored (as url or canonical url)."""
        ...

    def known_external_ids(self, ids: Sequence[str]) -> set[str]: ...

    def add_articles(self, articles: Sequence[NewArticle]) -> tuple[int, int]:
        """Store new articles in one transaction; returns (added, skipped as stored)."""
        ...

    def pending(self, state: ArticleState, limit: int) -> list[ArticleRecord]:
        """Articles waiting in `state`, oldest publication first (unknown dates last)."""
        ...

    def pending_ids(self, state: ArticleState, limit: int) -> list[int]:
        """Ids of articles waiting in `state`, in the order of :meth:`pending`."""
        ...

    def articles_in_state(self, ids: Sequence[int], state: ArticleState) -> list[ArticleRecord]:
        """The articles of `ids` that are still in `state`, in the order of :meth:`pending` (a
        worker re-checks its batch with this before doing the work)."""
        ...

    def raw_html(self, article_id: int) -> bytes | None: ...

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
        """Store extracted text; an exact copy (same canonical url or text) becomes a DUPLICATE
        pointing at the first, keeping no text of its own."""
        ...

    def save_analyses(self, results: Sequence[AnalyzedArticle]) -> int:
        """Store analyses of EXTRACTED articles (conditional: each is stored once); returns
        how many articles changed to ANALYZED."""
        ...

    def mark_failed(
        self, article_id: int, stage: str, error: str, *, expected: ArticleState | None = None
    ) -> bool:
        """Mark an article FAILED at `stage`; with `expected`, only while it is still in that state
        (a worker never fails an article another one has moved on)."""
        ...

    def retry_failed(self) -> int:
        """Put failed articles back to the state before the stage that failed."""
        ...

    def busy(self) -> bool:
        """Whether an article waits for a stage or a story for its write-up: two indexed EXISTS
        probes, cheap enough for every front page."""
        ...

    def state_counts(self) -> list[StageCount]: ...

    def article(self, article_id: int, *, with_analysis: bool = False) -> ArticleRecord: ...

    def articles(self, ids: Sequence[int]) -> list[ArticleRecord]:
        """The articles of `ids` that exist, with their outlets (no analysis)."""
        ...

    def outlet_articles(self, slug: str, limit: int = 50) -> list[ArticleRecord]: ...

    def outlet_scores(self, slug: str) -> list[tuple[datetime, float]]:
        """(publication time, bias score) of the outlet's scored, dated articles, oldest first: the
        outlet page's score history."""
        ...

    def outlet_stats(self, slug: str) -> tuple[int, float | None]:
        """(articles stored, mean article bias score) for an outlet."""
        ...

    def outlet_kinds(self, slug: str) -> dict[str, int]:
        """How many of the outlet's analyzed articles are news, opinion or analysis."""
        ...

    def outlet_analyses(self, slug: str, recent: int = 300) -> list[ArticleAnalysis]:
        """The stored analyses of the outlet's `recent` latest analyzed articles (wire copies
        of another article left out), newest first."""
        ...

    def outlet_story_sides(self, slug: str) -> list[tuple[int, int, int]]:
        """(left, center, right) outlets of every story with two or more outlets that the
        outlet's articles are in."""
        ...

    def outlet_story_tones(self, slug: str, recent: int = 300) -> list[list[OutletEntityTone]]:
        """Every outlet's entity tones in the outlet's latest stories, one list per story."""
        ...

    def lean_outlet_scores(self, lean: str) -> list[tuple[str, str, int, float, float]]:
        """(slug, name, scored articles, mean, mean of squares) of the bias scores of every
        enabled outlet of this lean that has a scored article."""
        ...


class StoryStore(Protocol):
    def close_story_vectors(self, margin: timedelta) -> int:
        """PostgreSQL: take the pgvector copy off the stories whose latest dated article is more
        than `margin` older than the newest story's, so that the HNSW index holds the open
        stories and stays small as the archive grows (a story that takes an article again gets
        its copy back with its new centroid)."""
        ...

    def open_stories(self, since: datetime) -> list[OpenStory]: ...

    def cluster_features(self, article_ids: Sequence[int]) -> dict[int, ClusterFeatures]:
        """What the clusterer reads of each of the articles, by id."""
        ...

    def story_members(self, story_id: int) -> list[ClusterMember]: ...

    def assign_articles(self, assignments: Sequence[ArticleAssignment]) -> None:
        """Record a batch of clustering decisions in one transaction: new stories are created,
        centroids and counts updated, the articles marked CLUSTERED."""
        ...

    def dirty_stories(self, limit: int) -> list[int]: ...

    def count_dirty_stories(self) -> int: ...

    def mark_story_failed(self, story_id: int, error: str) -> None:
        """Leave the story unpublished with the reason; new articles make it dirty again."""
        ...

    def story_texts(self, story_id: int) -> dict[int, tuple[str, str]]:
        """Article id -> (title, text) of a story's members (no analysis decoded)."""
        ...

    def story_articles(self, story_id: int) -> list[ArticleRecord]: ...

    def save_synthesis(
        self,
        story_id: int,
        synthesis: Synthesis,
        *,
        bias_score: float | None,
        topics: list[str],
        stats: StoryStats | None = None,
    ) -> None:
        """Store a story's write-up; the story is no longer waiting for one."""
        ...

    def list_stories(
        self,
        *,
        limit: int = 30,
        offset: int = 0,
        min_outlets: int = 1,
        topic: str | None = None,
        blindspot: bool = False,
    ) -> list[StorySummary]:
        """Published stories, most recent day first and most-covered first within it;
        optionally only one topic's, or only blindspots."""
        ...

    def count_stories(
        self, *, min_outlets: int = 1, topic: str | None = None, blindspot: bool = False
    ) -> int:
        """How many stories :meth:`list_stories` lists with the same filters."""
        ...

    def story_summaries(self, story_ids: Iterable[int]) -> dict[int, StorySummary]:
        """Summaries by the id asked for (a merged story answers as the one it joined)."""
        ...

    def story_version(self, slug: str) -> str | None:
        """A token that changes whenever the story at `slug` is written up again, merged or split
        (None: no such slug)."""
        ...

    def story(self, key: str | int) -> tuple[StorySummary, Synthesis | None]:
        """A story by id or slug (a slug whose id matches but text differs still finds it)."""
        ...

    def article_id_of_import(self, key: ImportKey) -> int | None:
        """The stored article an imported record became (see :class:`ImportKey`)."""
        ...

    def story_of_import(self, key: ImportKey) -> tuple[int | None, str]:
        """The story the stored article an imported record became is in, following merges;
        or None and why."""
        ...

    def story_ids_of(self, article_ids: Sequence[int]) -> set[int]:
        """The stories the given articles belong to now."""
        ...

    def story_shapes(self, story_ids: Iterable[int]) -> list[OpenStory]:
        """Centroid, size and dates of the given stories."""
        ...

    def member_vectors(self, story_id: int) -> tuple[list[int], codec.Vector]:
        """The story's article ids and their cluster vectors (rows in the same order)."""
        ...

    def merge_stories(self, merges: Sequence[Merge]) -> None:
        """Carry out merges in one transaction: the source story's articles join the target, the
        source is kept as a redirect (`merged_into_id`), stories that already redirected to the
        source now redirect to the target."""
        ...

    def split_story(
        self, split: Split, kept_centroid: codec.Vector, moved_centroid: codec.Vector
    ) -> int:
        """Move `split.moved` articles to a new story; returns its id."""
        ...


class TopicStore(Protocol):
    def save_topics(self, story_id: int, topics: Sequence[str]) -> None:
        """Replace the story's topic rows (rank 0 is its main topic)."""
        ...

    def save_related(self, story_id: int, related: Sequence[tuple[int, float]], limit: int) -> None:
        """Replace the story's related stories, and offer the story to each of them: it joins their
        list when they have fewer than `limit` or it beats their weakest (the score is
        symmetric)."""
        ...

    def related_stories(self, story_id: int, limit: int = 5) -> list[StorySummary]:
        """The story's stored related stories that are still published, best first."""
        ...

    def topic_stories(
        self, topic: str, *, limit: int = 30, offset: int = 0, exclude: int | None = None
    ) -> list[StorySummary]:
        """Published stories tagged with `topic`, most recent first."""
        ...

    def topic_counts(self) -> dict[str, int]:
        """Topic -> number of published stories tagged with it."""
        ...

    def related_candidates(self, limit: int = 20_000) -> list[StoryFeatures]:
        """The most recent published stories, for related-story ranking."""
        ...


class ReaderStore(Protocol):
    def reader_id(self, token: str) -> int | None:
        """The reader a cookie token belongs to, or None."""
        ...

    def create_reader(self, token: str) -> int: ...

    def reader_email(self, reader_id: int) -> str | None: ...

    def save_story(self, reader_id: int, story_id: int) -> None:
        """Idempotent: saving a saved story changes nothing."""
        ...

    def unsave_story(self, reader_id: int, story_id: int) -> None: ...

    def saved_story_ids(self, reader_id: int) -> set[int]: ...

    def saved_stories(
        self, reader_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[StorySummary]:
        """Saved stories, the most recently saved first; a merged story shows as the story it
        joined."""
        ...

    def create_sign_in(
        self, token: str, email: str, reader_id: int | None, lifetime: timedelta
    ) -> None: ...

    def sign_ins_since(self, email: str, since: datetime) -> int: ...

    def use_sign_in(self, token: str, new_reader_token: str) -> int:
        """Spend a sign-in link: returns the signed-in reader's id."""
        ...

    def record_consent(self, consent_id: str, choice: ConsentChoice) -> None: ...

    def consent_history(self, consent_id: str) -> list[dict[str, Any]]: ...

    def count_view(self, story_id: int, day: date) -> None: ...

    def story_views(self, story_id: int) -> int: ...

    def record_read(
        self,
        reader_id: int,
        when: datetime,
        *,
        story_id: int | None = None,
        article_id: int | None = None,
    ) -> None:
        """Note a story read or an article opened (the signed-in news diet)."""
        ...

    def reading_history(self, reader_id: int) -> tuple[dict[int, datetime], dict[int, datetime]]:
        """(story id -> last read, article id -> last opened)."""
        ...

    def forget_reading(self, reader_id: int) -> int: ...

    def export_reader(self, reader_id: int) -> dict[str, Any]:
        """Everything stored about a reader, as JSON-ready data."""
        ...

    def delete_reader(self, reader_id: int) -> None:
        """Forget a reader: their saved stories, sign-in links and account."""
        ...


class SubscriberStore(Protocol):
    def subscribe(
        self,
        email: str,
        frequency: str,
        topics: Sequence[str],
        *,
        max_confirmations: int,
        now: datetime | None = None,
    ) -> tuple[Subscriber, bool]:
        """Ask for a subscription; returns it and whether a confirmation email is due."""
        ...

    def subscriber(self, subscriber_id: int) -> Subscriber | None: ...

    def confirm_subscriber(self, subscriber_id: int, now: datetime | None = None) -> Subscriber:
        """pending -> confirmed; confirming twice changes nothing."""
        ...

    def unsubscribe_subscriber(
        self, subscriber_id: int, now: datetime | None = None
    ) -> Subscriber | None:
        """-> unsubscribed (idempotent);"""
        ...

    def set_subscriber_preferences(
        self, subscriber_id: int, frequency: str, topics: Sequence[str]
    ) -> Subscriber: ...

    def due_subscribers(self, frequency: str, period: str) -> list[Subscriber]:
        """Confirmed subscribers of `frequency` with no digest for `period` yet, or only one the
        mail server refused."""
        ...

    def handled_digests(self, frequency: str, period: str) -> int:
        """Confirmed subscribers of `frequency` whose digest for `period` was sent, is being sent,
        or may have been sent."""
        ...

    def recover_digests(self) -> int:
        """Digests a crash left in 'sending' become 'unknown' (and are never resent: the mail may
        have gone out)."""
        ...

    def claim_digest(self, subscriber_id: int, period: str, story_ids: Sequence[int]) -> bool:
        """Record, in a transaction of its own, that this digest is about to be sent."""
        ...

    def finish_digest(
        self, subscriber_id: int, period: str, status: str, error: str | None = None
    ) -> None:
        """Record how the send of a claimed digest ended: sent, failed or unknown."""
        ...

    def digest_status(self, subscriber_id: int, period: str) -> str | None: ...

    def digest_stories(
        self,
        since: datetime,
        until: datetime,
        topics: Sequence[str] = (),
        *,
        limit: int = 10,
        min_outlets: int = 2,
    ) -> list[StorySummary]:
        """Published stories last reported in (since, until], the most outlets first, then the most
        recent; only those tagged with one of `topics` when there are any."""
        ...

    def export_subscriber(self, subscriber_id: int) -> dict[str, Any]:
        """Everything stored about a subscriber, as JSON-ready data."""
        ...

    def delete_subscriber(self, subscriber_id: int) -> None:
        """Forget a subscriber and the log of their digests."""
        ...


class SearchStore(Protocol):
    def search_stories(
        self, query: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[StorySummary], int]:
        """Stories matching every word of `query`, best first, and the number of matches."""
        ...


class FeedbackStore(Protocol):
    def record_vote(self, reader_id: int, vote: PhraseVote, weight: float) -> bool:
        """Store (or replace) a reader's answer about a phrase; True when it is new."""
        ...

    def reader_votes(
        self, reader_id: int, article_ids: Sequence[int]
    ) -> dict[tuple[int, str], bool]: ...

    def tallies(self, *, min_votes: int = 1) -> Iterator[tuple[int, str, float, int, int]]:
        """(article id, phrase, mean model weight, yes, no) per judged phrase."""
        ...

    def answering_readers(self) -> int: ...


class FollowStore(Protocol):
    def add_follow(
        self,
        *,
        channel: str,
        email: str | None,
        reader_id: int | None,
        story_id: int | None,
        topic: str | None,
        state: dict[str, Any],
        feed_token_hash: str | None = None,
        max_confirmations: int = 3,
    ) -> tuple[Follow, bool]:
        """A new follow (or an email address's existing one); True when a confirmation
        email is due."""
        ...

    def follow(self, follow_id: int) -> Follow | None: ...

    def follow_by_feed(self, token_hash: str) -> Follow | None: ...

    def confirm_follow(self, follow_id: int, state: dict[str, Any]) -> Follow: ...

    def stop_follow(self, follow_id: int) -> Follow | None:
        """Delete a follow and its alerts; the follow as it was, or None."""
        ...

    def purge_pending(self, before: datetime) -> int: ...

    def active_follows(self) -> list[Follow]: ...

    def follows_of(self, reader_id: int | None, email: str | None) -> list[Follow]: ...

    def add_alert(
        self,
        follow_id: int,
        changes: Sequence[FollowChange],
        state: dict[str, Any],
        status: str,
        when: datetime,
    ) -> int: ...

    def save_state(
        self, follow_id: int, state: dict[str, Any], last_alert_at: datetime | None
    ) -> None: ...

    def finish_alert(self, alert_id: int, status: str, error: str | None = None) -> None: ...

    def alerts(self, follow_id: int, limit: int = 50) -> list[FollowAlert]: ...

    def export_follows(self, reader_id: int | None, email: str | None) -> list[dict[str, Any]]: ...

    def delete_follows(self, reader_id: int | None, email: str | None) -> int: ...


@dataclass(frozen=True, slots=True)
class Stores:
    """Every store, one per aggregate, sharing one database."""

    outlets: OutletStore
    articles: ArticleStore
    stories: StoryStore
    topics: TopicStore
    readers: ReaderStore
    subscribers: SubscriberStore
    search: SearchStore
    feedback: FeedbackStore
    follows: FollowStore
