"""Article lean: left / center / right probabilities from the packaged ABP head."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from plumbline.analysis.heads import LEAN_MAX_SENTENCES, article_features, packaged_head
from plumbline.models import Lean, LeanScores


def article_lean(
    title_vec: npt.NDArray[np.float32], sentence_vecs: npt.NDArray[np.float32]
) -> LeanScores:
    """Lean of one article from its title and first sentences' embeddings."""
    head = packaged_head("lean")
    features = article_features(title_vec, sentence_vecs[:LEAN_MAX_SENTENCES])
    p = head.predict_proba(features[None, :])[0]
    scores = dict(zip(head.classes, (round(float(x), 4) for x in p), strict=True))
    return LeanScores(scores["left"], scores["center"], scores["right"])


def dominant(scores: LeanScores) -> Lean:
    values = {Lean.LEFT: scores.left, Lean.CENTER: scores.center, Lean.RIGHT: scores.right}
    return max(values, key=lambda lean: values[lean])
