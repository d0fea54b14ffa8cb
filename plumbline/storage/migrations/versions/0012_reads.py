"""reads: a signed-in reader's reading history (stories read, articles opened), kept only
with their consent for "Your news diet"

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reader_id", sa.Integer(), sa.ForeignKey("readers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "story_id", sa.Integer(), sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column(
            "article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reader_id", "story_id"),
        sa.UniqueConstraint("reader_id", "article_id"),
    )  # fmt: skip
    op.create_index("ix_reads_reader_at", "reads", ["reader_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_reads_reader_at", table_name="reads")
    op.drop_table("reads")
