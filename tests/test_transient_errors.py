"""A database that is down or restarting says nothing about an article: the stages let
such an error through (the work is done again later) and never mark the article failed;
any other error still marks it failed."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from plumbline.core import Plumbline
from plumbline.models import ArticleIn, ArticleState, NewArticle, PipelineReport
from plumbline.pipeline import Pipeline
from plumbline.storage.base import transient


def _restarting(*_: object, **__: object) -> None:
    raise OperationalError("SELECT 1", {}, Exception("terminating connection"))


def _fetched(core: Plumbline) -> Pipeline:
    paragraph = (
        "<p>The city council voted on Tuesday to extend the tram line to the northern "
        "districts, after a debate that lasted most of the evening and drew residents.</p>"
    )
    page = f"<html><head><title>A vote</title></head><body><article>{paragraph * 6}</article>"
    page = (page + "</body></html>").encode()
    core.stores.articles.add_articles(
        [
            NewArticle(
                ArticleIn("https://news.example/a", "A vote", raw_html=page),
                None,
                None,
                "https://news.example/a",
                None,
            )
        ]
    )
    return core.pipeline()


def test_a_transient_error_leaves_the_article_for_later(
    core: Plumbline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _fetched(core)
    batch = core.stores.articles.pending(ArticleState.FETCHED, 10)
    monkeypatch.setattr(core.stores.articles, "save_extraction", _restarting)
    report = PipelineReport()
    with pytest.raises(OperationalError):
        pipeline.extract_batch(batch, report)
    assert report.failed == 0
    assert [a.id for a in core.stores.articles.pending(ArticleState.FETCHED, 10)] == [batch[0].id]
    monkeypatch.undo()
    pipeline.extract_batch(batch, report)  # once the database is back
    assert report.extracted == 1


def test_any_other_error_still_marks_the_article_failed(
    core: Plumbline, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = _fetched(core)
    batch = core.stores.articles.pending(ArticleState.FETCHED, 10)

    def broken(*_: object, **__: object) -> None:
        raise ValueError("unreadable page")

    monkeypatch.setattr(core.stores.articles, "save_extraction", broken)
    report = PipelineReport()
    pipeline.extract_batch(batch, report)
    assert report.failed == 1
    assert {c.state: c.count for c in core.stores.articles.state_counts()}["failed"] == 1


def test_what_counts_as_transient() -> None:
    assert transient(OperationalError("x", {}, Exception("database is locked")))
    assert not transient(ValueError("x"))
