"""Follows of stories and topics, by email or private feed, and their daily alerts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select

from plumbline.errors import InvalidInput
from plumbline.models import Follow, FollowAlert, FollowChange
from plumbline.storage.base import Store, as_utc, utcnow
from plumbline.storage.schema_readers import FollowAlertRow, FollowRow

MAX_FOLLOWS_PER_ADDRESS = 200  # follows one email address or reader may hold
FEED_ALERTS = 50  # alerts a feed shows


def follow_of(row: FollowRow) -> Follow:
    return Follow(
        id=row.id,
        channel=row.channel,
        email=row.email,
        story_id=row.story_id,
        topic=row.topic,
        status=row.status,
        created_at=as_utc(row.created_at) or utcnow(),
        last_alert_at=as_utc(row.last_alert_at),
        state=dict(row.state or {}),
    )


def _change(data: dict[str, Any]) -> FollowChange:
    return FollowChange(
        int(data["story_id"]), str(data["slug"]), str(data["headline"]),
        str(data["kind"]), str(data["text"]),
    )  # fmt: skip


class SqlFollowStore(Store):
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
        """A new follow, or for email the existing one of that address and target; True
        when a confirmation email is due (a new or still pending email follow, at most
        `max_confirmations` a day)."""
        now = utcnow()
        with self.session() as s:
            count = 0  # an anonymous feed has no owner to count (the form's rate limit holds)
            if email is not None or reader_id is not None:
                owner = (
                    FollowRow.email == email if email is not None
                    else FollowRow.reader_id == reader_id
                )  # fmt: skip
                count = s.scalar(select(func.count()).select_from(FollowRow).where(owner)) or 0
            if email is not None and _confirmations_today(s, email, now) >= max_confirmations:
                max_confirmations = 0  # the address had its confirmations for today
            if email is not None:
                row = s.scalar(
                    select(FollowRow).where(
                        FollowRow.channel == "email",
                        FollowRow.email == email,
                        FollowRow.story_id.is_(None) if story_id is None
                        else FollowRow.story_id == story_id,
                        FollowRow.topic.is_(None) if topic is None else FollowRow.topic == topic,
                    )
                )  # fmt: skip
                if row is not None:  # active, or pending its confirmation (stopped ones are gone)
                    if row.status == "active":
                        return follow_of(row), False
                    return follow_of(row), _due(row, now, max_confirmations)
            if count >= MAX_FOLLOWS_PER_ADDRESS:
                raise InvalidInput(f"at most {MAX_FOLLOWS_PER_ADDRESS} follows at a time")
            row = FollowRow(
                channel=channel,
                email=email,
                reader_id=reader_id,
                story_id=story_id,
                topic=topic,
                status="pending" if channel == "email" else "active",
                feed_token_hash=feed_token_hash,
                state=state,
                created_at=now,
                confirmations_sent=0,
                confirmed_at=None if channel == "email" else now,
            )
            s.add(row)
            s.flush()
            return follow_of(row), channel == "email" and _due(row, now, max_confirmations)

    def follow(self, follow_id: int) -> Follow | None:
        with self.session() as s:
            row = s.get(FollowRow, follow_id)
            return follow_of(row) if row is not None else None

    def follow_by_feed(self, token_hash: str) -> Follow | None:
        with self.session() as s:
            row = s.scalar(select(FollowRow).where(FollowRow.feed_token_hash == token_hash))
            return follow_of(row) if row is not None else None

    def confirm_follow(self, follow_id: int, state: dict[str, Any]) -> Follow:
        """Start a pending email follow from `state` (idempotent for an active one)."""
        with self.session() as s:
            row = s.get(FollowRow, follow_id)
            if row is None:
                raise InvalidInput("this follow no longer exists; follow again")
            if row.status != "active":
                row.status, row.confirmed_at, row.stopped_at = "active", utcnow(), None
                row.state = state
            return follow_of(row)

    def stop_follow(self, follow_id: int) -> Follow | None:
        """Stop a follow: it is deleted with its alerts (nothing of it is kept, the address
        included); returns it as it was, or None when it was gone already."""
        with self.session() as s:
            row = s.get(FollowRow, follow_id)
            if row is None:
                return None
            stopped = follow_of(row)
            s.execute(delete(FollowAlertRow).where(FollowAlertRow.follow_id == follow_id))
            s.delete(row)
            return stopped

    def purge_pending(self, before: datetime) -> int:
        """Delete email follows never confirmed, asked for before `before` (their link has
        expired): an address someone typed in is not kept."""
        with self.session() as s:
            done = s.execute(
                delete(FollowRow).where(
                    FollowRow.status == "pending", FollowRow.created_at < before
                )
            )
            return int(getattr(done, "rowcount", 0) or 0)

    def active_follows(self) -> list[Follow]:
        with self.session() as s:
            rows = s.scalars(
                select(FollowRow).where(FollowRow.status == "active").order_by(FollowRow.id)
            )
            return [follow_of(r) for r in rows]

    def follows_of(self, reader_id: int | None, email: str | None) -> list[Follow]:
        """The follows a reader holds (by their account or their address), not stopped."""
        owners = []
        if reader_id is not None:
            owners.append(FollowRow.reader_id == reader_id)
        if email:
            owners.append(FollowRow.email == email)
        if not owners:
            return []
        with self.session() as s:
            rows = s.scalars(
                select(FollowRow)
                .where(or_(*owners), FollowRow.status != "stopped")
                .order_by(FollowRow.created_at.desc(), FollowRow.id.desc())
            )
            return [follow_of(r) for r in rows]

    def add_alert(
        self,
        follow_id: int,
        changes: Sequence[FollowChange],
        state: dict[str, Any],
        status: str,
        when: datetime,
    ) -> int:
        """Keep a follow's alert (made `when`) and what it saw (`state`), as one step;
        returns its id."""
        now = when
        with self.session() as s:
            row = s.get(FollowRow, follow_id)
            if row is None:
                raise InvalidInput("this follow no longer exists")
            row.state, row.last_alert_at = state, now
            alert = FollowAlertRow(
                follow_id=follow_id,
                created_at=now,
                changes=[asdict(c) for c in changes],
                status=status,
            )
            s.add(alert)
            s.flush()
            return alert.id

    def save_state(
        self, follow_id: int, state: dict[str, Any], last_alert_at: datetime | None
    ) -> None:
        """Set what the follow last saw, and when it was last alerted (a failed email
        puts both back, so the next run tries again)."""
        with self.session() as s:
            row = s.get(FollowRow, follow_id)
            if row is not None:
                row.state, row.last_alert_at = state, last_alert_at

    def finish_alert(self, alert_id: int, status: str, error: str | None = None) -> None:
        with self.session() as s:
            row = s.get(FollowAlertRow, alert_id)
            if row is not None:
                row.status, row.error = status, error
                row.sent_at = utcnow() if status == "sent" else None

    def alerts(self, follow_id: int, limit: int = FEED_ALERTS) -> list[FollowAlert]:
        with self.session() as s:
            rows = s.scalars(
                select(FollowAlertRow)
                .where(FollowAlertRow.follow_id == follow_id)
                .order_by(FollowAlertRow.created_at.desc(), FollowAlertRow.id.desc())
                .limit(limit)
            )
            return [
                FollowAlert(r.id, r.follow_id, as_utc(r.created_at) or utcnow(),
                            [_change(c) for c in r.changes or []])
                for r in rows
            ]  # fmt: skip

    def export_follows(self, reader_id: int | None, email: str | None) -> list[dict[str, Any]]:
        with self.session() as s:
            return [
                {
                    "channel": f.channel,
                    "email": f.email,
                    "story_id": f.story_id,
                    "topic": f.topic,
                    "status": f.status,
                    "created_at": f.created_at.isoformat(),
                    "alerts": [
                        {"at": a.created_at.isoformat(), "changes": [asdict(c) for c in a.changes]}
                        for a in self.alerts(f.id, 10_000)
                    ],
                }
                for f in (follow_of(r) for r in s.scalars(_owned(reader_id, email)))
            ]

    def delete_follows(self, reader_id: int | None, email: str | None) -> int:
        with self.session() as s:
            ids = [r.id for r in s.scalars(_owned(reader_id, email))]
            if ids:
                s.execute(delete(FollowAlertRow).where(FollowAlertRow.follow_id.in_(ids)))
                s.execute(delete(FollowRow).where(FollowRow.id.in_(ids)))
            return len(ids)


def _owned(reader_id: int | None, email: str | None) -> Any:
    owners = [FollowRow.id == -1]
    if reader_id is not None:
        owners.append(FollowRow.reader_id == reader_id)
    if email:
        owners.append(FollowRow.email == email)
    return select(FollowRow).where(or_(*owners)).order_by(FollowRow.id)


def _confirmations_today(s: Any, email: str, now: datetime) -> int:
    """Confirmation emails sent to `email` in the last day, over all its follows."""
    return int(
        s.scalar(
            select(func.coalesce(func.sum(FollowRow.confirmations_sent), 0)).where(
                FollowRow.email == email,
                FollowRow.confirmation_sent_at >= now - timedelta(days=1),
            )
        )
        or 0
    )


def _due(row: FollowRow, now: datetime, max_per_day: int) -> bool:
    """Count a confirmation email if one may go out now (at most `max_per_day` a day)."""
    sent_at = as_utc(row.confirmation_sent_at)
    if sent_at is None or sent_at < now - timedelta(days=1):
        row.confirmations_sent = 0
    if row.confirmations_sent >= max_per_day:
        return False
    row.confirmations_sent += 1
    row.confirmation_sent_at = now
    return True
