"""story topics and related stories

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "story_topics",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=40), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("story_id", "topic"),
    )
    op.create_index("ix_story_topics_topic", "story_topics", ["topic", "story_id"])
    op.create_table(
        "story_related",
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("related_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["related_id"], ["stories.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("story_id", "related_id"),
    )
    # Stories synthesized before this revision keep their topics (the dataset's own names)
    # in stories.topics; index them as they are. Re-synthesis replaces them with reader
    # topics, and related stories appear as stories are synthesized.
    bind = op.get_bind()
    rows = bind.execute(sa.text("SELECT id, topics FROM stories WHERE topics IS NOT NULL"))
    values: list[dict[str, Any]] = []
    for story_id, topics in rows:
        names = json.loads(topics) if isinstance(topics, str) else topics
        for rank, name in enumerate(dict.fromkeys(str(n)[:40] for n in names or [])):
            values.append({"story_id": story_id, "topic": name, "rank": rank})
    if values:
        op.bulk_insert(
            sa.table(
                "story_topics",
                sa.column("story_id", sa.Integer()),
                sa.column("topic", sa.String()),
                sa.column("rank", sa.Integer()),
            ),
            values,
        )


def downgrade() -> None:
    op.drop_table("story_related")
    op.drop_index("ix_story_topics_topic", table_name="story_topics")
    op.drop_table("story_topics")
