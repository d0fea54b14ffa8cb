"""Your news diet on the site: nothing recorded without consent; kept in the browser with
preference consent; kept in the account when signed in with consent (export, delete,
"Forget my history"); /go/ notes only clicks made on the site; the JSON API; hostile ids,
cookies and forms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from plumbline.accounts import new_token
from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.models import Lean, Outlet
from plumbline.settings import Settings
from plumbline.storage.base import MAX_ID
from plumbline.web.app import create_app
from plumbline.web.consent import CONSENT_COOKIE, OPENED_COOKIE, SEEN_COOKIE
from plumbline.web.forms import READER_COOKIE
from tests.plumbline_fixtures import database_url, jsonl
from tests.web.test_phrase_feedback import TAX

OUTLETS = [("left-daily", "Left Daily", Lean.LEFT), ("center-wire", "Center Wire", Lean.CENTER),
           ("right-post", "Right Post", Lean.RIGHT)]  # fmt: skip
QUAKE = [
    {
        "id": "q1",
        "url": "https://left-daily.example/quake",
        "title": "Earthquake of magnitude 6.1 shakes central Chile, damaging homes",
        "text": "An earthquake of magnitude 6.1 shook central Chile on Thursday, damaging "
        "hundreds of homes in the Maule region and cutting power to thousands, the national "
        "emergency office said. No deaths were reported. The quake struck at a depth of 40 "
        "kilometres near the town of Talca, the seismological centre said.",
        "outlet": "left-daily",
        "published": "2026-11-05T01:00:00Z",
    },
    {
        "id": "q2",
        "url": "https://center-wire.example/quake",
        "title": "Chile quake damages homes in Maule region, no deaths reported",
        "text": "A strong earthquake struck central Chile on Thursday near Talca, in the Maule "
        "region. Authorities said hundreds of houses were damaged and thousands of homes lost "
        "electricity, but nobody was killed. Chile's seismological centre put the magnitude "
        "at 6.1 and the depth at about 40 kilometres.",
        "outlet": "center-wire",
        "published": "2026-11-05T02:00:00Z",
    },
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Plumbline]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("diet"),
        database_url=database_url(),
        default_outlets=False,
        public_url="http://testserver",
    )
    core = Plumbline(settings, embedder=embedder)
    core.init()
    core.stores.outlets.upsert_outlets(
        [
            Outlet(slug=s, name=n, homepage=f"https://{s}.example", lean=lean)
            for s, n, lean in OUTLETS
        ]
    )
    tax = [{**a, "outlet": slug, "url": f"https://{slug}.example/tax"}
           for a, (slug, _n, _l) in zip(TAX, OUTLETS, strict=True)]  # fmt: skip
    core.import_articles(jsonl(tax + QUAKE))
    core.process()
    yield core
    core.close()


def _consent(core: Plumbline, preferences: bool, analytics: bool) -> dict[str, str]:
    version = core.settings.consent_policy_version
    return {CONSENT_COOKIE: f"{version}.{int(preferences)}{int(analytics)}.testconsent01"}


def _client(core: Plumbline, **cookies: str) -> TestClient:
    client = TestClient(create_app(core))
    for name, value in cookies.items():
        client.cookies.set(name, value)
    return client


def _stories(core: Plumbline) -> tuple[str, str]:
    slugs = {s.n_outlets: s.slug for s in core.stories(limit=5)}
    return slugs[3], slugs[2]  # the tax bill (three sides), the quake (left and center)


def _signed_in(core: Plumbline, email: str) -> str:
    """A reader token signed in as `email` (the emailed link's last step, done directly)."""
    link, token = new_token(), new_token()
    core.stores.readers.create_sign_in(link, email, None, timedelta(minutes=5))
    core.stores.readers.use_sign_in(link, token)
    return token


def _rows(core: Plumbline) -> tuple[int, int]:
    with core.engine.connect() as connection:
        return (
            connection.execute(text("SELECT count(*) FROM readers")).scalar_one(),
            connection.execute(text("SELECT count(*) FROM reads")).scalar_one(),
        )


def _go_links(html: str) -> list[str]:
    return re.findall(r'href="(/go/\d+)"', html)


def _forget_token(html: str) -> str:
    form = html.split('action="/me/diet/forget"')[1]
    found = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert found
    return found.group(1)


def test_nothing_is_recorded_without_consent(site: Plumbline) -> None:
    client = _client(site)
    tax, _quake = _stories(site)
    page = client.get(f"/story/{tax}").text
    assert not _go_links(page)  # article links go straight to the outlet
    assert 'href="https://left-daily.example/tax"' in page
    article = site.story(tax).articles[0]
    out = client.get(f"/go/{article.id}", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == article.url
    assert "set-cookie" not in out.headers
    diet = client.get("/me/diet")
    assert "Recording is <strong>off</strong>" in diet.text and "Forget my history" not in diet.text
    assert "set-cookie" not in diet.headers
    api = client.get("/api/me/diet")
    assert api.json()["recording"] == "off" and api.json()["stories_read"] == 0
    assert api.headers["cache-control"] == "private, no-cache"
    assert not client.cookies


def test_with_preference_consent_the_diet_stays_in_the_browser(site: Plumbline) -> None:
    client = _client(site, **_consent(site, True, False))
    tax, quake = _stories(site)
    before = _rows(site)
    client.get(f"/story/{quake}")
    page = client.get(f"/story/{tax}").text
    links = _go_links(page)
    assert len(links) == 3
    right = next(a for a in site.story(tax).articles if a.outlet_slug == "right-post")
    out = client.get(f"/go/{right.id}", headers={"sec-fetch-site": "same-origin"},
                     follow_redirects=False)  # fmt: skip
    assert out.status_code == 303 and out.headers["location"] == right.url
    assert OPENED_COOKIE in client.cookies and READER_COOKIE not in client.cookies
    # a link on another site to /go/ is not a reading
    other = next(a for a in site.story(tax).articles if a.outlet_slug == "left-daily")
    client.get(f"/go/{other.id}", headers={"sec-fetch-site": "cross-site"}, follow_redirects=False)
    diet = client.get("/api/me/diet").json()
    assert diet["recording"] == "browser"
    assert (diet["stories_read"], diet["articles_opened"]) == (2, 1)
    assert [(o["slug"], o["opened"]) for o in diet["outlets"]] == [("right-post", 1)]
    sides = {s["side"]: s for s in diet["sides"]}
    # tax: 1/3 to each side; quake: 1/2 left, 1/2 center; one right article opened
    assert sides["left"]["weight"] == pytest.approx(0.83, abs=0.01)
    assert sides["right"]["weight"] == pytest.approx(1.33, abs=0.01)
    assert sides["right"]["opened"] == 1 and sides["center"]["stories"] == 2
    html = client.get("/me/diet").text
    assert "in this browser only" in html and "Right Post" in html
    assert [s["slug"] for s in diet["recent"]] == [tax, quake] and "Stories you read lately" in html
    assert "<svg" in html and "Forget my history" in html
    exported = client.post("/account/export", data={"csrf_token": _token(client, "account")})
    kept = exported.json()["kept_in_this_browser"]
    assert len(kept["stories_read"]) == 2 and kept["articles_opened"][0]["article"] == right.id
    assert _rows(site) == before  # nothing reached the server: no reader, no reads
    forgot = client.post("/me/diet/forget", data={"csrf_token": _forget_token(html)},
                         follow_redirects=False)  # fmt: skip
    assert forgot.status_code == 303 and forgot.headers["location"] == "/me/diet?forgotten=1"
    assert SEEN_COOKIE not in client.cookies and OPENED_COOKIE not in client.cookies
    after = client.get("/me/diet?forgotten=1").text
    assert "Your reading history is forgotten" in after and "Nothing read yet" in after


def _token(client: TestClient, purpose: str) -> str:
    page = client.get("/account").text
    action = {"account": "/account/export"}[purpose]
    found = re.search(rf'action="{action}".*?name="csrf_token" value="([^"]+)"', page, re.S)
    assert found
    return found.group(1)


def test_signed_in_with_preference_consent_the_account_keeps_it(site: Plumbline) -> None:
    token = _signed_in(site, "reader@example.org")
    # analytics consent promises no profile: it records no reading history
    analytics = _client(site, **{READER_COOKIE: token}, **_consent(site, False, True))
    analytics.get(f"/story/{_stories(site)[0]}")
    assert analytics.get("/api/me/diet").json()["recording"] == "off"
    assert _rows(site)[1] == 0
    client = _client(site, **{READER_COOKIE: token}, **_consent(site, True, False))
    tax, quake = _stories(site)
    client.get(f"/story/{tax}")
    client.get(f"/story/{tax}")  # a second read moves the time, it adds nothing
    links = _go_links(client.get(f"/story/{quake}").text)
    assert len(links) == 2
    client.get(links[0], follow_redirects=False)  # no Sec-Fetch-Site (older browsers): counts
    assert OPENED_COOKIE not in client.cookies  # kept in the account, not in the browser
    diet = client.get("/api/me/diet").json()
    assert diet["recording"] == "account"
    assert (diet["stories_read"], diet["articles_opened"]) == (2, 1)
    # another device signed in to the same account sees the same diet
    elsewhere = _client(site, **{READER_COOKIE: _signed_in(site, "reader@example.org")},
                        **_consent(site, True, False))  # fmt: skip
    assert elsewhere.get("/api/me/diet").json()["stories_read"] == 2
    client = _client(site, **{READER_COOKIE: elsewhere.cookies[READER_COOKIE]},
                     **_consent(site, True, False))  # fmt: skip
    exported = client.post("/account/export", data={"csrf_token": _token(client, "account")}).json()
    history = exported["reading_history"]
    assert sorted(h.get("story", "") for h in history if "story" in h) == sorted([tax, quake])
    assert [h["article"] for h in history if "article" in h] == ["https://left-daily.example/quake"]
    # withdrawing consent stops the recording; what the account holds stays until forgotten
    off = _client(site, **{READER_COOKIE: client.cookies[READER_COOKIE]},
                  **_consent(site, False, False))  # fmt: skip
    html = off.get("/me/diet").text
    assert "Recording is <strong>off</strong>" in html and "still holds" in html
    assert off.get("/api/me/diet").json()["stories_read"] == 2
    off.post("/me/diet/forget", data={"csrf_token": _forget_token(html)})
    assert off.get("/api/me/diet").json()["stories_read"] == 0
    # reading again, then deleting the account takes the history with it
    client.get(f"/story/{tax}")
    reader = site.diets.signed_in(client.cookies[READER_COOKIE])
    assert reader is not None and site.stores.readers.reading_history(reader)[0]
    deleted = client.post("/account/delete", data={"csrf_token": _token(client, "account")})
    assert site.stores.readers.reading_history(reader) == ({}, {})
    cleared = deleted.headers.get_list("set-cookie")
    assert all(any(c.startswith(f"{name}=") for c in cleared)
               for name in (READER_COOKIE, SEEN_COOKIE, OPENED_COOKIE))  # fmt: skip


def test_hostile_ids_cookies_and_forms(site: Plumbline) -> None:
    client = _client(site, **_consent(site, True, False))
    for bad in ("abc", "0", "-1", str(MAX_ID + 1), str(2**63 - 1), "１", "1.5", "9" * 30):
        assert client.get(f"/go/{bad}", follow_redirects=False).status_code == 404, bad
    assert client.get(f"/go/{MAX_ID}", follow_redirects=False).status_code == 404
    # forged and oversized cookies read as no history, and the page still answers
    for raw in ("garbage", "1.99999999999999_x" * 500, "999999.1700000000000_1.-5"):
        client.cookies.set(SEEN_COOKIE, raw)
        client.cookies.set(OPENED_COOKIE, raw)
        response = client.get("/api/me/diet")
        assert response.status_code == 200 and response.json()["articles_opened"] == 0
        assert client.get("/me/diet").status_code == 200
    assert client.post("/me/diet/forget", data={"csrf_token": ""}).status_code == 403
    assert client.post("/me/diet/forget", data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/me/diet/forget", headers={"origin": "https://evil.example"},
                       data={"csrf_token": "x"}).status_code == 403  # fmt: skip


def test_an_article_without_a_web_address_is_not_redirected_to(site: Plumbline) -> None:
    site.import_articles(jsonl([{"id": "n1", "title": "A note without an address",
                                 "text": "Text " * 40, "outlet": "left-daily"}]))  # fmt: skip
    site.process()
    [note] = [a for a in site.stores.articles.outlet_articles("left-daily", 50)
              if a.title == "A note without an address"]  # fmt: skip
    assert note.url.startswith("urn:plumbline:")  # the importer's name for it
    answer = TestClient(create_app(site)).get(f"/go/{note.id}", follow_redirects=False)
    assert answer.status_code == 404 and "no web address" in answer.text
