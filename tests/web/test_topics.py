"""Topic tags, topic pages and related stories, in process, on the demo store."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest
from fastapi.testclient import TestClient

from plumbline.analysis.topic_names import TOPICS
from plumbline.core import Plumbline
from plumbline.storage import codec
from plumbline.storage.schema import StoryRow
from plumbline.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(demo_core: Plumbline) -> TestClient:
    return TestClient(create_app(demo_core), raise_server_exceptions=False)


def busiest_topic(core: Plumbline) -> str:
    return max(core.topics(), key=lambda t: t.n_stories).slug


def test_demo_stories_are_tagged_with_reader_topics(demo_core: Plumbline) -> None:
    stories = demo_core.stories(limit=200)
    tagged = [s for s in stories if s.topics]
    assert len(tagged) >= 0.8 * len(stories)
    assert all(t in TOPICS for s in tagged for t in s.topics)
    assert all(len(s.topics) <= 3 for s in stories)
    assert sum(t.n_stories > 0 for t in demo_core.topics()) >= 5


def test_related_stories_are_other_published_stories(demo_core: Plumbline) -> None:
    published = {s.id for s in demo_core.stories(limit=200)}
    details = [demo_core.story(s) for s in sorted(published)[:40]]
    with_related = [d for d in details if d.related]
    assert with_related  # three days of news have stories that follow one another
    for d in with_related:
        ids = [r.id for r in d.related]
        assert d.summary.id not in ids and len(ids) == len(set(ids)) <= 5
        assert set(ids) <= published
    for d in details:
        main = next((t for t in d.summary.topics if t in TOPICS), None)
        for other in d.topic_stories:
            assert main in other.topics and other.id != d.summary.id


def test_topics_index_links_every_topic_with_stories(
    client: TestClient, demo_core: Plumbline
) -> None:
    response = client.get("/topics")
    assert response.status_code == 200
    for topic in demo_core.topics():
        assert topic.label.replace("&", "&amp;").replace("'", "&#39;") in response.text
        if topic.n_stories:
            assert f'href="/topic/{topic.slug}"' in response.text
    assert 'href="/topics"' in client.get("/").text  # in the site navigation


def test_topic_page_lists_its_stories_newest_first(
    client: TestClient, demo_core: Plumbline
) -> None:
    slug = busiest_topic(demo_core)
    page = demo_core.topic(slug, limit=100)
    assert page.stories and all(slug in s.topics for s in page.stories)
    days = [s.last_published for s in page.stories if s.last_published]
    assert all(a >= b for a, b in itertools.pairwise(days))
    response = client.get(f"/topic/{slug}")
    assert response.status_code == 200
    assert f'href="/story/{page.stories[0].slug}"' in response.text


def test_story_and_front_pages_link_topics(client: TestClient, demo_core: Plumbline) -> None:
    story = next(s for s in demo_core.stories(limit=50) if s.topics)
    html = client.get(f"/story/{story.slug}").text
    assert f'href="/topic/{story.topics[0]}"' in html
    detail = demo_core.story(story.slug)
    if detail.topic_stories:
        assert "Related to this topic" in html
    if detail.related:
        assert "Related stories" in html and f'href="/story/{detail.related[0].slug}"' in html
    assert 'rel="tag"' in client.get("/").text


@pytest.mark.parametrize("path", ["/topic/no-such-topic", "/topic/%3Cscript%3E", "/topic/Guns"])
def test_unknown_topic_is_the_sites_404_page(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<script>" not in response.text
    assert 'class="site-header"' in response.text


@pytest.mark.parametrize(
    "query", ["page=0", "page=-1", "page=abc", "page=10001", "page=99999999999999999999"]
)
def test_topic_page_bounds_are_validated(
    client: TestClient, demo_core: Plumbline, query: str
) -> None:
    assert client.get(f"/topic/{busiest_topic(demo_core)}?{query}").status_code == 400


def test_topic_page_past_the_end_is_404(client: TestClient, demo_core: Plumbline) -> None:
    assert client.get(f"/topic/{busiest_topic(demo_core)}?page=9999").status_code == 404


def test_api_topics(client: TestClient, demo_core: Plumbline) -> None:
    topics = client.get("/api/topics").json()
    assert [t["slug"] for t in topics] == list(TOPICS)
    slug = busiest_topic(demo_core)
    page = client.get(f"/api/topics/{slug}?limit=2&offset=0").json()
    assert page["topic"]["slug"] == slug and page["limit"] == 2
    assert len(page["items"]) <= 2 and page["total"] >= len(page["items"])
    assert all(slug in s["topics"] for s in page["items"])
    if page["total"] > 2:
        second = client.get(f"/api/topics/{slug}?limit=2&offset=2").json()
        assert {s["id"] for s in second["items"]}.isdisjoint({s["id"] for s in page["items"]})
    missing = client.get("/api/topics/nope")
    assert missing.status_code == 404 and missing.json()["error"] == "Not found"
    for bad in ("limit=0", "limit=101", "offset=-1", "limit=x"):
        assert client.get(f"/api/topics/{slug}?{bad}").status_code == 400
    schema = client.get("/api/openapi.json").json()
    assert "/api/topics/{slug}" in schema["paths"]


def test_api_story_detail_has_related(client: TestClient, demo_core: Plumbline) -> None:
    story = demo_core.stories(limit=1)[0]
    detail = client.get(f"/api/stories/{story.slug}").json()
    assert detail["related_ids"] == [r["id"] for r in detail["related"]]
    assert story.id not in detail["related_ids"]
    assert isinstance(detail["topic_stories"], list)


def _story(core: Plumbline, n: int) -> int:
    now = datetime(2024, 1, 1, tzinfo=UTC)
    with core.stores.articles.session() as s:
        row = StoryRow(
            slug=f"{n}-story",
            headline=f"Story {n}",
            created_at=now,
            updated_at=now,
            centroid=codec.vector_bytes(np.ones(4, dtype=np.float32)),
            topics=[],
            synthesis={},
            dirty=False,
        )
        s.add(row)
        s.flush()
        return row.id


def test_related_rows_are_offered_back_and_capped(core: Plumbline) -> None:
    a, b, c, d = (_story(core, n) for n in range(4))
    core.stores.topics.save_related(b, [(c, 0.9), (d, 0.8)], limit=2)
    core.stores.topics.save_related(a, [(b, 0.95), (a, 1.0)], limit=2)  # itself is never stored
    related_ids = {x: [s.id for s in core.stores.topics.related_stories(x)] for x in (a, b, c)}
    assert related_ids[a] == [b]
    assert related_ids[b] == [a, c]  # a beat d, b's weakest; the list stays at 2
    assert related_ids[c] == [b]
    core.stores.topics.save_topics(a, ["guns", "guns", "economy"])
    assert core.stores.topics.topic_counts() == {"guns": 1, "economy": 1}
    assert [s.id for s in core.stores.topics.topic_stories("guns")] == [a]
    assert core.stores.topics.topic_stories("guns", exclude=a) == []
