"""Digests: the top stories of a day or a week, by coverage, on each subscriber's topics,
sent at most once per subscriber and period.

Crash safety, in order, for each subscriber due in the period:

1. the digest is claimed: a ('sending') row is committed on its own before anything is
   handed to the SMTP server; a period already claimed is skipped;
2. the mail is sent;
3. the row becomes 'sent', or 'failed' when the server refused it outright or could not be
   reached (nothing was delivered: the next run of the period sends it again), or
   'unknown' when the exchange broke off midway (it may have been delivered).

A run first turns rows an earlier run left in 'sending' (it crashed between 1 and 3) into
'unknown'. 'unknown' digests are never sent again: the trade-off is that a crash at the
wrong moment can cost a subscriber one digest, and can never send them two.
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from datetime import UTC, datetime, timedelta

from plumbline.analysis.topic_names import TOPICS
from plumbline.errors import InvalidInput
from plumbline.models import DigestReport, DigestStatus, StorySummary, Subscriber
from plumbline.newsletter.mailer import Email, MailError
from plumbline.newsletter.render import render_email
from plumbline.newsletter.subscriptions import FREQUENCIES, Newsletter

log = logging.getLogger(__name__)

PERIOD = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
DIGEST_STORIES = 10
MIN_OUTLETS = 2  # a story told by one outlet is not yet a story from every side
STOP_AFTER_FAILURES = 3  # consecutive failed sends that end a run (the server is down)

# Errors after which the message surely was not delivered: the server said no, or no
# SMTP session was ever established. Anything else (a timeout, a dropped connection) may
# have come after the server took the message.
_NOT_DELIVERED = (
    smtplib.SMTPRecipientsRefused,
    smtplib.SMTPResponseException,  # sender refused, data refused, helo, auth, connect
    smtplib.SMTPNotSupportedError,
    ConnectionRefusedError,
    socket.gaierror,
    ssl.SSLError,
)


def period_key(frequency: str, now: datetime) -> str:
    """The period a digest sent at `now` belongs to: one digest per subscriber each."""
    day = now.astimezone(UTC).date()
    if frequency == "weekly":
        year, week, _weekday = day.isocalendar()
        return f"weekly:{year}-W{week:02d}"
    return f"daily:{day.isoformat()}"


def describe(exc: MailError) -> str:
    """The error, with the mail server's own answer when it gave one."""
    cause = exc.__cause__
    if isinstance(cause, smtplib.SMTPResponseException):
        answer = cause.smtp_error
        text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
        return f"{exc.message}: {cause.smtp_code} {text}"[:500]
    return exc.message


def not_delivered(exc: MailError) -> bool:
    """True when the mail server surely did not take the message (safe to send again)."""
    return isinstance(exc.__cause__, _NOT_DELIVERED)


class Digests:
    """Builds and sends the digests of one frequency; reached as `Plumbline.send_digests`."""

    def __init__(self, newsletter: Newsletter) -> None:
        self.newsletter = newsletter
        self.store = newsletter.store
        self.settings = newsletter.settings

    def stories(self, subscriber: Subscriber, now: datetime) -> list[StorySummary]:
        """The period's top stories on the subscriber's topics (all topics without any)."""
        return self.store.digest_stories(
            now - PERIOD[subscriber.frequency],
            now,
            subscriber.topics,
            limit=DIGEST_STORIES,
            min_outlets=MIN_OUTLETS,
        )

    def email(self, subscriber: Subscriber, stories: list[StorySummary], now: datetime) -> Email:
        site = self.settings.site_name
        base = self.settings.site_url
        links = self.newsletter.links(subscriber)
        day = now.astimezone(UTC).strftime("%-d %b %Y")
        what = "day" if subscriber.frequency == "daily" else "week"
        text, html = render_email(
            "digest",
            site=site,
            base=base,
            day=day,
            what=what,
            frequency=subscriber.frequency,
            stories=stories,
            topics=[TOPICS.get(t, t) for t in subscriber.topics],
            links=links,
        )
        count = f"{len(stories)} stor{'y' if len(stories) == 1 else 'ies'}"
        return Email(
            subscriber.email,
            f"{site} {subscriber.frequency} digest, {day}: {count} from every side",
            text,
            html,
            headers={
                "List-Unsubscribe": f"<{links.unsubscribe}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            },
        )

    def send(
        self, frequency: str, now: datetime | None = None, *, dry_run: bool = False
    ) -> DigestReport:
        """Send the period's digest to every confirmed subscriber of `frequency` who has
        not had it; with `dry_run`, count what would be sent and change nothing."""
        if frequency not in FREQUENCIES:
            raise InvalidInput("frequency must be 'daily' or 'weekly'")
        now = now or datetime.now(UTC)
        period = period_key(frequency, now)
        report = DigestReport(period)
        if not dry_run:
            report.unknown += self.store.recover_digests()
        report.already = self.store.handled_digests(frequency, period)
        found: dict[tuple[str, ...], list[StorySummary]] = {}
        failures = 0
        for subscriber in self.store.due_subscribers(frequency, period):
            topics = tuple(sorted(subscriber.topics))
            if topics not in found:
                found[topics] = self.stories(subscriber, now)
            stories = found[topics]
            if not stories:
                report.skipped += 1
                continue
            email = self.email(subscriber, stories, now)
            if dry_run:
                report.sent += 1
                continue
            if not self.store.claim_digest(subscriber.id, period, [s.id for s in stories]):
                report.already += 1  # another run took it meanwhile
                continue
            try:
                self.newsletter.mailer.send(email)
            except MailError as exc:
                status = DigestStatus.FAILED if not_delivered(exc) else DigestStatus.UNKNOWN
                error = describe(exc)
                self.store.finish_digest(subscriber.id, period, status, error)
                if status == DigestStatus.FAILED:
                    report.failed += 1
                else:
                    report.unknown += 1
                report.errors.append(f"subscriber {subscriber.id}: {error}")
                failures += 1
                if failures >= STOP_AFTER_FAILURES:
                    report.errors.append(
                        f"stopped after {failures} failed sends in a row; "
                        "the rest are sent by the next run"
                    )
                    break
                continue
            failures = 0
            self.store.finish_digest(subscriber.id, period, DigestStatus.SENT)
            report.sent += 1
        log.info(
            "%s: %d sent, %d skipped, %d already, %d failed, %d unknown",
            period,
            report.sent,
            report.skipped,
            report.already,
            report.failed,
            report.unknown,
        )
        return report
