"""The story article on the page, in the API and from the CLI says the same thing: its
sentences (attributed ones as printed), paragraphs, perspectives and the articles' kinds."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from plumbline.analysis.prose import attributed
from plumbline.cli import app
from plumbline.core import Plumbline
from plumbline.models import ArticleKind, Synthesis
from plumbline.web.app import create_app
from tests.plumbline_fixtures import demo_lines

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def client(demo_core: Plumbline) -> TestClient:
    return TestClient(create_app(demo_core), raise_server_exceptions=False)


def _written(demo_core: Plumbline) -> list[tuple[str, Synthesis]]:
    found = []
    for summary in demo_core.stories(limit=100):
        synthesis = demo_core.story(summary.slug).synthesis
        if synthesis is not None:
            found.append((summary.slug, synthesis))
    return found


def _synthesis_section(page: str) -> str:
    start = page.index('<section class="synthesis"')
    return page[start : page.index("</section>", start)]


def _plain(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


def test_the_page_prints_every_sentence_inside_the_synthesis_section(
    client: TestClient, demo_core: Plumbline
) -> None:
    written = _written(demo_core)
    assert written
    for slug, synthesis in written:
        section = _plain(_synthesis_section(client.get(f"/story/{slug}").text))
        for sentence in synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]:
            assert (
                attributed(
                    sentence.text,
                    sentence.attribution,
                    lower=sentence.lower_first,
                )
                in section
            ), sentence.text
        for title in (sec.title for sec in synthesis.sections):
            assert title in section


def test_each_perspective_quotation_is_marked_as_one(
    client: TestClient, demo_core: Plumbline
) -> None:
    with_views = [(slug, s) for slug, s in _written(demo_core) if s.perspectives]
    assert with_views
    for slug, synthesis in with_views:
        section = _synthesis_section(client.get(f"/story/{slug}").text)
        quotes = re.findall(
            r'<blockquote class="perspective"[^>]*><p>(.*?)</p></blockquote>', section, re.S
        )
        expected = [q.text for view in synthesis.perspectives for q in view.quotes]
        assert [html.unescape(q) for q in quotes] == expected
        for view in synthesis.perspectives:
            assert f"How the {view.side.value} covered it" in section


def test_the_api_carries_attribution_paragraphs_perspectives_and_kinds(
    client: TestClient, demo_core: Plumbline
) -> None:
    for slug, synthesis in _written(demo_core)[:12]:
        detail = client.get(f"/api/stories/{slug}").json()
        api_sentences = detail["lead_sentences"] + [
            s for section in detail["sections"] for s in section["sentences"]
        ]
        ours = synthesis.lead + [s for sec in synthesis.sections for s in sec.sentences]
        assert [s["printed"] for s in api_sentences] == [
            attributed(s.text, s.attribution, lower=s.lower_first) for s in ours
        ]
        assert [s["attribution"] for s in api_sentences] == [s.attribution for s in ours]
        assert [s["paragraph"] for s in api_sentences] == [s.paragraph for s in ours]
        assert [section["kind"] for section in detail["sections"]] == [
            sec.kind for sec in synthesis.sections
        ]
        assert [
            (v["side"], v["outlet"], [q["text"] for q in v["quotes"]])
            for v in detail["perspectives"]
        ] == [
            (v.side.value, v.outlet_name, [q.text for q in v.quotes])
            for v in synthesis.perspectives
        ]
        assert detail["note"] == synthesis.note
        assert {a["kind"] for a in detail["articles"]} <= {k.value for k in ArticleKind}


def test_the_sources_table_labels_opinion_and_analysis(
    client: TestClient, demo_core: Plumbline
) -> None:
    for summary in demo_core.stories(limit=100):
        detail = demo_core.story(summary.slug)
        marked = [
            a for a in detail.articles if a.kind in (ArticleKind.OPINION, ArticleKind.ANALYSIS)
        ]
        if marked:
            page = client.get(f"/story/{summary.slug}").text
            sources = page[page.index('id="sources"') :]
            assert f'class="kind kind-{marked[0].kind.value}"' in sources  # type: ignore[union-attr]
            return
    pytest.fail("no demo story has an opinion or analysis article")


def test_the_cli_write_up_adds_the_same_fields_and_keeps_the_contract(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": str(r["ID"]), "title": r["title"], "text": r["content_original"],
                    "outlet": r["source"], "url": r["url"], "story": "one"})
        for r in demo_lines(("2020-06-02",))[:6]
    ]  # fmt: skip
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["synthesize", str(source)])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout.splitlines()[0])
    assert {"story", "headline", "lead", "sections", "bias_score", "assessment", "questions",
            "omissions", "perspectives", "kinds", "note"} <= set(line)  # fmt: skip
    assert set(line["kinds"]) <= {json.loads(x)["id"] for x in lines}
    assert set(line["kinds"].values()) <= {k.value for k in ArticleKind}
    for section in line["sections"]:
        assert section["kind"] in ("facts", "background", "next", "differ", "one_side")
        for sentence in section["sentences"]:
            if sentence.get("attribution"):
                printed = sentence["printed"]
                assert printed.endswith(sentence["text"][1:])
                assert printed.startswith(sentence["attribution"][0])
    for view in line["perspectives"]:
        assert view["side"] in ("left", "center", "right")
        assert view["label"] == f"How the {view['side']} covered it"
        assert view["source"] in line["kinds"] or view["source"].startswith("article-")
