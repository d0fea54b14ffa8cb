"""Counted numbers in a sentence ("at least 12 people", "$2.5 billion", "40%"): what key
questions compare between outlets, and what keeps a sentence with another figure from
backing a fact."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[$£€]?\d+(?:,\d{3})*(?:\.\d+)?%?|[A-Za-z][A-Za-z'’]*|[^\sA-Za-z\d]")
_MONTHS_TEXT = """jan feb mar apr may jun jul aug sep sept oct nov dec january february march
april june july august september october november december"""
_MONTHS = frozenset(_MONTHS_TEXT.split())
_HEDGES = frozenset(
    {"more than", "less than", "fewer than", "at least", "at most", "up to", "nearly", "almost",
     "about", "around", "roughly", "over", "some", "approximately", "as many as"}
)  # fmt: skip
_MODIFIERS = frozenset({"other", "more", "additional", "new", "former", "separate", "different"})
_SCALES = {"dozen": 12.0, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_COUNTS_TEXT = """zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen twenty"""
_WORD_NUMBERS = {
    w: n
    for n, w in enumerate(_COUNTS_TEXT.split())
    if n >= 2  # "one" is mostly not a count ("one of the …")
}
# a word after a number that says nothing about what is counted
_NOT_UNITS_TEXT = """a an the and or to of in on at by for from with as than is are was were be
been has have had that this which who when while after before since until per am pm more less
times percent"""
_NOT_UNITS = frozenset(_NOT_UNITS_TEXT.split())


@dataclass(frozen=True, slots=True)
class Figure:
    """A number in a sentence with what it counts: "$900 billion", "5 people"."""

    value: float
    unit: str  # "$", "percent", or the singular of the word after the number
    text: str  # as written


def figures(text: str) -> list[Figure]:
    """The counted numbers of a sentence. Years, dates, times, ages ("46-year-old") and
    numbers followed by a word that does not say what they count are left out."""
    tokens = list(_TOKEN.finditer(text))
    found = []
    for k, match in enumerate(tokens):
        token = match.group()
        value = _number(token)
        if value is None:
            continue
        previous = tokens[k - 1].group().lower().rstrip(".") if k else ""
        if previous in _MONTHS:
            continue
        currency = token[0] if token[0] in "$£€" else ""
        if not currency and token.isdigit() and len(token) == 4 and 1800 <= value <= 2100:
            continue  # a year
        end = k + 1
        if end < len(tokens) and tokens[end].group().lower() in _SCALES:
            value *= _SCALES[tokens[end].group().lower()]
            end += 1
        if token.endswith("%") or (end < len(tokens) and tokens[end].group().lower() == "percent"):
            unit = "percent"
            end += 0 if token.endswith("%") else 1
        elif currency:
            unit = currency
        else:
            if end >= len(tokens):
                continue
            while end + 1 < len(tokens) and tokens[end].group().lower() in _MODIFIERS:
                end += 1  # "three other officers" counts officers
            word = tokens[end].group().lower()
            if not word[0].isalpha() or word in _NOT_UNITS or word in _MONTHS:
                continue
            unit = _singular(word)
            end += 1
        while unit.isalpha() and end < len(tokens) and tokens[end].group()[:1].isupper():
            end += 1  # "17,000 National Guard"
        start = k
        for size in (2, 1):
            hedge = " ".join(t.group().lower() for t in tokens[max(0, k - size) : k])
            if k >= size and hedge in _HEDGES:
                start = k - size
                break
        found.append(Figure(value, unit, text[tokens[start].start() : tokens[end - 1].end()]))
    return found


def conflict(a: Sequence[Figure], b: Sequence[Figure]) -> set[str]:
    """The units both lists count with no value in common ("12 people" / "19 people")."""
    units = {f.unit for f in a} & {f.unit for f in b}
    return {
        unit
        for unit in units
        if not {f.value for f in a if f.unit == unit} & {f.value for f in b if f.unit == unit}
    }


def _number(token: str) -> float | None:
    if token.lower() in _WORD_NUMBERS:
        return float(_WORD_NUMBERS[token.lower()])
    if not (token[0].isdigit() or token[0] in "$£€"):
        return None
    digits = token.lstrip("$£€").rstrip("%").replace(",", "")
    try:
        return float(digits)
    except ValueError:
        return None


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word
