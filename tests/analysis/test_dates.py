"""Relative dates written out against the article's publication date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from plumbline.analysis.dates import has_relative_date, resolve

TUESDAY = date(2020, 7, 14)


@pytest.mark.parametrize(
    ("text", "written"),
    [
        (
            "The Supreme Court heard oral arguments yesterday in Trump v. Mazars.",
            "The Supreme Court heard oral arguments on July 13 in Trump v. Mazars.",
        ),
        ("The Senate passed the bill Monday.", "The Senate passed the bill Monday, July 13."),
        (
            "On Saturday night in Tulsa, Trump tried to relaunch his campaign.",
            "On Saturday night, July 11, in Tulsa, Trump tried to relaunch his campaign.",
        ),
        (
            "More than 50 surrogates are eager to campaign for Mr. Trump on Saturday.",
            "More than 50 surrogates are eager to campaign for Mr. Trump on Saturday, July 18.",
        ),
        (
            "The House will vote on Friday on the measure.",
            "The House will vote on Friday, July 17, on the measure.",
        ),
        ("Monday's vote was close.", "The July 13 vote was close."),
        (
            "The rally is scheduled for next Saturday.",
            "The rally is scheduled for Saturday, July 18.",
        ),
        ("He died last Tuesday.", "He died on Tuesday, July 7."),
        (
            "Protesters gathered last night outside the building.",
            "Protesters gathered on the night of July 13 outside the building.",
        ),
        ("Earlier this month, officials said so.", "Earlier in July, officials said so."),
        (
            "The company said last year it would cut jobs.",
            "The company said in 2019 it would cut jobs.",
        ),
        ("Two days ago the mayor resigned.", "On July 12 the mayor resigned."),
        ("Since Monday, 40 people have died.", "Since Monday, July 13, 40 people have died."),
        ("As recently as Friday, he said so.", "As recently as Friday, July 10, he said so."),
        (
            "Some said Trump made last year's July Fourth speech about himself.",
            "Some said Trump made the 2019 July Fourth speech about himself.",
        ),
        (
            "Democrats pushed a relief bill that's headed for a vote Friday.",
            "Democrats pushed a relief bill that's headed for a vote Friday, July 17.",
        ),
        (
            "A record 591 cases were reported on Monday, yet Trump will hold a rally on Saturday.",
            "A record 591 cases were reported on Monday, July 13, yet Trump will hold a rally on Saturday, July 18.",
        ),
    ],
)
def test_relative_dates_are_written_out(text: str, written: str) -> None:
    resolved = resolve(text, TUESDAY)
    assert resolved is not None
    assert resolved.text == written
    assert resolved.inserted


def test_quotations_are_the_speakers_and_stay() -> None:
    text = "“We will vote tomorrow,” the senator said on Tuesday."
    resolved = resolve(text, TUESDAY)
    assert resolved is not None
    assert resolved.text == "“We will vote tomorrow,” the senator said on Tuesday, July 14."


def test_no_publication_date_means_the_sentence_is_not_used() -> None:
    assert resolve("He left yesterday.", None) is None
    plain = resolve("He left in 2019.", None)
    assert plain is not None and plain.text == "He left in 2019." and not plain.inserted


def test_a_week_is_the_week_of_its_monday() -> None:
    said = resolve("He said last week that the plan failed.", TUESDAY)
    assert said is not None and said.text == "He said in the week of July 6 that the plan failed."
    text = "As of last week, officials in 31 states had activated 30,000 troops."
    as_of = resolve(text, TUESDAY)
    assert as_of is not None
    assert (
        as_of.text
        == "As of the week of July 6, officials in 31 states had activated 30,000 troops."
    )
    assert resolve("Last week's vote was close.", TUESDAY) is None


def test_a_weekday_after_a_determiner_says_no_date() -> None:
    # a feature's "sunny Sunday afternoon" may be any Sunday: the sentence is not used
    assert (
        resolve("On a sunny Sunday afternoon, Arbery ran through his neighborhood.", TUESDAY)
        is None
    )
    assert resolve("Carlson said on his Monday show that she hates America.", TUESDAY) is None


def test_approximate_spans_are_not_dates() -> None:
    assert resolve("The committee issued a subpoena more than a year ago.", TUESDAY) is None
    assert resolve("A few weeks ago, the justices asked both sides to weigh in.", TUESDAY) is None
    assert resolve("The order came weeks ago, officials said.", TUESDAY) is None


def test_names_in_capitals_are_not_dates() -> None:
    text = "Andrew Bates said in response to questions from USA TODAY."
    assert not has_relative_date(text)
    assert resolve(text, TUESDAY) == resolve(text, None)


def test_datetime_publication_uses_its_day() -> None:
    resolved = resolve("Officials met today.", datetime(2020, 7, 14, 23, 0, tzinfo=UTC))
    assert resolved is not None and resolved.text == "Officials met on July 14."


def test_hostile_input() -> None:
    assert resolve("", TUESDAY) is not None
    long = "Monday " * 5000
    resolved = resolve(long, TUESDAY)
    assert resolved is not None and "Monday, July" in resolved.text


def test_the_last_week_of_a_named_month_is_no_relative_date() -> None:
    text = "More workers clocked in in the last week of June than at the start of the month."
    assert resolve(text, TUESDAY) == resolve(text, None) is not None
    assert resolve(text, TUESDAY).text == text  # type: ignore[union-attr]
