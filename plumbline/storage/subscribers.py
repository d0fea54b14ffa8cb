"""Newsletter subscribers and their digests: double opt-in states, preferences, the stories
of a digest, and the digest log that keeps a crash from sending anything twice.

A digest is claimed (a row in state 'sending', committed on its own) before its mail is
handed to the SMTP server and marked 'sent' after. The unique (subscriber, period) row is
what makes sending at most once: a claimed period is never claimed again, except one whose
send was refused outright ('failed'). Rows a crash leaves in 'sending' become 'unknown'.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError

from plumbline.errors import InvalidInput
from plumbline.models import DigestStatus, StorySummary, Subscriber
from plumbline.storage.base import Store, as_utc, utcnow
from plumbline.storage.convert import story_summary
from plumbline.storage.schema import StoryRow, StoryTopicRow
from plumbline.storage.schema_readers import DigestRow, SubscriberRow

PENDING, CONFIRMED, UNSUBSCRIBED = "pending", "confirmed", "unsubscribed"
SENDING, SENT, FAILED, UNKNOWN = (
    DigestStatus.SENDING.value,
    DigestStatus.SENT.value,
    DigestStatus.FAILED.value,
    DigestStatus.UNKNOWN.value,
)
INTERRUPTED = "interrupted while sending: it may or may not have arrived, so it is not resent"


def _subscriber(row: SubscriberRow) -> Subscriber:
    return Subscriber(
        id=row.id,
        email=row.email,
        status=row.status,
        frequency=row.frequency,
        topics=list(row.topics or []),
        created_at=as_utc(row.created_at) or utcnow(),
        confirmed_at=as_utc(row.confirmed_at),
        unsubscribed_at=as_utc(row.unsubscribed_at),
    )


def _iso(value: datetime | None) -> str | None:
    moment = as_utc(value)
    return moment.isoformat() if moment else None


class SqlSubscriberStore(Store):
    # ----------------------------------------------------------- subscriptions
    def subscribe(
        self,
        email: str,
        frequency: str,
        topics: Sequence[str],
        *,
        max_confirmations: int,
        now: datetime | None = None,
    ) -> tuple[Subscriber, bool]:
        """Ask for a subscription; returns it and whether a confirmation email is due.

        A new or unsubscribed address becomes 'pending' with these preferences. A
        confirmed one changes in no way (whoever asked may not own it). A confirmation is
        due at most `max_confirmations` times in 24 hours per address."""
        now = now or utcnow()
        try:
            return self._subscribe(email, frequency, topics, max_confirmations, now)
        except IntegrityError:  # the same address subscribed at the same moment
            return self._subscribe(email, frequency, topics, max_confirmations, now)

    def _subscribe(
        self,
        email: str,
        frequency: str,
        topics: Sequence[str],
        max_confirmations: int,
        now: datetime,
    ) -> tuple[Subscriber, bool]:
        with self.session() as s:
            row = s.scalar(select(SubscriberRow).where(SubscriberRow.email == email))
            if row is None:
                row = SubscriberRow(
                    email=email,
                    status=PENDING,
                    frequency=frequency,
                    topics=list(topics),
                    created_at=now,
                    confirmation_sent_at=now,
                    confirmations_sent=1,
                )
                s.add(row)
                s.flush()
                return _subscriber(row), True
            if row.status == CONFIRMED:
                return _subscriber(row), False
            row.status = PENDING
            row.frequency = frequency
            row.topics = list(topics)
            last = as_utc(row.confirmation_sent_at)
            recent = last is not None and last > now - timedelta(days=1)
            if recent and row.confirmations_sent >= max_confirmations:
                return _subscriber(row), False
            row.confirmations_sent = row.confirmations_sent + 1 if recent else 1
            row.confirmation_sent_at = now
            return _subscriber(row), True

    def subscriber(self, subscriber_id: int) -> Subscriber | None:
        with self.session() as s:
            row = s.get(SubscriberRow, subscriber_id)
            return _subscriber(row) if row is not None else None

    def confirm_subscriber(self, subscriber_id: int, now: datetime | None = None) -> Subscriber:
        """pending -> confirmed; confirming twice changes nothing. InvalidInput for an
        unsubscribed or unknown subscriber (an old link must not subscribe them again)."""
        with self.session() as s:
            row = s.get(SubscriberRow, subscriber_id)
            if row is None or row.status == UNSUBSCRIBED:
                raise InvalidInput(
                    "this confirmation link is no longer valid; subscribe again for a new one"
                )
            if row.status == PENDING:
                row.status = CONFIRMED
                row.confirmed_at = now or utcnow()
            return _subscriber(row)

    def unsubscribe_subscriber(
        self, subscriber_id: int, now: datetime | None = None
    ) -> Subscriber | None:
        """-> unsubscribed (idempotent); None when the subscriber was deleted."""
        with self.session() as s:
            row = s.get(SubscriberRow, subscriber_id)
            if row is None:
                return None
            if row.status != UNSUBSCRIBED:
                row.status = UNSUBSCRIBED
                row.unsubscribed_at = now or utcnow()
            return _subscriber(row)

    def set_subscriber_preferences(
        self, subscriber_id: int, frequency: str, topics: Sequence[str]
    ) -> Subscriber:
        with self.session() as s:
            row = s.get(SubscriberRow, subscriber_id)
            if row is None:
                raise InvalidInput("this subscription no longer exists")
            row.frequency = frequency
            row.topics = list(topics)
            return _subscriber(row)

    # ----------------------------------------------------------------- digests
    def due_subscribers(self, frequency: str, period: str) -> list[Subscriber]:
        """Confirmed subscribers of `frequency` with no digest for `period` yet, or only
        one the mail server refused."""
        with self.session() as s:
            rows = s.scalars(
                select(SubscriberRow)
                .where(
                    SubscriberRow.status == CONFIRMED,
                    SubscriberRow.frequency == frequency,
                    ~_handled(period),
                )
                .order_by(SubscriberRow.id)
            ).all()
            return [_subscriber(row) for row in rows]

    def handled_digests(self, frequency: str, period: str) -> int:
        """Confirmed subscribers of `frequency` whose digest for `period` was sent, is
        being sent, or may have been sent."""
        with self.session() as s:
            return int(
                s.scalar(
                    select(func.count(SubscriberRow.id)).where(
                        SubscriberRow.status == CONFIRMED,
                        SubscriberRow.frequency == frequency,
                        _handled(period),
                    )
                )
                or 0
            )

    def recover_digests(self) -> int:
        """Digests a crash left in 'sending' become 'unknown' (and are never resent: the
        mail may have gone out). Returns how many."""
        with self.session() as s:
            result = s.execute(
                update(DigestRow)
                .where(DigestRow.status == SENDING)
                .values(status=UNKNOWN, error=INTERRUPTED)
            )
            return int(getattr(result, "rowcount", 0) or 0)

    def claim_digest(self, subscriber_id: int, period: str, story_ids: Sequence[int]) -> bool:
        """Record, in a transaction of its own, that this digest is about to be sent.
        False when it is already claimed (sent, sending, unknown): the caller must not
        send. A 'failed' digest is claimed again."""
        now = utcnow()
        try:
            with self.session() as s:
                s.add(
                    DigestRow(
                        subscriber_id=subscriber_id,
                        period=period,
                        status=SENDING,
                        stories=list(story_ids),
                        created_at=now,
                    )
                )
            return True
        except IntegrityError:
            pass
        with self.session() as s:
            result = s.execute(
                update(DigestRow)
                .where(
                    DigestRow.subscriber_id == subscriber_id,
                    DigestRow.period == period,
                    DigestRow.status == FAILED,
                )
                .values(status=SENDING, stories=list(story_ids), created_at=now, error=None)
            )
            return int(getattr(result, "rowcount", 0) or 0) == 1

    def finish_digest(
        self, subscriber_id: int, period: str, status: str, error: str | None = None
    ) -> None:
        """Record how the send of a claimed digest ended: sent, failed or unknown."""
        with self.session() as s:
            s.execute(
                update(DigestRow)
                .where(DigestRow.subscriber_id == subscriber_id, DigestRow.period == period)
                .values(
                    status=status,
                    sent_at=utcnow() if status == SENT else None,
                    error=(error or "")[:500] or None,
                )
            )

    def digest_status(self, subscriber_id: int, period: str) -> str | None:
        with self.session() as s:
            return s.scalar(
                select(DigestRow.status).where(
                    DigestRow.subscriber_id == subscriber_id, DigestRow.period == period
                )
            )

    def digest_stories(
        self,
        since: datetime,
        until: datetime,
        topics: Sequence[str] = (),
        *,
        limit: int = 10,
        min_outlets: int = 2,
    ) -> list[StorySummary]:
        """Published stories last reported in (since, until], the most outlets first, then
        the most recent; only those tagged with one of `topics` when there are any."""
        conditions: list[ColumnElement[bool]] = [
            StoryRow.merged_into_id.is_(None),
            StoryRow.synthesis.is_not(None),
            StoryRow.n_outlets >= min_outlets,
            StoryRow.last_published_at > since,
            StoryRow.last_published_at <= until,
        ]
        if topics:
            conditions.append(
                StoryRow.id.in_(
                    select(StoryTopicRow.story_id).where(StoryTopicRow.topic.in_(list(topics)))
                )
            )
        with self.session() as s:
            rows = s.scalars(
                select(StoryRow)
                .where(*conditions)
                .order_by(StoryRow.n_outlets.desc(), StoryRow.last_published_at.desc(), StoryRow.id)
                .limit(limit)
            ).all()
            return [story_summary(row) for row in rows]

    # ------------------------------------------------------ export and delete
    def export_subscriber(self, subscriber_id: int) -> dict[str, Any]:
        """Everything stored about a subscriber, as JSON-ready data."""
        with self.session() as s:
            row = s.get(SubscriberRow, subscriber_id)
            if row is None:
                raise InvalidInput("this subscription no longer exists")
            digests = s.scalars(
                select(DigestRow)
                .where(DigestRow.subscriber_id == subscriber_id)
                .order_by(DigestRow.id)
            ).all()
            return {
                "email": row.email,
                "status": row.status,
                "frequency": row.frequency,
                "topics": list(row.topics or []),
                "subscribed_at": _iso(row.created_at),
                "confirmed_at": _iso(row.confirmed_at),
                "unsubscribed_at": _iso(row.unsubscribed_at),
                "last_confirmation_email_at": _iso(row.confirmation_sent_at),
                "digests": [
                    {
                        "period": d.period,
                        "status": d.status,
                        "sent_at": _iso(d.sent_at),
                        "stories": list(d.stories or []),
                    }
                    for d in digests
                ],
            }

    def delete_subscriber(self, subscriber_id: int) -> None:
        """Forget a subscriber and the log of their digests."""
        with self.session() as s:
            s.execute(delete(DigestRow).where(DigestRow.subscriber_id == subscriber_id))
            s.execute(delete(SubscriberRow).where(SubscriberRow.id == subscriber_id))


def _handled(period: str) -> ColumnElement[bool]:
    """The subscriber has a digest for `period` that must not be sent again."""
    return exists().where(
        and_(
            DigestRow.subscriber_id == SubscriberRow.id,
            DigestRow.period == period,
            DigestRow.status != FAILED,
        )
    )
