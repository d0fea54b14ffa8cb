"""The site and the API, in process, on a store of real demo articles."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from plumbline.core import Plumbline
from plumbline.models import Lean, Outlet, StorySummary
from plumbline.web import pages
from plumbline.web.app import create_app
from tests.plumbline_fixtures import BROADBAND_BODIES, jsonl

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(demo_core: Plumbline) -> TestClient:
    return TestClient(create_app(demo_core), raise_server_exceptions=False)


def test_front_page_lists_stories_with_source_counts(
    client: TestClient, demo_core: Plumbline
) -> None:
    response = client.get("/")
    assert response.status_code == 200
    top = demo_core.stories(limit=1)[0]
    assert (
        top.headline.replace("'", "&#39;").replace('"', "&#34;") in response.text
        or top.slug in response.text
    )
    assert f"{top.n_outlets} source" in response.text


def test_front_page_orders_by_day_then_coverage(demo_core: Plumbline) -> None:
    stories = demo_core.stories(limit=100)
    keys = [(s.last_published.date() if s.last_published else None, s.n_outlets) for s in stories]
    for (day_a, n_a), (day_b, n_b) in itertools.pairwise(keys):
        assert day_a is None or day_b is None or day_a > day_b or (day_a == day_b and n_a >= n_b)


def test_story_page_shows_synthesis_sources_and_scores(
    client: TestClient, demo_core: Plumbline
) -> None:
    story = demo_core.stories(limit=1)[0]
    detail = demo_core.story(story.slug)
    response = client.get(f"/story/{story.slug}")
    assert response.status_code == 200
    assert "Analyzed from" in response.text
    assert "Coverage bias" in response.text
    for article in detail.articles:
        assert f'href="/outlet/{article.outlet_slug}"' in response.text
    sides = {a.outlet_lean.value for a in detail.articles}
    headings = {"left": "Left-leaning outlets", "center": "Center outlets",
                "right": "Right-leaning outlets", "unrated": "Outlets without a lean rating"}  # fmt: skip
    start = response.text.index('id="sources"')  # the assessment names sides in prose too
    positions = [response.text.index(headings[side], start) for side in headings if side in sides]
    assert positions == sorted(positions)  # grouped by side, left to right


def test_front_page_never_shows_one_event_twice(demo_core: Plumbline) -> None:
    """No two listed stories are as alike as stories that the merge pass joins."""
    listed = demo_core.stories(limit=200)
    shapes = {s.id: s for s in demo_core.stores.stories.story_shapes([s.id for s in listed])}
    threshold = demo_core.settings.cluster_merge_threshold
    window = timedelta(hours=demo_core.settings.cluster_window_hours)
    for a, b in itertools.combinations(listed, 2):
        close = (
            a.first_published is None
            or b.first_published is None
            or abs(a.first_published - b.first_published) <= window
        )
        similarity = float(shapes[a.id].centroid @ shapes[b.id].centroid)
        assert not (close and similarity >= threshold), (a.headline, b.headline, similarity)


def test_story_url_by_id_redirects_to_the_slug(client: TestClient, demo_core: Plumbline) -> None:
    story = demo_core.stories(limit=1)[0]
    response = client.get(f"/story/{story.id}", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/story/{story.slug}"


def test_outlet_pages(client: TestClient, demo_core: Plumbline) -> None:
    assert client.get("/outlets").status_code == 200
    slug = demo_core.story(demo_core.stories(limit=1)[0].slug).articles[0].outlet_slug
    response = client.get(f"/outlet/{slug}")
    assert response.status_code == 200
    assert "Articles analyzed" in response.text
    # the measured profile, on the left outlet with the most scored articles: the page and
    # the API say the same
    left = demo_core.stores.articles.lean_outlet_scores("left")
    slug = max(left, key=lambda row: row[2])[0]
    response = client.get(f"/outlet/{slug}")
    api = client.get(f"/api/outlets/{slug}").json()
    profile = api["profile"]
    score = profile["score"]
    assert api["n_articles"] >= score["n_scored"] > 0
    low, high = score["interval"]
    assert 0 <= low <= score["mean"] <= high <= 100
    assert f"95% range {low:.0f}–{high:.0f}" in response.text
    assert profile["alone"] <= profile["stories"]
    assert sum(profile["kinds"].values()) <= api["n_articles"]
    outlets = {o["slug"]: o for o in client.get("/api/outlets").json()}
    assert all(outlets[p["slug"]]["lean"] == api["lean"] for p in profile["peers"])
    means = [p["mean"] for p in profile["peers"]]
    assert means == sorted(means) and slug in {p["slug"] for p in profile["peers"]}
    assert all(p["n_scored"] >= 5 or p["slug"] == slug for p in profile["peers"])
    compared = f"Compared with other {api['lean']} outlets" in response.text
    assert compared == (len(profile["peers"]) > 1)  # a table of one outlet is not shown
    for phrase in profile["phrases"]:
        assert phrase["articles"] >= 2
    # its tone toward the names it uses most, added up from the stories' per-outlet tones
    toned = {}
    for other in outlets:
        tones = client.get(f"/api/outlets/{other}").json()["profile"]
        if tones and tones["entity_tones"]:
            toned[other] = tones["entity_tones"]
    assert toned, "some outlet of the demo days names a story's main entity three times"
    slug, tones = max(toned.items(), key=lambda kv: kv[1][0]["n_sentences"])
    first = tones[0]
    named = [[t for t in story if t.entity.lower() == first["entity"].lower()]
             for story in demo_core.stores.articles.outlet_story_tones(slug)]  # fmt: skip
    # the other outlets count in the stories where this one named the entity too
    stored = [t for story in named if any(t.outlet == slug for t in story) for t in story]
    mine = [t for t in stored if t.outlet == slug]
    assert first["n_sentences"] == sum(t.n_sentences for t in mine) >= 3
    assert first["mean_tone"] == pytest.approx(
        sum(t.tone_sum for t in mine) / first["n_sentences"], abs=1e-3
    )
    assert first["others_sentences"] == sum(t.n_sentences for t in stored if t.outlet != slug)
    assert all(-1 <= t["mean_tone"] <= 1 for t in tones)
    page = client.get(f"/outlet/{slug}").text
    assert "Its tone toward the names it uses most" in page and first["entity"] in page


@pytest.mark.parametrize("path", ["/story/999999-nope", "/outlet/no-such-outlet", "/nowhere"])
def test_missing_pages_are_404_html(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize(
    "path", ["/?page=0", "/?page=abc", "/api/stories?limit=5000", "/api/stories?offset=-1"]
)
def test_bad_parameters_are_400(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 400


def test_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"


def test_api_stories_and_detail(client: TestClient) -> None:
    page = client.get("/api/stories?limit=5").json()
    assert page["items"] and page["total"] >= len(page["items"])
    first = page["items"][0]
    detail = client.get(f"/api/stories/{first['slug']}").json()
    assert detail["n_outlets"] == first["n_outlets"]
    assert detail["articles"] and detail["lead_sentences"]
    for sentence in detail["lead_sentences"]:
        assert sentence["sources"]


def test_api_errors_are_json(client: TestClient) -> None:
    response = client.get("/api/stories/does-not-exist")
    assert response.status_code == 404
    assert response.json()["error"] == "Not found"


def test_api_outlets_and_openapi(client: TestClient) -> None:
    outlets = client.get("/api/outlets").json()
    assert len(outlets) >= 60
    assert client.get(f"/api/outlets/{outlets[0]['slug']}").json()["slug"] == outlets[0]["slug"]
    schema = client.get("/api/openapi.json").json()
    assert "/api/stories/{key}" in schema["paths"]


def test_story_shows_uncertainty_and_blindspot(core: Plumbline) -> None:
    bodies = BROADBAND_BODIES
    records = [
        {
            "id": f"b{i}",
            "url": f"https://left{i}.example/a",
            "title": "Legislature passes rural broadband bill",
            "text": body * 2,
            "outlet": f"Left Outlet {i}",
            "published": "2020-06-01",
        }
        for i, body in enumerate(bodies)
    ]
    core.import_articles(jsonl(records))
    for i in range(3):
        core.stores.outlets.upsert_outlets(
            [Outlet(slug=f"left-outlet-{i}", name=f"Left Outlet {i}", homepage="", lean=Lean.LEFT)],
            update_existing=True,
        )
    core.process()
    [story] = core.stories(limit=5)
    assert story.blindspot is Lean.LEFT
    assert story.n_outlets == 3 and story.interval is not None
    client = TestClient(create_app(core))
    page = client.get(f"/story/{story.slug}").text
    assert "Blindspot:" in page and "95% range" in page
    # the sides are the outlets' lean, and the page says why
    assert 'href="/methodology#lean"' in page
    api = client.get(f"/api/stories/{story.slug}").json()
    assert api["blindspot"] == "left" and api["bias_interval"]
    assert isinstance(api["tones"], list)


def test_front_page_filters_by_blindspot_and_topic(
    client: TestClient, demo_core: Plumbline
) -> None:
    blind = demo_core.stories(limit=200, blindspot=True)
    assert all(s.blindspot for s in blind)
    page = client.get("/?blindspot=1")
    assert page.status_code == 200
    for story in blind[:5]:
        if story.n_outlets >= 2:
            assert f"/story/{story.slug}" in page.text
    topics = [t for t in demo_core.topics() if t.n_stories]
    if topics:
        topic = topics[0].slug
        listed = demo_core.stories(limit=200, topic=topic)
        assert listed and all(topic in s.topics for s in listed)
        assert client.get(f"/?topic={topic}").status_code == 200
    assert client.get("/?topic=no-such-topic").status_code == 404
    assert client.get("/api/stories?blindspot=true").status_code == 200


def _walk(client: TestClient, start: str) -> list[str]:
    """Follow a list's "next" links from `start` to the last page; the story slugs in order.
    Checks that each page after the first links back to the one before it."""
    slugs: list[str] = []
    url: str | None = start
    previous: str | None = None
    while url is not None:
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.text
        back = re.search(r'<a rel="prev" href="([^"]+)"', page)
        assert (back and html.unescape(back.group(1))) == (previous or None), url
        start_of_list = page.find('<ol class="story-list">')
        listed = page[start_of_list : page.find("</ol>", start_of_list)]
        slugs += re.findall(r'<h2><a href="/story/([^"]+)">', listed)
        ahead = re.search(r'<a rel="next" href="([^"]+)"', page)
        previous, url = url, html.unescape(ahead.group(1)) if ahead else None
    return slugs


def _every(fetch: Callable[[int], list[StorySummary]]) -> list[str]:
    """The slugs of every story a core listing returns, 100 at a time."""
    slugs: list[str] = []
    while batch := fetch(len(slugs)):
        slugs += [s.slug for s in batch]
    return slugs


def test_front_topic_and_search_pages_page_through_every_story_once(
    client: TestClient, demo_core: Plumbline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PAGE_SIZE", 2)  # several pages from the three demo days
    monkeypatch.setattr(pages, "SEARCH_PAGE", 2)
    front = _every(
        lambda at: demo_core.stories(limit=100, offset=at, min_outlets=pages.FRONT_MIN_OUTLETS)
    )
    assert len(front) > 4  # three pages or more
    assert _walk(client, "/") == front

    topic = max(demo_core.topics(), key=lambda t: t.n_stories)
    assert topic.n_stories > 10
    in_topic = _every(lambda at: demo_core.topic(topic.slug, limit=100, offset=at).stories)
    assert _walk(client, f"/topic/{topic.slug}") == in_topic
    filtered = _every(
        lambda at: demo_core.stories(
            limit=100, offset=at, min_outlets=pages.FRONT_MIN_OUTLETS, topic=topic.slug
        )
    )
    assert _walk(client, f"/?topic={topic.slug}") == filtered  # the filter stays on

    found = _every(lambda at: demo_core.search("president &", limit=100, offset=at)[0])
    assert len(found) > 8
    assert _walk(client, "/search?q=president+%26") == found  # "&" survives the links
