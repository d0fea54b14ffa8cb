"""Processing in growing rounds (`plumbline process --in-rounds`, what `serve --process`
runs): stories are written after every round, and the stories at the end are the ones a
single pass makes."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from plumbline.analysis.embed import Embedder
from plumbline.core import Plumbline
from plumbline.models import PipelineReport
from plumbline.settings import Settings
from tests.plumbline_fixtures import database_url, demo_lines, jsonl

pytestmark = pytest.mark.slow


def groups(core: Plumbline) -> set[frozenset[str]]:
    """Each published story as the set of its articles' URLs."""
    found: set[frozenset[str]] = set()
    offset = 0
    while page := core.stories(limit=200, offset=offset, min_outlets=1):
        for story in page:
            found.add(frozenset(a.url for a in core.story(story.slug, related=0).articles))
        offset += len(page)
    return found


def store(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Plumbline:
    folder = tmp_path_factory.mktemp("rounds")
    settings = Settings(data_dir=folder, database_url=database_url(), pipeline_batch_size=16)
    core = Plumbline(settings, embedder=embedder)
    core.init()
    core.import_articles(jsonl(demo_lines()))
    return core


@pytest.fixture
def fresh(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Iterator[Plumbline]:
    core = store(tmp_path_factory, embedder)
    yield core
    core.close()


def test_rounds_write_stories_early_and_end_where_one_pass_ends(
    fresh: Plumbline, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> None:
    seen: list[tuple[int, int, int, int]] = []

    def on_round(number: int, report: PipelineReport) -> None:
        backlog = fresh.backlog()
        seen.append((number, report.analyzed, backlog.stories, backlog.articles_waiting))

    report = fresh.process_in_rounds(first=16, on_round=on_round)
    total = len(demo_lines())
    assert report.analyzed == total
    assert len(seen) >= 3
    _number, analyzed, stories, waiting = seen[0]
    assert analyzed < total / 2 and stories > 0 and waiting > 0  # a site shows stories early
    assert [s[1] for s in seen] == sorted(s[1] for s in seen)
    assert seen[-1][3] == 0
    assert not fresh.backlog().busy
    one_pass = store(tmp_path_factory, embedder)
    one_pass.process()
    assert groups(fresh) == groups(one_pass)  # same order, same batches: same stories
    one_pass.close()


def test_an_empty_store_takes_one_round(fresh: Plumbline) -> None:
    fresh.process()
    rounds: list[int] = []
    report = fresh.process_in_rounds(on_round=lambda number, _report: rounds.append(number))
    assert rounds == [1]
    assert report.analyzed == 0


def test_following_another_analyzer_ends_where_one_pass_ends(
    fresh: Plumbline, tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> None:
    """`serve --process`: one process analyzes, the other clusters and writes up behind it
    (here two threads on the same store, each with its own Plumbline)."""
    analyzer = Plumbline(fresh.settings, embedder=embedder)
    rounds: list[int] = []
    follower = threading.Thread(
        target=lambda: fresh.process_in_rounds(
            first=16, follow=True, on_round=lambda number, _r: rounds.append(number)
        )
    )
    follower.start()
    done = analyzer.analyze_only()
    follower.join(timeout=240)
    assert not follower.is_alive()
    analyzer.close()
    assert done.analyzed == len(demo_lines())
    assert len(rounds) >= 2
    assert not fresh.backlog().busy
    one_pass = store(tmp_path_factory, embedder)
    one_pass.process()
    assert groups(fresh) == groups(one_pass)
    one_pass.close()


def test_a_follower_whose_analyzer_stopped_analyzes_itself(fresh: Plumbline) -> None:

    pipeline = fresh.pipeline()
    report = pipeline.run_in_rounds(first=16, follow=True, poll=0.05, stall=0.2)
    assert report.analyzed == len(demo_lines())
    assert not fresh.backlog().busy


def test_models_that_cannot_run_stop_the_pipeline_and_fail_no_article(
    fresh: Plumbline, monkeypatch: pytest.MonkeyPatch
) -> None:
    from plumbline.analysis.article import ArticleAnalyzer
    from plumbline.errors import ConfigurationError

    def broken(self: ArticleAnalyzer, items: object) -> object:
        raise ConfigurationError("the encoder cannot be built")

    monkeypatch.setattr(ArticleAnalyzer, "analyze", broken)
    with pytest.raises(ConfigurationError):
        fresh.process()
    counts = {c.state: c.count for c in fresh.stores.articles.state_counts()}
    assert counts["failed"] == 0
    assert counts["extracted"] == len(demo_lines())
