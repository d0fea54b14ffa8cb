"""The tasks. Each is thin: it checks its arguments, re-reads the state it acts on from the
database and calls the core object or one pipeline stage; no business logic lives here.

Flow: `plumbline.poll` (beat) fetches the due feeds and calls the coordinator
(`plumbline.advance`), which queues disjoint batches of article ids: FETCHED ones to
`plumbline.extract`, EXTRACTED ones to `plumbline.analyze` (the heavy stage: any number of
workers take batches at once). Each batch task ends by calling the coordinator again. When
no article waits for extraction or analysis, it queues `plumbline.cluster`, which clusters
every ANALYZED article under the clustering lock (one writer at a time; so the articles are
clustered in the same order, and into the same stories, as in process) and then queues
`plumbline.synthesize` once per dirty story.

Why nothing is duplicated or lost (acks_late, reject_on_worker_lost: a task whose worker
died is delivered again after task_redelivery_seconds):

- extract/analyze take only the articles of their batch still in the state they expect
  and store each result with a conditional transition (storage/articles.py); a batch run
  twice, or by two workers at once, is stored once. A killed batch leaves its articles in
  their state; the redelivered task (or the next coordinator run, once the claims expire)
  does them.
- cluster holds the Redis lock of locks.py, so two workers never cluster at once and no
  event gets two stories because of a race; a killed holder frees the lock in 60 s.
- synthesize computes outside the lock, then takes it to write, and writes only if the
  story's members are still those it wrote up (else it queues itself again); writing a
  story twice writes the same thing.
- digests: the newsletter records each digest before handing it to the SMTP server
  (newsletter/digest.py), and one worker at a time sends a frequency's digests. A refused
  send is retried (5 min, up to 12 times) and sent once after recovery. Limit: a worker
  killed between the server accepting a digest and the database recording it leaves it
  'unknown', never resent, so a digest can be lost there but never sent twice; the window
  is one SMTP QUIT and one UPDATE.
- confirmation mails and sign-in links (`plumbline.email`, handed over by the site):
  claimed in Redis (per request) before sending; a refused one is retried. At most once: a
  worker killed after the claim loses that mail (the reader can ask again); if Redis loses
  its data, a redelivered request could mail twice. A sign-in link is dropped once expired.
- the database down or restarting (a transient error, storage/base.py): the stages never
  mark an article or a story failed for it; the task is retried (:func:`database_retry`)
  and the items keep their state until it succeeds.
- Redis restarted without persistence: queued messages, claims and metrics are gone; the
  articles keep their state in the database and the next coordinator run (each beat poll)
  queues them again. With persistence, a claim saved without its message (Redis went down
  between the two) holds its items until it expires (task_redelivery_seconds +
  task_time_limit); the first beat poll after that queues them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from celery import Celery

from plumbline.errors import InvalidInput, PlumblineError
from plumbline.models import ArticleState, PipelineReport
from plumbline.newsletter.digest import not_delivered
from plumbline.newsletter.mailer import MailError
from plumbline.newsletter.subscriptions import CONFIRM_DAYS, FREQUENCIES
from plumbline.outbox import SendConfirmation, SendEmail
from plumbline.pipeline import Pipeline
from plumbline.storage.base import transient
from plumbline.workers.app import WorkerContext
from plumbline.workers.locks import Claims, LockBusy, LockLost, hold
from plumbline.workers.metrics import count_done

log = logging.getLogger(__name__)
M = TypeVar("M")

MAX_IDS = 1000  # most article ids one task message takes
SCAN = 20_000  # most pending articles or dirty stories one coordinator run queues
DIGEST_RETRY = 300.0
DIGEST_RETRIES = 12
MAIL_RETRY = 60.0
MAIL_RETRIES = 10
DB_RETRY = 2.0
DB_RETRY_MAX = 60.0
DB_RETRIES = 30


def register(app: Celery, ctx: WorkerContext) -> None:
    """Add Plumbline's tasks to `app`; they share `ctx` (core object, Redis). Every task
    is retried while the database is unreachable (see :func:`database_retry`)."""

    def poll_task(task: Any, force: object = False) -> dict[str, int]:
        with database_retry(task):
            return poll(ctx, app, force)

    def advance_task(task: Any) -> dict[str, int]:
        with database_retry(task):
            return advance(ctx, app)

    def extract_task(task: Any, ids: object) -> dict[str, int]:
        with database_retry(task):
            return extract(ctx, app, ids)

    def analyze_task(task: Any, ids: object) -> dict[str, int]:
        with database_retry(task):
            return analyze(ctx, app, ids)

    def cluster_task(task: Any) -> dict[str, int]:
        with database_retry(task):
            return cluster(ctx, app, task)

    def synthesize_task(task: Any, story_id: object) -> dict[str, int]:
        with database_retry(task):
            return synthesize(ctx, app, task, story_id)

    def digests_task(task: Any, frequency: object = "daily") -> dict[str, int]:
        with database_retry(task):
            return digests(ctx, task, frequency)

    def confirmation_task(task: Any, subscriber_id: object, request_id: object) -> dict[str, int]:
        with database_retry(task):
            return confirmation(ctx, task, subscriber_id, request_id)

    def email_task(
        task: Any, message: object, request_id: object, not_after: object
    ) -> dict[str, int]:
        return email(ctx, task, message, request_id, not_after)

    expected = (PlumblineError,)
    for name, function in (
        ("plumbline.poll", poll_task),
        ("plumbline.advance", advance_task),
        ("plumbline.extract", extract_task),
        ("plumbline.analyze", analyze_task),
        ("plumbline.cluster", cluster_task),
        ("plumbline.synthesize", synthesize_task),
        ("plumbline.digests", digests_task),
        ("plumbline.confirmation", confirmation_task),
        ("plumbline.email", email_task),
    ):
        app.task(name=name, bind=True, throws=expected, shared=False)(function)


@contextmanager
def database_retry(task: Any) -> Iterator[None]:
    """Retry the task later when the database is down or restarting (a transient error,
    storage/base.py): DB_RETRY s, doubling up to DB_RETRY_MAX, DB_RETRIES times. The stage
    code never marks an article or a story failed for such an error, so the items keep
    their state; should the retries run out, the next coordinator run (each beat poll)
    queues them again."""
    try:
        yield
    except Exception as exc:
        if not transient(exc):
            raise
        retries = int(getattr(task.request, "retries", 0) or 0)
        countdown = min(DB_RETRY_MAX, DB_RETRY * 2**retries)
        log.warning(
            "%s: database unavailable (%s); retrying in %.0f s",
            task.name,
            type(exc.__cause__ or exc).__name__,
            countdown,
        )
        raise task.retry(countdown=countdown, max_retries=DB_RETRIES) from exc


# ------------------------------------------------------------------ arguments
def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _bad(task: str, message: str) -> InvalidInput:
    error = InvalidInput(f"{task}: {message}; the message is dropped and nothing was changed")
    log.error("%s", error.message)
    return error


def _ids(task: str, value: object) -> list[int]:
    if (
        not isinstance(value, list)
        or not value
        or len(value) > MAX_IDS
        or not all(isinstance(i, int) and not isinstance(i, bool) and i > 0 for i in value)
    ):
        raise _bad(task, f"takes a list of 1 to {MAX_IDS} positive article ids, not {_show(value)}")
    return list(dict.fromkeys(value))


def _story_id(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise _bad("plumbline.synthesize", f"takes a positive story id, not {_show(value)}")
    return value


# ----------------------------------------------------------------- pipeline
def _pipeline(ctx: WorkerContext) -> Pipeline:
    return ctx.pipeline()


def _claims(ctx: WorkerContext, kind: str) -> Claims:
    ttl = ctx.settings.task_redelivery_seconds + ctx.settings.task_time_limit
    return Claims(ctx.redis, kind, ttl)


def _queue(app: Celery, claims: Claims, name: str, items: list[int], size: int) -> int:
    """Queue `name` for the unclaimed ones of `items`, `size` per task. Returns how many
    items were queued."""
    queued = 0
    for start in range(0, len(items), size):
        chunk = claims.take(items[start : start + size])
        if not chunk:
            continue
        try:
            app.send_task(name, args=(chunk,) if size > 1 else (chunk[0],))
        except Exception:
            claims.release(chunk)
            raise
        queued += len(chunk)
    return queued


def poll(ctx: WorkerContext, app: Celery, force: object = False) -> dict[str, int]:
    """Fetch the feeds that are due (all with `force`), then queue the pipeline's work."""
    if not isinstance(force, bool):
        raise _bad("plumbline.poll", f"force must be true or false, not {_show(force)}")
    report = ctx.core.ingest(force=force)
    advance(ctx, app)
    return {"feeds": report.feeds_polled, "added": report.articles_added}


def advance(ctx: WorkerContext, app: Celery) -> dict[str, int]:
    """The coordinator: queue the next work of every stage (see the module docstring).
    Safe to run any number of times, from anywhere."""
    pipeline = _pipeline(ctx)
    size = ctx.settings.pipeline_batch_size
    queued = {
        "extract": _queue(
            app,
            _claims(ctx, "extract"),
            "plumbline.extract",
            pipeline.waiting_ids(ArticleState.FETCHED, SCAN),
            size,
        ),
        "analyze": _queue(
            app,
            _claims(ctx, "analyze"),
            "plumbline.analyze",
            pipeline.waiting_ids(ArticleState.EXTRACTED, SCAN),
            size,
        ),
        "cluster": 0,
        "synthesize": 0,
    }
    counts = pipeline.waiting_counts()
    if counts.get(ArticleState.FETCHED, 0) or counts.get(ArticleState.EXTRACTED, 0):
        return queued  # a later batch task calls again once these are done
    if counts.get(ArticleState.ANALYZED, 0):
        app.send_task("plumbline.cluster")
        queued["cluster"] = 1
    else:
        queued["synthesize"] = queue_synthesis(ctx, app)
    return queued


def queue_synthesis(ctx: WorkerContext, app: Celery) -> int:
    """Queue a synthesis task for each dirty story that has none queued."""
    stories = _pipeline(ctx).stories_to_write_up(SCAN)
    return _queue(app, _claims(ctx, "synthesize"), "plumbline.synthesize", stories, 1)


def extract(ctx: WorkerContext, app: Celery, ids: object) -> dict[str, int]:
    """Extract the text of the batch's articles that are still FETCHED."""
    article_ids = _ids("plumbline.extract", ids)
    report = PipelineReport()
    try:
        pipeline = _pipeline(ctx)
        batch = pipeline.batch_in_state(article_ids, ArticleState.FETCHED)
        pipeline.extract_batch(batch, report)
        count_done(ctx.redis, "extracted", report.extracted + report.duplicates)
    finally:
        _claims(ctx, "extract").release(article_ids)
    advance(ctx, app)
    return {"extracted": report.extracted, "duplicates": report.duplicates}


def analyze(ctx: WorkerContext, app: Celery, ids: object) -> dict[str, int]:
    """Analyze the batch's articles that are still EXTRACTED (conditional writes)."""
    article_ids = _ids("plumbline.analyze", ids)
    report = PipelineReport()
    try:
        pipeline = _pipeline(ctx)
        batch = pipeline.batch_in_state(article_ids, ArticleState.EXTRACTED)
        pipeline.analyze_batch(batch, report)
        count_done(ctx.redis, "analyzed", report.analyzed)
    finally:
        _claims(ctx, "analyze").release(article_ids)
    advance(ctx, app)
    return {"analyzed": report.analyzed, "failed": report.failed}


def _lock_wait(ctx: WorkerContext) -> float:
    return min(ctx.settings.task_time_limit / 2, 300.0)


def cluster(ctx: WorkerContext, app: Celery, task: Any) -> dict[str, int]:
    """Cluster every ANALYZED article, batch by batch, holding the clustering lock."""
    report = PipelineReport()
    try:
        with hold(ctx.redis, "cluster", wait=_lock_wait(ctx)) as lock:
            pipeline = _pipeline(ctx)
            while batch := pipeline.next_batch(ArticleState.ANALYZED):
                lock.check()
                pipeline.cluster_batch(batch, report)
            pipeline.close_stories()
    except (LockBusy, LockLost) as exc:
        log.warning("clustering put off: %s", exc.message)
        raise task.retry(countdown=10, max_retries=None) from exc
    finally:
        count_done(ctx.redis, "clustered", report.clustered)
    queue_synthesis(ctx, app)
    return {"clustered": report.clustered, "merged": report.merged, "split": report.split}


def synthesize(ctx: WorkerContext, app: Celery, task: Any, story_id: object) -> dict[str, int]:
    """Write up one story; the write happens under the clustering lock and only if the
    story still has the members it was written up from."""
    sid = _story_id(story_id)
    claims = _claims(ctx, "synthesize")
    pipeline = _pipeline(ctx)
    stale = False

    @contextmanager
    def guard(members: list[int]) -> Iterator[bool]:
        nonlocal stale
        with hold(ctx.redis, "cluster", wait=_lock_wait(ctx)) as lock:
            current = sorted(pipeline.members(sid)) == sorted(members)
            stale = stale or not current
            claims.release([sid])  # from here, a change to the story queues a new task
            lock.check()
            yield current

    report = PipelineReport()
    try:
        pipeline.synthesize_story(sid, report, guard=guard)
    except (LockBusy, LockLost) as exc:
        claims.release([sid])
        log.warning("story %d: synthesis put off: %s", sid, exc.message)
        raise task.retry(countdown=10, max_retries=None) from exc
    finally:
        pipeline.finish_synthesis()
    if stale:  # the story changed while it was written up: once more
        _queue(app, claims, "plumbline.synthesize", [sid], 1)
    count_done(ctx.redis, "synthesized", report.synthesized)
    return {"synthesized": report.synthesized, "failed": report.failed}


# --------------------------------------------------------------- newsletter
def digests(ctx: WorkerContext, task: Any, frequency: object) -> dict[str, int]:
    """Send this period's digests of `frequency` (one worker at a time per frequency;
    each digest at most once, see newsletter/digest.py); retried while sends fail."""
    if frequency not in FREQUENCIES:
        raise _bad(
            "plumbline.digests", f"frequency must be 'daily' or 'weekly', not {_show(frequency)}"
        )
    assert isinstance(frequency, str)
    try:
        with hold(ctx.redis, f"digests:{frequency}", wait=60.0):
            report = ctx.core.send_digests(frequency)
            if frequency == "daily":  # follow alerts go out at most once a day, with these;
                ctx.core.send_follow_alerts()  # a failed one is tried at the next day's run
    except LockBusy as exc:  # another worker is sending them right now
        log.info("digests: %s", exc.message)
        return {"sent": 0, "failed": 0}
    count_done(ctx.redis, "digests_sent", report.sent)
    if report.failed:
        log.warning("digests %s: %d failed; retrying", report.period, report.failed)
        raise task.retry(countdown=DIGEST_RETRY, max_retries=DIGEST_RETRIES)
    return {"sent": report.sent, "failed": report.failed, "unknown": report.unknown}


def confirmation(
    ctx: WorkerContext, task: Any, subscriber_id: object, request_id: object
) -> dict[str, int]:
    """Email the confirmation link of a subscription request (at most once per request)."""
    message = _message(SendConfirmation.from_args, subscriber_id, request_id)
    newsletter = ctx.core.newsletter
    subscriber = newsletter.pending_subscriber(message.subscriber_id)
    if subscriber is None:
        return {"sent": 0}  # confirmed, unsubscribed or deleted meanwhile
    claims = Claims(ctx.redis, "confirmation", CONFIRM_DAYS * 24 * 3600)
    key = f"{message.subscriber_id}:{message.request_id}"
    if not claims.take([key]):
        return {"sent": 0}  # this request's mail went out (or is going out) already
    try:
        newsletter.send_confirmation(subscriber)
    except MailError as exc:
        if not not_delivered(exc):
            log.warning(
                "confirmation to subscriber %d may not have arrived: %s", subscriber.id, exc
            )
            return {"sent": 0}
        claims.release([key])
        log.warning("confirmation to subscriber %d refused; retrying: %s", subscriber.id, exc)
        raise task.retry(countdown=MAIL_RETRY, max_retries=MAIL_RETRIES) from exc
    count_done(ctx.redis, "confirmations_sent", 1)
    return {"sent": 1}


def email(
    ctx: WorkerContext, task: Any, message: object, request_id: object, not_after: object
) -> dict[str, int]:
    """Send one ready-made email (a sign-in link) at most once per request, retrying while
    the mail server refuses it, until `not_after` (a Unix time: the link's expiry)."""
    mail = _message(SendEmail.from_args, message, request_id, not_after)
    if time.time() > mail.not_after:
        log.warning("email %s dropped: its link expired before it could be sent", mail.request_id)
        return {"sent": 0}
    claims = Claims(ctx.redis, "email", max(60.0, mail.not_after - time.time()))
    if not claims.take([mail.request_id]):
        return {"sent": 0}  # sent (or being sent) already
    try:
        ctx.core.send_mail(mail.email)
    except MailError as exc:
        if not not_delivered(exc):
            log.warning("email %s may not have arrived: %s", mail.request_id, exc)
            return {"sent": 0}
        claims.release([mail.request_id])
        log.warning("email %s refused; retrying: %s", mail.request_id, exc)
        raise task.retry(countdown=MAIL_RETRY, max_retries=MAIL_RETRIES) from exc
    count_done(ctx.redis, "emails_sent", 1)
    return {"sent": 1}


def _message(parse: Callable[..., M], *args: object) -> M:
    """The message `parse` reads from a task's arguments; a malformed one is logged and
    raises InvalidInput (never retried)."""
    try:
        return parse(*args)
    except InvalidInput as exc:
        log.error("%s", exc.message)
        raise
