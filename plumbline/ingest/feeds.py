"""Feed parsing (RSS 0.9x/1.0/2.0, Atom) and feed discovery on HTML pages."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

import feedparser

from plumbline.errors import ExtractionError
from plumbline.models import FeedEntry, ParsedFeed

FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml"})


def parse_feed(content: bytes, url: str) -> ParsedFeed:
    """Parse a feed document fetched from `url`.

    Entries keep only http(s) links (made absolute against the feed URL), deduplicated by
    link; dates are aware UTC datetimes; titles and summaries are plain text. A malformed
    feed that still yields entries comes back with `warning` set. Raises ExtractionError
    when `content` is not a feed at all (empty, HTML, garbage, cut off before any entry).
    """
    if not content.strip():
        raise ExtractionError(f"empty document at {url}, not a feed", url=url)
    # A file object, never bytes: feedparser treats a bytes value that names a local file
    # as that file's path and reads it.
    parsed = feedparser.parse(
        io.BytesIO(content),
        response_headers={"content-location": url, "content-type": "application/xml"},
    )
    problem = str(parsed.get("bozo_exception", "")) if parsed.get("bozo") else ""
    raw_entries: list[Any] = list(parsed.get("entries", []))
    if not raw_entries:
        if problem:
            raise ExtractionError(f"not a readable feed at {url}: {problem}", url=url)
        if not parsed.get("version"):
            raise ExtractionError(f"no RSS, RDF or Atom feed found at {url}", url=url)

    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = 0
    for raw in raw_entries:
        entry = _entry(raw, url)
        if entry is None:
            skipped += 1
        elif entry.url not in seen:
            seen.add(entry.url)
            entries.append(entry)

    notes = [f"malformed feed, read what was readable: {problem}"] if problem else []
    if skipped:
        notes.append(f"{skipped} entries without a usable http(s) link skipped")
    title = _plain(parsed.get("feed", {}).get("title", ""), "text/html")
    return ParsedFeed(title=title, entries=entries, warning="; ".join(notes))


def discover_feed_links(html: bytes | str, base_url: str) -> list[str]:
    """The RSS and Atom feeds an HTML page advertises with <link rel="alternate">,
    as absolute http(s) URLs, in page order, without duplicates."""
    text = html.decode("utf-8", errors="replace") if isinstance(html, bytes) else html
    parser = _LinkParser()
    parser.feed(text)
    parser.close()
    base = urljoin(base_url, parser.base_href) if parser.base_href else base_url
    found: list[str] = []
    for href in parser.feed_hrefs:
        link = _http_url(href, base)
        if link and link not in found:
            found.append(link)
    return found


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment: tags dropped, entities decoded, scripts and styles
    removed, whitespace collapsed to single spaces."""
    parser = _TextParser()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def _entry(raw: Mapping[str, Any], feed_url: str) -> FeedEntry | None:
    link = _http_url(str(raw.get("link") or ""), feed_url)
    if not link and raw.get("guidislink"):
        link = _http_url(str(raw.get("id") or ""), feed_url)
    if not link:
        return None
    return FeedEntry(
        url=link,
        title=_plain(raw.get("title", ""), _type(raw, "title_detail")),
        summary=_plain(raw.get("summary", ""), _type(raw, "summary_detail")),
        published=_datetime(raw.get("published_parsed") or raw.get("updated_parsed")),
        author=_author(raw),
        guid=str(raw.get("id") or ""),
    )


def _http_url(href: str, base: str) -> str:
    """`href` made absolute against `base`, without its fragment; "" unless http(s)."""
    href = href.strip()
    if not href:
        return ""
    absolute, _fragment = urldefrag(urljoin(base, href))
    parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.hostname else ""


def _author(raw: Mapping[str, Any]) -> str:
    """The author's name, never an email address."""
    author = " ".join(str(raw.get("author") or "").split())
    if "@" not in author:
        return author
    # RSS <author> is "email (Name)"; feedparser's own split misreads long TLDs.
    name, _address = parseaddr(author)
    if not name or "@" in name:
        name = str((raw.get("author_detail") or {}).get("name") or "")
    return "" if "@" in name else name.strip()


def _type(raw: Mapping[str, Any], detail: str) -> str:
    return str((raw.get(detail) or {}).get("type") or "text/html")


def _plain(value: object, content_type: str) -> str:
    text = str(value or "")
    if "html" in content_type:
        return html_to_text(text)
    return " ".join(text.split())


def _datetime(value: object) -> datetime | None:
    """feedparser's parsed dates are UTC struct_time tuples."""
    if not isinstance(value, tuple) or len(value) < 6:
        return None
    try:
        return datetime(*value[:6]).replace(tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


class _TextParser(HTMLParser):
    _SKIP = frozenset({"script", "style", "template", "noscript"})
    _BREAK = frozenset({"br", "p", "div", "li", "tr", "td", "th", "blockquote", "article"}) | {
        f"h{level}" for level in range(1, 7)
    }

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feed_hrefs: list[str] = []
        self.base_href = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and not self.base_href:
            self.base_href = values.get("href", "").strip()
        elif tag == "link":
            rel = values.get("rel", "").lower().split()
            kind = values.get("type", "").split(";")[0].strip().lower()
            if "alternate" in rel and kind in FEED_TYPES and values.get("href"):
                self.feed_hrefs.append(values["href"])
