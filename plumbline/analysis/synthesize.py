"""The neutral story article, extracted from its sources' own sentences.

Every sentence of the synthesis is a sentence of a source (less a dateline), chosen for
being central to the story (TF-IDF similarity to the centroid of its sentences and of its
titles), backed by several outlets, early in its article and low in predicted bias;
redundant sentences are dropped (maximal marginal relevance). The article has a lead and
up to four titled sections, each only when it has material: "What happened" (the central
facts), "What each side says" (what only one side reports, when the sides differ),
"Context" (earlier events) and "What comes next" (plans, expectations, dates ahead).

Each sentence carries every source sentence that says much the same thing. Where the
sources disagree, the sentence is attributed ("according to …") to the outlets behind it:
a claim backed by outlets of one side only while others cover the story, a claim whose
figures another outlet gives differently, and a sentence the bias model finds loaded.

The article must score below its coverage (the same sentence-bias scorer, outlets weighed
equally): when the chosen sentences do not, the most loaded ones past the lead are dropped,
and a loaded lead sentence is swapped for the best unused fact that is less loaded, until
it does or no such move is left (then the page shows both scores as they are)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from plumbline.analysis.bias import loaded_words, weighted_share
from plumbline.analysis.story import coverage_score
from plumbline.models import (
    ArticleRecord,
    Lean,
    SourceRef,
    Synthesis,
    SynthSection,
    SynthSentence,
)

Matrix = npt.NDArray[np.float64]
Vector = npt.NDArray[np.float64]

LEAD_SIZE = 2
BODY_SIZE = 4
MIN_BODY = 2  # "What happened" is topped up to this from one side's facts
SIDE_SIZE = 2  # sentences per side in "What each side says"
CONTEXT_SIZE = 2
NEXT_SIZE = 2
SUPPORT_SIMILARITY = 0.32  # TF-IDF cosine at which another sentence backs a sentence
REDUNDANT_SIMILARITY = 0.45  # ... at which it would repeat one already chosen
OPINION_BIAS = 0.5  # p(biased) from which a chosen sentence is attributed to its outlets
MAX_BIAS = 0.75  # sentences above this are left out while others remain
MIN_WORDS, MAX_WORDS = 8, 55
RATED = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)


@dataclass(frozen=True, slots=True)
class SelectionWeights:
    """How sentences are scored and let in (tuned on NeuS train:
    bench/synthesis_quality.py --tune). Score = centrality x (1 - bias x p(biased))
    x (1 + support x ln(backing outlets)) / (1 + position x index in its article)
    x (1 - quote, for a quotation), where centrality mixes the TF-IDF cosine to the
    story's sentences (1 - title) and to its titles (title). A sentence is only taken
    when its p(biased) is at most the `bias_quantile` quantile of the story's sentences
    (and MAX_BIAS), the lead too unless nothing else is left."""

    bias: float = 0.4
    support: float = 0.15
    position: float = 0.2
    title: float = 0.6
    quote: float = 0.0  # score x (1 - quote) for a sentence that quotes someone
    bias_quantile: float = 0.6  # sentences must have p(biased) at most this quantile's


class Kind(StrEnum):
    FACT = "fact"
    CONTEXT = "context"
    NEXT = "next"


SECTION_TITLES = {
    Kind.FACT: "What happened",
    Kind.CONTEXT: "Context",
    Kind.NEXT: "What comes next",
}
SIDES_TITLE = "What each side says"

_NEEDS_CONTEXT = re.compile(
    r"^(but|and|or|so|also|however|still|yet|he|she|they|it|this|that|these|those|his|her|"
    r"their|its|there|here|then|meanwhile|instead)\b",
    re.IGNORECASE,
)
# "... surely know this.": the sentence points back at one it came after
_ENDS_NEEDING_CONTEXT = re.compile(r"\b(?:this|that|these|those)[.!]?[\"”']?$", re.IGNORECASE)
_WORD = re.compile(r"[a-z][a-z'-]*")
# A title in its writer's own voice (an opinion piece or an explainer), outside quotations;
# "US" in capitals is the country
_OWN_VOICE = re.compile(r"\b(?:I|[Ww]e|[Oo]ur|[Mm]y|[Yy]ou|[Yy]our|us)\b")
_QUOTED = re.compile(r"[\"“][^\"“”]*[\"”]|‘[^‘’]*’")
# "WASHINGTON (Reuters) - ", "SELMA, Ala. (AP) — ", "WASHINGTON/MINNEAPOLIS (Reuters) - ": a
# place line that only makes sense at the top of the original article
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\-]{2,}(?:[ /][A-Z.'\-]+)*(?:, [A-Z][A-Za-z.]+)*(?: \([A-Za-z ]+\))?"
    r"|\((?:AP|Reuters|AFP|UPI|CNN|Bloomberg)\))"
    r"\s*[—–-]{1,2}\s+(?=[A-Z\"“])"
)
_BOILERPLATE = re.compile(
    r"read more|click here|sign up|subscribe|newsletter|follow us|all rights reserved|"
    r"advertisement|getty images|photo:|image:|\bcopyright\b|"
    # the reporting's own trace, no news: "X did not immediately respond to a request for
    # comment", "declined to comment", "this story has been updated"
    r"\b(?:did not|didn't|has not|hasn't|have not|haven't) (?:immediately )?(?:respond|reply)"
    r" to [^.]{0,80}?\b(?:requests?|inquir|messages?|e-?mails?|calls?)\b|"
    r"\b(?:declined|refused) to comment|\bcould not (?:immediately )?be reached|"
    r"\bthis (?:story|article) (?:has been|was|will be) updated",
    re.IGNORECASE,
)
_MONTH_DAY_YEAR = (
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s\d{1,2},\s\d{4}"
)
# A photo caption: "Dr. Anthony Fauci ... listens during the briefing at the White House,
# April 4, 2020." (someone doing something in the present tense, then a full date), one
# that ends on its date, or a photo credit ("(AP Photo/...)", "REUTERS/..."; "Getty Images"
# is page furniture already, _BOILERPLATE)
_CAPTION = re.compile(
    r"\b(?:speaks|smiles|gestures|listens|arrives|departs|waves|looks on|walks|stands|sits|"
    r"talks|poses|attends|delivers|addresses|reacts|greets|leaves|pauses|prays|kneels?|"
    r"participates|wears|gathers?|takes? part|is seen|are seen)\b.{0,200}?"
    r"(?:\b(?:on|in)\s+|,\s+)(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?"
    + _MONTH_DAY_YEAR
    + r"|(?<!day),\s"  # "... died Friday, July 17, 2020." is news
    + _MONTH_DAY_YEAR
    + r"\.?$|\((?:AP|Reuters|AFP) Photo|\bREUTERS/|toggle caption"
)
# A kicker before the first sentence ("KEY POINTS An 8-year-old ...")
_KICKER = re.compile(r"^(?:KEY (?:POINTS|DATA|TAKEAWAYS)|BREAKING|UPDATE|EXCLUSIVE):?\s+")
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
    r"called|calls|criticized|praised|insisted|according to|believes?|contends?)\b",
    re.IGNORECASE,
)
# A number and the word after it ("15,000 cases", "36 percent"): the same word with
# another number in a similar sentence is a disagreement on the figure.
_FIGURE = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s*(%)|\s+([a-z]{3,}))", re.IGNORECASE)
_NOT_UNITS_TEXT = """
and the for from with than per out off over under into onto about after before are was
were has have had who which that this each more less most
"""
_NOT_UNITS = frozenset(_NOT_UNITS_TEXT.split())


@dataclass(slots=True)
class _Candidate:
    article: ArticleRecord
    index: int  # sentence index in the article's analysis
    text: str
    bias: float
    kind: Kind
    outlet: str


def synthesize(
    articles: Sequence[ArticleRecord], *, weights: SelectionWeights | None = None
) -> Synthesis | None:
    """The extractive neutral article for a story, or None when no article has a usable
    sentence."""
    weights = weights or SelectionWeights()
    originals = [a for a in articles if a.analysis and a.duplicate_of is None] or [
        a for a in articles if a.analysis
    ]
    candidates = [c for a in originals for c in _candidates(a)]
    if not candidates:
        return None
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1)
    try:
        matrix = vectorizer.fit_transform([c.text for c in candidates])
    except ValueError:  # nothing but stop words
        return None
    similarity: Matrix = np.asarray((matrix @ matrix.T).toarray(), dtype=np.float64)
    centroid = _unit(np.asarray(matrix.mean(axis=0), dtype=np.float64).ravel())
    titles = [a.title for a in originals if a.title.strip()]
    title_centroid = (
        _unit(np.asarray(vectorizer.transform(titles).mean(axis=0), dtype=np.float64).ravel())
        if titles
        else centroid
    )
    centrality = (1.0 - weights.title) * np.asarray(matrix @ centroid).ravel() + (
        weights.title * np.asarray(matrix @ title_centroid).ravel()
    )
    story = _Story(candidates, similarity, _story_sides(originals))
    support = np.array([len(story.backers(i)) for i in range(len(candidates))], dtype=np.float64)
    bias = np.array([c.bias for c in candidates])
    score: Vector = (
        centrality
        * (1.0 - weights.bias * bias)
        * (1.0 + weights.support * np.log(support))
        / (1.0 + weights.position * np.array([c.index for c in candidates], dtype=np.float64))
        * np.array([1.0 - weights.quote * bool(_QUOTE.search(c.text)) for c in candidates])
    )
    # Past the lead, a sentence must be among the story's less loaded ones: the article
    # then scores below its sources rather than averaging them.
    limit = min(MAX_BIAS, float(np.quantile(bias, weights.bias_quantile)))
    picker = _Picker(score, similarity, bias <= limit)
    everything = range(len(candidates))
    facts = [i for i in everything if candidates[i].kind is Kind.FACT]
    shared = [i for i in facts if story.is_shared(i)]
    lead = picker.pick(shared or facts or everything, LEAD_SIZE) or picker.pick(
        everything, 1, gated=False
    )
    body = picker.pick(shared, BODY_SIZE)
    if len(story.sides) < 2:  # no sides section: every fact may come here
        body += picker.pick(facts, BODY_SIZE - len(body))
    # Few facts that the sides share: the best of one side's, attributed, plain reports
    # before what someone said.
    plain = [i for i in facts if not _CLAIM.search(candidates[i].text)]
    body += picker.pick(plain, MIN_BODY - len(body))
    body += picker.pick(facts, MIN_BODY - len(body))
    sides = story.side_sentences(picker) if len(story.sides) >= 2 else []
    context = picker.pick(
        [i for i in everything if candidates[i].kind is Kind.CONTEXT], CONTEXT_SIZE
    )
    coming = picker.pick([i for i in everything if candidates[i].kind is Kind.NEXT], NEXT_SIZE)
    ceiling = coverage_score(articles)
    if ceiling is not None:
        _below_coverage(candidates, ceiling, lead, [body, sides, context, coming], score, facts)
    sections = [
        SynthSection(SECTION_TITLES[Kind.FACT], [story.sentence(i) for i in _ordered(body, story)]),
        SynthSection(SIDES_TITLE, [story.sentence(i) for i in sides]),
        SynthSection(
            SECTION_TITLES[Kind.CONTEXT], [story.sentence(i) for i in _ordered(context, story)]
        ),
        SynthSection(
            SECTION_TITLES[Kind.NEXT], [story.sentence(i) for i in _ordered(coming, story)]
        ),
    ]
    lead_sentences = [story.sentence(i) for i in lead]
    sections = [s for s in sections if s.sentences]
    all_sentences = lead_sentences + [s for sec in sections for s in sec.sentences]
    headline, headline_article = _headline(originals, vectorizer, centroid)
    return Synthesis(
        headline=headline,
        headline_article_id=headline_article,
        lead=lead_sentences,
        sections=sections,
        bias_score=_score(all_sentences),
    )


def _share(candidates: Sequence[_Candidate], indices: Sequence[int]) -> float:
    return weighted_share(
        [candidates[i].text for i in indices], [candidates[i].bias for i in indices]
    )


def _below_coverage(
    candidates: Sequence[_Candidate],
    ceiling: float,
    lead: list[int],
    parts: list[list[int]],
    score: Vector,
    facts: Sequence[int],
) -> None:
    """Edit `lead` and `parts` (in place) until their sentences score below `ceiling`.
    Each step takes the first move that applies: drop the most loaded sentence past the
    lead that is above the current score; swap the most loaded lead sentence for the
    best-scored unused sentence (facts first) that is less loaded and under the ceiling;
    drop a second lead sentence above the current score. Stops when none applies."""

    def chosen() -> list[int]:
        return lead + [i for part in parts for i in part]

    while lead and _share(candidates, chosen()) >= ceiling:
        current = _share(candidates, chosen())
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
        used = set(chosen())
        worst = max(lead, key=lambda i: candidates[i].bias)
        spare = [
            i
            for i in range(len(candidates))
            if i not in used
            and candidates[i].bias < candidates[worst].bias
            and 100.0 * candidates[i].bias < ceiling
        ]
        if spare:
            fact_set = set(facts)
            lead[lead.index(worst)] = max(spare, key=lambda i: (i in fact_set, score[i]))
            continue
        if len(lead) > 1 and 100.0 * candidates[worst].bias > current:
            lead.remove(worst)
            continue
        return


def _candidates(article: ArticleRecord) -> list[_Candidate]:
    assert article.analysis is not None
    found = []
    outlet = article.outlet_slug or f"article-{article.id}"
    for index, sentence in enumerate(article.analysis.sentences):
        text = _DATELINE.sub("", _KICKER.sub("", sentence.text.strip()))
        if _BOILERPLATE.search(text) or _CAPTION.search(text):
            continue
        n_words = len(text.split())
        if (
            not MIN_WORDS <= n_words <= MAX_WORDS
            or _NEEDS_CONTEXT.match(text)
            or _ENDS_NEEDING_CONTEXT.search(text)
        ):
            continue
        if (
            text.endswith(("?", "!", ":"))
            or text.count('"') % 2
            or text.count("“") != text.count("”")
        ):
            continue
        found.append(_Candidate(article, index, text, sentence.bias or 0.0, kind(text), outlet))
    return found


def kind(text: str) -> Kind:
    """Whether a sentence tells what is still to come, earlier events, or what happened."""
    if _NEXT.search(text):
        return Kind.NEXT
    if _CONTEXT.search(text):
        return Kind.CONTEXT
    return Kind.FACT


class _Picker:
    """Best-scored sentences first, skipping any that repeats one already chosen."""

    def __init__(self, score: Vector, similarity: Matrix, allowed: npt.NDArray[np.bool_]) -> None:
        self.score = score
        self.similarity = similarity
        self.allowed = allowed
        self.chosen: list[int] = []

    def pick(self, pool: Sequence[int], count: int, *, gated: bool = True) -> list[int]:
        """Up to `count` of `pool` (none when `count` is 0 or less); `gated`: only sentences
        under the bias limit."""
        picked: list[int] = []
        if count <= 0:
            return picked
        for i in sorted(pool, key=lambda k: -self.score[k]):
            if len(picked) == count:
                break
            if gated and not self.allowed[i]:
                continue
            if all(self.similarity[i, j] < REDUNDANT_SIMILARITY for j in self.chosen):
                picked.append(i)
                self.chosen.append(i)
        return picked


class _Story:
    """The candidates of one story, with who backs which sentence."""

    def __init__(
        self, candidates: Sequence[_Candidate], similarity: Matrix, sides: set[Lean]
    ) -> None:
        self.candidates = candidates
        self.similarity = similarity
        self.sides = sides
        self.outlets = {c.outlet for c in candidates}
        self._backing: dict[int, list[int]] = {}

    def backing(self, i: int) -> list[int]:
        """Candidate i, then the most similar sentence of each other article that backs
        it: says much the same and gives no other figure for the same thing."""
        if i in self._backing:
            return self._backing[i]
        found = [i]
        seen = {self.candidates[i].article.id}
        for j in (int(k) for k in np.argsort(-self.similarity[i])):
            if self.similarity[i, j] < SUPPORT_SIMILARITY:
                break
            article = self.candidates[j].article.id
            if article in seen or _figures_differ(self.candidates[i].text, self.candidates[j].text):
                continue
            seen.add(article)
            found.append(j)
        self._backing[i] = found
        return found

    def backers(self, i: int) -> set[str]:
        return {self.candidates[j].outlet for j in self.backing(i)}

    def is_shared(self, i: int) -> bool:
        """Backed across the story's sides (or by several outlets of a one-sided story)."""
        if len(self.sides) >= 2:
            return len(self._sides_of(self.backing(i))) >= 2
        return len(self.backers(i)) >= 2 or len(self.outlets) == 1

    def disputed(self, i: int) -> bool:
        """Whether the sources disagree about candidate i: one side's claim in a story
        covered by several, a figure another outlet gives differently, or loaded wording."""
        if len(self.outlets) < 2:
            return False
        if self.candidates[i].bias >= OPINION_BIAS:
            return True
        if len(self.sides) >= 2 and len(self._sides_of(self.backing(i))) <= 1:
            return True
        return any(
            self.similarity[i, j] >= SUPPORT_SIMILARITY
            and c.outlet != self.candidates[i].outlet
            and _figures_differ(self.candidates[i].text, c.text)
            for j, c in enumerate(self.candidates)
        )

    def side_sentences(self, picker: _Picker) -> list[int]:
        """For each side, its best sentences that no other side backs; none at all unless
        at least two sides have such sentences (otherwise the sides do not differ)."""
        by_side: list[list[int]] = []
        for side in RATED:
            if side not in self.sides:
                continue
            pool = [
                i
                for i, c in enumerate(self.candidates)
                if c.kind is Kind.FACT
                and c.article.outlet_lean is side
                and self._sides_of(self.backing(i)) == {side}
            ]
            by_side.append(pool)
        if sum(1 for pool in by_side if pool) < 2:
            return []
        picked: list[int] = []
        for pool in by_side:
            picked.extend(picker.pick(pool, SIDE_SIZE))
        return picked

    def sentence(self, i: int) -> SynthSentence:
        """Candidate i with every source sentence that backs it (itself first), and the
        outlets to name when the sources disagree about it."""
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
        attribution = list(dict.fromkeys(r.outlet_name for r in refs)) if self.disputed(i) else []
        c = self.candidates[i]
        return SynthSentence(c.text, refs, round(c.bias, 4), attribution=attribution)

    def _sides_of(self, indices: Sequence[int]) -> set[Lean]:
        return {
            self.candidates[j].article.outlet_lean
            for j in indices
            if self.candidates[j].article.outlet_lean in RATED
        }


def _story_sides(articles: Sequence[ArticleRecord]) -> set[Lean]:
    return {a.outlet_lean for a in articles if a.outlet_lean in RATED}


def _figures(text: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for number, percent, word in _FIGURE.findall(text):
        unit = "percent" if percent else word.lower()
        if unit not in _NOT_UNITS:
            found.setdefault(unit, set()).add(number.replace(",", ""))
    return found


def _figures_differ(a: str, b: str) -> bool:
    """Whether two sentences give different numbers for the same thing ("15,000 cases"
    against "11,000 cases")."""
    fa, fb = _figures(a), _figures(b)
    return any(fa[unit].isdisjoint(fb[unit]) for unit in fa.keys() & fb.keys())


def _ordered(picked: Sequence[int], story: _Story) -> list[int]:
    """In the order a reader meets them: by place in their article."""
    return sorted(picked, key=lambda i: story.candidates[i].index)


def _unit(vector: Vector) -> Vector:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


def _headline(
    articles: Sequence[ArticleRecord], vectorizer: TfidfVectorizer, centroid: Vector
) -> tuple[str, int | None]:
    """The most central source title that has no loaded words, no question or exclamation
    mark and is not in its writer's own voice ("We need ...", "Your guide ..."); falls back
    to the most central title."""
    titled = [a for a in articles if a.title.strip()]
    if not titled:
        return "Untitled story", None
    vectors = vectorizer.transform([a.title for a in titled])
    centrality = np.asarray(vectors @ centroid).ravel()
    lexicon = loaded_words()

    def penalty(title: str) -> float:
        words = _WORD.findall(title.lower())
        loaded = sum(lexicon.get(w, 0.0) for w in words)
        shouty = title.endswith(("?", "!")) or sum(
            w.isupper() and len(w) > 3 for w in title.split()
        )
        voice = bool(_OWN_VOICE.search(_QUOTED.sub("", title)))
        return loaded + (1.0 if shouty else 0.0) + (0.5 if ":" in title else 0.0) + float(voice)

    best = max(range(len(titled)), key=lambda k: centrality[k] - 0.5 * penalty(titled[k].title))
    return titled[best].title.strip(), titled[best].id


def _score(sentences: Sequence[SynthSentence]) -> float | None:
    if not sentences:
        return None
    return weighted_share([s.text for s in sentences], [s.bias or 0.0 for s in sentences])
