"""Readers: saved stories for an anonymous reader cookie, sign-in by emailed link, cookie
consent records, first-party page views, and each reader's data export and deletion.

Reached as `Plumbline.readers`; the web layer only parses requests and sets cookies."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from plumbline.errors import InvalidInput, NotFound, TooManyRequests
from plumbline.models import ConsentChoice, StorySummary
from plumbline.newsletter.mailer import Email, Mailer, clean_address
from plumbline.outbox import Outbox, SendEmail

if TYPE_CHECKING:
    from plumbline.settings import Settings
    from plumbline.storage.protocols import ReaderStore, StoryStore

SIGN_INS_PER_DAY = 5  # sign-in emails one address may receive per day
CONSENT_ID_BYTES = 18


def new_token() -> str:
    """A random secret for a cookie or a link (the database keeps only its hash)."""
    return secrets.token_urlsafe(32)


class Readers:
    def __init__(
        self,
        store: ReaderStore,
        stories: StoryStore,
        settings: Settings,
        mailer: Mailer,
        outbox: Outbox,
    ) -> None:
        self.store = store
        self.stories = stories
        self.outbox = outbox
        self.settings = settings
        self.mailer = mailer

    # --------------------------------------------------------------- bookmarks
    def reader(self, token: str | None) -> int | None:
        return self.store.reader_id(token) if token else None

    def save(self, token: str | None, story_key: str) -> str:
        """Save a story; returns the reader token to keep in the cookie (a new one when
        the browser had none or an unknown one: the cookie is set only now)."""
        story_id = self._story_id(story_key)
        reader_id = self.reader(token)
        if reader_id is None:
            token = new_token()
            reader_id = self.store.create_reader(token)
        self.store.save_story(reader_id, story_id)
        assert token is not None
        return token

    def unsave(self, token: str | None, story_key: str) -> None:
        reader_id = self.reader(token)
        if reader_id is not None:
            self.store.unsave_story(reader_id, self._story_id(story_key))

    def saved(self, token: str | None) -> list[StorySummary]:
        reader_id = self.reader(token)
        return self.store.saved_stories(reader_id) if reader_id is not None else []

    def saved_ids(self, token: str | None) -> set[int]:
        reader_id = self.reader(token)
        return self.store.saved_story_ids(reader_id) if reader_id is not None else set()

    def email(self, token: str | None) -> str | None:
        reader_id = self.reader(token)
        return self.store.reader_email(reader_id) if reader_id is not None else None

    # ----------------------------------------------------------------- sign-in
    def request_sign_in(self, email: str, token: str | None) -> None:
        """Email a single-use sign-in link. The same answer whether or not the address
        is known (no account enumeration); at most SIGN_INS_PER_DAY links per address.
        With workers they send it (:class:`SendEmail`; the link then travels through the
        queue, as it would through a mail server's), retrying while the mail server is down
        until the link expires; it is sent here when no worker can take it."""
        address = clean_address(email)
        now = datetime.now(UTC)
        if self.store.sign_ins_since(address, now - timedelta(days=1)) >= SIGN_INS_PER_DAY:
            raise TooManyRequests("too many sign-in links for this address today")
        link_token = new_token()
        minutes = self.settings.sign_in_link_minutes
        self.store.create_sign_in(
            link_token, address, self.reader(token), timedelta(minutes=minutes)
        )
        url = f"{self.settings.site_url}/signin/verify?token={link_token}"
        site = self.settings.site_name
        text = (
            f"Follow this link to sign in to {site} and keep your saved stories on every "
            f"device:\n\n{url}\n\nIt works once and for {minutes} minutes. If you did not ask "
            "for it, ignore this email."
        )
        html = (
            f"<p>Follow this link to sign in to {escape(site)} and keep your saved stories on "
            f'every device:</p><p><a href="{escape(url)}">Sign in</a></p><p>It works once and '
            f"for {minutes} minutes. If you did not ask for it, ignore this email.</p>"
        )
        mail = Email(address, f"Sign in to {site}", text, html)
        expires = (now + timedelta(minutes=minutes)).timestamp()
        if not self.outbox.queue(SendEmail(mail, new_token(), expires)):
            self.mailer.send(mail)  # a refusal fails the request: the reader asks again

    def sign_in(self, link_token: str) -> str:
        """Spend a sign-in link; returns the new reader token for the cookie."""
        if not link_token or len(link_token) > 200:
            raise InvalidInput("this sign-in link is not valid")
        reader_token = new_token()
        self.store.use_sign_in(link_token, reader_token)
        return reader_token

    # ------------------------------------------------------ export and delete
    def export(self, token: str | None, consent_id: str | None) -> dict[str, Any]:
        reader_id = self.reader(token)
        data: dict[str, Any] = (
            self.store.export_reader(reader_id)
            if reader_id is not None
            else {"email": None, "saved_stories": [], "phrase_answers": [], "reading_history": []}
        )
        data["consent_records"] = self.store.consent_history(consent_id) if consent_id else []
        return data

    def delete(self, token: str | None) -> None:
        reader_id = self.reader(token)
        if reader_id is None:
            raise NotFound("nothing is stored for this browser")
        self.store.delete_reader(reader_id)

    # ----------------------------------------------------- consent, analytics
    def record_consent(self, consent_id: str | None, choice: ConsentChoice) -> str:
        """Log a cookie choice as proof of consent; returns the consent id to keep."""
        if (
            not consent_id
            or len(consent_id) > 64
            or not consent_id.replace("-", "").replace("_", "").isalnum()
        ):
            consent_id = secrets.token_urlsafe(CONSENT_ID_BYTES)
        self.store.record_consent(consent_id, choice)
        return consent_id

    def count_view(self, story_id: int, day: date | None = None) -> None:
        self.store.count_view(story_id, day or datetime.now(UTC).date())

    def _story_id(self, story_key: str) -> int:
        summary, _synthesis = self.stories.story(story_key)
        return summary.id
