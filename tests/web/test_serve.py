"""A real `plumbline serve` process answering on a loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.plumbline_fixtures import database_url
from tests.ports import free_port

pytestmark = pytest.mark.slow


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
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200
        assert "Top stories" in response.text
        assert httpx.get(base + "/api/outlets", timeout=5).status_code == 200
        assert httpx.get(base + "/static/style.css", timeout=5).status_code == 200
        assert httpx.get(base + "/missing", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(timeout=20)
