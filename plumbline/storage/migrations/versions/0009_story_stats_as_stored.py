"""a story's stored statistics are its StoryStats as a whole (read and written by
storage/codec.py through pydantic): the counts and lean mix kept in columns are added to
them, and each tone's "by_side" becomes a list of objects that name their side (it was an
object keyed by side)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 500
COLUMNS = ("n_articles", "n_outlets", "lean_left", "lean_center", "lean_right", "lean_unrated")
Json = dict[str, Any]


def upgrade() -> None:
    _rewrite(upgrade=True)


def downgrade() -> None:
    _rewrite(upgrade=False)


def _rewrite(*, upgrade: bool) -> None:
    stories = sa.table(
        "stories",
        sa.column("id", sa.Integer),
        sa.column("stats", sa.JSON),
        *(sa.column(name, sa.Integer) for name in COLUMNS),
    )
    connection = op.get_bind()
    last = 0
    while True:
        batch = connection.execute(
            sa.select(stories)
            .where(stories.c.id > last, stories.c.stats.is_not(None))
            .order_by(stories.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        for row in batch:
            if isinstance(row.stats, dict):
                value = _up(row.stats, row) if upgrade else _down(row.stats)
                connection.execute(
                    sa.update(stories).where(stories.c.id == row.id).values(stats=value)
                )
        last = batch[-1].id


def _up(stats: Json, row: Any) -> Json:
    tones = [
        {
            **tone,
            "by_side": [{"side": side, **view} for side, view in tone["by_side"].items()]
            if isinstance(tone.get("by_side"), dict)
            else tone.get("by_side", []),
        }
        for tone in stats.get("tones", [])
    ]
    return {
        "coverage_score": None,
        "interval": None,
        "n_scored_outlets": 0,
        "scored_words": 0,
        "blindspot": None,
        "low_confidence": True,
        "low_confidence_reasons": [],
        **stats,
        "n_articles": row.n_articles,
        "n_outlets": row.n_outlets,
        "lean_mix": {
            "left": row.lean_left,
            "center": row.lean_center,
            "right": row.lean_right,
            "unrated": row.lean_unrated,
        },
        "tones": tones,
    }


def _down(stats: Json) -> Json:
    tones = [
        {
            **tone,
            "by_side": {
                view["side"]: {k: v for k, v in view.items() if k != "side"}
                for view in tone.get("by_side", [])
            },
        }
        for tone in stats.get("tones", [])
    ]
    kept = {k: v for k, v in stats.items() if k not in ("n_articles", "n_outlets", "lean_mix")}
    return {**kept, "tones": tones}
