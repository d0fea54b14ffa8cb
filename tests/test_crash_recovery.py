"""Kill `plumbline process` (a real subprocess, SIGKILL) in the middle of its work, run it
again, and check that every article is stored once with a consistent state."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from plumbline.core import Plumbline
from plumbline.settings import Settings
from tests.plumbline_fixtures import database_url, demo_lines, jsonl

pytestmark = pytest.mark.slow


def _process(data_dir: Path, database: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "PLUMBLINE_DATA_DIR": str(data_dir),
        "PLUMBLINE_DATABASE_URL": database,
        "PLUMBLINE_PIPELINE_BATCH_SIZE": "8",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "plumbline", "process", "--quiet"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _counts(core: Plumbline) -> dict[str, int]:
    return {c.state: c.count for c in core.stores.articles.state_counts()}


def test_killed_pipeline_resumes_without_duplicates(tmp_path: Path) -> None:
    database = database_url()
    core = Plumbline(Settings(data_dir=tmp_path, database_url=database))
    core.init()
    records = demo_lines()
    imported = core.import_articles(jsonl(records)).added
    assert imported == len(records)

    proc = _process(tmp_path, database)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        counts = _counts(core)
        if counts["analyzed"] + counts["clustered"] >= 16:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the pipeline finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    interrupted = _counts(core)
    assert interrupted["extracted"] > 0, "kill came too late to interrupt anything"

    second = _process(tmp_path, database)
    _out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()[-2000:]

    counts = _counts(core)
    assert sum(counts.values()) == imported
    assert counts["extracted"] == counts["analyzed"] == counts["fetched"] == 0
    assert counts["clustered"] + counts["duplicate"] + counts["failed"] == imported
    with core.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM articles WHERE state = 'clustered' AND story_id IS NULL")
            ).scalar()
            == 0
        )
        mismatched = conn.execute(
            text(
                "SELECT count(*) FROM stories s WHERE s.n_articles != "
                "(SELECT count(*) FROM articles a WHERE a.story_id = s.id)"
            )
        ).scalar()
        assert mismatched == 0
        assert conn.execute(text("SELECT count(*) FROM stories WHERE n_articles = 0")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM stories WHERE dirty")).scalar() == 0
        urls = conn.execute(text("SELECT count(DISTINCT canonical_url) FROM articles")).scalar()
        assert urls == imported
    core.close()
