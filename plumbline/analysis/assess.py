"""The written bias assessment of a story: two to four plain sentences filled in from the
evidence the story page shows, each pointing at it. It leads with the finding.

1. What most distinguishes how the sides covered the story, the first of these that holds:
   a side that did not cover it at all (with three outlets or more) or a blindspot; a
   central fact one side reports and another leaves out (the omissions, in its words);
   the same thing named differently (`naming`); two sides' headlines that put different
   things first (`questions.headline_pairs`); one side's articles scoring at least
   SIDE_GAP points higher; one side's wording about a person or organisation clearly
   negative or positive where another's is not (`questions.separating_tones`). When none
   holds, that the sides covered it alike. A second finding follows when there is one.
2. The numbers: the coverage score and its band (the labels of the page's meter) and the
   outlets by side; or, honestly, that there is too little to say (no scored text, one
   outlet, low confidence).
3. The strongest loaded wording, in context: phrases read where they stand
   (`wording.in_context`: no names, no quotations, no reporting verbs) and strong enough
   (p(biased) x word rate at least PHRASE_MIN_WEIGHT), each with its outlet and linked to
   it in the source list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from statistics import fmean

from plumbline.analysis.facts import (
    SIDE_ADJECTIVE,
    SIDES,
    article_anchor,
    join_words,
    lean_mix_evidence,
    omission_evidence,
    quote,
    ref_evidence,
    side_words,
)
from plumbline.analysis.naming import naming_differences
from plumbline.analysis.questions import (
    FACT_WORDS,
    headline_evidence,
    headline_pairs,
    separating_tones,
    telling_omissions,
    true_backers,
)
from plumbline.analysis.story import outlet_key, outlet_scores
from plumbline.analysis.wording import quoted_share, shown_phrases
from plumbline.models import (
    ArticleRecord,
    AssessmentSentence,
    EntityToneView,
    EvidenceRef,
    Lean,
    LoadedPhrase,
    Omission,
    StoryStats,
    Synthesis,
)

MOST = 4
SIDE_GAP = 10.0  # points between two sides' mean outlet scores worth a sentence
PHRASES = 3
SHOWN_PHRASES = 5  # loaded phrases the source list shows per article
LEAD_BACKERS = 2  # outlets behind an omission that leads the assessment
PHRASE_MIN_WEIGHT = 0.5  # p(biased) x word rate of a phrase the assessment names
CONTEXT_WORDS = 4  # words either side of a named phrase in its evidence
_TONE_WORDS = {"critical": "mostly negative", "favorable": "mostly positive"}


def bias_label(score: float | None) -> str:
    """The band of a 0-100 bias score, as the page's meter names it."""
    if score is None:
        return "Not enough text"
    if score < 20:
        return "Neutral"
    if score < 40:
        return "Mostly neutral"
    if score < 60:
        return "Moderately biased"
    if score < 80:
        return "Biased"
    return "Highly biased"


def assess(
    articles: Sequence[ArticleRecord],
    stats: StoryStats,
    tones: Sequence[EntityToneView],
    synthesis: Synthesis | None = None,
) -> list[AssessmentSentence]:
    """The assessment of a story from its articles, figures and tone table; the
    synthesis, when given, adds its omissions. See the module docstring."""
    # the omissions worth a reader's attention; None without a synthesis (then unknown)
    told = telling_omissions(synthesis.omissions, articles) if synthesis else None
    findings = _findings(articles, stats, tones, synthesis, told) if stats.n_outlets > 1 else []
    found = [*findings[:2], _numbers(articles, stats)]
    phrases = _phrases(articles)
    if phrases is not None:
        found.append(phrases)
    if len(found) < 2 and stats.n_outlets > 1:
        found.append(_side_scores_sentence(articles, told or []))
    return found[:MOST]


def _side_scores_sentence(
    articles: Sequence[ArticleRecord], omitted: Sequence[Omission]
) -> AssessmentSentence:
    """A second sentence when nothing else is to be said: how many facts each side leaves
    out, else how close the sides' scores are."""
    if omitted:
        n = len(omitted)
        text = (
            f"Omissions lists {n} fact{'s' if n != 1 else ''} that some outlets report and "
            "another side's outlets do not."
        )
        return AssessmentSentence(text, [EvidenceRef("omission", "omissions", "omissions")])
    by_side = _side_scores(articles)
    if len(by_side) >= 2:
        scores = sorted(v[0] for v in by_side.values())
        text = (
            f"Each side's articles score within {SIDE_GAP:.0f} points of the others "
            f"({scores[0]:.0f} to {scores[-1]:.0f} on average)."
        )
    else:
        text = "Too few outlets of different sides are scored to compare their wording."
    return AssessmentSentence(
        text, [EvidenceRef("article", "each article's score in the source list", "sources")]
    )


def _findings(
    articles: Sequence[ArticleRecord],
    stats: StoryStats,
    tones: Sequence[EntityToneView],
    synthesis: Synthesis | None,
    told: Sequence[Omission] | None,
) -> list[AssessmentSentence]:
    """What sets the sides' coverage apart, the most telling first; "alike" when nothing
    does and the omissions (`told`) are known to be none."""
    found = [
        finding
        for finding in (
            _missing(stats),
            _omission(told or []),
            _naming(articles),
            _headline_contrast(synthesis, articles),
            _score_gap(articles),
            _tone(tones),
        )
        if finding is not None
    ]
    if found:
        return found
    mix = stats.lean_mix
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    rated = [side for side in SIDES if counts[side]]
    mix_ref = lean_mix_evidence(mix)
    if not rated:
        text = (
            f"None of the {stats.n_outlets} outlets has a lean rating, so the sides cannot be "
            "compared."
        )
        return [AssessmentSentence(text, [mix_ref])]
    if len(rated) == 1:
        side = SIDE_ADJECTIVE[rated[0]]
        text = (
            f"Every rated outlet that covered this story is {side}, so there is no other "
            "side's coverage to compare it with."
        )
        return [AssessmentSentence(text, [mix_ref])]
    if told is None or told:
        return []  # without the omissions, or with some, "alike" cannot be said
    return [
        AssessmentSentence(
            "The sides covered this story much alike: no central fact that one side reports "
            "is missing from another's coverage, they name things in the same words, and "
            f"their articles' scores are within {SIDE_GAP:.0f} points.",
            [
                EvidenceRef("omission", "no omissions between sides", "omissions"),
                EvidenceRef("article", "each article's score in the source list", "sources"),
            ],
        )
    ]


def _missing(stats: StoryStats) -> AssessmentSentence | None:
    mix = stats.lean_mix
    counts = {Lean.LEFT: mix.left, Lean.CENTER: mix.center, Lean.RIGHT: mix.right}
    mix_ref = lean_mix_evidence(mix)
    if stats.blindspot is not None:
        text = f"This story is a blindspot: {stats.blindspot.description}."
        return AssessmentSentence(
            text, [mix_ref, EvidenceRef("blindspot", stats.blindspot.description, "lean-mix")]
        )
    rated = [side for side in SIDES if counts[side]]
    missing = [side for side in SIDES if not counts[side]]
    if stats.n_outlets < 3 or not rated or not missing:
        return None
    text = (
        f"No {join_words([SIDE_ADJECTIVE[s] for s in missing], 'or')} outlet covered this "
        f"story: all {sum(counts.values())} rated outlets are "
        f"{join_words([SIDE_ADJECTIVE[s] for s in rated], 'or')}."
    )
    return AssessmentSentence(text, [mix_ref])


def _omission(omitted: Sequence[Omission]) -> AssessmentSentence | None:
    """The most central fact one side reports and another leaves out that at least
    LEAD_BACKERS outlets report and that is not mostly a quotation (one outlet's detail or
    someone's remark is no finding about the sides)."""
    for omission in omitted:
        fact = omission.fact
        backers = true_backers(fact)
        if len({r.outlet_name for r in backers}) < LEAD_BACKERS or quoted_share(fact.text) > 0.3:
            continue
        names = list(
            dict.fromkeys(f"{r.outlet_name} ({SIDE_ADJECTIVE[r.outlet_lean]})" for r in backers)
        )[:2]
        more = sum(
            1
            for o in omitted
            if o is not omission and set(o.missing_from) & set(omission.missing_from)
        )
        verb = "reports" if len(names) == 1 else "report"
        text = (
            "What one side reports and another leaves out: "
            f"{join_words(names)} {verb} {quote(fact.text, FACT_WORDS)}, which no "
            f"{side_words(omission.missing_from, 'or')} outlet mentions"
        )
        if more:
            listed = "one more is" if more == 1 else f"{more} more are"
            text += f"; {listed} listed under Omissions"
        evidence = [
            *(ref_evidence(r) for r in backers[:2]),
            omission_evidence(omission.missing_from),
        ]
        return AssessmentSentence(text + ".", evidence)
    return None


def _naming(articles: Sequence[ArticleRecord]) -> AssessmentSentence | None:
    differences = naming_differences(articles)
    if not differences:
        return None
    difference = differences[0]
    (a, term_a), (b, term_b) = difference.terms.items()
    text = (
        f"The sides name {difference.thing} differently: {SIDE_ADJECTIVE[a]} outlets "
        f"({join_words(difference.outlets[a][:2])}) write “{term_a}”, which no "
        f"{SIDE_ADJECTIVE[b]} outlet does; {SIDE_ADJECTIVE[b]} ones "
        f"({join_words(difference.outlets[b][:2])}) write “{term_b}”."
    )
    evidence = [
        EvidenceRef(
            "sentence",
            f"{difference.outlets[side][0]} ({SIDE_ADJECTIVE[side]}): “{sentence}”",
            article_anchor(article_id),
            article_id,
        )
        for side in (a, b)
        for article_id, sentence in [difference.examples[side]]
    ]
    return AssessmentSentence(text, evidence)


def _headline_contrast(
    synthesis: Synthesis | None, articles: Sequence[ArticleRecord]
) -> AssessmentSentence | None:
    """Two sides' headlines that put different things first, left and right first."""
    pairs = headline_pairs(synthesis, articles)
    if not pairs:
        return None
    one, other = pairs[0]
    text = (
        f"The sides put different things first: {one.outlet_name} "
        f"({SIDE_ADJECTIVE[one.side]}) headlines it “{one.title.strip()}”, "
        f"{other.outlet_name} ({SIDE_ADJECTIVE[other.side]}) “{other.title.strip()}”."
    )
    return AssessmentSentence(text, [headline_evidence(v) for v in (one, other)])


def _score_gap(articles: Sequence[ArticleRecord]) -> AssessmentSentence | None:
    by_side = _side_scores(articles)
    if len(by_side) < 2:
        return None
    high = max(by_side, key=lambda s: by_side[s][0])
    low = min(by_side, key=lambda s: by_side[s][0])
    if by_side[high][0] - by_side[low][0] < SIDE_GAP:
        return None
    text = (
        f"{SIDE_ADJECTIVE[high].capitalize()} outlets' articles use more loaded wording "
        f"({_side_score(*by_side[high])}) than {SIDE_ADJECTIVE[low]} ones "
        f"({_side_score(*by_side[low])})."
    )
    return AssessmentSentence(
        text, [EvidenceRef("article", "each article's score in the source list", "sources")]
    )


def _tone(tones: Sequence[EntityToneView]) -> AssessmentSentence | None:
    """The widest tone gap between two sides about a person or organisation."""
    found = separating_tones(tones)
    if not found:
        return None
    widest = found[0]
    tone, side, mean, verdict = widest.tone, widest.side, widest.mean, widest.verdict
    other, other_mean, other_verdict = widest.other, widest.other_mean, widest.other_verdict
    text = (
        f"{SIDE_ADJECTIVE[side].capitalize()} outlets use {_TONE_WORDS[verdict]} language "
        f"about {tone.entity} (mean tone {mean:+.2f}), {SIDE_ADJECTIVE[other]} ones "
        f"{_TONE_WORDS.get(other_verdict, 'neutral')} language ({other_mean:+.2f})."
    )
    return AssessmentSentence(text, [EvidenceRef("tone", f"tone toward {tone.entity}", "tone")])


def _numbers(articles: Sequence[ArticleRecord], stats: StoryStats) -> AssessmentSentence:
    """The coverage score with its band, and the outlets by side."""
    sentence = _coverage(articles, stats)
    if stats.n_outlets < 2 or stats.coverage_score is None or stats.low_confidence:
        return sentence
    mix = stats.lean_mix
    parts = [
        f"{n} {SIDE_ADJECTIVE[side]}"
        for side, n in ((Lean.LEFT, mix.left), (Lean.CENTER, mix.center), (Lean.RIGHT, mix.right))
        if n
    ]
    if mix.unrated:
        parts.append(f"{mix.unrated} unrated")
    text = sentence.text.rstrip(".") + f"; the {stats.n_outlets} outlets are {join_words(parts)}."
    mix_ref = lean_mix_evidence(mix)
    return AssessmentSentence(text, [*sentence.evidence, mix_ref])


def _coverage(articles: Sequence[ArticleRecord], stats: StoryStats) -> AssessmentSentence:
    score = stats.coverage_score
    if score is None:
        return AssessmentSentence(
            "There is not enough scored text to say how biased the coverage is.",
            [EvidenceRef("coverage", "coverage score: not enough text", "coverage")],
        )
    label = bias_label(score).lower()
    evidence = [EvidenceRef("coverage", f"coverage score {score:.0f}/100", "coverage")]
    if stats.n_outlets == 1:
        name = next((a.outlet_name for a in articles if a.outlet_name), "one outlet")
        text = (
            f"Only one outlet, {name}, covered this story, so there is no other coverage to "
            f"compare it with; its wording scores {score:.0f}/100 ({label})."
        )
    elif stats.low_confidence:
        reasons = "; ".join(stats.low_confidence_reasons)
        text = f"Coverage scores {score:.0f}/100 ({label}), with low confidence: {reasons}."
    else:
        spread = ""
        if stats.interval is not None:
            low, high = stats.interval
            spread = f"; 95% range {low:.0f}–{high:.0f}"
        text = (
            f"Coverage is {label} ({score:.0f}/100 across {stats.n_scored_outlets} scored "
            f"outlets{spread})."
        )
    return AssessmentSentence(text, evidence)


def _side_scores(articles: Sequence[ArticleRecord]) -> dict[Lean, tuple[float, int]]:
    """Each rated side's mean outlet score and its number of scored outlets."""
    lean_of = {outlet_key(a): a.outlet_lean for a in articles}
    by_side: dict[Lean, list[float]] = {}
    for outlet, score in outlet_scores(articles).items():
        if lean_of[outlet] in SIDES:
            by_side.setdefault(lean_of[outlet], []).append(score)
    return {side: (fmean(scores), len(scores)) for side, scores in by_side.items()}


def _phrases(articles: Sequence[ArticleRecord]) -> AssessmentSentence | None:
    """The strongest loaded phrases of the coverage that the source list shows."""
    picked = picked_phrases(articles)
    if not picked:
        return None
    parts = [
        f"“{p.text}” ({a.outlet_name or 'unknown outlet'}, {SIDE_ADJECTIVE[a.outlet_lean]})"
        for p, a in picked
    ]
    evidence = [
        EvidenceRef(
            "loaded_phrase",
            f"{a.outlet_name or 'unknown outlet'}: {_in_context(p, a)}",
            article_anchor(a.id),
            a.id,
        )
        for p, a in picked
    ]
    return AssessmentSentence(f"The most loaded wording includes {join_words(parts)}.", evidence)


def picked_phrases(articles: Sequence[ArticleRecord]) -> list[tuple[LoadedPhrase, ArticleRecord]]:
    """The PHRASES strongest loaded phrases in context (at least PHRASE_MIN_WEIGHT), one
    per article before a second, never one inside another."""
    shown = [
        (phrase, a)
        for a in articles
        if a.analysis is not None and a.duplicate_of is None
        for phrase in shown_phrases(a.analysis)[:SHOWN_PHRASES]
        if phrase.weight >= PHRASE_MIN_WEIGHT
    ]
    ranked = sorted(shown, key=lambda p: -p[0].weight)
    picked: list[tuple[LoadedPhrase, ArticleRecord]] = []
    # one phrase per article first, then more from the same articles; never one phrase
    # inside another ("mob" after "mob terrified")
    for one_per_article in (True, False):
        for phrase, article in ranked:
            text = phrase.text.lower()
            if len(picked) == PHRASES or any(
                text in p.text.lower() or p.text.lower() in text for p, _a in picked
            ):
                continue
            if one_per_article and any(a.id == article.id for _p, a in picked):
                continue
            picked.append((phrase, article))
    return picked


def _in_context(phrase: LoadedPhrase, article: ArticleRecord) -> str:
    """The phrase with a few words either side of it, as written: “… a bizarre scene …”."""
    assert article.analysis is not None
    sentences = article.analysis.sentences
    if not 0 <= phrase.sentence_index < len(sentences):
        return f"“{phrase.text}”"
    text = sentences[phrase.sentence_index].text
    at = text.find(phrase.text)
    if at < 0:
        return f"“{phrase.text}”"
    end = at + len(phrase.text)
    starts = [m.start() for m in re.finditer(r"\S+", text[:at])]
    ends = [m.end() for m in re.finditer(r"\S+", text[end:])]
    start = starts[-CONTEXT_WORDS] if len(starts) >= CONTEXT_WORDS else 0
    stop = end + ends[CONTEXT_WORDS - 1] if len(ends) >= CONTEXT_WORDS else len(text)
    head = "… " if start > 0 else ""
    tail = " …" if stop < len(text) else ""
    return f"“{head}{text[start:stop].strip()}{tail}”"


def _side_score(score: float, n_outlets: int) -> str:
    if n_outlets == 1:
        return f"{score:.0f}, one outlet"
    return f"{score:.0f} on average over {n_outlets} outlets"
