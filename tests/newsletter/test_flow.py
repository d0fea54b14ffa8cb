"""The whole newsletter, in process through the ASGI app, with mail through a real SMTP
server on 127.0.0.1: subscribe, confirmation email, confirm, digest, one-click
unsubscribe, preferences and the subscriber's data."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from email.message import EmailMessage

from fastapi.testclient import TestClient

from plumbline.core import Plumbline
from plumbline.web.app import create_app
from tests.mailserver import MailServer
from tests.newsletter.conftest import NOW, add_story


def form_token(page: str, action: str) -> str:
    """The CSRF token of the page's form that posts to `action` (a path prefix)."""
    for attributes, body in re.findall(r"<form([^>]*)>(.*?)</form>", page, re.S):
        target = re.search(r'action="([^"]*)"', attributes)
        if target and html.unescape(target.group(1)).startswith(action):
            found = re.search(r'name="csrf_token" value="([^"]+)"', body)
            assert found, f"the form posting to {action} has no token"
            return html.unescape(found.group(1))
    raise AssertionError(f"no form posts to {action}")


def text_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def link(message: EmailMessage, path: str) -> str:
    found = re.search(rf"http://testserver{re.escape(path)}\?token=[\w.\-%=]+", text_of(message))
    assert found, f"no {path} link in the email"
    return found.group(0)


def subscribe(client: TestClient, email: str, frequency: str = "daily", **extra: object) -> int:
    page = client.get("/newsletter").text
    data = {"email": email, "frequency": frequency, **extra}
    data["csrf_token"] = form_token(page, "/newsletter/subscribe")
    response = client.post("/newsletter/subscribe", data=data)
    return response.status_code


def confirm(client: TestClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    assert "Confirm" in page.text
    token = re.search(r'name="token" value="([^"]+)"', page.text)
    assert token
    response = client.post(
        "/newsletter/confirm",
        data={
            "token": html.unescape(token.group(1)),
            "csrf_token": form_token(page.text, "/newsletter/confirm"),
        },
    )
    assert response.status_code == 200, response.text
    return response.text


def first_digest(
    client: TestClient, core: Plumbline, mail_server: MailServer, email: str
) -> EmailMessage:
    """Subscribe `email`, confirm it and send its first digest (of one story)."""
    add_story(core, "a-story")
    subscribe(client, email)
    confirm(client, link(mail_server.wait_for(1)[0], "/newsletter/confirm"))
    assert core.send_digests("daily", NOW).sent == 1
    return mail_server.wait_for(2)[-1]


def test_subscribe_confirm_digest_unsubscribe(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    add_story(core, "senate-passes-budget", outlets=5, headline="Senate passes <budget> & more")
    add_story(core, "storm-hits-coast", outlets=3)
    add_story(core, "one-outlet-only", outlets=1)
    add_story(core, "last-week", outlets=9, hours_ago=50)

    assert subscribe(client, "Reader@Example.org") == 200
    [confirmation] = mail_server.wait_for(1)
    assert confirmation["To"] == "Reader@example.org"
    assert "Confirm" in confirmation["Subject"]
    confirm_url = link(confirmation, "/newsletter/confirm")
    assert confirm_url in html_of(confirmation).replace("&amp;", "&")

    assert core.send_digests("daily", NOW).sent == 0  # not confirmed yet: nothing goes out
    assert "You are subscribed" in confirm(client, confirm_url)

    report = core.send_digests("daily", NOW)
    assert (report.sent, report.failed, report.unknown) == (1, 0, 0)
    digest = mail_server.wait_for(2)[-1]
    assert digest["To"] == "Reader@example.org"
    assert digest.is_multipart()
    text, body = text_of(digest), html_of(digest)
    assert "Senate passes <budget> & more" in text
    assert "Senate passes &lt;budget&gt; &amp; more" in body  # escaped in HTML only
    assert "http://testserver/story/senate-passes-budget" in text
    assert "5 sources" in text and "Bias score 42/100 (Moderately biased)" in text
    assert "left 1, center 3, right 1" in text
    assert text.index("senate-passes-budget") < text.index("storm-hits-coast")  # coverage
    assert "one-outlet-only" not in text and "last-week" not in text
    unsubscribe_url = link(digest, "/newsletter/unsubscribe")
    assert digest["List-Unsubscribe"] == f"<{unsubscribe_url}>"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # RFC 8058: the mail client posts by itself, with no cookie and no form token
    mail_client = TestClient(create_app(core), raise_server_exceptions=False)
    response = mail_client.post(
        unsubscribe_url,
        content=b"List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    assert "unsubscribed" in response.text
    assert not mail_client.cookies

    add_story(core, "news-of-tomorrow", outlets=4, hours_ago=-20)
    tomorrow = core.send_digests("daily", NOW + timedelta(days=1))
    assert (tomorrow.sent, tomorrow.already) == (0, 0)
    assert core.stores.subscribers.due_subscribers("daily", tomorrow.period) == []
    assert len(mail_server.messages()) == 2


def test_the_unsubscribe_link_shows_a_button_and_changes_nothing(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    digest = first_digest(client, core, mail_server, "scanner@example.org")
    url = link(digest, "/newsletter/unsubscribe")
    page = client.get(url)  # what a link scanner does
    assert page.status_code == 200 and "<button" in page.text
    [subscriber] = core.stores.subscribers.due_subscribers("daily", "daily:2026-12-01")
    assert subscriber.status == "confirmed"


def test_subscribing_again_reveals_nothing(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    subscribe(client, "known@example.org")
    confirm(client, link(mail_server.wait_for(1)[0], "/newsletter/confirm"))
    page = client.get("/newsletter").text
    token = form_token(page, "/newsletter/subscribe")
    known = client.post(
        "/newsletter/subscribe",
        data={"email": "known@example.org", "frequency": "weekly", "csrf_token": token},
    )
    new = client.post(
        "/newsletter/subscribe",
        data={"email": "new@example.org", "frequency": "weekly", "csrf_token": token},
    )
    assert known.status_code == new.status_code == 200

    def fixed(page: str) -> str:  # form tokens carry the second they were made in
        return re.sub(r'name="csrf_token" value="[^"]*"', 'name="csrf_token" value=""', page)

    assert fixed(known.text.replace("known", "new")) == fixed(new.text)  # the same page
    mail_server.wait_for(2)
    assert len(mail_server.messages("known@example.org")) == 1  # no second email
    subscriber = core.stores.subscribers.subscriber(1)
    assert subscriber is not None
    assert (subscriber.status, subscriber.frequency) == ("confirmed", "daily")  # unchanged


def test_preferences_topics_and_frequency(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    add_story(core, "court-rules", outlets=3, topics=("supreme-court",))
    add_story(core, "market-falls", outlets=6, topics=("economy",))
    assert subscribe(client, "topics@example.org", topics=["supreme-court"]) == 200
    confirmed = confirm(client, link(mail_server.wait_for(1)[0], "/newsletter/confirm"))
    assert "Supreme Court" in confirmed
    core.send_digests("daily", NOW)
    digest = mail_server.wait_for(2)[-1]
    assert "court-rules" in text_of(digest) and "market-falls" not in text_of(digest)

    preferences_url = link(digest, "/newsletter/preferences")
    page = client.get(preferences_url)
    assert page.status_code == 200 and 'value="supreme-court" checked' in page.text
    response = client.post(
        preferences_url,
        data={
            "frequency": "weekly",
            "topics": ["economy", "trade"],
            "csrf_token": form_token(page.text, "/newsletter/preferences"),
        },
    )
    assert response.status_code == 200 and "Saved" in response.text
    subscriber = core.stores.subscribers.subscriber(1)
    assert subscriber is not None
    assert (subscriber.frequency, subscriber.topics) == ("weekly", ["economy", "trade"])
    assert core.send_digests("weekly", NOW).sent == 1
    assert "market-falls" in text_of(mail_server.wait_for(3)[-1])


def test_export_and_delete_the_subscribers_data(
    client: TestClient, core: Plumbline, mail_server: MailServer
) -> None:
    digest = first_digest(client, core, mail_server, "mine@example.org")
    preferences_url = link(digest, "/newsletter/preferences")
    data_url = preferences_url.replace("/preferences", "/data")

    export = client.get(data_url)
    assert export.status_code == 200
    assert "attachment" in export.headers["content-disposition"]
    data = export.json()
    assert data["email"] == "mine@example.org" and data["status"] == "confirmed"
    assert [d["status"] for d in data["digests"]] == ["sent"]

    page = client.get(preferences_url).text
    deleted = client.post(
        preferences_url.replace("/preferences", "/delete"),
        data={"csrf_token": form_token(page, "/newsletter/delete")},
    )
    assert deleted.status_code == 200 and "deleted" in deleted.text
    assert core.stores.subscribers.subscriber(1) is None
    assert client.get(data_url).status_code == 400  # the links die with the data
    assert core.send_digests("daily", NOW).sent == 0


def test_every_page_has_the_subscribe_form(client: TestClient) -> None:
    for url in ("/", "/newsletter", "/no-such-page"):
        page = client.get(url).text
        assert 'action="/newsletter/subscribe"' in page
        assert '<label for="subscribe-email">' in page
        assert form_token(page, "/newsletter/subscribe")
