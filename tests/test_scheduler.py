from __future__ import annotations

import time

from plumbline.core import Plumbline
from plumbline.scheduler import Scheduler
from tests.feedserver import FeedServer


def test_scheduler_polls_on_its_own_and_stops(core: Plumbline, feed_server: FeedServer) -> None:
    core.settings.fetch_articles = False  # feed summaries only: no model work in this test
    core.add_outlet("Ledger", feed_server.url("/"), [feed_server.url("/feeds/rss.xml")])
    scheduler = Scheduler(core, every_minutes=0.001)
    scheduler.start()
    deadline = time.monotonic() + 60
    while scheduler.rounds < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    scheduler.stop()
    assert scheduler.rounds >= 2
    assert feed_server.hits("/feeds/rss.xml") >= 1
    assert sum(c.count for c in core.stores.articles.state_counts()) >= 1


def test_a_failing_round_does_not_stop_the_scheduler(core: Plumbline) -> None:
    calls = []

    def broken_ingest(**_kwargs: object) -> None:
        calls.append(1)
        raise RuntimeError("feed store on fire")

    core.ingest = broken_ingest  # type: ignore[method-assign,assignment]
    scheduler = Scheduler(core, every_minutes=0.0005)
    scheduler.start()
    deadline = time.monotonic() + 10
    while len(calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    scheduler.stop()
    assert len(calls) >= 2
