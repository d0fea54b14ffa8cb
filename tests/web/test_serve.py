"""A real `plumbline serve` process answering on a loopback port."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.plumbline_fixtures import database_url, demo_lines
from tests.ports import free_port

pytestmark = pytest.mark.slow


def first_answer(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> httpx.Response:
    """The first answer of a server that is starting (it must not exit meanwhile)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return httpx.get(url, timeout=5)
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise
            time.sleep(0.2)


def test_serve_answers_pages_and_api(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PLUMBLINE_DATA_DIR": str(tmp_path),
        "PLUMBLINE_DATABASE_URL": database_url(),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "plumbline", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        response = first_answer(base + "/", proc)
        assert response.status_code == 200
        assert "Top stories" in response.text
        assert httpx.get(base + "/api/outlets", timeout=5).status_code == 200
        assert httpx.get(base + "/static/style.css", timeout=5).status_code == 200
        assert httpx.get(base + "/missing", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def test_serve_process_fills_the_site_while_it_answers(tmp_path: Path) -> None:
    """`serve --process` (what `make run` runs): the site answers at once, the front page
    says what is still being processed, and stories appear as they are written."""
    env = {
        **os.environ,
        "PLUMBLINE_DATA_DIR": str(tmp_path),
        "PLUMBLINE_DATABASE_URL": database_url(),
        "PLUMBLINE_PIPELINE_BATCH_SIZE": "16",
    }
    lines = "".join(json.dumps(r) + "\n" for r in demo_lines())
    plumbline = [sys.executable, "-m", "plumbline"]
    subprocess.run([*plumbline, "init"], env=env, check=True, capture_output=True)
    subprocess.run(
        [*plumbline, "import", "-"], env=env, input=lines.encode(), check=True, capture_output=True
    )
    port = free_port()
    proc = subprocess.Popen(
        [*plumbline, "serve", "--process", "--workers", "1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        first = first_answer(base + "/", proc)
        assert first.status_code == 200
        assert "Still reading the news" in first.text
        assert re.search(r"of [\d,]+ articles are in their stories", first.text)
        deadline = time.monotonic() + 240
        page = first.text
        while "Still reading the news" in page:
            assert time.monotonic() < deadline, "processing did not finish"
            time.sleep(1)
            page = httpx.get(base + "/", timeout=5).text
        assert 'class="story-card' in page
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    text = out.decode()
    assert "processing the waiting articles in the background" in text
    assert re.search(r"round 1: \d+ articles in stories", text)
