"""Newsletter subscriptions: double opt-in by emailed link, one-click unsubscribe,
preferences, and each subscriber's data export and deletion.

Every link in an email carries a token signed with the site's secret (itsdangerous), with
one salt per purpose so a token made for one job is refused by every other: *confirm*
expires after CONFIRM_DAYS; *unsubscribe* and *manage* (preferences, data) never expire,
since they sit in every digest. Each names the subscriber's id and a hash of their address,
so a token outlives neither a deleted subscription nor reuse of the id for another address,
and no address appears in a link (links end up in logs)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer

from plumbline.analysis.topic_names import TOPICS
from plumbline.errors import InvalidInput
from plumbline.models import Subscriber
from plumbline.newsletter.mailer import Email, Mailer, MailError, clean_address
from plumbline.outbox import Outbox, SendConfirmation

if TYPE_CHECKING:
    from plumbline.settings import Settings
    from plumbline.storage.protocols import SubscriberStore

log = logging.getLogger(__name__)

FREQUENCIES = ("daily", "weekly")
MAX_TOPICS = 30
MAX_TOKEN_LENGTH = 500
CONFIRM_DAYS = 7
CONFIRMATIONS_PER_DAY = 3  # confirmation emails one address may receive in 24 hours
INVALID_LINK = "this link is not valid; copy the whole link from the email"


def clean_subscription(
    email: str, frequency: str, topics: Iterable[str]
) -> tuple[str, str, list[str]]:
    """A normalized address, frequency and topic list, or InvalidInput."""
    address = clean_address(email)
    return address, clean_frequency(frequency), clean_topics(topics)


def clean_frequency(frequency: str) -> str:
    if frequency not in FREQUENCIES:
        raise InvalidInput("choose a daily or a weekly digest")
    return frequency


def clean_topics(topics: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(t for t in topics if t))
    if len(chosen) > MAX_TOPICS:
        raise InvalidInput(f"choose at most {MAX_TOPICS} topics")
    unknown = [t for t in chosen if t not in TOPICS]
    if unknown:
        raise InvalidInput(f"unknown topic {unknown[0][:40]!r}")
    return chosen


def _binding(email: str) -> str:
    return hashlib.sha256(f"plumbline-subscriber:{email}".encode()).hexdigest()[:24]


class LinkTokens:
    """Signs and reads the tokens of newsletter links (see the module docstring)."""

    def __init__(self, secret: str) -> None:
        self._confirm = URLSafeTimedSerializer(secret, salt="plumbline-newsletter-confirm")
        self._unsubscribe = URLSafeSerializer(secret, salt="plumbline-newsletter-unsubscribe")
        self._manage = URLSafeSerializer(secret, salt="plumbline-newsletter-manage")

    def confirm(self, subscriber: Subscriber) -> str:
        return str(self._confirm.dumps([subscriber.id, _binding(subscriber.email)]))

    def unsubscribe(self, subscriber: Subscriber) -> str:
        return str(self._unsubscribe.dumps([subscriber.id, _binding(subscriber.email)]))

    def manage(self, subscriber: Subscriber) -> str:
        return str(self._manage.dumps([subscriber.id, _binding(subscriber.email)]))

    def read(self, purpose: str, token: str) -> tuple[int, str]:
        """(subscriber id, address binding) of a token made for `purpose`, or
        InvalidInput for a forged, truncated, expired or other-purpose token."""
        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise InvalidInput(INVALID_LINK)
        try:
            if purpose == "confirm":
                payload = self._confirm.loads(token, max_age=CONFIRM_DAYS * 24 * 3600)
            elif purpose == "unsubscribe":
                payload = self._unsubscribe.loads(token)
            else:
                payload = self._manage.loads(token)
        except SignatureExpired:
            raise InvalidInput(
                "this confirmation link has expired; subscribe again for a new one"
            ) from None
        except (BadSignature, ValueError, TypeError):
            raise InvalidInput(INVALID_LINK) from None
        return id_and_binding(payload)


def id_and_binding(payload: object) -> tuple[int, str]:
    """The (row id, address binding) a signed link token carries, or InvalidInput."""
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or not isinstance(payload[0], int)
        or not isinstance(payload[1], str)
    ):
        raise InvalidInput(INVALID_LINK)
    return payload[0], payload[1]


@dataclass(frozen=True, slots=True)
class Links:
    """The links a subscriber's emails carry."""

    unsubscribe: str  # one-click (RFC 8058): POST unsubscribes, GET shows a button
    preferences: str
    data: str


class Newsletter:
    """Subscriptions; reached as `Plumbline.newsletter`. The web layer only parses forms."""

    def __init__(
        self, store: SubscriberStore, settings: Settings, mailer: Mailer, outbox: Outbox
    ) -> None:
        self.store = store
        self.settings = settings
        self.mailer = mailer
        self.outbox = outbox
        self.tokens = LinkTokens(settings.signing_key())

    def url(self, path: str, token: str) -> str:
        return f"{self.settings.site_url}{path}?{urlencode({'token': token})}"

    def links(self, subscriber: Subscriber) -> Links:
        manage = self.tokens.manage(subscriber)
        return Links(
            unsubscribe=self.url("/newsletter/unsubscribe", self.tokens.unsubscribe(subscriber)),
            preferences=self.url("/newsletter/preferences", manage),
            data=self.url("/newsletter/data", manage),
        )

    # ------------------------------------------------------------- opt-in
    def subscribe(self, email: str, frequency: str = "daily", topics: Iterable[str] = ()) -> None:
        """Ask for a subscription and email a confirmation link. Says nothing about whether
        the address was known: a confirmed address is left as it is and gets no email; a
        mail server failure is logged, not raised (the reader can ask again).

        With workers the mail is queued (:class:`SendConfirmation`) and they retry while
        the mail server is down; it is sent here when no worker can take it."""
        address, frequency, chosen = clean_subscription(email, frequency, topics)
        subscriber, due = self.store.subscribe(
            address, frequency, chosen, max_confirmations=CONFIRMATIONS_PER_DAY
        )
        if not due:
            return
        if self.outbox.queue(SendConfirmation(subscriber.id, uuid.uuid4().hex)):
            return
        try:
            self.send_confirmation(subscriber)
        except MailError as exc:
            log.warning("confirmation email to subscriber %d failed: %s", subscriber.id, exc)

    def confirmation_email(self, subscriber: Subscriber) -> Email:
        from plumbline.newsletter.render import render_email

        site = self.settings.site_name
        text, html = render_email(
            "confirm",
            site=site,
            frequency=subscriber.frequency,
            topics=[TOPICS.get(t, t) for t in subscriber.topics],
            confirm_url=self.url("/newsletter/confirm", self.tokens.confirm(subscriber)),
            days=CONFIRM_DAYS,
        )
        return Email(subscriber.email, f"Confirm your {site} newsletter subscription", text, html)

    def send_confirmation(self, subscriber: Subscriber) -> None:
        """Email the subscriber their confirmation link now; MailError when it fails."""
        self.mailer.send(self.confirmation_email(subscriber))

    def check_confirm(self, token: str) -> Subscriber:
        """The subscriber a confirmation link is for (without confirming), or InvalidInput."""
        return self._subscriber("confirm", token)

    def confirm(self, token: str) -> Subscriber:
        """Confirm the subscription a confirmation link is for (idempotent)."""
        subscriber = self._subscriber("confirm", token)
        return self.store.confirm_subscriber(subscriber.id)

    # ------------------------------------------------------------ opt-out
    def check_unsubscribe(self, token: str) -> None:
        """InvalidInput unless the token is a genuine unsubscribe token."""
        self.tokens.read("unsubscribe", token)

    def unsubscribe(self, token: str) -> Subscriber | None:
        """Unsubscribe (idempotent); None when the subscription was deleted already."""
        subscriber_id, binding = self.tokens.read("unsubscribe", token)
        found = self.store.subscriber(subscriber_id)
        if found is None or not hmac.compare_digest(binding, _binding(found.email)):
            return None  # deleted (or the id now belongs to someone else): nothing to stop
        return self.store.unsubscribe_subscriber(subscriber_id)

    # ---------------------------------------------------- preferences, data
    def preferences(self, token: str) -> Subscriber:
        return self._subscriber("manage", token)

    def set_preferences(self, token: str, frequency: str, topics: Iterable[str]) -> Subscriber:
        subscriber = self._subscriber("manage", token)
        return self.store.set_subscriber_preferences(
            subscriber.id, clean_frequency(frequency), clean_topics(topics)
        )

    def export(self, token: str) -> dict[str, Any]:
        """Everything stored about the subscriber, as JSON-ready data."""
        return self.store.export_subscriber(self._subscriber("manage", token).id)

    def delete(self, token: str) -> None:
        """Forget the subscriber: address, preferences and digest log."""
        self.store.delete_subscriber(self._subscriber("manage", token).id)

    def pending_subscriber(self, subscriber_id: int) -> Subscriber | None:
        """The subscriber, while their subscription still waits for its confirmation."""
        found = self.store.subscriber(subscriber_id)
        return found if found is not None and found.status == "pending" else None

    def _subscriber(self, purpose: str, token: str) -> Subscriber:
        subscriber_id, binding = self.tokens.read(purpose, token)
        found = self.store.subscriber(subscriber_id)
        if found is None or not hmac.compare_digest(binding, _binding(found.email)):
            raise InvalidInput("this subscription no longer exists; subscribe again")
        return found
