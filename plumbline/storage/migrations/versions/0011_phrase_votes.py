"""phrase_votes: readers' answers to "Is this loaded?" about highlighted phrases

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "phrase_votes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "reader_id", sa.Integer(), sa.ForeignKey("readers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "article_id", sa.Integer(), sa.ForeignKey("articles.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("phrase", sa.String(120), nullable=False),
        sa.Column("loaded", sa.Boolean(), nullable=False),
        sa.Column("weight", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("reader_id", "article_id", "phrase"),
    )  # fmt: skip
    op.create_index("ix_phrase_votes_article_phrase", "phrase_votes", ["article_id", "phrase"])


def downgrade() -> None:
    op.drop_index("ix_phrase_votes_article_phrase", table_name="phrase_votes")
    op.drop_table("phrase_votes")
