"""The store base: an engine, short transactions, UTC time."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Everything Plumbline stores is UTC: SQLite hands back naive datetimes, PostgreSQL
    aware ones in the session's time zone; both come back with tzinfo=UTC."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


#: The largest id a database row can have: the ids are INTEGER columns, which PostgreSQL
#: keeps in 32 bits (a larger number bound to them is an error there, not "no row").
MAX_ID = 2**31 - 1


def row_id(value: str | int) -> int | None:
    """`value` as a row id: ASCII digits (no signs, spaces or other scripts' digits) of a
    number from 1 to MAX_ID; None for anything else, which then matches no row."""
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if not value.isascii() or not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def transient(exc: BaseException) -> bool:
    """True for a database error that says nothing about the data: the server restarting
    or unreachable, a dropped connection, SQLite's "database is locked". The work is to be
    done again later, never marked failed."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


class Store:
    """Reads and writes through short transactions; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session
