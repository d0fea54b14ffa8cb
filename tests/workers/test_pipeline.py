"""The pipeline through real Celery workers on a real Redis: the same outcome as in process,
tasks that run twice, malformed messages, clustering by two workers at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from celery import Celery
from redis import Redis

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.errors import InvalidInput
from plumbline.models import ArticleState, PipelineReport
from plumbline.settings import Settings
from plumbline.workers import tasks
from plumbline.workers.metrics import done
from tests.plumbline_fixtures import database_url, demo_lines, jsonl
from tests.workers.conftest import WorkerRunner, outcome, wait_idle

DAYS = ("2020-06-01", "2020-06-02")


def reference(tmp_path: Path, embedder: Embedder, settings: Settings) -> Plumbline:
    """The same articles processed in process, in a store of their own."""
    folder = tmp_path / "reference"
    core = Plumbline(
        settings.model_copy(update={"data_dir": folder, "database_url": database_url()}),
        embedder=embedder,
    )
    core.init()
    core.import_articles(jsonl(demo_lines(DAYS)))
    core.process()
    return core


@pytest.mark.slow
def test_workers_give_the_in_process_outcome_and_drop_bad_messages(
    tmp_path: Path,
    worker_core: Plumbline,
    worker_settings: Settings,
    embedder: Embedder,
    app: Celery,
    redis: Redis,
    run_worker: WorkerRunner,
) -> None:
    worker_core.import_articles(jsonl(demo_lines(DAYS)))
    articles = sum(c.count for c in worker_core.stores.articles.state_counts())
    # malformed messages first: each is refused with an error, nothing is lost
    app.send_task("plumbline.analyze", args=("1,2,3",))
    app.send_task("plumbline.analyze", args=([-4, True],))
    app.send_task("plumbline.synthesize", args=("story",))
    app.send_task("plumbline.extract", args=([1], "extra"))
    app.send_task("plumbline.advance")
    with run_worker():
        wait_idle(worker_core, redis)
    expected = reference(tmp_path, embedder, worker_settings)
    try:
        assert outcome(worker_core) == outcome(expected)
    finally:
        expected.close()
    counts = dict(outcome(worker_core)[0])
    assert counts["clustered"] > 0 and counts["failed"] == 0
    moved = done(redis)
    assert moved["analyzed"] == counts["clustered"] + counts["analyzed"]  # each once
    assert moved["clustered"] == counts["clustered"]
    assert sum(counts.values()) == articles


def test_malformed_arguments_get_a_clear_error(app: Celery, worker_core: Plumbline) -> None:
    ctx = app.plumbline
    for bad in ("1,2", [], [0], [1.5], [True], list(range(1, tasks.MAX_IDS + 2))):
        with pytest.raises(InvalidInput, match=r"list of 1 to \d+ positive article ids"):
            tasks.analyze(ctx, app, bad)
    with pytest.raises(InvalidInput, match="positive story id"):
        tasks.synthesize(ctx, app, None, "7")
    with pytest.raises(InvalidInput, match="'daily' or 'weekly'"):
        tasks.digests(ctx, None, "hourly")
    with pytest.raises(InvalidInput, match="nothing was changed"):
        tasks.poll(ctx, app, "yes")


@pytest.mark.slow
def test_every_task_run_twice_changes_nothing(
    app: Celery, worker_core: Plumbline, redis: Redis
) -> None:
    worker_core.import_articles(jsonl(demo_lines(("2020-06-01",))))
    ctx = app.plumbline
    ids = worker_core.stores.articles.pending_ids(ArticleState.EXTRACTED, 1000)
    first = tasks.analyze(ctx, app, ids[:8])
    again = tasks.analyze(ctx, app, ids[:8])
    assert first["analyzed"] == 8 and again["analyzed"] == 0
    tasks.analyze(ctx, app, ids[8:])
    tasks.cluster(ctx, app, None)
    after_cluster = outcome(worker_core)
    tasks.cluster(ctx, app, None)
    assert outcome(worker_core) == after_cluster
    story_ids = worker_core.stores.stories.dirty_stories(1000)
    assert story_ids
    for story_id in story_ids:
        tasks.synthesize(ctx, app, None, story_id)
    written = {s: worker_core.story(s, related=0).synthesis for s in story_ids}
    after_synthesis = outcome(worker_core)
    assert after_synthesis[0] == after_cluster[0] and after_synthesis[1] > 0
    for story_id in story_ids:
        tasks.synthesize(ctx, app, None, story_id)
        assert worker_core.story(story_id, related=0).synthesis == written[story_id]
    assert worker_core.stores.stories.count_dirty_stories() == 0
    assert outcome(worker_core) == after_synthesis
    assert done(redis)["analyzed"] == len(ids)


@pytest.mark.slow
def test_two_workers_clustering_at_once_make_no_duplicate_story(
    tmp_path: Path,
    worker_core: Plumbline,
    worker_settings: Settings,
    embedder: Embedder,
    app: Celery,
    redis: Redis,
    run_worker: WorkerRunner,
) -> None:
    worker_core.import_articles(jsonl(demo_lines(DAYS)))
    report = PipelineReport()
    pipeline = worker_core.pipeline()
    pipeline.extract(report)
    pipeline.analyze(report)
    for _ in range(4):  # four cluster tasks, two workers taking them at once
        app.send_task("plumbline.cluster")
    with run_worker(concurrency=2, pool="threads"):
        wait_idle(worker_core, redis)
    expected = reference(tmp_path, embedder, worker_settings)
    try:
        assert outcome(worker_core) == outcome(expected)
    finally:
        expected.close()
    assert done(redis)["clustered"] == report.analyzed
