"""Outlet profiles from what Plumbline measured (no third-party ratings):

- Score: the mean bias score of the outlet's scored articles (wire copies of another
  outlet's article left out) with a 95% Student-t interval over its articles, clipped to
  0-100 — how much the mean could move with other articles of the same kind.
- Opinion share: opinion pieces among the articles with a kind label (analysis/kinds.py).
- Loaded phrases: the phrases the analysis marked in its most recent articles, each counted
  once per article, those used in at least :data:`MIN_PHRASE_ARTICLES` articles, most used
  first.
- Alone: of the stories with two or more outlets that it covered, those where no outlet of
  another side did (unrated outlets count for no side).
- Peers: the outlets of the same lean with at least :data:`MIN_PEER_ARTICLES` scored
  articles (and the outlet itself), by mean score; none for an outlet without a scored
  article or without a side.
- Tone toward the most named entities: over its latest stories with two or more outlets,
  the main entities of those stories (analysis/story_tone.py) its sentences name most often
  (at least :data:`MIN_ENTITY_SENTENCES` sentences), the mean VADER tone of those sentences,
  and the other outlets' mean tone toward the same entity in the same stories.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from plumbline.analysis.story import t_quantile
from plumbline.models import (
    EntityToneProfile,
    Lean,
    OutletEntityTone,
    OutletProfile,
    OutletScore,
    PhraseUse,
)

MIN_PHRASE_ARTICLES = 2
MIN_PEER_ARTICLES = 5  # a peer with fewer scored articles has too wide a range to compare
MAX_PHRASES = 12
MIN_ENTITY_SENTENCES = 3
MAX_ENTITIES = 6
SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
_PUNCTUATION = " \t\n.,;:!?\"'“”‘’()"


def outlet_score(slug: str, name: str, n: int, mean: float, squares: float) -> OutletScore:
    """The mean and its 95% t-interval from the count, mean and mean of squares."""
    interval = None
    if n >= 2:
        variance = max(0.0, (squares - mean * mean) * n / (n - 1))
        half = t_quantile(n - 1) * math.sqrt(variance / n)
        interval = (round(max(0.0, mean - half), 1), round(min(100.0, mean + half), 1))
    return OutletScore(slug, name, n, round(mean, 1), interval)


def phrase_uses(articles: Sequence[Sequence[str]], *, limit: int = MAX_PHRASES) -> list[PhraseUse]:
    """The phrases used in the most articles (each article counts a phrase once; case and
    surrounding punctuation ignored), those in at least MIN_PHRASE_ARTICLES articles."""
    counts: Counter[str] = Counter()
    shown: dict[str, Counter[str]] = {}
    for phrases in articles:
        seen = set()
        for phrase in phrases:
            key = " ".join(phrase.lower().strip(_PUNCTUATION).split())
            if key and key not in seen:
                seen.add(key)
                counts[key] += 1
                shown.setdefault(key, Counter())[phrase.strip()] += 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [
        PhraseUse(shown[key].most_common(1)[0][0], n)
        for key, n in ranked[:limit]
        if n >= MIN_PHRASE_ARTICLES
    ]


def alone_stories(lean: Lean, sides: Sequence[tuple[int, int, int]]) -> int:
    """Stories (left, center, right outlet counts) that no outlet of another side covered."""
    if lean not in SIDES:
        return 0
    mine = SIDES.index(lean)
    return sum(1 for counts in sides if not any(c for k, c in enumerate(counts) if k != mine))


def outlet_profile(
    slug: str,
    lean: Lean,
    *,
    kinds: dict[str, int],
    phrases: Sequence[Sequence[str]],
    story_sides: Sequence[tuple[int, int, int]],
    peers: Sequence[tuple[str, str, int, float, float]],
    story_tones: Sequence[Sequence[OutletEntityTone]] = (),
) -> OutletProfile:
    """The profile from the store's raw figures (see the module docstring)."""
    scores = sorted((outlet_score(*row) for row in peers), key=lambda p: (p.mean, p.name))
    own = next((p for p in scores if p.slug == slug), None)
    labelled = sum(kinds.values())
    return OutletProfile(
        score=own,
        kinds=kinds,
        opinion_share=round(kinds.get("opinion", 0) / labelled, 3) if labelled else None,
        phrases=phrase_uses(phrases),
        phrase_articles=len(phrases),
        stories=len(story_sides),
        alone=alone_stories(lean, story_sides),
        # compared only when it has a score, and only within a side
        peers=[p for p in scores if p.n_scored >= MIN_PEER_ARTICLES or p is own]
        if own is not None and lean in SIDES
        else [],
        entity_tones=entity_tone_profile(slug, story_tones),
    )


def entity_tone_profile(
    slug: str, stories: Sequence[Sequence[OutletEntityTone]], *, limit: int = MAX_ENTITIES
) -> list[EntityToneProfile]:
    """The entities the outlet's sentences name most across `stories` (each a story's
    per-outlet tones), with its mean tone and the other outlets' in the same stories."""
    own: dict[str, list[float]] = {}  # entity key -> [stories, sentences, tone sum]
    others: dict[str, list[float]] = {}
    names: dict[str, tuple[str, str]] = {}
    for tones in stories:
        mine = {t.entity.lower(): t for t in tones if t.outlet == slug}
        for key, tone in mine.items():
            totals = own.setdefault(key, [0, 0, 0.0])
            totals[0] += 1
            totals[1] += tone.n_sentences
            totals[2] += tone.tone_sum
            names.setdefault(key, (tone.entity, tone.kind))
        for tone in tones:
            key = tone.entity.lower()
            if tone.outlet != slug and key in mine:
                rest = others.setdefault(key, [0, 0.0])
                rest[0] += tone.n_sentences
                rest[1] += tone.tone_sum
    ranked = sorted(
        (key for key, totals in own.items() if totals[1] >= MIN_ENTITY_SENTENCES),
        key=lambda key: (-own[key][1], key),
    )
    found = []
    for key in ranked[:limit]:
        stories_n, sentences, total = own[key]
        rest_n, rest_total = others.get(key, [0, 0.0])
        found.append(
            EntityToneProfile(
                entity=names[key][0],
                kind=names[key][1],
                stories=int(stories_n),
                n_sentences=int(sentences),
                mean_tone=round(total / sentences, 3),
                others_mean=round(rest_total / rest_n, 3) if rest_n else None,
                others_sentences=int(rest_n),
            )
        )
    return found
