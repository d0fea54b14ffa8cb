"""The story page's assessment, key questions and omissions: every cited anchor exists on
the page, hostile text stays escaped, the API carries them, and on real demo articles the
extractive synthesis passes the faithfulness check."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from plumbline.analysis.explain import explain
from plumbline.analysis.faithful import check_synthesis
from plumbline.analysis.story import story_stats
from plumbline.core import Plumbline
from plumbline.models import Lean, Outlet, StoryDetail
from plumbline.web.app import create_app
from tests.plumbline_fixtures import jsonl

pytestmark = pytest.mark.slow

EVIL = '<script>alert("x")</script>'
FLOOD = (
    "Heavy rain flooded the Millbrook valley over the weekend and closed the main highway "
    "between the two largest towns in the county. "
)


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def _cited(detail: StoryDetail) -> set[str]:
    synthesis = detail.synthesis
    assert synthesis is not None
    items = [*synthesis.assessment, *synthesis.questions]
    return {e.anchor for item in items for e in item.evidence}


@pytest.fixture
def hostile_story(core: Plumbline) -> tuple[TestClient, StoryDetail]:
    """Three outlets, one per side, with a script tag in an outlet name and in the text."""
    outlets = [
        ("left-daily", f"Left {EVIL} Daily", Lean.LEFT),
        ("center-wire", "Center Wire", Lean.CENTER),
        ("right-post", "Right Post", Lean.RIGHT),
    ]
    core.stores.outlets.upsert_outlets(
        [Outlet(slug=s, name=n, homepage="", lean=lean) for s, n, lean in outlets]
    )
    warning = (
        f"State engineers warned last year that the Millbrook river levee {EVIL} was unsafe "
        "and needed urgent repairs before the spring rains. "
    )
    bodies = [
        FLOOD
        + warning
        + "At least 12 people were killed in the flooding in the Millbrook valley on "
        "Sunday, officials said. The council will vote on an emergency relief fund next week. ",
        FLOOD + warning + "Rescue crews searched the valley for survivors on Monday and opened "
        "shelters in three schools for families who lost their homes. ",
        FLOOD + "Officials said 19 people were killed in the flooding in the Millbrook valley on "
        "Sunday. A reckless council ignored years of warnings, critics said. ",
    ]
    records = [
        {
            "id": f"f{i}",
            "url": f"https://{slug}.example/flood",
            "title": "Floods kill residents in Millbrook valley",
            "text": body * 2,
            "outlet": slug,
            "published": "2021-03-01",
        }
        for i, ((slug, _n, _l), body) in enumerate(zip(outlets, bodies, strict=True))
    ]
    core.import_articles(jsonl(records))
    core.process()
    [story] = core.stories(limit=5)
    return TestClient(create_app(core)), core.story(story.slug)


def test_every_cited_anchor_is_on_the_page_and_hostile_text_is_escaped(
    hostile_story: tuple[TestClient, StoryDetail],
) -> None:
    client, detail = hostile_story
    assert detail.synthesis is not None
    assert detail.synthesis.assessment and detail.synthesis.questions
    html = client.get(f"/story/{detail.summary.slug}").text
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert _cited(detail) <= _ids(html)
    assert 'id="assessment"' in html and "Think and consider" in html
    assert html.count("<details") >= 1 + len(detail.synthesis.questions)  # one per question
    for omission in detail.synthesis.omissions:
        for side in omission.missing_from:
            heading = {"left": "left-leaning", "center": "center", "right": "right-leaning"}
            assert f"Not mentioned by {heading[side.value]} sources" in html


def test_the_api_story_detail_carries_assessment_questions_and_omissions(
    hostile_story: tuple[TestClient, StoryDetail],
) -> None:
    client, detail = hostile_story
    data = client.get(f"/api/stories/{detail.summary.slug}").json()
    assert detail.synthesis is not None
    assert [a["text"] for a in data["assessment"]] == [a.text for a in detail.synthesis.assessment]
    assert [q["kind"] for q in data["questions"]] == [q.kind for q in detail.synthesis.questions]
    assert all(e["anchor"] for q in data["questions"] for e in q["evidence"])
    assert len(data["omissions"]) == len(detail.synthesis.omissions)
    schema = client.get("/api/openapi.json").json()
    assert "QuestionOut" in schema["components"]["schemas"]


def test_demo_stories_cite_only_what_their_page_shows(demo_core: Plumbline) -> None:
    client = TestClient(create_app(demo_core))
    stories = demo_core.stories(limit=8, min_outlets=2)
    assert stories
    for summary in stories:
        detail = demo_core.story(summary.slug)
        assert detail.synthesis is not None
        assert 2 <= len(detail.synthesis.assessment) <= 4
        assert len(detail.synthesis.questions) <= 5
        assert _cited(detail) <= _ids(client.get(f"/story/{summary.slug}").text), summary.slug


def test_the_extractive_synthesis_of_demo_stories_is_faithful(demo_core: Plumbline) -> None:
    for summary in demo_core.stories(limit=100):
        articles = demo_core.stores.stories.story_articles(summary.id)
        detail = demo_core.story(summary.slug)
        assert detail.synthesis is not None
        texts = {a.id: a.text for a in articles}
        assert check_synthesis(detail.synthesis, texts, [a.title for a in articles]) == []
        assert explain(detail.synthesis, articles, story_stats(articles), summary.tones) == []
