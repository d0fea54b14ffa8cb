"""Which source sentences can stand in the story article, and in whose voice."""

from __future__ import annotations

import pytest

from plumbline.analysis.prose import (
    attributed,
    dangling,
    first_person,
    fragment,
    introduced,
    loaded,
    needs,
    quote_problem,
    voice_problem,
)

PLAIN = "The Senate passed a $900 billion coronavirus relief bill late on Monday night."


def test_a_plain_news_sentence_stands_in_the_sites_voice() -> None:
    assert voice_problem(PLAIN, 0.1) is None
    assert quote_problem(PLAIN) is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "titled “The NRA And Russia: How a Tax-Exempt Organization Became a Foreign Asset”",
            "fragment",
        ),
        (
            "Chad WolfChad WolfTrump threatens to double down on the border wall plan MORE said.",
            "furniture:residue",
        ),
        (
            "AMY GOODMAN: Well, today we're joined by two guests who covered the march in Selma.",
            "furniture:speaker",
        ),
        (
            "In this March 7, 1965, file photo, a state trooper swings a billy club at John Lewis.",
            "furniture:caption",
        ),
        (
            "Support Progressive Journalism The Nation is reader supported: Chip in $10 or more.",
            "furniture:appeal",
        ),
        (
            "Will the Supreme Court finally force the release of the president's tax returns?",
            "question",
        ),
        (
            "The trooper hit Lewis again and again as marchers fled back across the bridge",
            "fragment",
        ),
        (
            "But the governor said the order would stay in place through the end of the month.",
            "dangling",
        ),
        (
            "As recently as Friday, he said he hoped fewer than 100,000 Americans would die.",
            "dangling",
        ),
        ("The budget adds night bus service to twelve routes, the statement added.", None),
        (
            "I made official visits to Virginia's forts to meet the soldiers stationed there.",
            "first_person",
        ),
        (
            "First, virtually nothing we hear from the White House about the virus can be taken at face value.",
            "first_person",
        ),
        (
            "Officials across the state capital surely know the rules and must surely know this.",
            "dangling",
        ),
    ],
)
def test_why_a_sentence_cannot_stand_in_the_sites_voice(text: str, reason: str | None) -> None:
    assert voice_problem(text, 0.1) == reason


def test_loaded_wording_by_the_model_or_the_lexicon_outside_quotations() -> None:
    assert loaded(PLAIN, 0.7)  # the bias model
    assert not loaded(PLAIN, 0.2)
    assert loaded("Trump claimed the protesters were paid by donors, officials reported.", 0.1)
    # quoted words are the speaker's
    assert not loaded("The mayor said the protesters were “thugs,” according to the report.", 0.1)
    assert voice_problem(PLAIN, 0.6) == "loaded"


def test_definite_noun_phrases_need_their_noun_introduced() -> None:
    assert needs("The trooper hit Lewis again as the marchers fled across the bridge.") == {
        "trooper"
    }
    # and a surname the reader has not met in full ("Floyd's family")
    assert needs("The former vice president met with Floyd's family in Houston.") == {
        "president",
        "Floyd",
    }
    assert needs("The Senate passed the bill on Monday night after a long debate.") == set()
    assert needs("The pandemic has killed more than 100,000 Americans so far this year.") == set()
    assert needs("The budget adds night bus service to twelve routes, the statement added.") == {
        "budget",
        "statement",
    }
    assert introduced("president", "Former Vice President Joe Biden said on Monday")
    assert introduced("officers", "an officer knelt on his neck")
    assert not introduced("trooper", "Marchers crossed the Edmund Pettus Bridge.")


def test_people_by_surname_alone_and_both_of_what_need_an_introduction() -> None:
    assert needs("Records show the older McMichael is a former police investigator.") == {
        "McMichael"
    }
    assert needs("Stern goes on to explain why.") == {"Stern"}
    assert needs("Gregory McMichael said he was scared.") == set()
    assert "both cases" in needs("Roberts was in the majority in both cases.")
    # one case in the title is not two
    assert not introduced("both cases", "Supreme Court strikes down Louisiana abortion case")
    assert introduced("both cases", "The court heard two cases on Monday.")
    assert introduced("both cases", "a case from Texas and a case from Louisiana")


def test_pronouns_before_any_name_and_pointing_ends_dangle() -> None:
    assert dangling("He said the plan would not work.")
    assert dangling("Officials across the state surely know this.")
    assert dangling("Cases rose sharply in the state this week, he said.")
    assert not dangling("Biden said he would not support defunding the police departments.")
    assert not dangling("The governor said he would extend the order through June.")


def test_list_items_set_as_sentences_are_fragments() -> None:
    assert fragment("Nearly $1 trillion in aid to state and local governments.")
    assert fragment("A second round of direct payments of $1,200 per person.")
    assert not fragment("$3 trillion relief bill passes House.")
    assert not fragment("About 40 percent of them work in health care.")
    assert not fragment("Nearly 100 people died in the fire on Monday.")


def test_fragments() -> None:
    assert fragment("and then the police arrived at the scene.")
    assert fragment("The Senate passed the bill")
    assert fragment("The senator said “we will never give up on this fight.")
    assert fragment("The report … found many problems.")
    assert not fragment(PLAIN)
    assert not fragment("“We will vote,” he said.")


def test_first_person_outside_quotations_only() -> None:
    assert first_person("We need to reopen the schools this fall.")
    assert not first_person("“We need to reopen the schools,” the governor said.")
    assert not first_person("The US and China agreed on a trade deal.")


@pytest.mark.parametrize(
    ("text", "names", "printed"),
    [
        (
            "The Senate passed the bill.",
            ["Reuters"],
            "Reuters reported that the Senate passed the bill.",
        ),
        (
            "Trump said the bill was a disaster.",
            ["Fox News", "Breitbart News"],
            "Fox News and Breitbart News reported that Trump said the bill was a disaster.",
        ),
        (
            "“It is over,” the mayor said.",
            ["The Hill"],
            "The Hill reported: “It is over,” the mayor said.",
        ),
        ("The Senate passed the bill.", [], "The Senate passed the bill."),
        (
            "Police said three people died.",
            ["A", "B", "C"],
            "A, B and C reported that police said three people died.",
        ),
    ],
)
def test_attribution_reads_naturally(text: str, names: list[str], printed: str) -> None:
    assert attributed(text, names) == printed


def test_a_title_before_a_name_keeps_its_capital() -> None:
    assert attributed("Secretary of Education Betsy DeVos said so.", ["USA Today"]) == (
        "USA Today reported that Secretary of Education Betsy DeVos said so."
    )


def test_hostile_sentences() -> None:
    for text in ("", " ", "A" * 5000, "The " * 2000, "“" * 500, "He " * 3000):
        voice_problem(text, 0.0)
        quote_problem(text)
        needs(text)


def test_a_title_keeps_its_capital_even_where_the_word_is_common() -> None:
    printed = attributed("Secretary of Education Betsy DeVos said so.", ["USA Today"], lower=True)
    assert printed == "USA Today reported that Secretary of Education Betsy DeVos said so."
    assert attributed("The White House said so.", ["CNN"], lower=True) == (
        "CNN reported that the White House said so."
    )
    assert (
        attributed("Doctors said so.", ["CNN"], lower=True) == "CNN reported that doctors said so."
    )


def test_the_reader_addressed_is_not_the_sites_voice() -> None:
    assert first_person("If you don’t vote in three years, you get notices in the mail.")
    assert voice_problem("If you don't vote in three years, your name is taken off.", 0.1) == (
        "first_person"
    )
    assert not first_person("“You are fired,” the manager told the staff on Monday morning.")


def test_openers_that_answer_an_unseen_sentence_dangle() -> None:
    assert dangling("Most notably, Republicans took away the governor's power to appoint.")
    assert dangling("In the end, the court took a far more measured approach to the case.")
    assert dangling("Doubling that would mean doing about 496,000 tests a day.")
    assert dangling("During that time, the council met twice in closed session.")
    assert not dangling("Nothing that the council said on Monday changed the vote.")
    assert "cases" in needs("The court took a measured approach to each of these cases.")
    assert needs("Kemp did purge the voter rolls before the election.") == {"Kemp"}
    # well-known places and institutions need no introduction
    assert needs("Democrats said Congress did nothing to stop it.") == set()


def test_a_prescription_nobody_made_is_the_writers_opinion() -> None:
    assert loaded("George Floyd must not become just another name.", 0.1)
    assert loaded("Congress must act now to protect voters.", 0.1)
    assert not loaded("Officials said residents should stay home.", 0.1)
    assert not loaded("Under the order, restaurants must close by 10 p.m.", 0.1)


def test_framing_verbs_of_judgment_are_loaded() -> None:
    assert loaded("At the rally, Trump shrugged off the deaths, joking about testing.", 0.1)
    assert loaded("The governor continues to downplay the spike in cases.", 0.1)
    assert not loaded("The governor said the spike in cases was expected.", 0.1)


def test_an_unnamed_crowd_arguing_at_the_end_dangles_and_function_words_lower() -> None:
    text = "Bolton could have told his account, which may have hurt Trump, they argue."
    assert dangling(text)
    assert attributed("Though it failed, the bill passed.", ["Yahoo"], lower=False) == (
        "Yahoo reported that though it failed, the bill passed."
    )
