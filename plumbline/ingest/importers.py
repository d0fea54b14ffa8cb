"""Article files: Plumbline JSONL and the Article-Bias-Prediction dump format.

One JSON object per line, optionally gzip-compressed. A bad line is reported with its
number and skipped; it never stops the import."""

from __future__ import annotations

import gzip
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import IO, Any, cast

from dateutil import parser as dateparser

from plumbline.ingest.prepare import prepare_text
from plumbline.models import ArticleIn, ArticleKind

MAX_LINE_BYTES = 5_000_000
_OTHER_SCHEME = re.compile(r"[a-z][a-z0-9+.\-]*:(?!\d)", re.IGNORECASE)  # not host:port
MAX_TEXT_CHARS = 400_000
MAX_TITLE_CHARS = 1_000
_KINDS = frozenset(k.value for k in ArticleKind)


@dataclass(slots=True)
class ImportLine:
    number: int
    article: ArticleIn | None
    error: str = ""
    raw_id: str | None = None  # the line's "id" field, when it has one
    story: str = ""  # the line's "story" field (plumbline synthesize), when it has one


def open_articles(stream: IO[bytes]) -> IO[bytes]:
    """The stream itself, or a gzip reader when it starts with the gzip magic number."""
    buffered = cast(
        io.BufferedReader, stream if hasattr(stream, "peek") else io.BufferedReader(stream)
    )
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered))
    return cast(IO[bytes], buffered)


@dataclass(slots=True)
class JsonLine:
    """One non-blank line of a JSONL stream: its object, or why it has none."""

    number: int
    data: dict[str, Any] | None
    error: str = ""


def read_json_lines(stream: IO[bytes]) -> Iterator[JsonLine]:
    """Every non-blank line of a JSONL stream (gzip-compressed or not), numbered as in the
    file, parsed as a JSON object. A line that is too long, not UTF-8, not JSON or not an
    object comes with its error instead, once, and reading goes on at the next line; an
    unreadable stream ends with one error. The one reader of every command that takes
    JSONL (import, analyze --jsonl, cluster, synthesize)."""
    source = open_articles(stream)
    number = 0
    while True:
        try:
            raw = source.readline(MAX_LINE_BYTES + 1)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            yield JsonLine(number + 1, None, f"unreadable input: {exc}")
            return
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield JsonLine(number, None, f"line longer than {MAX_LINE_BYTES:,} bytes")
            while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                raw = source.readline(MAX_LINE_BYTES + 1)
            continue
        if not raw.strip():
            continue
        try:
            data = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield JsonLine(number, None, "not UTF-8")
            continue
        except json.JSONDecodeError as exc:
            yield JsonLine(number, None, f"not valid JSON: {exc.msg} at column {exc.colno}")
            continue
        if not isinstance(data, dict):
            yield JsonLine(number, None, "each line must be a JSON object")
            continue
        yield JsonLine(number, data)


def read_articles(stream: IO[bytes]) -> Iterator[ImportLine]:
    """Every article of an article file (see :func:`read_json_lines`)."""
    for line in read_json_lines(stream):
        data = line.data
        if data is None:
            yield ImportLine(line.number, None, line.error)
            continue
        raw_id = data.get("id", data.get("ID"))
        line_id = str(raw_id)[:200] if isinstance(raw_id, str | int) else None
        story = data.get("story")
        story_key = str(story)[:200] if isinstance(story, str | int) else ""
        try:
            article = article_from_record(data)
        except ValueError as exc:
            yield ImportLine(line.number, None, str(exc), raw_id=line_id, story=story_key)
            continue
        yield ImportLine(line.number, article, raw_id=line_id, story=story_key)


def _text(data: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, list) and all(isinstance(v, str) for v in value) and value:
            return ", ".join(v.strip() for v in value if v.strip())
    return ""


def article_from_record(data: dict[str, Any]) -> ArticleIn:
    """An ArticleIn from a Plumbline JSONL object or an Article-Bias-Prediction record: its
    text cleaned of page furniture and its kind labelled (ingest/prepare.py), unless the
    line says its "kind" (news, opinion or analysis) itself."""
    abp = "content_original" in data or "bias_text" in data
    title = _text(data, "title")[:MAX_TITLE_CHARS]
    text = _text(data, "text", "content_original", "content")
    if not title and not text:
        raise ValueError("needs a title or a text")
    if len(text) > MAX_TEXT_CHARS:
        raise ValueError(f"text longer than {MAX_TEXT_CHARS:,} characters")
    external_id = _text(data, "ID", "id")[:200]
    url = _text(data, "url", "link")
    if url and not url.lower().startswith(("http://", "https://")):
        # "example.com/a" is a web address without its scheme; "javascript:…", "mailto:…"
        # or "ftp://…" are not web addresses: the article is kept without one
        url = "" if "://" in url or _OTHER_SCHEME.match(url) else f"https://{url}"
    if not url:
        if not external_id:
            raise ValueError("needs a url or an id")
        url = f"urn:plumbline:{external_id}"
    outlet = _text(data, "outlet", "source_url", "source") if not abp else ""
    if abp:
        outlet = _text(data, "source_url", "source")
    given = _text(data, "kind").lower()
    if given and given not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(sorted(_KINDS))}, not {given[:40]!r}")
    kind = ArticleKind(given) if given else None
    if text:
        prepared = prepare_text(
            url=url, title=title, text=text, outlet=_text(data, "source", "outlet")
        )
        text, kind = prepared.text, kind or prepared.kind
    return ArticleIn(
        url=url[:2000],
        title=title,
        text=text,
        kind=kind,
        outlet=outlet[:200],
        published=parse_date(_text(data, "published", "date")),
        author=_text(data, "author", "authors")[:500],
        external_id=(f"abp:{external_id}" if abp and external_id else external_id),
        topic=_text(data, "topic")[:100],
        summary=_text(data, "summary")[:2000],
    )


def parse_date(value: str, *, now: datetime | None = None) -> datetime | None:
    """A timezone-aware UTC datetime from a messy date string; None when it cannot be read
    or lies more than a day in the future (e.g. `2050-09`)."""
    value = value.strip()
    if not value or len(value) > 64:
        return None
    try:
        parsed = dateparser.parse(value, default=datetime(2000, 1, 1))
    except (ValueError, OverflowError, dateparser.ParserError):
        return None
    if parsed is None:
        return None
    parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    limit = (now or datetime.now(UTC)) + timedelta(days=1)
    if parsed > limit or parsed.year < 1990:
        return None
    return parsed
