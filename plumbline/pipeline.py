"""Runs the stages in order over stored articles: extract -> analyze -> cluster ->
synthesize. Each batch is one transaction, so a crash loses at most one batch of work and
never stores anything twice; a failing item is marked with the stage and the error."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from tqdm import tqdm

from plumbline.analysis.article import ArticleAnalyzer
from plumbline.analysis.cluster import (
    ClusterInput,
    StoryClusterer,
    cluster_entities,
    cluster_text,
)
from plumbline.analysis.entities import EntityRecognizer
from plumbline.analysis.explain import explain
from plumbline.analysis.llm import ChatClient, Rewriter, bias_scorer
from plumbline.analysis.restructure import StoryShape, mean_direction, plan_merges, plan_split
from plumbline.analysis.same_event import packaged_same_event
from plumbline.analysis.story import story_stats
from plumbline.analysis.story_tone import story_tones
from plumbline.analysis.synthesize import synthesize
from plumbline.errors import ConfigurationError, LLMError, PipelineError
from plumbline.ingest.dedupe import canonical_url, content_hash, minhash_bytes
from plumbline.ingest.extract import extract_page
from plumbline.ingest.prepare import prepare_text
from plumbline.linking import StoryLinker
from plumbline.models import (
    AnalyzedArticle,
    ArticleRecord,
    ArticleState,
    ClusterMember,
    PipelineReport,
    Synthesis,
)
from plumbline.settings import Settings
from plumbline.storage.base import transient

if TYPE_CHECKING:
    from plumbline.analysis.story_index import StoryIndex
    from plumbline.storage.protocols import Stores

log = logging.getLogger(__name__)
#: The most articles a following round waits for (see Pipeline.run_in_rounds).
FOLLOW_MOST = 256
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Pipeline:
    """The article pipeline. `run()` processes everything pending, stage by stage."""

    def __init__(
        self,
        stores: Stores,
        settings: Settings,
        analyzer: Callable[[], ArticleAnalyzer],
        *,
        index_factory: Callable[[int], StoryIndex] | None = None,
        progress: bool = False,
    ) -> None:
        """`index_factory` makes the clusterer's index of open stories (given the vector
        size); without one, the `cluster_index` setting names an in-memory index."""
        self.articles = stores.articles
        self.stories = stores.stories
        self.settings = settings
        self._analyzer_factory = analyzer
        self.progress = progress
        self._entities: EntityRecognizer | None = None
        # entity keys of the articles seen by this cluster stage (the entity signal), so
        # that a story's members need not be read again by the recognizer
        self._cluster_entities: dict[int, tuple[str, ...]] = {}
        # title+lead of the articles seen by this cluster stage (the term signal reads the
        # members of candidate stories again and again; splitting sentences is not free)
        self._cluster_texts: dict[int, str] = {}
        self.linker = StoryLinker(stores.stories, stores.topics)  # topic tags and related stories
        self._rewriter: Rewriter | None = None  # the LLM back end, when configured
        self._llm_down = False  # an LLM failure turns it off for the rest of the run
        self.clusterer = StoryClusterer(
            threshold=settings.cluster_threshold,
            threshold_undated=settings.cluster_threshold_undated,
            window=timedelta(hours=settings.cluster_window_hours),
            near_duplicate=settings.near_duplicate_jaccard,
            max_span=timedelta(days=settings.cluster_max_story_days),
            lexical_weight=settings.cluster_lexical_weight,
            entity_weight=settings.cluster_entity_weight,
            candidates=settings.cluster_candidates,
            index="hnsw" if settings.cluster_index == "hnsw" else "exact",
            index_factory=index_factory,
            same_event=packaged_same_event() if settings.cluster_decision == "learned" else None,
            join_probability=settings.cluster_join_probability,
            join_probability_undated=settings.cluster_join_probability_undated,
        )

    def run(self, *, synthesize: bool = True) -> PipelineReport:
        """Every stage in order; without `synthesize`, stop once articles are clustered."""
        report = PipelineReport()
        self.extract(report)
        self.analyze(report)
        self.cluster(report)
        if synthesize:
            self.synthesize(report)
        return report

    def run_in_rounds(
        self,
        *,
        first: int = 100,
        growth: float = 2.0,
        on_round: RoundHook | None = None,
        follow: bool = False,
        poll: float = 1.0,
        stall: float = 120.0,
    ) -> PipelineReport:
        """Every stage in rounds over a growing number of articles (`first`, then `growth`
        times more each round), writing the stories up after each round, so that a site
        reading the same store shows the first stories within seconds instead of after
        the whole backlog. Articles go through in the same order and the same batches as
        :meth:`run` (oldest first; rounds are whole batches), so the stories come out the
        same; a story that grows in a later round is written up again.
        `on_round(number, report)` runs after each round.

        `follow`: another process analyzes (``plumbline process --only-analyze``), so that
        analysis and the write-ups use a core each; each round waits until that many
        articles are analyzed, clusters them and writes the stories up. Should the other
        process stop (no article analyzed for `stall` seconds), this one analyzes."""
        report = PipelineReport()
        if not follow:
            self.extract(report)
        batch = self.settings.pipeline_batch_size
        size, number = float(max(first, 1)), 0
        progress: tuple[int, int] = (-1, -1)
        since = time.monotonic()
        while True:
            target = max(1, round(size / batch)) * batch  # whole batches (see above)
            if follow:  # the write-ups keep pace with the analysis: no long last round
                target = min(target, max(1, FOLLOW_MOST // batch) * batch)
            if follow:
                waiting, ready = self._waiting()
                if not waiting and not ready:
                    return report
                if waiting and ready < target:
                    if (waiting, ready) != progress:
                        progress, since = (waiting, ready), time.monotonic()
                    elif time.monotonic() - since > stall:
                        log.warning("no article analyzed for %.0f s: analyzing here", stall)
                        self.analyze(report, limit=batch)
                    else:
                        time.sleep(poll)
                    continue
                self.cluster(report, limit=None if not waiting else (ready // batch) * batch)
            else:
                handled = report.analyzed + report.failed
                self.analyze(report, limit=target)
                self.cluster(report)
            self.synthesize(report)
            number += 1
            if on_round is not None:
                on_round(number, report)
            if not follow and report.analyzed + report.failed == handled:  # nothing waited
                return report
            size *= growth

    def _waiting(self) -> tuple[int, int]:
        """(articles not yet analyzed, articles analyzed and not yet clustered)."""
        counts = {c.state: c.count for c in self.articles.state_counts()}
        before = (ArticleState.FETCHED.value, ArticleState.EXTRACTED.value)
        return sum(counts.get(s, 0) for s in before), counts.get(ArticleState.ANALYZED.value, 0)

    # ------------------------------------------------- what is waiting (workers)
    def waiting_ids(self, state: ArticleState, limit: int) -> list[int]:
        """Ids of the articles waiting in `state`, oldest first (the workers' coordinator
        queues them in batches)."""
        return self.articles.pending_ids(state, limit)

    def waiting_counts(self) -> dict[ArticleState, int]:
        """How many articles wait in each state."""
        return {ArticleState(c.state): c.count for c in self.articles.state_counts()}

    def batch_in_state(self, ids: list[int], state: ArticleState) -> list[ArticleRecord]:
        """The articles of a queued batch still in `state` (another worker may have moved
        some on)."""
        return self.articles.articles_in_state(ids, state)

    def next_batch(self, state: ArticleState) -> list[ArticleRecord]:
        """The next batch of articles waiting in `state`, oldest first."""
        return self.articles.pending(state, self.settings.pipeline_batch_size)

    def stories_to_write_up(self, limit: int) -> list[int]:
        """Ids of stories waiting for a write-up."""
        return self.stories.dirty_stories(limit)

    def members(self, story_id: int) -> list[int]:
        """Ids of a story's articles."""
        return [member.id for member in self.stories.story_members(story_id)]

    # ----------------------------------------------------------------- stages
    def _batches(
        self, state: ArticleState, label: str, limit: int | None = None
    ) -> Iterator[list[ArticleRecord]]:
        total = next(c.count for c in self.articles.state_counts() if c.state == state.value)
        size = self.settings.pipeline_batch_size
        with self._bar(min(total, limit or total), label) as bar:
            while batch := self.articles.pending(state, min(size, limit or size)):
                yield batch
                bar.update(len(batch))

    @contextmanager
    def _bar(self, total: int, label: str, unit: str = "article") -> Iterator[tqdm[Any]]:
        with tqdm(
            total=total, desc=label, unit=unit, disable=not self.progress or total == 0
        ) as bar:
            yield bar

    def extract(self, report: PipelineReport) -> None:
        for batch in self._batches(ArticleState.FETCHED, "extract"):
            self.extract_batch(batch, report)

    def extract_batch(self, batch: list[ArticleRecord], report: PipelineReport) -> None:
        """Extract the text of FETCHED articles; one that another worker stored meanwhile
        is left as it is."""
        for article in batch:
            try:
                html = self.articles.raw_html(article.id) or b""
                page = extract_page(html, article.url)
                prepared = prepare_text(
                    url=article.url,
                    title=page.title or article.title,
                    text=page.text,
                    outlet=article.outlet_name or "",
                )
                state = self.articles.save_extraction(
                    article.id,
                    title=page.title,
                    text=prepared.text,
                    kind=prepared.kind,
                    author=page.author,
                    published=page.published,
                    canonical_url=canonical_url(page.canonical_url or article.url),
                    language=page.language,
                    content_hash=content_hash(page.title or article.title, page.text),
                )
            except Exception as exc:
                self._fail("extract", article, exc, report, ArticleState.FETCHED)
                continue
            if state is ArticleState.DUPLICATE:
                report.duplicates += 1
            elif state is ArticleState.EXTRACTED:
                report.extracted += 1

    def analyze(self, report: PipelineReport, *, limit: int | None = None) -> None:
        """Analyze EXTRACTED articles, oldest first: all of them, or about `limit` (whole
        batches)."""
        analyzer: ArticleAnalyzer | None = None
        done = 0
        for batch in self._batches(ArticleState.EXTRACTED, "analyze", limit):
            analyzer = analyzer or self._analyzer_factory()
            self.analyze_batch(batch, report, analyzer)
            done += len(batch)
            if limit is not None and done >= limit:
                return

    def analyze_batch(
        self,
        batch: list[ArticleRecord],
        report: PipelineReport,
        analyzer: ArticleAnalyzer | None = None,
    ) -> None:
        """Analyze EXTRACTED articles and store the results in one transaction; only the
        articles still EXTRACTED then change (`report.analyzed` counts those)."""
        if not batch:
            return
        analyzer = analyzer or self._analyzer_factory()
        try:
            results = analyzer.analyze([(a.title, a.text) for a in batch])
            pairs = list(zip(batch, results, strict=True))
        except ConfigurationError:
            raise  # the models cannot run: no article is to blame, stop here
        except Exception:  # isolate the article that breaks the batch
            pairs = []
            for article in batch:
                try:
                    pairs.append((article, analyzer.analyze([(article.title, article.text)])[0]))
                except ConfigurationError:
                    raise
                except Exception as exc:
                    self._fail("analyze", article, exc, report, ArticleState.EXTRACTED)
        report.analyzed += self.articles.save_analyses(
            [
                AnalyzedArticle(
                    article.id,
                    result.analysis,
                    result.vector,
                    minhash_bytes(article.text or article.title),
                )
                for article, result in pairs
            ]
        )

    def cluster(self, report: PipelineReport, *, limit: int | None = None) -> None:
        """Cluster every ANALYZED article (or about `limit`: whole batches), one batch at a
        time, oldest first. One writer at a time: the workers serialize calls with a lock
        (see plumbline/workers/locks.py)."""
        self._cluster_entities.clear()
        self._cluster_texts.clear()
        done = 0
        for batch in self._batches(ArticleState.ANALYZED, "cluster", limit):
            self.cluster_batch(batch, report)
            done += len(batch)
            if limit is not None and done >= limit:
                break
        self.close_stories()

    def close_stories(self) -> None:
        """After clustering: stories out of reach of any new article (beyond the window and
        the longest story span, a day's margin) leave the PostgreSQL vector index."""
        margin = timedelta(
            hours=self.settings.cluster_window_hours,
            days=self.settings.cluster_max_story_days + 1,
        )
        self._cluster_entities.clear()
        self._cluster_texts.clear()
        closed = self.stories.close_story_vectors(margin)
        if closed:
            log.info("%d stories closed for clustering", closed)

    def cluster_batch(self, batch: list[ArticleRecord], report: PipelineReport) -> None:
        window = timedelta(hours=self.settings.cluster_window_hours)
        features = self.stories.cluster_features([a.id for a in batch])
        texts = [cluster_text(a.title, a.text) for a in batch]
        self._cluster_texts.update((a.id, t) for a, t in zip(batch, texts, strict=True))
        entities = self._entity_keys([a.id for a in batch], texts)
        items = [
            ClusterInput(
                article_id=a.id,
                vector=features[a.id].vector,
                when=_when(a),
                outlet_id=features[a.id].outlet_id,
                minhash=features[a.id].minhash,
                text=text,
                entities=keys,
            )
            for a, text, keys in zip(batch, texts, entities, strict=True)
        ]
        earliest = min(a.published or a.fetched_at for a in batch)
        open_stories = self.stories.open_stories(since=earliest - window)
        self.clusterer.search_since(earliest - window)
        decisions = self.clusterer.assign(items, open_stories, self._cluster_members)
        self.stories.assign_articles(decisions)
        self.clusterer.stored()
        report.clustered += len(decisions)
        self._restructure([d.article_id for d in decisions], window, report)

    def _entity_keys(self, article_ids: list[int], texts: list[str]) -> list[tuple[str, ...]]:
        """Entity keys of each title+lead when the entity signal is on (else empty): from
        this run's cache, the recognizer for the others."""
        if not self.settings.cluster_entity_weight:
            return [() for _ in article_ids]
        todo = [i for i, a in enumerate(article_ids) if a not in self._cluster_entities]
        found = cluster_entities([texts[i] for i in todo], self._recognizer()) if todo else []
        for i, keys in zip(todo, found, strict=True):
            self._cluster_entities[article_ids[i]] = keys
        return [self._cluster_entities[a] for a in article_ids]

    def _cluster_members(self, story_id: int) -> list[ClusterMember]:
        """A stored story's members with the title+lead text (and its entity keys) that
        the clusterer compares."""
        members = self.stories.story_members(story_id)
        settings = self.settings
        if (
            settings.cluster_decision == "score"
            and not settings.cluster_lexical_weight
            and not settings.cluster_entity_weight
        ):
            return members  # the term and entity signals are off: no need for the texts
        ids = [member.id for member in members]
        missing = [i for i in ids if i not in self._cluster_texts]
        if missing:
            for article_id, (title, text) in self.stories.story_texts(story_id).items():
                self._cluster_texts[article_id] = cluster_text(title, text)
        texts = self._cluster_texts
        entities = self._entity_keys(ids, [texts.get(i, "") for i in ids])
        for member, keys in zip(members, entities, strict=True):
            member.text = texts.get(member.id, "")
            member.entities = keys
        return members

    def _restructure(
        self, article_ids: list[int], window: timedelta, report: PipelineReport
    ) -> None:
        """Merge stories that turned out to be one event; split a story that drifted."""
        touched = self.stories.story_ids_of(article_ids)
        if not touched:
            return
        since = min(
            (s.last_published for s in self.stories.story_shapes(touched) if s.last_published),
            default=None,
        )
        shapes = [
            StoryShape(s.id, s.centroid, s.n_articles, s.first_published, s.last_published)
            for s in self.stories.open_stories(since=(since - window) if since else _EPOCH)
        ]
        merges = plan_merges(
            sorted(touched),
            shapes,
            threshold=self.settings.cluster_merge_threshold,
            window=window,
        )
        if merges:
            self.stories.merge_stories(merges)
            report.merged += len(merges)
            gone = {m.source for m in merges}
            touched = (touched - gone) | {m.target for m in merges}
        for story_id in sorted(touched):
            ids, vectors = self.stories.member_vectors(story_id)
            split = plan_split(
                story_id,
                ids,
                vectors,
                threshold=self.settings.cluster_split_threshold,
                min_part=self.settings.cluster_split_min_part,
            )
            if split is None:
                continue
            moved = set(split.moved)
            rows = [i for i, article_id in enumerate(ids) if article_id in moved]
            kept = [i for i, article_id in enumerate(ids) if article_id not in moved]
            self.stories.split_story(
                split, mean_direction(vectors[kept]), mean_direction(vectors[rows])
            )
            report.split += 1

    def synthesize(self, report: PipelineReport) -> None:
        pending = self.stories.count_dirty_stories()
        with self._bar(pending, "synthesize", unit="story") as bar:
            while story_ids := self.stories.dirty_stories(self.settings.pipeline_batch_size):
                for story_id in story_ids:
                    self.synthesize_story(story_id, report)
                    bar.update(1)
        self.finish_synthesis()

    def finish_synthesis(self) -> None:
        """Close what synthesis keeps open between stories (LLM client, linker caches)."""
        if self._rewriter is not None:
            self._rewriter.client.close()
            self._rewriter = None
        self.linker.reset()

    def synthesize_story(
        self, story_id: int, report: PipelineReport, *, guard: SaveGuard | None = None
    ) -> None:
        """Write up one story; a failure marks the story failed (counted in `report`).

        `guard`, when given, wraps each write: it gets the ids of the articles the write-up
        was made from and yields whether the write may go ahead (the workers' guard holds
        the clustering lock and yields False when the story's members changed meanwhile;
        the story then stays dirty and is written up again)."""
        guard = guard or _no_guard
        articles = self.stories.story_articles(story_id)
        members = [a.id for a in articles]
        try:
            written = self._synthesize_story(story_id, articles, guard)
        except Exception as exc:
            if transient(exc):
                raise  # the database is down, not the story broken: it stays dirty
            error = PipelineError("synthesize", f"story {story_id}", exc)
            log.exception("%s", error.message)
            with guard(members) as current:
                if current:
                    self.stories.mark_story_failed(story_id, error.message)
            report.failed += 1
            return
        if written:
            report.synthesized += 1

    def _synthesize_story(
        self, story_id: int, articles: list[ArticleRecord], guard: SaveGuard
    ) -> bool:
        members = [a.id for a in articles]
        synthesis = synthesize(articles, encode=self._encode)
        if synthesis is None:
            with guard(members) as current:
                if current:
                    self.stories.mark_story_failed(
                        story_id, "no article of the story has usable text"
                    )
            return False
        stats = story_stats(articles)
        if stats.n_outlets >= 2:
            tones, by_outlet = story_tones(articles, self._recognizer())
            stats = replace(stats, tones=tones, outlet_tones=by_outlet)
        for violation in explain(synthesis, articles, stats, stats.tones):
            log.warning(
                "story %s: unsupported sentence removed (%s): %s",
                story_id,
                violation.reason,
                violation.sentence,
            )
        # last: the LLM may phrase the assessment and questions too; it checks each rewrite
        synthesis = self._rewrite(synthesis, articles)
        with guard(members) as current:
            if not current:
                return False
            self.stories.save_synthesis(
                story_id,
                synthesis,
                bias_score=stats.coverage_score,
                topics=self.linker.link(story_id, articles, stats),
                stats=stats,
            )
        return True

    def _encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Sentence embeddings from the analysis encoder (synthesis compares paraphrases)."""
        return self._analyzer_factory().embedder.encode(texts)

    def _rewrite(self, synthesis: Synthesis, articles: list[ArticleRecord]) -> Synthesis:
        """The LLM back end's checked rewrite when one is configured; otherwise, or when the
        endpoint is down or fails, the extractive synthesis (logged, never a failed story)."""
        if not self.settings.llm_base_url or self._llm_down:
            return synthesis
        if self._rewriter is None:
            scorer = bias_scorer(self._analyzer_factory().embedder)
            self._rewriter = Rewriter(ChatClient.from_settings(self.settings), scorer=scorer)
        try:
            return self._rewriter.rewrite(synthesis, {a.id: a.text for a in articles})
        except LLMError as exc:
            self._llm_down = True
            log.warning("LLM back end off for the rest of this run: %s", exc.message)
        except Exception:
            log.exception("LLM rewrite failed; the story keeps its extractive text")
        return synthesis

    def _recognizer(self) -> EntityRecognizer:
        if self._entities is None:
            self._entities = EntityRecognizer()
        return self._entities

    def _fail(
        self,
        stage: str,
        article: ArticleRecord,
        exc: Exception,
        report: PipelineReport,
        expected: ArticleState,
    ) -> None:
        """Mark the article failed at `stage`, unless the error is the database's (a
        restart, a lost connection): that one propagates, the article keeps its state and
        the stage is run again (workers retry the task; in process, the next round)."""
        if transient(exc):
            raise exc
        error = PipelineError(stage, f"article {article.id} ({article.url})", exc)
        log.warning("%s", error.message)
        if self.articles.mark_failed(
            article.id, stage, f"{type(exc).__name__}: {exc}", expected=expected
        ):
            report.failed += 1


SaveGuard = Callable[[list[int]], AbstractContextManager[bool]]
RoundHook = Callable[[int, PipelineReport], None]


@contextmanager
def _no_guard(_members: list[int]) -> Iterator[bool]:
    """In process, nothing else writes stories while the pipeline runs."""
    yield True


def _when(article: ArticleRecord) -> datetime | None:
    """The time the clusterer places an article at: its publication, else (for an article
    fetched from a feed) its fetch time; an imported article without a date is undated and
    compared with every open story (see StoryClusterer)."""
    if article.published is not None:
        return article.published
    return article.fetched_at if article.from_feed else None
