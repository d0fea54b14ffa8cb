"""The Celery app, built from Settings (no import-time globals: a test builds one in a
line, and `plumbline worker` / `plumbline beat` build theirs from PLUMBLINE_*)."""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from celery import Celery, signals
from celery.schedules import crontab
from redis import Redis

from plumbline.settings import Settings
from plumbline.workers import metrics
from plumbline.workers.metrics import QUEUES

if TYPE_CHECKING:
    from plumbline.core import Plumbline
    from plumbline.pipeline import Pipeline

ROUTES = {
    "plumbline.poll": "plumbline.fetch",
    "plumbline.extract": "plumbline.fetch",
    "plumbline.analyze": "plumbline.analyze",
    "plumbline.advance": "plumbline.pipeline",
    "plumbline.cluster": "plumbline.pipeline",
    "plumbline.synthesize": "plumbline.pipeline",
    "plumbline.digests": "plumbline.mail",
    "plumbline.confirmation": "plumbline.mail",
    "plumbline.email": "plumbline.mail",
}


class WorkerContext:
    """What the tasks of one app share in a worker process: the core object and a Redis
    client, both made on first use (after the pool forked, so no connection is shared
    between processes)."""

    def __init__(self, settings: Settings, core: Plumbline | None = None) -> None:
        self.settings = settings
        self._core = core
        self._redis: Redis | None = None
        self._lock = threading.Lock()
        self._local = threading.local()  # one Pipeline per thread (thread pools in tests)

    @property
    def core(self) -> Plumbline:
        with self._lock:
            if self._core is None:
                from plumbline.core import Plumbline

                self._core = Plumbline(self.settings)
            return self._core

    @property
    def redis(self) -> Redis:
        with self._lock:
            if self._redis is None:
                self._redis = Redis.from_url(self.settings.broker_url, socket_timeout=30)
            return self._redis

    def pipeline(self) -> Pipeline:
        """This thread's Pipeline, kept between tasks so that what it loads once (the
        entity recognizer, the clusterer's index) is not loaded again for every task."""
        pipeline: Pipeline | None = getattr(self._local, "pipeline", None)
        if pipeline is None:
            pipeline = self.core.pipeline()
            self._local.pipeline = pipeline
        return pipeline

    def forget(self) -> None:
        """Drop connections inherited from a parent process (after a fork)."""
        with self._lock:
            self._core = None
            self._redis = None
            self._local = threading.local()


def make_app(settings: Settings, *, core: Plumbline | None = None, preload: bool = False) -> Celery:
    """The Celery app for `settings` (which must name a broker). `core` lets a test share
    its store and model; workers build their own from `settings`. With `preload`, each
    worker process loads the model as it starts rather than in its first task (whose time
    limit would otherwise include the load)."""
    from plumbline.workers.tasks import register

    if not settings.broker_url:
        raise ValueError("make_app needs settings.broker_url")
    settings.check()
    app = Celery("plumbline", broker=settings.broker_url, set_as_current=False)
    hard = settings.task_time_limit
    app.conf.update(
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        result_backend=None,
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,  # a task that raised is not run again
        # a running task is left to finish when the broker connection drops (its message is
        # delivered again later, and every task is idempotent): cancelling it would throw
        # away the batch's work and, in a prefork pool, the process with its loaded model
        worker_cancel_long_running_tasks_on_connection_loss=False,
        worker_prefetch_multiplier=1,
        task_time_limit=hard,
        task_soft_time_limit=hard * 0.9,
        broker_transport_options={
            "visibility_timeout": settings.task_redelivery_seconds,
            # look for overdue unacknowledged tasks every 10 s (kombu's default scans
            # every 10th sweep, so a dead worker's task could wait ~100 s longer)
            "unacked_restore_interval": 10,
            "unacked_restore_throttle": 1,
        },
        broker_connection_retry_on_startup=True,
        task_queues={name: {"exchange": name, "routing_key": name} for name in QUEUES},
        task_default_queue="plumbline.pipeline",
        task_routes=ROUTES,
        worker_hijack_root_logger=False,
        worker_proc_alive_timeout=180.0,  # a process loading the model takes a while
        worker_send_task_events=False,
        enable_utc=True,
        timezone="UTC",
        beat_schedule=beat_schedule(settings),
    )
    context = WorkerContext(settings, core)
    app.plumbline = context
    register(app, context)
    _time_tasks(app, context)
    if core is None:

        def started(**_: Any) -> None:
            context.forget()
            if preload:
                context.core.analyzer().analyze([("Warm-up", "The model loads now.")])

        signals.worker_process_init.connect(
            started, weak=False, dispatch_uid=f"plumbline-{id(app)}"
        )
    return app


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """Feed polling every poll_interval_minutes (each poll queues the pipeline's work),
    the daily digests checked as often (only the first run of a UTC day sends anything, as
    with `plumbline run`), the weekly ones on Monday mornings (UTC)."""
    every = timedelta(minutes=settings.poll_interval_minutes)
    return {
        "poll-feeds": {"task": "plumbline.poll", "schedule": every},
        "daily-digests": {"task": "plumbline.digests", "schedule": every, "args": ("daily",)},
        "weekly-digests": {
            "task": "plumbline.digests",
            "schedule": crontab(minute=0, hour=6, day_of_week=1),
            "args": ("weekly",),
        },
    }


def _time_tasks(app: Celery, context: WorkerContext) -> None:
    """Time every task this app runs into the shared histogram (metrics.py)."""
    started: dict[str, float] = {}

    def before(task_id: str = "", task: Any = None, **_: Any) -> None:
        if task is not None and task.app is app:
            started[task_id] = time.perf_counter()

    def after(task_id: str = "", task: Any = None, state: str = "", **_: Any) -> None:
        begun = started.pop(task_id, None)
        if begun is None or task is None or task.app is not app:
            return
        with contextlib.suppress(Exception):  # metrics never fail a task
            metrics.observe_task(
                context.redis, task.name, time.perf_counter() - begun, state == "SUCCESS"
            )

    uid = f"plumbline-timing-{id(app)}"
    signals.task_prerun.connect(before, weak=False, dispatch_uid=uid)
    signals.task_postrun.connect(after, weak=False, dispatch_uid=uid)
