"""The in-process scheduler of `plumbline run`: poll feeds and process, every N minutes;
send the daily newsletter digests and follow alerts once a day."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, date, datetime
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
        self.digest_day: date | None = None  # the UTC day whose daily digests went out

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

    def send_digests(self) -> None:
        """The daily digests and follow alerts, at the first round of each UTC day (again
        at the next round while the mail server refuses some). Repeating is harmless: a
        digest already handled this day is never sent again (see newsletter/digest.py), and
        a follow gets at most one alert a day (follows.py)."""
        today = datetime.now(UTC).date()
        if self.digest_day == today:
            return
        report = self.core.send_digests("daily")
        alerts = self.core.send_follow_alerts()
        if not report.failed:  # a follow whose email failed is tried again the next day
            self.digest_day = today
        log.info("digests %s: %d sent, %d failed", report.period, report.sent, report.failed)
        log.info("follow alerts: %d emailed, %d to feeds, %d failed", alerts.emailed,
                 alerts.alerts - alerts.emailed - alerts.failed, alerts.failed)  # fmt: skip

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:
                log.exception("scheduled round failed; trying again next round")
            try:
                self.send_digests()
            except Exception:
                log.exception("sending the digests failed; trying again next round")
            self._stop.wait(self.interval)
