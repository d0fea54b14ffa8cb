"""Engine creation (SQLite in WAL mode by default) and Alembic migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import make_url

from plumbline.errors import ConfigurationError, InvalidInput

if TYPE_CHECKING:  # Alembic loads when the schema is checked or migrated, not on import
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        try:
            import psycopg  # noqa: F401

            from plumbline.storage.vectors import install_centroid_hook
        except ImportError as exc:
            raise ConfigurationError(
                f"a PostgreSQL database needs the postgresql extra ({exc.name} is missing): "
                "pip install 'plumbline[postgresql]'"
            ) from exc
        install_centroid_hook()  # stories.centroid_vec follows stories.centroid
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the database schema to the newest migration (idempotent)."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")


def schema_versions(engine: Engine) -> tuple[str | None, str | None]:
    """(the database's migration revision, the newest one this code knows)."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, head


def backup_sqlite(engine: Engine, target: Path) -> int:
    """Copy a live SQLite database to `target` with SQLite's online backup (consistent
    while the pipeline and the site keep writing). Returns the copy's size in bytes."""
    if engine.url.get_backend_name() != "sqlite":
        raise ConfigurationError("backup copies SQLite databases; use pg_dump for PostgreSQL")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    raw = engine.raw_connection()
    try:
        source = raw.driver_connection
        destination = sqlite3.connect(partial)
        try:
            source.backup(destination)  # type: ignore[union-attr]
        finally:
            destination.close()
    finally:
        raw.close()
    _check_sqlite(partial)
    partial.replace(target)
    return target.stat().st_size


def restore_sqlite(engine: Engine, source: Path) -> None:
    """Replace the database behind `engine` with the backup `source` (checked first).
    Stop the site and the pipeline before restoring."""
    if engine.url.get_backend_name() != "sqlite" or not engine.url.database:
        raise ConfigurationError("restore replaces SQLite databases; use pg_restore for PostgreSQL")
    _check_sqlite(source)
    engine.dispose()
    destination = sqlite3.connect(engine.url.database)
    backup = sqlite3.connect(source)
    try:
        backup.backup(destination)
    finally:
        backup.close()
        destination.close()


def _check_sqlite(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()
            tables = {r[0] for r in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise InvalidInput(f"{path} is not a SQLite database: {exc}") from None
    if not result or result[0] != "ok":
        raise InvalidInput(f"{path} failed SQLite's integrity check: {result}")
    if "articles" not in tables or "alembic_version" not in tables:
        raise InvalidInput(f"{path} is not a Plumbline database")
