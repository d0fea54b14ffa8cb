"""Outlets and their feeds."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import or_, select, update

from plumbline.errors import NotFound
from plumbline.models import (
    FeedStatus,
    Outlet,
    OutletRef,
)
from plumbline.storage.base import Store, utcnow
from plumbline.storage.convert import feed_status, feeds_by_outlet, outlet_from_row
from plumbline.storage.schema import FeedRow, OutletRow


class SqlOutletStore(Store):
    # ----------------------------------------------------------------- outlets
    def upsert_outlets(self, outlets: Iterable[Outlet], *, update_existing: bool = False) -> int:
        """Insert outlets (and their feeds) that are new; returns how many were added.
        Existing outlets keep the reader's choices (enabled) unless `update_existing`."""
        added = 0
        with self.session() as s:
            existing = {row.slug: row for row in s.scalars(select(OutletRow))}
            known_feeds = set(s.scalars(select(FeedRow.url)))
            for outlet in outlets:
                row = existing.get(outlet.slug)
                if row is None:
                    row = OutletRow(
                        slug=outlet.slug,
                        name=outlet.name,
                        homepage=outlet.homepage,
                        country=outlet.country,
                        domains=sorted(outlet.domains),
                        lean=outlet.lean.value,
                        lean_source=outlet.lean_source,
                        enabled=outlet.enabled,
                        created_at=utcnow(),
                    )
                    s.add(row)
                    s.flush()
                    existing[outlet.slug] = row
                    added += 1
                elif update_existing:
                    row.name, row.homepage, row.country = (
                        outlet.name,
                        outlet.homepage,
                        outlet.country,
                    )
                    row.lean, row.lean_source = outlet.lean.value, outlet.lean_source
                    row.domains = sorted(set(row.domains) | set(outlet.domains))
                for url in outlet.feeds:
                    if url not in known_feeds:
                        s.add(FeedRow(outlet_id=row.id, url=url, enabled=True))
                        known_feeds.add(url)
        return added

    def list_outlets(self) -> list[Outlet]:
        with self.session() as s:
            rows = s.scalars(select(OutletRow).order_by(OutletRow.name)).all()
            feeds = feeds_by_outlet(s)
            return [outlet_from_row(row, feeds.get(row.id, [])) for row in rows]

    def get_outlet(self, slug: str) -> Outlet:
        if "\x00" in slug or len(slug) > 80:  # no slug (String(80)); PostgreSQL refuses NUL
            raise NotFound(f"no outlet {slug[:80]!r}")
        with self.session() as s:
            row = s.scalar(select(OutletRow).where(OutletRow.slug == slug))
            if row is None:
                raise NotFound(f"no outlet {slug!r}")
            feeds = feeds_by_outlet(s).get(row.id, [])
            return outlet_from_row(row, feeds)

    def set_outlet_enabled(self, slug: str, enabled: bool) -> None:
        with self.session() as s:
            result = s.execute(
                update(OutletRow).where(OutletRow.slug == slug).values(enabled=enabled)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                raise NotFound(f"no outlet {slug!r}")

    def outlet_index(self) -> dict[str, OutletRef]:
        """Map slug, lower-cased name and every domain to the outlet."""
        index: dict[str, OutletRef] = {}
        with self.session() as s:
            for row in s.scalars(select(OutletRow)):
                for key in (row.slug, row.name.lower(), *row.domains):
                    index.setdefault(key.lower(), OutletRef(row.id, row.slug))
        return index

    # ------------------------------------------------------------------- feeds
    def feeds(self, *, due_at: datetime | None = None) -> list[FeedStatus]:
        """All feeds, or only the enabled feeds of enabled outlets due at `due_at`."""
        with self.session() as s:
            query = select(FeedRow, OutletRow.slug).join(OutletRow).order_by(FeedRow.id)
            if due_at is not None:
                query = query.where(
                    FeedRow.enabled,
                    OutletRow.enabled,
                    or_(FeedRow.next_fetch_at.is_(None), FeedRow.next_fetch_at <= due_at),
                )
            return [feed_status(row, slug) for row, slug in s.execute(query)]

    def record_feed_result(
        self,
        feed_id: int,
        *,
        status: int | None,
        error: str | None,
        next_fetch_at: datetime,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> None:
        with self.session() as s:
            row = s.get(FeedRow, feed_id)
            if row is None:
                raise NotFound(f"no feed {feed_id}")
            row.last_fetched_at = utcnow()
            row.last_status = status
            row.next_fetch_at = next_fetch_at
            if error:
                row.last_error = error[:2000]
                row.error_count += 1
            else:
                row.last_error = None
                row.error_count = 0
                if etag is not None:
                    row.etag = etag
                if last_modified is not None:
                    row.last_modified = last_modified
