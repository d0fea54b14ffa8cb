"""`plumbline run` with a broker set refuses to start (it would poll and process beside
the workers and beat) and says what to run instead."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from plumbline.cli import app as cli


def test_run_with_a_broker_refuses_and_points_to_workers_and_beat(tmp_path: Path) -> None:
    env = {"PLUMBLINE_BROKER_URL": "redis://127.0.0.1:6379/0", "PLUMBLINE_DEFAULT_OUTLETS": "false"}
    result = CliRunner().invoke(cli, ["run", "--data-dir", str(tmp_path)], env=env)
    assert result.exit_code == 2
    assert "plumbline worker" in result.output and "plumbline beat" in result.output
    assert not (tmp_path / "plumbline.db").exists()  # refused before touching anything


def test_run_help_says_so() -> None:
    result = CliRunner().invoke(cli, ["run", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "PLUMBLINE_BROKER_URL" in result.output and "plumbline beat" in result.output
