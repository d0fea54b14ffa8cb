"""Queue depth and task latency in /metrics and `plumbline status` when a broker is set."""

from __future__ import annotations

from celery import Celery
from fastapi.testclient import TestClient
from redis import Redis
from typer.testing import CliRunner

from plumbline.cli import app as cli
from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.web.app import create_app
from plumbline.workers.metrics import observe_task


def test_metrics_show_queue_depth_and_task_latency(
    app: Celery, worker_core: Plumbline, redis: Redis
) -> None:
    app.send_task("plumbline.analyze", args=([1, 2],))
    app.send_task("plumbline.cluster")
    observe_task(redis, "plumbline.analyze", 0.3, True)
    observe_task(redis, "plumbline.analyze", 7.0, False)
    body = TestClient(create_app(worker_core)).get("/metrics").text
    assert 'plumbline_task_queue_depth{queue="plumbline.analyze"} 1.0' in body
    assert 'plumbline_task_queue_depth{queue="plumbline.pipeline"} 1.0' in body
    assert 'plumbline_task_seconds_bucket{le="0.5",task="plumbline.analyze"} 1.0' in body
    assert 'plumbline_task_seconds_count{task="plumbline.analyze"} 2.0' in body
    assert "plumbline_broker_up 1.0" in body


def test_status_shows_the_queues(
    app: Celery, worker_settings: Settings, worker_core: Plumbline
) -> None:
    app.send_task("plumbline.advance")
    env = {
        "PLUMBLINE_BROKER_URL": worker_settings.broker_url,
        "PLUMBLINE_DATABASE_URL": worker_settings.database_url,
        "PLUMBLINE_DEFAULT_OUTLETS": "false",
    }
    result = CliRunner().invoke(
        cli, ["status", "--data-dir", str(worker_settings.data_dir)], env=env
    )
    assert result.exit_code == 0, result.output
    assert "plumbline.pipeline   1" in result.output


def test_without_a_broker_there_are_no_worker_metrics(core: Plumbline) -> None:
    body = TestClient(create_app(core)).get("/metrics").text
    assert "plumbline_task_queue_depth" not in body and "plumbline_articles" in body
