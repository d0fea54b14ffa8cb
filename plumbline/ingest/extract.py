"""Article extraction: HTML page → main text and metadata (trafilatura)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urljoin, urlsplit

from dateutil import parser as dateparser
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from plumbline.errors import ExtractionError
from plumbline.models import ExtractedPage

MIN_WORDS = 15  # fewer words than this is a navigation or error page, not an article
# Ask htmldate for the time of day and zone too, not just the date.
_DATE_PARAMS = {"outputformat": "%Y-%m-%dT%H:%M:%S%z", "original_date": True}


def extract_page(html: bytes | str, url: str, *, min_words: int = MIN_WORDS) -> ExtractedPage:
    """Main text and metadata of the article page `html` fetched from `url`.

    Bytes in any or a wrongly declared encoding are decoded by trafilatura's detection.
    `canonical_url` is the page's own <link rel=canonical> (or og:url) made absolute, "" when
    it declares none; `language` is the primary subtag ("en") of trafilatura's detection or
    the page's lang attribute; `published` is aware UTC. Tables and comments are left out.
    Raises ExtractionError when no article text (at least `min_words` words) is found.
    """
    tree = load_html(html) if html else None
    if tree is None:
        raise ExtractionError(f"not an HTML page: {url}", url=url)
    root = tree.getroottree().getroot()
    # Read these before trafilatura, which prunes the tree it is given.
    canonical = _canonical(root, url)
    language = _language(root)

    doc = bare_extraction(
        root,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        date_extraction_params=_DATE_PARAMS,
    )
    title = _str(doc, "title")
    text = _drop_heading(_str(doc, "text"), title)
    words = len(text.split())
    if words < min_words:
        raise ExtractionError(f"no article text found at {url} ({words} words)", url=url)
    if not canonical and _str(doc, "url") not in ("", url):
        canonical = _absolute(_str(doc, "url"), url)
    return ExtractedPage(
        text=text,
        title=title,
        author=_str(doc, "author"),
        published=_parse_date(_str(doc, "date")),
        canonical_url=canonical,
        language=_primary_tag(_str(doc, "language")) or language,
    )


def _str(doc: Any, name: str) -> str:
    value = getattr(doc, name, None) if doc is not None else None
    return str(value).strip() if value else ""


def _drop_heading(text: str, title: str) -> str:
    """trafilatura keeps the <h1> as the first line; the title is stored on its own."""
    first, _, rest = text.partition("\n")
    return rest.strip() if title and first.strip() == title else text


def _canonical(root: Any, url: str) -> str:
    for link in root.iter("link"):
        if "canonical" in str(link.get("rel", "")).lower().split():
            return _absolute(str(link.get("href", "")), url)
    for meta in root.iter("meta"):
        if str(meta.get("property", "")).lower() == "og:url":
            return _absolute(str(meta.get("content", "")), url)
    return ""


def _absolute(href: str, base: str) -> str:
    absolute, _fragment = urldefrag(urljoin(base, href.strip()))
    return absolute if href.strip() and urlsplit(absolute).scheme in ("http", "https") else ""


def _language(root: Any) -> str:
    declared = root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang")
    if not declared:
        for meta in root.iter("meta"):
            if str(meta.get("http-equiv", "")).lower() == "content-language":
                declared = meta.get("content")
                break
    return _primary_tag(str(declared or ""))


def _primary_tag(tag: str) -> str:
    """'en-US' → 'en'; '' for anything that is not a language tag."""
    primary = tag.strip().replace("_", "-").split("-")[0].split(",")[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else ""


def _parse_date(value: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = dateparser.isoparse(value)
    except (ValueError, OverflowError):
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
