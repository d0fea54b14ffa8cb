"""Plumbline: the one service behind the web site, the CLI and the workers."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import IO, TYPE_CHECKING

from plumbline.accounts import Readers
from plumbline.analysis.profile import outlet_profile
from plumbline.analysis.timeline import story_timeline
from plumbline.analysis.topic_names import TOPICS
from plumbline.analysis.wording import shown_phrases
from plumbline.diet import NewsDiets
from plumbline.errors import ConfigurationError, NotFound
from plumbline.feedback import PhraseFeedback
from plumbline.follows import Follows
from plumbline.models import (
    WAITING_STATES,
    AlertReport,
    ArticleAssignment,
    ArticleIn,
    ArticleRecord,
    ArticleState,
    Backlog,
    ClusterOutcome,
    DigestReport,
    FeedStatus,
    ImportKey,
    ImportReport,
    IngestReport,
    NewArticle,
    Outlet,
    OutletProfile,
    PipelineReport,
    StageCount,
    StoryDetail,
    StorySummary,
    StoryTimeline,
    StoryWriteup,
    Subscriber,
    TopicSummary,
)
from plumbline.newsletter.mailer import Email, Mailer
from plumbline.newsletter.subscriptions import Newsletter
from plumbline.outbox import NoOutbox, Outbox

if TYPE_CHECKING:  # heavy modules (SQLAlchemy, ONNX Runtime, scikit-learn) load on first use
    from sqlalchemy import Engine

    from plumbline.analysis.article import ArticleAnalyzer
    from plumbline.analysis.embed import Embedder
    from plumbline.analysis.story_index import StoryIndex
    from plumbline.ingest.importers import ImportLine
    from plumbline.ingest.resolve import OutletResolver
    from plumbline.pipeline import Pipeline, RoundHook
    from plumbline.settings import Settings
    from plumbline.storage.protocols import Stores

IMPORT_BATCH = 500
PROFILE_ARTICLES = 300  # recent articles an outlet profile reads its loaded phrases from


@dataclass(slots=True)
class Status:
    stages: list[StageCount]
    stories: int
    outlets: int
    feeds: int
    failing_feeds: list[FeedStatus]
    stories_waiting: int = 0  # stories waiting to be written up


@dataclass(slots=True)
class OutletPage:
    outlet: Outlet
    articles: int
    mean_bias: float | None
    recent: list[ArticleRecord]
    scores: list[tuple[datetime, float]]  # (published, bias score) of scored articles
    profile: OutletProfile | None = None  # what Plumbline measured (analysis/profile.py)


@dataclass(slots=True)
class TopicPage:
    topic: TopicSummary
    stories: list[StorySummary]  # most recent first
    limit: int
    offset: int


class Plumbline:
    """Built from Settings; holds the database and the models, loads models lazily.

    What differs between one process and the scale-out is given here, not decided inside
    the services: `outbox` (mail the workers send; by default the one for the settings:
    a queue when a broker is configured, else none) and the clusterer's index of open
    stories (pgvector on PostgreSQL, in memory otherwise; see :meth:`pipeline`)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        outbox: Outbox | None = None,
    ) -> None:
        from plumbline.settings import Settings
        from plumbline.storage.engine import make_engine
        from plumbline.storage.sql import open_stores

        self.settings = settings or Settings()
        self.settings.check()
        self.engine: Engine = make_engine(self.settings.resolved_database_url)
        self.stores: Stores = open_stores(self.engine)
        self.outbox = outbox or _outbox(self.settings)
        self._embedder = embedder
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ setup
    def init(self) -> int:
        """Create or upgrade the database and add the packaged outlets that are missing.
        Returns how many outlets were added."""
        from plumbline.ingest import sources
        from plumbline.storage.engine import migrate

        migrate(self.engine)
        self.settings.signing_key()  # generated in the data directory unless configured
        if not self.settings.default_outlets:
            return 0
        return self.stores.outlets.upsert_outlets(sources.packaged_outlets())

    def schema_versions(self) -> tuple[str | None, str | None]:
        """(the database's migration revision, the newest one this code knows)."""
        from plumbline.storage.engine import schema_versions

        return schema_versions(self.engine)

    def backup(self, target: Path) -> int:
        """Copy the SQLite database to `target` while it is in use; returns its size."""
        from plumbline.storage.engine import backup_sqlite

        return backup_sqlite(self.engine, target)

    def restore(self, source: Path) -> None:
        """Replace the SQLite database with a backup, then migrate it to this version."""
        from plumbline.storage.engine import migrate, restore_sqlite

        restore_sqlite(self.engine, source)
        migrate(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def embedder(self) -> Embedder:
        with self._lock:
            if self._embedder is None:
                from plumbline.analysis.embed import Embedder

                self._embedder = Embedder(
                    self.settings.embedding_model or None,
                    batch_size=self.settings.embedding_batch_size,
                    threads=self.settings.torch_threads,
                    backend=self.settings.embedding_backend,
                )
            return self._embedder

    @property
    def readers(self) -> Readers:
        """Saved stories, sign-in, consent records and page views (see accounts.py)."""
        stores = self.stores
        return Readers(
            stores.readers, stores.stories, self.settings, Mailer(self.settings), self.outbox
        )

    @property
    def follows(self) -> Follows:
        """Stories and topics followed by email or private feed, and their alerts."""
        stores = self.stores
        return Follows(
            stores.follows, stores.stories, stores.readers, self.settings, Mailer(self.settings)
        )

    def send_follow_alerts(
        self, now: datetime | None = None, *, dry_run: bool = False
    ) -> AlertReport:
        """Alert every follow with changes, at most once a day each (follows.py)."""
        return self.follows.send_alerts(now, dry_run=dry_run)

    @property
    def diets(self) -> NewsDiets:
        """Readers' news diets, kept only with their consent (diet.py)."""
        stores = self.stores
        return NewsDiets(stores.readers, stores.stories, stores.articles, stores.topics)

    @property
    def feedback(self) -> PhraseFeedback:
        """Readers' answers to "Is this loaded?" about highlighted phrases (feedback.py)."""
        stores = self.stores
        return PhraseFeedback(stores.feedback, stores.readers, stores.articles)

    def analyzer(self) -> ArticleAnalyzer:
        from plumbline.analysis.article import ArticleAnalyzer

        return ArticleAnalyzer(
            self.embedder,
            max_sentences=self.settings.max_sentences_per_article,
            min_words=self.settings.min_words_for_score,
        )

    def pipeline(self, *, progress: bool = False) -> Pipeline:
        """The article pipeline on this core's stores, models and story index."""
        from plumbline.pipeline import Pipeline

        return Pipeline(
            self.stores,
            self.settings,
            self.analyzer,
            index_factory=self._story_index(),
            progress=progress,
        )

    def _story_index(self) -> Callable[[int], StoryIndex] | None:
        """What makes the clusterer's index of open stories: pgvector's, in the database,
        when the `cluster_index` setting asks for it or leaves it to the database; None for
        the in-memory index the setting names."""
        kind = self.settings.cluster_index
        postgresql = self.engine.dialect.name == "postgresql"
        if kind == "pgvector" and not postgresql:
            raise ConfigurationError("cluster_index 'pgvector' needs a PostgreSQL database")
        if kind == "pgvector" or (kind == "auto" and postgresql):
            from plumbline.storage.vectors import PgVectorIndex  # the postgresql extra

            engine = self.engine
            return lambda ndim: PgVectorIndex(engine, ndim)
        return None

    # ---------------------------------------------------------------- sources
    def outlets(self) -> list[Outlet]:
        return self.stores.outlets.list_outlets()

    def outlet(self, slug: str, *, recent: int = 30) -> OutletPage:
        outlet = self.stores.outlets.get_outlet(slug)
        count, mean_bias = self.stores.articles.outlet_stats(slug)
        return OutletPage(
            outlet,
            count,
            mean_bias,
            self.stores.articles.outlet_articles(slug, recent),
            self.stores.articles.outlet_scores(slug),
            self.outlet_profile(outlet),
        )

    def outlet_profile(self, outlet: Outlet) -> OutletProfile:
        """The outlet's measured profile: its articles' score with an interval, opinion
        share, most used loaded phrases, how often it alone covered a story, and the other
        outlets of its lean."""
        articles = self.stores.articles
        return outlet_profile(
            outlet.slug,
            outlet.lean,
            kinds=articles.outlet_kinds(outlet.slug),
            phrases=[
                [p.text for p in shown_phrases(analysis)]
                for analysis in articles.outlet_analyses(outlet.slug, PROFILE_ARTICLES)
            ],
            story_sides=articles.outlet_story_sides(outlet.slug),
            story_tones=articles.outlet_story_tones(outlet.slug, PROFILE_ARTICLES),
            peers=articles.lean_outlet_scores(outlet.lean.value),
        )

    def add_outlet(
        self, name: str, homepage: str, feeds: Iterable[str] = (), country: str = ""
    ) -> Outlet:
        from plumbline.ingest import sources

        outlet = sources.new_outlet(name, homepage, feeds, country)
        self.stores.outlets.upsert_outlets([outlet])
        return self.stores.outlets.get_outlet(outlet.slug)

    def set_outlet_enabled(self, slug: str, enabled: bool) -> None:
        self.stores.outlets.set_outlet_enabled(slug, enabled)

    def import_opml(self, content: bytes) -> int:
        """Add the outlets and feeds an OPML file lists; returns outlets added."""
        from plumbline.ingest import sources

        return self.stores.outlets.upsert_outlets(sources.parse_opml(content))

    def export_opml(self) -> bytes:
        from plumbline.ingest import sources

        return sources.to_opml(self.stores.outlets.list_outlets())

    # -------------------------------------------------------------- ingestion
    def ingest(self, *, force: bool = False) -> IngestReport:
        """Poll the feeds that are due once (all enabled feeds with `force`)."""
        from plumbline.ingest.fetch import Fetcher
        from plumbline.ingest.poll import FeedPoller

        with Fetcher(self.settings) as fetcher:
            return FeedPoller(
                self.stores.outlets, self.stores.articles, self.settings, fetcher
            ).poll(force=force)

    def import_articles(self, stream: IO[bytes]) -> ImportReport:
        """Import a JSONL (or Article-Bias-Prediction) file; bad lines are reported and
        skipped, articles already stored are skipped, so re-importing is harmless."""
        from plumbline.ingest.importers import read_articles
        from plumbline.ingest.resolve import OutletResolver

        report = ImportReport()
        resolver = OutletResolver(self.stores.outlets)
        batch: list[NewArticle] = []

        def flush() -> None:
            added, skipped = self.stores.articles.add_articles(batch)
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
            batch.append(_new_article(line.article, resolver))
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
        pipeline = self.pipeline(progress=progress)
        return pipeline.run(synthesize=synthesize)

    def process_in_rounds(
        self, *, first: int = 100, on_round: RoundHook | None = None, follow: bool = False
    ) -> PipelineReport:
        """Like :meth:`process`, in growing rounds that each end with stories written up
        (see :meth:`Pipeline.run_in_rounds`; `follow`: another process analyzes, see
        :meth:`analyze_only`): what `plumbline serve --process` runs."""
        pipeline = self.pipeline()
        return pipeline.run_in_rounds(first=first, on_round=on_round, follow=follow)

    def analyze_only(self, *, progress: bool = False) -> PipelineReport:
        """Extract and analyze every waiting article, and stop there (a process beside it
        clusters and writes up: :meth:`process_in_rounds` with `follow`)."""
        pipeline = self.pipeline(progress=progress)
        report = PipelineReport()
        pipeline.extract(report)
        pipeline.analyze(report)
        return report

    def backlog(self) -> Backlog:
        """How much of the stored news is still being processed (the front page says so)."""
        counts = {c.state: c.count for c in self.stores.articles.state_counts()}
        waiting = sum(counts.get(s.value, 0) for s in WAITING_STATES)
        return Backlog(
            articles_waiting=waiting,
            articles_done=counts.get(ArticleState.CLUSTERED.value, 0),
            stories_waiting=self.stores.stories.count_dirty_stories(),
            stories=self.stores.stories.count_stories(),
        )

    def backlog_if_busy(self) -> Backlog | None:
        """:meth:`backlog` while anything is being processed, else None (one cheap query:
        the front page asks on every request)."""
        return self.backlog() if self.stores.articles.busy() else None

    def cluster_stream(self, stream: IO[bytes]) -> list[ClusterOutcome]:
        """Cluster a JSONL article stream in arrival order with the pipeline's own
        algorithm, one batch at a time as if the articles arrived in batches; meant for a
        throw-away store. One outcome per non-blank input line: the story its article
        ended in (after any merges), or why it has none."""
        from plumbline.ingest.importers import read_articles
        from plumbline.ingest.resolve import OutletResolver

        resolver = OutletResolver(self.stores.outlets)
        keys: list[tuple[ImportLine, ImportKey | None]] = []
        batch: list[NewArticle] = []

        def flush() -> None:
            self.stores.articles.add_articles(batch)
            batch.clear()
            self.process(synthesize=False)

        for line in read_articles(stream):
            if line.article is None:
                keys.append((line, None))
                continue
            new = _new_article(line.article, resolver)
            keys.append((line, _import_key(new)))
            batch.append(new)
            if len(batch) >= self.settings.pipeline_batch_size:
                flush()
        flush()
        outcomes = []
        for line, key in keys:
            if key is None:
                outcomes.append(ClusterOutcome(line.number, line.raw_id, None, line.error))
                continue
            story, error = self.stores.stories.story_of_import(key)
            outcomes.append(ClusterOutcome(line.number, line.raw_id, story, error))
        return outcomes

    def synthesize_stream(self, stream: IO[bytes]) -> tuple[list[StoryWriteup], list[str]]:
        """Write up stories given by a JSONL stream of articles that each name their
        `story`: analysis and synthesis exactly as the pipeline does them, on a throw-away
        store (the stories are taken as given; nothing is clustered). Returns one write-up
        per distinct story, in order of first appearance, and the errors of lines that
        could not be used."""
        import numpy as np

        from plumbline.analysis.restructure import mean_direction
        from plumbline.ingest.importers import read_articles
        from plumbline.ingest.resolve import OutletResolver

        resolver = OutletResolver(self.stores.outlets)
        errors: list[str] = []
        members: dict[str, list[tuple[str | None, ImportKey]]] = {}
        batch: list[NewArticle] = []
        for line in read_articles(stream):
            if line.article is None:
                errors.append(f"line {line.number}: {line.error}")
                continue
            story_key = line.story
            if not story_key:
                errors.append(f'line {line.number}: needs a "story"')
                continue
            new = _new_article(line.article, resolver)
            members.setdefault(story_key, []).append((line.raw_id, _import_key(new)))
            batch.append(new)
            if len(batch) >= IMPORT_BATCH:
                self.stores.articles.add_articles(batch)
                batch.clear()
        self.stores.articles.add_articles(batch)
        pipeline = self.pipeline()
        report = PipelineReport()
        pipeline.extract(report)
        pipeline.analyze(report)
        input_ids: dict[int, str | None] = {}
        story_of: dict[str, int] = {}
        assignments = []
        for index, (story_key, lines) in enumerate(members.items()):
            article_ids = []
            for raw_id, key in lines:
                article_id = self.stores.stories.article_id_of_import(key)
                if article_id is not None and article_id not in input_ids:
                    input_ids[article_id] = raw_id
                    article_ids.append(article_id)
            features = self.stores.stories.cluster_features(article_ids)
            vectors = [features[i].vector for i in article_ids if i in features]
            if not vectors:
                continue
            centroid = mean_direction(np.stack(vectors))
            provisional = -(index + 1)
            assignments += [ArticleAssignment(i, provisional, centroid) for i in article_ids]
            story_of[story_key] = provisional
        self.stores.stories.assign_articles(assignments)
        for story_key in story_of:
            first = next(a for a in assignments if a.story_id == story_of[story_key])
            story_of[story_key] = self.stores.stories.story_ids_of([first.article_id]).pop()
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
        return self.stores.articles.retry_failed()

    # ---------------------------------------------------------------- reading
    def stories(
        self,
        *,
        limit: int = 30,
        offset: int = 0,
        min_outlets: int = 1,
        topic: str | None = None,
        blindspot: bool = False,
    ) -> list[StorySummary]:
        """Stories, the most recent day first and the most-covered first within a day;
        optionally one topic's only, or blindspots only."""
        return self.stores.stories.list_stories(
            limit=limit, offset=offset, min_outlets=min_outlets, topic=topic, blindspot=blindspot
        )

    def count_stories(
        self, *, min_outlets: int = 1, topic: str | None = None, blindspot: bool = False
    ) -> int:
        """How many stories :meth:`stories` lists with the same filters."""
        return self.stores.stories.count_stories(
            min_outlets=min_outlets, topic=topic, blindspot=blindspot
        )

    def story_version(self, slug: str) -> str | None:
        """A token that changes whenever the story at `slug` is written up again, merged or
        split; None when there is no such story (the page cache asks on every hit)."""
        return self.stores.stories.story_version(slug)

    def search(
        self, query: str, *, limit: int = 20, offset: int = 0
    ) -> tuple[list[StorySummary], int]:
        """Stories matching every word of `query` (full-text), best first, and the count."""
        return self.stores.search.search_stories(query, limit=limit, offset=offset)

    def story(self, key: str | int, *, related: int = 5) -> StoryDetail:
        """A story with its articles, its related stories and recent stories of its main
        topic (`related` of each; 0 leaves them out)."""
        summary, synthesis = self.stores.stories.story(key)
        articles = self.stores.stories.story_articles(summary.id)
        main_topic = next((t for t in summary.topics if t in TOPICS), None)
        return StoryDetail(
            summary=summary,
            synthesis=synthesis,
            articles=articles,
            timeline=story_timeline(summary.id, summary.slug, articles),
            related=self.stores.topics.related_stories(summary.id, related) if related else [],
            topic_stories=self.stores.topics.topic_stories(
                main_topic, limit=related, exclude=summary.id
            )
            if related and main_topic
            else [],
        )

    def story_timeline(self, key: str | int) -> StoryTimeline:
        """How a story's coverage grew: who reported first, the articles over time by
        side, when each side joined and how the coverage score moved."""
        summary, _synthesis = self.stores.stories.story(key)
        return story_timeline(
            summary.id, summary.slug, self.stores.stories.story_articles(summary.id)
        )

    def topics(self) -> list[TopicSummary]:
        """Every reader topic with its number of published stories, in vocabulary order."""
        counts = self.stores.topics.topic_counts()
        return [TopicSummary(slug, label, counts.get(slug, 0)) for slug, label in TOPICS.items()]

    def topic(self, slug: str, *, limit: int = 30, offset: int = 0) -> TopicPage:
        """The stories of one topic, most recent first; NotFound for an unknown topic."""
        label = TOPICS.get(slug)
        if label is None:
            raise NotFound(f"no topic {slug!r}")
        stories = self.stores.topics.topic_stories(slug, limit=limit, offset=offset)
        total = self.stores.topics.topic_counts().get(slug, 0)
        return TopicPage(TopicSummary(slug, label, total), stories, limit, offset)

    def status(self) -> Status:
        feeds = self.stores.outlets.feeds()
        return Status(
            stages=self.stores.articles.state_counts(),
            stories=self.stores.stories.count_stories(),
            outlets=len(self.stores.outlets.list_outlets()),
            feeds=len(feeds),
            failing_feeds=[f for f in feeds if f.last_error],
            stories_waiting=self.stores.stories.count_dirty_stories(),
        )

    # ------------------------------------------------------------- newsletter
    @property
    def newsletter(self) -> Newsletter:
        """Subscriptions, preferences and subscriber data (see newsletter/)."""
        return Newsletter(
            self.stores.subscribers, self.settings, Mailer(self.settings), self.outbox
        )

    def send_mail(self, email: Email) -> None:
        """Send one email now through the SMTP settings (the workers send queued mail with
        it); MailError when the server cannot be reached or refuses it."""
        Mailer(self.settings).send(email)

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
        from plumbline.newsletter.digest import Digests

        return Digests(self.newsletter).send(frequency, now, dry_run=dry_run)


def _outbox(settings: Settings) -> Outbox:
    """The outbox `settings` call for: the workers' queue when a broker is configured."""
    if not settings.broker_url:
        return NoOutbox()
    from plumbline.workers.client import QueueOutbox  # the workers extra

    return QueueOutbox(settings.broker_url)


def _new_article(article: ArticleIn, resolver: OutletResolver) -> NewArticle:
    """An imported article as it is stored: its outlet found (or made), its URL made
    canonical and its content hashed (how a copy is recognized)."""
    from plumbline.ingest.dedupe import canonical_url, content_hash

    url = canonical_url(article.url) if article.url.startswith("http") else article.url
    return NewArticle(
        article, resolver.resolve(article), None, url, content_hash(article.title, article.text)
    )


def _import_key(new: NewArticle) -> ImportKey:
    return ImportKey(new.article.external_id, new.canonical_url, new.content_hash)
