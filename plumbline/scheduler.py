"""The in-process scheduler of `plumbline run`: poll feeds and process, every N minutes."""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from plumbline.core import Plumbline

log = logging.getLogger(__name__)


class Scheduler:
    """A daemon thread; a failing round is logged and the next one runs on time."""

    def __init__(self, core: Plumbline, *, every_minutes: float) -> None:
        self.core = core
        self.interval = every_minutes * 60.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="plumbline-scheduler", daemon=True)
        self.rounds = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def run_once(self) -> None:
        ingest = self.core.ingest()
        report = self.core.process()
        self.rounds += 1
        log.info(
            "round %d: %d new articles from %d feeds (%d failed); %d stories written",
            self.rounds,
            ingest.articles_added,
            ingest.feeds_polled,
            ingest.feeds_failed,
            report.synthesized,
        )

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduled round failed; trying again next round")
            self._stop.wait(self.interval)
