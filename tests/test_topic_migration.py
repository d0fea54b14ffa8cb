"""Migration 0003 indexes the topics of stories synthesized before it."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from sqlalchemy import text

from plumbline.storage.engine import alembic_config, make_engine, migrate


def test_existing_story_topics_are_indexed(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    command.upgrade(alembic_config(engine), "0002")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO stories (id, slug, headline, lead, created_at, updated_at, "
                "n_articles, n_outlets, lean_left, lean_center, lean_right, lean_unrated, "
                "centroid, dirty, topics) VALUES (7, '7-x', 'x', '', '2024-01-01', '2024-01-01', "
                "1, 1, 0, 0, 0, 1, x'00', 0, :topics)"
            ),
            {"topics": '["elections", "white_house", "elections"]'},
        )
    migrate(engine)
    with engine.begin() as connection:
        rows = connection.execute(
            text("SELECT topic, rank FROM story_topics WHERE story_id = 7 ORDER BY rank")
        ).all()
    assert [tuple(r) for r in rows] == [("elections", 0), ("white_house", 1)]
    command.downgrade(alembic_config(engine), "0002")  # and back
    engine.dispose()
