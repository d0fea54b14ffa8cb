"""Sign-up confirmations and sign-in links with a broker: the site hands them to the
workers, so a mail server that is down fails no reader's request and each mail arrives
once after recovery; with Redis unreachable, the site sends them itself."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator

import pytest
from celery.contrib.testing.worker import start_worker
from redis import Redis

from plumbline.core import Plumbline
from plumbline.newsletter.mailer import MailError
from plumbline.settings import Settings
from plumbline.workers import make_app, tasks
from plumbline.workers.metrics import done, queue_depths, task_times
from tests.mailserver import MailServer
from tests.redisserver import free_port


@pytest.fixture
def mail() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


def _smtp(settings: Settings, mail: MailServer, **more: object) -> Settings:
    return settings.model_copy(
        update={"smtp_host": "127.0.0.1", "smtp_port": mail.port, "smtp_timeout": 5.0, **more}
    )


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def _failed_runs(redis: Redis, task: str) -> int:
    return next((t.failed for t in task_times(redis) if t.task == task), 0)


def test_a_refused_confirmation_and_sign_in_link_are_sent_once_by_the_workers(
    worker_settings: Settings, redis: Redis, mail: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tasks, "MAIL_RETRY", 0.5)
    core = Plumbline(_smtp(worker_settings, mail))  # no model: nothing here analyzes text
    try:
        core.init()
        mail.refuse = True
        core.subscribe("reader@example.org", "daily")  # the request succeeds ...
        core.readers.request_sign_in("saver@example.org", None)
        assert mail.messages() == []  # ... and nothing was sent inline
        assert queue_depths(redis)["plumbline.mail"] == 2
        app = make_app(core.settings, core=core)
        with start_worker(app, pool="solo", perform_ping_check=False, loglevel="ERROR"):
            _wait(
                lambda: (
                    _failed_runs(redis, "plumbline.confirmation") >= 2
                    and _failed_runs(redis, "plumbline.email") >= 2
                ),
                30,
                "refused sends retried",
            )
            assert mail.messages() == []
            mail.refuse = False
            _wait(lambda: len(mail.messages()) >= 2, 30, "the mails")
            _wait(lambda: sum(queue_depths(redis).values()) == 0, 30, "empty queues")
            time.sleep(1.5)  # a duplicate would arrive now
        to = sorted(str(m["To"]) for m in mail.messages())
        assert to == ["reader@example.org", "saver@example.org"]  # each once
        assert done(redis) == {"confirmations_sent": 1, "emails_sent": 1}
        sign_in = mail.messages("saver@example.org")[0]
        body = sign_in.get_body(("plain",))
        assert body is not None
        token = re.search(r"/signin/verify\?token=(\S+)", body.get_content())
        assert token is not None
        assert core.readers.sign_in(token.group(1))  # the link works
        confirm = mail.messages("reader@example.org")[0]
        assert "/newsletter/confirm?token=" in str(confirm.get_body(("plain",)))
    finally:
        core.close()


def test_without_redis_the_site_sends_inline(settings: Settings, mail: MailServer) -> None:
    down = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    core = Plumbline(_smtp(settings, mail, broker_url=down))
    try:
        core.init()
        core.subscribe("reader@example.org", "daily")
        core.readers.request_sign_in("saver@example.org", None)
        assert sorted(str(m["To"]) for m in mail.messages()) == [
            "reader@example.org",
            "saver@example.org",
        ]
        mail.refuse = True  # inline, a refused sign-in link fails the request as before
        with pytest.raises(MailError):
            core.readers.request_sign_in("other@example.org", None)
    finally:
        core.close()


def test_expired_and_malformed_email_tasks_send_nothing(
    worker_settings: Settings, redis: Redis, mail: MailServer
) -> None:
    core = Plumbline(_smtp(worker_settings, mail))
    try:
        app = make_app(core.settings, core=core)
        message = {"to": "a@example.org", "subject": "s", "text": "t", "html": "<p>t</p>"}
        assert tasks.email(app.plumbline, None, message, "r1", time.time() - 1) == {"sent": 0}
        for bad in ({"to": "a@example.org"}, "text", {**message, "to": 5}):
            with pytest.raises(Exception, match="takes a message"):
                tasks.email(app.plumbline, None, bad, "r2", time.time() + 60)
        later = time.time() + 60
        assert tasks.email(app.plumbline, None, message, "r3", later) == {"sent": 1}
        assert tasks.email(app.plumbline, None, message, "r3", later) == {"sent": 0}  # run twice
        assert len(mail.messages()) == 1
    finally:
        core.close()
