"""The story article: a neutral account written from the sources' own sentences.

Shaped like a wire story (DESIGN.md, "The story article"):

- **Headline**: a news article's own title, the least loaded of the central ones; never an
  opinion title, a question, a quotation alone or a title in its writer's own voice.
- **Lede**: the opening a news writer wrote as a lede (one of the first LEDE_POSITIONS
  sentences of the most central news article, chosen with the headline so that it says what
  the headline says), then the best-backed fact it does not already state.
- **What happened**: facts backed by outlets of more than one side first, then plain
  reports one side alone gives; paragraphs by source article in the order their writers
  told them.
- **Background** and **What comes next**: earlier events; plans and dates ahead, only where
  no source says they already happened.
- **Where accounts differ**: figures the outlets give differently and claims one side alone
  reports, attributed ("Fox News reported that …"); at most one sentence in five of the
  article carries an attribution.
- **Perspectives**: how the left, center and right covered it (perspectives.py).

Every sentence is a source sentence (less a dateline), relative dates written out against
its article's publication date (dates.py), and carries every source sentence that says
much the same. News and analysis articles supply facts (news first: an analysis piece's
headline and opening count ANALYSIS_WEIGHT as much); opinion informs the perspectives
only (kinds.py). A sentence stands in the
site's voice only when it reads alone, is no fragment, says no "I" or "we" and is not loaded
(prose.py). No fact is told twice: a sentence is left out when it repeats one already
chosen (a TF-IDF cosine of REDUNDANT_SIMILARITY, or SAME_FACT_OVERLAP of the shorter
sentence's content words).

Sentences are ranked as before (tuned on NeuS train: bench/synthesis_quality.py --tune):
centrality (TF-IDF cosine to the story's sentences and its news titles) x (1 - bias x
p(biased)) x (1 + support x ln(backing outlets)) / (1 + position x index in its article),
and the body keeps to the lede's event (a TF-IDF cosine of `relevant` to the headline, lede
and story).

The article must score below its coverage (same sentence-bias scorer): the most loaded
sentences past the lead are dropped, and a loaded lead sentence swapped, until it does or no
such move is left."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis.bias import loaded_words, weighted_share
from plumbline.analysis.clean import furniture, strip_lead_in
from plumbline.analysis.dates import resolve
from plumbline.analysis.figures import conflict, figures
from plumbline.analysis.kinds import kind_of
from plumbline.analysis.perspectives import perspectives
from plumbline.analysis.prose import (
    introduced,
    judging,
    needs,
    quote_problem,
    second_hand,
    voice_problem,
)
from plumbline.analysis.story import coverage_score
from plumbline.models import (
    ArticleKind,
    ArticleRecord,
    Lean,
    Perspective,
    SourceRef,
    Synthesis,
    SynthSection,
    SynthSentence,
)

if TYPE_CHECKING:  # scikit-learn loads when a story is written up, not on import
    from sklearn.feature_extraction.text import TfidfVectorizer

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float64]
# unit sentence embeddings of texts (the analysis encoder): a finer test of "the same fact"
Encoder = Callable[[Sequence[str]], npt.NDArray[np.float32]]

LEAD_SIZE = 2
BODY_SIZE = 5
CONTEXT_SIZE = 2
NEXT_SIZE = 2
DIFFER_SIZE = 2
PARAGRAPH_SIZE = 3  # sentences at most in one paragraph
LEDE_POSITIONS = 3  # the lede is one of an article's first this many sentences
MIN_LEDE_WORDS = 12
FIT_WEIGHT = 2.5  # how much a lede saying its headline's words counts in choosing the pair
MIN_FIT = 0.2  # share of the headline's content words a lede should hold, when one can
SHARED_RELEVANCE = 0.5  # x `relevant`: a fact several sides back may lead a little off the lede
FIT_CAP = 0.75  # ... beyond which a closer fit no longer outweighs a more central title
OWN_LEDE_BONUS = 0.15  # a title and its own article's opening, written together
CROSS_FIT = 0.35  # a title whose own opening holds less of its words may take another's
CROSS_MIN_FIT = 0.5  # ... that holds at least this share (another writer: surer evidence)
SUPPORT_SIMILARITY = 0.32  # TF-IDF cosine at which another sentence backs a sentence
REDUNDANT_SIMILARITY = 0.45  # ... at which it would repeat one already chosen
SAME_FACT_OVERLAP = 0.5  # ... or this share of the shorter one's content words in common
MIN_SHARED_WORDS = 3
SAME_FACT_COSINE = 0.65  # ... or this sentence-embedding cosine (with an encoder)
MAX_ENCODED = 160  # the best-scored usable sentences of a story that are embedded
MIN_NEW_WORDS = 3  # content words the second lead sentence adds to the headline and lede
MAX_ATTRIBUTED_SHARE = 0.2  # of the article's sentences, at most, carry an attribution
# a claim is one side's alone only while no article of another side holds this share of its
# content words anywhere in its text (paraphrases the sentence matching misses included)
ELSEWHERE_RECALL = 0.5
ANALYSIS_WEIGHT = 0.8
ANALYSIS_TITLE_PENALTY = (
    0.6  # an analysis piece's title heads the story only when no news title fits
)
SECOND_HAND_WEIGHT = 0.6
EXTRA_RELEVANCE = 1.5  # x `relevant`: what "Background" and "What comes next" need
RESOLVED_DATE_WEIGHT = 0.85
RATED = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
OPINION_ONLY = (
    "Only opinion pieces cover this story so far. Plumbline writes no factual account from "
    "opinion: below, how each side argues it."
)
NO_USABLE_SENTENCE = (
    "No sentence of this story's sources reads neutrally and whole on its own, so Plumbline "
    "writes no account of it: below, how each side covered it."
)


@dataclass(frozen=True, slots=True)
class SelectionWeights:
    """How sentences are scored (tuned on NeuS train: bench/synthesis_quality.py --tune).
    Score = centrality x (1 - bias x p(biased)) x (1 + support x ln(backing outlets))
    / (1 + position x index in its article) x (1 - quote, for a quotation), where centrality
    mixes the TF-IDF cosine to the story's sentences (1 - title) and to its news titles
    (title)."""

    bias: float = 0.4
    support: float = 0.15
    position: float = 0.2
    title: float = 0.6
    quote: float = 0.0
    relevant: float = 0.12  # cosine to the story's core a sentence past the lede needs


class Kind(StrEnum):
    FACT = "fact"
    CONTEXT = "context"
    NEXT = "next"


SECTION_TITLES = {
    "facts": "What happened",
    "background": "Background",
    "next": "What comes next",
    "differ": "Where accounts differ",
    "one_side": "Reported by one side",
}

_WORD = re.compile(r"[a-z][a-z'’-]*")
_YEAR = re.compile(r"(?:19|20)\d\d")
# relative dates other than a weekday's name: these always need their date written out
_NOT_WEEKDAY = re.compile(
    r"\b(?:yesterday|today|tonight|tomorrow|last night|this (?:morning|afternoon|evening)|"
    r"(?:last|this|next) (?:week|month|year)|ago|last|next)\b",
    re.IGNORECASE,
)
_SCALES = frozenset({"trillion", "billion", "million", "percent", "thousand", "hundred"})
_CONTENT = re.compile(r"[A-Za-z][A-Za-z'’\-]+|\d[\d,.]*")
# A title in its writer's own voice (an opinion piece or an explainer), outside quotations;
# "US" in capitals is the country
_OWN_VOICE = re.compile(r"\b(?:I|[Ww]e|[Oo]ur|[Mm]y|[Yy]ou|[Yy]our|us)\b")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]|‘[^‘’]*’")
_TITLE_LABEL = re.compile(
    r"^\W*(?:opinion|op-ed|column|editorial|commentary|analysis|explainer|watch|listen|live|"
    r"video|podcast|exclusive|breaking)\b\s*[:|—–-]",
    re.IGNORECASE,
)
_MONTHS = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november|december)"
)
_WEEKDAYS = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# What is still to happen: plans, expectations, schedules.
_NEXT = re.compile(
    r"\b(?:will|won't|(?:is|are|was|were) (?:expected|set|scheduled|due|poised|slated) to|"
    r"plans? to|planning to|intends? to|aims? to|is likely to|are likely to|"
    r"next (?:week|month|year|" + _WEEKDAYS + r")|later this (?:week|month|year)|"
    r"upcoming|deadline|in the coming (?:days|weeks|months))\b",
    re.IGNORECASE,
)
# What happened before: past perfect, "last year", "since", "years ago", history.
_CONTEXT = re.compile(
    r"\b(?:had (?:been|not|never|already|long|previously|once|[a-z]+ed|[a-z]+en)|"
    r"last (?:year|month|week|decade|spring|summer|fall|autumn|winter|" + _MONTHS + r")|"
    r"since (?:\d{4}|" + _MONTHS + r"|last|the|then|early|late)|"
    r"(?:years?|months?|decades?) (?:ago|earlier)|previously|historically|history|"
    r"for the first time (?:since|in)|earlier this (?:year|month)|in recent (?:years|months))\b",
    re.IGNORECASE,
)
_QUOTE = re.compile(r"[\"“”]")
# Someone's statement rather than a plain report of what happened.
_CLAIM = re.compile(
    r"\b(?:said|says|say|told|argued|argues|claimed|claims|warned|warns|accused|accuses|"
    r"called|calls|criticized|praised|insisted|according to|believes?|contends?|alleged|"
    r"alleges|denied|denies)\b",
    re.IGNORECASE,
)
# The verb of a plan ("will hear", "intends to sign", "is expected to vote")
_PLANNED = re.compile(
    r"\b(?:will|would|to)\s+(?:(?:finally|soon|also|then|likely|not)\s+)?(?P<verb>[a-z]{3,})\b",
    re.IGNORECASE,
)
_IRREGULAR_PAST = {
    "hear": "heard", "take": "took", "give": "gave", "make": "made", "hold": "held",
    "meet": "met", "win": "won", "begin": "began", "go": "went", "come": "came",
    "say": "said", "speak": "spoke", "tell": "told", "send": "sent", "leave": "left",
    "bring": "brought", "buy": "bought", "sell": "sold", "pay": "paid", "choose": "chose",
    "lose": "lost", "run": "ran", "fall": "fell", "rise": "rose", "find": "found",
    "write": "wrote", "put": "put", "set": "set", "read": "read", "lead": "led",
    "build": "built", "fight": "fought", "keep": "kept", "sit": "sat", "stand": "stood",
}  # fmt: skip
_STOPWORDS_TEXT = """
    a an the and or but if then than that this these those there here of in on at to for from
    by with as is are was were be been being has have had do does did will would shall should
    can could may might must it its he she they them their his her him we us our you your i
    me my who whom whose which what when where why how also about after before over under
    into onto out up down off again once said says say according more most some such only own
    same so too very just while during because until against between through each few other
    both all any not no new one two mr ms mrs
    """
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


@dataclass(slots=True)
class _Candidate:
    article: ArticleRecord
    index: int  # sentence index in the article's analysis
    text: str  # the source sentence, less a dateline
    shown: str  # as the article prints it: relative dates written out
    inserted: tuple[str, ...]
    bias: float
    kind: Kind
    outlet: str
    factual: bool  # from an article that may supply facts (news or analysis)
    news: bool  # from a news article
    voice: str | None  # why it cannot stand in the site's voice; None when it can
    quote: str | None  # why it cannot be quoted as a perspective; None when it can
    follower: bool = False  # may stand right after the sentence before it in its article
    needs: frozenset[str] = field(default_factory=frozenset)
    words: frozenset[str] = field(default_factory=frozenset)  # stemmed content words

    @property
    def usable(self) -> bool:
        return self.factual and self.voice is None

    @property
    def usable_after(self) -> bool:
        """Usable when printed right after its writer's previous sentence."""
        return self.factual and (self.voice is None or self.follower)


def synthesize(
    articles: Sequence[ArticleRecord],
    *,
    weights: SelectionWeights | None = None,
    encode: Encoder | None = None,
) -> Synthesis | None:
    """The story article for a story (see the module docstring), or None when no article
    has a usable sentence. With `encode`, two sentences whose embeddings are at least
    SAME_FACT_COSINE alike also count as the same fact (paraphrases share few words)."""
    weights = weights or SelectionWeights()
    originals = [a for a in articles if a.analysis and a.duplicate_of is None] or [
        a for a in articles if a.analysis
    ]
    kinds = {a.id: kind_of(a) for a in originals}
    factual = [a for a in originals if kinds[a.id] is not ArticleKind.OPINION]
    candidates = [c for a in originals for c in _candidates(a, kinds[a.id])]
    if not candidates:
        return None
    story = _Story.build(candidates, originals, factual, weights, kinds)
    if story is None:
        return None
    if encode is not None and len(factual) >= 2:
        story.embed(encode)
    if not factual or not any(c.usable for c in candidates):
        views = perspectives(originals, kinds, story.similarity_to_core, words=content_words)
        return _no_account(originals, kinds, views, factual)

    headline, headline_article, lede = story.front()
    picker = _Picker(story)
    lead = [lede] if lede is not None else []
    if lede is not None:
        picker.take(lede)
        second = story.second_lead(picker, headline)
        if second is not None:
            lead.append(second)
            picker.take(second)
    seen = " ".join([headline, *(candidates[i].shown for i in lead)])
    body = story.body(picker, seen)
    seen += " " + " ".join(candidates[i].shown for i in body)
    background = story.extra(picker, Kind.CONTEXT, CONTEXT_SIZE, seen)
    coming = story.extra(picker, Kind.NEXT, NEXT_SIZE, seen, lede)
    seen += " " + " ".join(candidates[i].shown for i in background + coming)
    differ, claims = story.differ(
        picker, len(lead) + len(body) + len(background) + len(coming), seen
    )
    ceiling = coverage_score(articles)
    if ceiling is not None:
        _below_coverage(candidates, ceiling, lead, [body, background, coming, differ], story)
    story.drop_orphans(lead, [body, background, coming, differ])
    lead_sentences = [story.sentence(i) for i in lead]
    sections = [
        story.section("facts", story.paragraphs(body)),
        story.section("background", story.paragraphs(background)),
        story.section("next", story.paragraphs(coming)),
        story.section("differ", [[i] for i in differ if i not in claims], attributed=True),
        story.section(
            "one_side", [[i] for i in differ if i in claims], attributed=True, exclusive=claims
        ),
    ]
    sections = [s for s in sections if s.sentences]
    every = lead_sentences + [s for sec in sections for s in sec.sentences]
    views = perspectives(
        originals,
        kinds,
        story.similarity_to_core,
        said=[content_words(s.text) for s in every],
        words=content_words,
        repeats=_paraphrase_of([s.text for s in every], encode) if encode and every else None,
    )
    return Synthesis(
        headline=headline,
        headline_article_id=headline_article,
        lead=lead_sentences,
        sections=sections,
        bias_score=_score(every),
        perspectives=views,
    )


def _earlier_day(when: datetime | None, than: datetime | None) -> bool:
    return when is not None and than is not None and when.date() < than.date()


def _paraphrase_of(printed: Sequence[str], encode: Encoder) -> Callable[[str], bool]:
    """Whether a text restates one of `printed` (embedding cosine SAME_FACT_COSINE or more)."""
    vectors = encode(list(printed))

    def repeats(text: str) -> bool:
        return bool((vectors @ encode([text])[0]).max() >= SAME_FACT_COSINE)

    return repeats


# "ICE notified colleges Monday that students will be forced to leave": the notice is the
# news, what it says will happen only its content
_DONE_THEN_PLAN = re.compile(
    r"\b(?:notified|announced|ruled|decided|ordered|signed|issued|unveiled|released|informed|"
    r"approved|passed)\b[^.;]*\b(?:will|won't)\b",
    re.IGNORECASE,
)


def kind(text: str) -> Kind:
    """Whether a sentence tells what is still to come, earlier events, or what happened."""
    if _NEXT.search(text) and not _DONE_THEN_PLAN.search(text):
        return Kind.NEXT
    if _CONTEXT.search(text):
        return Kind.CONTEXT
    return Kind.FACT


def content_words(text: str) -> frozenset[str]:
    """The stemmed content words of `text` (what two statements of one fact share); "%" is
    "percent", numbers lose their thousands commas."""
    text = text.replace("%", " percent")
    return frozenset(
        _stem(w.lower().strip("'’-.,").replace(",", ""))
        for w in _CONTENT.findall(text)
        if w.lower() not in _STOPWORDS and len(w) > 1
    )


def _candidates(article: ArticleRecord, article_kind: ArticleKind) -> list[_Candidate]:
    assert article.analysis is not None
    found = []
    outlet = article.outlet_slug or f"article-{article.id}"
    title = " ".join(article.title.split())
    for index, sentence in enumerate(article.analysis.sentences):
        text = strip_lead_in(sentence.text)
        if not text or furniture(text):
            continue
        if len(title.split()) >= 5 and title in " ".join(text.split()):
            continue  # the page's headline run into its text
        bias = sentence.bias or 0.0
        resolved = resolve(text, article.published)
        voice = voice_problem(text, bias)
        follower = voice in ("dangling", None) and voice_problem(text, bias, follows=True) is None
        if resolved is None:
            voice, follower = voice or "undated", False
        found.append(
            _Candidate(
                article=article,
                index=index,
                text=text,
                shown=resolved.text if resolved else text,
                inserted=resolved.inserted if resolved else (),
                bias=bias,
                kind=kind(text),
                outlet=outlet,
                factual=article_kind is not ArticleKind.OPINION,
                news=article_kind is ArticleKind.NEWS,
                voice=voice,
                quote=quote_problem(text),
                follower=follower,
                needs=frozenset(needs(text)),
                words=content_words(text),
            )
        )
    return found


class _Story:
    """The candidates of one story: similarities, who backs which sentence, scores."""

    def __init__(
        self,
        candidates: Sequence[_Candidate],
        matrix: Any,  # scipy sparse, one L2-normalized TF-IDF row per candidate
        similarity: Matrix,
        score: Vector,
        centrality: Vector,
        titles: dict[int, tuple[str, Vector, float]],
        factual: Sequence[ArticleRecord],
        vectorizer: TfidfVectorizer,
        centroid: Vector,
    ) -> None:
        self.candidates = candidates
        self.centroid = centroid
        self.relevant = SelectionWeights().relevant
        self.matrix = matrix
        self.similarity = similarity
        self.score = score
        self.centrality = centrality
        self.titles = titles  # article id -> (title, unit TF-IDF vector, title penalty)
        self.factual = factual
        self.vectorizer = vectorizer
        self.sides = {a.outlet_lean for a in factual if a.outlet_lean in RATED}
        self.outlets = {c.outlet for c in candidates if c.factual}
        self._backing: dict[int, list[int]] = {}
        self.articles = list({c.article.id: c.article for c in candidates}.values())
        self._article_words: dict[int, frozenset[str]] = {}
        self.vectors: dict[int, npt.NDArray[np.float32]] = {}
        self.at = {(c.article.id, c.index): i for i, c in enumerate(candidates)}
        self.has_news = any(c.news for c in candidates)
        self._lowercase: set[str] | None = None
        self._dated: set[str] = set()  # dates the article has written out so far
        self.core: Vector = np.zeros(similarity.shape[0])
        self.relevance: Vector = np.zeros(similarity.shape[0])

    @classmethod
    def build(
        cls,
        candidates: Sequence[_Candidate],
        originals: Sequence[ArticleRecord],
        factual: Sequence[ArticleRecord],
        weights: SelectionWeights,
        kinds: dict[int, ArticleKind],
    ) -> _Story | None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
        try:
            matrix = vectorizer.fit_transform([c.text for c in candidates])
        except ValueError:  # nothing but stop words
            return None
        similarity: Matrix = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
        rows = [i for i, c in enumerate(candidates) if c.factual] or list(range(len(candidates)))
        centroid = _unit(np.asarray(matrix[rows].mean(axis=0), dtype=np.float64).ravel())
        titled = [a for a in (factual or originals) if a.title.strip()]
        titles: dict[int, tuple[str, Vector, float]] = {}
        if titled:
            vectors = vectorizer.transform([a.title for a in titled]).toarray()
            for a, v in zip(titled, vectors, strict=True):
                penalty = _title_penalty(a.title, a.analysis.title_bias if a.analysis else None)
                if kinds.get(a.id) is ArticleKind.ANALYSIS:
                    penalty += ANALYSIS_TITLE_PENALTY
                # a title over a loaded article is less fit to head the story
                penalty += max(0.0, ((a.bias_score or 0.0) - 40.0) / 40.0)
                titles[a.id] = (a.title.strip(), _unit(np.asarray(v, dtype=np.float64)), penalty)
            title_centroid = _unit(np.mean([v for _, v, _ in titles.values()], axis=0))
        else:
            title_centroid = centroid
        centrality = (1.0 - weights.title) * np.asarray(matrix @ centroid).ravel() + (
            weights.title * np.asarray(matrix @ title_centroid).ravel()
        )
        story = cls(
            candidates,
            matrix,
            similarity,
            np.zeros(len(candidates)),
            centrality,
            titles,
            factual,
            vectorizer,
            centroid,
        )
        story.relevant = weights.relevant
        support = np.array([len(story.backers(i)) for i in range(len(candidates))], dtype=float)
        bias = np.array([c.bias for c in candidates])
        story.score = (
            centrality
            * (1.0 - weights.bias * bias)
            * (1.0 + weights.support * np.log(np.maximum(support, 1.0)))
            / (1.0 + weights.position * np.array([c.index for c in candidates], dtype=float))
            * np.array([1.0 - weights.quote * bool(_QUOTE.search(c.text)) for c in candidates])
            # another outlet's report, passed on: weaker than the story's own sources
            * np.array([SECOND_HAND_WEIGHT if second_hand(c.text) else 1.0 for c in candidates])
            # a date read off a publication date may be off by the date's own error
            * np.array([RESOLVED_DATE_WEIGHT if c.inserted else 1.0 for c in candidates])
        )
        return story

    def is_news(self, article_id: int) -> bool:
        return any(c.news for c in self.candidates if c.article.id == article_id)

    def embed(self, encode: Encoder) -> None:
        """Sentence embeddings of the MAX_ENCODED best-scored sentences that may be printed."""
        rows = [
            i for i, c in enumerate(self.candidates) if c.factual and c.voice in (None, "loaded")
        ]
        rows = sorted(rows, key=lambda i: -self.score[i])[:MAX_ENCODED]
        if rows:
            vectors = encode([self.candidates[i].text for i in rows])
            self.vectors = {i: vectors[k] for k, i in enumerate(rows)}

    # ------------------------------------------------------------------ backing
    def backing(self, i: int) -> list[int]:
        """Candidate i, then the most similar sentence of each other article that backs
        it: says much the same (see `same_fact`'s cosine and shared words) and gives no
        other figure for what it counts."""
        if i in self._backing:
            return self._backing[i]
        found = [i]
        seen = {self.candidates[i].article.id}
        mine = figures(self.candidates[i].text)
        for j in (int(k) for k in np.argsort(-self.similarity[i])):
            if self.similarity[i, j] < SUPPORT_SIMILARITY:
                break
            other = self.candidates[j]
            if other.article.id in seen:
                continue
            if len(self.candidates[i].words & other.words) < MIN_SHARED_WORDS:
                continue
            if conflict(mine, figures(other.text)):
                continue
            seen.add(other.article.id)
            found.append(j)
        self._backing[i] = found
        return found

    def backers(self, i: int) -> set[str]:
        """The outlets of news (factual) articles that back candidate i."""
        return {self.candidates[j].outlet for j in self.backing(i) if self.candidates[j].factual}

    def sides_of(self, i: int) -> set[Lean]:
        return {
            self.candidates[j].article.outlet_lean
            for j in self.backing(i)
            if self.candidates[j].factual and self.candidates[j].article.outlet_lean in RATED
        }

    def is_shared(self, i: int) -> bool:
        """Backed across the story's sides (or by several outlets of a one-sided story)."""
        if len(self.sides) >= 2:
            return len(self.sides_of(i)) >= 2
        return len(self.backers(i)) >= 2 or len(self.outlets) == 1

    def same_fact(self, i: int, j: int) -> bool:
        """Whether candidates i and j state the same fact (see the module docstring)."""
        if self.similarity[i, j] >= REDUNDANT_SIMILARITY:
            return True
        if (
            i in self.vectors
            and j in self.vectors
            and float(self.vectors[i] @ self.vectors[j]) >= SAME_FACT_COSINE
        ):
            return True
        a, b = self.candidates[i].words, self.candidates[j].words
        common = a & b
        shared = len(common)
        if shared >= MIN_SHARED_WORDS and shared >= SAME_FACT_OVERLAP * min(len(a), len(b)):
            return True
        # the same telling number ("78 percent of votes counted") and more in common
        numbers = {w for w in common if w[:1].isdigit() and not _YEAR.fullmatch(w)}
        if not common & _SCALES:  # "$3 trillion": a one-digit number tells with its scale
            numbers = {w for w in numbers if len(w) > 1}
        return bool(numbers) and shared - len(numbers) >= 2

    def similarity_to_core(self, text: str) -> float:
        """TF-IDF cosine of any text to the story's core (headline, lede and story)."""
        vector = np.asarray(self.vectorizer.transform([text]).toarray()[0], dtype=np.float64)
        return float(_unit(vector) @ (self.core if self.core.any() else self.centroid))

    # ------------------------------------------------------------------ the front
    def front(self) -> tuple[str, int | None, int | None]:
        """The headline, its article, and the lede: chosen together as the best pair of a
        news article's title fit to be a headline and an opening fit to be a lede (news
        first: an analysis piece's counts ANALYSIS_WEIGHT) that says what the title says
        (its own article's opening counts a little more: one writer wrote both)."""
        fit_titles = {aid: t for aid, t in self.titles.items() if not unfit_title(t[0])}
        title_score = {
            aid: float(vector @ self.centroid) - 0.5 * penalty
            for aid, (_text, vector, penalty) in (fit_titles or self.titles).items()
        }
        ledes = self._ledes()
        pairs = []
        for aid, score in title_score.items():
            title = self.titles[aid][0]
            fits = [(_overlap(title, self.candidates[i].text), s, i) for s, i in ledes]
            own_fit = max(
                (f for f, _s, i in fits if self.candidates[i].article.id == aid), default=0.0
            )
            for fit, lede_score, i in fits:
                # its own article's opening; another article's only when its own says too
                # little of what the title says, and it says the title's telling words
                # (weighted by rarity in the story: "Louisiana", "clinic", not "White House")
                own = self.candidates[i].article.id == aid
                if not own and (
                    own_fit >= CROSS_FIT
                    or self.telling_fit(title, self.candidates[i].text) < CROSS_MIN_FIT
                ):
                    continue
                total = score + lede_score + FIT_WEIGHT * min(fit, FIT_CAP)
                pairs.append((total + (OWN_LEDE_BONUS if own else 0.0), fit, aid, i))
        # a lede that says what its headline says, when any pair has one; a news article's
        # pair before an analysis piece's
        fitting = [p for p in pairs if p[1] >= MIN_FIT] or pairs
        fitting = [p for p in fitting if self.is_news(p[2])] or fitting
        best: tuple[float, int, int | None] | None = None
        if fitting:
            total, _fit, aid, lede_i = max(fitting)
            best = (total, aid, lede_i)
        if best is None and title_score:  # no article with both: the best title alone
            aid = max(title_score, key=lambda a: title_score[a])
            best = (title_score[aid], aid, None)
        lede: int | None
        if best is None:  # no titles at all
            headline, headline_article = "Untitled story", None
            lede = max(ledes, default=(0.0, None))[1]
        else:
            _, headline_article, lede = best
            headline = self.titles[headline_article][0]
            if lede is None:  # that article has no fit opening: the best one that matches
                scored = [
                    (s * (0.5 + _overlap(headline, self.candidates[i].text)), i) for s, i in ledes
                ]
                lede = max(scored, default=(0.0, None))[1]
        if lede is None:
            # no opening fit to be a lede: the best sentence that reads alone under the
            # headline; failing that, one whose only unknown is a thing ("the bill"), never
            # a person by surname or "both cases"
            usable = [
                i for i, c in enumerate(self.candidates) if c.usable and not _mostly_quoted(c.text)
            ]
            alone = [
                i for i in usable if all(introduced(n, headline) for n in self.candidates[i].needs)
            ]
            things = [
                i
                for i in usable
                if all(
                    n[:1].islower() and not n.startswith("both ") for n in self.candidates[i].needs
                )
            ]
            lede = max(alone or things, key=lambda i: self.score[i], default=None)
        self._set_core(headline, lede)
        return headline, headline_article, lede

    def telling_fit(self, title: str, text: str) -> float:
        """The share of `title`'s words, each weighted by its rarity in the story (IDF),
        that `text` also has."""
        analyze = self.vectorizer.build_analyzer()
        idf = self.vectorizer.idf_
        vocabulary = self.vectorizer.vocabulary_
        wanted = {w: float(idf[vocabulary[w]]) for w in analyze(title) if w in vocabulary}
        if not wanted:
            return 0.0
        found = set(analyze(text))
        return sum(v for w, v in wanted.items() if w in found) / sum(wanted.values())

    def _ledes(self) -> list[tuple[float, int]]:
        """(score, candidate) for every sentence fit to open the article: a usable sentence
        among the first LEDE_POSITIONS of a news article, long enough to say what happened,
        not opening on a quotation."""
        found = []
        for i, c in enumerate(self.candidates):
            if (
                not c.usable
                or c.index >= LEDE_POSITIONS
                or len(c.text.split()) < MIN_LEDE_WORDS
                or c.text[:1] in "\"“‘'"
                or second_hand(c.text)
                or any(not introduced(n, c.article.title) for n in c.needs)
            ):
                continue
            position = (1.0, 0.8, 0.6)[min(c.index, 2)]
            support = 1.0 + 0.3 * np.log(max(1, len(self.backers(i))))
            title = self.titles[c.article.id][0] if c.article.id in self.titles else ""
            loaded = (c.article.bias_score or 0.0) / 100.0
            weight = 1.0 if c.news else ANALYSIS_WEIGHT
            found.append(
                (
                    weight
                    * float(self.centrality[i])
                    * position
                    * support
                    * (1.0 - 0.5 * c.bias)
                    * (1.0 - 0.5 * loaded)
                    * (0.5 + _overlap(title, c.text)),
                    i,
                )
            )
        return found

    def _set_core(self, headline: str, lede: int | None) -> None:
        parts = [np.asarray(self.vectorizer.transform([headline]).toarray()[0], dtype=float)]
        if lede is not None:
            parts.append(np.asarray(self.matrix[lede].toarray()[0], dtype=float))
        core = _unit(np.sum([_unit(p) for p in parts], axis=0) + 0.5 * self.centroid)
        self.core = core
        self.relevance = np.asarray(self.matrix @ core).ravel()

    def next_of(self, i: int) -> int | None:
        """The candidate its writer put right after candidate i, if there is one."""
        c = self.candidates[i]
        return self.at.get((c.article.id, c.index + 1))

    def second_lead(self, picker: _Picker, headline: str) -> int | None:
        """The best-backed fact that adds to the headline and lede what they do not say: one
        outlets of more than one side back (relevant at SHARED_RELEVANCE of the usual bar),
        the lede's own next sentence (which may lean on the lede: "He said …"), or one
        side's plain report; never one side's claim ("X said …") alone."""
        lede = picker.chosen[0]
        said = content_words(headline) | self.candidates[lede].words
        after_lede = self.next_of(lede)
        best: tuple[tuple[float, ...], int] | None = None
        for i, c in enumerate(self.candidates):
            usable = c.usable or (i == after_lede and c.usable_after)
            if (
                not usable
                or c.kind is Kind.NEXT
                or _mostly_quoted(c.text)
                or second_hand(c.text)
                or len(c.words - said) < MIN_NEW_WORDS
                or not picker.fresh(i)
                or any(
                    not introduced(n, headline + " " + self.candidates[lede].shown) for n in c.needs
                )
            ):
                continue
            # a fact more than one side backs may be a little further from the lede's
            # words; one side's report must be close to them and no claim ("X said …")
            shared = self.is_shared(i) or len(self.outlets) == 1
            if self.relevance[i] < self.relevant * (SHARED_RELEVANCE if shared else 1.0) or (
                not shared and i != after_lede and _CLAIM.search(c.text)
            ):
                continue
            # the lede's own writer's next sentences read on from it: they win unless
            # another fact is backed by more sides
            same_article = c.article.id == self.candidates[lede].article.id and c.index <= 4
            key = (
                len(self.sides_of(i))
                + 0.25 * len(self.backers(i))
                + (2.0 if same_article else 0.0),
                float(self.score[i]),
            )
            if best is None or key > best[0]:
                best = (key, i)
        return best[1] if best else None

    # ------------------------------------------------------------------ the body
    def body(self, picker: _Picker, seen: str) -> list[int]:
        """Shared facts first, then plain reports of one side (claims one side alone makes
        go to "Where accounts differ"), each relevant to the lede's event."""
        facts = [
            i
            for i, c in enumerate(self.candidates)
            if c.usable
            and c.kind is Kind.FACT
            and self.relevance[i] >= self.relevant
            # an analysis piece's facts when a news article backs them or none covers it
            and (c.news or not self.has_news or self.is_shared(i))
        ]
        shared = [i for i in facts if self.is_shared(i)]
        picked = picker.pick(shared, BODY_SIZE, seen)
        if len(picked) < BODY_SIZE:
            rest = [
                i
                for i in facts
                if i not in picked
                and (len(self.sides) < 2 or not _CLAIM.search(self.candidates[i].text))
            ]
            picked += picker.pick(rest, BODY_SIZE - len(picked), seen)
        return self.with_followers(picker, picked, BODY_SIZE)

    def drop_orphans(self, lead: list[int], parts: list[list[int]]) -> None:
        """Remove (in place) every sentence that leans on its writer's previous sentence
        when that one is no longer printed right before it (the bias guard may drop it)."""
        for part in [lead, *parts]:
            kept = set(lead) | set(part)
            for i in list(part):
                c = self.candidates[i]
                if c.voice is not None and c.follower:
                    before = self.at.get((c.article.id, c.index - 1))
                    if before not in kept:
                        part.remove(i)

    def with_followers(self, picker: _Picker, picked: list[int], size: int) -> list[int]:
        """`picked` and, while there is room, the writer's next sentence after a picked one
        when it leans on it ("He said …", "The company …"): printed together, in order."""
        out = list(picked)
        for i in picked:
            if len(out) >= size:
                break
            j = self.next_of(i)
            if (
                j is not None
                and j not in out
                and self.candidates[j].usable_after
                and self.candidates[j].kind is Kind.FACT
                and self.relevance[j] >= self.relevant
                and picker.fresh(j)
            ):
                out.append(j)
                picker.take(j)
        return out

    def extra(
        self, picker: _Picker, which: Kind, size: int, seen: str, lede: int | None = None
    ) -> list[int]:
        """Background (earlier events) or what comes next: only what no source says has
        already happened, and never a plan reported before the day of the lede's article
        (the order "it intends to sign" was signed in the lede)."""
        since = self.candidates[lede].article.published if lede is not None else None
        pool = [
            i
            for i, c in enumerate(self.candidates)
            if c.usable
            and c.kind is which
            # background and plans are extras: they must keep closer to the lede's event
            and self.relevance[i] >= EXTRA_RELEVANCE * self.relevant
            and not (which is Kind.NEXT and self._happened(i))
            and not (which is Kind.NEXT and _earlier_day(c.article.published, since))
        ]
        return picker.pick(pool, size, seen)

    def _happened(self, i: int) -> bool:
        """Whether another source sentence, from an article no older, tells the plan of
        candidate i as done ("will hear arguments" / "heard arguments")."""
        c = self.candidates[i]
        verbs = {m.group("verb").lower() for m in _PLANNED.finditer(c.text)}
        if not verbs:
            return False
        past = {_IRREGULAR_PAST.get(v, v + ("d" if v.endswith("e") else "ed")) for v in verbs}
        for j, other in enumerate(self.candidates):
            if j == i or other.kind is Kind.NEXT:
                continue
            if (
                c.article.published is not None
                and other.article.published is not None
                and other.article.published < c.article.published
            ):
                continue
            said = set(_WORD.findall(other.text.lower()))
            if past & said and len((c.words & other.words) - {_stem(v) for v in verbs}) >= 2:
                return True
        return False

    def differ(self, picker: _Picker, others: int, seen: str) -> tuple[list[int], set[int]]:
        """Figures the outlets give differently (both accounts), then claims one side alone
        makes ("Only X reported that …"), attributed; no more than keeps
        MAX_ATTRIBUTED_SHARE of the article. Returns the picks and which are such claims."""
        room = min(DIFFER_SIZE, int(others * MAX_ATTRIBUTED_SHARE / (1 - MAX_ATTRIBUTED_SHARE)))
        if room <= 0 or len(self.outlets) < 2:
            return [], set()
        picked: list[int] = []
        quotable = [
            i
            for i, c in enumerate(self.candidates)
            if c.factual
            and c.voice in (None, "loaded")
            and self.relevance[i] >= self.relevant
            and not second_hand(c.text)
        ]
        if room >= 2:
            pair = self._figure_conflict(quotable, picker)
            if pair:
                for i in pair:
                    picker.take(i)
                picked.extend(pair)
        claims: list[int] = []
        if len(self.sides) >= 2 and len(picked) < room:
            pool = [
                i
                for i in quotable
                if _CLAIM.search(self.candidates[i].text)
                and len(self.sides_of(i)) == 1
                and self.candidates[i].kind is Kind.FACT
                and self.candidates[i].voice is None  # a side's framing is its perspective
                and not self.reported_elsewhere(i)
            ]
            claims = picker.pick(pool, room - len(picked), seen)
        return picked + claims, set(claims)

    def reported_elsewhere(self, i: int) -> bool:
        """Whether an article of another side holds ELSEWHERE_RECALL of candidate i's
        content words anywhere in its text: then it is no claim of one side alone."""
        mine = self.candidates[i].words
        side = self.candidates[i].article.outlet_lean
        if not mine:
            return False
        for article in self.articles:
            if article.outlet_lean in (side, None) or article.outlet_lean not in RATED:
                continue
            if article.id not in self._article_words:
                self._article_words[article.id] = content_words(article.text)
            if len(mine & self._article_words[article.id]) >= ELSEWHERE_RECALL * len(mine):
                return True
        return False

    def _figure_conflict(self, pool: Sequence[int], picker: _Picker) -> list[int]:
        ranked = sorted(pool, key=lambda i: -self.score[i])[:40]
        for a, i in enumerate(ranked):
            mine = figures(self.candidates[i].text)
            if not mine or not picker.fresh(i):
                continue
            for j in ranked[a + 1 :]:
                ci, cj = self.candidates[i], self.candidates[j]
                if (
                    ci.outlet == cj.outlet
                    or self.similarity[i, j] < SUPPORT_SIMILARITY
                    or len(ci.words & cj.words) < MIN_SHARED_WORDS
                    or not picker.fresh(j)
                ):
                    continue
                if conflict(mine, figures(cj.text)) and not self._gives_both(i, j):
                    return [i, j]
        return []

    def _gives_both(self, i: int, j: int) -> bool:
        """Whether either article also gives the other's figure somewhere (then the two
        count different things, not the same thing differently)."""
        a, b = self.candidates[i], self.candidates[j]
        values_a = {f.value for f in figures(a.article.text)}
        values_b = {f.value for f in figures(b.article.text)}
        return bool({f.value for f in figures(b.text)} & values_a) or bool(
            {f.value for f in figures(a.text)} & values_b
        )

    # ------------------------------------------------------------------ output
    def paragraphs(self, picked: Sequence[int]) -> list[list[int]]:
        """The picked sentences grouped by source article (in the order their first
        sentence was picked), each group in its writer's order, PARAGRAPH_SIZE at most."""
        groups: dict[int, list[int]] = {}
        for i in picked:
            groups.setdefault(self.candidates[i].article.id, []).append(i)
        out: list[list[int]] = []
        for members in groups.values():
            members.sort(key=lambda i: self.candidates[i].index)
            for start in range(0, len(members), PARAGRAPH_SIZE):
                out.append(members[start : start + PARAGRAPH_SIZE])
        return out

    def section(
        self,
        key: str,
        paragraphs: Sequence[Sequence[int]],
        *,
        attributed: bool = False,
        exclusive: set[int] | None = None,
    ) -> SynthSection:
        sentences = [
            self.sentence(i, paragraph=n, attributed=attributed, exclusive=i in (exclusive or ()))
            for n, members in enumerate(paragraphs)
            for i in members
        ]
        return SynthSection(SECTION_TITLES[key], sentences, kind=key)

    def sentence(
        self, i: int, *, paragraph: int = 0, attributed: bool = False, exclusive: bool = False
    ) -> SynthSentence:
        """Candidate i as printed, with every source sentence that backs it (itself first);
        `attributed`: named after the outlets of its own side that back it."""
        refs = []
        for j in self.backing(i):
            c = self.candidates[j]
            refs.append(
                SourceRef(
                    article_id=c.article.id,
                    sentence_index=c.index,
                    outlet_name=c.article.outlet_name or "Unknown outlet",
                    outlet_lean=c.article.outlet_lean,
                    text=c.text,
                )
            )
        c = self.candidates[i]
        shown, inserted = c.shown, list(c.inserted)
        if inserted and set(inserted) <= self._dated and not _NOT_WEEKDAY.search(c.text):
            # a day already written out: "on Monday" is clear now, as its writer put it
            shown, inserted = c.text, []
        self._dated.update(inserted)
        attribution: list[str] = []
        if attributed:
            side = c.article.outlet_lean
            attribution = list(
                dict.fromkeys(r.outlet_name for r in refs if r.outlet_lean is side)
            ) or [refs[0].outlet_name]
        return SynthSentence(
            shown,
            refs,
            round(c.bias, 4),
            attribution=attribution,
            paragraph=paragraph,
            inserted=inserted,
            exclusive=exclusive,
            lower_first=self.common_word(c.shown) if attribution else None,
        )

    def common_word(self, text: str) -> bool | None:
        """Whether `text` opens on a common word (one the story's sources also write in
        lower case, "Doctors" / "doctors"), not a name ("Sanders"); None when it cannot tell."""
        first = re.match(r"[\"“‘']?([A-Za-z][a-z'’\-]*)", text)
        if first is None or not first.group(1)[1:].islower():
            return None
        word = first.group(1).lower()
        if self._lowercase is None:
            self._lowercase = {
                w
                for c in self.candidates
                for w in re.findall(r"(?<![.!?]\s)\b[a-z][a-z'’\-]*", c.text)
            }
        return word in self._lowercase


class _Picker:
    """Best-scored sentences first, never one that states a fact already chosen, and a
    sentence taking a noun phrase for granted only once the article has introduced it."""

    def __init__(self, story: _Story) -> None:
        self.story = story
        self.chosen: list[int] = []

    def fresh(self, i: int) -> bool:
        return i not in self.chosen and not any(self.story.same_fact(i, j) for j in self.chosen)

    def take(self, i: int) -> None:
        self.chosen.append(i)

    def drop(self, i: int) -> None:
        if i in self.chosen:
            self.chosen.remove(i)

    def pick(self, pool: Sequence[int], count: int, seen: str) -> list[int]:
        """Up to `count` of `pool` (none when `count` is 0 or less), best first; `seen` is
        the article so far, for the nouns a sentence takes for granted."""
        picked: list[int] = []
        if count <= 0:
            return picked
        text = seen
        for i in sorted(pool, key=lambda k: -self.story.score[k]):
            if len(picked) == count:
                break
            if not self.fresh(i):
                continue
            c = self.story.candidates[i]
            if any(not introduced(n, text) for n in c.needs):
                continue
            picked.append(i)
            self.take(i)
            text += " " + c.shown
        return picked


def _no_account(
    originals: Sequence[ArticleRecord],
    kinds: dict[int, ArticleKind],
    views: list[Perspective],
    factual: Sequence[ArticleRecord],
) -> Synthesis | None:
    """A story with no sentence fit for a factual account: the perspectives alone, with a
    note that says why. When only opinion covers it, its headline is its first title
    labelled "Opinion: "; when its news articles have no usable sentence, a news title."""
    if not views:
        return None
    if factual:
        source = next((a for a in factual if a.title.strip()), factual[0])
        headline, note = source.title.strip() or "Untitled story", NO_USABLE_SENTENCE
    else:
        titled = [a for a in originals if a.title.strip()]
        source = titled[0] if titled else originals[0]
        label = "Opinion" if kinds.get(source.id) is ArticleKind.OPINION else "Analysis"
        headline, note = f"{label}: {source.title.strip() or 'Untitled'}", OPINION_ONLY
    return Synthesis(
        headline=headline,
        headline_article_id=source.id,
        lead=[],
        sections=[],
        bias_score=None,
        perspectives=views,
        note=note,
    )


def _below_coverage(
    candidates: Sequence[_Candidate],
    ceiling: float,
    lead: list[int],
    parts: list[list[int]],
    story: _Story,
) -> None:
    """Edit `lead` and `parts` (in place) until their sentences score below `ceiling`.
    Each step takes the first move that applies: drop the most loaded sentence past the
    lead that is above the current score; swap a loaded second lead sentence for the
    best-scored unused usable fact that is less loaded; drop a second lead sentence above the
    current score. Stops when none applies."""

    def chosen() -> list[int]:
        return lead + [i for part in parts for i in part]

    def share(indices: Sequence[int]) -> float:
        return weighted_share(
            [candidates[i].text for i in indices], [candidates[i].bias for i in indices]
        )

    while lead and share(chosen()) >= ceiling:
        current = share(chosen())
        droppable = [
            (candidates[i].bias, n, i)
            for n, part in enumerate(parts)
            for i in part
            if 100.0 * candidates[i].bias > current
        ]
        if droppable:
            _, n, i = max(droppable)
            parts[n].remove(i)
            continue
        if len(lead) > 1 and 100.0 * candidates[lead[1]].bias > current:
            used = set(chosen())
            spare = [
                i
                for i, c in enumerate(candidates)
                if i not in used
                and c.usable
                and c.kind is Kind.FACT
                and c.bias < candidates[lead[1]].bias
                and 100.0 * c.bias < ceiling
                and story.relevance[i] >= story.relevant
                and not any(story.same_fact(i, j) for j in used)
                and not c.needs
            ]
            if spare:
                lead[1] = max(spare, key=lambda i: story.score[i])
                continue
            lead.pop()
            continue
        return


def _mostly_quoted(text: str) -> bool:
    """Whether a sentence opens on a quotation or is mostly one."""
    return text[:1] in "\"“‘'" or len(_QUOTED.sub("", text).split()) < 0.5 * len(text.split())


def unfit_title(title: str) -> bool:
    """A title that never heads a story while another can: a question or exclamation, a
    label ("Opinion:", "Watch:"), the writer's own voice ("We need …", "Your guide …"; a
    quotation in it does not count), or a quotation standing for the title."""
    unquoted = _QUOTED.sub("", title)
    return bool(
        title.rstrip("\"”’' ").endswith(("?", "!"))
        or _TITLE_LABEL.match(title)
        or _OWN_VOICE.search(unquoted)
        or len(unquoted.split()) < 0.4 * max(1, len(title.split()))
    )


def _title_penalty(title: str, title_bias: float | None = None) -> float:
    """How unfit a title is to head the story: loaded words (the lexicon's, words of
    judgment such as "disturbing" or "slams" outside quotations, and the bias model's
    p(biased) when the analysis has it), a question or exclamation, shouting, a colon, a
    label ("Opinion:", "Watch:"), the writer's own voice, or a quotation standing for the
    title."""
    words = _WORD.findall(title.lower())
    lexicon = loaded_words()
    loaded = sum(lexicon.get(w, 0.0) for w in words if lexicon.get(w, 0.0) >= 0.5)
    shouty = title.rstrip("\"”’' ").endswith(("?", "!")) or sum(
        w.isupper() and len(w) > 3 for w in title.split()
    )
    unquoted = _QUOTED.sub("", title)
    voice = bool(_OWN_VOICE.search(unquoted))
    quote_only = len(unquoted.split()) < 0.4 * max(1, len(title.split()))
    return (
        loaded
        + (title_bias or 0.0)
        + (1.0 if shouty else 0.0)
        + (0.5 if ":" in title else 0.0)
        + (1.0 if _TITLE_LABEL.match(title) else 0.0)
        + float(voice)
        + (1.0 if quote_only else 0.0)
        + (1.0 if judging(title) else 0.0)
    )


def _overlap(headline: str, sentence: str) -> float:
    """The share of the headline's content words that the sentence contains."""
    wanted = content_words(headline)
    if not wanted:
        return 0.0
    return len(wanted & content_words(sentence)) / len(wanted)


def _stem(word: str) -> str:
    """A crude suffix strip so "protests" meets "protest" and "voted" meets "vote"."""
    for suffix in ("'s", "’s", "ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _score(sentences: Sequence[SynthSentence]) -> float | None:
    if not sentences:
        return None
    return weighted_share([s.text for s in sentences], [s.bias or 0.0 for s in sentences])
