"""Full-text search over stories, with each engine's own full-text search.

- SQLite: FTS5 (the `stories_fts` table, migration 0005), Porter stemming, ranked by BM25
  with the headline weighing most.
- PostgreSQL: `stories.search_doc`, a tsvector with the headline weighted A, the topics B
  and the synthesized text C (migration 0006, GIN index), English stemming, ranked by
  `ts_rank_cd`.

The search text holds each story's headline, its synthesized text and its topics; it is
replaced when the story is synthesized and removed when the story is merged. Reader input
never reaches either engine's query syntax: each word becomes a plain term and all terms
must match ("rulings" finds "ruled")."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from plumbline.errors import InvalidInput
from plumbline.models import StorySummary
from plumbline.storage.base import Store
from plumbline.storage.convert import story_summary
from plumbline.storage.schema import StoryRow

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
_TERM = re.compile(r"\w[\w'’-]*", re.UNICODE)


def fts_query(query: str) -> str:
    """A safe FTS5 MATCH expression for a reader's query; InvalidInput when it has no
    words."""
    return " ".join(f'"{t}"' for t in search_terms(query))


def synthesis_text(synthesis: dict[str, Any] | None) -> str:
    """The searchable text of a stored synthesis: lead and section sentences."""
    if not synthesis:
        return ""
    sentences = [s.get("text", "") for s in synthesis.get("lead", [])]
    for section in synthesis.get("sections", []):
        sentences.append(section.get("title", ""))
        sentences += [s.get("text", "") for s in section.get("sentences", [])]
    return " ".join(sentences)


def search_terms(query: str) -> list[str]:
    """The words of a reader's query (at most MAX_TERMS); InvalidInput when it has none."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"search for at most {MAX_QUERY_CHARS} characters")
    terms = [t.replace('"', "") for t in _TERM.findall(query)][:MAX_TERMS]
    if not terms:
        raise InvalidInput("type a word to search for")
    return terms


def index_story(s: Session, story_id: int, headline: str, body: str, topics: Iterable[str]) -> None:
    """Replace the story's search text (inside the caller's transaction)."""
    if s.get_bind().dialect.name == "postgresql":
        s.execute(
            text(
                "UPDATE stories SET search_doc = "
                "setweight(to_tsvector('english', :headline), 'A') || "
                "setweight(to_tsvector('english', :topics), 'B') || "
                "setweight(to_tsvector('english', :body), 'C') WHERE id = :id"
            ),
            {"id": story_id, "headline": headline, "body": body, "topics": " ".join(topics)},
        )
        return
    s.execute(text("DELETE FROM stories_fts WHERE rowid = :id"), {"id": story_id})
    s.execute(
        text(
            "INSERT INTO stories_fts (rowid, headline, body, topics) "
            "VALUES (:id, :headline, :body, :topics)"
        ),
        {"id": story_id, "headline": headline, "body": body, "topics": " ".join(topics)},
    )


def unindex_story(s: Session, story_id: int) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("UPDATE stories SET search_doc = NULL WHERE id = :id"), {"id": story_id})
    elif s.get_bind().dialect.name == "sqlite":
        s.execute(text("DELETE FROM stories_fts WHERE rowid = :id"), {"id": story_id})


class SqlSearchStore(Store):
    def search_stories(
        self, query: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[StorySummary], int]:
        """Stories matching every word of `query`, best first, and the number of matches."""
        if limit < 1 or limit > 100 or offset < 0 or offset > 10_000:
            raise InvalidInput("limit must be 1-100 and offset 0-10000")
        if self.engine.dialect.name == "postgresql":
            return self._search_postgresql(query, limit, offset)
        match = fts_query(query)
        with self.session() as s:
            ids = [
                row[0]
                for row in s.execute(
                    text(
                        "SELECT rowid FROM stories_fts WHERE stories_fts MATCH :q "
                        "ORDER BY bm25(stories_fts, 4.0, 1.0, 2.0) LIMIT :limit OFFSET :offset"
                    ),
                    {"q": match, "limit": limit, "offset": offset},
                )
            ]
            total = int(
                s.execute(
                    text("SELECT count(*) FROM stories_fts WHERE stories_fts MATCH :q"),
                    {"q": match},
                ).scalar_one()
            )
            found = _summaries(s, ids)
        return found, total

    def _search_postgresql(
        self, query: str, limit: int, offset: int
    ) -> tuple[list[StorySummary], int]:
        # plainto_tsquery: the words are text, never query syntax; every word must match
        match = "plainto_tsquery('english', :q)"
        where = f"search_doc @@ {match} AND merged_into_id IS NULL AND synthesis IS NOT NULL"
        values = {"q": " ".join(search_terms(query)), "limit": limit, "offset": offset}
        with self.session() as s:
            ids = [
                row[0]
                for row in s.execute(
                    text(
                        f"SELECT id FROM stories WHERE {where} "
                        f"ORDER BY ts_rank_cd(search_doc, {match}) DESC, id DESC "
                        "LIMIT :limit OFFSET :offset"
                    ),
                    values,
                )
            ]
            total = int(
                s.execute(text(f"SELECT count(*) FROM stories WHERE {where}"), values).scalar_one()
            )
            found = _summaries(s, ids)
        return found, total


def _summaries(s: Session, ids: list[int]) -> list[StorySummary]:
    """The published stories among `ids`, in that order."""
    rows = {row.id: row for row in s.scalars(select(StoryRow).where(StoryRow.id.in_(ids)))}
    return [
        story_summary(rows[i])
        for i in ids
        if i in rows and rows[i].merged_into_id is None and rows[i].synthesis is not None
    ]
