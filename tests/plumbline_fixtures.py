"""Shared fixtures: settings in a temporary folder, one embedding model per session, and a
small processed store of real demo-corpus articles for the site tests."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import pytest

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.settings import Settings

DEMO_SAMPLE_DAYS = ("2020-06-01", "2020-06-02", "2020-06-03")


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        default_outlets=False,  # their feeds are on the internet; tests stay on loopback
        allow_private_addresses=True,
        per_host_delay=0.0,
        fetch_timeout=2.0,
        fetch_retries=0,
        fetch_backoff=0.0,
        pipeline_batch_size=16,
    )


@pytest.fixture
def core(settings: Settings, embedder: Embedder) -> Iterator[Plumbline]:
    plumbline = Plumbline(settings, embedder=embedder)
    plumbline.init()
    yield plumbline
    plumbline.close()


def demo_lines(days: tuple[str, ...] = DEMO_SAMPLE_DAYS) -> list[dict[str, object]]:
    """Real articles of the packaged demo corpus published on the given days."""
    data = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz").read_bytes()
    lines = []
    with gzip.open(io.BytesIO(data), "rt", encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            if record["date"] in days:
                lines.append(record)
    return lines


def jsonl(records: list[dict[str, object]]) -> io.BytesIO:
    return io.BytesIO("".join(json.dumps(r) + "\n" for r in records).encode())


@pytest.fixture(scope="session")
def demo_core(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Plumbline]:
    """A store with three days of the demo corpus imported and processed (read-only use)."""
    folder = tmp_path_factory.mktemp("demo")
    plumbline = Plumbline(Settings(data_dir=folder), embedder=embedder)
    plumbline.init()
    plumbline.import_articles(jsonl(demo_lines()))
    plumbline.process()
    yield plumbline
    plumbline.close()
