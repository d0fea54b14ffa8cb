"""Saved stories, sign-in by emailed link, the reader's data, cookie consent and the form
guard, in process against a small store of real-looking articles and a real SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.web.app import create_app
from plumbline.web.forms import MAX_FORM_BYTES
from tests.mailserver import MailServer
from tests.plumbline_fixtures import database_url, jsonl
from tests.test_story_restructure import FED, VOLCANO

EMPTY_STATE = "You have not yet added any article to your bookmarks"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Plumbline, MailServer]]:
    with MailServer() as inbox:
        port = inbox.port
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("readers"),
            database_url=database_url(),
            default_outlets=False,
            smtp_port=port,
            public_url="http://testserver",
        )
        core = Plumbline(settings, embedder=embedder)
        core.init()
        core.import_articles(jsonl(VOLCANO + FED))
        core.process()
        yield core, inbox
        core.close()


@pytest.fixture
def client(site: tuple[Plumbline, MailServer]) -> TestClient:
    return TestClient(create_app(site[0]))


def _token(html: str, action: str) -> str:
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert form, f"no form posting to {action}"
    found = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    assert found
    return found.group(1)


def _slug(core: Plumbline) -> str:
    return core.stories(limit=1)[0].slug


def test_reading_sets_no_cookie_and_shows_the_consent_banner(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    for path in ("/", f"/story/{_slug(site[0])}", "/saved", "/about", "/privacy", "/cookies",
                 "/terms", "/methodology", "/consent", "/account", "/signin"):  # fmt: skip
        response = client.get(path)
        assert response.status_code == 200, path
        assert "set-cookie" not in response.headers, path
        assert "Your choice about cookies" in response.text or path == "/consent"
    assert not client.cookies


def test_saved_page_empty_state(client: TestClient) -> None:
    page = client.get("/saved").text
    assert EMPTY_STATE in page and 'href="/">Browse articles</a>' in page


def test_save_and_unsave_a_story(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    slug = _slug(site[0])
    page = client.get(f"/story/{slug}").text
    response = client.post(
        f"/saved/{slug}",
        data={"csrf_token": _token(page, f"/saved/{slug}"), "next": f"/story/{slug}"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/story/{slug}"
    cookie = response.headers["set-cookie"]
    assert "pl_reader=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    saved = client.get("/saved").text
    assert EMPTY_STATE not in saved and f"/story/{slug}" in saved
    story_page = client.get(f"/story/{slug}").text
    assert "★ Saved" in story_page
    # the token was bound to the cookie-less browser; now the page gives a new one
    remove = client.post(
        f"/saved/{slug}/remove",
        data={"csrf_token": _token(story_page, f"/saved/{slug}/remove")},
        follow_redirects=False,
    )
    assert remove.status_code == 303
    assert EMPTY_STATE in client.get("/saved").text


def test_form_posts_without_a_valid_token_are_refused(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    slug = _slug(site[0])
    assert client.post(f"/saved/{slug}").status_code == 403
    assert client.post(f"/saved/{slug}", data={"csrf_token": "forged"}).status_code == 403
    token = _token(client.get("/").text, "/consent")
    assert client.post(f"/saved/{slug}", data={"csrf_token": token}).status_code == 403  # purpose
    save_token = _token(client.get(f"/story/{slug}").text, f"/saved/{slug}")
    other_site = client.post(
        f"/saved/{slug}",
        data={"csrf_token": save_token},
        headers={"Origin": "https://evil.example"},
    )
    assert other_site.status_code == 403
    # a token issued to one browser does not work with another browser's reader cookie
    thief = TestClient(create_app(site[0]), cookies={"pl_reader": "someone-else"})
    assert thief.post(f"/saved/{slug}", data={"csrf_token": save_token}).status_code == 403
    assert not client.cookies


def test_oversized_and_hostile_forms(client: TestClient) -> None:
    big = client.post("/consent", content=b"x" * (MAX_FORM_BYTES + 1),
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413
    token = _token(client.get("/").text, "/consent")
    bad = client.post("/consent", data={"csrf_token": token, "choice": "<script>"})
    assert bad.status_code == 400 and "<script>" not in bad.text
    missing = client.post("/saved/no-such-story", data={"csrf_token": "x"})
    assert missing.status_code == 403  # the token is checked before anything else


def test_open_redirects_are_refused(client: TestClient) -> None:
    token = _token(client.get("/").text, "/consent")
    response = client.post(
        "/consent",
        data={"csrf_token": token, "choice": "reject_all", "next": "//evil.example/x"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_consent_choices_are_remembered_logged_and_gate_analytics(
    client: TestClient,
    site,  # type: ignore[no-untyped-def]
) -> None:
    core, _inbox = site
    story = core.stories(limit=1)[0]
    before = core.stores.readers.story_views(story.id)
    client.get(f"/story/{story.slug}")
    assert core.stores.readers.story_views(story.id) == before  # no consent, no count
    reject = client.post(
        "/consent",
        data={"csrf_token": _token(client.get("/").text, "/consent"), "choice": "reject_all"},
        follow_redirects=False,
    )
    assert (
        reject.status_code == 303
        and f"pl_consent={site[0].settings.consent_policy_version}.00."
        in reject.headers["set-cookie"]
    )
    page = client.get(f"/story/{story.slug}").text
    assert "Your choice about cookies" not in page
    assert core.stores.readers.story_views(story.id) == before
    consent_id = client.cookies["pl_consent"].split(".")[-1]
    accept = client.post(
        "/consent",
        data={"csrf_token": _token(client.get("/consent").text, "/consent"), "choice": "custom",
              "analytics": "on"},
    )  # fmt: skip
    assert accept.status_code == 200
    assert client.cookies["pl_consent"].startswith(f"{site[0].settings.consent_policy_version}.01.")
    client.get(f"/story/{story.slug}")
    assert core.stores.readers.story_views(story.id) == before + 1
    history = core.stores.readers.consent_history(consent_id)
    assert [(h["method"], h["analytics"]) for h in history] == [
        ("reject_all", False),
        ("custom", True),
    ]
    assert all("ip" not in key for h in history for key in h)


def test_a_theme_is_remembered_only_with_preference_consent(client: TestClient) -> None:
    consent_token = _token(client.get("/consent").text, "/consent")
    wrong_purpose = client.post(
        "/preferences/theme", data={"csrf_token": consent_token, "theme": "dark"}
    )
    assert wrong_purpose.status_code == 403
    client.post("/consent", data={"csrf_token": _token(client.get("/").text, "/consent"),
                                  "choice": "reject_all"})  # fmt: skip
    page = client.get("/consent").text
    assert 'action="/preferences/theme"' not in page  # offered only with preference consent
    client.post("/consent", data={"csrf_token": _token(page, "/consent"), "choice": "accept_all"})
    page = client.get("/consent").text
    client.post(
        "/preferences/theme",
        data={"csrf_token": _token(page, "/preferences/theme"), "theme": "dark"},
    )
    assert 'data-theme="dark"' in client.get("/").text
    client.post("/consent", data={"csrf_token": _token(page, "/consent"), "choice": "reject_all"})
    assert "data-theme" not in client.get("/").text


def test_sign_in_by_emailed_link_carries_saved_stories(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    core, inbox = site
    slug = _slug(core)
    client.post(f"/saved/{slug}", data={"csrf_token": _token(client.get(f"/story/{slug}").text,
                                                             f"/saved/{slug}")})  # fmt: skip
    page = client.get("/signin").text
    sent = client.post("/signin", data={"csrf_token": _token(page, "/signin"),
                                        "email": "Reader@Example.org"})  # fmt: skip
    assert sent.status_code == 200 and "sign-in link is on its way" in sent.text
    mail = inbox.messages("Reader@example.org")[-1]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://testserver(/signin/verify\?token=\S+)", text)
    assert link and mail.get_body(("html",)) is not None
    # on another device: open the link, press the button
    phone = TestClient(create_app(core))
    confirm_page = phone.get(link.group(1)).text
    token = re.search(r'name="token" value="([^"]+)"', confirm_page)
    assert token
    signed_in = phone.post(
        "/signin/verify",
        data={"csrf_token": _token(confirm_page, "/signin/verify"), "token": token.group(1)},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303 and "pl_reader=" in signed_in.headers["set-cookie"]
    # the account has the saved story of the browser that asked for the link
    phone.cookies.set("pl_reader", signed_in.cookies["pl_reader"])
    saved_page = phone.get("/saved").text
    assert (
        f"/story/{slug}" in saved_page and "signed in as reader@example.org" in saved_page.lower()
    )
    # the link works once
    again = phone.post("/signin/verify", data={"csrf_token": _token(phone.get(link.group(1)).text,
                                               "/signin/verify"), "token": token.group(1)})  # fmt: skip
    assert again.status_code == 400 and "already used" in again.text


def test_sign_in_refuses_header_injection_and_bad_addresses(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    inbox = site[1]
    count = len(inbox.messages())
    for address in ("a@b.example\r\nBcc: victim@example.org", "not-an-address", "x" * 400 + "@a.b"):
        page = client.get("/signin").text
        response = client.post("/signin", data={"csrf_token": _token(page, "/signin"),
                                                "email": address})  # fmt: skip
        assert response.status_code in (400, 422)
    assert len(inbox.messages()) == count


def test_export_and_delete_my_data(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    slug = _slug(site[0])
    client.post(f"/saved/{slug}", data={"csrf_token": _token(client.get(f"/story/{slug}").text,
                                                             f"/saved/{slug}")})  # fmt: skip
    client.post("/consent", data={"csrf_token": _token(client.get("/").text, "/consent"),
                                  "choice": "reject_all"})  # fmt: skip
    account = client.get("/account").text
    export = client.post("/account/export", data={"csrf_token": _token(account, "/account/export")})
    assert export.status_code == 200 and "attachment" in export.headers["content-disposition"]
    data = export.json()
    assert data["saved_stories"][0]["story"] == slug
    assert data["consent_records"][0]["method"] == "reject_all"
    deleted = client.post(
        "/account/delete", data={"csrf_token": _token(account, "/account/delete")}
    )
    assert deleted.status_code == 200 and "was deleted" in deleted.text
    assert (
        'pl_reader=""' in deleted.headers["set-cookie"]
        or "Max-Age=0" in deleted.headers["set-cookie"]
    )
    client.cookies.delete("pl_reader")
    assert EMPTY_STATE in client.get("/saved").text


def test_info_pages_render_the_methodology_and_policies(client: TestClient) -> None:
    methodology = client.get("/methodology").text
    assert "<table>" in methodology and "macro F1" in methodology
    assert "<script" not in methodology
    # headings carry ids, so every in-page link lands and the story page's "why" reaches
    # the lean section
    ids = set(re.findall(r'id="([^"]+)"', methodology))
    assert "lean" in ids and "article-lean-lean" in ids
    assert set(re.findall(r'href="#([^"]+)"', methodology)) <= ids
    cookies = client.get("/cookies").text
    for name in ("pl_consent", "pl_reader", "pl_theme"):
        assert name in cookies
    assert "IP addresses" in client.get("/privacy").text
