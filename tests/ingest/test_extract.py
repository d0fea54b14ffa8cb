"""Article extraction on pages served by a real HTTP server."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from plumbline.errors import ExtractionError
from plumbline.ingest.extract import extract_page
from plumbline.models import ExtractedPage
from tests.feedserver import ARTICLES, FeedServer

TRANSIT = ARTICLES[0]
PARAGRAPH = (
    "Le président de la République a annoncé mardi une réforme des retraites très contestée, "
    "déclenchant des grèves à travers le pays et une mobilisation syndicale inédite."
)


def extract(server: FeedServer, path: str) -> ExtractedPage:
    response = httpx.get(server.url(path))
    response.raise_for_status()
    return extract_page(response.content, server.url(path))


def page(body: str, head: str = "", lang: str = "fr") -> str:
    return f'<html lang="{lang}"><head>{head}</head><body><article>{body}</article></body></html>'


def test_extracts_the_article_text(feed_server: FeedServer) -> None:
    text = extract(feed_server, "/articles/transit-vote.html").text
    assert text.startswith(TRANSIT.paragraphs[0])
    assert text.endswith(TRANSIT.paragraphs[-1])


def test_leaves_out_navigation_and_footer(feed_server: FeedServer) -> None:
    text = extract(feed_server, "/articles/transit-vote.html").text
    assert "Politics" not in text and "All rights reserved" not in text


def test_title_without_site_name(feed_server: FeedServer) -> None:
    assert extract(feed_server, "/articles/transit-vote.html").title == TRANSIT.title


def test_heading_is_not_repeated_in_the_text(feed_server: FeedServer) -> None:
    assert TRANSIT.title not in extract(feed_server, "/articles/transit-vote.html").text


def test_author(feed_server: FeedServer) -> None:
    assert extract(feed_server, "/articles/transit-vote.html").author == "Jane Doe"


def test_published_is_aware_utc(feed_server: FeedServer) -> None:
    published = extract(feed_server, "/articles/transit-vote.html").published
    assert published == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)


def test_published_in_another_zone_is_converted_to_utc(feed_server: FeedServer) -> None:
    head = '<meta property="article:published_time" content="2024-03-05T15:30:00+01:00">'
    feed_server.add("/a", page(f"<p>{PARAGRAPH}</p>", head).encode())
    published = extract(feed_server, "/a").published
    assert published == datetime(2024, 3, 5, 14, 30, tzinfo=UTC)
    assert published is not None and published.tzinfo is UTC


def test_canonical_url(feed_server: FeedServer) -> None:
    canonical = extract(feed_server, "/articles/transit-vote.html").canonical_url
    assert canonical == feed_server.url("/articles/transit-vote")


def test_relative_canonical_is_made_absolute(feed_server: FeedServer) -> None:
    head = '<link rel="canonical" href="/news/reforme?ref=rss#top">'
    feed_server.add("/a", page(f"<p>{PARAGRAPH}</p>", head).encode())
    assert extract(feed_server, "/a").canonical_url == feed_server.url("/news/reforme?ref=rss")


def test_no_canonical_gives_empty(feed_server: FeedServer) -> None:
    feed_server.add("/a", page(f"<p>{PARAGRAPH}</p>").encode())
    assert extract(feed_server, "/a").canonical_url == ""


def test_language_from_the_html_lang_attribute(feed_server: FeedServer) -> None:
    assert extract(feed_server, "/articles/transit-vote.html").language == "en"  # lang="en-US"


def test_wrongly_declared_encoding(feed_server: FeedServer) -> None:
    html = page(f"<p>{PARAGRAPH}</p>", '<meta charset="utf-8">')
    feed_server.add("/a", html.encode("latin-1"))  # declared utf-8, sent as latin-1
    assert PARAGRAPH in extract(feed_server, "/a").text


def test_undeclared_encoding(feed_server: FeedServer) -> None:
    feed_server.add("/a", page(f"<p>{PARAGRAPH}</p>").encode("cp1252"), content_type="text/html")
    assert PARAGRAPH in extract(feed_server, "/a").text


def test_accepts_text() -> None:
    extracted = extract_page(page(f"<p>{PARAGRAPH}</p>"), "https://news.example/a")
    assert (extracted.text, extracted.language) == (PARAGRAPH, "fr")


def test_page_without_article_text_raises(feed_server: FeedServer) -> None:
    feed_server.add("/a", b"<html><body><nav><a href='/'>Home</a></nav></body></html>")
    with pytest.raises(ExtractionError, match="no article text"):
        extract(feed_server, "/a")


@pytest.mark.parametrize("content", [b"", b"\x00\xff\xfe\x80" * 64])
def test_non_html_raises(content: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_page(content, "https://news.example/a")
