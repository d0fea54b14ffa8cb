"""Fetcher against a real HTTP server on 127.0.0.1 (see tests/feedserver.py)."""

from __future__ import annotations

import gzip
import itertools
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from plumbline.errors import BlockedURL, FetchError
from plumbline.ingest.fetch import Fetcher, FetchRequest, UrlGuard, address_problem
from plumbline.models import FetchResult
from plumbline.settings import Settings
from tests.feedserver import RSS, FeedServer, Reply

FEED = "/feeds/rss.xml"


def make_settings(**overrides: Any) -> Settings:
    """Fast settings for tests: short timeouts, no retries, no spacing, guard off."""
    values: dict[str, Any] = {
        "fetch_timeout": 0.5,
        "fetch_retries": 0,
        "fetch_backoff": 0.01,
        "per_host_delay": 0.0,
        "fetch_max_bytes": 1_000_000,
        "allow_private_addresses": True,
    }
    return Settings(**(values | overrides))


@pytest.fixture
def fetcher() -> Iterator[Fetcher]:
    with Fetcher(make_settings()) as fetcher:
        yield fetcher


def fetch_error(fetcher: Fetcher, url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetcher.fetch(url)
    return caught.value


# -- plain fetching ------------------------------------------------------------------------


def test_fetches_a_feed(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(feed_server.url(FEED))
    assert (result.status, result.final_url) == (200, feed_server.url(FEED))
    assert result.content.startswith(b"<?xml")
    assert result.content_type.startswith("application/rss+xml")
    assert not result.not_modified


def test_sends_the_user_agent(feed_server: FeedServer, fetcher: Fetcher) -> None:
    fetcher.fetch(feed_server.url(FEED))
    assert feed_server.requests(FEED)[0].headers["user-agent"] == fetcher.settings.user_agent


def test_invalid_url_is_a_fetch_error(fetcher: Fetcher) -> None:
    assert "no host" in fetch_error(fetcher, "http:///feed").message


# -- redirects -----------------------------------------------------------------------------


def test_follows_redirects(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(feed_server.url("/redirect/rss"))
    assert result.url == feed_server.url("/redirect/rss")
    assert result.final_url == feed_server.url(FEED)
    assert result.content.startswith(b"<?xml")


def test_redirect_loop_is_reported(feed_server: FeedServer, fetcher: Fetcher) -> None:
    error = fetch_error(fetcher, feed_server.url("/loop/a"))
    assert "redirect loop" in error.message
    assert feed_server.hits("/loop/a") == 1


def test_too_many_redirects(feed_server: FeedServer) -> None:
    for n in range(1, 4):
        feed_server.redirect(f"/hop/{n}", f"/hop/{n + 1}")
    feed_server.redirect("/hop/4", FEED)
    with Fetcher(make_settings(fetch_max_redirects=2)) as fetcher:
        error = fetch_error(fetcher, feed_server.url("/hop/1"))
    assert "too many redirects" in error.message
    assert feed_server.hits(FEED) == 0


def test_redirect_to_another_scheme_is_blocked(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/to-file", "file:///etc/passwd")
    with pytest.raises(BlockedURL, match="only http and https"):
        fetcher.fetch(feed_server.url("/to-file"))


# -- errors and retries --------------------------------------------------------------------


def test_client_error_is_not_retried(feed_server: FeedServer) -> None:
    with Fetcher(make_settings(fetch_retries=2)) as fetcher:
        error = fetch_error(fetcher, feed_server.url("/error/404"))
    assert error.fields["status"] == 404
    assert feed_server.hits("/error/404") == 1


def test_server_error_is_retried_then_reported(feed_server: FeedServer) -> None:
    with Fetcher(make_settings(fetch_retries=2)) as fetcher:
        error = fetch_error(fetcher, feed_server.url("/error/500"))
    assert "HTTP 500" in error.message and "3 attempts" in error.message
    assert error.fields["status"] == 500
    assert feed_server.hits("/error/500") == 3


def test_retries_until_success(feed_server: FeedServer) -> None:
    feed_server.add_sequence(
        "/flaky", [Reply(status=500), Reply(status=503), Reply(b"<rss/>", content_type=RSS)]
    )
    with Fetcher(make_settings(fetch_retries=2)) as fetcher:
        result = fetcher.fetch(feed_server.url("/flaky"))
    assert (result.status, result.content) == (200, b"<rss/>")
    assert feed_server.hits("/flaky") == 3


def test_backoff_doubles_between_retries(feed_server: FeedServer) -> None:
    with Fetcher(make_settings(fetch_retries=2, fetch_backoff=0.1)) as fetcher:
        fetch_error(fetcher, feed_server.url("/error/500"))
    first, second, third = (hit.at for hit in feed_server.requests("/error/500"))
    assert second - first >= 0.09
    assert third - second >= 0.19


def test_retry_after_is_honoured(feed_server: FeedServer) -> None:
    feed_server.add_sequence(
        "/busy", [Reply(status=429, headers={"Retry-After": "1"}), Reply(b"ok")]
    )
    with Fetcher(make_settings(fetch_retries=1, fetch_backoff=0)) as fetcher:
        assert fetcher.fetch(feed_server.url("/busy")).content == b"ok"
    first, second = (hit.at for hit in feed_server.requests("/busy"))
    assert second - first >= 0.95


def test_retry_after_is_capped(feed_server: FeedServer) -> None:
    feed_server.add_sequence(
        "/busy", [Reply(status=503, headers={"Retry-After": "3600"}), Reply(b"ok")]
    )
    with Fetcher(make_settings(fetch_retries=1), max_retry_after=0.1) as fetcher:
        started = time.monotonic()
        assert fetcher.fetch(feed_server.url("/busy")).content == b"ok"
    assert time.monotonic() - started < 2


def test_connection_refused_is_retried_then_reported() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with Fetcher(make_settings(fetch_retries=1, respect_robots=False)) as fetcher:
        error = fetch_error(fetcher, f"http://127.0.0.1:{port}/feed")
    assert "connection failed" in error.message and "2 attempts" in error.message


# -- timeouts ------------------------------------------------------------------------------


def test_server_that_never_answers_times_out(feed_server: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    error = fetch_error(fetcher, feed_server.url("/stall"))
    assert "timed out" in error.message
    assert time.monotonic() - started < 2


def test_dribbled_body_hits_the_overall_deadline(feed_server: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    error = fetch_error(fetcher, feed_server.url("/dribble"))  # a byte every 0.1 s
    assert "timed out" in error.message
    assert time.monotonic() - started < 1.5


def test_dribbled_headers_hit_the_overall_deadline(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    started = time.monotonic()
    error = fetch_error(fetcher, feed_server.url("/dribble-headers"))
    assert "timed out" in error.message
    assert time.monotonic() - started < 1.5


def test_https_certificates_are_verified(tmp_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("needs the openssl command to make a self-signed certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    with (
        FeedServer(tls=context) as server,
        Fetcher(make_settings(respect_robots=False)) as fetcher,
    ):
        error = fetch_error(fetcher, server.url(FEED))
    assert "CERTIFICATE_VERIFY_FAILED" in error.message


# -- size cap ------------------------------------------------------------------------------


def test_declared_size_over_the_cap_is_refused(feed_server: FeedServer, fetcher: Fetcher) -> None:
    started = time.monotonic()
    error = fetch_error(fetcher, feed_server.url("/big"))  # 10 MB, cap 1 MB
    assert "too large" in error.message and "declares 10485760 bytes" in error.message
    assert time.monotonic() - started < 1


def test_undeclared_size_over_the_cap_is_refused_while_streaming(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    error = fetch_error(fetcher, feed_server.url("/big-unsized"))
    assert "too large" in error.message and "more than 1000000 bytes" in error.message


def test_size_cap_counts_decompressed_bytes(feed_server: FeedServer, fetcher: Fetcher) -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)  # ~5 KB on the wire
    feed_server.add("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    assert "too large" in fetch_error(fetcher, feed_server.url("/bomb")).message


# -- conditional GET -----------------------------------------------------------------------


def test_response_validators_are_returned(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(feed_server.url("/feeds/conditional.xml"))
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 05 Mar 2024 14:30:00 GMT"


def test_matching_etag_gets_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(feed_server.url("/feeds/conditional.xml"), etag='"v1"')
    assert (result.status, result.not_modified, result.content) == (304, True, b"")
    assert result.etag == '"v1"'
    assert feed_server.requests("/feeds/conditional.xml")[0].headers["if-none-match"] == '"v1"'


def test_if_modified_since_gets_not_modified(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(
        feed_server.url("/feeds/conditional.xml"), last_modified="Tue, 05 Mar 2024 14:30:00 GMT"
    )
    assert result.not_modified
    assert result.last_modified == "Tue, 05 Mar 2024 14:30:00 GMT"


def test_stale_etag_gets_the_full_body(feed_server: FeedServer, fetcher: Fetcher) -> None:
    result = fetcher.fetch(feed_server.url("/feeds/conditional.xml"), etag='"v0"')
    assert not result.not_modified
    assert result.status == 200 and result.content.startswith(b"<?xml")
    assert result.etag == '"v1"'


# -- robots.txt ----------------------------------------------------------------------------


def test_robots_disallowed_path_is_blocked(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(BlockedURL, match=r"disallowed by robots\.txt"):
        fetcher.fetch(feed_server.url("/private/page.html"))
    assert feed_server.hits("/private/page.html") == 0


def test_robots_is_fetched_once_per_host(feed_server: FeedServer, fetcher: Fetcher) -> None:
    fetcher.fetch(feed_server.url(FEED))
    fetcher.fetch(feed_server.url("/feeds/atom.xml"))
    assert feed_server.hits("/robots.txt") == 1


def test_robots_group_for_our_agent_applies(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.set_robots(
        "User-agent: PlumblineBot\nDisallow: /feeds/\n\nUser-agent: *\nAllow: /\n"
    )
    with pytest.raises(BlockedURL, match=r"robots\.txt"):
        fetcher.fetch(feed_server.url(FEED))


def test_missing_robots_allows_everything(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.set_robots(None)
    assert fetcher.fetch(feed_server.url("/private/page.html")).status == 200


def test_failing_robots_disallows_for_now(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.add("/robots.txt", b"oops", status=500)
    error = fetch_error(fetcher, feed_server.url(FEED))
    assert "robots.txt" in error.message and "disallowed for now" in error.message
    assert feed_server.hits(FEED) == 0


def test_robots_ignored_when_not_respected(feed_server: FeedServer) -> None:
    with Fetcher(make_settings(respect_robots=False)) as fetcher:
        assert fetcher.fetch(feed_server.url("/private/page.html")).status == 200
    assert feed_server.hits("/robots.txt") == 0


def test_robots_is_checked_on_every_redirect_hop(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.redirect("/to-private", "/private/page.html")
    with pytest.raises(BlockedURL, match=r"robots\.txt"):
        fetcher.fetch(feed_server.url("/to-private"))


# -- SSRF guard ----------------------------------------------------------------------------


def _resolver(table: dict[str, list[str]]) -> Any:
    def resolve(host: str, port: int) -> list[str]:
        return table.get(host, [host])

    return resolve


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://10.0.0.1/feed",
        "http://192.168.1.1/feed",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
        "http://224.0.0.1/",
        "http://[::1]/feed",
        "http://[::]/",
        "http://[fe80::1]/",
        "http://[fc00::1]/",
        "http://[ff02::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[2002:7f00:1::]/",
        "http://[64:ff9b::a00:1]/",
    ],
)
def test_guard_refuses_non_public_addresses(url: str) -> None:
    with pytest.raises(BlockedURL, match="refused"):
        UrlGuard().check_url(url)


def test_guard_refuses_a_name_that_resolves_to_a_private_address() -> None:
    guard = UrlGuard(resolve=_resolver({"intranet.example": ["10.0.0.5"]}))
    with pytest.raises(
        BlockedURL,
        match=r"intranet\.example resolves to 10\.0\.0\.5, which is not public \(private\)",
    ):
        guard.check_url("https://intranet.example/feed")


def test_guard_refuses_a_name_with_any_private_address() -> None:
    guard = UrlGuard(resolve=_resolver({"mixed.example": ["93.184.216.34", "127.0.0.1"]}))
    with pytest.raises(BlockedURL):
        guard.check_url("https://mixed.example/feed")


def test_guard_allows_a_public_address() -> None:
    guard = UrlGuard(resolve=_resolver({"news.example": ["93.184.216.34", "2606:2800::1"]}))
    assert guard.check_url("https://news.example/feed").host == "news.example"


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://news.example/feed", "gopher://news.example/", "data:,x"]
)
def test_guard_refuses_other_schemes(url: str) -> None:
    with pytest.raises(BlockedURL, match="only http and https"):
        UrlGuard(resolve=_resolver({})).check_url(url)


def test_guard_refuses_credentials_in_the_url() -> None:
    with pytest.raises(BlockedURL, match="credentials"):
        UrlGuard(resolve=_resolver({})).check_url("https://user:secret@news.example/feed")


def test_guard_allows_listed_networks() -> None:
    guard = UrlGuard(allow_networks=["10.1.2.0/24"])
    assert guard.check_url("http://10.1.2.3/feed").host == "10.1.2.3"


def test_public_and_private_addresses_are_told_apart() -> None:
    assert address_problem("93.184.216.34") == ""
    assert address_problem("2606:4700::1111") == ""
    assert address_problem("::ffff:8.8.8.8") == ""
    assert address_problem("127.0.0.1") == "loopback"
    assert address_problem("169.254.169.254") == "link-local"


def test_fetcher_refuses_a_loopback_server(feed_server: FeedServer) -> None:
    with (
        Fetcher(make_settings(allow_private_addresses=False)) as fetcher,
        pytest.raises(BlockedURL, match="loopback"),
    ):
        fetcher.fetch(feed_server.url(FEED))
    assert feed_server.hits(FEED) == 0 and feed_server.hits("/robots.txt") == 0


@pytest.mark.parametrize(
    "target", ["http://127.0.0.2:{port}/feed", "http://169.254.169.254/", "http://[::1]:{port}/"]
)
def test_redirect_to_a_private_address_is_refused(feed_server: FeedServer, target: str) -> None:
    # Only the test server's own address is allowed, so it plays a public site.
    guard = UrlGuard(allow_networks=["127.0.0.1/32"])
    feed_server.redirect("/out", target.format(port=feed_server.port))
    with (
        Fetcher(make_settings(allow_private_addresses=False), guard=guard) as fetcher,
        pytest.raises(BlockedURL, match="refused"),
    ):
        fetcher.fetch(feed_server.url("/out"))
    assert feed_server.hits("/out") == 1


def test_connects_to_the_checked_address_and_keeps_the_host(feed_server: FeedServer) -> None:
    guard = UrlGuard(
        allow_networks=["127.0.0.1/32"], resolve=_resolver({"feeds.test": ["127.0.0.1"]})
    )
    with Fetcher(make_settings(allow_private_addresses=False), guard=guard) as fetcher:
        result = fetcher.fetch(f"http://feeds.test:{feed_server.port}{FEED}")
    assert result.status == 200
    assert feed_server.requests(FEED)[0].headers["host"] == f"feeds.test:{feed_server.port}"


def test_dns_rebinding_is_caught_when_connecting(feed_server: FeedServer) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])  # public when checked, then loopback

    def rebinding(host: str, port: int) -> list[str]:
        return next(answers, ["127.0.0.1"])

    guard = UrlGuard(resolve=rebinding)
    settings = make_settings(allow_private_addresses=False, respect_robots=False)
    with Fetcher(settings, guard=guard) as fetcher, pytest.raises(BlockedURL, match="loopback"):
        fetcher.fetch(f"http://rebind.test:{feed_server.port}{FEED}")
    assert feed_server.hits(FEED) == 0


# -- many requests -------------------------------------------------------------------------


def test_fetch_many_returns_results_and_errors_by_key(feed_server: FeedServer) -> None:
    requests = [
        FetchRequest(feed_server.url(FEED), key="rss"),
        FetchRequest(feed_server.url("/error/404"), key="missing"),
        FetchRequest(feed_server.url("/feeds/conditional.xml"), etag='"v1"', key="same"),
        FetchRequest("ftp://example.com/feed", key="ftp"),
    ]
    with Fetcher(make_settings()) as fetcher:
        outcomes = {request.key: outcome for request, outcome in fetcher.fetch_many(requests)}
    assert isinstance(outcomes["rss"], FetchResult) and outcomes["rss"].status == 200
    assert isinstance(outcomes["missing"], FetchError)
    assert isinstance(outcomes["same"], FetchResult) and outcomes["same"].not_modified
    assert isinstance(outcomes["ftp"], BlockedURL)


def test_per_host_delay_spaces_request_starts(feed_server: FeedServer) -> None:
    paths = ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/rdf.xml"]
    settings = make_settings(per_host_delay=0.25, respect_robots=False)
    with Fetcher(settings) as fetcher:
        list(fetcher.fetch_many(FetchRequest(feed_server.url(p)) for p in paths))
    starts = sorted(feed_server.requests(p)[0].at for p in paths)
    assert all(later - earlier >= 0.2 for earlier, later in itertools.pairwise(starts))


def test_per_host_concurrency_limits_requests_in_flight(feed_server: FeedServer) -> None:
    feed_server.add("/slow", b"ok", delay=0.2)
    settings = make_settings(per_host_concurrency=2, fetch_concurrency=8, respect_robots=False)
    with Fetcher(settings) as fetcher:
        outcomes = list(fetcher.fetch_many(FetchRequest(feed_server.url("/slow")) for _ in "abcd"))
    assert all(isinstance(outcome, FetchResult) for _, outcome in outcomes)
    assert feed_server.max_active == 2
