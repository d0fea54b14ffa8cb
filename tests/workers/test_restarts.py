"""Restarts under load, with real workers: PostgreSQL restarted (cleanly, then as a crash)
and Redis restarted (losing its queues, or keeping them) while the workers process
articles, and a feed full of garbage polled through `plumbline.poll`. After recovery the
counts match exactly: every article processed once, into the same stories as in process.

Each test has servers of its own (its PostgreSQL, its Redis) so the restarts disturb no
other test; all on loopback, each bounded by the waits' timeouts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from redis import Redis

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.models import ArticleState
from plumbline.settings import Settings
from plumbline.workers import make_app
from plumbline.workers.locks import Claims
from plumbline.workers.metrics import done, queue_depths, task_times
from tests.feedserver import FeedServer
from tests.pgserver import PgServer
from tests.plumbline_fixtures import database_url, demo_lines, jsonl, postgresql_only
from tests.redisserver import RedisServer
from tests.workers.conftest import outcome, wait_idle

DAY = ("2020-06-01",)
pytestmark = pytest.mark.slow


def _worker(app: Celery) -> AbstractContextManager[Any]:
    return start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=30.0, loglevel="ERROR"
    )


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


@contextmanager
def _beat(app: Celery, every: float) -> Iterator[None]:
    """What `plumbline beat` does for the pipeline: a coordinator run every `every` s."""
    stop = threading.Event()

    def tick() -> None:
        while True:
            with suppress(Exception):  # a send while the broker reconnects: next tick
                app.send_task("plumbline.advance")
            if stop.wait(every):
                return

    thread = threading.Thread(target=tick, name="test-beat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def _runs(redis: Redis, task: str) -> tuple[int, int]:
    """(finished runs, failed runs) of `task` in the workers' shared timings."""
    for times in task_times(redis):
        if times.task == task:
            return times.count, times.failed
    return 0, 0


def _retried(redis: Redis) -> int:
    """Task runs that did not succeed (here: retried because the database was down)."""
    return sum(times.failed for times in task_times(redis))


def _analyzed(redis: Redis) -> int:
    return done(redis).get("analyzed", 0)


def _fast(settings: Settings, broker_url: str, database: str) -> Settings:
    """Small batches (more of them to restart in the middle of), short redelivery."""
    return settings.model_copy(
        update={
            "broker_url": broker_url,
            "database_url": database,
            "pipeline_batch_size": 4,
            "task_time_limit": 20.0,
            "task_redelivery_seconds": 25.0,
        }
    )


def _check_against_reference(
    core: Plumbline, tmp_path: Path, embedder: Embedder, settings: Settings, total: int
) -> None:
    """Every article is clustered, none failed, each in exactly one story, and the
    stories are those of the same articles processed in process."""
    reference = Plumbline(
        settings.model_copy(
            update={
                "data_dir": tmp_path / "reference",
                "database_url": database_url(),
                "broker_url": "",
                "pipeline_batch_size": 8,
            }
        ),
        embedder=embedder,
    )
    try:
        reference.init()
        reference.import_articles(jsonl(demo_lines(DAY)))
        reference.process()
        assert outcome(core) == outcome(reference)
    finally:
        reference.close()
    counts, _stories, sizes = outcome(core)
    assert counts["failed"] == 0 and counts["clustered"] == total
    assert sum(sizes) == total  # each article in one story, once


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def own_pg() -> Iterator[PgServer]:
    with PgServer(durable=True) as server:  # acknowledged commits survive the crash
        server.prepare_template()
        yield server


@postgresql_only
def test_postgresql_restarted_mid_analysis_loses_and_duplicates_nothing(
    tmp_path: Path,
    settings: Settings,
    embedder: Embedder,
    own_pg: PgServer,
    own_redis: RedisServer,
) -> None:
    worker_settings = _fast(settings, own_redis.url, own_pg.fresh_database())
    redis = own_redis.client()
    core = Plumbline(worker_settings, embedder=embedder)
    try:
        core.import_articles(jsonl(demo_lines(DAY)))
        total = sum(c.count for c in core.stores.articles.state_counts())
        app = make_app(worker_settings, core=core)
        app.send_task("plumbline.advance")
        with _worker(app):
            # a clean restart after the first batch, a crash a few batches later
            for mode, after in (("fast", 4), ("immediate", 12)):
                _wait(lambda after=after: _analyzed(redis) >= after, 240, f"{after} analyzed")
                retried = _retried(redis)
                own_pg.stop(mode)
                # down until a task has hit it (and is retried later)
                _wait(lambda n=retried: _retried(redis) > n, 120, "a task to meet the outage")
                own_pg.start()
            counts = {c.state: c.count for c in core.stores.articles.state_counts()}
            assert counts["extracted"] > 0  # the restarts came mid-analysis
            wait_idle(core, redis, timeout=300)
        _check_against_reference(core, tmp_path, embedder, worker_settings, total)
        assert _analyzed(redis) == total  # each article analyzed once
    finally:
        core.close()
        redis.close()


@contextmanager
def _demo_day(
    settings: Settings, embedder: Embedder, own_redis: RedisServer
) -> Iterator[tuple[Settings, Plumbline, Redis, int]]:
    """A store on the test's database holding the demo day's articles, a core object and
    a Redis client for workers on `own_redis`; yields them with the number of articles."""
    worker_settings = _fast(settings, own_redis.url, settings.database_url)
    redis = own_redis.client()
    core = Plumbline(worker_settings, embedder=embedder)
    try:
        core.init()
        core.import_articles(jsonl(demo_lines(DAY)))
        yield (
            worker_settings,
            core,
            redis,
            sum(c.count for c in core.stores.articles.state_counts()),
        )
    finally:
        core.close()
        redis.close()


@pytest.mark.parametrize("keep_data", [False, True], ids=["queues-lost", "queues-kept"])
def test_redis_restarted_mid_run_recovers_through_the_coordinator(
    keep_data: bool,
    tmp_path: Path,
    settings: Settings,
    embedder: Embedder,
    own_redis: RedisServer,
) -> None:
    """Redis restarted without persistence loses the queued messages, the claims and the
    metrics; with it, it keeps them, including claims whose message was never sent. The
    articles keep their state in the database, and beat's coordinator runs queue the
    pending ones again (a claimed one once its claim expires)."""
    with _demo_day(settings, embedder, own_redis) as (worker_settings, core, redis, total):
        app = make_app(worker_settings, core=core)
        app.send_task("plumbline.advance")
        with _worker(app):
            _wait(lambda: _analyzed(redis) >= 4, 240, "a first batch")
            # down longer than a batch takes: the batch running now ends while it is down
            own_redis.restart(save=keep_data, down=6.0)
            before = {c.state: c.count for c in core.stores.articles.state_counts()}
            assert before["extracted"] > 0  # restarted with work left
            if not keep_data:
                time.sleep(4.0)
                after = {c.state: c.count for c in core.stores.articles.state_counts()}
                assert after == before  # no message left: nothing moves by itself
            # beat's polls: a claim saved with the queues (an article queued just before
            # Redis went down, its message never sent) holds its article until it expires;
            # the first poll after that queues it
            with _beat(app, every=5.0):
                wait_idle(core, redis, timeout=200)
        _check_against_reference(core, tmp_path, embedder, worker_settings, total)


def test_an_orphaned_claim_is_queued_by_the_first_poll_after_it_expires(
    tmp_path: Path, settings: Settings, embedder: Embedder, own_redis: RedisServer
) -> None:
    """What Redis kept across the restart above, made on purpose: every pending article
    claimed, with no message sent for it (Redis went down between the claim and the
    send). A coordinator run skips them while the claims hold; a beat poll after they
    expire queues them, and the run ends as in process."""
    with _demo_day(settings, embedder, own_redis) as (worker_settings, core, redis, total):
        pending = core.stores.articles.pending_ids(ArticleState.EXTRACTED, 10_000)
        assert pending and len(pending) == total
        claimed_until = time.monotonic() + 8.0
        assert Claims(redis, "analyze", 8.0).take(pending) == pending
        app = make_app(worker_settings, core=core)
        with _worker(app):
            app.send_task("plumbline.advance")
            time.sleep(3.0)
            assert _analyzed(redis) == 0 and sum(queue_depths(redis).values()) == 0
            with _beat(app, every=2.0):
                wait_idle(core, redis, timeout=200)
            assert time.monotonic() > claimed_until
        _check_against_reference(core, tmp_path, embedder, worker_settings, total)
        assert _analyzed(redis) == total


GOOD = ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/dupes-a.xml", "/feeds/dupes-b.xml"]
GARBAGE = [
    "/feeds/garbage.bin",
    "/feeds/not-a-feed.html",
    "/feeds/truncated-early.xml",
    "/big",
    "/error/500",
    "/stall",
]


def test_a_garbage_feed_polled_by_workers_records_its_error_and_stops_nothing(
    settings: Settings,
    embedder: Embedder,
    own_redis: RedisServer,
    feed_server: FeedServer,
) -> None:
    worker_settings = _fast(settings, own_redis.url, settings.database_url).model_copy(
        update={"fetch_max_bytes": 2_000_000, "fetch_timeout": 1.0}
    )
    redis = own_redis.client()
    core = Plumbline(worker_settings, embedder=embedder)
    try:
        core.init()
        core.add_outlet(
            "Ledger", feed_server.url("/"), [feed_server.url(p) for p in GOOD + GARBAGE]
        )
        app = make_app(worker_settings, core=core)
        with _worker(app):
            app.send_task("plumbline.poll")
            _wait(lambda: _runs(redis, "plumbline.poll") == (1, 0), 60, "the first poll")
            wait_idle(core, redis, timeout=120)
            first = outcome(core)
            app.send_task("plumbline.poll", args=(True,))  # again: nothing new, no crash
            _wait(lambda: _runs(redis, "plumbline.poll") == (2, 0), 60, "the second poll")
            wait_idle(core, redis, timeout=120)
        failing = {f.url.removeprefix(feed_server.url("")) for f in core.status().failing_feeds}
        assert failing == set(GARBAGE)
        assert all(f.last_error and f.error_count == 2 for f in core.status().failing_feeds)
        counts, stories, sizes = outcome(core)
        assert outcome(core) == first
        assert counts["failed"] == 0 and counts["clustered"] == 3  # the three pages, once each
        assert sum(sizes) == 3 and stories >= 1
        assert feed_server.hits("/articles/transit-vote.html") == 1
        assert feed_server.hits("/feeds/garbage.bin") == 2  # polled both times
    finally:
        core.close()
        redis.close()
