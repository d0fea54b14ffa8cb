"""The written bias assessment of a story: two to four plain sentences filled in from the
evidence the story page shows, each sentence pointing at it.

1. How biased the coverage is: the coverage score and its band (the labels of the page's
   meter), its range across outlets; or, honestly, that there is too little to say (no
   scored text, one outlet, low confidence).
2. Who covered it: the lean mix or the blindspot, and which side's articles score higher
   when two sides have scored outlets and differ by at least SIDE_GAP points.
3. Toward or against whom: the tone table's clearest verdict (wording, never attitude).
4. Why: the strongest loaded phrases, with their outlets (each shown in the source list).
   When there is room, the sides that leave out facts others report (the omissions).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean

from plumbline.analysis.facts import SIDE_ADJECTIVE, SIDES, article_anchor, join_words
from plumbline.analysis.story import outlet_key, outlet_scores
from plumbline.models import (
    ArticleRecord,
    AssessmentSentence,
    EntityToneView,
    EvidenceRef,
    Lean,
    LoadedPhrase,
    Omission,
    SideToneView,
    StoryStats,
    Synthesis,
)

MOST = 4
SIDE_GAP = 10.0  # points between two sides' mean outlet scores worth a sentence
PHRASES = 3
SHOWN_PHRASES = 5  # loaded phrases the source list shows per article
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
    found = [_coverage(articles, stats)]
    if stats.n_outlets > 1:
        found.append(_who(articles, stats))
    for extra in (
        _tone(tones),
        _phrases(articles),
        _omissions(synthesis.omissions if synthesis else []),
    ):
        if extra is not None:
            found.append(extra)
    return found[:MOST]


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


def _who(articles: Sequence[ArticleRecord], stats: StoryStats) -> AssessmentSentence:
    mix = stats.lean_mix
    mix_ref = EvidenceRef(
        "lean_mix", f"lean mix: {mix.left} left, {mix.center} center, {mix.right} right", "lean-mix"
    )
    evidence = [mix_ref]
    if stats.blindspot is not None:
        text = f"It is a blindspot: {stats.blindspot.description}"
        evidence.append(EvidenceRef("blindspot", stats.blindspot.description, "lean-mix"))
    elif mix.left + mix.center + mix.right == 0:
        text = (
            f"None of the {stats.n_outlets} outlets has a lean rating, so the sides cannot be "
            "compared"
        )
    else:
        parts = [
            f"{n} {SIDE_ADJECTIVE[side]}"
            for side, n in (
                (Lean.LEFT, mix.left),
                (Lean.CENTER, mix.center),
                (Lean.RIGHT, mix.right),
            )
            if n
        ]
        if mix.unrated:
            parts.append(f"{mix.unrated} unrated")
        text = f"The {stats.n_outlets} outlets are {join_words(parts)}"
    by_side = _side_scores(articles)
    if len(by_side) >= 2:
        high = max(by_side, key=lambda s: by_side[s][0])
        low = min(by_side, key=lambda s: by_side[s][0])
        if by_side[high][0] - by_side[low][0] >= SIDE_GAP:
            text += (
                f"; {SIDE_ADJECTIVE[high]} outlets' articles score highest "
                f"({_side_score(*by_side[high])}), {SIDE_ADJECTIVE[low]} ones lowest "
                f"({_side_score(*by_side[low])})"
            )
        else:
            scores = sorted(v[0] for v in by_side.values())
            text += (
                f"; each side's articles score about the same ({scores[0]:.0f} to "
                f"{scores[-1]:.0f} on average)"
            )
        evidence.append(
            EvidenceRef("article", "each article's score in the source list", "sources")
        )
    return AssessmentSentence(text + ".", evidence)


def _side_scores(articles: Sequence[ArticleRecord]) -> dict[Lean, tuple[float, int]]:
    """Each rated side's mean outlet score and its number of scored outlets."""
    lean_of = {outlet_key(a): a.outlet_lean for a in articles}
    by_side: dict[Lean, list[float]] = {}
    for outlet, score in outlet_scores(articles).items():
        if lean_of[outlet] in SIDES:
            by_side.setdefault(lean_of[outlet], []).append(score)
    return {side: (fmean(scores), len(scores)) for side, scores in by_side.items()}


def _tone(tones: Sequence[EntityToneView]) -> AssessmentSentence | None:
    """The clearest verdict of the tone table, with how the other sides word it."""
    if not tones:
        return None
    strong: list[tuple[EntityToneView, SideToneView]] = [
        (t, v) for t in tones for v in t.by_side if v.side in SIDES and v.verdict in _TONE_WORDS
    ]
    if not strong:
        if all(v.verdict == "insufficient" for t in tones for v in t.by_side):
            text = (
                "Too few sentences from each side name the main actors to compare how the "
                "sides word them."
            )
        else:
            names = join_words([t.entity for t in tones[:3]])
            text = (
                f"No side's wording about the main actors ({names}) is clearly negative or "
                "positive."
            )
        return AssessmentSentence(text, [EvidenceRef("tone", "tone table", "tone")])
    tone, side = max(strong, key=lambda p: (_sets_apart(*p), abs(p[1].mean_tone)))
    words = _TONE_WORDS[side.verdict]
    others = [
        v
        for v in tone.by_side
        if v.side in SIDES and v.side is not side.side and v.verdict != "insufficient"
    ]
    same = [v for v in others if v.verdict == side.verdict]
    differ = [v for v in others if v.verdict != side.verdict]
    text = (
        f"{SIDE_ADJECTIVE[side.side].capitalize()} outlets use {words} language about "
        f"{tone.entity} (mean tone {side.mean_tone:+.2f})"
    )
    if differ:
        other = max(differ, key=lambda v: abs(v.mean_tone - side.mean_tone))
        other_words = _TONE_WORDS.get(other.verdict, "neutral")
        text += (
            f", {SIDE_ADJECTIVE[other.side]} ones {other_words} language ({other.mean_tone:+.2f})"
        )
    elif same:
        alike = join_words([SIDE_ADJECTIVE[v.side] for v in same])
        text += f", and so do {alike} ones, so that wording does not set the sides apart"
    label = f"tone toward {tone.entity}"
    return AssessmentSentence(text + ".", [EvidenceRef("tone", label, "tone")])


def _sets_apart(tone: EntityToneView, side: SideToneView) -> bool:
    """Whether another side's verdict on the same actor differs from this side's."""
    return any(
        v.side in SIDES
        and v.side is not side.side
        and v.verdict not in ("insufficient", side.verdict)
        for v in tone.by_side
    )


def _phrases(articles: Sequence[ArticleRecord]) -> AssessmentSentence | None:
    """The strongest loaded phrases of the coverage that the source list shows."""
    shown = [
        (phrase, a)
        for a in articles
        if a.analysis is not None and a.duplicate_of is None
        for phrase in a.analysis.loaded_phrases[:SHOWN_PHRASES]
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
    if not picked:
        return None
    parts = [
        f"“{p.text}” ({a.outlet_name or 'unknown outlet'}, {SIDE_ADJECTIVE[a.outlet_lean]})"
        for p, a in picked
    ]
    evidence = [
        EvidenceRef(
            "loaded_phrase",
            f"“{p.text}” ({a.outlet_name or 'unknown outlet'})",
            article_anchor(a.id),
            a.id,
        )
        for p, a in picked
    ]
    return AssessmentSentence(f"The most loaded wording includes {join_words(parts)}.", evidence)


def _omissions(omitted: Sequence[Omission]) -> AssessmentSentence | None:
    counts = {side: sum(side in o.missing_from for o in omitted) for side in SIDES}
    side = max(SIDES, key=lambda s: counts[s])
    if not counts[side]:
        return None
    n = counts[side]
    text = (
        f"{SIDE_ADJECTIVE[side].capitalize()} outlets leave out {n} central "
        f"fact{'s' if n != 1 else ''} that other sides report."
    )
    label = f"facts not mentioned by {SIDE_ADJECTIVE[side]} outlets"
    return AssessmentSentence(text, [EvidenceRef("omission", label, "omissions")])


def _side_score(score: float, n_outlets: int) -> str:
    if n_outlets == 1:
        return f"{score:.0f}, one outlet"
    return f"{score:.0f} on average over {n_outlets} outlets"
