"""The learned same-event decision: does an article belong to a candidate story?

Instead of one threshold on a mixed similarity score, a logistic model reads a few signals
of each (article, candidate story) pair and gives the probability that they report the same
event; the clusterer joins the most probable candidate when that probability reaches the
join probability, and otherwise starts a new story. The signals (:data:`FEATURES`):

- ``cosine``: the article's title+lead vector against the story's centroid;
- ``terms``: the idf-weighted term cosine of title+lead against the story's members' terms;
- ``rank`` and ``gap_to_best``: the candidate's place among the article's candidates by
  cosine, and how far its cosine is below the best one's (the decision is relative);
- ``cosine_x_terms``: the product of the two cosines;
- ``numbers_shared`` and ``numbers_shared_3``: how many numbers (figures, dates, ages) the
  title+lead shares with the story's, and that count capped at 3.

The model is trained by ``scripts/train_same_event.py`` on pairs from labelled events
(BASIL and NeuS/AllSides), measured with ``bench/cluster_accuracy.py`` (trained and tuned on
one half of the events, reported on the other) and shipped as a linear head
(``plumbline/data/heads/same_event``). Tried and left out (docs/benchmarks.md): named
entities (no change in held-out B-cubed F1) and the time between article and story (the
time window already decides which stories are candidates; in the training data only BASIL
is dated and its few concurrent events are easy, so the model learned "dated means same
event" and merged a busy dated stream into topic-sized stories).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from plumbline.analysis.heads import LinearHead, packaged_head
from plumbline.errors import ConfigurationError

FEATURES = (
    "cosine",
    "terms",
    "rank",
    "gap_to_best",
    "cosine_x_terms",
    "numbers_shared",
    "numbers_shared_3",
)
CLASSES = ("other", "same")
# a number standing alone: not part of a name such as "COVID-19", "G7" or "5G"
_NUMBER = re.compile(r"(?<![\w-])\d(?:[\d.,]*\d)?(?![\w-]|[.,]\d)")


def numbers(text: str) -> frozenset[str]:
    """The numbers written in `text` (digits with their inner separators: "2,300", "3.5")."""
    return frozenset(_NUMBER.findall(text))


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the model reads of one article and one candidate story."""

    cosine: float  # article vector against the story's centroid
    terms: float  # term cosine against the story's summed terms
    rank: int  # 0 for the candidate with the highest cosine
    best_cosine: float  # the highest cosine among the article's candidates
    numbers_shared: int

    def features(self) -> list[float]:
        return [
            self.cosine,
            self.terms,
            float(self.rank),
            self.best_cosine - self.cosine,
            self.cosine * self.terms,
            float(self.numbers_shared),
            float(min(self.numbers_shared, 3)),
        ]


def feature_matrix(candidates: Sequence[Candidate]) -> npt.NDArray[np.float64]:
    """One row of :data:`FEATURES` per candidate."""
    if not candidates:
        return np.zeros((0, len(FEATURES)))
    return np.asarray([c.features() for c in candidates], dtype=np.float64)


@dataclass(frozen=True, slots=True)
class SameEventModel:
    """p(same event) of (article, story) pairs, from a binary :class:`LinearHead` over
    :data:`FEATURES` (classes ``("other", "same")``)."""

    head: LinearHead

    def __post_init__(self) -> None:
        if self.head.classes != CLASSES or self.head.dim != len(FEATURES):
            raise ConfigurationError(
                f"a same-event model needs classes {CLASSES} over {len(FEATURES)} features, "
                f"got {self.head.classes} over {self.head.dim}"
            )
        named = self.head.metadata.get("features")
        if named is not None and tuple(named) != FEATURES:
            raise ConfigurationError(
                f"the same-event model was trained on features {named}, not {list(FEATURES)}"
            )

    def probabilities(self, candidates: Sequence[Candidate]) -> npt.NDArray[np.float64]:
        if not candidates:
            return np.zeros(0)
        p: npt.NDArray[np.float64] = self.head.predict_proba(feature_matrix(candidates))[:, 1]
        return p


@functools.cache
def packaged_same_event() -> SameEventModel:
    """The shipped model (``plumbline/data/heads/same_event``), cached."""
    return SameEventModel(packaged_head("same_event"))
