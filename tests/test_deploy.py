"""The deployment files stay true to the code: every command that docker-compose and the
systemd units run exists with the options they pass, and every setting the example
environment file sets is a real setting with a valid value."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from plumbline.cli import app
from plumbline.settings import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def _commands() -> list[list[str]]:
    commands = [
        service["command"]
        for service in _compose()["services"].values()
        if service.get("command", [""])[0] == "plumbline"
    ]
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith(("ExecStart=", "ExecStartPre=")):
                words = shlex.split(line.split("=", 1)[1].replace("%%", "%"))
                commands.append(["plumbline", *words[1:]])
    return commands


def test_compose_runs_web_workers_beat_postgresql_and_redis() -> None:
    services = _compose()["services"]
    assert {"web", "worker", "beat", "postgres", "redis", "migrate"} <= set(services)
    assert "pgvector" in services["postgres"]["image"]
    environment = services["web"]["environment"]
    assert environment["PLUMBLINE_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert environment["PLUMBLINE_BROKER_URL"].startswith("redis://")


@pytest.mark.parametrize("command", _commands(), ids=lambda c: " ".join(c[1:3]))
def test_deployed_commands_exist_with_their_options(command: list[str]) -> None:
    subcommand = command[1]
    result = CliRunner().invoke(app, [subcommand, "--help"], terminal_width=200)
    assert result.exit_code == 0, f"plumbline {subcommand}: {result.output}"
    for option in (word.split("=")[0] for word in command[2:] if word.startswith("--")):
        assert option in result.output, f"plumbline {subcommand} has no {option}"


def test_example_environment_sets_only_real_settings() -> None:
    values: dict[str, str] = {}
    for line in (DEPLOY / "plumbline.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            assert re.fullmatch(r"PLUMBLINE_[A-Z_]+", key), key
            values[key.removeprefix("PLUMBLINE_").lower()] = value
    settings = Settings.model_validate(values)  # unknown names or bad values raise
    assert settings.mode == "production"


def test_workers_run_one_model_thread_per_process() -> None:
    worker = _compose()["services"]["worker"]
    assert worker["environment"]["PLUMBLINE_TORCH_THREADS"] == "1"
    assert worker["environment"]["PLUMBLINE_BROKER_URL"].startswith("redis://")
    unit = (DEPLOY / "systemd" / "plumbline-worker@.service").read_text()
    assert "Environment=PLUMBLINE_TORCH_THREADS=1" in unit
