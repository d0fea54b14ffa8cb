"""Faults with real workers: a worker process killed mid-batch, a mail server refusing
digests. After recovery the counts match exactly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from celery import Celery
from redis import Redis

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.workers import make_app
from plumbline.workers.metrics import done
from tests.mailserver import MailServer
from tests.newsletter.conftest import add_story
from tests.plumbline_fixtures import database_url, demo_lines, jsonl
from tests.workers.conftest import outcome, wait_idle

DAY = ("2020-06-01",)


def worker_process(settings: Settings, log: Path) -> subprocess.Popen[bytes]:
    """`plumbline worker` in a process group of its own (the main process and its pool)."""
    env = dict(os.environ)
    env.update(
        {
            "PLUMBLINE_DATA_DIR": str(settings.data_dir),
            "PLUMBLINE_DATABASE_URL": settings.database_url,
            "PLUMBLINE_BROKER_URL": settings.broker_url,
            "PLUMBLINE_DEFAULT_OUTLETS": "false",
            "PLUMBLINE_PIPELINE_BATCH_SIZE": "4",
            "PLUMBLINE_TASK_TIME_LIMIT": "20",
            "PLUMBLINE_TASK_REDELIVERY_SECONDS": "25",
            "PLUMBLINE_TORCH_THREADS": "1",
        }
    )
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "plumbline", "worker", "--concurrency", "1"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    tmp_path: Path,
    worker_core: Plumbline,
    worker_settings: Settings,
    embedder: Embedder,
    app: Celery,
    redis: Redis,
) -> None:
    worker_core.import_articles(jsonl(demo_lines(DAY)))
    total = sum(c.count for c in worker_core.stores.articles.state_counts())
    log = tmp_path / "worker.log"
    app.send_task("plumbline.advance")
    first = worker_process(worker_settings, log)
    try:
        deadline = time.monotonic() + 180
        while done(redis).get("analyzed", 0) < 4:  # one batch stored, more to do
            assert first.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
    finally:
        stop(first, signal.SIGKILL)
    counts = {c.state: c.count for c in worker_core.stores.articles.state_counts()}
    assert counts["extracted"] > 0  # killed with work left, some of it taken
    second = worker_process(worker_settings, log)
    try:
        wait_idle(worker_core, redis, timeout=300)
    finally:
        stop(second)
    reference = Plumbline(
        worker_settings.model_copy(
            update={"data_dir": tmp_path / "reference", "database_url": database_url()}
        ),
        embedder=embedder,
    )
    try:
        reference.init()
        reference.import_articles(jsonl(demo_lines(DAY)))
        reference.process()
        assert outcome(worker_core) == outcome(reference)
    finally:
        reference.close()
    counts = {c.state: c.count for c in worker_core.stores.articles.state_counts()}
    assert counts["failed"] == 0 and sum(counts.values()) == total
    assert done(redis)["analyzed"] == counts["clustered"]  # each article analyzed once


def confirmed(core: Plumbline, email: str) -> int:
    subscriber, _due = core.stores.subscribers.subscribe(email, "daily", [], max_confirmations=3)
    core.stores.subscribers.confirm_subscriber(subscriber.id)
    return subscriber.id


def test_refused_digests_are_sent_exactly_once_after_recovery(
    worker_settings: Settings, redis: Redis
) -> None:
    with MailServer() as mail:
        settings = worker_settings.model_copy(
            update={"smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_timeout": 5.0}
        )
        core = Plumbline(settings)  # no model: nothing here analyzes text
        try:
            core.init()
            add_story(core, "a-story", now=datetime.now(UTC))
            readers = [f"reader{n}@example.org" for n in range(5)]
            ids = [confirmed(core, address) for address in readers]
            app = make_app(settings, core=core)
            mail.refuse = True
            app.send_task("plumbline.digests", args=("daily",))
            with _worker(app):
                _wait(
                    lambda: (
                        [core.stores.subscribers.digest_status(i, _period()) for i in ids].count(
                            "failed"
                        )
                        == 3
                    ),  # a run stops after three refusals in a row
                    30,
                )
                time.sleep(1.0)
            assert mail.messages() == []
            mail.refuse = False
            for _ in range(3):  # after recovery: run (more than) once
                app.send_task("plumbline.digests", args=("daily",))
            with _worker(app):
                _wait(lambda: len(mail.messages()) >= len(readers), 30)
                _wait(lambda: sum(queue for queue in _depths(redis)) == 0, 30)
                time.sleep(1.0)
            received = sorted(str(m["To"]) for m in mail.messages())
            assert received == sorted(readers)  # every digest once
            assert done(redis)["digests_sent"] == len(readers)
        finally:
            core.close()


def _period() -> str:
    from plumbline.newsletter.digest import period_key

    return period_key("daily", datetime.now(UTC))


def _depths(redis: Redis) -> list[int]:
    from plumbline.workers.metrics import queue_depths

    return list(queue_depths(redis).values())


def _wait(condition: object, timeout: float) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _worker(app: Celery) -> object:
    from celery.contrib.testing.worker import start_worker

    return start_worker(app, perform_ping_check=False, loglevel="WARNING")
