"""Shared fixtures: settings in a temporary folder, one embedding model per session, and a
small processed store of real demo-corpus articles for the site tests.

The back end: SQLite in the test's folder, or, with PLUMBLINE_TEST_BACKEND=postgresql, a
fresh database per test on one real PostgreSQL + pgvector server (tests/pgserver.py) that
the first test to need it starts, so the same suite runs against both."""

from __future__ import annotations

import atexit
import gzip
import io
import itertools
import json
import os
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings
from tests.pgserver import PgServer

DEMO_SAMPLE_DAYS = ("2020-06-01", "2020-06-02", "2020-06-03")
BACKEND = os.environ.get("PLUMBLINE_TEST_BACKEND", "sqlite")
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"PLUMBLINE_TEST_BACKEND must be sqlite or postgresql, not {BACKEND!r}")
_pg: PgServer | None = None


def pg_server() -> PgServer:
    """The suite's PostgreSQL server (started on first use, stopped at exit)."""
    global _pg
    if _pg is None:
        server = PgServer().start()
        atexit.register(server.close)
        server.prepare_template()
        _pg = server
    return _pg


def database_url() -> str:
    """The database a test's store uses: "" (SQLite in the data folder) or a fresh,
    migrated PostgreSQL database."""
    return pg_server().fresh_database() if BACKEND == "postgresql" else ""


def empty_database_url(folder: Path) -> str:
    """A database with no tables at all (to run migrations from the start)."""
    if BACKEND == "postgresql":
        server = pg_server()
        return server.create_database(f"empty_{next(_empty)}_{os.getpid()}")
    return f"sqlite:///{folder / 'empty.db'}"


_empty = itertools.count(1)
postgresql_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL back end only")
sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite back end only")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url(),
        default_outlets=False,  # their feeds are on the internet; tests stay on loopback
        allow_private_addresses=True,
        per_host_delay=0.0,
        fetch_timeout=2.0,
        fetch_retries=0,
        fetch_backoff=0.0,
        pipeline_batch_size=16,
    )


@pytest.fixture
def core(settings: Settings, embedder: Embedder) -> Iterator[Plumbline]:
    plumbline = Plumbline(settings, embedder=embedder)
    plumbline.init()
    yield plumbline
    plumbline.close()


def demo_lines(days: tuple[str, ...] = DEMO_SAMPLE_DAYS) -> list[dict[str, object]]:
    """Real articles of the packaged demo corpus published on the given days."""
    data = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz").read_bytes()
    lines = []
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["date"] in days:
                lines.append(record)
    return lines


#: Three outlets' reports of one event (a rural broadband bill), for story-level tests.
BROADBAND_BODIES = [
    "The state legislature passed a bill on Thursday that expands access to rural broadband "
    "service, sending the measure to the governor after a long debate over its cost. "
    "Supporters said farms and small towns have waited years for fast internet connections.",
    "Lawmakers approved the rural broadband expansion on Thursday, and the governor is expected "
    "to sign it next week. The plan sets aside money for providers that build lines to remote "
    "homes, and it requires yearly reports on how many households were connected.",
    "A measure to bring high-speed internet to rural counties cleared the legislature Thursday. "
    "Opponents questioned the price of the program, while county officials said the "
    "investment would help schools, clinics and businesses far from the cities.",
]


def jsonl(records: list[dict[str, object]]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())


@pytest.fixture(scope="session")
def demo_core(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Plumbline]:
    """A store with three days of the demo corpus imported and processed (read-only use)."""
    folder = tmp_path_factory.mktemp("demo")
    plumbline = Plumbline(Settings(data_dir=folder, database_url=database_url()), embedder=embedder)
    plumbline.init()
    plumbline.import_articles(jsonl(demo_lines()))
    plumbline.process()
    yield plumbline
    plumbline.close()
