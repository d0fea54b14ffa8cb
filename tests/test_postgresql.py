"""The PostgreSQL back end's own parts: pgvector centroids and their HNSW search, the
migration that adds them, and PostgreSQL full-text search with hostile queries. The rest
of the suite runs against PostgreSQL too (PLUMBLINE_TEST_BACKEND=postgresql)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from alembic import command
from sklearn.metrics import adjusted_rand_score
from sqlalchemy import text

from plumbline.analysis.embed import Embedder
from plumbline.analysis.story_index import ExactIndex
from plumbline.core import Plumbline
from plumbline.errors import ConfigurationError, InvalidInput
from plumbline.settings import Settings
from plumbline.storage import codec
from plumbline.storage.engine import alembic_config, make_engine, migrate
from plumbline.storage.vectors import PgVectorIndex
from tests.plumbline_fixtures import (
    database_url,
    demo_lines,
    empty_database_url,
    jsonl,
    postgresql_only,
)

pytestmark = postgresql_only


def _clustered(tmp_path: Path, embedder: Embedder, index: str) -> Plumbline:
    settings = Settings(
        data_dir=tmp_path / index,
        database_url=database_url(),
        default_outlets=False,
        cluster_index=index,  # type: ignore[arg-type]
        pipeline_batch_size=16,
    )
    core = Plumbline(settings, embedder=embedder)
    core.init()
    core.import_articles(jsonl(demo_lines(("2020-06-01", "2020-06-02"))))
    core.process(synthesize=False)
    return core


def _partition(core: Plumbline) -> dict[str, int]:
    with core.engine.connect() as connection:
        rows = connection.execute(
            text("SELECT external_id, story_id FROM articles WHERE story_id IS NOT NULL")
        ).all()
    return {str(external): int(story) for external, story in rows}


def test_pgvector_clustering_matches_the_exact_scan(tmp_path: Path, embedder: Embedder) -> None:
    exact = _clustered(tmp_path, embedder, "exact")
    pgvector = _clustered(tmp_path, embedder, "pgvector")
    try:
        a, b = _partition(exact), _partition(pgvector)
        assert a.keys() == b.keys() and len(a) >= 40
        keys = sorted(a)
        assert adjusted_rand_score([a[k] for k in keys], [b[k] for k in keys]) > 0.99

        # every open story's pgvector copy is its centroid, and the HNSW search agrees with
        # an exact scan over the same centroids
        with pgvector.engine.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT id, centroid, centroid_vec::text FROM stories "
                    "WHERE merged_into_id IS NULL"
                )
            ).all()
        exact_index = ExactIndex(384)
        for story_id, centroid, copy in rows:
            vector = codec.vector(centroid)
            assert np.allclose(vector, np.array(copy.strip("[]").split(","), float), atol=1e-6)
            exact_index.upsert(2 * story_id, vector)
        index = PgVectorIndex(pgvector.engine)
        for _, centroid, _ in rows[:25]:
            probe = codec.vector(centroid)
            want = [key for key, _ in exact_index.search(probe, 5)]
            got = [key for key, _ in index.search(probe, 5)]
            assert got == want
    finally:
        exact.close()
        pgvector.close()


def test_the_index_sees_unstored_stories_until_they_are_stored(core: Plumbline) -> None:
    index = PgVectorIndex(core.engine)
    vector = np.zeros(384, np.float32)
    vector[0] = 1.0
    assert index.search(vector, 3) == []
    index.upsert(7, vector)  # a provisional story of the running batch
    assert index.search(vector, 3) == [(7, pytest.approx(1.0))]
    index.stored()
    assert index.search(vector, 3) == []
    with pytest.raises(ValueError):
        PgVectorIndex(core.engine, 16)


def test_pgvector_index_needs_postgresql(tmp_path: Path, embedder: Embedder) -> None:
    settings = Settings(data_dir=tmp_path, cluster_index="pgvector", default_outlets=False)
    core = Plumbline(settings, embedder=embedder)
    core.init()
    try:
        with pytest.raises(ConfigurationError, match="PostgreSQL"):
            core.process()
    finally:
        core.close()


def test_migration_0006_fills_in_existing_stories(tmp_path: Path) -> None:
    engine = make_engine(empty_database_url(tmp_path))
    command.upgrade(alembic_config(engine), "0005")
    centroid = np.zeros(384, np.float32)
    centroid[3] = 1.0
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO stories (id, slug, headline, lead, created_at, updated_at, "
                "n_articles, n_outlets, lean_left, lean_center, lean_right, lean_unrated, "
                "centroid, dirty, topics, synthesis) VALUES (7, '7-x', 'Volcano erupts', "
                "'Lava reached the town.', now(), now(), 1, 1, 0, 0, 0, 1, :c, false, '[]', "
                "'{}')"
            ),
            {"c": codec.vector_bytes(centroid)},
        )
    migrate(engine)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT centroid_vec::text, search_doc @@ plainto_tsquery('english', 'lava') "
                "FROM stories WHERE id = 7"
            )
        ).one()
    assert row[0].startswith("[0,0,0,1") and row[1] is True
    command.downgrade(alembic_config(engine), "0005")
    with engine.connect() as connection:
        columns = connection.execute(
            text("SELECT column_name FROM information_schema.columns WHERE table_name='stories'")
        ).scalars()
        assert not {"centroid_vec", "search_doc"} & set(columns)
    engine.dispose()


@pytest.mark.parametrize(
    "query",
    ["court & !abortion", "a | b", "x:* ", "'; DROP TABLE stories; --", "<-> court", "the of"],
)
def test_hostile_queries_are_plain_words(demo_core: Plumbline, query: str) -> None:
    found, total = demo_core.stores.search.search_stories(query)
    assert total >= len(found) >= 0
    assert demo_core.stores.search.search_stories("police")[1] > 0  # the table is still there
    with pytest.raises(InvalidInput):
        demo_core.stores.search.search_stories("(((")


def test_stories_out_of_reach_leave_the_vector_index(core: Plumbline) -> None:
    core.import_articles(jsonl(demo_lines(("2020-05-04", "2020-05-15"))))
    core.process(synthesize=False)  # the cluster stage closes what is out of reach
    with core.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT last_published_at::date, centroid_vec IS NULL FROM stories "
                "WHERE merged_into_id IS NULL"
            )
        ).all()
    early = [closed for day, closed in rows if str(day) <= "2020-05-05"]
    late = [closed for day, closed in rows if str(day) >= "2020-05-14"]
    assert early and all(early) and late and not any(late)
    assert core.stores.stories.close_story_vectors(timedelta(days=1)) == 0  # nothing left to close
