"""Topic tags: a small reader-facing vocabulary, and the packaged head that assigns it.

Every story gets up to three topics from :data:`TOPICS`. They come from the packaged
``topic`` head (``plumbline/data/heads/topic.{npz,json}``, trained by
``scripts/train_topics.py``): a multinomial logistic regression over the article vector the
analysis already computes (``AnalyzedText.vector``: title and lead, MiniLM, L2-normalized),
so tagging costs no extra embedding. Its probabilities are averaged over the story's
articles and a topic is kept only above the head's measured threshold. An article that
arrives with a topic of its own (the Article-Bias-Prediction ``topic`` field of imported
files) votes for the reader topic it maps to (:data:`DATASET_TOPICS`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from plumbline.analysis.heads import LinearHead, packaged_head
from plumbline.errors import ConfigurationError

#: Reader-facing topics, slug -> label, in the order the topics index lists them.
TOPICS: dict[str, str] = {
    "elections": "Elections & parties",
    "congress": "Congress",
    "white-house": "White House",
    "supreme-court": "Supreme Court",
    "immigration": "Immigration",
    "economy": "Economy & jobs",
    "taxes-budget": "Taxes & budget",
    "trade": "Trade",
    "healthcare": "Health care",
    "coronavirus": "Coronavirus",
    "environment": "Climate & environment",
    "guns": "Guns",
    "abortion": "Abortion",
    "crime-justice": "Crime & justice",
    "race": "Race & civil rights",
    "lgbtq-rights": "LGBTQ rights",
    "women": "Women's issues",
    "education": "Education",
    "religion": "Religion",
    "technology": "Technology & privacy",
    "media": "Media & free speech",
    "foreign-policy": "Foreign policy",
    "middle-east": "Middle East",
    "national-security": "National security & military",
    "terrorism": "Terrorism",
    "sports-entertainment": "Sports & entertainment",
}

#: Article-Bias-Prediction topics -> reader topics. Topics too vague to help a reader
#: (politics, general_news, polarization, culture, holidays, ...) map to nothing.
DATASET_TOPICS: dict[str, str] = {
    **dict.fromkeys(
        (
            "elections",
            "campaign_finance",
            "campaign_rhetoric",
            "voting_rights_and_voter_fraud",
            "republican_party",
            "democratic_party",
            "tea_party",
        ),
        "elections",
    ),
    **dict.fromkeys(("us_senate", "us_house", "us_congress"), "congress"),
    **dict.fromkeys(("white_house", "impeachment"), "white-house"),
    **dict.fromkeys(("supreme_court", "us_constitution"), "supreme-court"),
    "immigration": "immigration",
    **dict.fromkeys(
        (
            "economy_and_jobs",
            "economic_policy",
            "banking_and_finance",
            "business",
            "labor",
            "inequality",
            "treasury",
            "housing_and_homelessness",
        ),
        "economy",
    ),
    **dict.fromkeys(
        ("taxes", "federal_budget", "fiscal_cliff", "social_security", "welfare"),
        "taxes-budget",
    ),
    "trade": "trade",
    **dict.fromkeys(
        (
            "healthcare",
            "public_health",
            "opioid_crisis",
            "obesity_and_malnutrition",
            "fda",
            "ebola",
        ),
        "healthcare",
    ),
    "coronavirus": "coronavirus",
    **dict.fromkeys(("environment", "energy", "epa"), "environment"),
    "gun_control_and_gun_rights": "guns",
    "abortion": "abortion",
    **dict.fromkeys(
        (
            "criminal_justice",
            "justice",
            "justice_department",
            "fbi",
            "violence_in_america",
            "death_penalty",
            "capital_punishment_and_death_penalty",
            "marijuana_legalization",
            "dea",
        ),
        "crime-justice",
    ),
    **dict.fromkeys(("race_and_racism", "civil_rights"), "race"),
    "lgbt_rights": "lgbtq-rights",
    **dict.fromkeys(("women's_issues", "sexual_misconduct"), "women"),
    "education": "education",
    "religion_and_faith": "religion",
    **dict.fromkeys(("technology", "cybersecurity", "privacy", "science"), "technology"),
    **dict.fromkeys(
        ("media_bias", "media_industry", "fake_news", "facts_and_fact_checking", "free_speech"),
        "media",
    ),
    **dict.fromkeys(
        (
            "foreign_policy",
            "state_department",
            "world",
            "nuclear_weapons",
            "north_korea",
            "south_korea",
            "asia",
            "china",
            "russia",
            "europe",
            "great_britain",
            "mexico",
            "africa",
        ),
        "foreign-policy",
    ),
    **dict.fromkeys(("middle_east", "israel", "palestine"), "middle-east"),
    **dict.fromkeys(
        (
            "national_security",
            "us_military",
            "defense",
            "national_defense",
            "veterans_affairs",
            "nsa",
            "cia",
            "homeland_security",
        ),
        "national-security",
    ),
    **dict.fromkeys(("terrorism", "isis"), "terrorism"),
    **dict.fromkeys(("sports", "arts_and_entertainment"), "sports-entertainment"),
}

#: Default probability a topic needs (mean over the story's articles) to be tagged, when
#: the head's metadata does not carry a measured one.
DEFAULT_THRESHOLD = 0.4
#: Weight of the dataset-provided topic votes against the head's mean probability.
DATASET_WEIGHT = 0.5
MAX_TOPICS = 3


def topic_label(slug: str) -> str | None:
    """The reader-facing name of a topic, or None for a slug outside the vocabulary."""
    return TOPICS.get(slug)


def dataset_topic(raw: str) -> str | None:
    """The reader topic an article's own topic field maps to (a reader slug is kept)."""
    key = raw.strip().lower()
    if key in TOPICS:
        return key
    return DATASET_TOPICS.get(key.replace(" ", "_").replace("-", "_"))


@functools.cache
def topic_head() -> LinearHead:
    """The packaged topic head; its classes must be slugs of :data:`TOPICS`."""
    head = packaged_head("topic")
    unknown = [c for c in head.classes if c not in TOPICS]
    if unknown:
        raise ConfigurationError(f"topic head has classes outside the vocabulary: {unknown}")
    return head


def threshold(head: LinearHead) -> float:
    """The tagging threshold stored with the head (chosen on its validation split)."""
    value: Any = head.metadata.get("threshold", DEFAULT_THRESHOLD)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
        return DEFAULT_THRESHOLD
    return float(value)


def topic_probabilities(
    vectors: npt.ArrayLike, head: LinearHead | None = None
) -> npt.NDArray[np.float64]:
    """P(topic) for each article vector, ``(n, len(head.classes))``; rows that are not
    finite or all zero (a missing embedding), or that overflow, come back as zeros."""
    head = head or topic_head()
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or (x.shape[0] and x.shape[1] != head.dim):
        raise ValueError(f"expected an (n, {head.dim}) array, got shape {x.shape}")
    out = np.zeros((x.shape[0], len(head.classes)), dtype=np.float64)
    good = np.isfinite(x).all(axis=1) & (np.abs(x).sum(axis=1) > 0)
    if good.any():
        with np.errstate(over="ignore", invalid="ignore"):
            out[good] = head.predict_proba(x[good])
        out[~np.isfinite(out).all(axis=1)] = 0.0  # overflowed on absurd input
    return out


def story_topics(
    vectors: npt.ArrayLike,
    dataset_topics: Sequence[str] = (),
    *,
    head: LinearHead | None = None,
    limit: int = MAX_TOPICS,
) -> list[str]:
    """The topics of a story, strongest first: the head's probabilities averaged over the
    article vectors, plus :data:`DATASET_WEIGHT` times the share of articles whose own
    topic field maps to each topic; a topic needs the head's threshold to be tagged."""
    head = head or topic_head()
    probabilities = topic_probabilities(vectors, head)
    n = max(len(probabilities), len(dataset_topics), 1)
    scores = dict.fromkeys(TOPICS, 0.0)
    known = probabilities[probabilities.sum(axis=1) > 0]
    if len(known):
        for name, p in zip(head.classes, known.mean(axis=0), strict=True):
            scores[name] += float(p)
    for raw in dataset_topics:
        mapped = dataset_topic(raw)
        if mapped is not None:
            scores[mapped] += DATASET_WEIGHT / n
    cut = threshold(head)
    kept = [t for t, score in scores.items() if score >= cut]
    kept.sort(key=lambda t: (-scores[t], t))
    return kept[:limit]
