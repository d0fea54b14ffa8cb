from __future__ import annotations

import gzip
import io
import json
from datetime import UTC, datetime

import pytest

from plumbline.ingest.importers import (
    MAX_LINE_BYTES,
    article_from_record,
    parse_date,
    read_articles,
)


def _lines(payload: bytes) -> list:
    return list(read_articles(io.BytesIO(payload)))


def test_reads_plumbline_jsonl() -> None:
    line = {"id": "a1", "url": "https://ex.com/a", "title": "T", "text": "Body", "outlet": "ex.com"}
    [result] = _lines(json.dumps(line).encode() + b"\n")
    assert result.article is not None
    assert result.article.external_id == "a1"
    assert result.article.outlet == "ex.com"


def test_reads_article_bias_prediction_records() -> None:
    record = {
        "ID": "004Gt3",
        "source": "New York Times - News",
        "source_url": "www.nytimes.com",
        "url": "http://www.nytimes.com/x.html",
        "date": "3/16/19",
        "title": "Title",
        "content_original": "Text of the article.",
        "bias_text": "left",
        "topic": "terrorism",
    }
    [result] = _lines(json.dumps(record).encode())
    article = result.article
    assert article is not None
    assert article.external_id == "abp:004Gt3"
    assert article.outlet == "www.nytimes.com"
    assert article.published == datetime(2019, 3, 16, tzinfo=UTC)
    assert article.topic == "terrorism"


def test_gzip_is_detected() -> None:
    payload = gzip.compress(json.dumps({"id": "x", "title": "T", "text": "B"}).encode())
    [result] = _lines(payload)
    assert result.article is not None


def test_bad_lines_are_reported_and_skipped() -> None:
    payload = b"\n".join(
        [
            b'{"id": "ok", "title": "T", "text": "B"}',
            b"{not json",
            b"[1, 2]",
            b'{"id": "empty"}',
            b"\xff\xfe\x00",
            b'{"title": "no url and no id", "text": "x"}',
            b"",
            b'{"id": "ok2", "title": "T2", "text": "B2"}',
        ]
    )
    results = _lines(payload)
    assert [r.article.external_id for r in results if r.article] == ["ok", "ok2"]
    errors = [r.error for r in results if r.article is None]
    assert len(errors) == 5
    assert any("not valid JSON" in e for e in errors)
    assert any("JSON object" in e for e in errors)
    assert any("UTF-8" in e for e in errors)


def test_oversized_line_is_refused_without_losing_the_next() -> None:
    big = b'{"id": "big", "title": "T", "text": "' + b"a" * (MAX_LINE_BYTES + 10) + b'"}'
    results = _lines(big + b'\n{"id": "next", "title": "T", "text": "B"}\n')
    assert results[0].article is None and "longer" in results[0].error
    assert results[1].article is not None and results[1].article.external_id == "next"


def test_truncated_gzip_reports_an_error() -> None:
    payload = gzip.compress(b'{"id": "a", "title": "T", "text": "B"}\n' * 100)[:-30]
    results = _lines(payload)
    assert results[-1].article is None
    assert "unreadable" in results[-1].error


def test_dirty_dates() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_date("2016-09-20", now=now) == datetime(2016, 9, 20, tzinfo=UTC)
    assert parse_date("3/8/17", now=now) == datetime(2017, 3, 8, tzinfo=UTC)
    assert parse_date("2050-09", now=now) is None
    assert parse_date("yesterday-ish", now=now) is None
    assert parse_date("x" * 500, now=now) is None


@pytest.mark.parametrize(
    ("url", "stored"),
    [
        ("example.com/a", "https://example.com/a"),
        ("example.com:8080/a", "https://example.com:8080/a"),
        ("HTTPS://Example.com/b", "HTTPS://Example.com/b"),
        ("javascript:alert(1)", "urn:plumbline:7"),
        ("mailto:desk@example.com", "urn:plumbline:7"),
        ("ftp://example.com/c", "urn:plumbline:7"),
    ],
)
def test_only_web_addresses_are_kept_as_urls(url: str, stored: str) -> None:
    article = article_from_record({"id": "7", "url": url, "title": "T", "text": "Text."})
    assert article.url == stored


def test_control_characters_are_dropped_and_line_breaks_kept() -> None:
    article = article_from_record(
        {"id": "8", "title": "Bad\u0000 ti\u0007tle", "text": "One.\nTwo\u001b.\tThree.",
         "outlet": "Out\u0000let", "author": "A\u007fB"}
    )  # fmt: skip
    assert (article.title, article.text) == ("Bad title", "One.\nTwo.\tThree.")
    assert (article.outlet, article.author) == ("Outlet", "AB")
