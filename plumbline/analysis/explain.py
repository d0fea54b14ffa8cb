"""Everything a story page says about a synthesis beyond its sentences: the facts some
sides leave out, the key questions and the written assessment; then the faithfulness check
over the final synthesis, which drops any sentence its sources do not support."""

from __future__ import annotations

from collections.abc import Sequence

from plumbline.analysis.assess import assess
from plumbline.analysis.facts import statement_pool
from plumbline.analysis.faithful import Violation, drop_unsupported
from plumbline.analysis.omissions import omissions
from plumbline.analysis.questions import key_questions
from plumbline.models import ArticleRecord, EntityToneView, StoryStats, Synthesis


def explain(
    synthesis: Synthesis,
    articles: Sequence[ArticleRecord],
    stats: StoryStats,
    tones: Sequence[EntityToneView],
) -> list[Violation]:
    """Fill in the synthesis' omissions, questions and assessment (in place) and return the
    faithfulness violations found; their sentences are gone from it (a headline that is
    not a source title is only reported)."""
    pool = statement_pool(articles)
    synthesis.omissions = omissions(articles, pool=pool)
    violations = drop_unsupported(
        synthesis, {a.id: a.text for a in articles}, [a.title for a in articles]
    )
    synthesis.questions = key_questions(
        articles, stats, tones, synthesis.omissions, pool, synthesis
    )
    synthesis.assessment = assess(articles, stats, tones, synthesis)
    return violations
