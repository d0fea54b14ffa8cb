from collections.abc import Iterator

import pytest

from tests.feedserver import FeedServer

pytest_plugins = ["tests.plumbline_fixtures"]


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on 127.0.0.1 with feeds, article pages and hostile routes."""
    with FeedServer() as server:
        yield server
