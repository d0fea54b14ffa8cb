"""Pipeline throughput with 1, 2 and 4 Celery worker processes against one PostgreSQL.

Each configuration gets a fresh database on one PostgreSQL 18 + pgvector server and one
Redis (both on loopback, started here: tests/pgserver.py, tests/redisserver.py), imports
the same real articles of the packaged demo corpus, starts N `plumbline worker
--concurrency 1` processes (one model thread each) and waits until every one has loaded
its model, then sends one `plumbline.advance` and times until every article is clustered
and every story written up (analysis, clustering, synthesis; extraction is a no-op for
imported articles). The in-process pipeline (`plumbline process`, one process, the same
database server) runs on the same articles in the same run as the reference.

    .venv/bin/python bench/worker_throughput.py [--articles 300] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from celery import Celery  # noqa: E402
from sqlalchemy import text  # noqa: E402

from plumbline.core import Plumbline  # noqa: E402
from plumbline.settings import Settings  # noqa: E402
from plumbline.workers.app import make_app  # noqa: E402
from plumbline.workers.metrics import queue_depths  # noqa: E402
from tests.pgserver import PgServer  # noqa: E402
from tests.plumbline_fixtures import demo_lines, jsonl  # noqa: E402
from tests.redisserver import RedisServer  # noqa: E402


def articles(limit: int) -> list[dict[str, object]]:
    """The first `limit` articles of the demo corpus by publication day (whole days)."""
    data = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz").read_bytes()
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as handle:
        days = sorted({json.loads(line)["date"] for line in handle})
    chosen: list[dict[str, object]] = []
    for day in days:
        if len(chosen) >= limit:
            break
        chosen += demo_lines((day,))
    if len(chosen) < limit:
        raise SystemExit(f"the demo corpus has only {len(chosen)} articles")
    return chosen


def prepared(pg: PgServer, folder: Path, name: str, records: list[dict[str, object]]) -> Settings:
    settings = Settings(
        data_dir=folder / name,
        database_url=pg.create_database(name),
        default_outlets=False,
        torch_threads=1,
    )
    core = Plumbline(settings)
    core.init()
    core.import_articles(jsonl(records))
    core.close()
    return settings


def finished(core: Plumbline) -> tuple[bool, dict[str, int]]:
    counts = {c.state: c.count for c in core.stores.articles.state_counts()}
    waiting = sum(counts.get(s, 0) for s in ("fetched", "extracted", "analyzed"))
    return waiting == 0 and core.stores.stories.count_dirty_stories() == 0, counts


def start_workers(
    settings: Settings, broker: str, n: int, log: Path
) -> list[subprocess.Popen[bytes]]:
    env = dict(os.environ)
    env.update(
        {
            "PLUMBLINE_DATA_DIR": str(settings.data_dir),
            "PLUMBLINE_DATABASE_URL": settings.database_url,
            "PLUMBLINE_BROKER_URL": broker,
            "PLUMBLINE_DEFAULT_OUTLETS": "false",
            "PLUMBLINE_TORCH_THREADS": "1",
            "PLUMBLINE_LOG_FORMAT": "json",
        }
    )
    processes = []
    with log.open("ab") as out:
        for _ in range(n):
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "plumbline",
                        "worker",
                        "--concurrency",
                        "1",
                        "--loglevel",
                        "warning",
                    ],
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    return processes


def wait_ready(app: Celery, n: int, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            raise SystemExit("a worker exited while starting; see the worker log")
        replies = app.control.ping(timeout=1.0) or []
        if len(replies) >= n:
            return
        time.sleep(1)
    raise SystemExit(f"{n} workers did not answer within 300 s")


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for p in processes:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in processes:
        try:
            p.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def run_workers(
    pg: PgServer, redis: RedisServer, folder: Path, n: int, records: list[dict[str, object]]
) -> tuple[float, dict[str, int], int]:
    settings = prepared(pg, folder, f"workers{n}", records)
    redis.client().flushall()
    broker = redis.url
    log = folder / f"workers{n}.log"
    processes = start_workers(settings, broker, n, log)
    app = make_app(settings.model_copy(update={"broker_url": broker}))
    core = Plumbline(settings)
    try:
        wait_ready(app, n, processes)
        start = time.perf_counter()
        app.send_task("plumbline.advance")
        quiet = 0
        while quiet < 2:  # done twice in a row, queues empty
            time.sleep(0.5)
            done, counts = finished(core)
            queued = sum(queue_depths(redis.client()).values())
            quiet = quiet + 1 if done and not queued else 0
            if time.perf_counter() - start > 3600:
                raise SystemExit(f"not finished after an hour: {counts}")
        seconds = time.perf_counter() - start - 0.5
        return seconds, counts, core.stores.stories.count_stories()
    finally:
        core.close()
        stop(processes)


def run_in_process(
    pg: PgServer, folder: Path, records: list[dict[str, object]]
) -> tuple[float, dict[str, int], int]:
    settings = prepared(pg, folder, "inprocess", records)
    core = Plumbline(settings)
    # load the models before the clock starts, as the workers do
    core.analyzer().analyze([("Warm up", "The models load before the clock starts.")])
    start = time.perf_counter()
    core.process()
    seconds = time.perf_counter() - start
    _, counts = finished(core)
    stories = core.stores.stories.count_stories()
    with core.engine.connect() as connection:
        size = connection.execute(text("SELECT pg_database_size(current_database())")).scalar()
        empty = connection.execute(text("SELECT pg_database_size('postgres')")).scalar()
    print(
        f"database: {int(size or 0) / 2**20:.1f} MiB for {len(records)} articles and {stories} "
        f"stories ({(int(size or 0) - int(empty or 0)) / len(records) / 1024:.0f} KiB per "
        "article over an empty database)"
    )
    core.close()
    return seconds, counts, stories


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    records = articles(args.articles)
    folder = Path(tempfile.mkdtemp(prefix="plumbline-worker-bench-"))
    print(f"{len(records)} demo articles; {os.cpu_count()} CPU cores; logs in {folder}")
    rows = []
    with PgServer() as pg:
        redis = RedisServer().start()
        try:
            seconds, counts, stories = run_in_process(pg, folder, records)
            rows.append(("in process (`plumbline process`, 1 thread)", seconds, counts, stories))
            print(f"in process: {seconds:.1f} s {counts} {stories} stories", flush=True)
            for n in (int(x) for x in args.workers.split(",")):
                seconds, counts, stories = run_workers(pg, redis, folder, n, records)
                rows.append(
                    (f"{n} worker process{'es' if n > 1 else ''}", seconds, counts, stories)
                )
                print(f"{n} workers: {seconds:.1f} s {counts} {stories} stories", flush=True)
        finally:
            redis.stop()
    base = rows[1][1] if len(rows) > 1 else rows[0][1]
    print("\n| run | seconds | articles/s | vs 1 worker | article states | stories |")
    print("|---|---|---|---|---|---|")
    for name, seconds, counts, stories in rows:
        states = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v)
        print(
            f"| {name} | {seconds:.1f} | {len(records) / seconds:.2f} | {base / seconds:.2f}× "
            f"| {states} | {stories} |"
        )


if __name__ == "__main__":
    main()
