"""Full-text search: reader input never reaches FTS5 syntax; matches rank and update."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plumbline.errors import InvalidInput
from plumbline.storage import codec
from plumbline.storage.base import utcnow
from plumbline.storage.engine import make_engine, migrate
from plumbline.storage.repository import Repository
from plumbline.storage.schema import StoryRow
from plumbline.storage.search import fts_query
from tests.plumbline_fixtures import database_url


def test_queries_become_quoted_terms() -> None:
    assert fts_query("supreme court") == '"supreme" "court"'
    assert fts_query('NEAR(a b) OR "x" -y *') == '"NEAR" "a" "b" "OR" "x" "y"'
    assert fts_query("l'économie") == '"l\'économie"'
    for bad in ("", "   ", "*** ()", "x" * 201):
        with pytest.raises(InvalidInput):
            fts_query(bad)


@pytest.fixture
def repo(tmp_path: Path) -> Repository:
    engine = make_engine(database_url() or f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    return Repository(engine)


def _story(repo: Repository, headline: str, body: str, topics: list[str]) -> int:
    now = utcnow()
    with repo.session() as s:
        row = StoryRow(slug=f"s-{headline[:10]}", headline=headline, created_at=now,
                       updated_at=now, centroid=codec.vector_bytes(np.ones(4, np.float32)))  # fmt: skip
        s.add(row)
        s.flush()
        story_id = row.id
    synthesis = {"lead": [{"text": body}], "sections": []}
    repo.save_synthesis(story_id, headline=headline, lead=body, synthesis=synthesis,
                        bias_score=20.0, topics=topics)  # fmt: skip
    return story_id


def test_search_finds_ranks_and_follows_updates(repo: Repository) -> None:
    court = _story(
        repo, "Supreme Court rules on abortion pill", "The justices ruled.", ["abortion"]
    )
    climate = _story(repo, "Climate summit ends", "Delegates agreed on coal and the court.", [])
    found, total = repo.search_stories("court")
    assert total == 2 and [s.id for s in found] == [court, climate]  # headline weighs more
    assert [s.id for s in repo.search_stories("abortion")[0]] == [court]
    assert [s.id for s in repo.search_stories("delegate")[0]] == [climate]  # stemmed
    assert repo.search_stories("rules court")[1] == 1  # every word must match
    repo.save_synthesis(climate, headline="Climate summit ends", lead="Nothing else.",
                        synthesis={"lead": [{"text": "Nothing else."}], "sections": []},
                        bias_score=None, topics=[])  # fmt: skip
    assert repo.search_stories("delegates")[1] == 0
    assert repo.search_stories("zzzz")[0] == []
    with pytest.raises(InvalidInput):
        repo.search_stories("court", limit=0)
