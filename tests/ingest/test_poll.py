"""Polling real feeds from a loopback server into a real SQLite store: good feeds give
articles, hostile ones give recorded errors, and nothing already stored is lost."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from plumbline.core import Plumbline
from plumbline.models import ArticleState
from plumbline.settings import Settings
from tests.feedserver import FeedServer

GOOD = [
    "/feeds/rss.xml",
    "/feeds/atom.xml",
    "/feeds/rdf.xml",
    "/feeds/dupes-a.xml",
    "/feeds/dupes-b.xml",
]
HOSTILE = [
    "/feeds/not-a-feed.html",
    "/feeds/truncated-early.xml",
    "/feeds/empty.xml",
    "/feeds/garbage.bin",
    "/big",
    "/loop/a",
    "/error/500",
    "/stall",
]


@pytest.fixture
def polled(core: Plumbline, feed_server: FeedServer) -> Plumbline:
    core.settings.fetch_max_bytes = 2_000_000
    core.settings.fetch_timeout = 1.0
    core.add_outlet("Ledger", feed_server.url("/"), [feed_server.url(p) for p in GOOD + HOSTILE])
    return core


def _articles(core: Plumbline) -> dict[str, str]:
    with core.engine.connect() as conn:
        return dict(conn.execute(text("SELECT canonical_url, state FROM articles")).all())


def test_good_feeds_give_articles_once_and_bad_feeds_record_errors(
    polled: Plumbline, feed_server: FeedServer
) -> None:
    report = polled.ingest()
    assert report.feeds_polled == len(GOOD) + len(HOSTILE)
    assert report.feeds_failed == len(HOSTILE)
    stored = _articles(polled)
    # the same three article pages are linked from several feeds: stored once each
    pages = [url for url in stored if "/articles/" in url]
    assert len(pages) == len(set(pages)) == 3
    assert all(state == ArticleState.FETCHED.value for url, state in stored.items() if url in pages)
    assert feed_server.hits("/articles/transit-vote.html") == 1
    failing = {f.url.removeprefix(feed_server.url("")): f for f in polled.status().failing_feeds}
    assert set(failing) == set(HOSTILE)
    for feed in failing.values():
        assert feed.last_error and feed.error_count == 1 and feed.next_fetch_at is not None


def test_second_poll_loses_nothing_and_skips_unchanged(
    polled: Plumbline, feed_server: FeedServer
) -> None:
    polled.ingest()
    before = _articles(polled)
    report = polled.ingest(force=True)
    assert report.articles_added == 0
    assert _articles(polled) == before
    assert feed_server.hits("/articles/transit-vote.html") == 1


@pytest.mark.slow
def test_fetched_pages_are_extracted_and_analyzed(polled: Plumbline) -> None:
    polled.ingest()
    report = polled.process()
    assert report.extracted >= 3
    counts = {c.state: c.count for c in polled.stores.articles.state_counts()}
    assert counts["fetched"] == counts["extracted"] == counts["analyzed"] == 0
    assert polled.stories()


def test_failing_feed_backs_off(settings: Settings, feed_server: FeedServer) -> None:
    core = Plumbline(settings)
    core.init()
    core.add_outlet("Broken", feed_server.url("/"), [feed_server.url("/error/500")])
    core.ingest()
    assert core.ingest().feeds_polled == 0  # not due again yet
    core.close()
