"""readers: saved stories, sign-in links, newsletter subscribers and digests, consent
records, page views

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "readers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=True, unique=True),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("last_seen_at", TIME, nullable=False),
    )
    op.create_table(
        "bookmarks",
        sa.Column(
            "reader_id",
            sa.Integer(),
            sa.ForeignKey("readers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_bookmarks_reader_created", "bookmarks", ["reader_id", "created_at"])
    op.create_table(
        "sign_in_tokens",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column(
            "reader_id",
            sa.Integer(),
            sa.ForeignKey("readers.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("expires_at", TIME, nullable=False),
        sa.Column("used_at", TIME, nullable=True),
    )
    op.create_table(
        "subscribers",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False, unique=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("frequency", sa.String(8), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("confirmation_sent_at", TIME, nullable=True),
        sa.Column("confirmations_sent", sa.Integer(), nullable=False),
        sa.Column("confirmed_at", TIME, nullable=True),
        sa.Column("unsubscribed_at", TIME, nullable=True),
    )
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "subscriber_id",
            sa.Integer(),
            sa.ForeignKey("subscribers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("period", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("stories", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("sent_at", TIME, nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("subscriber_id", "period"),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("consent_id", sa.String(64), nullable=False),
        sa.Column("policy_version", sa.String(16), nullable=False),
        sa.Column("preferences", sa.Boolean(), nullable=False),
        sa.Column("analytics", sa.Boolean(), nullable=False),
        sa.Column("choice", sa.JSON(), nullable=False),
        sa.Column("created_at", TIME, nullable=False),
    )
    op.create_index("ix_consents_consent_id", "consents", ["consent_id"])
    op.create_table(
        "page_views",
        sa.Column(
            "story_id",
            sa.Integer(),
            sa.ForeignKey("stories.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("views", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    for table in ("page_views", "consents", "digests", "subscribers", "sign_in_tokens"):
        op.drop_table(table)
    op.drop_index("ix_bookmarks_reader_created", "bookmarks")
    op.drop_table("bookmarks")
    op.drop_table("readers")
