"""Subscription states (double opt-in), tokens and the confirmation email."""

from __future__ import annotations

from datetime import timedelta

import pytest

from plumbline.core import Plumbline
from plumbline.errors import InvalidInput
from plumbline.newsletter.subscriptions import clean_subscription
from tests.mailserver import MailServer
from tests.newsletter.conftest import NOW


def test_an_unsubscribed_address_goes_back_to_pending(core: Plumbline) -> None:
    repo = core.stores.subscribers
    subscriber, due = repo.subscribe("back@example.org", "daily", [], max_confirmations=3)
    assert (subscriber.status, due) == ("pending", True)
    repo.confirm_subscriber(subscriber.id)
    repo.unsubscribe_subscriber(subscriber.id)
    again, due = repo.subscribe("back@example.org", "weekly", ["economy"], max_confirmations=3)
    assert (again.id, again.status, again.frequency, again.topics, due) == (
        subscriber.id,
        "pending",
        "weekly",
        ["economy"],
        True,
    )


def test_an_old_confirmation_link_does_not_undo_an_unsubscribe(core: Plumbline) -> None:
    subscriber, _ = core.stores.subscribers.subscribe(
        "old@example.org", "daily", [], max_confirmations=3
    )
    token = core.newsletter.tokens.confirm(subscriber)
    core.confirm(token)
    assert core.confirm(token).status == "confirmed"  # twice: no harm
    unsubscribe = core.newsletter.tokens.unsubscribe(subscriber)
    assert core.unsubscribe(unsubscribe) is not None
    with pytest.raises(InvalidInput):
        core.confirm(token)
    stored = core.stores.subscribers.subscriber(subscriber.id)
    assert stored is not None and stored.status == "unsubscribed"


def test_confirmation_emails_per_address_reset_after_a_day(core: Plumbline) -> None:
    def ask(at: object) -> bool:
        return core.stores.subscribers.subscribe(
            "x@example.org", "daily", [], max_confirmations=2, now=at
        )[1]  # type: ignore[arg-type]

    assert [ask(NOW), ask(NOW), ask(NOW)] == [True, True, False]
    assert ask(NOW + timedelta(hours=25)) is True


def test_the_confirmation_email(core: Plumbline, mail_server: MailServer) -> None:
    core.subscribe(" Someone@Example.org ", "weekly", ["economy", "trade"])
    [message] = mail_server.wait_for(1)
    assert message["To"] == "Someone@example.org"
    assert message["From"] == "Plumbline <newsletter@plumbline.invalid>"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "weekly digest on Economy & jobs, Trade" in text.get_content()
    assert "Economy &amp; jobs" in html.get_content()
    assert "http://testserver/newsletter/confirm?token=" in text.get_content()
    assert "someone" not in text.get_content().lower().split("token=", 1)[1]  # no address
    assert "List-Unsubscribe" not in message  # nothing to unsubscribe from yet


def test_clean_subscription() -> None:
    assert clean_subscription("a@Example.ORG", "daily", ["trade", "trade", ""]) == (
        "a@example.org",
        "daily",
        ["trade"],
    )
    for bad in (("a@b.c\r\nBcc: x@y.z", "daily", []), ("a@example.org", "monthly", [])):
        with pytest.raises(InvalidInput):
            clean_subscription(*bad)


def test_the_data_export_lists_the_digests(core: Plumbline) -> None:
    subscriber, _ = core.stores.subscribers.subscribe(
        "e@example.org", "daily", ["trade"], max_confirmations=3
    )
    core.stores.subscribers.confirm_subscriber(subscriber.id)
    core.stores.subscribers.claim_digest(subscriber.id, "daily:2026-11-30", [7, 8])
    core.stores.subscribers.finish_digest(subscriber.id, "daily:2026-11-30", "sent")
    data = core.newsletter.export(core.newsletter.tokens.manage(subscriber))
    assert data["topics"] == ["trade"] and data["confirmed_at"]
    assert data["digests"][0]["stories"] == [7, 8] and data["digests"][0]["sent_at"]
