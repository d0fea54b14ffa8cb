"""Named entities: name normalization, story-level merging and ranking on hand-built
mentions; the spaCy recognizer itself (slow) on real and hostile sentences."""

from __future__ import annotations

import threading

import pytest

from plumbline.analysis.entities import (
    MAX_SENTENCE_CHARS,
    ArticleMentions,
    EntityKind,
    EntityRecognizer,
    Mention,
    default_recognizer,
    entity_keys,
    extract_entities,
    main_entities,
    mentions_entity,
    name_key,
    normalize_name,
    resolve_entities,
)

P, ORG, G, L = EntityKind.PERSON, EntityKind.ORGANIZATION, EntityKind.GROUP, EntityKind.PLACE


def m(text: str, kind: EntityKind = P) -> Mention:
    return Mention(text, normalize_name(text, kind), kind, 0, len(text), kind.name)


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("Trump's", P, "Trump"),
        ("Trump’s", P, "Trump"),
        ("the Democrats'", G, "Democrats"),
        ("The White House", L, "White House"),
        ("President Donald Trump", P, "Donald Trump"),
        ("Sen. Elizabeth Warren", P, "Elizabeth Warren"),
        ("President", P, "President"),  # a title alone is left as it is
        ("AT&amp;T", ORG, "AT&T"),
        ("  Nancy\n Pelosi ", P, "Nancy Pelosi"),
        ("“Biden”", P, "Biden"),
        ("U.S.", L, "U.S."),
        ("1999", ORG, ""),
        ("x" * 200, ORG, ""),
    ],
)
def test_normalize_name(text: str, kind: EntityKind, name: str) -> None:
    assert normalize_name(text, kind) == name


def test_last_name_joins_the_full_name() -> None:
    resolved = resolve_entities(
        [m("Donald Trump"), m("Donald Trump"), m("President Trump"), m("Trump's")]
    )
    assert resolved["trump"] is resolved["donald trump"]
    assert resolved["trump"].name == "Donald Trump"


def test_full_names_with_a_middle_initial_merge() -> None:
    resolved = resolve_entities([m("Donald Trump"), m("Donald J. Trump"), m("D. Trump")])
    assert len({id(e) for e in resolved.values()}) == 1
    assert resolved["d. trump"].name == "Donald J. Trump"  # a tie goes to the longer form


def test_display_name_is_the_most_frequent_full_name() -> None:
    resolved = resolve_entities([m("Donald Trump"), m("Donald Trump"), m("Donald J. Trump")])
    assert resolved["donald j. trump"].name == "Donald Trump"


def test_different_first_names_stay_apart_and_last_name_goes_to_the_most_mentioned() -> None:
    resolved = resolve_entities(
        [m("Donald Trump"), m("Donald Trump"), m("Ivanka Trump"), m("Trump")]
    )
    assert resolved["ivanka trump"] is not resolved["donald trump"]
    assert resolved["trump"] is resolved["donald trump"]


def test_junior_is_not_his_father() -> None:
    resolved = resolve_entities([m("Donald Trump"), m("Donald Trump Jr.")])
    assert resolved["donald trump"] is not resolved["donald trump jr."]


def test_a_name_takes_its_most_frequent_kind() -> None:
    resolved = resolve_entities([m("Obama"), m("Obama"), m("Obama", ORG)])
    assert resolved["obama"].kind is P


def test_possessive_surname_tagged_as_organization_joins_the_person() -> None:
    resolved = resolve_entities([m("Nancy Pelosi"), m("Pelosi", ORG)])
    assert resolved["pelosi"] is resolved["nancy pelosi"]
    assert resolved["pelosi"].kind is P


def test_acronym_joins_the_full_organization_name() -> None:
    resolved = resolve_entities(
        [m("FBI", ORG), m("FBI", ORG), m("the Federal Bureau of Investigation", ORG)]
    )
    assert resolved["fbi"] is resolved["federal bureau of investigation"]
    assert resolved["fbi"].name == "FBI"


def test_place_aliases() -> None:
    resolved = resolve_entities([m("U.S.", L), m("America", L), m("the United States", L)])
    assert resolved["u.s."] is resolved["america"] is resolved["united states"]
    assert resolved["america"].name == "United States"


def test_group_plural_singular_and_adjective() -> None:
    resolved = resolve_entities([m("Democrats", G), m("Democrat", G), m("Democratic", G)])
    assert resolved["democrats"] is resolved["democrat"] is resolved["democratic"]


def test_first_name_alone_is_not_guessed() -> None:
    resolved = resolve_entities([m("Hillary Clinton"), m("Hillary")])
    assert resolved["hillary"] is not resolved["hillary clinton"]


def test_accents_and_case_do_not_split_a_person() -> None:
    resolved = resolve_entities([m("Raúl Labrador"), m("Raul Labrador"), m("LABRADOR")])
    assert resolved["raul labrador"] is resolved["labrador"]
    assert name_key("Raúl") == name_key("RAUL") == "raul"


def test_mentions_entity_matches_merged_names() -> None:
    resolved = resolve_entities([m("Donald Trump"), m("Trump")])
    assert mentions_entity([m("Trump")], resolved["trump"])
    assert not mentions_entity([m("Joe Biden")], resolved["trump"])
    assert not mentions_entity([], resolved["trump"])


def test_resolve_of_nothing() -> None:
    assert resolve_entities([]) == {}


def test_main_entities_rank_by_outlets_then_articles() -> None:
    articles = [
        ArticleMentions(1, "fox", [[m("Donald Trump"), m("Congress", ORG)], [m("Trump")]]),
        ArticleMentions(2, "fox", [[m("Congress", ORG)], [m("Congress", ORG)]]),
        ArticleMentions(3, "nyt", [[m("President Trump")], [m("Nancy Pelosi")]]),
        ArticleMentions(4, "huffpost", [[m("Pelosi", ORG)], [m("Trump")]]),
    ]
    ranked = main_entities(articles)
    assert [e.entity.name for e in ranked] == ["Donald Trump", "Nancy Pelosi", "Congress"]
    trump = ranked[0]
    assert (trump.n_outlets, trump.n_articles, trump.n_mentions) == (3, 3, 4)
    assert ranked[2].n_mentions == 3


def test_main_entities_limit_and_kinds() -> None:
    articles = [ArticleMentions(1, "a", [[m("Jane Doe"), m("Acme", ORG), m("Ohio", L)]])]
    assert len(main_entities(articles, limit=2)) == 2
    assert main_entities(articles, limit=0) == []
    only_people = main_entities(articles, kinds={P})
    assert [e.entity.name for e in only_people] == ["Jane Doe"]


def test_main_entities_of_an_empty_story() -> None:
    assert main_entities([]) == []
    assert main_entities([ArticleMentions(1, "a", [[], []])]) == []


# ---------------------------------------------------------------- the spaCy recognizer


@pytest.mark.slow
def test_recognizer_finds_people_organizations_places_and_groups() -> None:
    (mentions,) = extract_entities(
        ["President Donald Trump told Democrats in Congress on Friday that Mexico would pay."]
    )
    found = {(x.name, x.kind) for x in mentions}
    assert ("Donald Trump", P) in found
    assert ("Democrats", G) in found
    assert ("Congress", ORG) in found
    assert ("Mexico", L) in found
    assert all(x.label != "DATE" for x in mentions)


@pytest.mark.slow
def test_offsets_point_into_the_original_sentence_despite_html() -> None:
    sentence = "<p class='lead'>Angela Merkel</p> met <b>Emmanuel Macron</b> in Berlin &amp; Paris."
    (mentions,) = extract_entities([sentence])
    assert mentions, "expected entities"
    for x in mentions:
        assert sentence[x.start : x.end] == x.text
        assert "<" not in x.name
    names = {x.name for x in mentions}
    assert {"Angela Merkel", "Emmanuel Macron"} <= names
    assert {x.text for x in mentions} >= {"Angela Merkel", "Emmanuel Macron"}


@pytest.mark.slow
def test_empty_and_blank_sentences_keep_their_places() -> None:
    result = extract_entities(["", "   ", "Joe Biden spoke.", "\x00\x01", "<br/>"])
    assert len(result) == 5
    assert result[0] == result[1] == result[3] == result[4] == []
    assert [x.name for x in result[2]] == ["Joe Biden"]


@pytest.mark.slow
def test_very_long_sentence_is_cut_not_failed() -> None:
    sentence = "Barack Obama spoke. " + "blah " * 100_000 + "Hillary Clinton"
    (mentions,) = extract_entities([sentence])
    assert [x.name for x in mentions] == ["Barack Obama"]
    assert all(x.end <= MAX_SENTENCE_CHARS for x in mentions)


@pytest.mark.slow
def test_non_english_and_symbols_do_not_fail() -> None:
    result = extract_entities(
        [
            "Le président Emmanuel Macron a parlé à Paris.",
            "政府は新しい計画を発表した。",
            "🙂 ##### ----",
        ]
    )
    assert len(result) == 3
    for mentions in result:
        for x in mentions:
            assert x.kind in EntityKind
            assert x.name


def test_no_input_no_model_needed() -> None:
    recognizer = EntityRecognizer(model="no_such_model_package")
    assert recognizer.extract([]) == []
    assert recognizer.extract(["", " "]) == [[], []]


@pytest.mark.slow
def test_missing_model_is_a_configuration_error() -> None:
    from plumbline.errors import ConfigurationError

    with pytest.raises(ConfigurationError):
        EntityRecognizer(model="no_such_model_package").extract(["Joe Biden spoke."])


@pytest.mark.slow
def test_concurrent_calls_give_the_same_answers() -> None:
    sentences = [f"Joe Biden met Kamala Harris in Ohio on day {i}." for i in range(40)]
    expected = extract_entities(sentences)
    results: list[list[list[Mention]]] = []
    lock = threading.Lock()

    def work() -> None:
        out = extract_entities(sentences)
        with lock:
            results.append(out)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4
    assert all(r == expected for r in results)
    assert default_recognizer() is default_recognizer()


def test_entity_keys_for_clustering() -> None:
    mentions = [
        m("President Donald J. Trump"),
        m("Trump's"),
        m("Martin Luther King Jr."),
        m("U.S.", L),
        m("America", L),
        m("the Democrats", G),
        m("Federal Reserve", ORG),
    ]
    assert entity_keys(mentions) == (
        "trump",
        "king",
        "united states",
        "democrat",
        "federal reserve",
    )
    assert entity_keys([]) == ()


def test_a_sentence_read_once_is_not_read_again() -> None:
    recognizer = EntityRecognizer(cache_size=2)
    sentence = "Chancellor Angela Merkel met President Emmanuel Macron in Berlin."
    first = recognizer.extract([sentence, "", sentence])
    assert first[0] == first[2] and first[1] == []
    assert {m.name for m in first[0]} >= {"Angela Merkel", "Emmanuel Macron"}
    loaded = recognizer._load()
    recognizer._nlp = None  # a second read would have to load the model again
    assert recognizer.extract([sentence]) == [first[0]]
    assert recognizer._nlp is None
    recognizer._nlp = loaded
    recognizer.extract(["Boris Johnson spoke.", "Joe Biden spoke."])
    assert len(recognizer._seen) == 2  # bounded: the oldest went first
    assert sentence not in recognizer._seen
