"""Readers check the model: "Is this loaded? yes / no" on each highlighted phrase — the
forms on the story page and the check page, one answer per reader and phrase, the
agreement on the methodology page, the reader's export and deletion, and forged, flooded
and oversized answers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from plumbline.analysis.embed import Embedder
from plumbline.cli import app as cli
from plumbline.core import Plumbline
from plumbline.settings import Settings
from plumbline.storage.base import MAX_ID
from plumbline.web.app import create_app
from plumbline.web.forms import MAX_FORM_BYTES, READER_COOKIE
from tests.plumbline_fixtures import database_url, jsonl

REPO = Path(__file__).resolve().parents[2]

TAX = [
    {
        "id": "t1",
        "title": "Senate passes tax bill that cuts rates for corporations",
        "text": "The Senate passed a tax bill on Tuesday that cuts the corporate tax rate "
        "from 21 percent to 18 percent, by a vote of 51 to 49. The bill now goes to the "
        "House, where a vote is expected next week. The Congressional Budget Office "
        "estimated the cut would reduce revenue by 400 billion dollars over ten years.",
        "outlet": "Reuters",
        "published": "2026-11-03T10:00:00Z",
    },
    {
        "id": "t2",
        "title": "Republicans ram through disastrous giveaway to their corporate cronies",
        "text": "Extremist Republicans rammed a disastrous tax giveaway through the Senate on "
        "Tuesday, a shameful handout to their corporate cronies that slashes the corporate "
        "rate from 21 percent to 18 percent. The reckless bill passed 51 to 49 and heads to "
        "the House next week. The Congressional Budget Office said it would cost 400 "
        "billion dollars in revenue over ten years.",
        "outlet": "Alternet",
        "published": "2026-11-03T11:00:00Z",
    },
    {
        "id": "t3",
        "title": "Senate delivers long-overdue tax relief as radical Democrats whine",
        "text": "The Senate delivered long-overdue tax relief on Tuesday, cutting the "
        "job-killing corporate rate from 21 percent to 18 percent despite hysterical "
        "attacks from radical Democrats. The bill passed 51 to 49 and goes to the House "
        "next week. The Congressional Budget Office said revenue would fall by 400 billion "
        "dollars over ten years.",
        "outlet": "Breitbart",
        "published": "2026-11-03T12:00:00Z",
    },
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Plumbline]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("feedback"),
        database_url=database_url(),
        default_outlets=False,
        public_url="http://testserver",
    )
    core = Plumbline(settings, embedder=embedder)
    core.init()
    core.import_articles(jsonl(TAX))
    core.process()
    yield core
    core.close()


@pytest.fixture
def client(site: Plumbline) -> TestClient:
    return TestClient(create_app(site))


def _slug(core: Plumbline) -> str:
    return core.stories(limit=1)[0].slug


def _forms(html: str) -> list[dict[str, str]]:
    """Every "Is this loaded?" form of a page: its hidden fields."""
    found = []
    for form in re.findall(r'<form method="post" action="/feedback/phrase".*?</form>', html, re.S):
        fields = dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', form))
        found.append({k: v.replace("&amp;", "&").replace("&#34;", '"') for k, v in fields.items()})
    return found


def _answer(client: TestClient, form: dict[str, str], answer: str) -> None:
    response = client.post(
        "/feedback/phrase", data={**form, "answer": answer}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == form["next"]


def _article(core: Plumbline, outlet: str) -> int:
    detail = core.story(_slug(core))
    return next(a.id for a in detail.articles if a.outlet_name == outlet)


def test_every_highlighted_phrase_asks_and_reading_sets_no_cookie(client: TestClient, site) -> None:  # type: ignore[no-untyped-def]
    slug = _slug(site)
    story = client.get(f"/story/{slug}")
    assert story.status_code == 200 and "set-cookie" not in story.headers
    forms = _forms(story.text)
    assert {"shameful", "disastrous", "hysterical"} <= {f["phrase"].lower() for f in forms}
    for form in forms:
        assert form["next"].startswith(f"/story/{slug}#check-")
        assert f'id="{form["next"].split("#")[1]}"' in story.text  # the answer lands back here
    assert f'href="/story/{slug}/phrases"' in story.text
    # the check page asks about every highlighted phrase, the evidence section's and the rest
    check = client.get(f"/story/{slug}/phrases")
    assert check.status_code == 200 and "set-cookie" not in check.headers
    asked = {(f["article"], f["phrase"].lower()) for f in _forms(check.text)}
    detail = site.story(slug)
    from plumbline.analysis.wording import shown_phrases

    shown = {(str(a.id), p.text.lower()) for a in detail.articles if a.analysis
             for p in shown_phrases(a.analysis)}  # fmt: skip
    assert shown and shown == asked
    for article_id, _phrase in asked:
        assert f'href="/story/{slug}/phrases#article-{article_id}"' in story.text
    # the check page of a story reached by its id redirects to the story's address
    moved = client.get(f"/story/{detail.summary.id}/phrases", follow_redirects=False)
    assert moved.status_code == 301 and moved.headers["location"] == f"/story/{slug}/phrases"
    assert client.get("/story/no-such-story/phrases").status_code == 404


def test_one_answer_per_reader_and_phrase_shown_exported_and_deleted(site) -> None:  # type: ignore[no-untyped-def]
    app = create_app(site)
    first, second = TestClient(app), TestClient(app)
    slug = _slug(site)
    before = site.feedback.agreement()
    form = next(f for f in _forms(first.get(f"/story/{slug}").text) if f["phrase"] == "shameful")
    _answer(first, form, "yes")
    assert first.cookies.get(READER_COOKIE)  # the reader key, set with the first answer
    page = first.get(f"/story/{slug}").text
    mine = next(m for m in re.findall(r'<form method="post" action="/feedback/phrase".*?</form>',
                                      page, re.S) if 'value="shameful"' in m)  # fmt: skip
    assert 'value="yes" class="check-answer" aria-pressed="true"' in mine
    assert "You said yes." in mine
    # a second answer (from the page as it is now: the form's token is bound to the new
    # reader key) replaces the first: still one answer from this reader
    form = next(f for f in _forms(page) if f["phrase"] == "shameful")
    _answer(first, form, "no")
    after = site.feedback.agreement()
    assert after.votes == before.votes + 1 and after.yes == before.yes
    # another reader on the same phrase: two answers, one pair of readers, who disagree
    _answer(second, next(f for f in _forms(second.get(f"/story/{slug}").text)
                         if f["phrase"] == "shameful"), "yes")  # fmt: skip
    both = site.feedback.agreement()
    assert both.votes == before.votes + 2 and both.readers == before.readers + 2
    assert both.pairs == before.pairs + 1 and both.pairs_agreeing == before.pairs_agreeing
    assert sum(b.votes for b in both.bands) == both.votes
    methodology = second.get("/methodology").text
    assert 'id="readers-check-the-model"' in methodology
    assert f"<strong>{both.votes}</strong> answer" in methodology
    # the reader's export holds the answer; deleting the data removes it from every count
    token = re.search(r'name="csrf_token" value="([^"]+)"',
                      first.get("/account").text.split('action="/account/export"')[1]).group(1)  # type: ignore[union-attr]  # fmt: skip
    exported = first.post("/account/export", data={"csrf_token": token}).json()
    assert [(a["phrase"], a["loaded"]) for a in exported["phrase_answers"]] == [("shameful", False)]
    assert (
        exported["phrase_answers"][0]["article"]
        == site.stores.articles.article(int(form["article"])).url
    )
    first.post("/account/delete", data={"csrf_token": token})
    gone = site.feedback.agreement()
    assert gone.votes == both.votes - 1 and gone.readers == both.readers - 1


def test_feedback_export_is_labelled_data(site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(create_app(site))
    slug = _slug(site)
    for phrase, answer in (("disastrous", "yes"), ("hysterical", "no")):
        forms = _forms(client.get(f"/story/{slug}/phrases").text)  # tokens fit the reader key
        _answer(client, next(f for f in forms if f["phrase"].lower() == phrase), answer)
    output = tmp_path / "answers.jsonl"
    runner = CliRunner()
    result = runner.invoke(
        cli, ["feedback", "export", "--output", str(output)],
        env={"PLUMBLINE_DATA_DIR": str(site.settings.data_dir),
             "PLUMBLINE_DATABASE_URL": site.settings.resolved_database_url},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = {r["phrase"]: r for r in map(json.loads, output.read_text().splitlines())}
    assert rows["disastrous"]["label"] is True and rows["hysterical"]["label"] is False
    for row in rows.values():
        assert row["sentence"][row["start"] : row["end"]].lower() == row["phrase"]
        assert 0 < row["model_weight"] <= 1 and row["url"] and row["outlet"]
        assert set(row) >= {"yes", "no", "article_id"} and "reader" not in json.dumps(row)
    assert "phrase(s) written" in result.output
    # bench/ reads the export: the same figures as the site's own
    bench = subprocess.run(
        [sys.executable, str(REPO / "bench" / "phrase_agreement.py"), "--export", str(output)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    found = site.feedback.agreement()
    assert f"answers {found.votes}, phrases {found.phrases}" in bench.stdout
    assert f"{found.yes}/{found.votes} = " in bench.stdout
    output.write_text('{"phrase": "x"}\n')
    broken = subprocess.run(
        [sys.executable, str(REPO / "bench" / "phrase_agreement.py"), "--export", str(output)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert broken.returncode == 1 and "not a line of `plumbline feedback export`" in broken.stderr
    few = runner.invoke(
        cli, ["feedback", "export", "--min-answers", "0"],
        env={"PLUMBLINE_DATA_DIR": str(site.settings.data_dir)},
    )  # fmt: skip
    assert few.exit_code == 2


def test_forged_hostile_and_flooded_answers_are_refused(site) -> None:  # type: ignore[no-untyped-def]
    app = create_app(site)
    client = TestClient(app)
    slug = _slug(site)
    form = _forms(client.get(f"/story/{slug}").text)[0]
    before = site.feedback.agreement().votes

    def post(status: int, **changes: str) -> str:
        response = client.post(
            "/feedback/phrase", data={**form, "answer": "yes", **changes}, follow_redirects=False
        )
        assert response.status_code == status, (changes, response.text[:300])
        return response.text

    post(403, csrf_token="")
    post(403, csrf_token="forged.token.value")
    save_token = re.search(r'action="/saved/[^"]+".*?name="csrf_token" value="([^"]+)"',
                           client.get(f"/story/{slug}").text, re.S).group(1)  # type: ignore[union-attr]  # fmt: skip
    assert "does not belong" in post(403, csrf_token=save_token)  # another form's token
    assert "not a phrase the model highlighted" in post(400, phrase="wonderful")
    assert "not a phrase the model highlighted" in post(400, phrase="")
    post(400, phrase="x" * 201)
    assert "yes or no" in post(400, answer="maybe")
    for bad in ("abc", "-1", "0", str(MAX_ID + 1), "1e3", "１"):
        post(400, article=bad)
    other_article = _article(site, "Reuters")  # a real article where the phrase is not marked
    post(400, article=str(other_article))
    post(404, article=str(MAX_ID))
    post(400, article="9" * 21)
    big = client.post("/feedback/phrase", content=b"x" * (MAX_FORM_BYTES + 1),
                      headers={"content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert big.status_code == 413
    evil = client.post(
        "/feedback/phrase",
        data={**form, "answer": "yes", "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert evil.status_code == 303 and evil.headers["location"] == "/"
    assert site.feedback.agreement().votes == before + 1  # only the last, valid answer counted
    # a flood from one client stops at the hourly limit with a clear answer
    limits = app.state.limits
    from limits import RateLimitItemPerHour

    limits.rules["phrase"] = (RateLimitItemPerHour(3), "answers about phrases")
    form = _forms(client.get(f"/story/{slug}").text)[0]
    codes = [client.post("/feedback/phrase", data={**form, "answer": "no"},
                         follow_redirects=False).status_code for _ in range(5)]  # fmt: skip
    assert codes == [303, 303, 303, 429, 429]
    flooded = client.post("/feedback/phrase", data={**form, "answer": "no"})
    assert "too many answers about phrases" in flooded.text


def test_signing_in_brings_a_browsers_answers_into_the_account(site) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from plumbline.accounts import new_token

    client = TestClient(create_app(site))
    slug = _slug(site)
    form = next(f for f in _forms(client.get(f"/story/{slug}").text) if f["phrase"] == "cronies")
    _answer(client, form, "yes")
    browser = site.stores.readers.reader_id(client.cookies[READER_COOKIE])
    link, account_token = new_token(), new_token()
    site.stores.readers.create_sign_in(link, "answers@example.org", browser, timedelta(minutes=5))
    account = site.stores.readers.use_sign_in(link, account_token)
    assert account != browser
    exported = site.stores.readers.export_reader(account)
    assert [(a["phrase"], a["loaded"]) for a in exported["phrase_answers"]] == [("cronies", True)]
