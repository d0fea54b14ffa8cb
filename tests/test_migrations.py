"""The migrations build exactly the tables the ORM declares, and undo cleanly."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

import plumbline.storage.repository  # noqa: F401  (registers every table)
from plumbline.storage.engine import alembic_config, make_engine, migrate
from plumbline.storage.schema import Base


def test_migrated_schema_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": False,
                # the full-text index is an FTS5 virtual table, outside the ORM's models
                "include_name": lambda name, kind, _parent: (
                    not (kind == "table" and str(name).startswith("stories_fts"))
                ),
            },
        )
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
    engine.dispose()


def test_migrations_downgrade_to_nothing_and_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite'}")
    migrate(engine)
    config = alembic_config(engine)
    command.downgrade(config, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert "readers" in inspect(engine).get_table_names()
    engine.dispose()
