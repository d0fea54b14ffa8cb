"""Story centroids in pgvector (PostgreSQL only).

On PostgreSQL every story's centroid is also kept in `stories.centroid_vec` (a pgvector
`vector(384)`, migration 0006), under an HNSW index with cosine distance over the stories
that were not merged away. :class:`PgVectorIndex` is the clusterer's
:class:`~plumbline.analysis.story_index.StoryIndex` there: a search asks PostgreSQL for the
nearest stored centroids and adds what this process changed but has not stored yet (the
stories a batch started or moved), so decisions match an exact scan's while the database
does the scanning, and several workers see each other's stories.

The column is written by a session hook: whenever a flush inserts or changes a story's
`centroid`, the same transaction copies it to `centroid_vec`, so no code path can forget.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from pgvector.sqlalchemy import VECTOR  # also teaches SQLAlchemy the `vector` column type
from sqlalchemy import Engine, TextClause, bindparam, event, inspect, text
from sqlalchemy.orm import Session

from plumbline.analysis.embed import DIMENSIONS
from plumbline.analysis.story_index import ExactIndex, Vector

__all__ = ["DIMENSIONS", "PgVectorIndex", "install_centroid_hook", "with_vector"]


def with_vector(statement: str) -> TextClause:
    """`statement` with its `:v` parameter bound as a pgvector vector (numpy in)."""
    return text(statement).bindparams(bindparam("v", type_=VECTOR(DIMENSIONS)))


def _copy_centroids(session: Session, _context: Any) -> None:
    """after_flush: copy changed story centroids into `centroid_vec` (PostgreSQL)."""
    from plumbline.storage.schema import StoryRow

    if session.get_bind().dialect.name != "postgresql":
        return
    changed = [
        row
        for row in (*session.new, *session.dirty)
        if isinstance(row, StoryRow) and inspect(row).attrs.centroid.history.has_changes()
    ]
    for row in changed:
        vector = np.frombuffer(row.centroid, dtype="<f4")
        session.execute(
            with_vector("UPDATE stories SET centroid_vec = :v WHERE id = :id"),
            {"v": vector if len(vector) == DIMENSIONS else None, "id": row.id},
        )


def install_centroid_hook() -> None:
    """Register the session hook once (idempotent)."""
    if not event.contains(Session, "after_flush", _copy_centroids):
        event.listen(Session, "after_flush", _copy_centroids)


class PgVectorIndex:
    """Nearest open stories by pgvector's HNSW index, plus a local overlay.

    The overlay holds the centroids this process has upserted since its last
    :meth:`stored` call: provisional stories of the running batch and stored stories whose
    centroid moved. Keys follow the clusterer's scheme (even: stored story ``key // 2``;
    odd: provisional). `since` limits the search to stories whose latest dated article is
    that recent (undated stories always qualify)."""

    def __init__(self, engine: Engine, ndim: int = DIMENSIONS, *, ef_search: int = 100) -> None:
        if ndim != DIMENSIONS:
            raise ValueError(f"pgvector column holds {DIMENSIONS}-d vectors, not {ndim}-d")
        self.engine = engine
        self.ndim = ndim
        self.ef_search = ef_search
        self.since: datetime | None = None
        self._overlay = ExactIndex(ndim)

    def only_since(self, since: datetime) -> None:
        self.since = since

    def upsert(self, key: int, vector: Vector) -> None:
        self._overlay.upsert(key, vector)

    def remove(self, key: int) -> None:
        """Drop the local copy; a stored story stays findable until it is merged away
        (the clusterer skips stories it no longer holds open)."""
        self._overlay.remove(key)

    def stored(self) -> None:
        """Everything upserted so far is in the database now: drop the overlay."""
        self._overlay.clear()

    def search(self, vector: Vector, k: int) -> list[tuple[int, float]]:
        if k <= 0:
            return []
        found = dict(self._overlay.search(vector, k))
        query = (
            "SELECT id, 1 - (centroid_vec <=> :v) FROM stories "
            "WHERE merged_into_id IS NULL AND centroid_vec IS NOT NULL"
        )
        values: dict[str, Any] = {"v": vector, "k": k}
        if self.since is not None:
            query += " AND (last_published_at IS NULL OR last_published_at >= :since)"
            values["since"] = self.since
        query += " ORDER BY centroid_vec <=> :v LIMIT :k"
        with self.engine.begin() as connection:
            connection.execute(text(f"SET LOCAL hnsw.ef_search = {int(self.ef_search)}"))
            connection.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            for story_id, similarity in connection.execute(with_vector(query), values):
                key = 2 * int(story_id)
                if key not in found:
                    found[key] = float(similarity)
        return sorted(found.items(), key=lambda pair: -pair[1])[:k]

    def clear(self) -> None:
        self._overlay.clear()

    def __len__(self) -> int:
        with self.engine.connect() as connection:
            stored = connection.execute(
                text("SELECT count(*) FROM stories WHERE merged_into_id IS NULL")
            ).scalar_one()
        return int(stored) + len(self._overlay)

    def __contains__(self, key: object) -> bool:
        return key in self._overlay
