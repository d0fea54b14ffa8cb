"""Storage: the only place that knows SQL (SQLAlchemy 2 + Alembic)."""
