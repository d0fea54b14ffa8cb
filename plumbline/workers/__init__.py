"""Scale-out: the pipeline, feed polling and newsletter mail as Celery tasks on Redis.

Off by default (empty PLUMBLINE_BROKER_URL: everything runs in process, as `plumbline run`
and `plumbline process` always do). With a broker: `plumbline worker` (any number, on any
machine that reaches the database and Redis) and one `plumbline beat`. app.py builds the
Celery app from Settings, tasks.py holds the tasks and explains why none duplicates or
loses work, locks.py the clustering lock and the claims, metrics.py the queue depths and
task timings that /metrics and `plumbline status` show."""

from __future__ import annotations

from plumbline.workers.app import make_app

__all__ = ["make_app"]
