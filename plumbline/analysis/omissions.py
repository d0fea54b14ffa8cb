"""Facts that some sides of a story report and others leave out.

A fact is a source sentence, verbatim, that reads correctly alone. A side (left, center,
right) reports it when one of its outlets has a sentence with a TF-IDF cosine of at least
REPORTED to it (looser than the SAME_FACT cosine at which a sentence backs another, so a
loose paraphrase still counts as reporting), or when one of its articles holds at least
COVERED_WORDS of the fact's content words anywhere in its text. A fact is missing from a
side that covered the story (has an analyzed article) and reports it in neither way.

Only central facts are listed: among the CANDIDATES most central statements, those with at
least CENTRAL_SHARE of the top centrality, backed by at least two outlets when the story
has MANY_OUTLETS or more (in a big story, a detail only one outlet prints is not a fact
"the other side left out"). They are ranked by centrality, outlets behind them and low
bias; at most PER_SIDE are listed for each side that left them out (MOST in all), and none
that says much the same thing as one already listed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from plumbline.analysis.facts import SIDES, StatementPool, statement_pool
from plumbline.models import ArticleRecord, Lean, Omission

REPORTED = 0.25
COVERED_WORDS = 0.7
CENTRAL_SHARE = 0.5
REDUNDANT = 0.45
PER_SIDE = 3
MOST = 6
CANDIDATES = 80
MANY_OUTLETS = 5


@dataclass(slots=True)
class _Gap:
    statement: int
    weight: float
    cosines: np.ndarray[Any, np.dtype[np.float64]]
    reporting: set[Lean]
    missing: set[Lean]


def omissions(
    articles: Sequence[ArticleRecord],
    *,
    pool: StatementPool | None = None,
    per_side: int = PER_SIDE,
) -> list[Omission]:
    """The central facts reported by at least one side and by no outlet of another side
    that covered the story, strongest first (see the module docstring)."""
    pool = pool if pool is not None else statement_pool(articles)
    if pool is None or len(pool.sides()) < 2:
        return []
    chosen: list[_Gap] = []
    left_out: dict[Lean, int] = dict.fromkeys(SIDES, 0)
    for gap in sorted(_gaps(articles, pool), key=lambda g: -g.weight):
        if len(chosen) == MOST:
            break
        if any(gap.cosines[c.statement] >= REDUNDANT for c in chosen):
            continue
        if all(left_out[side] >= per_side for side in gap.missing):
            continue
        chosen.append(gap)
        for side in gap.missing:
            left_out[side] += 1
    return [
        Omission(
            fact=pool.synth(gap.statement, gap.cosines),
            reported_by=[s for s in SIDES if s in gap.reporting],
            missing_from=[s for s in SIDES if s in gap.missing],
        )
        for gap in chosen
    ]


def _gaps(articles: Sequence[ArticleRecord], pool: StatementPool) -> list[_Gap]:
    """Every central candidate fact that at least one covering side does not report."""
    covering = pool.sides()
    analyzer = pool.vectorizer.build_analyzer()
    side_words = {
        side: [set(analyzer(a.text)) for a in articles if a.analysis and a.outlet_lean is side]
        for side in covering
    }
    min_backers = 2 if len({s.outlet for s in pool.statements}) >= MANY_OUTLETS else 1
    top = float(pool.centrality.max())
    gaps = []
    for i in (int(k) for k in np.argsort(-pool.centrality)[:CANDIDATES]):
        statement = pool.statements[i]
        if pool.centrality[i] < CENTRAL_SHARE * top:
            break
        if not statement.standalone or statement.side not in SIDES:
            continue
        cosines = pool.similar(i)
        outlets = {pool.statements[j].outlet for j in pool.backers(i, cosines)}
        if len(outlets) < min_backers:
            continue
        near = np.nonzero(cosines >= REPORTED)[0]
        reporting = {pool.statements[j].side for j in near} & covering
        words = set(analyzer(statement.text))
        for side in covering - reporting:
            if any(len(words & seen) >= COVERED_WORDS * len(words) for seen in side_words[side]):
                reporting.add(side)
        if reporting == covering:
            continue
        weight = (
            float(pool.centrality[i])
            * (1.0 + 0.3 * float(np.log(len(outlets))))
            * (1.0 - 0.5 * statement.bias)
        )
        gaps.append(_Gap(i, weight, cosines, reporting, covering - reporting))
    return gaps
