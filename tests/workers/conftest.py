"""Worker fixtures: one real redis-server on loopback per test session (emptied before each
test), settings that name it as the broker, in-thread Celery workers, and a wait for the
pipeline to go idle."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from redis import Redis
from sqlalchemy import select

from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.storage.schema import StoryRow
from plumbline.workers import make_app
from plumbline.workers.metrics import queue_depths
from tests.redisserver import RedisServer


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis(redis_server: RedisServer) -> Iterator[Redis]:
    client = redis_server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def worker_settings(settings: Settings, redis: Redis, redis_server: RedisServer) -> Settings:
    return settings.model_copy(
        update={
            "broker_url": redis_server.url,
            "task_time_limit": 60.0,
            "task_redelivery_seconds": 90.0,
            "pipeline_batch_size": 8,
        }
    )


@pytest.fixture
def worker_core(worker_settings: Settings, core: Plumbline) -> Plumbline:
    """The test's store, seen with the worker settings (same database, same model)."""
    return Plumbline(worker_settings, embedder=core.embedder)


@pytest.fixture
def app(worker_settings: Settings, worker_core: Plumbline) -> Celery:
    return make_app(worker_settings, core=worker_core)


WorkerRunner = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def run_worker(app: Celery) -> WorkerRunner:
    """`with run_worker(concurrency=2, pool="threads"):` a real worker in this process."""

    @contextmanager
    def running(concurrency: int = 1, pool: str = "solo") -> Iterator[Any]:
        with start_worker(
            app,
            concurrency=concurrency,
            pool=pool,
            perform_ping_check=False,
            shutdown_timeout=30.0,
            loglevel="WARNING",
        ) as worker:
            yield worker

    return running


def wait_idle(core: Plumbline, redis: Redis, timeout: float = 240.0) -> None:
    """Until nothing waits: no article before 'clustered', no dirty story, empty queues,
    and so twice in a row."""
    deadline = time.monotonic() + timeout
    quiet = 0
    while quiet < 3:
        if time.monotonic() > deadline:
            raise AssertionError(f"the workers did not finish: {snapshot(core, redis)}")
        counts, dirty, queued = snapshot(core, redis)
        busy = any(counts.get(s, 0) for s in ("fetched", "extracted", "analyzed"))
        quiet = 0 if busy or dirty or queued else quiet + 1
        time.sleep(0.5)


def snapshot(core: Plumbline, redis: Redis) -> tuple[dict[str, int], int, int]:
    counts = {c.state: c.count for c in core.stores.articles.state_counts()}
    return counts, core.stores.stories.count_dirty_stories(), sum(queue_depths(redis).values())


def outcome(core: Plumbline) -> tuple[dict[str, int], int, list[int]]:
    """Article states, published stories and the story size distribution."""
    counts = {c.state: c.count for c in core.stores.articles.state_counts()}
    with core.stores.articles.session() as s:
        sizes = s.scalars(select(StoryRow.n_articles).where(StoryRow.merged_into_id.is_(None)))
        return counts, core.stores.stories.count_stories(), sorted(sizes)
