"""Hostile input to the newsletter: posts without a form token, forged, expired and
borrowed link tokens, header injection, huge forms, floods."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from plumbline.core import Plumbline
from plumbline.errors import InvalidInput
from plumbline.models import Subscriber
from plumbline.newsletter.subscriptions import CONFIRMATIONS_PER_DAY, LinkTokens
from plumbline.settings import Settings
from plumbline.web.app import create_app
from tests.mailserver import MailServer
from tests.newsletter.conftest import NOW
from tests.newsletter.test_flow import form_token, link, subscribe
from tests.plumbline_fixtures import database_url


def test_a_subscribe_post_without_a_form_token_is_refused(
    client: TestClient, mail_server: MailServer
) -> None:
    response = client.post(
        "/newsletter/subscribe", data={"email": "victim@example.org", "frequency": "daily"}
    )
    assert response.status_code == 403
    assert "security token" in response.text
    forged = client.post(
        "/newsletter/subscribe",
        data={"email": "victim@example.org", "csrf_token": "forged.token.value"},
    )
    assert forged.status_code == 403
    page = client.get("/newsletter").text
    cross_site = client.post(
        "/newsletter/subscribe",
        data={"email": "victim@example.org", "csrf_token": form_token(page, "/newsletter/")},
        headers={"Origin": "https://evil.example"},
    )
    assert cross_site.status_code == 403
    assert mail_server.messages() == []


def test_confirm_and_preferences_posts_need_the_form_token(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    subscribe(client, "csrf@example.org")
    confirm_url = link(mail_server.wait_for(1)[0], "/newsletter/confirm")
    token = confirm_url.split("token=", 1)[1]
    assert client.post("/newsletter/confirm", data={"token": token}).status_code == 403
    subscriber = core.stores.subscribers.subscriber(1)
    assert subscriber is not None and subscriber.status == "pending"
    manage = core.newsletter.tokens.manage(subscriber)
    changed = client.post(f"/newsletter/preferences?token={manage}", data={"frequency": "weekly"})
    assert changed.status_code == 403
    assert client.post(f"/newsletter/delete?token={manage}").status_code == 403
    assert core.stores.subscribers.subscriber(1) == subscriber


@pytest.mark.parametrize(
    "url",
    [
        "/newsletter/confirm?token=",
        "/newsletter/confirm?token=WzEsImFiYyJd.forged.signature",
        "/newsletter/unsubscribe?token=WzEsImFiYyJd.forged",
        "/newsletter/preferences?token=nonsense",
        "/newsletter/data?token=nonsense",
        "/newsletter/confirm?token=" + "x" * 5000,
    ],
)
def test_forged_link_tokens_get_a_friendly_400(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert "<h1" in response.text and "Traceback" not in response.text


def test_a_token_made_for_one_purpose_fails_every_other(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    subscribe(client, "purpose@example.org")
    subscriber = core.stores.subscribers.subscriber(1)
    assert subscriber is not None
    tokens = core.newsletter.tokens
    unsubscribe, manage = tokens.unsubscribe(subscriber), tokens.manage(subscriber)
    assert client.get(f"/newsletter/confirm?token={unsubscribe}").status_code == 400
    assert client.get(f"/newsletter/preferences?token={unsubscribe}").status_code == 400
    assert client.post(f"/newsletter/unsubscribe?token={manage}").status_code == 400
    other_site = LinkTokens("another site's secret key, just as long as ours is")
    assert client.get(f"/newsletter/data?token={other_site.manage(subscriber)}").status_code == 400


def test_a_token_does_not_outlive_its_address(core: Plumbline) -> None:
    subscriber, _ = core.stores.subscribers.subscribe(
        "first@example.org", "daily", [], max_confirmations=3
    )
    impostor = Subscriber(subscriber.id, "else@example.org", "pending", "daily", [], NOW)
    token = core.newsletter.tokens.manage(impostor)
    with pytest.raises(InvalidInput):
        core.newsletter.export(token)


def test_an_expired_confirmation_link_is_refused(
    client: TestClient, core: Plumbline, settings: Settings
) -> None:
    subscriber, _ = core.stores.subscribers.subscribe(
        "late@example.org", "daily", [], max_confirmations=3
    )
    fresh = core.newsletter.tokens.confirm(subscriber)
    secret = settings.signing_key()
    payload = URLSafeTimedSerializer(secret, salt="plumbline-newsletter-confirm").loads(fresh)

    class EightDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 8 * 24 * 3600

    old = URLSafeTimedSerializer(secret, salt="plumbline-newsletter-confirm", signer=EightDaysAgo)
    response = client.get(f"/newsletter/confirm?token={old.dumps(payload)}")
    assert response.status_code == 400
    assert "expired" in response.text
    assert client.get(f"/newsletter/confirm?token={fresh}").status_code == 200


@pytest.mark.parametrize(
    "email",
    [
        "a@b.c\r\nBcc: x@y.z",
        "a@example.org\nBcc: x@example.net",
        "victim@example.org, other@example.org",
        "Name <a@example.org>",
        "not an address",
        "",
    ],
)
def test_header_injection_and_bad_addresses_are_refused(
    client: TestClient, mail_server: MailServer, email: str
) -> None:
    status = subscribe(client, email)
    assert status == 400
    assert mail_server.messages() == []


@pytest.mark.parametrize(
    ("frequency", "topics"),
    [("hourly", []), ("daily", ["no-such-topic"]), ("daily", ["economy"] * 2 + ["x"] * 30)],
)
def test_bad_frequency_and_topics_are_refused(
    client: TestClient, mail_server: MailServer, frequency: str, topics: list[str]
) -> None:
    assert subscribe(client, "ok@example.org", frequency, topics=topics) == 400
    assert mail_server.messages() == []


def test_a_huge_form_is_refused_before_it_is_read(client: TestClient) -> None:
    page = client.get("/newsletter").text
    response = client.post(
        "/newsletter/subscribe",
        data={
            "email": "big@example.org",
            "topics": ["economy"] * 2000,
            "csrf_token": form_token(page, "/newsletter/subscribe"),
        },
    )
    assert response.status_code == 413
    unsubscribe = client.post("/newsletter/unsubscribe?token=x", content=b"x" * 20_000)
    assert unsubscribe.status_code == 413


def test_one_client_may_subscribe_only_so_often(tmp_path: Path, mail_server: MailServer) -> None:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url(),
        default_outlets=False,
        smtp_port=mail_server.port,
        public_url="http://testserver",
        subscribe_limit_per_hour=2,
    )
    core = Plumbline(settings)
    core.init()
    try:
        client = TestClient(create_app(core), raise_server_exceptions=False)
        assert subscribe(client, "one@example.org") == 200
        assert subscribe(client, "two@example.org") == 200
        assert subscribe(client, "three@example.org") == 429
        assert len(mail_server.wait_for(2)) == 2
    finally:
        core.close()


def test_one_address_gets_only_so_many_confirmation_emails(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    for _ in range(CONFIRMATIONS_PER_DAY + 2):
        assert subscribe(client, "flooded@example.org") == 200  # the same answer each time
    mail_server.wait_for(CONFIRMATIONS_PER_DAY)
    assert len(mail_server.messages("flooded@example.org")) == CONFIRMATIONS_PER_DAY


def test_the_one_click_unsubscribe_of_a_deleted_subscription_is_harmless(
    client: TestClient, core: Plumbline
) -> None:
    subscriber, _ = core.stores.subscribers.subscribe(
        "gone@example.org", "daily", [], max_confirmations=3
    )
    token = core.newsletter.tokens.unsubscribe(subscriber)
    core.stores.subscribers.delete_subscriber(subscriber.id)
    assert client.post(f"/newsletter/unsubscribe?token={token}").status_code == 200
