"""stored analyses and write-ups name their fields: the compact lists of the hand-written
converters (a sentence as [text, start, end, bias], a source as [article id, sentence,
outlet, lean, text], evidence as [kind, label, anchor, article id]) become objects with
the field names of plumbline/models.py, which storage/codec.py now reads and writes
through pydantic; a perspective's "outlet" becomes "outlet_name"

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BATCH = 500
# The shapes as this migration found them (frozen here: the models may change later).
SENTENCE = ("text", "start", "end", "bias")
PHRASE = ("text", "sentence_index", "weight")
SOURCE = ("article_id", "sentence_index", "outlet_name", "outlet_lean", "text")
EVIDENCE = ("kind", "label", "anchor", "article_id")

Json = dict[str, Any]


def upgrade() -> None:
    _rewrite("articles", "analysis", _analysis_up)
    _rewrite("stories", "synthesis", _synthesis_up)


def downgrade() -> None:
    _rewrite("articles", "analysis", _analysis_down)
    _rewrite("stories", "synthesis", _synthesis_down)


def _rewrite(table: str, column: str, change: Callable[[Json], Json]) -> None:
    """Every non-null `column` of `table` through `change`, in batches by id."""
    rows = sa.table(table, sa.column("id", sa.Integer), sa.column(column, sa.JSON))
    connection = op.get_bind()
    last = 0
    while True:
        batch = connection.execute(
            sa.select(rows.c.id, rows.c[column])
            .where(rows.c.id > last, rows.c[column].is_not(None))
            .order_by(rows.c.id)
            .limit(BATCH)
        ).all()
        if not batch:
            return
        for row_id, value in batch:
            if isinstance(value, dict):
                connection.execute(
                    sa.update(rows).where(rows.c.id == row_id).values({column: change(value)})
                )
        last = batch[-1][0]


def _named(value: Any, names: tuple[str, ...]) -> Any:
    return dict(zip(names, value, strict=True)) if isinstance(value, list) else value


def _listed(value: Any, names: tuple[str, ...]) -> Any:
    return [value.get(name) for name in names] if isinstance(value, dict) else value


def _analysis_up(data: Json) -> Json:
    return {
        **data,
        "sentences": [_named(s, SENTENCE) for s in data.get("sentences", [])],
        "loaded_phrases": [_named(p, PHRASE) for p in data.get("loaded_phrases", [])],
        "bias_score": data.get("bias_score"),
        "word_count": data.get("word_count", 0),
    }


def _analysis_down(data: Json) -> Json:
    return {
        **data,
        "sentences": [_listed(s, SENTENCE) for s in data.get("sentences", [])],
        "loaded_phrases": [_listed(p, PHRASE) for p in data.get("loaded_phrases", [])],
    }


def _sentences(data: Json, change: Callable[[Json], Json]) -> Json:
    """`data` (a write-up) with `change` applied to every sentence object in it."""
    return {
        **data,
        "lead": [change(s) for s in data.get("lead", [])],
        "sections": [
            {**section, "sentences": [change(s) for s in section.get("sentences", [])]}
            for section in data.get("sections", [])
        ],
        "omissions": [{**o, "fact": change(o["fact"])} for o in data.get("omissions", [])],
    }


def _synthesis_up(data: Json) -> Json:
    def sentence(s: Json) -> Json:
        return {**s, "sources": [_named(r, SOURCE) for r in s.get("sources", [])]}

    def evidence(item: Json) -> Json:
        return {**item, "evidence": [_named(e, EVIDENCE) for e in item.get("evidence", [])]}

    def perspective(p: Json) -> Json:
        moved = {k: v for k, v in p.items() if k != "outlet"}
        return {
            **moved,
            "outlet_name": p.get("outlet", p.get("outlet_name", "")),
            "quotes": [_named(r, SOURCE) for r in p.get("quotes", [])],
        }

    written = _sentences(data, sentence)
    return {
        **written,
        "headline_article_id": data.get("headline_article_id"),
        "bias_score": data.get("bias_score"),
        "assessment": [evidence(a) for a in data.get("assessment", [])],
        "questions": [evidence(q) for q in data.get("questions", [])],
        "perspectives": [perspective(p) for p in data.get("perspectives", [])],
    }


def _synthesis_down(data: Json) -> Json:
    def sentence(s: Json) -> Json:
        return {**s, "sources": [_listed(r, SOURCE) for r in s.get("sources", [])]}

    def evidence(item: Json) -> Json:
        return {**item, "evidence": [_listed(e, EVIDENCE) for e in item.get("evidence", [])]}

    def perspective(p: Json) -> Json:
        moved = {k: v for k, v in p.items() if k != "outlet_name"}
        return {
            **moved,
            "outlet": p.get("outlet_name", ""),
            "quotes": [_listed(r, SOURCE) for r in p.get("quotes", [])],
        }

    written = _sentences(data, sentence)
    return {
        **written,
        "assessment": [evidence(a) for a in data.get("assessment", [])],
        "questions": [evidence(q) for q in data.get("questions", [])],
        "perspectives": [perspective(p) for p in data.get("perspectives", [])],
    }
