"""Incremental story clustering: each article joins the most similar open story or starts
a new one. Stories are open while an article joined them within the time window.

An article is compared with the `k` open stories whose centroids are nearest to its
title+lead vector (a :class:`~plumbline.analysis.story_index.StoryIndex`, exact or HNSW),
so the cost per article does not grow with the number of open stories. Each candidate gets
a score from two signals:

- the cosine between the article's title+lead MiniLM vector and the story's centroid;
- the cosine between the article's title+lead terms (lower-cased words, stop words out,
  weighted by inverse document frequency in the packaged demo corpus) and the sum of the
  story's members' term vectors (names, places and figures that the embedding blurs);
- the cosine between the article's named entities (persons by last name, places, groups
  and organizations that spaCy finds in the title+lead, :func:`entity_keys`, each weighted
  by the rarest of its words' idf) and the sum of the story's members' entity vectors;

With a same-event model (:mod:`plumbline.analysis.same_event`, the default in the
pipeline), the model reads the first two signals and a few more of each candidate (its
rank and cosine gap among the candidates, numbers in common) and
gives p(same event); the most probable candidate is joined when p reaches the join
probability. Without one, ``score = (1 - lexical_weight - entity_weight) * embedding +
lexical_weight * terms + entity_weight * entities``; a signal the article lacks (no text, no
entity) is left out and the others' weights scaled up to sum to one, and the best candidate
is joined when the score reaches the threshold. The numbers are tuned on labeled events
with bench/cluster_accuracy.py (tuned on one half of the events, reported on the other).

Time: a dated article only considers stories within the window of their latest dated
article and the maximum span of their first; an undated article (``when=None``) is compared
with every open story and does not move a story's dates. Near copies (MinHash) of a member
are linked to it, so one outlet's updates and wire copies are not counted as new sources.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from itertools import islice

import numpy as np
import numpy.typing as npt

from plumbline.analysis.entities import EntityRecognizer, entity_keys, extract_entities
from plumbline.analysis.same_event import Candidate, SameEventModel, numbers
from plumbline.analysis.story_index import IndexKind, StoryIndex, make_index
from plumbline.analysis.text import split_sentences
from plumbline.ingest.dedupe import jaccard
from plumbline.models import ArticleAssignment, ClusterMember, OpenStory

Vector = npt.NDArray[np.float32]
Terms = dict[str, float]

_WORD = re.compile(r"[^\W\d_][\w'\-]*[^\W_]|\d[\d.,]*\d")
_STOP_WORDS = """a about above after again against all also am an and any are as at be because been
before being below between both but by can could did do does doing down during each few for
from further had has have having he her here hers herself him himself his how i if in into
is it its itself just me more most my myself new no nor not now of off on once only or other
our ours out over own said same says she should so some such than that the their theirs them
then there these they this those through to too under until up very was we were what when
where which while who whom why will with would year years you your"""
_STOP = frozenset(_STOP_WORDS.split())


@dataclass(slots=True)
class ClusterInput:
    article_id: int
    vector: Vector  # title + lead, L2-normalized (ArticleAnalyzer's cluster vector)
    when: datetime | None  # publication time; None: undated (compared with every open story)
    outlet_id: int | None
    minhash: bytes | None
    text: str = ""  # title and lead, for the term signal ("" leaves it out)
    entities: tuple[str, ...] = ()  # entity keys of title and lead (cluster_entities)


@dataclass(slots=True)
class _Story:
    key: int  # story id, or a negative provisional id for a story this batch started
    centroid: Vector
    n: int
    last: datetime | None
    first: datetime | None
    terms: Terms | None = None  # summed member term vectors; loaded on first need
    terms_norm: float | None = None  # length of `terms`, None when it changed
    entities: Terms | None = None  # summed member entity vectors; loaded on first need
    entities_norm: float | None = None
    members: list[ClusterMember] | None = None  # loaded on first need
    new_members: list[ClusterMember] = field(default_factory=list)
    numbers: set[str] | None = None  # numbers in the members' title+lead; on first need


def cluster_text(title: str, text: str, sentences: int = 5) -> str:
    """What the term signal reads of an article: its title and first sentences."""
    return " ".join([title or "", *(s.text for s in split_sentences(text or "")[:sentences])])


def article_terms(text: str) -> Terms:
    """Unit-length term vector (idf-weighted words) of an article's title and lead."""
    words = {w.lower().removesuffix("'s") for w in _WORD.findall(text)}
    idf = _idf()
    weights = {w: idf.get(w, idf[""]) for w in words if len(w) > 2 and w not in _STOP}
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {w: v / norm for w, v in weights.items()} if norm else {}


def cluster_entities(
    texts: Sequence[str], recognizer: EntityRecognizer | None = None
) -> list[tuple[str, ...]]:
    """The entity keys of each text (an article's :func:`cluster_text`)."""
    return [entity_keys(mentions) for mentions in extract_entities(texts, recognizer)]


def entity_vector(keys: Iterable[str]) -> Terms:
    """Unit-length vector of entity keys, each weighted by the highest idf of its words
    (a rare name counts more than "United States")."""
    idf = _idf()
    weights = {
        k: max((idf.get(w, idf[""]) for w in _WORD.findall(k)), default=idf[""]) for k in keys
    }
    norm = math.sqrt(sum(v * v for v in weights.values()))
    return {k: v / norm for k, v in weights.items()} if norm else {}


@lru_cache(maxsize=1)
def _idf() -> dict[str, float]:
    """Inverse document frequency of words in the packaged demo corpus (1,659 articles);
    the key "" holds the value for a word the corpus never uses."""
    frequency: Counter[str] = Counter()
    n = 0
    path = resources.files("plumbline.data") / "demo_corpus.jsonl.gz"
    with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            text = f"{row.get('title', '')} {row.get('content_original', '')}"
            frequency.update({w.lower().removesuffix("'s") for w in _WORD.findall(text)})
            n += 1
    table = {w: math.log((n + 1) / (c + 1)) + 1 for w, c in frequency.items()}
    table[""] = math.log(n + 1) + 1
    return table


def _dot(a: Terms, b: Terms) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(v * b[w] for w, v in a.items() if w in b)


def _norm(terms: Terms) -> float:
    return math.sqrt(sum(v * v for v in terms.values()))


def _cosine(unit: Terms, total: Terms, total_norm: float) -> float:
    """Cosine of a unit-length vector with a summed one of length `total_norm`."""
    return _dot(unit, total) / total_norm if total_norm else 0.0


def _add(total: Terms, terms: Terms) -> None:
    for w, v in terms.items():
        total[w] = total.get(w, 0.0) + v


class StoryClusterer:
    """Single-pass clustering against open stories (see the module docstring).

    The clusterer keeps the open stories in a nearest-neighbour index between calls; pass
    the open stories to :meth:`assign` (as stored) to bring it up to date, or ``None`` to
    trust what it holds (a single writer that stores every decision it returns)."""

    def __init__(
        self,
        *,
        threshold: float,
        threshold_undated: float | None = None,
        window: timedelta,
        near_duplicate: float,
        max_span: timedelta = timedelta(days=5),
        lexical_weight: float = 0.0,
        entity_weight: float = 0.0,
        candidates: int = 20,
        index: IndexKind = "exact",
        index_factory: Callable[[int], StoryIndex] | None = None,
        same_event: SameEventModel | None = None,
        join_probability: float = 0.5,
        join_probability_undated: float | None = None,
    ) -> None:
        if lexical_weight < 0 or entity_weight < 0 or lexical_weight + entity_weight > 1:
            raise ValueError("lexical and entity weights must be >= 0 and sum to at most 1")
        self.threshold = threshold
        # an undated article is compared with every open story, not those of its days: more
        # candidates, more chance matches, so it may need a higher score to join
        self.threshold_undated = threshold if threshold_undated is None else threshold_undated
        self.window = window
        self.max_span = max_span
        self.near_duplicate = near_duplicate
        self.lexical_weight = lexical_weight
        self.entity_weight = entity_weight
        self.candidates = candidates
        # the learned decision (see the module docstring); None: the weighted score
        self.same_event = same_event
        self.join_probability = join_probability
        self.join_probability_undated = (
            join_probability if join_probability_undated is None else join_probability_undated
        )
        self.index_kind: IndexKind = index
        self._index_factory = index_factory  # overrides `index` (e.g. pgvector)
        self._index: StoryIndex | None = None
        self._since: datetime | None = None
        self._stories: dict[int, _Story] = {}
        self._next_new = -1

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget every open story (the next :meth:`assign` reloads them)."""
        self._stories.clear()
        if self._index is not None:
            self._index.clear()

    def forget(self, story_id: int) -> None:
        """Take a story out (merged into another, or closed)."""
        story = self._stories.pop(story_id, None)
        if story is not None and self._index is not None:
            self._index.remove(_key(story.key))

    def sync(self, open_stories: Iterable[OpenStory]) -> None:
        """Make the held stories exactly `open_stories`: new ones are added, changed ones
        (other count or centroid) reloaded, missing ones and provisional ones dropped."""
        seen: set[int] = set()
        for s in open_stories:
            seen.add(s.id)
            held = self._stories.get(s.id)
            if (
                held is not None
                and held.n == s.n_articles
                and np.array_equal(held.centroid, s.centroid)
            ):
                continue
            story = _Story(s.id, s.centroid, s.n_articles, s.last_published, s.first_published)
            self._put(story)
        for key in [k for k in self._stories if k not in seen]:
            self.forget(key)

    def close_before(self, when: datetime) -> None:
        """Drop the dated stories whose window ended before `when`."""
        for story in list(self._stories.values()):
            if story.last is not None and not self._open_for(story, when):
                self.forget(story.key)

    def __len__(self) -> int:
        return len(self._stories)

    @property
    def index(self) -> StoryIndex | None:
        return self._index

    def search_since(self, since: datetime) -> None:
        """Candidates are stories whose latest dated article is at least this recent (the
        index is told; see :meth:`StoryIndex.only_since`)."""
        self._since = since
        if self._index is not None:
            self._index.only_since(since)

    def stored(self) -> None:
        """The caller stored every decision :meth:`assign` returned (see StoryIndex)."""
        if self._index is not None:
            self._index.stored()

    def _put(self, story: _Story) -> None:
        if self._index is None:
            make = self._index_factory or (lambda n: make_index(self.index_kind, n))
            self._index = make(len(story.centroid))
            if self._since is not None:
                self._index.only_since(self._since)
        self._stories[story.key] = story
        self._index.upsert(_key(story.key), story.centroid)

    # ---------------------------------------------------------------- assign
    def assign(
        self,
        batch: Sequence[ClusterInput],
        open_stories: Sequence[OpenStory] | None,
        load_members: Callable[[int], list[ClusterMember]],
    ) -> list[ArticleAssignment]:
        """Decide a story for each article of `batch` (dated ones in time order, undated
        ones after them in the order given)."""
        if open_stories is not None:
            self.sync(open_stories)
        decisions: list[ArticleAssignment] = []
        for item in sorted(batch, key=_arrival):
            terms = self._item_terms(item)  # once per article: scoring and the story's sum
            if self.same_event is not None:
                found = self.candidates_for(item, load_members, terms=terms)
                best = self._most_probable(item, found)
            else:
                best = self._best(item, terms, load_members)
            key = best.key if best else None
            decisions.append(self.place(item, key, load_members, terms=terms))
        return decisions

    def candidates_for(
        self,
        item: ClusterInput,
        load_members: Callable[[int], list[ClusterMember]],
        *,
        terms: Terms | None = None,
    ) -> list[tuple[int, Candidate]]:
        """The open stories an article is compared with (the nearest `candidates` by
        centroid that are open at its time, nearest first), each with what the same-event
        model reads of the pair. `terms`: the article's term vector, if already made."""
        near = list(islice(self._open_near(item), self.candidates))
        if not near:
            return []
        if terms is None:
            terms = article_terms(item.text) if item.text else {}
        item_numbers = numbers(item.text)
        best_cosine = near[0][1]
        found = []
        for rank, (story, cosine) in enumerate(near):
            term_cosine = 0.0
            if terms:
                story_terms = self._terms(story, load_members)
                if story.terms_norm is None:
                    story.terms_norm = _norm(story_terms)
                term_cosine = _cosine(terms, story_terms, story.terms_norm)
            shared = len(item_numbers & self._numbers(story, load_members)) if item_numbers else 0
            candidate = Candidate(cosine, term_cosine, rank, best_cosine, shared)
            found.append((story.key, candidate))
        return found

    def _most_probable(
        self, item: ClusterInput, found: list[tuple[int, Candidate]]
    ) -> _Story | None:
        assert self.same_event is not None
        if not found:
            return None
        p = self.same_event.probabilities([c for _key, c in found])
        k = int(np.argmax(p))
        wanted = self.join_probability if item.when is not None else self.join_probability_undated
        return self._stories[found[k][0]] if p[k] >= wanted else None

    def place(
        self,
        item: ClusterInput,
        story_key: int | None,
        load_members: Callable[[int], list[ClusterMember]],
        *,
        terms: Terms | None = None,
    ) -> ArticleAssignment:
        """Put the article in the held story `story_key` (None: a new story) and update the
        story's centroid, dates and signals; the decision to store. `terms`: the article's
        term vector, if already made ({} when the term signal is off)."""
        best = self._stories[story_key] if story_key is not None else None
        if best is None:
            best = _Story(
                self._next_new,
                item.vector.copy(),
                0,
                None,
                None,
                terms={},
                entities={},
                members=[],
                numbers=set(),
            )
            self._next_new -= 1
            duplicate_of = None
        else:
            duplicate_of = self._near_duplicate(item, best, load_members)
        centroid = best.centroid * best.n + item.vector
        norm = float(np.linalg.norm(centroid))
        best.centroid = (centroid / norm if norm > 0 else centroid).astype(np.float32)
        best.n += 1
        if item.when is not None:
            best.last = max(best.last, item.when) if best.last else item.when
            best.first = min(best.first, item.when) if best.first else item.when
        if terms is None:
            terms = article_terms(item.text) if item.text else {}
        if best.terms is not None and terms:
            _add(best.terms, terms)
            best.terms_norm = None
        entities = entity_vector(item.entities) if self.entity_weight and item.entities else {}
        if best.entities is not None and entities:
            _add(best.entities, entities)
            best.entities_norm = None
        if best.numbers is not None:
            best.numbers |= numbers(item.text)
        best.new_members.append(
            ClusterMember(item.article_id, item.outlet_id, item.minhash, item.text, item.entities)
        )
        self._put(best)
        return ArticleAssignment(item.article_id, best.key, best.centroid.copy(), duplicate_of)

    def _item_terms(self, item: ClusterInput) -> Terms:
        wanted = self.lexical_weight or self.same_event is not None
        return article_terms(item.text) if wanted and item.text else {}

    def _best(
        self,
        item: ClusterInput,
        terms: Terms,
        load_members: Callable[[int], list[ClusterMember]],
    ) -> _Story | None:
        """The candidate with the highest weighted score, if it reaches the threshold."""
        if self._index is None or not self._stories:
            return None
        entities = entity_vector(item.entities) if self.entity_weight and item.entities else {}
        best: _Story | None = None
        best_score = self.threshold if item.when is not None else self.threshold_undated
        # the signals this article has, their weights scaled to sum to one
        lexical = self.lexical_weight if terms else 0.0
        entity = self.entity_weight if entities else 0.0
        embedding = 1.0 - self.lexical_weight - self.entity_weight
        total = embedding + lexical + entity
        if total <= 0:
            return None
        embedding, lexical, entity = embedding / total, lexical / total, entity / total
        for story, cosine in self._open_near(item):
            score = embedding * cosine
            if score + lexical + entity < best_score:
                continue  # cannot win even with identical terms and entities
            if lexical:
                story_terms = self._terms(story, load_members)
                if story.terms_norm is None:
                    story.terms_norm = _norm(story_terms)
                score += lexical * _cosine(terms, story_terms, story.terms_norm)
            if entity:
                story_entities = self._entities(story, load_members)
                if story.entities_norm is None:
                    story.entities_norm = _norm(story_entities)
                score += entity * _cosine(entities, story_entities, story.entities_norm)
            if score >= best_score:
                best, best_score = story, score
        return best

    def _open_near(self, item: ClusterInput) -> Iterator[tuple[_Story, float]]:
        """The held stories nearest to the article by centroid and open at its time, nearest
        first, with their cosines: of the 2 x `candidates` nearest, so that stories outside
        the time window do not crowd out the ones inside it."""
        if self._index is None or not self._stories:
            return
        for key, cosine in self._index.search(item.vector, 2 * self.candidates):
            story = self._stories.get(_unkey(key))
            if story is None:
                continue  # closed here, or not loaded yet (a shared index)
            if item.when is not None and not self._open_for(story, item.when):
                continue
            yield story, cosine

    def _open_for(self, story: _Story, when: datetime) -> bool:
        """A story takes an article published within the window of its latest article
        and within the maximum span of its first."""
        if story.last is not None and abs(when - story.last) > self.window:
            return False
        return story.first is None or abs(when - story.first) <= self.max_span

    def _members(
        self, story: _Story, load_members: Callable[[int], list[ClusterMember]]
    ) -> list[ClusterMember]:
        if story.members is None:
            story.members = load_members(story.key) if story.key > 0 else []
        return [*story.members, *story.new_members]

    def _terms(self, story: _Story, load_members: Callable[[int], list[ClusterMember]]) -> Terms:
        if story.terms is None:
            story.terms = {}
            for member in self._members(story, load_members):
                _add(story.terms, article_terms(member.text))
        return story.terms

    def _numbers(
        self, story: _Story, load_members: Callable[[int], list[ClusterMember]]
    ) -> set[str]:
        if story.numbers is None:
            story.numbers = set()
            for member in self._members(story, load_members):
                story.numbers |= numbers(member.text)
        return story.numbers

    def _entities(self, story: _Story, load_members: Callable[[int], list[ClusterMember]]) -> Terms:
        if story.entities is None:
            story.entities = {}
            for member in self._members(story, load_members):
                _add(story.entities, entity_vector(member.entities))
        return story.entities

    def _near_duplicate(
        self,
        item: ClusterInput,
        story: _Story,
        load_members: Callable[[int], list[ClusterMember]],
    ) -> int | None:
        """The first member of the story whose text is a near copy of this one."""
        if item.minhash is None:
            return None
        for member in self._members(story, load_members):
            if member.minhash and jaccard(item.minhash, member.minhash) >= self.near_duplicate:
                return member.id
        return None


def _arrival(item: ClusterInput) -> tuple[int, datetime | int, int]:
    return (0, item.when, item.article_id) if item.when else (1, 0, 0)


def _key(story_key: int) -> int:
    """Index keys are non-negative: provisional (negative) ids map to odd numbers."""
    return 2 * story_key if story_key >= 0 else -2 * story_key - 1


def _unkey(key: int) -> int:
    return key // 2 if key % 2 == 0 else -(key + 1) // 2
