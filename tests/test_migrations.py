"""The migrations build exactly the tables the ORM declares, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import plumbline.storage.sql  # noqa: F401  (registers every table)
from plumbline.storage.engine import alembic_config, make_engine, migrate
from plumbline.storage.schema import Base
from tests.plumbline_fixtures import empty_database_url

# outside the ORM's models: SQLite's FTS5 table; PostgreSQL's pgvector and tsvector columns
# of stories and their indexes (migrations 0005 and 0006)
ENGINE_SPECIFIC = {"centroid_vec", "search_doc", "ix_stories_centroid_hnsw", "ix_stories_search"}


def _modelled(name: object, kind: str, _parent: object) -> bool:
    if kind == "table" and str(name).startswith("stories_fts"):
        return False
    return str(name) not in ENGINE_SPECIFIC


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(empty_database_url(tmp_path))
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": False,
                "include_name": _modelled,
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    engine.dispose()


def test_migrations_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    engine = make_engine(empty_database_url(tmp_path))
    migrate(engine)
    config = alembic_config(engine)
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "readers" in inspect(engine).get_table_names()
    engine.dispose()
