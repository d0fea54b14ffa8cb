"""The story page cache (web/cache.py): readers without cookies get the page from memory
while the story's version holds; any change, a cookie, a query or a failed render goes to
the app; copies are gzip-compressed, conditional, bounded in bytes and in age."""

from __future__ import annotations

import gzip
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response
from starlette.routing import Route

from plumbline.core import Plumbline
from plumbline.web.app import SECURITY_HEADERS, create_app
from plumbline.web.cache import PageCache


class Site:
    """A tiny app behind a PageCache whose story versions the test sets."""

    def __init__(self, **options: float) -> None:
        self.renders = 0
        self.versions: dict[str, str | None] = {"a-story": "v1", "b-story": "v1"}
        self.version_reads = 0

        async def story(request: Request) -> Response:
            self.renders += 1
            slug = request.path_params["slug"]
            if slug == "broken-story":
                return PlainTextResponse("failed", status_code=500)
            if slug == "cookie-story":
                response = HTMLResponse("<p>sets a cookie</p>" * 100)
                response.set_cookie("pl_x", "1")
                return response
            body = f"<p>{slug} {self.versions.get(slug)} render {self.renders}</p>" * 100
            return HTMLResponse(body, headers={"etag": f'W/"{slug}-{self.renders}"'})

        app = Starlette(routes=[Route("/story/{slug}", story)])

        def version(slug: str) -> str | None:
            self.version_reads += 1
            return self.versions.get(slug, "v1" if slug.endswith("-story") else None)

        self.cache = PageCache(app, version, **options)  # type: ignore[arg-type]
        self.client = TestClient(self.cache)  # type: ignore[arg-type]

    def get(self, path: str, **headers: str) -> Response:
        self.client.cookies.clear()
        response: Response = self.client.get(path, headers=headers)
        return response


@pytest.fixture
def site() -> Site:
    return Site(recheck=0.0)


def test_a_second_reader_gets_the_copy(site: Site) -> None:
    first = site.get("/story/a-story")
    second = site.get("/story/a-story")
    assert first.status_code == second.status_code == 200
    assert first.text == second.text
    assert site.renders == 1
    assert (site.cache.hits, site.cache.misses) == (1, 1)
    assert second.headers["content-encoding"] == "gzip"  # the client asks for gzip
    assert second.headers["vary"] == "Accept-Encoding"
    assert second.headers["server-timing"].startswith("cache;dur=")


def test_a_new_version_of_the_story_is_rendered_again(site: Site) -> None:
    site.get("/story/a-story")
    site.versions["a-story"] = "v2"
    fresh = site.get("/story/a-story")
    assert "v2 render 2" in fresh.text
    assert site.renders == 2
    site.get("/story/b-story")
    assert site.renders == 3  # another story is another copy


def test_a_version_is_trusted_for_the_recheck_interval_only() -> None:
    site = Site(recheck=0.2)
    site.get("/story/a-story")
    site.versions["a-story"] = "v2"
    assert "v1" in site.get("/story/a-story").text  # within the interval
    time.sleep(0.25)
    assert "v2" in site.get("/story/a-story").text
    assert site.version_reads == 2


def test_an_old_copy_is_rendered_again() -> None:
    site = Site(recheck=0.0, max_age=0.1)
    site.get("/story/a-story")
    time.sleep(0.15)
    site.get("/story/a-story")
    assert site.renders == 2


@pytest.mark.parametrize(
    "request_headers",
    [{"cookie": "pl_consent=1"}, {"authorization": "Bearer x"}],
)
def test_readers_with_their_own_state_get_their_own_page(
    site: Site, request_headers: dict[str, str]
) -> None:
    site.get("/story/a-story")
    site.get("/story/a-story", **request_headers)
    site.get("/story/a-story", **request_headers)
    assert site.renders == 3


@pytest.mark.parametrize(
    "path", ["/story/a-story?page=2", "/story/Not_A_Slug", "/story/unknown", "/other"]
)
def test_other_requests_pass_through(site: Site, path: str) -> None:
    site.get(path)
    site.get(path)
    assert site.cache.hits == 0


def test_post_and_head_pass_through(site: Site) -> None:
    site.get("/story/a-story")
    assert site.client.post("/story/a-story").status_code == 405
    assert site.cache.hits == 0


def test_failures_and_cookie_setting_answers_are_not_kept(site: Site) -> None:
    assert site.get("/story/broken-story").status_code == 500
    assert site.get("/story/broken-story").status_code == 500
    assert "set-cookie" in site.get("/story/cookie-story").headers
    assert "set-cookie" in site.get("/story/cookie-story").headers
    assert site.renders == 4
    assert site.cache.hits == 0


def test_a_reader_with_the_copy_gets_304(site: Site) -> None:
    etag = site.get("/story/a-story").headers["etag"]
    again = site.get("/story/a-story", **{"if-none-match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    site.versions["a-story"] = "v2"
    changed = site.get("/story/a-story", **{"if-none-match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_a_client_without_gzip_gets_the_plain_page(site: Site) -> None:
    compressed = site.get("/story/a-story")
    plain = site.get("/story/a-story", **{"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert int(plain.headers["content-length"]) == len(plain.content)
    assert plain.content == compressed.content  # httpx decompressed the first


def test_memory_is_bounded_in_bytes() -> None:
    one_page = len(gzip.compress(("<p>a-story v1 render 1</p>" * 100).encode(), 6))
    site = Site(recheck=0.0, max_bytes=one_page * 2 + 10)
    for slug in ("a-story", "b-story", "c-story"):
        site.get(f"/story/{slug}")
    assert site.cache._bytes <= site.cache.max_bytes
    assert len(site.cache._copies) == 2
    site.get("/story/a-story")  # the least recently used went first
    assert site.renders == 4


def test_a_flood_of_made_up_slugs_is_bounded(site: Site) -> None:
    for i in range(300):
        site.get(f"/story/made-up-{i}")
    assert site.cache.hits == 0
    assert len(site.cache._copies) == 0
    assert len(site.cache._versions) <= 100_000


# --------------------------------------------------------------- on the real site
@pytest.fixture(scope="module")
def client(demo_core: Plumbline) -> Iterator[TestClient]:
    yield TestClient(create_app(demo_core), raise_server_exceptions=False)


@pytest.mark.slow
def test_the_story_page_is_served_from_memory_with_its_headers(
    client: TestClient, demo_core: Plumbline
) -> None:
    story = demo_core.stories(limit=1)[0]
    client.cookies.clear()
    rendered = client.get(f"/story/{story.slug}")
    cached = client.get(f"/story/{story.slug}")
    assert rendered.status_code == cached.status_code == 200
    assert "handler;dur=" in rendered.headers["server-timing"]
    assert cached.headers["server-timing"].startswith("cache;dur=")
    assert cached.text == rendered.text
    for name, value in SECURITY_HEADERS.items():
        assert cached.headers[name] == value
    assert cached.headers["cache-control"] == "private, no-cache"
    assert cached.headers["content-encoding"] == "gzip"
    assert demo_core.stores.stories.story_version(story.slug) is not None
    assert demo_core.stores.stories.story_version("no-such-story") is None


@pytest.mark.slow
def test_pages_rendered_for_a_reader_are_compressed(
    client: TestClient, demo_core: Plumbline
) -> None:
    story = demo_core.stories(limit=1)[0]
    client.cookies.set("pl_theme", "dark")
    response = client.get(f"/story/{story.slug}")
    client.cookies.clear()
    assert "handler;dur=" in response.headers["server-timing"]
    assert response.headers["content-encoding"] == "gzip"
