"""Worker metrics, kept in Redis so that every worker process adds to the same figures and
the web process (or `plumbline status`) reads them: task run time as a histogram per task
name, articles moved on per stage by the workers, and the depth of each queue (LLEN of
the broker's lists)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from plumbline.workers.locks import PREFIX

QUEUES = ("plumbline.fetch", "plumbline.analyze", "plumbline.pipeline", "plumbline.mail")
BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0)
PRIORITY_SEP = "\x06\x16"  # kombu's Redis transport keeps priorities in lists NAME␆␖N
PRIORITY_STEPS = (3, 6, 9)
_TASK_KEY = PREFIX + "metrics:task:"
_TASK_NAMES = PREFIX + "metrics:tasks"
_STAGE_KEY = PREFIX + "metrics:done"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def queue_depths(redis: Redis) -> dict[str, int]:
    """Messages waiting in each Plumbline queue (not those a worker holds)."""
    with redis.pipeline(transaction=False) as pipe:
        for queue in QUEUES:
            pipe.llen(queue)
            for step in PRIORITY_STEPS:
                pipe.llen(f"{queue}{PRIORITY_SEP}{step}")
        lengths = pipe.execute()
    per = 1 + len(PRIORITY_STEPS)
    return {q: sum(int(n) for n in lengths[i * per : (i + 1) * per]) for i, q in enumerate(QUEUES)}


def observe_task(redis: Redis, task: str, seconds: float, ok: bool) -> None:
    """Add one finished task run to the shared histogram."""
    key = _TASK_KEY + task
    with redis.pipeline(transaction=False) as pipe:
        pipe.sadd(_TASK_NAMES, task)
        pipe.hincrby(key, "count", 1)
        pipe.hincrbyfloat(key, "sum", seconds)
        if not ok:
            pipe.hincrby(key, "failed", 1)
        for bound in BUCKETS:
            if seconds <= bound:
                pipe.hincrby(key, f"le:{bound}", 1)
        pipe.execute()


def count_done(redis: Redis, stage: str, n: int) -> None:
    """Record that workers moved `n` items on at `stage` (articles: extracted, analyzed,
    clustered, each a conditional transition, so every article counts once per stage it
    passed; stories: synthesized)."""
    if n:
        redis.hincrby(_STAGE_KEY, stage, n)


def done(redis: Redis) -> dict[str, int]:
    return {_text(k): int(v) for k, v in redis.hgetall(_STAGE_KEY).items()}


@dataclass(slots=True)
class TaskTimes:
    task: str
    count: int
    sum: float
    failed: int
    buckets: list[tuple[float, int]]  # (upper bound, cumulative count)


def task_times(redis: Redis) -> Iterator[TaskTimes]:
    names = sorted(_text(n) for n in redis.smembers(_TASK_NAMES))
    for name in names:
        raw = {_text(k): _text(v) for k, v in redis.hgetall(_TASK_KEY + name).items()}
        yield TaskTimes(
            name,
            int(raw.get("count", 0)),
            float(raw.get("sum", 0.0)),
            int(raw.get("failed", 0)),
            [(bound, int(raw.get(f"le:{bound}", 0))) for bound in BUCKETS],
        )


def broker_snapshot(url: str) -> tuple[dict[str, int] | None, str]:
    """(queue depths, "") or (None, why Redis could not be read) for `plumbline status`."""
    try:
        client = Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
        try:
            return queue_depths(client), ""
        finally:
            client.close()
    except RedisError as exc:
        return None, f"{type(exc).__name__}: {exc}"
