"""Handing work to the workers from a process that runs none (the site): the outbox the
core is given when a broker is configured (see plumbline/outbox.py). A bare Celery client
with the workers' routes, one per broker URL, that gives up quickly when Redis is
unreachable so the caller can do the work itself instead."""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Celery

from plumbline.outbox import Message
from plumbline.workers.app import ROUTES

log = logging.getLogger(__name__)

_clients: dict[str, Celery] = {}
_lock = threading.Lock()
# a few quick tries: the reader's request waits on them
_PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.4, "interval_max": 1}


def _client(broker_url: str) -> Celery:
    with _lock:
        client = _clients.get(broker_url)
        if client is None:
            client = Celery("plumbline", broker=broker_url, set_as_current=False)
            client.conf.update(
                task_serializer="json",
                accept_content=["json"],
                task_routes=ROUTES,
                broker_connection_timeout=3.0,
                broker_transport_options={"socket_connect_timeout": 3, "socket_timeout": 5},
            )
            _clients[broker_url] = client
        return client


def hand_over(broker_url: str, name: str, args: tuple[Any, ...]) -> bool:
    """Queue task `name` with `args` for the workers; False (logged) when the broker could
    not take it."""
    try:
        _client(broker_url).send_task(name, args=args, retry=True, retry_policy=_PUBLISH_RETRY)
    except Exception as exc:  # kombu's OperationalError, redis errors, timeouts
        log.warning("could not queue %s (%s: %s); doing it here", name, type(exc).__name__, exc)
        return False
    return True


class QueueOutbox:
    """The outbox of a site with workers: messages go to Celery on `broker_url`."""

    def __init__(self, broker_url: str) -> None:
        self.broker_url = broker_url

    def queue(self, message: Message) -> bool:
        return hand_over(self.broker_url, message.task, message.args())
