"""The story timeline on the page and at /api/stories/{id}/timeline, and "new since your
last visit" for readers who consented to preferences (the pl_seen cookie)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from plumbline.core import Plumbline
from plumbline.models import Lean, Outlet
from plumbline.web.app import create_app
from plumbline.web.visits import MAX_STORIES, read_visits, write_visits
from tests.plumbline_fixtures import BROADBAND_BODIES, jsonl

pytestmark = pytest.mark.slow

BODIES = [
    *BROADBAND_BODIES,
    "The governor signed the rural broadband bill that the legislature passed on Thursday, "
    "promising fast internet connections to farms, small towns and remote homes. Critics "
    "still question the cost of the program and how many households it will reach.",
]
OUTLETS = [("left-one", Lean.LEFT), ("left-two", Lean.LEFT), ("right-one", Lean.RIGHT),
           ("center-one", Lean.CENTER)]  # fmt: skip
PUBLISHED = ["2020-06-01T08:00:00+00:00", "2020-06-01T10:00:00+00:00",
             "2020-06-02T14:00:00+00:00", "2020-06-03T09:00:00+00:00"]  # fmt: skip


def _records(rows: range) -> list[dict[str, object]]:
    return [
        {
            "id": f"tl{i}",
            "url": f"https://{OUTLETS[i][0]}.example/broadband",
            "title": "Legislature passes rural broadband bill",
            "text": BODIES[i] * 2,
            "outlet": OUTLETS[i][0].replace("-", " ").title(),
            "published": PUBLISHED[i],
        }
        for i in rows
    ]


def _leans(core: Plumbline) -> None:
    core.stores.outlets.upsert_outlets(
        [Outlet(slug=slug, name=slug.replace("-", " ").title(), homepage="", lean=lean)
         for slug, lean in OUTLETS],
        update_existing=True,
    )  # fmt: skip


@pytest.fixture
def story_site(core: Plumbline) -> Iterator[tuple[Plumbline, TestClient, str]]:
    core.import_articles(jsonl(_records(range(3))))
    _leans(core)
    core.process()
    [story] = core.stories(limit=5)
    assert story.n_articles == 3
    yield core, TestClient(create_app(core), raise_server_exceptions=False), story.slug


def _consent(client: TestClient, core: Plumbline, preferences: bool) -> None:
    version = core.settings.consent_policy_version
    client.cookies.set("pl_consent", f"{version}.{int(preferences)}0.TestConsentId123")


def test_api_timeline_says_who_was_first_and_when_each_side_joined(
    story_site: tuple[Plumbline, TestClient, str],
) -> None:
    core, client, slug = story_site
    response = client.get(f"/api/stories/{slug}/timeline")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == slug and len(body["steps"]) == 3
    assert body["first"]["outlet_name"] == "Left One" and body["first"]["dated"] is True
    assert body["first_outlets"] == ["Left One"] and body["summary"].startswith("First reported")
    assert [(s["side"], s["hours_after_first"]) for s in body["sides"]] == [
        ("left", 0.0),
        ("right", 30.0),
    ]
    assert body["missing_sides"] == ["center"]
    last = body["steps"][-1]
    assert last["outlets"] == {"left": 2, "center": 0, "right": 1, "unrated": 0}
    assert last["coverage_score"] == core.story(slug).summary.bias_score == body["score_last"]
    # the story's numeric id works too; unknown and hostile keys are a clean 404
    story_id = body["story_id"]
    assert client.get(f"/api/stories/{story_id}/timeline").json()["slug"] == slug
    for key in ("no-such-story", "x" * 5000, "%00%27%22<script>", "-1", "Caps-%00"):
        for path in (f"/api/stories/{key}/timeline", f"/api/stories/{key}"):
            missing = client.get(path)
            assert missing.status_code == 404, path
            assert missing.json()["status"] == 404
        assert client.get(f"/story/{key}").status_code == 404
    for slug in ("nul%00", "x" * 500):  # PostgreSQL refuses a NUL byte in text
        assert client.get(f"/api/outlets/{slug}").status_code == 404
        assert client.get(f"/outlet/{slug}").status_code == 404


def test_story_page_shows_how_the_coverage_grew(
    story_site: tuple[Plumbline, TestClient, str],
) -> None:
    _core, client, slug = story_site
    page = client.get(f"/story/{slug}").text
    assert 'id="timeline-h">How the coverage grew' in page
    assert (
        "First reported by Left One on 1 Jun 2020, 08:00 UTC. The left covered it from the "
        "start; the right joined 30 hours later (Right One). No center outlet has covered it "
        "yet." in page
    )
    assert 'aria-labelledby="timeline-cap"' in page and "line-left" in page
    assert "first from the right" in page
    assert "since your last visit" not in page  # no consent: nothing remembered


def test_new_since_the_last_visit_needs_preference_consent(
    story_site: tuple[Plumbline, TestClient, str],
) -> None:
    core, client, slug = story_site
    # without consent, or with analytics only, no visit is remembered
    assert "pl_seen" not in client.get(f"/story/{slug}").headers.get("set-cookie", "")
    _consent(client, core, preferences=False)
    assert "pl_seen" not in client.get(f"/story/{slug}").headers.get("set-cookie", "")
    _consent(client, core, preferences=True)
    first = client.get(f"/story/{slug}")
    assert "pl_seen=" in first.headers["set-cookie"]
    assert "since your last visit" not in first.text
    again = client.get(f"/story/{slug}").text
    assert "Nothing new since your last visit" in again
    core.import_articles(jsonl(_records(range(3, 4))))
    _leans(core)
    core.process()
    page = client.get(f"/story/{slug}").text
    assert "<strong>1 new article</strong> since your last visit" in page
    assert "Center One" in page and 'class="new-tag">new</strong>' in page
    assert "Nothing new since your last visit" in client.get(f"/story/{slug}").text
    # withdrawing preference consent deletes the cookie
    token = client.get("/consent").text.split('name="csrf_token" value="')[1].split('"')[0]
    reject = client.post(
        "/consent", data={"csrf_token": token, "choice": "reject_all"}, follow_redirects=False
    )
    assert (
        'pl_seen=""' in reject.headers["set-cookie"] or "pl_seen=;" in reject.headers["set-cookie"]
    )


@pytest.mark.parametrize(
    "value",
    [
        "{id}.1600000000000" + "x" * 10_000,  # oversized
        "garbage",
        "{id}.2.3_abc.def_-5.100",
        "99999999999999999999.1600000000000",  # story id out of range
        "{id}.99999999999999",  # far future: not a visit
        "{id}.5",  # 1970: not a visit
        "\u00e9\u00e9.1",  # not ASCII
        '"{id}.5"',
        "_".join(f"{i}.1600000000000" for i in range(1, 500)),  # oversized
    ],
)
def test_forged_visit_cookies_are_ignored_not_trusted(
    story_site: tuple[Plumbline, TestClient, str], value: str
) -> None:
    core, client, slug = story_site
    story_id = core.story(slug).summary.id
    value = value.replace("{id}", str(story_id))
    consent = f"pl_consent={core.settings.consent_policy_version}.10.TestConsentId123"
    raw = f"{consent}; pl_seen={value}".encode()  # as a browser could send it
    response = client.get(f"/story/{slug}", headers={"cookie": raw})  # type: ignore[dict-item]
    assert response.status_code == 200
    assert "new article" not in response.text
    written = response.headers["set-cookie"].split("pl_seen=")[1].split(";")[0]
    assert len(written) <= 2500 and written.split("_")[0].split(".")[0].isdigit()


def test_visit_cookie_round_trip_and_limits() -> None:
    now = datetime(2024, 5, 1, 12, 30, 15, 123000, tzinfo=UTC)
    visits = {i: now - timedelta(hours=i) for i in range(1, 150)}
    value = write_visits(visits, 7, now)
    back = read_visits(value)
    assert len(back) == MAX_STORIES and next(iter(back)) == 7 and back[7] == now
    assert back[1] == now - timedelta(hours=1)
    assert read_visits("3.1600000000000_3.1600000100000") == {
        3: datetime.fromtimestamp(1600000000, tz=UTC)
    }
    assert read_visits("3.100") == {}  # 1970: not a visit
    assert read_visits("") == {} and read_visits("0.5") == {}
    # the 100-entry cap, within the size limit
    many = "_".join(f"{i}.1600000000000" for i in range(1, 120))
    assert len(many) <= 2800 and len(read_visits(many)) == MAX_STORIES
