"""Full-text search: reader input never reaches FTS5 syntax; matches rank and update."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plumbline.errors import InvalidInput
from plumbline.models import Synthesis, SynthSentence
from plumbline.storage import codec
from plumbline.storage.base import utcnow
from plumbline.storage.engine import make_engine, migrate
from plumbline.storage.protocols import Stores
from plumbline.storage.schema import StoryRow
from plumbline.storage.search import fts_query
from plumbline.storage.sql import open_stores
from tests.plumbline_fixtures import database_url


def test_queries_become_quoted_terms() -> None:
    assert fts_query("supreme court") == '"supreme" "court"'
    assert fts_query('NEAR(a b) OR "x" -y *') == '"NEAR" "a" "b" "OR" "x" "y"'
    assert fts_query("l'économie") == '"l\'économie"'
    for bad in ("", "   ", "*** ()", "x" * 201):
        with pytest.raises(InvalidInput):
            fts_query(bad)


@pytest.fixture
def stores(tmp_path: Path) -> Stores:
    engine = make_engine(database_url() or f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    return open_stores(engine)


def _synthesis(headline: str, lead: str) -> Synthesis:
    return Synthesis(headline, None, [SynthSentence(lead, [])], [], None)


def _story(stores: Stores, headline: str, body: str, topics: list[str]) -> int:
    now = utcnow()
    with stores.articles.session() as s:  # the SQL store (the protocol has no sessions)
        row = StoryRow(slug=f"s-{headline[:10]}", headline=headline, created_at=now,
                       updated_at=now, centroid=codec.vector_bytes(np.ones(4, np.float32)))  # fmt: skip
        s.add(row)
        s.flush()
        story_id = row.id
    stores.stories.save_synthesis(
        story_id, _synthesis(headline, body), bias_score=20.0, topics=topics
    )
    return story_id


def test_search_finds_ranks_and_follows_updates(stores: Stores) -> None:
    court = _story(
        stores, "Supreme Court rules on abortion pill", "The justices ruled.", ["abortion"]
    )
    climate = _story(stores, "Climate summit ends", "Delegates agreed on coal and the court.", [])
    found, total = stores.search.search_stories("court")
    assert total == 2 and [s.id for s in found] == [court, climate]  # headline weighs more
    assert [s.id for s in stores.search.search_stories("abortion")[0]] == [court]
    assert [s.id for s in stores.search.search_stories("delegate")[0]] == [climate]  # stemmed
    assert stores.search.search_stories("rules court")[1] == 1  # every word must match
    stores.stories.save_synthesis(
        climate, _synthesis("Climate summit ends", "Nothing else."), bias_score=None, topics=[]
    )
    assert stores.search.search_stories("delegates")[1] == 0
    assert stores.search.search_stories("zzzz")[0] == []
    with pytest.raises(InvalidInput):
        stores.search.search_stories("court", limit=0)
