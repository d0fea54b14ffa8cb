"""Key questions ("Think and consider"): what a critical reader should ask about a story,
each one question naming the outlets and the exact difference, with the source sentences it
was drawn from folded beneath it.

Kinds, each asked only when the story gives it something to stand on, ranked by how much
the answer could change the reader's picture (WEIGHTS), then by how central the evidence is:

- disagreement: two outlets give figures for the same count that cannot both be true
  (`figures.disputed`: ranges, not digits, are compared; reports days apart and figures
  that either article also gives elsewhere are no dispute);
- one_side: a central fact only one side's outlets report (the omissions), unless an
  article of another side holds most of its words anyway;
- naming: the same thing named differently by the sides ("riots" / "protests",
  `naming.naming_differences`);
- missing_side: a side with no outlet in the lean mix, or a blindspot;
- framing: an outlet's loaded word (read in context, `wording.in_context`) in a sentence
  much like one from another side that does not use it; or the tone table showing one
  side's wording about a person or organisation as clearly negative or positive while
  another side's is not;
- headlines: two sides' headlines for the story, when they put different things first;
- perspectives: what two sides stress, from the quotations the page shows of each;
- next: what the story's article says comes next (its "What comes next" part, which keeps
  only plans still ahead on the sources' dates).

Between 3 and MOST questions when the story gives that many, never two on the same
evidence; a thin story gets fewer rather than padding."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from plumbline.analysis.facts import (
    SIDE_ADJECTIVE,
    SIDES,
    StatementPool,
    article_anchor,
    join_words,
    lean_mix_evidence,
    omission_evidence,
    quote,
    ref_evidence,
    side_words,
    unquoted,
)
from plumbline.analysis.figures import disputed, figures
from plumbline.analysis.kinds import kind_of
from plumbline.analysis.naming import naming_differences
from plumbline.analysis.synthesize import content_words
from plumbline.analysis.wording import quoted_share, shown_phrases
from plumbline.models import (
    ArticleKind,
    ArticleRecord,
    EntityToneView,
    EvidenceRef,
    KeyQuestion,
    Lean,
    Omission,
    Perspective,
    SourceRef,
    StoryStats,
    Synthesis,
    SynthSentence,
)

MOST = 5
MIN_QUESTIONS = 3  # below this, a capped kind may give one more
SAME_THING = 0.25  # cosine at which two sentences with figures talk about the same thing
FRAMING_SIMILARITY = 0.5
FRAMING_MIN_WEIGHT = 0.5  # p(biased) x word rate of a phrase worth a framing question
MAX_FIGURE_SENTENCES = 1500  # the most central sentences with figures that are compared
ELSEWHERE_RECALL = 0.5  # share of a one-side fact's words another side's article may hold
LATER_HOURS = 12.0  # a fact first reported this long after a side's articles is not left out
SAME_FACT_WORDS = 0.4  # content words two facts share to be one question
TONE_GAP = 0.3  # between two sides' mean tone for a tone question
TONE_KINDS = ("person", "organization")
FACT_WORDS = 25  # a fact quoted in a question is cut after this many words
# how much each kind of answer could change the reader's picture
WEIGHTS = {
    "disagreement": 1.0,
    "one_side": 0.9,
    "naming": 0.8,
    "missing_side": 0.7,
    "framing": 0.6,
    "next": 0.5,
    "headlines": 0.45,
    "perspectives": 0.3,
}
SAME_HEADLINE = 0.6  # share of content words two titles have in common to say the same
HEADLINE_DAYS = 1.0  # two headlines compared were published at most this far apart
CAPS = {"headlines": 1}  # questions of a kind at most, where fewer than two


def key_questions(
    articles: Sequence[ArticleRecord],
    stats: StoryStats,
    tones: Sequence[EntityToneView],
    omitted: Sequence[Omission],
    pool: StatementPool | None,
    synthesis: Synthesis | None = None,
) -> list[KeyQuestion]:
    """Up to MOST questions for a critical reader of the story, the most telling first
    (see the module docstring)."""
    ranked: list[tuple[float, KeyQuestion]] = [
        *(_disagreements(articles, pool) if pool else []),
        *_one_side(omitted, articles),
        *_naming(articles),
        *_missing_side(stats),
        *(_loaded_framing(pool) if pool else []),
        *_tone_framing(tones),
        *_next(synthesis, pool),
        *_headlines(synthesis, articles),
        *_arguments(synthesis),
    ]
    ranked.sort(key=lambda t: -t[0])
    picked: list[KeyQuestion] = []
    per_kind: dict[str, int] = {}
    # first at most two of a kind (CAPS for some), then whatever is left; a thin story
    # (fewer than MIN_QUESTIONS so far) may take one more of a capped kind
    for cap in (2, MOST):
        for _weight, question in ranked:
            most = min(cap, CAPS.get(question.kind, cap))
            if cap == MOST and len(picked) < MIN_QUESTIONS and question.kind in CAPS:
                most += 1
            if len(picked) == MOST or question in picked or per_kind.get(question.kind, 0) >= most:
                continue
            if any(_same_evidence(question, other) for other in picked):
                continue
            picked.append(question)
            per_kind[question.kind] = per_kind.get(question.kind, 0) + 1
    order = {id(q): k for k, (_w, q) in enumerate(ranked)}
    return sorted(picked, key=lambda q: order[id(q)])


def _same_evidence(a: KeyQuestion, b: KeyQuestion) -> bool:
    """Whether two questions rest on the same source sentence (one would repeat the
    other)."""
    labels = {e.label for e in a.evidence if e.kind == "sentence"}
    return bool(labels & {e.label for e in b.evidence if e.kind == "sentence"})


def _days_apart(a: ArticleRecord, b: ArticleRecord) -> float | None:
    """Days between two articles' publication, None when either is undated."""
    if a.published is None or b.published is None:
        return None
    return abs((a.published - b.published).total_seconds()) / 86400


def _disagreements(
    articles: Sequence[ArticleRecord], pool: StatementPool
) -> list[tuple[float, KeyQuestion]]:
    rows = [i for i in range(len(pool)) if pool.figures(i)]
    rows = sorted(rows, key=lambda i: -pool.centrality[i])[:MAX_FIGURE_SENTENCES]
    if len(rows) < 2:
        return []
    similarity = pool.similarity(rows)
    in_article = {
        a.id: [f for s in a.analysis.sentences for f in figures(s.text)]
        for a in articles
        if a.analysis is not None
    }
    top = float(pool.centrality.max()) or 1.0
    found: list[tuple[float, str, KeyQuestion]] = []
    for x, y in zip(*np.nonzero(np.triu(similarity >= SAME_THING, k=1)), strict=True):
        i, j = rows[x], rows[y]
        a, b = pool.statements[i], pool.statements[j]
        if a.outlet == b.outlet or not pool.alike(i, j, float(similarity[x, y]), SAME_THING):
            continue
        differing = disputed(
            pool.figures(i),
            pool.figures(j),
            a_elsewhere=in_article[a.article.id],
            b_elsewhere=in_article[b.article.id],
            days_apart=_days_apart(a.article, b.article),
        )
        for unit in sorted(differing):
            fa = next(f for f in pool.figures(i) if f.unit == unit)
            fb = next(f for f in pool.figures(j) if f.unit == unit)
            said_a, said_b = _inline(fa.text), _inline(fb.text)
            text = (
                f"{a.outlet_name} ({SIDE_ADJECTIVE[a.side]}) reports {said_a} and "
                f"{b.outlet_name} ({SIDE_ADJECTIVE[b.side]}) {said_b}, in sentences about "
                "the same thing: which is right, or do they count different things?"
            )
            weight = float(similarity[x, y] * (pool.centrality[i] + pool.centrality[j])) / top
            evidence = [pool.evidence(i), pool.evidence(j)]
            found.append((weight, unit, KeyQuestion(text, "disagreement", evidence)))
    questions: list[tuple[float, KeyQuestion]] = []
    units: set[str] = set()
    for weight, unit, question in sorted(found, key=lambda t: -t[0]):
        if unit not in units:
            units.add(unit)
            questions.append((WEIGHTS["disagreement"] + 0.1 * min(weight, 1.0), question))
    return questions


def telling_omissions(
    omitted: Sequence[Omission], articles: Sequence[ArticleRecord]
) -> list[Omission]:
    """The omissions worth putting to a reader: a fact (not a quotation, an embedded post,
    the writer's first person or an opinion piece's point) that no article of a side said
    to leave it out tells in other words (ELSEWHERE_RECALL of its content words)."""
    found = []
    words_of: dict[int, frozenset[str]] = {}
    kinds = {a.id: kind_of(a) for a in articles}
    published = {a.id: a.published for a in articles}
    outlets = {a.outlet_name for a in articles if a.outlet_name}
    for omission in omitted:
        fact = omission.fact
        if not omission.reported_by or not _reportable(fact.text):
            continue
        backing = {r.outlet_name for r in fact.sources}
        if any(name in fact.text for name in outlets - backing):
            continue  # "Vox reported that …": another outlet of the story reported it too
        if all(kinds.get(r.article_id) is ArticleKind.OPINION for r in fact.sources):
            continue  # a columnist's point is a perspective, not a fact others left out
        first = min((d for r in fact.sources if (d := published.get(r.article_id))), default=None)
        missing_dates = [a.published for a in articles if a.outlet_lean in omission.missing_from]
        if (
            first is not None
            and missing_dates
            and all(
                d is not None and (first - d).total_seconds() > LATER_HOURS * 3600
                for d in missing_dates
            )
        ):
            continue  # the other side wrote before it was reported: not left out
        mine = content_words(fact.text)
        elsewhere = False
        for article in articles:
            if article.outlet_lean not in omission.missing_from:
                continue
            if article.id not in words_of:
                words_of[article.id] = content_words(article.text)
            if mine and len(mine & words_of[article.id]) >= ELSEWHERE_RECALL * len(mine):
                elsewhere = True  # told there in other words: no side left it out
                break
        if not elsewhere:
            found.append(omission)
    return found


def _one_side(
    omitted: Sequence[Omission], articles: Sequence[ArticleRecord]
) -> list[tuple[float, KeyQuestion]]:
    questions = []
    asked: list[frozenset[str]] = []
    for rank, omission in enumerate(telling_omissions(omitted, articles)):
        fact = omission.fact
        words = content_words(fact.text)
        if any(
            len(words & other) >= SAME_FACT_WORDS * (min(len(words), len(other)) or 1)
            for other in asked
        ):
            continue  # the same fact in other words
        asked.append(words)
        backers = true_backers(fact)
        side = side_words(sorted({r.outlet_lean for r in backers}, key=SIDES.index))
        missing = side_words(omission.missing_from, "or")
        text = (
            f"Only {side} outlets ({join_words(_named(backers))}) report "
            f"{quote(fact.text, FACT_WORDS)}, and no {missing} outlet does: is it confirmed, "
            "and does the story read differently without it?"
        )
        evidence = [
            *(ref_evidence(r) for r in backers[:3]),
            omission_evidence(omission.missing_from),
        ]
        outlets = len({r.outlet_name for r in backers})
        weight = WEIGHTS["one_side"] - 0.05 * rank + 0.05 * min(outlets - 1, 2)
        questions.append((weight, KeyQuestion(text, "one_side", evidence)))
    return questions


def _naming(articles: Sequence[ArticleRecord]) -> list[tuple[float, KeyQuestion]]:
    questions = []
    for rank, difference in enumerate(naming_differences(articles)):
        (a, term_a), (b, term_b) = difference.terms.items()
        outlets_a = join_words(difference.outlets[a][:3])
        outlets_b = join_words(difference.outlets[b][:3])
        text = (
            f"{SIDE_ADJECTIVE[a].capitalize()} outlets ({outlets_a}) write “{term_a}”, which "
            f"no {SIDE_ADJECTIVE[b]} outlet does; {SIDE_ADJECTIVE[b]} ones ({outlets_b}) write "
            f"“{term_b}”. For {difference.thing}, which words fit what happened, and what "
            "does each choice suggest?"
        )
        evidence = [
            EvidenceRef(
                "sentence",
                f"{name} ({SIDE_ADJECTIVE[side]}): “{sentence}”",
                article_anchor(article_id),
                article_id,
            )
            for side in (a, b)
            for name, (article_id, sentence) in [
                (difference.outlets[side][0], difference.examples[side])
            ]
        ]
        questions.append((WEIGHTS["naming"] - 0.05 * rank, KeyQuestion(text, "naming", evidence)))
    return questions


def _loaded_framing(pool: StatementPool) -> list[tuple[float, KeyQuestion]]:
    found: list[tuple[float, KeyQuestion]] = []
    for i, s in enumerate(pool.statements):
        if s.side not in SIDES or s.article.analysis is None:
            continue
        phrases = [
            p
            for p in shown_phrases(s.article.analysis)
            if p.sentence_index == s.index
            and p.weight >= FRAMING_MIN_WEIGHT
            and p.text.lower() in unquoted(s.text).lower()
        ]
        if not phrases or not _reportable(s.text):
            continue
        phrase = max(phrases, key=lambda p: p.weight)
        cosines = pool.similar(i)
        others = [
            int(j)
            for j in np.nonzero(cosines >= FRAMING_SIMILARITY)[0]
            if pool.alike(i, int(j), float(cosines[j]), FRAMING_SIMILARITY)
            and pool.statements[j].side in SIDES
            and pool.statements[j].side is not s.side
            and phrase.text.lower() not in pool.statements[j].text.lower()
            and _reportable(pool.statements[j].text)
        ]
        if not others:
            continue
        j = max(others, key=lambda k: cosines[k])
        other = pool.statements[j]
        text = (
            f"{s.outlet_name} ({SIDE_ADJECTIVE[s.side]}) writes “{phrase.text}” where "
            f"{other.outlet_name} ({SIDE_ADJECTIVE[other.side]}), reporting the same, does "
            "not: is it a fair word for what happened?"
        )
        evidence = [
            EvidenceRef(
                "loaded_phrase",
                f"“{phrase.text}” ({s.outlet_name})",
                article_anchor(s.article.id),
                s.article.id,
            ),
            pool.evidence(i),
            pool.evidence(j),
        ]
        found.append((phrase.weight * float(cosines[j]), KeyQuestion(text, "framing", evidence)))
    best: list[tuple[float, KeyQuestion]] = []
    phrases_used: set[str] = set()
    for weight, question in sorted(found, key=lambda t: -t[0]):
        key = question.evidence[0].label.split("”")[0].lower()
        if key not in phrases_used:
            phrases_used.add(key)
            best.append((WEIGHTS["framing"] + 0.05 * min(weight, 1.0), question))
    return best


_VERDICT_WORDS = {
    "critical": "mostly negative",
    "favorable": "mostly positive",
    "neutral": "neutral",
}


@dataclass(frozen=True, slots=True)
class ToneGap:
    """One side's wording about an entity clearly negative or positive, another's not."""

    gap: float  # between the two sides' mean tones
    tone: EntityToneView
    side: Lean  # the side with the clear verdict
    mean: float
    verdict: str  # critical | favorable
    other: Lean
    other_mean: float
    other_verdict: str


def separating_tones(tones: Sequence[EntityToneView]) -> list[ToneGap]:
    """Tone verdicts that set two sides apart: a person or organisation that one side's
    wording treats as clearly negative or positive and another side's does not, the mean
    tones at least TONE_GAP apart; the widest gap first."""
    found = []
    for tone in tones:
        if tone.kind not in TONE_KINDS:
            continue  # a place's "tone" is the tone of what happened there
        rated = [v for v in tone.by_side if v.side in SIDES and v.verdict != "insufficient"]
        for strong, other in ((a, b) for a in rated for b in rated if a.side is not b.side):
            if strong.verdict not in ("critical", "favorable") or other.verdict == strong.verdict:
                continue
            gap = abs(strong.mean_tone - other.mean_tone)
            if gap < TONE_GAP:
                continue
            found.append(
                ToneGap(
                    gap,
                    tone,
                    strong.side,
                    strong.mean_tone,
                    strong.verdict,
                    other.side,
                    other.mean_tone,
                    other.verdict,
                )
            )
    return sorted(found, key=lambda t: -t.gap)


def _tone_framing(tones: Sequence[EntityToneView]) -> list[tuple[float, KeyQuestion]]:
    found = separating_tones(tones)
    if not found:
        return []
    widest = found[0]
    tone, side, mean, verdict = widest.tone, widest.side, widest.mean, widest.verdict
    other, other_mean, other_verdict = widest.other, widest.other_mean, widest.other_verdict
    text = (
        f"Why is {SIDE_ADJECTIVE[side]} outlets' wording about {tone.entity} "
        f"{_VERDICT_WORDS[verdict]} (mean tone {mean:+.2f}) and {SIDE_ADJECTIVE[other]} "
        f"ones' {_VERDICT_WORDS[other_verdict]} ({other_mean:+.2f}): do they report "
        "different events, or the same events in different words?"
    )
    label = f"tone toward {tone.entity}: {side.value} {mean:+.2f}, {other.value} {other_mean:+.2f}"
    question = KeyQuestion(text, "framing", [EvidenceRef("tone", label, "tone")])
    return [(WEIGHTS["framing"], question)]


def _missing_side(stats: StoryStats) -> list[tuple[float, KeyQuestion]]:
    mix = stats.lean_mix
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    rated = sum(counts.values())
    if rated == 0:
        return []  # no outlet has a lean rating: nothing can be said about sides
    evidence = [lean_mix_evidence(mix)]
    missing = [side for side in SIDES if counts[side] == 0]
    if missing:
        sides = side_words(missing, "or")
        if stats.n_outlets > 1:
            text = (
                f"None of the {stats.n_outlets} outlets that covered this story is {sides}: "
                f"what might {sides} outlets stress, question or leave out?"
            )
        else:
            text = (
                f"Only one outlet covered this story, so there is no {sides} account of it: "
                "what might the other sides stress, question or leave out?"
            )
    elif stats.blindspot is not None:
        text = (
            f"This story is {stats.blindspot.description}: what might the other sides "
            "stress, question or leave out?"
        )
        evidence.append(EvidenceRef("blindspot", stats.blindspot.description, "lean-mix"))
    else:
        return []
    return [(WEIGHTS["missing_side"], KeyQuestion(text, "missing_side", evidence))]


def _next(
    synthesis: Synthesis | None, pool: StatementPool | None
) -> list[tuple[float, KeyQuestion]]:
    """What the story's article says comes next: its plans, dates and deadlines still
    ahead on the sources' dates; else the most central sentence of the newest reports that
    says, in the outlet's own voice, what will happen."""
    coming = [
        s
        for section in (synthesis.sections if synthesis else [])
        if section.kind == "next"
        for s in section.sentences
    ]
    coming = [s for s in coming if not _PLAN_OF.search(unquoted(s.text))]
    if not coming and pool is not None:
        coming = [pool.synth(i) for i in _ahead(pool)[:1]]
    questions = []
    for rank, sentence in enumerate(coming[:1]):
        if not sentence.sources:
            continue
        first = sentence.sources[0]
        text = (
            f"{first.outlet_name} ({SIDE_ADJECTIVE[first.outlet_lean]}) reports what comes "
            f"next, {quote(sentence.text, FACT_WORDS)}: will it happen as reported, and "
            "what could change it?"
        )
        evidence = [ref_evidence(r) for r in sentence.sources[:3]]
        questions.append((WEIGHTS["next"] - 0.05 * rank, KeyQuestion(text, "next", evidence)))
    return questions


# "you will", "we will", "if …": advice, opinion or a hypothetical, not an expected event
_GENERIC = re.compile(r"\b(?:i|we|you|your|our|us|my|if|unless|could|might|may)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(?:will|(?:is|are) (?:expected|set|scheduled|due|slated) to|plans? to|planning to|"
    r"next (?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"tomorrow|later this (?:week|month|year))\b",
    re.IGNORECASE,
)
# "rebuked him over his plans to use troops": the news is the rebuke, not the plan
_PLAN_OF = re.compile(r"\b(?:his|her|their|its|[\w’']+['’]s) plans? to\b", re.IGNORECASE)
NEWEST_DAYS = 1.0  # a plan comes from a report at most this much older than the newest
CENTRAL_SHARE = 0.4  # … and is at least this central (share of the top)
OPINION = 0.5  # … and less likely than this to be rated biased


def _ahead(pool: StatementPool) -> list[int]:
    """Sentences of the newest reports that say what will happen, most central first: an
    older report's plan may have happened by the time a newer one was written."""
    dates = [s.article.published for s in pool.statements if s.article.published]
    newest = max(dates) if dates else None
    floor = CENTRAL_SHARE * float(pool.centrality.max())
    found = [
        i
        for i, s in enumerate(pool.statements)
        if s.standalone
        and pool.centrality[i] >= floor
        and not s.text.startswith(("“", '"'))
        and s.bias < OPINION
        and _FUTURE.search(own := unquoted(s.text))
        and not _GENERIC.search(own)
        and not _PLAN_OF.search(own)
        and (
            newest is None
            or s.article.published is None
            or (newest - s.article.published).total_seconds() <= NEWEST_DAYS * 86400
        )
    ]
    return sorted(found, key=lambda i: -float(pool.centrality[i]))


_EMBED = re.compile(r"pic\.twitter\.com|@\w+\)|https?://", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|we|my|our|us|me)\b", re.IGNORECASE)
_LEANS_BACK_TEXT = "nor but and so yet or he she they it his her their its this that these those"
_LEANS_BACK = frozenset(_LEANS_BACK_TEXT.split())


def true_backers(fact: SynthSentence) -> list[SourceRef]:
    """The fact's own sentence and those of its backers that hold at least half its
    content words: the outlets that can be said to report it."""
    words = content_words(fact.text)
    return [
        r
        for k, r in enumerate(fact.sources)
        if k == 0 or len(words & content_words(r.text)) >= 0.5 * (len(words) or 1)
    ]


def _named(refs: Sequence[SourceRef], most: int = 3) -> list[str]:
    """ "Outlet (side)" for up to `most` outlets, one per side first; just the names when
    they are all of one side."""
    seen: dict[str, SourceRef] = {}
    for r in refs:
        seen.setdefault(r.outlet_name, r)
    ordered = sorted(seen.values(), key=lambda r: list(seen).index(r.outlet_name))
    firsts = {r.outlet_lean: r for r in reversed(ordered)}
    picked = [r for r in ordered if firsts.get(r.outlet_lean) is r]
    picked += [r for r in ordered if r not in picked]
    if len({r.outlet_lean for r in picked}) == 1:
        return [r.outlet_name for r in picked[:most]]  # the side is said before them
    return [f"{r.outlet_name} ({SIDE_ADJECTIVE[r.outlet_lean]})" for r in picked[:most]]


def headline_evidence(view: Perspective) -> EvidenceRef:
    """A side's headline as evidence: its article's row in the source list."""
    label = f"{view.outlet_name} ({SIDE_ADJECTIVE[view.side]}): “{view.title.strip()}”"
    return EvidenceRef("article", label, article_anchor(view.article_id), view.article_id)


def headline_pairs(
    synthesis: Synthesis | None, articles: Sequence[ArticleRecord]
) -> list[tuple[Perspective, Perspective]]:
    """Pairs of two sides' headlines that put different things first (see `_headlines`),
    left and right first."""
    return [pair for pair, _question in _headline_questions(synthesis, articles)]


def _headlines(
    synthesis: Synthesis | None, articles: Sequence[ArticleRecord]
) -> list[tuple[float, KeyQuestion]]:
    found = _headline_questions(synthesis, articles)
    return [
        (WEIGHTS["headlines"] - 0.1 * rank, question)
        for rank, (_pair, question) in enumerate(found)
    ]


def _headline_questions(
    synthesis: Synthesis | None, articles: Sequence[ArticleRecord]
) -> list[tuple[tuple[Perspective, Perspective], KeyQuestion]]:
    """Two sides' headlines for the story (each side's most central article, as the
    perspectives show it), when they put different things first: left and right first."""
    views = [v for v in (synthesis.perspectives if synthesis else []) if v.title.strip()]
    by_side = {v.side: v for v in views if v.side in SIDES}
    by_id = {a.id: a for a in articles}
    pairs = [(Lean.LEFT, Lean.RIGHT), (Lean.LEFT, Lean.CENTER), (Lean.CENTER, Lean.RIGHT)]
    found: list[tuple[tuple[Perspective, Perspective], KeyQuestion]] = []
    for a, b in pairs:
        if a not in by_side or b not in by_side:
            continue
        one, other = by_side[a], by_side[b]
        gap = (
            _days_apart(by_id[one.article_id], by_id[other.article_id])
            if (one.article_id in by_id and other.article_id in by_id)
            else None
        )
        if gap is not None and gap > HEADLINE_DAYS:
            continue  # written before and after something happened: not the same story told
        words_a, words_b = content_words(one.title), content_words(other.title)
        smaller = min(len(words_a), len(words_b)) or 1
        if len(words_a & words_b) >= SAME_HEADLINE * smaller:
            continue  # the same headline in other words: nothing to compare
        text = (
            f"{one.outlet_name} ({SIDE_ADJECTIVE[a]}) headlines it “{one.title.strip()}”, "
            f"{other.outlet_name} ({SIDE_ADJECTIVE[b]}) “{other.title.strip()}”: what does "
            "each put first, and which fits what both report?"
        )
        evidence = [headline_evidence(v) for v in (one, other)]
        found.append(((one, other), KeyQuestion(text, "headlines", evidence)))
    return found


def _arguments(synthesis: Synthesis | None) -> list[tuple[float, KeyQuestion]]:
    """Two sides' perspectives (the quotations the page shows from each side's most central
    article) set against each other: what each side argues or stresses, left and right
    first."""
    views = {v.side: v for v in (synthesis.perspectives if synthesis else []) if v.quotes}
    for a, b in ((Lean.LEFT, Lean.RIGHT), (Lean.LEFT, Lean.CENTER), (Lean.CENTER, Lean.RIGHT)):
        if a not in views or b not in views:
            continue
        mine = [q for q in views[a].quotes if _reportable(q.text)]
        theirs = [q for q in views[b].quotes if _reportable(q.text)]
        if not mine or not theirs:
            continue  # a quotation of someone else says nothing of what the side stresses
        one, other = mine[0], theirs[0]
        words_a, words_b = content_words(one.text), content_words(other.text)
        if len(words_a & words_b) >= SAME_HEADLINE * (min(len(words_a), len(words_b)) or 1):
            continue  # both quote the same words: nothing set against each other
        text = (
            f"{one.outlet_name} ({SIDE_ADJECTIVE[a]}) writes {quote(one.text, FACT_WORDS)}, "
            f"{other.outlet_name} ({SIDE_ADJECTIVE[b]}) {quote(other.text, FACT_WORDS)}: what "
            "does each side stress, and what do the facts both report support?"
        )
        evidence = [ref_evidence(one), ref_evidence(other)]
        return [(WEIGHTS["perspectives"], KeyQuestion(text, "perspectives", evidence))]
    return []


def _reportable(text: str) -> bool:
    """Whether a source sentence can stand as a fact in a question: not a quotation or a
    sentence that is mostly one, not an embedded post, not the writer's first person."""
    if text.startswith(("“", '"', "‘")) or _EMBED.search(text):
        return False
    if text.split(" ", 1)[0].strip(",").lower() in _LEANS_BACK:
        return False  # "Nor, when he was …", "He said …": needs the sentence before it
    if quoted_share(text) > 0.5:
        return False
    return not _FIRST_PERSON.search(unquoted(text))


def _inline(figure: str) -> str:
    """A figure as written, for the middle of a sentence ("Twelve people" → "twelve
    people"; "National Guard" keeps its capitals)."""
    first, _, rest = figure.partition(" ")
    if first[:1].isupper() and first[1:].islower() and not first[:1].isdigit():
        return f"{first.lower()} {rest}".strip()
    return figure
