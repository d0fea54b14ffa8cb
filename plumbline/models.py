"""Plain typed objects passed between stages. No logic beyond keeping their text clean; no SQL."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:  # vectors are numpy arrays; the models themselves need no numpy
    import numpy as np

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Lean(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"
    UNRATED = "unrated"


class ArticleKind(StrEnum):
    """What kind of piece an article is (analysis/kinds.py): opinion never supplies a
    story's facts or headline."""

    NEWS = "news"
    OPINION = "opinion"
    ANALYSIS = "analysis"


class ArticleState(StrEnum):
    """Where an article is in the pipeline; each stage moves it one step."""

    FETCHED = "fetched"  # raw HTML stored, text not yet extracted
    EXTRACTED = "extracted"  # text and metadata known
    ANALYZED = "analyzed"  # sentences, embeddings, bias and lean computed
    CLUSTERED = "clustered"  # assigned to a story
    FAILED = "failed"  # a stage failed; `error` says which and why
    DUPLICATE = "duplicate"  # exact copy of another stored article


@dataclass(slots=True)
class Outlet:
    slug: str
    name: str
    homepage: str
    feeds: list[str] = field(default_factory=list)
    country: str = ""
    lean: Lean = Lean.UNRATED
    lean_source: str = ""  # where the lean came from, e.g. "article-bias-prediction (n=812)"
    enabled: bool = True
    domains: list[str] = field(default_factory=list)  # host names its articles come from


@dataclass(slots=True)
class FeedStatus:
    id: int
    outlet_slug: str
    url: str
    enabled: bool
    last_fetched_at: datetime | None
    last_status: int | None
    last_error: str | None
    error_count: int
    next_fetch_at: datetime | None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class FetchResult:
    url: str  # as requested
    final_url: str  # after redirects
    status: int
    content: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # 304 for a conditional GET


@dataclass(slots=True)
class FeedEntry:
    url: str
    title: str
    summary: str = ""
    published: datetime | None = None
    author: str = ""
    guid: str = ""


@dataclass(slots=True)
class ParsedFeed:
    title: str
    entries: list[FeedEntry]
    warning: str = ""  # set when the feed was malformed but partly readable


@dataclass(slots=True)
class ExtractedPage:
    text: str
    title: str = ""
    author: str = ""
    published: datetime | None = None
    canonical_url: str = ""
    language: str = ""


@dataclass(slots=True)
class ArticleIn:
    """An article arriving from a feed, a page or an import file, before it is stored."""

    url: str
    title: str
    text: str = ""
    outlet: str = ""  # outlet slug, or a name/domain to resolve
    published: datetime | None = None
    author: str = ""
    language: str = ""
    external_id: str = ""  # id in the source dataset, for idempotent re-imports
    topic: str = ""
    summary: str = ""
    raw_html: bytes | None = None  # when set, the article enters as FETCHED
    kind: ArticleKind | None = None  # news / opinion / analysis, when known at entry

    def __post_init__(self) -> None:
        """Control characters go (NUL and the like: PostgreSQL refuses NUL in text, and
        none of them belongs in news); tabs and line breaks stay."""
        for name in ("url", "title", "text", "outlet", "author", "language", "external_id",
                     "topic", "summary"):  # fmt: skip
            value = getattr(self, name)
            if _CONTROL.search(value):
                setattr(self, name, _CONTROL.sub("", value))


@dataclass(slots=True)
class Sentence:
    text: str
    start: int  # character offsets in the article text
    end: int
    bias: float | None = None  # p(a media-bias expert labels it biased)


@dataclass(slots=True)
class LoadedPhrase:
    text: str
    sentence_index: int
    weight: float


@dataclass(slots=True)
class LeanScores:
    left: float
    center: float
    right: float

    # no logic here beyond naming: the argmax lives in analysis.lean


@dataclass(slots=True)
class ArticleAnalysis:
    sentences: list[Sentence]
    bias_score: float | None  # 0-100, None when there is not enough text
    lean: LeanScores
    loaded_phrases: list[LoadedPhrase]
    word_count: int
    title_bias: float | None = None  # p(biased) of the title; None for older analyses


@dataclass(slots=True)
class ArticleRecord:
    """A stored article as the pipeline and the site see it."""

    id: int
    url: str
    canonical_url: str
    title: str
    text: str
    state: ArticleState
    outlet_slug: str | None
    outlet_name: str | None
    outlet_lean: Lean
    published: datetime | None
    fetched_at: datetime
    joined: datetime | None = None  # when it was placed in its story (None: before recorded)
    author: str = ""
    summary: str = ""
    topic: str = ""
    story_id: int | None = None
    duplicate_of: int | None = None
    bias_score: float | None = None
    lean: LeanScores | None = None
    analysis: ArticleAnalysis | None = None
    error: str | None = None
    from_feed: bool = False  # fetched from a feed (its fetch time is near its publication)
    kind: ArticleKind | None = None  # None: stored before kinds were labelled at entry


@dataclass(slots=True)
class SourceRef:
    """One source sentence backing a synthesized sentence."""

    article_id: int
    sentence_index: int
    outlet_name: str
    outlet_lean: Lean
    text: str


@dataclass(slots=True)
class SynthSentence:
    # a source sentence verbatim (extractive; relative dates written out, see `inserted`) or
    # a checked rewrite (LLM back end)
    text: str
    sources: list[SourceRef]  # every source sentence that backs it, the chosen one first
    bias: float | None = None
    attribution: list[str] = field(default_factory=list)  # outlets named "X reported that …"
    rewritten: bool = False  # written by the LLM back end and passed the faithfulness check
    paragraph: int = 0  # which paragraph of its section it belongs to, from 0
    inserted: list[str] = field(default_factory=list)  # dates written in for "on Monday" etc.
    exclusive: bool = False  # no outlet of another side reported it ("Only X reported that …")
    # its first word is a common word, lower-cased after "X reported that" (None: guess)
    lower_first: bool | None = None


@dataclass(slots=True)
class SynthSection:
    title: str
    sentences: list[SynthSentence]
    kind: str = ""  # facts | background | next | differ


@dataclass(slots=True)
class Perspective:
    """How one side covered a story: quotations from its most central article, shown as
    that outlet's words, never as facts."""

    side: Lean
    article_id: int
    outlet_name: str
    title: str
    url: str
    kind: ArticleKind
    quotes: list[SourceRef]


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    """Something shown on the story page that a generated claim rests on."""

    # coverage | lean_mix | blindspot | tone | loaded_phrase | sentence | omission | article
    kind: str
    label: str  # what it says, e.g. "coverage score 58/100" or the phrase "radical left"
    anchor: str  # the page fragment that shows it: "coverage", "lean-mix", "tone", ...
    article_id: int | None = None


@dataclass(slots=True)
class AssessmentSentence:
    text: str
    evidence: list[EvidenceRef]


@dataclass(slots=True)
class KeyQuestion:
    """A "Think and consider" question and what it was drawn from."""

    text: str
    # disagreement | one_side | naming | missing_side | framing | next | headlines | perspectives
    kind: str
    evidence: list[EvidenceRef]


@dataclass(slots=True)
class Omission:
    """A fact some sides report and others leave out."""

    fact: SynthSentence
    reported_by: list[Lean]
    missing_from: list[Lean]


@dataclass(slots=True)
class Synthesis:
    headline: str
    headline_article_id: int | None
    lead: list[SynthSentence]
    sections: list[SynthSection]
    bias_score: float | None
    assessment: list[AssessmentSentence] = field(default_factory=list)
    questions: list[KeyQuestion] = field(default_factory=list)
    omissions: list[Omission] = field(default_factory=list)
    backend: str = "extractive"  # or "llm:<model>" when the LLM rewrote sentences
    fallbacks: int = 0  # LLM sentences rejected by the faithfulness check
    perspectives: list[Perspective] = field(default_factory=list)  # left, center, right
    note: str = ""  # why there is no factual article (e.g. only opinion pieces cover it)


@dataclass(slots=True)
class LeanMix:
    left: int
    center: int
    right: int
    unrated: int


@dataclass(slots=True)
class SideToneView:
    side: Lean
    mean_tone: float  # -1 (negative wording) .. +1 (positive), outlets weighted equally
    n_sentences: int
    n_outlets: int
    verdict: str  # critical / favorable / neutral / insufficient
    example_sentence: str
    example_outlet: str


@dataclass(slots=True)
class EntityToneView:
    """The tone of each side's sentences about one of the story's main entities."""

    entity: str
    kind: str
    statements: list[str]
    by_side: list[SideToneView]


@dataclass(slots=True)
class StorySummary:
    id: int
    slug: str
    headline: str
    lead: str
    n_articles: int
    n_outlets: int
    first_published: datetime | None
    last_published: datetime | None
    updated_at: datetime
    lean_mix: LeanMix
    bias_score: float | None
    topics: list[str] = field(default_factory=list)
    interval: tuple[float, float] | None = None  # 95% interval of the coverage score
    low_confidence: bool = True
    low_confidence_reasons: list[str] = field(default_factory=list)
    blindspot: Lean | None = None  # the side that covers it almost alone
    blindspot_description: str = ""
    tones: list[EntityToneView] = field(default_factory=list)


@dataclass(slots=True)
class StoryDetail:
    summary: StorySummary
    synthesis: Synthesis | None
    articles: list[ArticleRecord]
    related: list[StorySummary] = field(default_factory=list)  # most similar stories first
    topic_stories: list[StorySummary] = field(default_factory=list)  # recent, same main topic
    timeline: StoryTimeline | None = None  # how the coverage grew (analysis/timeline.py)


@dataclass(frozen=True, slots=True)
class TopicSummary:
    slug: str
    label: str
    n_stories: int


@dataclass(slots=True)
class StageCount:
    state: str
    count: int


#: The states of an article that the pipeline has yet to finish.
WAITING_STATES = (ArticleState.FETCHED, ArticleState.EXTRACTED, ArticleState.ANALYZED)


@dataclass(frozen=True, slots=True)
class Backlog:
    """What is still being processed: articles before their story, stories to write up."""

    articles_waiting: int
    articles_done: int
    stories_waiting: int
    stories: int

    @property
    def busy(self) -> bool:
        return bool(self.articles_waiting or self.stories_waiting)


@dataclass(slots=True)
class PipelineReport:
    extracted: int = 0
    analyzed: int = 0
    clustered: int = 0
    synthesized: int = 0
    failed: int = 0
    duplicates: int = 0
    merged: int = 0  # stories merged into another
    split: int = 0  # stories split in two


@dataclass(slots=True)
class ImportReport:
    read: int = 0
    added: int = 0
    skipped_existing: int = 0
    invalid: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass(slots=True)
class IngestReport:
    feeds_polled: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    entries_seen: int = 0
    articles_added: int = 0
    errors: list[str] = field(default_factory=list)


class NewArticle(NamedTuple):
    """An article to store, with what the importer or poller worked out about it."""

    article: ArticleIn
    outlet_id: int | None
    feed_id: int | None
    canonical_url: str
    content_hash: str | None


class AnalyzedArticle(NamedTuple):
    """An article's analysis, ready to store."""

    article_id: int
    analysis: ArticleAnalysis
    vector: np.ndarray[Any, np.dtype[np.float32]]  # the clusterer's title-and-lead vector
    minhash: bytes  # near-duplicate signature of the text


class ImportKey(NamedTuple):
    """How a stored article is found again from its input record (the same keys import
    uses to skip copies)."""

    external_id: str
    canonical_url: str
    content_hash: str | None


class ClusterFeatures(NamedTuple):
    """What the clusterer reads of a stored, analyzed article."""

    vector: np.ndarray[Any, np.dtype[np.float32]]
    minhash: bytes | None
    outlet_id: int | None


class OutletRef(NamedTuple):
    """An outlet's database id and slug (what an article is filed under)."""

    id: int
    slug: str


@dataclass(frozen=True, slots=True)
class StoryFeatures:
    """What related-story ranking knows of a published story."""

    id: int
    centroid: np.ndarray[Any, np.dtype[np.float32]]  # L2-normalized
    topics: tuple[str, ...] = ()
    entities: frozenset[str] = frozenset()  # main entities, lower-cased
    when: datetime | None = None  # last published


@dataclass(slots=True)
class OpenStory:
    id: int
    centroid: np.ndarray[Any, np.dtype[np.float32]]
    n_articles: int
    last_published: datetime | None
    first_published: datetime | None = None


@dataclass(slots=True)
class ClusterMember:
    """What clustering needs of an article already in a story."""

    id: int
    outlet_id: int | None
    minhash: bytes | None
    text: str = ""  # title and lead (the clusterer's term signal)
    entities: tuple[str, ...] = ()  # entity keys of title and lead (its entity signal)


@dataclass(slots=True)
class ArticleAssignment:
    """A clustering decision: the article joins `story_id` (negative: a new story, the
    same negative number for articles that start it together)."""

    article_id: int
    story_id: int
    centroid: np.ndarray[Any, np.dtype[np.float32]]
    near_duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class Blindspot:
    side: Lean  # the side that covers it almost alone
    share: float  # of the outlets with a known lean, 0-1
    n_rated: int
    description: str  # "covered almost only by the left (4 of 5 rated outlets)"


@dataclass(slots=True)
class StoryStats:
    coverage_score: float | None  # 0-100, None when no article has a score
    interval: tuple[float, float] | None  # 95% t-interval over outlets; None with < 2
    n_articles: int
    n_outlets: int
    n_scored_outlets: int
    scored_words: int
    lean_mix: LeanMix
    blindspot: Blindspot | None
    low_confidence: bool
    low_confidence_reasons: list[str] = field(default_factory=list)
    # the tone toward the story's main entities by side (stories with two or more outlets)
    tones: list[EntityToneView] = field(default_factory=list)
    # ... and by outlet, for the outlets' profiles
    outlet_tones: list[OutletEntityTone] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class OutletEntityTone:
    """One outlet's sentences about one of a story's main entities: how many, and the sum
    of their tone (VADER compound, -1..1), so stories add up."""

    outlet: str  # outlet slug
    entity: str
    kind: str  # person | organization | place
    n_sentences: int
    tone_sum: float


@dataclass(frozen=True, slots=True)
class EntityToneProfile:
    """An outlet's tone toward an entity it often names, over the stories it covered,
    next to the other outlets' tone toward it in the same stories."""

    entity: str
    kind: str
    stories: int
    n_sentences: int
    mean_tone: float  # -1 (negative wording) .. +1 (positive)
    others_mean: float | None  # the other outlets in the same stories (None: none wrote of it)
    others_sentences: int


@dataclass(frozen=True, slots=True)
class OutletScore:
    """An outlet's articles' mean bias score, with a 95% t-interval over its articles."""

    slug: str
    name: str
    n_scored: int
    mean: float
    interval: tuple[float, float] | None  # None with fewer than two scored articles


@dataclass(frozen=True, slots=True)
class PhraseUse:
    text: str
    articles: int  # how many of the articles read used it


@dataclass(slots=True)
class OutletProfile:
    """What Plumbline measured of one outlet (analysis/profile.py): no third-party rating."""

    score: OutletScore | None  # None before any scored article
    kinds: dict[str, int]  # news / opinion / analysis article counts
    opinion_share: float | None  # opinion / labelled articles, 0-1
    phrases: list[PhraseUse]  # its most used loaded phrases
    phrase_articles: int  # the recent articles the phrases were read from
    stories: int  # stories with two or more outlets that it covered
    alone: int  # of those, stories no outlet of another side covered
    peers: list[OutletScore]  # the outlets of its lean (itself included), lowest score first
    entity_tones: list[EntityToneProfile] = field(default_factory=list)  # most named first


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One article joining a story's coverage, and the coverage after it."""

    when: datetime  # published; when Plumbline fetched it where the outlet gave no date
    dated: bool  # `when` is the publication time
    day_only: bool  # dated, but the outlet gave only the day (read as 00:00 UTC)
    added: datetime  # when it joined the story, else was fetched ("new since your last visit")
    article_id: int
    title: str
    outlet_name: str
    outlet_slug: str | None
    side: Lean  # the outlet's lean
    new_outlet: bool  # the outlet's first article in the story
    new_side: bool  # among the first outlets of its side, at the time it joined (not unrated)
    articles: LeanMix  # articles so far, by the lean of their outlet
    outlets: LeanMix  # outlets so far, by lean (the story's lean mix at this point)
    coverage_score: float | None  # the story's coverage score with the articles so far
    duplicate: bool = False  # a near-duplicate (wire) copy of an earlier article


@dataclass(frozen=True, slots=True)
class SideJoined:
    side: Lean
    when: datetime
    outlet_name: str  # the side's first outlet
    outlets: list[str]  # every outlet of the side at that time (the same day, for days)
    hours_after_first: float  # since the story's first report
    from_start: bool  # at the same time as the first report (the same day, for day-only dates)


@dataclass(slots=True)
class StoryTimeline:
    """How a story's coverage grew: who reported first, when each side joined, and how
    the coverage score moved (analysis/timeline.py)."""

    story_id: int
    slug: str
    steps: list[TimelineStep]
    sides: list[SideJoined]  # the sides that covered it, in the order they joined
    missing_sides: list[Lean]  # left / center / right sides with no outlet yet
    score_low: float | None  # lowest and highest coverage score along the way
    score_high: float | None
    score_first: float | None  # after the first scored article, and now
    score_last: float | None
    first_outlets: list[str]  # who reported first (several when they tie on the same time)
    summary: str  # the timeline in two or three plain sentences (analysis/timeline.py)

    @property
    def first(self) -> TimelineStep | None:
        return self.steps[0] if self.steps else None


@dataclass(frozen=True, slots=True)
class Merge:
    source: int  # this story's articles move, its URL redirects ...
    target: int  # ... to this one
    similarity: float


@dataclass(frozen=True, slots=True)
class Split:
    story: int
    moved: tuple[int, ...]  # article ids that leave for a new story
    similarity: float  # cosine between the two parts' centroids


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    """Where one input line of `plumbline cluster` ended up."""

    line: int
    id: str | None  # the input's "id", when it had one
    story: int | None  # the story id; None with an error
    error: str = ""


@dataclass(slots=True)
class StoryWriteup:
    """What `plumbline synthesize` reports for one story of its input."""

    story: str  # the input's story value
    synthesis: Synthesis | None
    articles: list[ArticleRecord]
    input_ids: dict[int, str | None]  # stored article id -> the input's "id"
    error: str = ""
    coverage_score: float | None = None


@dataclass(frozen=True, slots=True)
class ConsentChoice:
    """A reader's cookie choice. Strictly necessary cookies need no consent."""

    policy_version: str
    preferences: bool
    analytics: bool
    method: str  # accept_all | reject_all | custom


class DigestStatus(StrEnum):
    """Where one subscriber's digest for one period is (newsletter/digest.py)."""

    SENDING = "sending"  # claimed and being handed to the mail server
    SENT = "sent"
    FAILED = "failed"  # refused: claimed again on the next run
    UNKNOWN = "unknown"  # interrupted while sending: may have arrived, never resent


@dataclass(slots=True)
class Subscriber:
    """A newsletter subscription (see newsletter/subscriptions.py)."""

    id: int
    email: str
    status: str  # pending | confirmed | unsubscribed
    frequency: str  # daily | weekly
    topics: list[str]  # empty: every topic
    created_at: datetime
    confirmed_at: datetime | None = None
    unsubscribed_at: datetime | None = None


@dataclass(slots=True)
class DigestReport:
    """What one `send_digests` run did, per subscriber due in the period."""

    period: str  # "daily:2026-11-30", "weekly:2026-W48"
    sent: int = 0
    skipped: int = 0  # no story on their topics in the period: nothing sent, nothing kept
    already: int = 0  # their digest of the period was handled by an earlier run
    failed: int = 0  # the mail server refused it; the next run of the period retries
    unknown: int = 0  # may or may not have arrived (interrupted run, lost connection)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PhraseVote:
    """One reader's answer to "Is this loaded?" about a phrase the model highlighted in
    an article (feedback.py)."""

    article_id: int
    phrase: str  # as the model highlighted it, lower-cased
    loaded: bool  # the reader's answer: yes (loaded) or no


@dataclass(frozen=True, slots=True)
class PhraseVerdict:
    """What readers said about one highlighted phrase in one article: a labelled example
    for `plumbline feedback export`."""

    article_id: int
    url: str
    outlet: str
    phrase: str
    sentence: str  # the sentence the phrase was highlighted in ("" if it is gone)
    start: int  # the phrase's character offsets in the sentence (-1 when not found)
    end: int
    model_weight: float  # how strongly the model flagged it (0-1)
    yes: int  # readers who said loaded
    no: int  # readers who said not loaded

    @property
    def label(self) -> bool | None:
        """The readers' majority (None on a tie)."""
        return None if self.yes == self.no else self.yes > self.no


@dataclass(frozen=True, slots=True)
class AgreementBand:
    """Readers' answers about the phrases the model flagged with weights in [low, high)."""

    low: float
    high: float
    votes: int
    yes: int

    @property
    def agreement(self) -> float | None:
        return self.yes / self.votes if self.votes else None


@dataclass(frozen=True, slots=True)
class PhraseAgreement:
    """How often readers agree with the highlighted phrases (methodology page, bench/)."""

    votes: int
    readers: int
    phrases: int  # distinct (article, phrase) pairs voted on
    yes: int  # votes that said loaded
    decided: int  # phrases with a majority either way
    decided_yes: int  # ... whose majority said loaded
    pairs: int  # pairs of readers who voted on the same phrase
    pairs_agreeing: int  # ... and gave the same answer
    bands: list[AgreementBand]

    @property
    def agreement(self) -> float | None:
        """Share of votes agreeing with the model (every shown phrase is one it flagged)."""
        return self.yes / self.votes if self.votes else None

    @property
    def reader_agreement(self) -> float | None:
        """How often two readers who judged the same phrase agree with each other."""
        return self.pairs_agreeing / self.pairs if self.pairs else None


@dataclass(frozen=True, slots=True)
class DietSide:
    """One side in a reader's news diet (analysis/diet.py)."""

    side: Lean
    weight: float  # stories read, split by their outlets' sides, plus articles opened
    share: float  # of the rated sides' total weight (0-1)
    stories: int  # stories read that this side's outlets covered
    opened: int  # articles opened from this side's outlets


@dataclass(frozen=True, slots=True)
class DietOutlet:
    slug: str
    name: str
    lean: Lean
    opened: int  # articles of this outlet the reader opened


@dataclass(frozen=True, slots=True)
class DietTopic:
    slug: str
    label: str
    stories: int  # stories of this topic the reader read
    share: float  # of the topic tags of the stories read (0-1)
    site_share: float  # of the topic tags of the site's stories (0-1)


@dataclass(frozen=True, slots=True)
class DietWeek:
    week: date  # Monday of the ISO week
    stories: int
    opened: int
    left: float  # side weights that week (see DietSide.weight)
    center: float
    right: float


@dataclass(frozen=True, slots=True)
class OtherSide:
    """A story the reader read that a side they rarely read covered too."""

    story: StorySummary
    side: Lean
    outlets: int  # that side's outlets in the story


@dataclass(slots=True)
class NewsDiet:
    """What a reader read on the site, by side, outlet and topic over time: kept only with
    their consent, in their browser or, signed in, in their account (analysis/diet.py)."""

    recording: str  # "account", "browser" or "off"
    stories_read: int
    articles_opened: int
    first: datetime | None
    last: datetime | None
    sides: list[DietSide]  # left, center, right
    outlets: list[DietOutlet]  # most opened first
    topics: list[DietTopic]  # most read first
    weeks: list[DietWeek]  # oldest first
    rare_sides: list[Lean]  # sides with a small share of the diet
    rare_topics: list[DietTopic]  # topics common on the site that the reader rarely reads
    other_side: list[OtherSide]  # stories read that the rarest side covered too
    summary: str
    recent: list[StorySummary] = field(default_factory=list)  # the latest stories read


@dataclass(slots=True)
class Follow:
    """A reader following a story or a topic, by email (double opt-in) or as a private
    Atom feed (follows.py)."""

    id: int
    channel: str  # "email" or "feed"
    email: str | None  # for email follows
    story_id: int | None  # what is followed: a story ...
    topic: str | None  # ... or a topic slug
    status: str  # pending (email, until confirmed) | active | stopped
    created_at: datetime
    last_alert_at: datetime | None = None
    state: dict[str, Any] = field(default_factory=dict)  # what the last alert saw


@dataclass(frozen=True, slots=True)
class FollowChange:
    """One thing worth an alert about a followed story (or a story of a followed topic)."""

    story_id: int
    slug: str
    headline: str
    kind: str  # "side" (a side that had not covered it now does), "score", "new"
    text: str


@dataclass(frozen=True, slots=True)
class FollowAlert:
    id: int
    follow_id: int
    created_at: datetime
    changes: list[FollowChange]


@dataclass(slots=True)
class AlertReport:
    checked: int = 0  # active follows looked at
    alerts: int = 0  # follows with changes: an alert written
    emailed: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
