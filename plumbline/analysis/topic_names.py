"""The reader-facing topic vocabulary (slug -> label) and how dataset topics map onto it.

Kept apart from the topic head (analysis/topics.py) so that the pages, the API and the
newsletter can name topics without loading the model's numeric libraries.
"""

from __future__ import annotations

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


def topic_label(slug: str) -> str | None:
    """The reader-facing name of a topic, or None for a slug outside the vocabulary."""
    return TOPICS.get(slug)


def dataset_topic(raw: str) -> str | None:
    """The reader topic an article's own topic field maps to (a reader slug is kept)."""
    key = raw.strip().lower()
    if key in TOPICS:
        return key
    return DATASET_TOPICS.get(key.replace(" ", "_").replace("-", "_"))
