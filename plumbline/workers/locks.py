"""Redis locks and claims that a killed worker cannot hold forever.

**Lock** (clustering; digests of one frequency): a redis-py lock with a short timeout
(LOCK_SECONDS) that a heartbeat thread extends while its holder works. A worker killed with
SIGKILL stops extending it, so the lock frees itself within LOCK_SECONDS. The holder
checks that it still owns the lock before each write (:meth:`HeldLock.check`); if the
heartbeat could not extend it (Redis unreachable for longer than the timeout), the task
stops before writing and is retried. A Redis lock rather than PostgreSQL's
pg_advisory_xact_lock because the default store is SQLite and the lock must span many
transactions (one per clustering batch).

**Claims**: keys with an expiry that say "a task for this item is queued or running", so
the coordinator does not queue the same article or story twice while an earlier task for it
is waiting. A claim is advisory only: correctness never rests on it (every task re-checks
the database and writes with a conditional state transition), it only keeps the queues
from filling with repeats. A killed worker's claims expire after their TTL."""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from redis import Redis
from redis.exceptions import LockError, RedisError

from plumbline.errors import PlumblineError

log = logging.getLogger(__name__)

LOCK_SECONDS = 60.0
PREFIX = "plumbline:"
Item = TypeVar("Item", int, str)


class LockLost(PlumblineError):
    """The worker no longer holds the lock it needs to write (its heartbeat failed)."""


class LockBusy(PlumblineError):
    """Another worker held the lock for longer than this task would wait."""


class HeldLock:
    """A held lock and its heartbeat; see :func:`hold`."""

    def __init__(self, redis: Redis, name: str, timeout: float) -> None:
        self.name = name
        self.lock = redis.lock(PREFIX + "lock:" + name, timeout=timeout, thread_local=False)
        self.timeout = timeout
        self.lost = threading.Event()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._extend, name=f"lock-{name}", daemon=True)

    def _extend(self) -> None:
        while not self._stop.wait(self.timeout / 3):
            try:
                self.lock.reacquire()
            except (LockError, RedisError) as exc:
                log.error("lost the %s lock: %s", self.name, exc)
                self.lost.set()
                return

    def check(self) -> None:
        """Raise LockLost unless the lock is still ours (call right before a write)."""
        try:
            owned = not self.lost.is_set() and self.lock.owned()
        except RedisError as exc:
            raise LockLost(f"cannot check the {self.name} lock: {exc}") from exc
        if not owned:
            raise LockLost(f"the {self.name} lock expired while this worker held it")


@contextmanager
def hold(
    redis: Redis, name: str, *, wait: float, timeout: float = LOCK_SECONDS
) -> Iterator[HeldLock]:
    """Hold the lock `name` (waiting up to `wait` seconds, else LockBusy) and keep it
    alive until the block ends."""
    held = HeldLock(redis, name, timeout)
    if not held.lock.acquire(blocking=True, blocking_timeout=wait):
        raise LockBusy(f"the {name} lock stayed busy for {wait:.0f} s")
    held._beat.start()
    try:
        yield held
    finally:
        held._stop.set()
        held._beat.join()
        try:
            held.lock.release()
        except (LockError, RedisError) as exc:  # expired meanwhile; nothing to free
            log.warning("releasing the %s lock: %s", name, exc)


class Claims:
    """Claims on items of one kind (see the module docstring)."""

    def __init__(self, redis: Redis, kind: str, ttl: float) -> None:
        self.redis = redis
        self.kind = kind
        self.ttl = max(1, int(ttl))

    def key(self, item: int | str) -> str:
        return f"{PREFIX}claim:{self.kind}:{item}"

    def take(self, items: Iterable[Item]) -> list[Item]:
        """The items that were not claimed, now claimed by the caller."""
        wanted = list(items)
        if not wanted:
            return []
        token = uuid.uuid4().hex
        with self.redis.pipeline(transaction=False) as pipe:
            for item in wanted:
                pipe.set(self.key(item), token, nx=True, ex=self.ttl)
            taken = pipe.execute()
        return [item for item, ok in zip(wanted, taken, strict=True) if ok]

    def release(self, items: Iterable[int | str]) -> None:
        keys = [self.key(item) for item in items]
        if keys:
            self.redis.delete(*keys)
