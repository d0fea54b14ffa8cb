"""Rows to plain model objects."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plumbline.models import (
    ArticleKind,
    ArticleRecord,
    ArticleState,
    FeedStatus,
    Lean,
    LeanMix,
    LeanScores,
    Outlet,
    StorySummary,
)
from plumbline.storage import codec
from plumbline.storage.base import as_utc, utcnow
from plumbline.storage.schema import ArticleRow, FeedRow, OutletRow, StoryRow

_KINDS = frozenset(k.value for k in ArticleKind)


def feeds_by_outlet(s: Session) -> dict[int, list[str]]:
    feeds: dict[int, list[str]] = {}
    for outlet_id, url in s.execute(select(FeedRow.outlet_id, FeedRow.url).order_by(FeedRow.id)):
        feeds.setdefault(outlet_id, []).append(url)
    return feeds


def outlet_from_row(row: OutletRow, feeds: list[str]) -> Outlet:
    return Outlet(
        slug=row.slug,
        name=row.name,
        homepage=row.homepage,
        feeds=feeds,
        country=row.country,
        lean=Lean(row.lean),
        lean_source=row.lean_source,
        enabled=row.enabled,
        domains=list(row.domains),
    )


def feed_status(row: FeedRow, slug: str) -> FeedStatus:
    return FeedStatus(
        id=row.id,
        outlet_slug=slug,
        url=row.url,
        enabled=row.enabled,
        last_fetched_at=as_utc(row.last_fetched_at),
        last_status=row.last_status,
        last_error=row.last_error,
        error_count=row.error_count,
        next_fetch_at=as_utc(row.next_fetch_at),
        etag=row.etag,
        last_modified=row.last_modified,
    )


def record(
    row: ArticleRow, outlet: OutletRow | None, *, with_analysis: bool = False
) -> ArticleRecord:
    lean = None
    if row.lean_left is not None and row.lean_center is not None and row.lean_right is not None:
        lean = LeanScores(row.lean_left, row.lean_center, row.lean_right)
    return ArticleRecord(
        id=row.id,
        url=row.url,
        canonical_url=row.canonical_url,
        title=row.title,
        text=row.text,
        state=ArticleState(row.state),
        outlet_slug=outlet.slug if outlet else None,
        outlet_name=outlet.name if outlet else None,
        outlet_lean=Lean(outlet.lean) if outlet else Lean.UNRATED,
        published=as_utc(row.published_at),
        fetched_at=as_utc(row.fetched_at) or utcnow(),
        joined=as_utc(row.joined_at),
        from_feed=row.feed_id is not None,
        author=row.author,
        summary=row.summary,
        topic=row.topic,
        kind=ArticleKind(row.kind) if row.kind in _KINDS else None,
        story_id=row.story_id,
        duplicate_of=row.duplicate_of_id or row.near_duplicate_of_id,
        bias_score=row.bias_score,
        lean=lean,
        analysis=codec.analysis(row.analysis) if with_analysis and row.analysis else None,
        error=row.error,
    )


def story_summary(row: StoryRow) -> StorySummary:
    return StorySummary(
        id=row.id,
        slug=row.slug,
        headline=row.headline,
        lead=row.lead,
        n_articles=row.n_articles,
        n_outlets=row.n_outlets,
        first_published=as_utc(row.first_published_at),
        last_published=as_utc(row.last_published_at),
        updated_at=as_utc(row.updated_at) or utcnow(),
        lean_mix=LeanMix(row.lean_left, row.lean_center, row.lean_right, row.lean_unrated),
        bias_score=row.bias_score,
        topics=list(row.topics or []),
        **_stats(row.stats),
    )


def _stats(stored: dict[str, Any] | None) -> dict[str, Any]:
    """StorySummary fields from the stored story statistics (none yet: low confidence)."""
    if not stored:
        return {"low_confidence": True}
    stats = codec.stats(stored)
    return {
        "interval": stats.interval,
        "low_confidence": stats.low_confidence,
        "low_confidence_reasons": stats.low_confidence_reasons,
        "blindspot": stats.blindspot.side if stats.blindspot else None,
        "blindspot_description": stats.blindspot.description if stats.blindspot else "",
        "tones": stats.tones,
    }
