"""Follow a story or a topic: by email (double opt-in, one alert a day at most, RFC 8058
one-click unsubscribe) or as a private Atom feed; alerts when a side that had not covered a
story does or its score moves by 10 points; stopping from the account; the reader's data;
forged links, floods and bad input."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.follows import story_changes
from plumbline.models import Follow, FollowChange, LeanMix, Outlet, StorySummary
from plumbline.settings import Settings
from plumbline.web.app import create_app
from plumbline.web.forms import READER_COOKIE
from tests.mailserver import MailServer
from tests.plumbline_fixtures import database_url, jsonl
from tests.web.test_diet import OUTLETS, _signed_in
from tests.web.test_phrase_feedback import TAX

ATOM = "{http://www.w3.org/2005/Atom}"
LATER = datetime.now(UTC) + timedelta(days=2)  # a later day's run: the once-a-day wait is over


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[tuple[Plumbline, MailServer]]:
    with MailServer() as inbox:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("follows"),
            database_url=database_url(),
            default_outlets=False,
            smtp_port=inbox.port,
            public_url="http://testserver",
        )
        core = Plumbline(settings, embedder=embedder)
        core.init()
        core.stores.outlets.upsert_outlets(
            [Outlet(slug=s, name=n, homepage=f"https://{s}.example", lean=lean)
             for s, n, lean in OUTLETS]
        )  # fmt: skip
        left_and_center = [{**a, "outlet": slug, "url": f"https://{slug}.example/tax"}
                           for a, (slug, _n, _l) in zip(TAX[:2], OUTLETS[:2], strict=True)]  # fmt: skip
        core.import_articles(jsonl(left_and_center))
        core.process()
        yield core, inbox
        core.close()


def _story(core: Plumbline) -> StorySummary:
    return core.stories(limit=1)[0]


def _form(html: str, action: str) -> dict[str, str]:
    found = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', html, re.S)
    assert found, f"no form posting to {action}"
    return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', found.group(0)))


def _link(message: Any, path: str) -> str:
    text = message.get_body(("plain",)).get_content()
    found = re.search(rf"http://testserver{re.escape(path)}\?token=\S+", text)
    assert found, text
    return found.group(0).removeprefix("http://testserver")


def _right_joins(core: Plumbline) -> None:
    """The right-leaning outlet covers the followed story too."""
    slug, _n, _l = OUTLETS[2]
    core.import_articles(jsonl([{**TAX[2], "outlet": slug, "url": f"https://{slug}.example/tax"}]))
    core.process()


def test_the_alert_rules() -> None:
    story = StorySummary(
        id=7, slug="7-s", headline="H", lead="", n_articles=3, n_outlets=3,
        first_published=None, last_published=None, updated_at=datetime.now(UTC),
        lean_mix=LeanMix(1, 1, 1, 0), bias_score=42.0,
    )  # fmt: skip
    assert story_changes({"sides": ["left", "center", "right"], "score": 35.0}, story) == []
    [side] = story_changes({"sides": ["left", "center"], "score": 40.0}, story)
    assert side.kind == "side" and side.text.startswith("Right-leaning outlets now cover it (1)")
    [score] = story_changes({"sides": ["left", "center", "right"], "score": 32.0}, story)
    assert score.kind == "score" and "from 32 to 42" in score.text
    assert [c.kind for c in story_changes(None, story)] == ["new"]
    unscored = StorySummary(**{**{f: getattr(story, f) for f in story.__dataclass_fields__},
                               "bias_score": None})  # fmt: skip
    assert story_changes({"sides": ["left", "center", "right"], "score": 10.0}, unscored) == []


def test_follow_by_email_confirm_alert_once_a_day_and_unsubscribe_in_one_click(site) -> None:  # type: ignore[no-untyped-def]
    core, inbox = site
    client = TestClient(create_app(core))
    story = _story(core)
    page = client.get(f"/story/{story.slug}").text
    assert "Follow this story" in page
    form = _form(page, "/follow")
    assert form == {**form, "kind": "story", "key": story.slug}
    sent = client.post("/follow", data={**form, "email": "fan@example.org"})
    assert sent.status_code == 200 and "Check your inbox" in sent.text
    [confirmation] = [m for m in inbox.wait_for(1) if m["To"] == "fan@example.org"]
    confirm_link = _link(confirmation, "/follow/confirm")
    assert core.send_follow_alerts(LATER).checked == 0  # nothing before the confirmation
    shown = client.get(confirm_link)  # opening the link changes nothing: a button confirms
    assert shown.status_code == 200 and story.headline in shown.text
    assert core.send_follow_alerts(LATER).checked == 0
    token = confirm_link.split("token=")[1]
    done = client.post("/follow/confirm", data={**_form(shown.text, "/follow/confirm"),
                                                "token": token})  # fmt: skip
    assert "You follow" in done.text
    # asking again for a followed story sends nothing more
    client.post("/follow", data={**form, "email": "fan@example.org"})
    assert len(inbox.messages("fan@example.org")) == 1
    assert core.send_follow_alerts(LATER).alerts == 0  # nothing changed yet
    _right_joins(core)
    report = core.send_follow_alerts(LATER)
    assert (report.alerts, report.emailed, report.failed) == (1, 1, 0)
    alert = inbox.messages("fan@example.org")[-1]
    assert "Right-leaning outlets now cover it (1)" in alert.get_body(("plain",)).get_content()
    assert alert["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # at most one a day: the same day's run sends nothing, even with something new
    assert core.send_follow_alerts(LATER + timedelta(hours=1)).checked == 0
    # RFC 8058: the mail client posts to the List-Unsubscribe URL, no cookie, no form token
    unsubscribe = re.search(r"<http://testserver(/follow/unsubscribe\?token=[^>]+)>",
                            alert["List-Unsubscribe"])  # fmt: skip
    assert unsubscribe
    one_click = TestClient(create_app(core)).post(
        unsubscribe.group(1), data={"List-Unsubscribe": "One-Click"}
    )
    assert one_click.status_code == 200 and "Stopped" in one_click.text
    assert not [f for f in core.stores.follows.active_follows() if f.email == "fan@example.org"]


def test_a_score_move_of_ten_points_alerts_and_a_failed_email_is_retried(site) -> None:  # type: ignore[no-untyped-def]
    core, inbox = site
    story = _story(core)
    store = core.stores.follows
    follow, _due = store.add_follow(channel="email", email="scores@example.org", reader_id=None,
                                    story_id=story.id, topic=None, state={})  # fmt: skip
    assert story.bias_score is not None
    moved = story.bias_score - 12 if story.bias_score >= 12 else story.bias_score + 12
    store.confirm_follow(follow.id, {"stories": {str(story.id): {
        "sides": ["left", "center", "right"], "score": moved}}})  # fmt: skip
    inbox.refuse = True
    try:
        failed = core.send_follow_alerts(LATER)
    finally:
        inbox.refuse = False
    assert failed.failed == 1 and failed.errors
    report = core.send_follow_alerts(LATER)  # tried again: the failed alert did not count
    assert report.emailed == 1
    text = inbox.messages("scores@example.org")[-1].get_body(("plain",)).get_content()
    assert f"moved from {moved:.0f} to {story.bias_score:.0f}" in text


def test_a_private_feed_shows_the_alerts_and_stops(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    client = TestClient(create_app(core))
    story = _story(core)
    form = _form(client.get(f"/story/{story.slug}").text, "/follow/feed")
    made = client.post("/follow/feed", data=form)
    assert made.status_code == 200 and "Your private feed" in made.text
    feed_url = re.search(r'value="http://testserver(/follows/[A-Za-z0-9_-]+\.atom)"', made.text)
    assert feed_url
    feed = client.get(feed_url.group(1))
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("application/atom")
    root = ET.fromstring(feed.content)
    assert root.find(f"{ATOM}title") is not None and root.findall(f"{ATOM}entry") == []
    [followed] = [f for f in core.stores.follows.active_follows() if f.channel == "feed"]
    store = core.stores.follows
    store.save_state(followed.id, {"stories": {str(story.id): {"sides": ["left"], "score": None}}},
                     None)  # fmt: skip
    assert core.send_follow_alerts(LATER).alerts >= 1
    entries = ET.fromstring(client.get(feed_url.group(1)).content).findall(f"{ATOM}entry")
    assert len(entries) == 1
    content = entries[0].find(f"{ATOM}content")
    assert content is not None and "now cover it" in (content.text or "")
    manage = client.get(feed_url.group(1).removesuffix(".atom"))
    assert "Stop this feed" in manage.text and "now cover it" in manage.text
    token = feed_url.group(1).split("/")[2].removesuffix(".atom")
    stop = _form(manage.text, f"/follows/{token}/stop")
    assert "Stopped" in client.post(f"/follows/{token}/stop", data=stop).text
    assert client.get(feed_url.group(1)).status_code == 404
    assert client.get("/follows/" + "A" * 32 + ".atom").status_code == 404


def test_a_topic_follow_tells_of_new_stories(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    story = _story(core)
    assert story.topics, "the tax story has a topic"
    topic = story.topics[0]
    client = TestClient(create_app(core))
    page = client.get(f"/topic/{topic}").text
    assert "Follow this topic" in page
    form = _form(page, "/follow/feed")
    assert form["kind"] == "topic" and form["key"] == topic
    client.post("/follow/feed", data=form)
    [followed] = [f for f in core.stores.follows.active_follows() if f.topic == topic]
    assert str(story.id) in followed.state["stories"]
    core.stores.follows.save_state(followed.id, {"stories": {}}, None)  # as if before it
    found, state = core.follows.changes(core.stores.follows.follow(followed.id))  # type: ignore[arg-type]
    assert [(c.kind, c.story_id) for c in found] == [("new", story.id)]
    assert str(story.id) in state["stories"]


def test_follows_of_a_signed_in_reader_are_listed_stopped_exported_and_deleted(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    client = TestClient(create_app(core))
    client.cookies.set(READER_COOKIE, _signed_in(core, "owner@example.org"))
    story = _story(core)
    client.post("/follow/feed", data=_form(client.get(f"/story/{story.slug}").text, "/follow/feed"))
    account = client.get("/account").text
    assert "What you follow" in account and story.headline in account
    [follow] = core.follows.of_reader(client.cookies[READER_COOKIE])
    export = client.post("/account/export", data=_form(account, "/account/export")).json()
    assert [f["channel"] for f in export["follows"]] == ["feed"]
    # another reader cannot stop it
    other = TestClient(create_app(core))
    other.cookies.set(READER_COOKIE, _signed_in(core, "other@example.org"))
    token = _form(other.get("/account").text, "/account/export")
    assert other.post(f"/account/follows/{follow.follow.id}/stop", data=token).status_code == 404
    stopped = client.post(f"/account/follows/{follow.follow.id}/stop",
                          data=_form(account, "/account/export"), follow_redirects=False)  # fmt: skip
    assert (
        stopped.status_code == 303 and core.follows.of_reader(client.cookies[READER_COOKIE]) == []
    )
    client.post("/follow/feed", data=_form(client.get(f"/story/{story.slug}").text, "/follow/feed"))
    client.post("/account/delete", data=_form(client.get("/account").text, "/account/delete"))
    assert core.stores.follows.follows_of(None, "owner@example.org") == []


def test_forged_links_bad_input_and_floods(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    app = create_app(core)
    client = TestClient(app)
    story = _story(core)
    form = _form(client.get(f"/story/{story.slug}").text, "/follow")
    assert client.post("/follow", data={**form, "csrf_token": ""}).status_code == 403
    assert client.post("/follow", data={**form, "email": "not an address"}).status_code == 400
    assert (
        client.post("/follow", data={**form, "email": "a@b.org\r\nBcc: x@y.org"}).status_code == 400
    )
    assert (
        client.post(
            "/follow", data={**form, "email": "x@example.org", "kind": "outlet"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            "/follow", data={**form, "email": "x@example.org", "key": "no-such-story"}
        ).status_code
        == 404
    )
    assert (
        client.post("/follow/feed", data={**form, "kind": "topic", "key": "astrology"}).status_code
        == 404
    )
    assert client.post("/follow", data={**form, "key": "k" * 201}).status_code == 400
    for path in ("/follow/confirm", "/follow/unsubscribe"):
        for bad in ("", "forged", "x" * 501, "eyJ0ZXN0IjoxfQ.forged"):
            assert client.get(path, params={"token": bad}).status_code == 400, (path, bad)
    assert client.post("/follow/unsubscribe", params={"token": "forged"}).status_code == 400
    assert (
        client.post("/follow/confirm", data={"token": "forged", "csrf_token": ""}).status_code
        == 403
    )
    for bad in ("x", "%00", "a" * 200):
        assert client.get(f"/follows/{bad}.atom").status_code == 404
    assert client.post("/account/follows/abc/stop", data={"csrf_token": "x"}).status_code in (
        400,
        403,
    )
    from limits import RateLimitItemPerHour

    app.state.limits.rules["subscribe"] = (RateLimitItemPerHour(2), "subscribe requests")
    feed_form = _form(client.get(f"/story/{story.slug}").text, "/follow/feed")
    codes = [client.post("/follow/feed", data=feed_form).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]


def test_feed_entries_escape_hostile_headlines_and_feeds_are_private(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    client = TestClient(create_app(core))
    story = _story(core)
    made = client.post("/follow/feed", data=_form(client.get(f"/story/{story.slug}").text,
                                                  "/follow/feed"))  # fmt: skip
    path = re.search(r'value="http://testserver(/follows/[A-Za-z0-9_-]+\.atom)"', made.text)
    assert path
    followed, _alerts = core.follows.feed(path.group(1).split("/")[2].removesuffix(".atom"))
    evil = '<img src=x onerror="alert(1)">'
    core.stores.follows.add_alert(
        followed.follow.id, [FollowChange(story.id, story.slug, evil, "side", evil)], {},
        "feed", datetime.now(UTC),
    )  # fmt: skip
    feed = client.get(path.group(1))
    assert feed.headers["cache-control"] == "private, no-cache"
    content = ET.fromstring(feed.content).find(f"{ATOM}entry/{ATOM}content")
    assert content is not None and content.text is not None
    # the entry's HTML (what a feed reader renders) shows the headline as text, not a tag
    assert "<img" not in content.text and "&lt;img" in content.text


def test_one_address_gets_three_confirmations_a_day_and_anonymous_feeds_have_no_cap(site) -> None:  # type: ignore[no-untyped-def]
    core, inbox = site
    story = _story(core)
    before = len(inbox.messages("many@example.org"))
    for kind, key in (("story", story.slug), ("topic", "economy"), ("topic", "guns"),
                      ("topic", "trade")):  # fmt: skip
        core.follows.by_email("many@example.org", kind, key, None)
    assert len(inbox.messages("many@example.org")) - before == 3
    store = core.stores.follows
    for n in range(205):  # many email follows without a reader do not cap anonymous feeds
        store.add_follow(channel="email", email=f"r{n}@example.org", reader_id=None,
                         story_id=story.id, topic=None, state={})  # fmt: skip
    token, _followed = core.follows.by_feed("story", story.slug, None)
    assert core.follows.feed(token)[0].follow.channel == "feed"


def test_a_signed_in_reader_following_for_another_address_does_not_own_it(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    token = _signed_in(core, "me@example.org")
    core.follows.by_email("someone.else@example.org", "story", _story(core).slug, token)
    assert core.follows.of_reader(token) == []
    core.follows.by_email("me@example.org", "story", _story(core).slug, token)
    assert [f.follow.email for f in core.follows.of_reader(token)] == ["me@example.org"]


def test_a_score_first_seen_unscored_becomes_the_baseline(site) -> None:  # type: ignore[no-untyped-def]
    core, _inbox = site
    story = _story(core)
    assert story.bias_score is not None
    sides = [s for s in ("left", "center", "right") if getattr(story.lean_mix, s)]
    follow = Follow(1, "feed", None, story.id, None, "active", datetime.now(UTC),
                    state={"stories": {str(story.id): {"sides": sides, "score": None}}})  # fmt: skip
    found, state = core.follows.changes(follow)
    assert found == [] and state["stories"][str(story.id)]["score"] == story.bias_score
