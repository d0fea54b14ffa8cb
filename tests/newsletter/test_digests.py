"""Sending digests: at most once per subscriber and period, across repeated runs, crashes
and mail server refusals; the CLI and the scheduler."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta

import pytest
from typer.testing import CliRunner

from plumbline.cli import app
from plumbline.core import Plumbline
from plumbline.newsletter.digest import period_key
from plumbline.newsletter.mailer import Mailer
from plumbline.scheduler import Scheduler
from plumbline.settings import Settings
from tests.mailserver import MailServer
from tests.newsletter.conftest import NOW, add_story


def confirmed(core: Plumbline, email: str, frequency: str = "daily") -> int:
    subscriber, _due = core.stores.subscribers.subscribe(email, frequency, [], max_confirmations=3)
    core.stores.subscribers.confirm_subscriber(subscriber.id)
    return subscriber.id


def test_period_keys() -> None:
    assert period_key("daily", NOW) == "daily:2026-11-30"
    assert period_key("weekly", NOW) == "weekly:2026-W49"
    assert period_key("weekly", NOW - timedelta(days=1)) == "weekly:2026-W48"


def test_a_second_run_sends_nothing(core: Plumbline, mail_server: MailServer) -> None:
    add_story(core, "a-story")
    for n in range(3):
        confirmed(core, f"r{n}@example.org")
    first = core.send_digests("daily", NOW)
    assert (first.sent, first.already) == (3, 0)
    second = core.send_digests("daily", NOW + timedelta(hours=5))
    assert (second.sent, second.already, second.failed) == (0, 3, 0)
    assert len(mail_server.wait_for(3)) == 3


def test_a_digest_left_sending_by_a_crash_is_not_sent_again(
    core: Plumbline, mail_server: MailServer
) -> None:
    story = add_story(core, "a-story")
    crashed = confirmed(core, "crashed@example.org")
    other = confirmed(core, "other@example.org")
    period = period_key("daily", NOW)
    # a run claimed the digest, then died before or while handing it to the server
    assert core.stores.subscribers.claim_digest(crashed, period, [story])

    report = core.send_digests("daily", NOW)
    assert (report.sent, report.unknown, report.already) == (1, 1, 1)
    assert core.stores.subscribers.digest_status(crashed, period) == "unknown"
    assert core.stores.subscribers.digest_status(other, period) == "sent"
    assert [m["To"] for m in mail_server.wait_for(1)] == ["other@example.org"]

    again = core.send_digests("daily", NOW)
    assert (again.sent, again.unknown) == (0, 0)
    assert mail_server.messages("crashed@example.org") == []


def test_the_claim_is_committed_before_the_mail_goes_out(core: Plumbline) -> None:
    add_story(core, "a-story")
    subscriber = confirmed(core, "order@example.org")
    seen: list[str | None] = []

    def send(email: object) -> str:
        seen.append(core.stores.subscribers.digest_status(subscriber, period_key("daily", NOW)))
        raise SystemExit("the process dies mid-send")

    core_mailer = Mailer.send
    Mailer.send = lambda self, email: send(email)  # type: ignore[method-assign,assignment,misc]
    try:
        with pytest.raises(SystemExit):
            core.send_digests("daily", NOW)
    finally:
        Mailer.send = core_mailer  # type: ignore[method-assign]
    assert seen == ["sending"]  # visible to any other connection: committed
    report = core.send_digests("daily", NOW)
    assert (report.sent, report.unknown) == (0, 1)


def test_a_refused_digest_fails_and_the_next_run_retries_it(
    core: Plumbline, mail_server: MailServer
) -> None:
    add_story(core, "a-story")
    subscriber = confirmed(core, "retry@example.org")
    mail_server.refuse = True
    report = core.send_digests("daily", NOW)
    assert (report.sent, report.failed, report.unknown) == (0, 1, 0)
    assert "550" in report.errors[0] or "refused" in report.errors[0].lower()
    assert core.stores.subscribers.digest_status(subscriber, "daily:2026-11-30") == "failed"

    mail_server.refuse = False
    retry = core.send_digests("daily", NOW)
    assert (retry.sent, retry.failed) == (1, 0)
    assert core.stores.subscribers.digest_status(subscriber, "daily:2026-11-30") == "sent"
    assert len(mail_server.wait_for(1)) == 1


def test_an_unreachable_server_stops_the_run_and_nothing_is_lost(
    settings: Settings, tmp_path: object
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    core = Plumbline(settings.model_copy(update={"smtp_port": closed_port}))
    core.init()
    try:
        add_story(core, "a-story")
        for n in range(5):
            confirmed(core, f"r{n}@example.org")
        report = core.send_digests("daily", NOW)
        assert (report.sent, report.failed) == (0, 3)  # stopped after three in a row
        assert "stopped" in report.errors[-1]
        assert (
            len(core.stores.subscribers.due_subscribers("daily", report.period)) == 5
        )  # all retried
    finally:
        core.close()


def test_skipped_when_nothing_on_their_topics(core: Plumbline, mail_server: MailServer) -> None:
    add_story(core, "sports-final", topics=("sports-entertainment",))
    subscriber, _ = core.stores.subscribers.subscribe(
        "topics@example.org", "daily", ["abortion"], max_confirmations=3
    )
    core.stores.subscribers.confirm_subscriber(subscriber.id)
    report = core.send_digests("daily", NOW)
    assert (report.sent, report.skipped) == (0, 1)
    assert (
        core.stores.subscribers.digest_status(subscriber.id, report.period) is None
    )  # nothing kept
    assert mail_server.messages() == []


def test_dry_run_sends_and_stores_nothing(core: Plumbline, mail_server: MailServer) -> None:
    add_story(core, "a-story")
    subscriber = confirmed(core, "dry@example.org")
    report = core.send_digests("daily", NOW, dry_run=True)
    assert report.sent == 1
    assert core.stores.subscribers.digest_status(subscriber, report.period) is None
    assert mail_server.messages() == []


def test_weekly_digests_cover_the_week(core: Plumbline, mail_server: MailServer) -> None:
    add_story(core, "monday-story", hours_ago=24 * 5)
    add_story(core, "too-old", hours_ago=24 * 8)
    confirmed(core, "daily@example.org", "daily")
    confirmed(core, "weekly@example.org", "weekly")
    report = core.send_digests("weekly", NOW)
    assert report.sent == 1
    [digest] = mail_server.wait_for(1)
    assert digest["To"] == "weekly@example.org"
    body = digest.get_body(preferencelist=("plain",))
    assert body is not None
    assert "monday-story" in body.get_content() and "too-old" not in body.get_content()


def test_cli_sends_and_summarizes(
    settings: Settings, core: Plumbline, mail_server: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLUMBLINE_SMTP_PORT", str(settings.smtp_port))
    monkeypatch.setenv("PLUMBLINE_DEFAULT_OUTLETS", "false")
    monkeypatch.setenv("PLUMBLINE_DATABASE_URL", settings.database_url)
    add_story(core, "a-story", now=datetime.now(UTC))  # these send at the real time
    confirmed(core, "cli@example.org")
    runner = CliRunner()
    args = ["newsletter", "send", "--data-dir", str(settings.data_dir)]
    dry = runner.invoke(app, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would send 1" in dry.output
    sent = runner.invoke(app, args)
    assert sent.exit_code == 0, sent.output
    assert "sent 1" in sent.output
    assert len(mail_server.wait_for(1)) == 1
    again = runner.invoke(app, [*args, "--frequency", "daily"])
    assert again.exit_code == 0 and "sent 0" in again.output and "already handled 1" in again.output

    confirmed(core, "refused@example.org")
    mail_server.refuse = True
    failed = runner.invoke(app, args)
    assert failed.exit_code == 1
    assert "failed 1" in failed.output
    assert runner.invoke(app, [*args, "--frequency", "hourly"]).exit_code == 2


def test_the_scheduler_sends_the_daily_digests_once_a_day(
    core: Plumbline, mail_server: MailServer
) -> None:
    add_story(core, "a-story", now=datetime.now(UTC))
    confirmed(core, "scheduled@example.org")
    scheduler = Scheduler(core, every_minutes=60)
    calls: list[str] = []
    send = core.send_digests

    def counting(frequency: str = "daily", *args: object, **kwargs: object) -> object:
        calls.append(frequency)
        return send(frequency)

    core.send_digests = counting  # type: ignore[method-assign,assignment]
    scheduler.send_digests()
    scheduler.send_digests()
    assert calls == ["daily"]  # the second round of the day does not even look
    assert len(mail_server.wait_for(1)) == 1
