"""Nearest-neighbour indexes over the centroids of open stories.

The clusterer asks an index for the `k` stories whose centroids are most similar to an
article's vector, and checks only those, so the cost of placing an article does not grow
with the number of open stories. Two implementations: an exact scan (numpy; the reference,
and the right choice for a few thousand stories) and an approximate HNSW graph (usearch).
On PostgreSQL, `plumbline.storage.vectors.PgVectorIndex` implements the same protocol with
pgvector's HNSW index in the database.

Keys are non-negative integers chosen by the caller; vectors are L2-normalized float32, so
the similarity returned is the cosine.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

Vector = npt.NDArray[np.float32]
IndexKind = Literal["exact", "hnsw"]
INDEX_KINDS: tuple[IndexKind, ...] = ("exact", "hnsw")


class StoryIndex(Protocol):
    """Centroids of open stories, searchable by cosine similarity."""

    def upsert(self, key: int, vector: Vector) -> None:
        """Add `key` with `vector`, or move it there if it is already in."""

    def remove(self, key: int) -> None:
        """Take `key` out (a no-op when it is not in)."""

    def search(self, vector: Vector, k: int) -> list[tuple[int, float]]:
        """Up to `k` (key, cosine similarity) pairs, most similar first."""

    def clear(self) -> None:
        """Remove everything."""

    def stored(self) -> None:
        """The caller has written every upserted vector to the database (an index that
        searches the database drops its local copies; in-memory indexes ignore it)."""

    def only_since(self, since: datetime) -> None:
        """Search only stories whose latest dated article is at least this recent (undated
        ones always qualify). An index that searches the database uses it; in-memory
        indexes hold only the open stories the clusterer gave them and ignore it."""

    def __len__(self) -> int: ...

    def __contains__(self, key: object) -> bool: ...


class ExactIndex:
    """Every centroid in one matrix; a search is one matrix-vector product (exact)."""

    def __init__(self, ndim: int) -> None:
        self.ndim = ndim
        self._matrix = np.zeros((64, ndim), dtype=np.float32)
        self._keys: list[int] = []
        self._row: dict[int, int] = {}

    def upsert(self, key: int, vector: Vector) -> None:
        row = self._row.get(key)
        if row is None:
            row = len(self._keys)
            if row == len(self._matrix):
                grown = np.zeros((2 * len(self._matrix), self.ndim), dtype=np.float32)
                grown[:row] = self._matrix
                self._matrix = grown
            self._keys.append(key)
            self._row[key] = row
        self._matrix[row] = vector

    def remove(self, key: int) -> None:
        row = self._row.pop(key, None)
        if row is None:
            return
        last = len(self._keys) - 1
        if row != last:  # move the last row into the hole
            moved = self._keys[last]
            self._matrix[row] = self._matrix[last]
            self._keys[row] = moved
            self._row[moved] = row
        self._keys.pop()

    def search(self, vector: Vector, k: int) -> list[tuple[int, float]]:
        n = len(self._keys)
        if n == 0 or k <= 0:
            return []
        similarities = self._matrix[:n] @ vector
        top = np.argpartition(-similarities, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.argsort(-similarities[top], kind="stable")]
        return [(self._keys[int(i)], float(similarities[i])) for i in top]

    def clear(self) -> None:
        self._keys.clear()
        self._row.clear()

    def only_since(self, since: datetime) -> None:
        pass

    def stored(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._row


class HnswIndex:
    """Approximate search on a usearch HNSW graph (cosine metric, float32, one thread).

    Removed keys leave tombstones in the graph; when they outnumber the live keys the graph
    is rebuilt from the live vectors, so memory follows the number of open stories."""

    def __init__(
        self, ndim: int, *, connectivity: int = 16, expansion_add: int = 64, expansion: int = 64
    ) -> None:
        self.ndim = ndim
        self._connectivity = connectivity
        self._expansion_add = expansion_add
        self._expansion = expansion
        self._index = self._new()
        self._vectors: dict[int, Vector] = {}
        self._removed = 0

    def _new(self) -> Any:
        from usearch.index import Index

        return Index(
            ndim=self.ndim,
            metric="cos",
            dtype="f32",
            connectivity=self._connectivity,
            expansion_add=self._expansion_add,
            expansion_search=self._expansion,
        )

    def upsert(self, key: int, vector: Vector) -> None:
        if key in self._vectors:
            self._index.remove(key)
            self._removed += 1
        vector = np.ascontiguousarray(vector, dtype=np.float32)
        self._vectors[key] = vector
        self._index.add(key, vector, threads=1)
        self._maybe_rebuild()

    def remove(self, key: int) -> None:
        if self._vectors.pop(key, None) is None:
            return
        self._index.remove(key)
        self._removed += 1
        self._maybe_rebuild()

    def _maybe_rebuild(self) -> None:
        if self._removed <= max(1024, len(self._vectors)):
            return
        self._index = self._new()
        if self._vectors:
            keys = np.fromiter(self._vectors, dtype=np.uint64, count=len(self._vectors))
            self._index.add(keys, np.stack(list(self._vectors.values())), threads=1)
        self._removed = 0

    def search(self, vector: Vector, k: int) -> list[tuple[int, float]]:
        if not self._vectors or k <= 0:
            return []
        matches = self._index.search(
            np.ascontiguousarray(vector, dtype=np.float32), min(k, len(self._vectors)), threads=1
        )
        return [
            (int(key), 1.0 - float(distance))
            for key, distance in zip(matches.keys, matches.distances, strict=True)
        ]

    def clear(self) -> None:
        self._index = self._new()
        self._vectors.clear()
        self._removed = 0

    def only_since(self, since: datetime) -> None:
        pass

    def stored(self) -> None:
        pass

    def __len__(self) -> int:
        return len(self._vectors)

    def __contains__(self, key: object) -> bool:
        return key in self._vectors


def make_index(kind: IndexKind, ndim: int) -> StoryIndex:
    """The index named by the `cluster_index` setting."""
    if kind == "exact":
        return ExactIndex(ndim)
    if kind == "hnsw":
        return HnswIndex(ndim)
    raise ValueError(f"unknown story index {kind!r}; expected one of {INDEX_KINDS}")
