"""Ingested text is hostile until proven otherwise: pages must escape it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from plumbline.core import Plumbline
from plumbline.web.app import create_app
from tests.plumbline_fixtures import jsonl

pytestmark = pytest.mark.slow

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_script_in_titles_and_text_is_escaped(core: Plumbline) -> None:
    body = (
        "Officials in the city council voted on Tuesday to approve the new budget plan for the next "
        f"fiscal year. {EVIL} The vote was seven to two after a long debate about road repairs. "
    ) * 3
    records = [
        {
            "id": f"e{i}",
            "url": f"https://evil{i}.example/a",
            "title": f"Budget vote {EVIL}",
            "text": body,
            "outlet": f"Evil {i} News",
            "published": "2020-06-01",
        }
        for i in range(2)
    ]
    core.import_articles(jsonl(records))
    core.process()
    client = TestClient(create_app(core))
    story = core.stories(limit=1)[0]
    for path in ("/", f"/story/{story.slug}", "/outlets"):
        html = client.get(path).text
        assert "<script>alert" not in html
        assert "<img src=x" not in html
    assert "&lt;script&gt;" in client.get(f"/story/{story.slug}").text
