"""PostgreSQL: pgvector story centroids (HNSW) and full-text search (tsvector + GIN)

On PostgreSQL the stories table gains two columns that SQLite does without:
`centroid_vec vector(384)`, a copy of the centroid that pgvector's HNSW index searches
(cosine) for clustering, and `search_doc tsvector`, the weighted headline / topics /
synthesis text that full-text search matches (SQLite uses the FTS5 table of 0005).
Existing rows are filled in. Nothing changes on SQLite.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    from plumbline.storage.vectors import DIMENSIONS, with_vector

    op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.execute(f"ALTER TABLE stories ADD COLUMN centroid_vec vector({DIMENSIONS})")
    op.execute("ALTER TABLE stories ADD COLUMN search_doc tsvector")
    import numpy as np

    rows = bind.execute(sa.text("SELECT id, centroid FROM stories")).all()
    for story_id, centroid in rows:
        vector = np.frombuffer(bytes(centroid), dtype="<f4")
        if len(vector) == DIMENSIONS:
            bind.execute(
                with_vector("UPDATE stories SET centroid_vec = :v WHERE id = :id"),
                {"v": vector, "id": story_id},
            )
    op.execute(
        "UPDATE stories SET search_doc = setweight(to_tsvector('english', headline), 'A') "
        "|| setweight(to_tsvector('english', lead), 'C') "
        "WHERE merged_into_id IS NULL AND synthesis IS NOT NULL"
    )
    op.execute(
        "CREATE INDEX ix_stories_centroid_hnsw ON stories "
        "USING hnsw (centroid_vec vector_cosine_ops) WHERE merged_into_id IS NULL"
    )
    op.execute("CREATE INDEX ix_stories_search ON stories USING gin (search_doc)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_stories_search")
    op.execute("DROP INDEX IF EXISTS ix_stories_centroid_hnsw")
    op.execute("ALTER TABLE stories DROP COLUMN search_doc")
    op.execute("ALTER TABLE stories DROP COLUMN centroid_vec")
