"""Operations: health and readiness probes, Prometheus metrics, SQLite backup and restore,
JSON logs."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

from alembic import command
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from plumbline.cli import app
from plumbline.core import Plumbline
from plumbline.logs import JsonFormatter
from plumbline.storage.engine import alembic_config
from plumbline.web.app import create_app
from tests.plumbline_fixtures import jsonl, postgresql_only, sqlite_only

ARTICLE = {"id": "a1", "title": "A title", "text": "Some text of the article. " * 10}


def test_health_readiness_and_metrics(core: Plumbline) -> None:
    core.import_articles(jsonl([ARTICLE]))
    client = TestClient(create_app(core))
    assert client.get("/healthz").text == "ok\n"
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    client.get("/")
    metrics = client.get("/metrics")
    assert metrics.status_code == 200 and metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    assert 'plumbline_articles{stage="extracted"} 1.0' in text
    assert 'plumbline_queue_depth{queue="articles"} 1.0' in text
    assert "plumbline_feeds_failing 0.0" in text
    assert 'plumbline_http_request_seconds_count{route="/"}' in text


def test_readiness_fails_while_the_schema_is_behind(core: Plumbline) -> None:
    command.downgrade(alembic_config(core.engine), "-1")
    response = TestClient(create_app(core)).get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("schema")


@sqlite_only
def test_backup_and_restore_round_trip(tmp_path: Path, core: Plumbline) -> None:
    core.import_articles(jsonl([ARTICLE]))
    data_dir = str(core.settings.data_dir)
    copy = tmp_path / "copies" / "plumbline.backup"
    result = CliRunner().invoke(app, ["backup", str(copy), "--data-dir", data_dir])
    assert result.exit_code == 0, result.output
    core.import_articles(jsonl([{**ARTICLE, "id": "a2", "text": "Other text. " * 10}]))
    assert sum(s.count for s in core.status().stages) == 2
    restored = CliRunner().invoke(app, ["restore", str(copy), "--yes", "--data-dir", data_dir])
    assert restored.exit_code == 0, restored.output
    assert sum(s.count for s in Plumbline(core.settings).status().stages) == 1


@postgresql_only
def test_backup_points_postgresql_users_to_pg_dump(tmp_path: Path, core: Plumbline) -> None:
    result = CliRunner().invoke(
        app,
        ["backup", str(tmp_path / "copy"), "--data-dir", str(core.settings.data_dir)],
        env={"PLUMBLINE_DATABASE_URL": core.settings.database_url},
    )
    assert result.exit_code == 2 and "pg_dump" in result.output
    assert not (tmp_path / "copy").exists()


@sqlite_only
def test_restore_refuses_files_that_are_not_plumbline_backups(
    tmp_path: Path, core: Plumbline
) -> None:
    data_dir = str(core.settings.data_dir)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(app, ["restore", str(garbage), "--yes", "--data-dir", data_dir])
    assert result.exit_code == 2 and "not a SQLite database" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    result = CliRunner().invoke(app, ["restore", str(other), "--yes", "--data-dir", data_dir])
    assert result.exit_code == 2 and "not a Plumbline database" in result.output
    missing = CliRunner().invoke(app, ["restore", str(tmp_path / "none"), "--yes"])
    assert missing.exit_code == 2


def test_json_log_lines() -> None:
    record = logging.makeLogRecord(
        {"name": "plumbline.x", "levelname": "WARNING", "msg": "feed %s failed", "args": ("f",),
         "feed": "https://a.example/rss"}
    )  # fmt: skip
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "feed f failed" and data["level"] == "warning"
    assert data["feed"] == "https://a.example/rss" and "time" in data
