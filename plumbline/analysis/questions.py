"""Key questions ("Think and consider"): what a critical reader should ask about a story,
each drawn from something the sources say and pointing at it.

Kinds, each asked only when the story gives it something to stand on:

- disagreement: two outlets' sentences about the same thing (TF-IDF cosine ≥ SAME_THING)
  give different figures for the same unit ("5 people" / "7 people"), and neither article
  gives the other's figure anywhere;
- one_side: a central fact only one side's outlets report (the omissions);
- framing: an outlet uses a loaded phrase in a sentence much like one from an outlet of
  another side that does not use it; or the tone table shows one side's wording about a
  main actor as clearly negative or positive while another side's is not;
- missing_side: a side with no outlet in the lean mix, or a blindspot;
- next: a central sentence about what comes next ("will", "is expected to", "plans to",
  "next week" …).

At most MOST questions, never padded: a thin story gets fewer."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from plumbline.analysis.facts import (
    SIDE_ADJECTIVE,
    SIDES,
    StatementPool,
    article_anchor,
    join_words,
    quote,
    ref_evidence,
    unquoted,
)
from plumbline.analysis.figures import conflict, figures
from plumbline.models import (
    ArticleRecord,
    EntityToneView,
    EvidenceRef,
    KeyQuestion,
    Lean,
    Omission,
    StoryStats,
)

MOST = 5
CENTRAL_SHARE = 0.4  # a "what next" sentence is at least this central (share of the top)
OPINION = 0.5  # … and less likely than this to be rated biased
SAME_THING = 0.25  # cosine at which two sentences with figures talk about the same thing
FRAMING_SIMILARITY = 0.35
MAX_FIGURE_SENTENCES = 1500  # the most central sentences with figures that are compared
KIND_ORDER = ("disagreement", "one_side", "framing", "missing_side", "next")
# which question goes first when there are more than MOST
PRIORITY = (
    ("disagreement", 0),
    ("one_side", 0),
    ("framing", 0),
    ("missing_side", 0),
    ("next", 0),
    ("disagreement", 1),
    ("framing", 1),
)

# "you will", "we will", "if …": advice, opinion or a hypothetical, not an expected event
_GENERIC = re.compile(r"\b(?:i|we|you|your|our|us|my|if|unless)\b", re.IGNORECASE)
_FUTURE = re.compile(
    r"\b(?:will|(?:is|are) (?:expected|set|scheduled|due|slated) to|plans? to|planning to|"
    r"next (?:week|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)|"
    r"tomorrow|upcoming|later this (?:week|month|year))\b",
    re.IGNORECASE,
)


def key_questions(
    articles: Sequence[ArticleRecord],
    stats: StoryStats,
    tones: Sequence[EntityToneView],
    omitted: Sequence[Omission],
    pool: StatementPool | None,
) -> list[KeyQuestion]:
    """Up to MOST questions for a critical reader of the story, in KIND_ORDER."""
    by_kind: dict[str, list[KeyQuestion]] = {
        "disagreement": _disagreements(articles, pool) if pool else [],
        "one_side": _one_side(omitted),
        "framing": [*(_loaded_framing(pool) if pool else []), *_tone_framing(tones)],
        "missing_side": _missing_side(stats),
        "next": _next(pool, {o.fact.text for o in omitted}) if pool else [],
    }
    picked = [by_kind[kind][rank] for kind, rank in PRIORITY if rank < len(by_kind[kind])][:MOST]
    return sorted(picked, key=lambda q: KIND_ORDER.index(q.kind))


def _disagreements(articles: Sequence[ArticleRecord], pool: StatementPool) -> list[KeyQuestion]:
    rows = [i for i in range(len(pool)) if pool.figures(i)]
    rows = sorted(rows, key=lambda i: -pool.centrality[i])[:MAX_FIGURE_SENTENCES]
    if len(rows) < 2:
        return []
    similarity = pool.similarity(rows)
    in_article = {
        a.id: {(f.value, f.unit) for s in a.analysis.sentences for f in figures(s.text)}
        for a in articles
        if a.analysis is not None
    }
    found: list[tuple[float, str, KeyQuestion]] = []
    for x, y in zip(*np.nonzero(np.triu(similarity >= SAME_THING, k=1)), strict=True):
        i, j = rows[x], rows[y]
        a, b = pool.statements[i], pool.statements[j]
        if a.outlet == b.outlet or not pool.alike(i, j, float(similarity[x, y]), SAME_THING):
            continue
        for unit in conflict(pool.figures(i), pool.figures(j)):
            fa = [f for f in pool.figures(i) if f.unit == unit]
            fb = [f for f in pool.figures(j) if f.unit == unit]
            if any((f.value, unit) in in_article[b.article.id] for f in fa) or any(
                (f.value, unit) in in_article[a.article.id] for f in fb
            ):
                continue  # each article also gives the other's figure: no disagreement
            text = (
                f"{a.outlet_name} ({SIDE_ADJECTIVE[a.side]}) says “{fa[0].text}” where "
                f"{b.outlet_name} ({SIDE_ADJECTIVE[b.side]}) says “{fb[0].text}”, in "
                "sentences about what looks like the same thing. Do the figures conflict, or "
                "do they count different things or at different times?"
            )
            weight = float(similarity[x, y] * (pool.centrality[i] + pool.centrality[j]))
            evidence = [pool.evidence(i), pool.evidence(j)]
            found.append((weight, unit, KeyQuestion(text, "disagreement", evidence)))
    questions: list[KeyQuestion] = []
    units: set[str] = set()
    for _weight, unit, question in sorted(found, key=lambda t: -t[0]):
        if unit not in units:
            units.add(unit)
            questions.append(question)
    return questions


def _one_side(omitted: Sequence[Omission]) -> list[KeyQuestion]:
    questions = []
    for omission in omitted:
        if len(omission.reported_by) != 1:
            continue
        side = SIDE_ADJECTIVE[omission.reported_by[0]]
        text = (
            f"Of the outlets analyzed, only {side} ones report {quote(omission.fact.text)}. "
            "Can it be confirmed elsewhere, and does leaving it out change the story?"
        )
        evidence = [
            *(ref_evidence(r) for r in omission.fact.sources[:3]),
            EvidenceRef(
                "omission", f"not reported by {_sides(omission.missing_from)} outlets", "omissions"
            ),
        ]
        questions.append(KeyQuestion(text, "one_side", evidence))
    return questions


def _loaded_framing(pool: StatementPool) -> list[KeyQuestion]:
    found: list[tuple[float, KeyQuestion]] = []
    for i, s in enumerate(pool.statements):
        if s.side not in SIDES or s.article.analysis is None:
            continue
        phrases = [
            p
            for p in s.article.analysis.loaded_phrases
            if p.sentence_index == s.index and p.text.lower() in unquoted(s.text).lower()
        ]
        if not phrases:
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
        ]
        if not others:
            continue
        j = max(others, key=lambda k: cosines[k])
        other = pool.statements[j]
        text = (
            f"{s.outlet_name} ({SIDE_ADJECTIVE[s.side]}) writes “{phrase.text}” in a sentence "
            f"much like one from {other.outlet_name} ({SIDE_ADJECTIVE[other.side]}), which "
            "does not use it. Which wording fits what happened?"
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
    best: list[KeyQuestion] = []
    phrases_used: set[str] = set()
    for _weight, question in sorted(found, key=lambda t: -t[0]):
        key = question.evidence[0].label.split("”")[0].lower()
        if key not in phrases_used:
            phrases_used.add(key)
            best.append(question)
    return best


_VERDICT_WORDS = {
    "critical": "mostly negative",
    "favorable": "mostly positive",
    "neutral": "neutral",
}


def _tone_framing(tones: Sequence[EntityToneView]) -> list[KeyQuestion]:
    found: list[tuple[float, KeyQuestion]] = []
    for tone in tones:
        rated = [v for v in tone.by_side if v.side in SIDES and v.verdict != "insufficient"]
        for strong, other in ((a, b) for a in rated for b in rated if a.side is not b.side):
            if strong.verdict not in ("critical", "favorable") or other.verdict == strong.verdict:
                continue
            gap = abs(strong.mean_tone - other.mean_tone)
            text = (
                f"{SIDE_ADJECTIVE[strong.side].capitalize()} outlets use "
                f"{_VERDICT_WORDS[strong.verdict]} language about {tone.entity} (mean tone "
                f"{strong.mean_tone:+.2f}), {SIDE_ADJECTIVE[other.side]} ones "
                f"{_VERDICT_WORDS[other.verdict]} language ({other.mean_tone:+.2f}). Do they "
                "report different events, or the same events in different words?"
            )
            label = (
                f"tone toward {tone.entity}: {strong.side.value} {strong.mean_tone:+.2f}, "
                f"{other.side.value} {other.mean_tone:+.2f}"
            )
            found.append((gap, KeyQuestion(text, "framing", [EvidenceRef("tone", label, "tone")])))
    return [q for _gap, q in sorted(found, key=lambda t: -t[0])[:1]]


def _missing_side(stats: StoryStats) -> list[KeyQuestion]:
    mix = stats.lean_mix
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    rated = sum(counts.values())
    if rated == 0:
        return []  # no outlet has a lean rating: nothing can be said about sides
    mix_label = f"lean mix: {mix.left} left, {mix.center} center, {mix.right} right"
    evidence = [EvidenceRef("lean_mix", mix_label, "lean-mix")]
    missing = [side for side in SIDES if counts[side] == 0]
    if missing:
        sides = _sides(missing, "or")
        found = (
            f"None of the {stats.n_outlets} outlets that covered this story is {sides}."
            if stats.n_outlets > 1
            else f"Only one outlet covered this story, so there is no {sides} account of it."
        )
        text = f"{found} What might {sides} outlets stress, question or leave out?"
    elif stats.blindspot is not None:
        text = (
            f"This story is {stats.blindspot.description}. What might the other sides "
            "stress, question or leave out?"
        )
        evidence.append(EvidenceRef("blindspot", stats.blindspot.description, "lean-mix"))
    else:
        return []
    return [KeyQuestion(text, "missing_side", evidence)]


def _next(pool: StatementPool, quoted_elsewhere: set[str]) -> list[KeyQuestion]:
    """The most central sentence that says, in the outlet's own voice, what comes next."""
    floor = CENTRAL_SHARE * float(pool.centrality.max())
    ahead = [
        i
        for i, s in enumerate(pool.statements)
        if s.standalone
        and pool.centrality[i] >= floor
        and s.text not in quoted_elsewhere
        and not s.text.startswith(("“", '"'))
        and s.bias < OPINION
        and _FUTURE.search(own := unquoted(s.text))
        and not _GENERIC.search(own)
    ]
    if not ahead:
        return []
    weights = {}
    for i in ahead:
        outlets = {pool.statements[j].outlet for j in pool.backers(i)}
        weights[i] = float(pool.centrality[i]) * (1.0 + 0.3 * float(np.log(len(outlets))))
    best = max(ahead, key=lambda i: weights[i])
    s = pool.statements[best]
    text = (
        f"What to watch next: {s.outlet_name} ({SIDE_ADJECTIVE[s.side]}) reports "
        f"{quote(s.text)}. Will it happen as reported, and what would change it?"
    )
    evidence = [pool.evidence(j) for j in pool.backers(best)[:3]]
    return [KeyQuestion(text, "next", evidence)]


def _sides(sides: Sequence[Lean], conjunction: str = "and") -> str:
    return join_words([SIDE_ADJECTIVE[s] for s in sides], conjunction)
