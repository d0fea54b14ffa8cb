"""Stories merge when they turn out to be one event (the old URL redirects) and split when
they drifted; `plumbline cluster` runs the same pipeline on a throw-away store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from plumbline.analysis.embed import Embedder
from plumbline.cli import app
from plumbline.core import Plumbline
from plumbline.models import ArticleAssignment, PipelineReport
from plumbline.settings import Settings
from plumbline.web.app import create_app
from tests.plumbline_fixtures import jsonl

VOLCANO = [
    {
        "id": "v1",
        "title": "Volcano erupts on Iceland's Reykjanes peninsula, forcing evacuation of Grindavik",
        "text": "A volcano erupted on Iceland's Reykjanes peninsula on Monday night, sending "
        "lava fountains into the sky and forcing the evacuation of the fishing town of "
        "Grindavik. The Icelandic Meteorological Office said the fissure was about four "
        "kilometres long.",
        "outlet": "Reuters",
        "published": "2024-01-15T08:00:00Z",
    },
    {
        "id": "v2",
        "title": "Iceland volcano eruption: lava flows toward evacuated town of Grindavik",
        "text": "Lava from a volcanic eruption on the Reykjanes peninsula in Iceland flowed "
        "toward the town of Grindavik, which had been evacuated. Authorities said no lives "
        "were in danger and the airport stayed open.",
        "outlet": "BBC News",
        "published": "2024-01-15T10:00:00Z",
    },
]
FED = [
    {
        "id": "f1",
        "title": "Federal Reserve holds interest rates steady, signals cuts later this year",
        "text": "The Federal Reserve kept its benchmark interest rate unchanged on Wednesday "
        "and signalled that it expects to cut rates later this year as inflation cools.",
        "outlet": "CNN",
        "published": "2024-01-15T12:00:00Z",
    },
    {
        "id": "f2",
        "title": "Fed leaves rates unchanged and points to cuts as inflation eases",
        "text": "Federal Reserve policymakers left interest rates where they were and said "
        "they still expect to lower borrowing costs this year as inflation eases.",
        "outlet": "Fox News",
        "published": "2024-01-15T13:00:00Z",
    },
]


@pytest.fixture
def make_core(settings: Settings, embedder: Embedder) -> Iterator[object]:
    made: list[Plumbline] = []

    def build(**changes: object) -> Plumbline:
        core = Plumbline(settings.model_copy(update=changes), embedder=embedder)
        core.init()
        made.append(core)
        return core

    yield build
    for core in made:
        core.close()


def test_two_stories_of_one_event_merge_and_the_old_url_redirects(make_core) -> None:  # type: ignore[no-untyped-def]
    # nothing joins on arrival, so each volcano article starts a story; the merge pass
    # then sees two stories about one event
    core = make_core(cluster_decision="score", cluster_threshold=0.99, cluster_merge_threshold=0.7)
    core.import_articles(jsonl(VOLCANO))
    report = core.process()
    assert report.merged == 1
    stories = core.stories(limit=10)
    assert len(stories) == 1 and stories[0].n_articles == 2 and stories[0].n_outlets == 2
    survivor = stories[0]
    gone = 1 if survivor.id == 2 else 2
    assert core.story(gone).summary.id == survivor.id
    client = TestClient(create_app(core))
    response = client.get(f"/story/{gone}-old-title", follow_redirects=False)
    assert response.status_code == 301
    assert response.headers["location"] == f"/story/{survivor.slug}"


def test_different_events_do_not_merge(make_core) -> None:  # type: ignore[no-untyped-def]
    core = make_core(cluster_merge_threshold=0.8)
    core.import_articles(jsonl(VOLCANO[:1] + FED[:1]))
    report = core.process()
    assert report.merged == 0
    assert len(core.stories(limit=10)) == 2


def test_a_story_that_swallowed_two_events_splits(make_core) -> None:  # type: ignore[no-untyped-def]
    core = make_core(cluster_split_threshold=0.5, cluster_split_min_part=2)
    core.import_articles(jsonl(VOLCANO + FED))
    pipeline = core.pipeline()
    report = PipelineReport()
    pipeline.analyze(report)
    # a drifting story: all four articles ended up in one
    ids = sorted(core.stores.stories.cluster_features(list(range(1, 5))))
    centroid = np.ones(384, dtype=np.float32) / np.sqrt(384)
    core.stores.stories.assign_articles([ArticleAssignment(i, -1, centroid) for i in ids])
    pipeline._restructure(ids, timedelta(hours=72), report)
    assert report.split == 1
    pipeline.synthesize(report)
    stories = core.stories(limit=10)
    groups = sorted(sorted(a.title[:8] for a in core.story(s.id).articles) for s in stories)
    assert groups == [["Fed leav", "Federal "], ["Iceland ", "Volcano "]]
    assert 1 in {s.id for s in stories}  # the old story kept its id


def _run_cluster(tmp_path: Path, lines: list[str]) -> list[dict[str, object]]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["cluster", str(source)])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_cluster_cli_groups_events_and_reports_every_line(tmp_path: Path) -> None:
    undated = {"id": "f3", "title": "Fed keeps rates on hold; cuts expected later this year"}
    lines = [json.dumps(r) for r in (*VOLCANO, *FED, VOLCANO[0], undated)]
    lines += ['{"id": "empty", "title": "", "text": ""}', "not json", "[1, 2]", ""]
    out = _run_cluster(tmp_path, lines)
    assert [o["id"] for o in out] == ["v1", "v2", "f1", "f2", "v1", "f3", "empty", None, None]
    story = {o["id"]: o["story"] for o in out[:6]}
    assert story["v1"] == story["v2"] != story["f1"]
    assert story["f1"] == story["f2"]
    assert out[4]["story"] == story["v1"]  # the same article twice: one story
    assert all(isinstance(o["story"], int) for o in out[:6])
    for bad in out[6:]:
        assert bad["story"] is None and str(bad["error"]).startswith("line ")


def test_cluster_cli_reads_standard_input_and_refuses_a_missing_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["cluster", "-"], input=json.dumps(FED[0]) + "\n")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"id": "f1", "story": 1}
    missing = CliRunner().invoke(app, ["cluster", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_cluster_cli_handles_hostile_input(tmp_path: Path) -> None:
    big = json.dumps({"id": "big", "title": "x", "text": "word " * 60_000})
    huge = json.dumps({"id": "huge", "title": "x", "text": "word " * 100_000})
    script = json.dumps({"id": "<script>", "title": "<script>alert(1)</script>", "text": "\x00"})
    out = _run_cluster(tmp_path, [big, script, huge, '{"id": 7, "title": 5}', "\xff\xfe"])
    assert [o["id"] for o in out] == ["big", "<script>", "huge", "7", None]
    assert out[0]["story"] is not None and out[1]["story"] is not None
    assert "longer than" in str(out[2]["error"])
    assert all(o["story"] is None and o["error"] for o in out[2:])


def test_entity_signal_in_the_pipeline(make_core) -> None:  # type: ignore[no-untyped-def]
    # one article per batch: the second batch scores a stored story, whose members' entities
    # the pipeline reads again (terms and entities on, merges off)
    core = make_core(
        cluster_decision="score",
        cluster_lexical_weight=0.3,
        cluster_entity_weight=0.2,
        cluster_threshold=0.4,
        cluster_merge_threshold=1.0,
        pipeline_batch_size=1,
    )
    core.import_articles(jsonl(VOLCANO + FED[:1]))
    report = core.process(synthesize=False)
    assert report.clustered == 3 and report.merged == 0
    story_of = {a: core.stores.stories.story_ids_of([a]) for a in (1, 2, 3)}
    assert story_of[1] == story_of[2] != story_of[3]


def test_learned_decision_in_the_pipeline_reads_stored_members(make_core) -> None:  # type: ignore[no-untyped-def]
    # one article per batch: the second volcano article meets a stored story, whose members'
    # title+lead the pipeline reads for the term and number signals of the same-event model
    core = make_core(cluster_merge_threshold=1.0, pipeline_batch_size=1)
    assert core.settings.cluster_decision == "learned"
    core.import_articles(jsonl(VOLCANO + FED[:1]))
    report = core.process(synthesize=False)
    assert report.clustered == 3 and report.merged == 0
    story_of = {a: core.stores.stories.story_ids_of([a]) for a in (1, 2, 3)}
    assert story_of[1] == story_of[2] != story_of[3]
