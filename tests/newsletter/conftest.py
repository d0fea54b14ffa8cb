"""Newsletter fixtures: a real SMTP server on 127.0.0.1, a store without models, and
published stories built by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.storage.schema import StoryRow, StoryTopicRow
from plumbline.web.app import create_app
from tests.mailserver import MailServer
from tests.plumbline_fixtures import database_url

NOW = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    with MailServer() as server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, mail_server: MailServer) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=database_url(),
        default_outlets=False,
        smtp_host="127.0.0.1",
        smtp_port=mail_server.port,
        smtp_timeout=5.0,
        public_url="http://testserver",
        subscribe_limit_per_hour=100,
    )


@pytest.fixture
def core(settings: Settings) -> Iterator[Plumbline]:
    plumbline = Plumbline(settings)  # no models: nothing here analyzes text
    plumbline.init()
    yield plumbline
    plumbline.close()


@pytest.fixture
def client(core: Plumbline) -> TestClient:
    return TestClient(create_app(core), raise_server_exceptions=False)


def add_story(
    core: Plumbline,
    slug: str,
    *,
    outlets: int = 3,
    hours_ago: float = 2.0,
    topics: tuple[str, ...] = (),
    bias: float | None = 42.0,
    headline: str | None = None,
    now: datetime = NOW,
) -> int:
    """A published story last reported `hours_ago` before `now`."""
    at = now - timedelta(hours=hours_ago)
    with core.stores.articles.session() as s:
        row = StoryRow(
            slug=slug,
            headline=headline or f"Headline of {slug}",
            lead="A lead.",
            created_at=at,
            updated_at=at,
            first_published_at=at,
            last_published_at=at,
            n_articles=outlets,
            n_outlets=outlets,
            lean_left=1,
            lean_center=max(outlets - 2, 0),
            lean_right=1,
            lean_unrated=0,
            bias_score=bias,
            centroid=b"\0" * 8,
            dirty=False,
            synthesis={"headline": headline or slug},
            topics=list(topics),
        )
        s.add(row)
        s.flush()
        for rank, topic in enumerate(topics):
            s.add(StoryTopicRow(story_id=row.id, topic=topic, rank=rank))
        return row.id
