"""HTTP semantics the probes of the running site found wanting: ids, HEAD, Allow, 304 for
``If-None-Match: *``, headers and metrics on every answer, errors included, and exact
totals for every listing filter."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from plumbline.core import Plumbline
from plumbline.web.app import SECURITY_HEADERS, create_app

pytestmark = pytest.mark.slow

# past 2**31 - 1 an id cannot be in PostgreSQL's INTEGER columns: a 404, never an error
BAD_IDS = ("99999999999999999999", "9223372036854775807", "2147483648", "%C2%B2",
           "%D9%A1%D9%A2", "0", "-1")  # fmt: skip


@pytest.fixture(scope="module")
def client(demo_core: Plumbline) -> TestClient:
    return TestClient(create_app(demo_core), raise_server_exceptions=False)


def _save_token(client: TestClient) -> str:
    """The `save` token a page gives a browser without cookies."""
    token: str = client.app.state.forms.token(Request({"type": "http", "headers": []}), "save")  # type: ignore[attr-defined]
    return token


@pytest.mark.parametrize("key", BAD_IDS)
def test_ids_out_of_range_or_in_other_scripts_are_404(client: TestClient, key: str) -> None:
    for method, path in (
        ("GET", f"/story/{key}"),
        ("GET", f"/api/stories/{key}"),
        ("PUT", f"/api/saved/{key}"),
    ):
        token = _save_token(client) if method == "PUT" else ""
        response = client.request(method, path, headers={"X-CSRF-Token": token})
        assert response.status_code == 404, (method, path, response.text[:200])
        assert response.headers["X-Frame-Options"] == "DENY"


def test_story_twelve_is_not_reached_by_arabic_indic_digits(
    client: TestClient, demo_core: Plumbline
) -> None:
    story = demo_core.stories(limit=1)[0]
    eastern = "".join(chr(0x660 + int(d)) for d in str(story.id))
    assert client.get(f"/story/{eastern}", follow_redirects=False).status_code == 404
    assert client.get(f"/story/{story.id}", follow_redirects=False).status_code in (200, 301, 308)


def test_a_crash_answers_500_with_security_headers_and_is_counted(
    demo_core: Plumbline, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = TestClient(create_app(demo_core), raise_server_exceptions=False)

    def broken(**_: object) -> None:
        raise RuntimeError("the disk caught fire")

    monkeypatch.setattr(demo_core, "outlets", broken)
    for path in ("/outlets", "/api/outlets"):
        response = client.get(path)
        assert response.status_code == 500
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
        assert "fire" not in response.text  # the error is logged, not shown
    assert client.get("/api/outlets").json()["status"] == 500
    metrics = client.get("/metrics").text
    assert 'plumbline_http_responses_total{route="/api/outlets",status="500"} 2.0' in metrics
    assert 'route="/outlets",status="500"} 1.0' in metrics


def test_errors_of_every_kind_carry_the_security_headers(client: TestClient) -> None:
    for response in (
        client.get("/no/such/page"),
        client.delete("/"),
        client.get("/api/stories?limit=0"),
        client.post("/consent", content=b"x" * 20_000, headers={"content-type": "text/plain"}),
    ):
        assert response.status_code >= 400
        assert (
            response.headers["Content-Security-Policy"]
            == SECURITY_HEADERS["Content-Security-Policy"]
        )


@pytest.mark.parametrize(
    "path", ["/", "/story/{slug}", "/api/stories", "/feed.atom", "/healthz", "/static/style.css"]
)
def test_head_answers_like_get_without_a_body(
    client: TestClient, demo_core: Plumbline, path: str
) -> None:
    path = path.format(slug=demo_core.stories(limit=1)[0].slug)
    got = client.get(path)
    head = client.head(path)
    assert (head.status_code, got.status_code) == (200, 200)
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]


def test_405_says_which_methods_are_allowed(client: TestClient) -> None:
    for path, allowed in (
        ("/", "GET, HEAD"),
        ("/consent", "GET, HEAD, POST"),
        ("/api/saved/1", "DELETE, PUT"),
        ("/api/stories", "GET, HEAD"),
    ):
        response = client.patch(path)
        assert response.status_code == 405, path
        assert response.headers["Allow"] == allowed, path


def test_if_none_match_star_and_a_listed_tag_get_304(client: TestClient) -> None:
    first = client.get("/api/outlets")
    etag = first.headers["etag"]
    for condition in ("*", etag, f'"other", {etag}', etag.removeprefix("W/")):
        again = client.get("/api/outlets", headers={"If-None-Match": condition})
        assert again.status_code == 304, condition
        assert again.content == b""
    assert client.get("/api/outlets", headers={"If-None-Match": '"other"'}).status_code == 200


def test_a_cached_story_page_also_honours_if_none_match_star(
    client: TestClient, demo_core: Plumbline
) -> None:
    path = f"/story/{demo_core.stories(limit=1)[0].slug}"
    client.get(path)
    client.get(path)  # now from the page cache
    assert client.get(path, headers={"If-None-Match": "*"}).status_code == 304


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"min_outlets": 2},
        {"min_outlets": 4},
        {"blindspot": "true"},
        {"topic": "coronavirus"},
        {"topic": "elections", "min_outlets": 2},
    ],
)
def test_api_total_counts_exactly_what_the_filters_list(
    client: TestClient, query: dict[str, object]
) -> None:
    listed: list[int] = []
    offset, total = 0, None
    while True:
        page = client.get("/api/stories", params={**query, "limit": 100, "offset": offset}).json()
        total = page["total"] if total is None else total
        assert page["total"] == total
        listed += [item["id"] for item in page["items"]]
        if len(page["items"]) < 100:
            break
        offset += 100
    assert total == len(listed) == len(set(listed))


@pytest.mark.parametrize("q", ['"', "😀", "*** ()", "“ ”"])
def test_a_search_with_no_searchable_word_shows_the_search_page_with_a_hint(
    client: TestClient, q: str
) -> None:
    response = client.get("/search", params={"q": q})
    assert response.status_code == 200
    assert "Nothing to search for" in response.text
    assert 'role="search"' in response.text  # the form is there to try again
    assert client.get("/api/search", params={"q": q}).status_code == 400  # the API says why


def test_page_cache_hits_are_counted_and_carry_the_security_headers(
    demo_core: Plumbline,
) -> None:
    client = TestClient(create_app(demo_core))
    path = f"/story/{demo_core.stories(limit=1)[0].slug}"
    answers = [client.get(path) for _ in range(3)]  # one render, then two hits
    assert all(a.status_code == 200 for a in answers)
    assert "cache;dur=" in answers[-1].headers["Server-Timing"]
    assert answers[-1].headers["X-Frame-Options"] == "DENY"
    assert 'plumbline_http_responses_total{route="/story/{key}",status="200"} 3.0' in (
        client.get("/metrics").text
    )
