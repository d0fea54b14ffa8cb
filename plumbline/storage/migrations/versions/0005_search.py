"""full-text search over stories (SQLite FTS5; PostgreSQL searches the stories table)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE stories_fts USING fts5("
        "headline, body, topics, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    # existing stories: headline and lead now; the next synthesis adds the full text
    op.execute(
        "INSERT INTO stories_fts (rowid, headline, body, topics) "
        "SELECT id, headline, lead, '' FROM stories "
        "WHERE merged_into_id IS NULL AND synthesis IS NOT NULL"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE stories_fts")
