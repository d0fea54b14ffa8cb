"""Feed parsing and discovery on documents served by a real HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from plumbline.errors import ExtractionError
from plumbline.ingest.feeds import discover_feed_links, html_to_text, parse_feed
from plumbline.models import ParsedFeed
from tests.feedserver import ARTICLES, RSS, FeedServer


def get(server: FeedServer, path: str) -> bytes:
    response = httpx.get(server.url(path))
    response.raise_for_status()
    return response.content


def parse(server: FeedServer, path: str) -> ParsedFeed:
    return parse_feed(get(server, path), server.url(path))


def article_url(server: FeedServer, slug: str) -> str:
    return server.url(f"/articles/{slug}.html")


# -- RSS 2.0 -------------------------------------------------------------------------------


def test_rss_entries_in_order(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/rss.xml")
    assert feed.title == "The Daily Ledger — Top stories"
    slugs = ("transit-vote", "drought-farmers", "port-strike")
    assert [e.url for e in feed.entries] == [article_url(feed_server, s) for s in slugs]
    assert feed.entries[0].title == ARTICLES[0].title


def test_relative_link_is_resolved_against_the_feed_url(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/rss.xml")
    assert feed.entries[1].url == article_url(feed_server, "drought-farmers")


def test_published_is_aware_utc(feed_server: FeedServer) -> None:
    drought = parse(feed_server, "/feeds/rss.xml").entries[1]  # pubDate has -0500
    assert drought.published == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)
    assert drought.published.tzinfo is UTC


def test_missing_date_is_none(feed_server: FeedServer) -> None:
    assert parse(feed_server, "/feeds/rss.xml").entries[2].published is None


def test_summary_html_becomes_plain_text(feed_server: FeedServer) -> None:
    summary = parse(feed_server, "/feeds/rss.xml").entries[0].summary
    assert summary == "The council voted 7 to 4 for the plan & a sales tax."


def test_author_name_is_kept_without_email(feed_server: FeedServer) -> None:
    transit, drought, _ = parse(feed_server, "/feeds/rss.xml").entries
    assert (transit.author, drought.author) == ("Jane Doe", "Samuel Okafor")


def test_duplicate_links_in_one_feed_are_dropped(feed_server: FeedServer) -> None:
    urls = [e.url for e in parse(feed_server, "/feeds/rss.xml").entries]
    assert urls.count(article_url(feed_server, "transit-vote")) == 1


def test_entries_without_an_http_link_are_skipped_with_a_note(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/rss.xml")
    assert all(e.url.startswith("http://") for e in feed.entries)
    assert "No link at all" not in [e.title for e in feed.entries]
    assert "2 entries without a usable http(s) link skipped" in feed.warning


def test_same_article_in_two_feeds_is_kept_in_both(feed_server: FeedServer) -> None:
    # Deduplication across feeds belongs to ingest.dedupe, not to the parser.
    shared = article_url(feed_server, "transit-vote")
    assert shared in [e.url for e in parse(feed_server, "/feeds/dupes-a.xml").entries]
    assert shared in [e.url for e in parse(feed_server, "/feeds/dupes-b.xml").entries]


def test_feed_without_items_is_valid_and_empty(feed_server: FeedServer) -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    feed_server.add("/feeds/quiet.xml", body, content_type=RSS)
    feed = parse(feed_server, "/feeds/quiet.xml")
    assert (feed.title, feed.entries, feed.warning) == ("Quiet", [], "")


# -- Atom and RDF --------------------------------------------------------------------------


def test_atom_entries(feed_server: FeedServer) -> None:
    transit, drought = parse(feed_server, "/feeds/atom.xml").entries
    assert transit.url == article_url(feed_server, "transit-vote")  # via xml:base + ../
    assert transit.published == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)  # from +01:00
    assert (transit.author, transit.summary, transit.guid) == (
        "Jane Doe",
        "Council approves the plan.",
        "urn:ledger:transit",
    )
    assert drought.url == article_url(feed_server, "drought-farmers")


def test_atom_updated_stands_in_for_published(feed_server: FeedServer) -> None:
    drought = parse(feed_server, "/feeds/atom.xml").entries[1]
    assert drought.published == datetime(2024, 3, 4, 9, 15, tzinfo=UTC)


def test_rdf_feed(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/rdf.xml")
    (entry,) = feed.entries
    assert feed.title == "Ledger RDF"
    assert entry.url == article_url(feed_server, "port-strike")
    assert (entry.author, entry.published) == ("Ana Lima", datetime(2024, 3, 3, 18, tzinfo=UTC))


# -- malformed and hostile documents -------------------------------------------------------


def test_wrongly_declared_encoding_is_read_with_a_warning(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/bad-encoding.xml")
    titles = [e.title for e in feed.entries]
    assert titles == ["Café owners and the président", "Grève in the ports"]
    assert "utf-8" in feed.warning


def test_truncated_feed_returns_the_entries_it_could_read(feed_server: FeedServer) -> None:
    feed = parse(feed_server, "/feeds/truncated.xml")
    assert [e.url for e in feed.entries] == [
        article_url(feed_server, "transit-vote"),
        article_url(feed_server, "drought-farmers"),
    ]
    assert "malformed" in feed.warning


@pytest.mark.parametrize(
    "path",
    [
        "/feeds/not-a-feed.html",
        "/feeds/empty.xml",
        "/feeds/garbage.bin",
        "/feeds/truncated-early.xml",
    ],
)
def test_documents_that_are_not_feeds_raise(feed_server: FeedServer, path: str) -> None:
    with pytest.raises(ExtractionError, match=r"not a readable feed|no RSS|not a feed"):
        parse(feed_server, path)


def test_content_naming_a_local_file_is_not_read_from_disk(feed_server: FeedServer) -> None:
    feed_server.add("/feeds/path.xml", b"/etc/hostname", content_type=RSS)
    with pytest.raises(ExtractionError):
        parse(feed_server, "/feeds/path.xml")


# -- discovery and text --------------------------------------------------------------------


def test_discovers_rss_and_atom_links_on_a_home_page(feed_server: FeedServer) -> None:
    links = discover_feed_links(get(feed_server, "/"), feed_server.url("/"))
    assert links == [feed_server.url("/feeds/rss.xml"), feed_server.url("/feeds/atom.xml")]


def test_discovery_honours_base_href() -> None:
    page = (
        b'<html><head><base href="https://cdn.example/news/">'
        b'<link rel="alternate" type="application/atom+xml" href="feed.atom"></head></html>'
    )
    assert discover_feed_links(page, "https://example.com/") == [
        "https://cdn.example/news/feed.atom"
    ]


def test_discovery_ignores_non_http_links() -> None:
    page = '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
    assert discover_feed_links(page, "https://example.com/") == []


def test_html_to_text_drops_scripts_and_decodes_entities() -> None:
    html = "<p>Tom &amp; Jerry</p><script>var x = '<b>';</script><style>p{}</style><p>win</p>"
    assert html_to_text(html) == "Tom & Jerry win"
