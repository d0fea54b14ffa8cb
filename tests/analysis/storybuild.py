"""Hand-built story articles for the assessment, questions and omissions tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from plumbline.analysis.text import split_sentences
from plumbline.models import (
    ArticleAnalysis,
    ArticleRecord,
    ArticleState,
    EntityToneView,
    Lean,
    LeanScores,
    LoadedPhrase,
    SideToneView,
)

WHEN = datetime(2021, 3, 1, tzinfo=UTC)
# a tone table row: the left's wording about Jane Smith is mostly negative, the right's neutral
LEFT_CRITICAL_OF_SMITH = EntityToneView(
    "Jane Smith",
    "person",
    [],
    [
        SideToneView(Lean.LEFT, -0.45, 6, 2, "critical", "", ""),
        SideToneView(Lean.RIGHT, 0.05, 5, 2, "neutral", "", ""),
    ],
)


def article(
    id: int,
    outlet: str,
    lean: Lean,
    text: str,
    *,
    score: float | None = 30.0,
    loaded: Sequence[str] = (),
    title: str = "",
) -> ArticleRecord:
    """An analyzed article of `outlet`; sentences holding a `loaded` phrase get p(s) 0.8
    (and the phrase), the others 0.1."""
    sentences = split_sentences(text)
    phrases = []
    for index, sentence in enumerate(sentences):
        found = [p for p in loaded if p.lower() in sentence.text.lower()]
        sentence.bias = 0.8 if found else 0.1
        phrases.extend(LoadedPhrase(p, index, 0.6) for p in found)
    analysis = ArticleAnalysis(
        sentences, score, LeanScores(0.3, 0.4, 0.3), phrases, len(text.split())
    )
    return ArticleRecord(
        id=id,
        url=f"https://{outlet}.example/{id}",
        canonical_url=f"https://{outlet}.example/{id}",
        title=title or f"{outlet} report {id}",
        text=text,
        state=ArticleState.CLUSTERED,
        outlet_slug=outlet,
        outlet_name=outlet.replace("-", " ").title(),
        outlet_lean=lean,
        published=WHEN,
        fetched_at=WHEN,
        bias_score=score,
        analysis=analysis,
    )
