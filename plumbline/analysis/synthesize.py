"""The neutral story article, extracted from its sources' own sentences.

Every sentence of the synthesis is a sentence of a source, chosen for being central to
the story (TF-IDF similarity to the story's centroid), supported by other outlets, and
low in predicted bias; redundant sentences are dropped (maximal marginal relevance).
Each sentence carries every source sentence that says much the same thing."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from plumbline.analysis.bias import loaded_words, weighted_share
from plumbline.models import (
    ArticleRecord,
    Lean,
    SourceRef,
    Synthesis,
    SynthSection,
    SynthSentence,
)

LEAD_SIZE = 2
BODY_SIZE = 4
SIDE_SIZE = 2
SUPPORT_SIMILARITY = 0.32
REDUNDANT_SIMILARITY = 0.45
MIN_WORDS, MAX_WORDS = 8, 55
_NEEDS_CONTEXT = re.compile(
    r"^(but|and|or|so|also|however|still|yet|he|she|they|it|this|that|these|those|his|her|"
    r"their|its|there|here|then|meanwhile|instead)\b",
    re.IGNORECASE,
)
_WORD = re.compile(r"[a-z][a-z'-]*")
# "WASHINGTON (Reuters) - ", "SELMA, Ala. (AP) — ": a place line that only makes sense
# at the top of the original article
_DATELINE = re.compile(
    r"^(?:[A-Z][A-Z.'\-]{2,}(?: [A-Z.'\-]+)*(?:, [A-Z][A-Za-z.]+)*(?: \([A-Za-z ]+\))?"
    r"|\((?:AP|Reuters|AFP|UPI|CNN|Bloomberg)\))"
    r"\s*[—–-]{1,2}\s+(?=[A-Z\"“])"
)
_BOILERPLATE = re.compile(
    r"read more|click here|sign up|subscribe|newsletter|follow us|all rights reserved|"
    r"advertisement|getty images|photo:|image:|\bcopyright\b",
    re.IGNORECASE,
)
SIDE_TITLES = {
    Lean.LEFT: "What left-leaning outlets report",
    Lean.CENTER: "What center outlets report",
    Lean.RIGHT: "What right-leaning outlets report",
}


@dataclass(slots=True)
class _Candidate:
    article: ArticleRecord
    index: int
    text: str
    bias: float
    position: int


def synthesize(articles: Sequence[ArticleRecord]) -> Synthesis | None:
    """The extractive neutral article for a story, or None when no article has text."""
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
    similarity = (matrix @ matrix.T).toarray()
    centroid = np.asarray(matrix.mean(axis=0)).ravel()
    norm = float(np.linalg.norm(centroid)) or 1.0
    centrality = np.asarray(matrix @ (centroid / norm)).ravel()
    outlets = [c.article.outlet_slug or f"article-{c.article.id}" for c in candidates]
    support = np.array(
        [
            max(1, len({outlets[j] for j in np.nonzero(similarity[i] >= SUPPORT_SIMILARITY)[0]}))
            for i in range(len(candidates))
        ]
    )
    score = (
        centrality
        * (1.0 - 0.8 * np.array([c.bias for c in candidates]))
        * (1.0 + 0.15 * np.log1p(support - 1))
        * np.array([1.0 / (1.0 + 0.05 * c.position) for c in candidates])
    )
    chosen: list[int] = []

    def pick(pool: Sequence[int], count: int) -> list[int]:
        picked: list[int] = []
        for i in sorted(pool, key=lambda k: -score[k]):
            if len(picked) == count:
                break
            if all(similarity[i, j] < REDUNDANT_SIMILARITY for j in chosen):
                picked.append(i)
                chosen.append(i)
        return picked

    everything = range(len(candidates))
    lead = pick([i for i in everything if support[i] > 1] or everything, LEAD_SIZE)
    body = pick(everything, BODY_SIZE)
    sections = [SynthSection("What happened", _in_story_order(body, candidates, similarity, score))]
    sides = Counter(c.article.outlet_lean for c in candidates)
    if len([s for s in (Lean.LEFT, Lean.CENTER, Lean.RIGHT) if sides[s]]) >= 2:
        for side in (Lean.LEFT, Lean.CENTER, Lean.RIGHT):
            pool = [i for i in everything if candidates[i].article.outlet_lean == side]
            picked = pick(pool, SIDE_SIZE)
            if picked:
                sentences = [_sentence(i, candidates, similarity) for i in picked]
                sections.append(SynthSection(SIDE_TITLES[side], sentences))
    lead_sentences = [_sentence(i, candidates, similarity) for i in lead]
    all_sentences = lead_sentences + [s for sec in sections for s in sec.sentences]
    headline, headline_article = _headline(originals, vectorizer, centroid / norm)
    return Synthesis(
        headline=headline,
        headline_article_id=headline_article,
        lead=lead_sentences,
        sections=[s for s in sections if s.sentences],
        bias_score=_score(all_sentences),
    )


def _candidates(article: ArticleRecord) -> list[_Candidate]:
    assert article.analysis is not None
    found = []
    for index, sentence in enumerate(article.analysis.sentences):
        text = _DATELINE.sub("", sentence.text.strip())
        if _BOILERPLATE.search(text):
            continue
        n_words = len(text.split())
        if not MIN_WORDS <= n_words <= MAX_WORDS or _NEEDS_CONTEXT.match(text):
            continue
        if (
            text.endswith(("?", "!", ":"))
            or text.count('"') % 2
            or text.count("“") != text.count("”")
        ):
            continue
        found.append(_Candidate(article, index, text, sentence.bias or 0.0, index))
    return found


def _sentence(
    i: int,
    candidates: Sequence[_Candidate],
    similarity: np.ndarray[tuple[int, int], np.dtype[np.float64]],
) -> SynthSentence:
    """Candidate i with every source sentence that backs it (itself first)."""
    backing = [
        i,
        *(
            j
            for j in np.argsort(-similarity[i])
            if j != i and similarity[i, j] >= SUPPORT_SIMILARITY
        ),
    ]
    refs: list[SourceRef] = []
    seen_articles: set[int] = set()
    for j in backing:
        c = candidates[int(j)]
        if c.article.id in seen_articles:
            continue
        seen_articles.add(c.article.id)
        refs.append(
            SourceRef(
                article_id=c.article.id,
                sentence_index=c.index,
                outlet_name=c.article.outlet_name or "Unknown outlet",
                outlet_lean=c.article.outlet_lean,
                text=c.text,
            )
        )
    return SynthSentence(candidates[i].text, refs, round(candidates[i].bias, 4))


def _in_story_order(
    picked: Sequence[int],
    candidates: Sequence[_Candidate],
    similarity: np.ndarray[tuple[int, int], np.dtype[np.float64]],
    score: np.ndarray[tuple[int], np.dtype[np.float64]],
) -> list[SynthSentence]:
    ordered = sorted(picked, key=lambda i: (candidates[i].position, -score[i]))
    return [_sentence(i, candidates, similarity) for i in ordered]


def _headline(
    articles: Sequence[ArticleRecord],
    vectorizer: TfidfVectorizer,
    centroid: np.ndarray[tuple[int], np.dtype[np.float64]],
) -> tuple[str, int | None]:
    """The most central source title that has no loaded words, no question or exclamation
    mark; falls back to the most central title."""
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
        return loaded + (1.0 if shouty else 0.0) + (0.5 if ":" in title else 0.0)

    best = max(range(len(titled)), key=lambda k: centrality[k] - 0.5 * penalty(titled[k].title))
    return titled[best].title.strip(), titled[best].id


def _score(sentences: Sequence[SynthSentence]) -> float | None:
    if not sentences:
        return None
    return weighted_share([s.text for s in sentences], [s.bias or 0.0 for s in sentences])
