"""Loaded wording read where it stands: never a name, a quotation or an attributing verb."""

from __future__ import annotations

import pytest

from plumbline.analysis.entities import EntityKind, normalize_name
from plumbline.analysis.wording import in_context


@pytest.mark.parametrize(
    ("phrase", "sentence"),
    [
        ("Karen", "Rep. Karen Bass unveiled the bill on Monday."),
        ("Karen", "Karen Bass unveiled the bill on Monday."),
        ("Matter", "Black Lives Matter protesters marched downtown."),
        ("lowlifes", "Trump called them “lowlifes” on Friday."),
        ("claimed", "Trump claimed that the vote was rigged."),
        ("claims", "The lawsuit claims the officers used excessive force, “without cause.”"),
    ],
)
def test_names_quotations_and_attributions_are_not_loaded_wording(
    phrase: str, sentence: str
) -> None:
    assert not in_context(phrase, sentence)


@pytest.mark.parametrize(
    ("phrase", "sentence"),
    [
        ("bizarre", "It was a bizarre scene outside the White House."),
        ("Bizarre", "Bizarre scenes unfolded outside the White House."),
        ("Radical", "Radical leftists took over the square."),
        ("baseless", "He repeated baseless claims about the vote."),
    ],
)
def test_the_outlets_own_loaded_words_are_shown(phrase: str, sentence: str) -> None:
    assert in_context(phrase, sentence)


def test_a_phrase_not_found_in_its_sentence_is_kept() -> None:
    assert in_context("reckless", "Something else entirely.")


def test_a_questions_first_word_is_not_part_of_a_name() -> None:
    assert normalize_name("Will Twitter", EntityKind.ORGANIZATION) == "Twitter"
    assert normalize_name("Did Biden", EntityKind.PERSON) == "Biden"


@pytest.mark.parametrize(
    ("phrase", "sentence", "loaded"),
    [
        ("lies", "The president is convinced the blame lies with antifa.", False),
        ("lies", "The answer lies in the data.", False),
        ("lies", "The president lies about the numbers.", True),
        ("lying", "He was lying to Congress.", True),
        ("mob", "Trump warns against 'mob violence' in the cities", False),
        ("mob", "Trump warns against ‘mob violence’ in the cities", False),
        ("mob", "A mob attacked the store.", True),
        ("thugs", "The players' union called them thugs on Trump's orders.", True),
    ],
)
def test_where_lies_stand_and_single_quotations_are_judged_in_context(
    phrase: str, sentence: str, loaded: bool
) -> None:
    assert in_context(phrase, sentence) is loaded
