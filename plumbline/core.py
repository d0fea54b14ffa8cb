"""Plumbline: the one service behind the web site, the CLI and the workers."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import IO, TYPE_CHECKING

import numpy as np

from plumbline.analysis.embed import Embedder
from plumbline.analysis.restructure import mean_direction
from plumbline.ingest import sources
from plumbline.ingest.dedupe import canonical_url, content_hash
from plumbline.ingest.importers import ImportLine, read_articles
from plumbline.ingest.resolve import OutletResolver
from plumbline.models import (
    ArticleAssignment,
    ArticleIn,
    ArticleRecord,
    ClusterOutcome,
    DigestReport,
    FeedStatus,
    ImportReport,
    IngestReport,
    Outlet,
    PipelineReport,
    StageCount,
    StoryDetail,
    StorySummary,
    StoryWriteup,
    Subscriber,
)
from plumbline.newsletter.digest import Digests
from plumbline.newsletter.mailer import Mailer
from plumbline.newsletter.subscriptions import Newsletter
from plumbline.settings import Settings
from plumbline.storage import codec
from plumbline.storage.engine import make_engine, migrate
from plumbline.storage.repository import Repository

if TYPE_CHECKING:  # heavy modules (torch, scikit-learn, trafilatura) load on first use
    from plumbline.analysis.article import ArticleAnalyzer

IMPORT_BATCH = 500


@dataclass(slots=True)
class Status:
    stages: list[StageCount]
    stories: int
    outlets: int
    feeds: int
    failing_feeds: list[FeedStatus]


@dataclass(slots=True)
class OutletPage:
    outlet: Outlet
    articles: int
    mean_bias: float | None
    recent: list[ArticleRecord]


class Plumbline:
    """Built from Settings; holds the database and the models, loads models lazily."""

    def __init__(
        self, settings: Settings | None = None, *, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings or Settings()
        self.settings.check()
        self.engine = make_engine(self.settings.resolved_database_url)
        self.repo = Repository(self.engine)
        self._embedder = embedder
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ setup
    def init(self) -> int:
        """Create or upgrade the database and add the packaged outlets that are missing.
        Returns how many outlets were added."""
        migrate(self.engine)
        if not self.settings.default_outlets:
            return 0
        return self.repo.upsert_outlets(sources.packaged_outlets())

    def close(self) -> None:
        self.engine.dispose()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                self._embedder = Embedder(
                    self.settings.embedding_model or None,
                    batch_size=self.settings.embedding_batch_size,
                    threads=self.settings.torch_threads,
                    backend=self.settings.embedding_backend,
                )
            return self._embedder

    def analyzer(self) -> ArticleAnalyzer:
        from plumbline.analysis.article import ArticleAnalyzer

        return ArticleAnalyzer(
            self.embedder,
            max_sentences=self.settings.max_sentences_per_article,
            min_words=self.settings.min_words_for_score,
        )

    # ---------------------------------------------------------------- sources
    def outlets(self) -> list[Outlet]:
        return self.repo.list_outlets()

    def outlet(self, slug: str, *, recent: int = 30) -> OutletPage:
        outlet = self.repo.get_outlet(slug)
        count, mean_bias = self.repo.outlet_stats(slug)
        return OutletPage(outlet, count, mean_bias, self.repo.outlet_articles(slug, recent))

    def add_outlet(
        self, name: str, homepage: str, feeds: Iterable[str] = (), country: str = ""
    ) -> Outlet:
        outlet = sources.new_outlet(name, homepage, feeds, country)
        self.repo.upsert_outlets([outlet])
        return self.repo.get_outlet(outlet.slug)

    def set_outlet_enabled(self, slug: str, enabled: bool) -> None:
        self.repo.set_outlet_enabled(slug, enabled)

    def import_opml(self, content: bytes) -> int:
        """Add the outlets and feeds an OPML file lists; returns outlets added."""
        return self.repo.upsert_outlets(sources.parse_opml(content))

    def export_opml(self) -> bytes:
        return sources.to_opml(self.repo.list_outlets())

    # -------------------------------------------------------------- ingestion
    def ingest(self, *, force: bool = False) -> IngestReport:
        """Poll the feeds that are due once (all enabled feeds with `force`)."""
        from plumbline.ingest.fetch import Fetcher
        from plumbline.ingest.poll import FeedPoller

        with Fetcher(self.settings) as fetcher:
            return FeedPoller(self.repo, self.settings, fetcher).poll(force=force)

    def import_articles(self, stream: IO[bytes]) -> ImportReport:
        """Import a JSONL (or Article-Bias-Prediction) file; bad lines are reported and
        skipped, articles already stored are skipped, so re-importing is harmless."""
        report = ImportReport()
        resolver = OutletResolver(self.repo)
        batch: list[tuple[ArticleIn, int | None, int | None, str, str | None]] = []

        def flush() -> None:
            added, skipped = self.repo.add_articles(batch)
            report.added += added
            report.skipped_existing += skipped
            batch.clear()

        for line in read_articles(stream):
            report.read += 1
            if line.article is None:
                report.invalid += 1
                if len(report.errors) < 100:
                    report.errors.append(f"line {line.number}: {line.error}")
                continue
            article = line.article
            batch.append(
                (
                    article,
                    resolver.resolve(article),
                    None,
                    canonical_url(article.url) if article.url.startswith("http") else article.url,
                    content_hash(article.title, article.text),
                )
            )
            if len(batch) >= IMPORT_BATCH:
                flush()
        flush()
        return report

    def import_demo(self) -> ImportReport:
        """Import the packaged demo corpus (real articles from Article-Bias-Prediction)."""
        demo = resources.files("plumbline").joinpath("data", "demo_corpus.jsonl.gz")
        with demo.open("rb") as stream:
            return self.import_articles(stream)

    # --------------------------------------------------------------- pipeline
    def process(self, *, progress: bool = False, synthesize: bool = True) -> PipelineReport:
        """Run every pending pipeline stage to the end (without `synthesize`: through
        clustering)."""
        from plumbline.pipeline import Pipeline

        pipeline = Pipeline(self.repo, self.settings, self.analyzer, progress=progress)
        return pipeline.run(synthesize=synthesize)

    def cluster_stream(self, stream: IO[bytes]) -> list[ClusterOutcome]:
        """Cluster a JSONL article stream in arrival order with the pipeline's own
        algorithm, one batch at a time as if the articles arrived in batches; meant for a
        throw-away store. One outcome per non-blank input line: the story its article
        ended in (after any merges), or why it has none."""
        resolver = OutletResolver(self.repo)
        keys: list[tuple[ImportLine, tuple[str, str, str | None] | None]] = []
        batch: list[tuple[ArticleIn, int | None, int | None, str, str | None]] = []

        def flush() -> None:
            self.repo.add_articles(batch)
            batch.clear()
            self.process(synthesize=False)

        for line in read_articles(stream):
            if line.article is None:
                keys.append((line, None))
                continue
            article = line.article
            canonical = (
                canonical_url(article.url) if article.url.startswith("http") else article.url
            )
            digest = content_hash(article.title, article.text)
            keys.append((line, (article.external_id, canonical, digest)))
            batch.append((article, resolver.resolve(article), None, canonical, digest))
            if len(batch) >= self.settings.pipeline_batch_size:
                flush()
        flush()
        outcomes = []
        for line, key in keys:
            if key is None:
                outcomes.append(ClusterOutcome(line.number, line.raw_id, None, line.error))
                continue
            story, error = self.repo.story_of_import(*key)
            outcomes.append(ClusterOutcome(line.number, line.raw_id, story, error))
        return outcomes

    def synthesize_stream(self, stream: IO[bytes]) -> tuple[list[StoryWriteup], list[str]]:
        """Write up stories given by a JSONL stream of articles that each name their
        `story`: analysis and synthesis exactly as the pipeline does them, on a throw-away
        store (the stories are taken as given; nothing is clustered). Returns one write-up
        per distinct story, in order of first appearance, and the errors of lines that
        could not be used."""
        from plumbline.pipeline import Pipeline

        resolver = OutletResolver(self.repo)
        errors: list[str] = []
        members: dict[str, list[tuple[str | None, tuple[str, str, str | None]]]] = {}
        batch: list[tuple[ArticleIn, int | None, int | None, str, str | None]] = []
        for line in read_articles(stream):
            if line.article is None:
                errors.append(f"line {line.number}: {line.error}")
                continue
            story_key = line.story
            if not story_key:
                errors.append(f'line {line.number}: needs a "story"')
                continue
            article = line.article
            canonical = (
                canonical_url(article.url) if article.url.startswith("http") else article.url
            )
            digest = content_hash(article.title, article.text)
            members.setdefault(story_key, []).append(
                (line.raw_id, (article.external_id, canonical, digest))
            )
            batch.append((article, resolver.resolve(article), None, canonical, digest))
            if len(batch) >= IMPORT_BATCH:
                self.repo.add_articles(batch)
                batch.clear()
        self.repo.add_articles(batch)
        pipeline = Pipeline(self.repo, self.settings, self.analyzer)
        report = PipelineReport()
        pipeline.extract(report)
        pipeline.analyze(report)
        input_ids: dict[int, str | None] = {}
        story_of: dict[str, int] = {}
        assignments = []
        for index, (story_key, lines) in enumerate(members.items()):
            article_ids = []
            for raw_id, key in lines:
                article_id = self.repo.article_id_of_import(*key)
                if article_id is not None and article_id not in input_ids:
                    input_ids[article_id] = raw_id
                    article_ids.append(article_id)
            features = self.repo.cluster_features(article_ids)
            vectors = [features[i][0] for i in article_ids if i in features]
            if not vectors:
                continue
            centroid = mean_direction(np.stack(vectors))
            provisional = -(index + 1)
            assignments += [ArticleAssignment(i, provisional, centroid) for i in article_ids]
            story_of[story_key] = provisional
        self.repo.assign_articles(assignments)
        for story_key in story_of:
            first = next(a for a in assignments if a.story_id == story_of[story_key])
            story_of[story_key] = self.repo.story_ids_of([first.article_id]).pop()
        pipeline.synthesize(report)
        writeups = []
        for story_key in members:
            if story_key not in story_of:
                writeups.append(
                    StoryWriteup(story_key, None, [], {}, "no article could be analyzed")
                )
                continue
            detail = self.story(story_of[story_key])
            error = "" if detail.synthesis else "no article of the story has usable text"
            writeups.append(
                StoryWriteup(
                    story_key,
                    detail.synthesis,
                    detail.articles,
                    input_ids,
                    error,
                    detail.summary.bias_score,
                )
            )
        return writeups, errors

    def retry_failed(self) -> int:
        return self.repo.retry_failed()

    # ---------------------------------------------------------------- reading
    def stories(
        self, *, limit: int = 30, offset: int = 0, min_outlets: int = 1
    ) -> list[StorySummary]:
        """Stories, the most recent day first and the most-covered first within a day."""
        return self.repo.list_stories(limit=limit, offset=offset, min_outlets=min_outlets)

    def story(self, key: str | int) -> StoryDetail:
        summary, synthesis = self.repo.story(key)
        articles = self.repo.story_articles(summary.id)
        return StoryDetail(
            summary=summary,
            synthesis=codec.synthesis(synthesis) if synthesis else None,
            articles=articles,
        )

    def status(self) -> Status:
        feeds = self.repo.feeds()
        return Status(
            stages=self.repo.state_counts(),
            stories=self.repo.count_stories(),
            outlets=len(self.repo.list_outlets()),
            feeds=len(feeds),
            failing_feeds=[f for f in feeds if f.last_error],
        )

    # ------------------------------------------------------------- newsletter
    @property
    def newsletter(self) -> Newsletter:
        """Subscriptions, preferences and subscriber data (see newsletter/)."""
        return Newsletter(self.repo, self.settings, Mailer(self.settings))

    def subscribe(self, email: str, frequency: str = "daily", topics: Iterable[str] = ()) -> None:
        """Ask for a subscription: emails a confirmation link (double opt-in). The same
        outcome whether or not the address was known; InvalidInput for bad fields."""
        self.newsletter.subscribe(email, frequency, topics)

    def confirm(self, token: str) -> Subscriber:
        """Follow a confirmation link: the subscription starts (idempotent)."""
        return self.newsletter.confirm(token)

    def unsubscribe(self, token: str) -> Subscriber | None:
        """Follow an unsubscribe link (idempotent); None if the subscription is gone."""
        return self.newsletter.unsubscribe(token)

    def send_digests(
        self, frequency: str = "daily", now: datetime | None = None, *, dry_run: bool = False
    ) -> DigestReport:
        """Send this period's digest to each confirmed subscriber of `frequency` that has
        not had it, at most once each even across crashes (see newsletter/digest.py)."""
        return Digests(self.newsletter).send(frequency, now, dry_run=dry_run)
