"""The same thing named differently by the sides."""

from __future__ import annotations

from plumbline.analysis.naming import naming_differences
from plumbline.models import Lean
from tests.analysis.storybuild import article

BASE = "The council met on Monday to discuss the downtown unrest."


def test_a_term_one_side_never_uses_is_a_naming_difference() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{BASE} Protesters gathered peacefully downtown. The protests went on all night.",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{BASE} Rioters smashed windows downtown. The riots went on all night.",
        ),
    ]
    [found] = naming_differences(articles)
    assert found.terms == {Lean.LEFT: "protests", Lean.RIGHT: "riots"}
    assert found.outlets == {Lean.LEFT: ["Left Daily"], Lean.RIGHT: ["Right Post"]}
    assert found.examples[Lean.RIGHT] == (2, "Rioters smashed windows downtown.")


def test_a_term_the_other_side_uses_anywhere_sets_nothing_apart() -> None:
    articles = [
        article(
            1,
            "left-daily",
            Lean.LEFT,
            f"{BASE} Protesters gathered downtown. The mayor said “the riots must end.”",
        ),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{BASE} Rioters smashed windows downtown. The protests began on Sunday.",
        ),
    ]
    assert naming_differences(articles) == []


def test_quotations_and_event_names_are_not_an_outlets_naming() -> None:
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{BASE} Protesters gathered downtown."),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{BASE} The mayor said “these are riots.” The 1921 Tulsa race riot was recalled.",
        ),
    ]
    assert naming_differences(articles) == []


def test_the_side_whose_term_the_other_never_uses_comes_first() -> None:
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{BASE} Protesters gathered downtown."),
        article(
            2,
            "right-post",
            Lean.RIGHT,
            f"{BASE} Rioters smashed windows downtown. Protesters gathered at noon. The riots "
            "went on all night.",
        ),
    ]
    [found] = naming_differences(articles)
    assert list(found.terms.items()) == [(Lean.RIGHT, "riots"), (Lean.LEFT, "protests")]


def test_a_term_used_once_or_by_the_center_is_not_a_sides_naming() -> None:
    articles = [
        article(1, "left-daily", Lean.LEFT, f"{BASE} Protesters gathered downtown."),
        article(2, "center-wire", Lean.CENTER, f"{BASE} Rioters smashed windows. Riots spread."),
        article(3, "right-post", Lean.RIGHT, f"{BASE} Rioters smashed windows downtown."),
    ]
    assert naming_differences(articles) == []
