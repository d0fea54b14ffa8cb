"""Polls due feeds once: conditional GET, parse, fetch new articles' pages, store them.
A slow, broken or hostile feed is recorded with its error and retried later with
backoff; it never stops the others."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from plumbline.errors import ExtractionError, FetchError
from plumbline.ingest.dedupe import canonical_url, content_hash
from plumbline.ingest.feeds import parse_feed
from plumbline.ingest.fetch import Fetcher, FetchRequest
from plumbline.models import (
    ArticleIn,
    FeedEntry,
    FeedStatus,
    FetchResult,
    IngestReport,
    NewArticle,
)
from plumbline.settings import Settings

if TYPE_CHECKING:
    from plumbline.storage.protocols import ArticleStore, OutletStore

log = logging.getLogger(__name__)
MAX_ENTRIES_PER_FEED = 200


class FeedPoller:
    def __init__(
        self, outlets: OutletStore, articles: ArticleStore, settings: Settings, fetcher: Fetcher
    ) -> None:
        self.outlets = outlets
        self.articles = articles
        self.settings = settings
        self.fetcher = fetcher

    def poll(self, *, force: bool = False) -> IngestReport:
        """Poll every enabled feed that is due (every enabled feed with `force`)."""
        report = IngestReport()
        now = datetime.now(UTC)
        feeds = self.outlets.feeds(due_at=now + timedelta(days=36500) if force else now)
        requests = [FetchRequest(f.url, f.etag, f.last_modified, key=f) for f in feeds]
        new_entries: list[tuple[FeedStatus, FeedEntry]] = []
        for request, outcome in self.fetcher.fetch_many(requests):
            feed = request.key
            assert isinstance(feed, FeedStatus)
            report.feeds_polled += 1
            if isinstance(outcome, FetchError):
                self._failed(feed, outcome.message, outcome.fields.get("status"), report)
                continue
            if outcome.not_modified:
                report.feeds_not_modified += 1
                self._succeeded(feed, outcome)
                continue
            try:
                parsed = parse_feed(outcome.content, outcome.final_url)
            except ExtractionError as exc:
                self._failed(feed, exc.message, outcome.status, report)
                continue
            self._succeeded(feed, outcome, warning=parsed.warning)
            entries = parsed.entries[:MAX_ENTRIES_PER_FEED]
            report.entries_seen += len(entries)
            new_entries.extend((feed, e) for e in entries)
        report.articles_added = self._store_new(new_entries, report)
        return report

    def _succeeded(self, feed: FeedStatus, result: FetchResult, warning: str = "") -> None:
        self.outlets.record_feed_result(
            feed.id,
            status=result.status,
            error=None,
            next_fetch_at=datetime.now(UTC)
            + timedelta(minutes=self.settings.poll_interval_minutes),
            etag=result.etag,
            last_modified=result.last_modified,
        )
        if warning:
            log.info("feed %s parsed with a warning: %s", feed.url, warning)

    def _failed(self, feed: FeedStatus, error: str, status: object, report: IngestReport) -> None:
        backoff = self.settings.feed_error_backoff_minutes * 2 ** min(feed.error_count, 6)
        self.outlets.record_feed_result(
            feed.id,
            status=status if isinstance(status, int) else None,
            error=error,
            next_fetch_at=datetime.now(UTC) + timedelta(minutes=backoff),
        )
        report.feeds_failed += 1
        report.errors.append(f"{feed.url}: {error}")
        log.warning("feed %s failed: %s", feed.url, error)

    def _store_new(self, entries: list[tuple[FeedStatus, FeedEntry]], report: IngestReport) -> int:
        """Fetch the pages of entries not stored yet and store them (FETCHED with their
        HTML, or EXTRACTED from the feed's summary when the page cannot be had)."""
        unique: dict[str, tuple[FeedStatus, FeedEntry]] = {}
        for feed, entry in entries:
            unique.setdefault(canonical_url(entry.url), (feed, entry))
        known = self.articles.known_urls(list(unique))
        fresh = {url: pair for url, pair in unique.items() if url not in known}
        if not fresh:
            return 0
        outlets = {o.slug: o for o in self.outlets.list_outlets()}
        index = self.outlets.outlet_index()
        pages: dict[str, FetchResult | FetchError] = {}
        if self.settings.fetch_articles:
            requests = [
                FetchRequest(pair[1].url, None, None, key=url) for url, pair in fresh.items()
            ]
            for request, outcome in self.fetcher.fetch_many(requests):
                assert isinstance(request.key, str)
                pages[request.key] = outcome
        rows: list[NewArticle] = []
        for url, (feed, entry) in fresh.items():
            page = pages.get(url)
            article = ArticleIn(
                url=entry.url,
                title=entry.title,
                summary=entry.summary,
                author=entry.author,
                published=entry.published,
                outlet=feed.outlet_slug,
            )
            if isinstance(page, FetchResult) and page.content:
                article.raw_html = page.content
                digest = None
            else:
                if isinstance(page, FetchError):
                    report.errors.append(f"{entry.url}: {page.message} (kept the feed summary)")
                article.text = entry.summary
                digest = content_hash(entry.title, entry.summary)
            outlet = outlets.get(feed.outlet_slug)
            outlet_id = index[outlet.slug].id if outlet else None
            rows.append(NewArticle(article, outlet_id, feed.id, url, digest))
        added, _skipped = self.articles.add_articles(rows)
        return added
