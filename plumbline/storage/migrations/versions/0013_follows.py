"""follows and follow_alerts: stories and topics followed by email or private Atom feed,
and the daily alerts about them

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "follows",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column(
            "reader_id", sa.Integer(), sa.ForeignKey("readers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column(
            "story_id", sa.Integer(), sa.ForeignKey("stories.id", ondelete="CASCADE"),
            nullable=True,
        ),
        sa.Column("topic", sa.String(40), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("feed_token_hash", sa.String(64), nullable=True, unique=True),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmation_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmations_sent", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=True),
    )  # fmt: skip
    op.create_index("ix_follows_email", "follows", ["email"])
    op.create_index("ix_follows_reader", "follows", ["reader_id"])
    op.create_table(
        "follow_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "follow_id", sa.Integer(), sa.ForeignKey("follows.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changes", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )  # fmt: skip
    op.create_index("ix_follow_alerts_follow_created", "follow_alerts", ["follow_id", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_follow_alerts_follow_created", table_name="follow_alerts")
    op.drop_table("follow_alerts")
    op.drop_index("ix_follows_reader", table_name="follows")
    op.drop_index("ix_follows_email", table_name="follows")
    op.drop_table("follows")
