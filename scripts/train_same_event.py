"""Train Plumbline's same-event model (issue 16): does an article belong to a candidate story?

    .venv/bin/python scripts/train_same_event.py [--data-dir ../shared/data] [--cache /tmp]

Labelled events: BASIL (100 events x 3 outlets, dated) and the NeuS/AllSides train split
(2,452 stories x 3 articles, undated). The articles arrive as in ``bench/cluster_accuracy.py``
(dated ones in date order, undated ones shuffled, interleaved at random). The pipeline's own
``StoryClusterer`` runs over them with every article placed in its *true* event's story
(teacher forcing), and each time an article arrives, each candidate story the clusterer
offers it (``StoryClusterer.candidates_for``: the nearest open stories by centroid) gives
one training pair: the model's features (``plumbline.analysis.same_event.FEATURES``) and
whether the story is the article's event. A logistic regression (standardized features,
C = 1) is fit on the pairs and written to ``plumbline/data/heads/same_event.{npz,json}``.

The join probabilities the clusterer applies (``cluster_join_probability``,
``cluster_join_probability_undated``) and the held-out figures come from
``bench/cluster_accuracy.py --learned``, which fits the same model on one half of the events
with :func:`fit_same_event` and reports on the other half. The title+lead embeddings are
cached in ``--cache`` (the bench's cache), so a rerun takes seconds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from cluster_accuracy import Item, arrival_order, basil, neus, vectors  # noqa: E402

from plumbline.analysis.cluster import ClusterInput, StoryClusterer  # noqa: E402
from plumbline.analysis.heads import LinearHead  # noqa: E402
from plumbline.analysis.same_event import CLASSES, FEATURES  # noqa: E402
from plumbline.models import ClusterMember  # noqa: E402
from plumbline.settings import Settings  # noqa: E402

OUT = REPO / "plumbline" / "data" / "heads" / "same_event"
C = 1.0


def _no_members(_story: int) -> list[ClusterMember]:
    return []  # every story is built here, so the clusterer holds its members itself


def training_pairs(
    items: Sequence[Item], order: Sequence[int], matrix: npt.NDArray[np.float32], leads: list[str]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """(features, same event) for every candidate story offered to every article, with the
    articles placed in their true events' stories as they arrive."""
    defaults = Settings.model_fields
    clusterer = StoryClusterer(
        threshold=1.0,
        window=timedelta(hours=defaults["cluster_window_hours"].default),
        max_span=timedelta(days=defaults["cluster_max_story_days"].default),
        near_duplicate=1.0,
        candidates=defaults["cluster_candidates"].default,
    )
    story_of: dict[str, int] = {}
    event_of: dict[int, str] = {}
    rows: list[list[float]] = []
    labels: list[int] = []
    for i in order:
        item = ClusterInput(i, matrix[i], items[i].when, items[i].outlet, None, leads[i])
        event = items[i].event
        for key, candidate in clusterer.candidates_for(item, _no_members):
            rows.append(candidate.features())
            labels.append(int(event_of[key] == event))
        decision = clusterer.place(item, story_of.get(event), _no_members)
        story_of[event] = decision.story_id
        event_of[decision.story_id] = event
    return np.asarray(rows, dtype=np.float64), np.asarray(labels, dtype=np.int64)


def fit_same_event(
    items: Sequence[Item],
    matrix: npt.NDArray[np.float32],
    leads: list[str],
    *,
    seed: int = 0,
    metadata: dict[str, Any] | None = None,
) -> LinearHead:
    """The same-event model fit on pairs from `items` (arriving as in the bench)."""
    order = arrival_order(list(items), seed)
    x, y = training_pairs(items, order, matrix, leads)
    scaler = StandardScaler().fit(x)
    model = LogisticRegression(C=C, max_iter=5000).fit(scaler.transform(x), y)
    meta = {"features": list(FEATURES), "pairs": len(y), "same_event_pairs": int(y.sum())}
    return LinearHead(
        classes=CLASSES,
        coef=model.coef_.astype(np.float64),
        intercept=model.intercept_.astype(np.float64),
        mean=scaler.mean_.astype(np.float64),
        scale=scaler.scale_.astype(np.float64),
        metadata={**meta, **(metadata or {})},
    )


def pair_auc(
    head: LinearHead,
    items: Sequence[Item],
    matrix: npt.NDArray[np.float32],
    leads: list[str],
    seed: int,
) -> float:
    """Pair ROC AUC of `head` on the teacher-forced pairs of `items`."""
    x, y = training_pairs(items, arrival_order(list(items), seed), matrix, leads)
    return float(roc_auc_score(y, head.predict_proba(x)[:, 1]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--cache", type=Path, default=Path("/tmp"), help="embedding cache")
    parser.add_argument("--out", type=Path, default=OUT, help="model path (without suffix)")
    args = parser.parse_args()
    started = time.perf_counter()
    train = basil(args.data_dir) + neus(args.data_dir, ("train",))
    held = neus(args.data_dir, ("val",))
    matrix, leads = vectors(train + held, args.cache)
    n = len(train)
    head = fit_same_event(
        train,
        matrix[:n],
        leads[:n],
        metadata={
            "trained_on": "BASIL (100 events x 3, dated) + NeuS/AllSides train (2,452 x 3, "
            "undated), teacher-forced pairs, scripts/train_same_event.py",
            "trained": dt.date.today().isoformat(),
            "license": "BASIL: research use; NeuS: MIT (texts third-party); only the "
            "fitted weights are shipped",
        },
    )
    auc = pair_auc(head, held, matrix[n:], leads[n:], seed=1)
    print(f"{head.metadata['pairs']} pairs ({head.metadata['same_event_pairs']} same event)")
    print(f"pair ROC AUC on NeuS val (unseen events, teacher-forced): {auc:.4f}")
    for name, weight in zip(FEATURES, head.coef[0], strict=True):
        print(f"  {name:18s} {weight:+.3f}")
    final = LinearHead(
        head.classes,
        head.coef,
        head.intercept,
        head.mean,
        head.scale,
        metadata={**head.metadata, "pair_auc_neus_val": round(auc, 4)},
    )
    for path in final.save(args.out):
        print(f"wrote {path}")
    print(f"done in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
