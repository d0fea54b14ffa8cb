"""Full-text search over stories: SQLite FTS5 (the `stories_fts` table, created by
migration 0005). The index holds each story's headline, its synthesized text and its
topics; a story's row is replaced when it is synthesized and removed when it is merged.

Reader input never reaches FTS5 syntax: each word becomes a quoted term and all terms must
match, after Porter stemming ("rulings" finds "ruled"), ranked by BM25 with the headline
weighing most."""

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
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"search for at most {MAX_QUERY_CHARS} characters")
    terms = [t.replace('"', "") for t in _TERM.findall(query)][:MAX_TERMS]
    if not terms:
        raise InvalidInput("type a word to search for")
    return " ".join(f'"{t}"' for t in terms)


def synthesis_text(synthesis: dict[str, Any] | None) -> str:
    """The searchable text of a stored synthesis: lead and section sentences."""
    if not synthesis:
        return ""
    sentences = [s.get("text", "") for s in synthesis.get("lead", [])]
    for section in synthesis.get("sections", []):
        sentences.append(section.get("title", ""))
        sentences += [s.get("text", "") for s in section.get("sentences", [])]
    return " ".join(sentences)


def index_story(s: Session, story_id: int, headline: str, body: str, topics: Iterable[str]) -> None:
    """Replace the story's search row (inside the caller's transaction)."""
    if s.get_bind().dialect.name != "sqlite":
        return  # PostgreSQL full-text search is computed from the stories table itself
    s.execute(text("DELETE FROM stories_fts WHERE rowid = :id"), {"id": story_id})
    s.execute(
        text(
            "INSERT INTO stories_fts (rowid, headline, body, topics) "
            "VALUES (:id, :headline, :body, :topics)"
        ),
        {"id": story_id, "headline": headline, "body": body, "topics": " ".join(topics)},
    )


def unindex_story(s: Session, story_id: int) -> None:
    if s.get_bind().dialect.name == "sqlite":
        s.execute(text("DELETE FROM stories_fts WHERE rowid = :id"), {"id": story_id})


class SearchStore(Store):
    def search_stories(
        self, query: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[StorySummary], int]:
        """Stories matching every word of `query`, best first, and the number of matches."""
        if limit < 1 or limit > 100 or offset < 0 or offset > 10_000:
            raise InvalidInput("limit must be 1-100 and offset 0-10000")
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
            rows = {row.id: row for row in s.scalars(select(StoryRow).where(StoryRow.id.in_(ids)))}
            found = [
                story_summary(rows[i])
                for i in ids
                if i in rows and rows[i].merged_into_id is None and rows[i].synthesis is not None
            ]
        return found, total
