"""Your news diet: what a reader read on the site, kept only with their consent.

Two places hold the history, both only with preference consent: a reader keeps it in their
own browser (the `pl_seen` and `pl_opened` cookies, web/visits.py), and a signed-in reader
has it kept in their account,
where it follows them to every device, is part of their data export and goes with their
account or at one click ("Forget my history"). Without consent nothing is recorded.
Reached as `Plumbline.diets`; the web layer decides which place applies."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from plumbline.analysis.diet import news_diet
from plumbline.errors import NotFound
from plumbline.models import ArticleRecord, NewsDiet

if TYPE_CHECKING:
    from plumbline.storage.protocols import ArticleStore, ReaderStore, StoryStore, TopicStore

RECORDING = ("account", "browser", "off")


class NewsDiets:
    def __init__(
        self, readers: ReaderStore, stories: StoryStore, articles: ArticleStore, topics: TopicStore
    ) -> None:
        self.readers = readers
        self.stories = stories
        self.articles = articles
        self.topics = topics

    def signed_in(self, token: str | None) -> int | None:
        """The reader id of a signed-in browser (an account with an email), else None."""
        reader_id = self.readers.reader_id(token) if token else None
        if reader_id is None or self.readers.reader_email(reader_id) is None:
            return None
        return reader_id

    def record(
        self,
        reader_id: int,
        when: datetime,
        *,
        story_id: int | None = None,
        article_id: int | None = None,
    ) -> None:
        """Keep a story read or an article opened in a signed-in reader's history (the
        caller has checked their consent)."""
        self.readers.record_read(reader_id, when, story_id=story_id, article_id=article_id)

    def diet(
        self,
        recording: str,
        *,
        reader_id: int | None = None,
        stories: Mapping[int, datetime] | None = None,
        articles: Mapping[int, datetime] | None = None,
    ) -> NewsDiet:
        """The diet from the account's history (`reader_id`) or from the browser's
        (`stories` and `articles`: id -> when)."""
        if recording not in RECORDING:
            raise ValueError(f"recording is one of {RECORDING}")
        story_times, article_times = dict(stories or {}), dict(articles or {})
        if reader_id is not None:
            story_times, article_times = self.readers.reading_history(reader_id)
        summaries = self.stories.story_summaries(story_times)
        reads: dict[int, tuple[datetime, int]] = {}  # current story -> (latest read, id)
        for asked, when in story_times.items():
            summary = summaries.get(asked)
            if summary is not None and (summary.id not in reads or reads[summary.id][0] < when):
                reads[summary.id] = (when, asked)
        story_reads = [(summaries[asked], when) for when, asked in reads.values()]
        records = {a.id: a for a in self.articles.articles(list(article_times))}
        opened = [(records[i], when) for i, when in article_times.items() if i in records]
        return news_diet(story_reads, opened, self.topics.topic_counts(), recording)

    def article(self, key: str) -> ArticleRecord:
        """The article a reader opens through the site (/go/): NotFound for an unknown id or
        one without a web address."""
        from plumbline.storage.base import row_id  # SQLAlchemy loads with the first use

        article_id = row_id(key)
        if article_id is None:
            raise NotFound(f"no article {key[:40]!r}")
        record = self.articles.article(article_id)
        if not record.url.startswith(("https://", "http://")):
            raise NotFound("this article has no web address")
        return record

    def forget(self, reader_id: int) -> int:
        return self.readers.forget_reading(reader_id)
