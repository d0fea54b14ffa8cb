"""Counted numbers in a sentence ("at least 12 people", "$2.5 billion", "Thirty-two states"),
read as the range of values they allow: what key questions and "Where accounts differ"
compare between outlets, and what keeps a sentence with another figure from backing a fact.

Words and digits are one number ("Thirty-two" = 32, "80.4 million" = 80,400,000, "a dozen"
= 12). Each figure is a range:

- a hedge widens it: "more than 80 million" and "at least 12" allow up to twice the number,
  "nearly nine" and "up to 500" down to half of it, "about 1,000" ±10%; "dozens of" allows
  12–120, "hundreds of" 100–1,000, and so on;
- a round number of 100 or more is read as rounded ("80,000" allows 75,000–85,000; "4.5
  million" allows 4.45–4.55 million), smaller ones as exact;
- a span of time counted from some other moment ("74 days later", "two weeks ago") says
  when, not how much, and is never compared.

Two figures conflict only when they count the same unit, their ranges do not overlap, and
the words around them say they count the same thing (`conflict`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[$£€]?\d+(?:,\d{3})*(?:\.\d+)?%?|[A-Za-z][A-Za-z'’]*|[^\sA-Za-z\d]")
_MONTHS_TEXT = """jan feb mar apr may jun jul aug sep sept oct nov dec january february march
april june july august september october november december"""
_MONTHS = frozenset(_MONTHS_TEXT.split())
# hedge → (low, high) as multiples of the number
_HEDGES: dict[str, tuple[float, float]] = {
    "more than": (1.0, 2.0),
    "over": (1.0, 2.0),
    "above": (1.0, 2.0),
    "at least": (1.0, 2.0),
    "upwards of": (1.0, 2.0),
    "in excess of": (1.0, 2.0),
    "less than": (0.5, 1.0),
    "fewer than": (0.5, 1.0),
    "under": (0.5, 1.0),
    "at most": (0.5, 1.0),
    "up to": (0.5, 1.0),
    "as many as": (0.5, 1.0),
    "as much as": (0.5, 1.0),
    "nearly": (0.5, 1.0),
    "almost": (0.5, 1.0),
    "close to": (0.5, 1.0),
    "about": (0.9, 1.1),
    "around": (0.9, 1.1),
    "roughly": (0.9, 1.1),
    "approximately": (0.9, 1.1),
    "some": (0.9, 1.1),
    "an estimated": (0.9, 1.1),
    "estimated": (0.9, 1.1),
    "nearly all": (0.5, 1.0),
}
_MODIFIERS = frozenset(
    {"other", "more", "additional", "new", "former", "separate", "different", "total"}
)
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
# written right after the digits: "$27m", "£3bn", "$1.2tn"
_SUFFIX_SCALES = {"k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
# "hundreds of people": one to ten of the scale
_PLURAL_SCALES = {"dozens": 12.0, "hundreds": 1e2, "thousands": 1e3, "millions": 1e6,
                  "billions": 1e9}  # fmt: skip
_UNITS_TEXT = """zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen"""
_TENS_TEXT = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNIT_WORDS = {w: n for n, w in enumerate(_UNITS_TEXT.split())}
_TENS_WORDS = {w: 20 + 10 * n for n, w in enumerate(_TENS_TEXT.split())}
# a word after a number that says nothing about what is counted
_NOT_UNITS_TEXT = """a an the and or to of in on at by for from with as than is are was were be
been has have had that this which who when while after before since until per am pm more less
times percent last next out"""
_NOT_UNITS = frozenset(_NOT_UNITS_TEXT.split())
_DURATIONS = frozenset({"second", "minute", "hour", "day", "week", "month", "year", "decade"})
# after a span of time: it is counted from another moment ("74 days later")
_FROM_ELSEWHERE = frozenset({"later", "ago", "earlier", "after", "before", "since", "prior",
                             "into", "afterward", "afterwards", "apart", "old"})  # fmt: skip
_CONTEXT_STOP_TEXT = """a an the and or but to of in on at by for from with as than is are was
were be been being has have had that this these those which who whom when while after before
since until per it its he she they their his her we our you your i said says say told about
more less least most over under nearly almost some also just not no than so into out up
all any each other new last first such there then now only about around roughly according
would could should will may might can did do does"""
_CONTEXT_STOP = frozenset(_CONTEXT_STOP_TEXT.split())
CONTEXT_WORDS = 6  # words either side of a figure that say what it counts
SHARED_CONTEXT = 2  # stems around two figures in common for them to count the same thing
ROUND_FROM = 100  # a round number at least this large is read as rounded
SAME_TIME_DAYS = 2.0  # reports further apart than this may count at different times


@dataclass(frozen=True, slots=True)
class Figure:
    """A number in a sentence with what it counts: "$900 billion", "5 people"."""

    value: float
    unit: str  # "$", "percent", or the singular of the word after the number
    text: str  # as written
    low: float = math.nan  # the range of values the wording allows (nan: just `value`)
    high: float = math.nan
    relative: bool = False  # a span of time counted from another moment ("two days later")
    context: frozenset[str] = frozenset()  # word stems around it that say what it counts
    anchors: tuple[str, str] = ("", "")  # the nearest such stem before it and after it

    @property
    def bounds(self) -> tuple[float, float]:
        if math.isnan(self.low):
            return (self.value, self.value)
        return (self.low, self.high)


def figures(text: str) -> list[Figure]:
    """The counted numbers of a sentence. Years, dates, times, ages ("46-year-old") and
    numbers followed by a word that does not say what they count are left out."""
    tokens = list(_TOKEN.finditer(text))
    words = [t.group() for t in tokens]
    lower = [w.lower() for w in words]
    # whether a token follows the one before it with no space ("27" "m" in "$27m")
    joined = [k > 0 and tokens[k - 1].end() == t.start() for k, t in enumerate(tokens)]
    found = []
    k = 0
    while k < len(tokens):
        parsed = _parse_number(words, lower, k, joined)
        if parsed is None:
            k += 1
            continue
        value, end, written = parsed
        start = k
        k = end
        previous = lower[start - 1].rstrip(".") if start else ""
        if previous in _MONTHS or previous == "no":
            continue  # a date ("June 3") or a rank ("No. 2")
        if previous in ("-", "/", ":") or (end < len(words) and words[end] in ("/", ":")):
            continue  # a score, a fraction or a time ("5-4", "3 1/2", "10:30")
        if start >= 2 and lower[start - 2 : start] == ["out", "of"]:
            continue  # "three out of 10": a share, not a count of ten
        token = words[start]
        currency = token[0] if token[0] in "$£€" else ""
        if not currency and token.isdigit() and len(token) == 4 and 1800 <= value <= 2100:
            continue  # a year
        low = high = value
        if lower[start] in _PLURAL_SCALES:
            low, high = value, 10 * value
        if token.endswith("%") or (end < len(tokens) and lower[end] == "percent"):
            unit = "percent"
            end += 0 if token.endswith("%") else 1
        elif currency:
            unit = currency
        else:
            if end < len(tokens) and lower[end] == "of" and lower[start] in _PLURAL_SCALES:
                end += 1  # "hundreds of people"
            if end >= len(tokens):
                continue
            while end + 1 < len(tokens) and lower[end] in _MODIFIERS:
                end += 1  # "three other officers" counts officers
            word = lower[end]
            if not word[0].isalpha() or word in _NOT_UNITS or word in _MONTHS:
                continue
            if len(word) == 1:
                continue  # an initial ("four U.S. officials"): what is counted is unclear
            if end + 1 < len(tokens) and _plural_head(lower[end + 1]):
                end += 1  # "two coronavirus vaccines" counts vaccines
                word = lower[end]
            unit = _singular(word)
            end += 1
        while unit.isalpha() and end < len(tokens) and words[end][:1].isupper():
            end += 1  # "17,000 National Guard"
        relative = unit in _DURATIONS and (
            (end < len(tokens) and lower[end] in _FROM_ELSEWHERE)
            or (start > 0 and lower[start - 1] in {"within", "after", "in", "past", "last"})
            # part of a span written in two units ("three years and four months")
            or (
                end + 1 < len(tokens)
                and lower[end] == "and"
                and _parse_number(words, lower, end + 1) is not None
            )
            or (
                start >= 3
                and lower[start - 1] == "and"
                and _singular(lower[start - 2]) in _DURATIONS
            )
        )
        for size in (3, 2, 1):
            hedge = " ".join(lower[max(0, start - size) : start])
            if start >= size and hedge in _HEDGES:
                below, above = _HEDGES[hedge]
                low, high = low * below, high * above
                start -= size
                break
        else:
            low, high = _rounded(value, written, low, high)
        found.append(
            Figure(
                value,
                unit,
                text[tokens[start].start() : tokens[end - 1].end()],
                low,
                high,
                relative,
                _context(lower, start, end),
                _anchors(lower, start, end),
            )
        )
    return found


def overlap(a: Figure, b: Figure) -> bool:
    """Whether two figures' ranges have a value in common."""
    (a_low, a_high), (b_low, b_high) = a.bounds, b.bounds
    return a_low <= b_high and b_low <= a_high


def conflict(a: Sequence[Figure], b: Sequence[Figure]) -> set[str]:
    """The units that two sentences count with ranges that cannot both be true: every
    figure of that unit in one is out of reach of every one in the other, and some pair of
    them counts the same thing (a word around each in common). Spans of time counted from
    another moment are left out."""
    found = set()
    for unit in {f.unit for f in a} & {f.unit for f in b}:
        mine = [f for f in a if f.unit == unit and not f.relative]
        theirs = [f for f in b if f.unit == unit and not f.relative]
        if not mine or not theirs or any(overlap(x, y) for x in mine for y in theirs):
            continue
        if any(_same_count(x, y) for x in mine for y in theirs):
            found.add(unit)
    return found


def disputed(
    a: Sequence[Figure],
    b: Sequence[Figure],
    *,
    a_elsewhere: Sequence[Figure] = (),
    b_elsewhere: Sequence[Figure] = (),
    days_apart: float | None = None,
) -> set[str]:
    """The units two outlets' sentences `conflict` on, unless the reports are SAME_TIME_DAYS
    or more apart (counts change: that is news, not a dispute) or either article gives,
    anywhere (`*_elsewhere`: all its figures), a figure within reach of the other's."""
    if days_apart is not None and days_apart >= SAME_TIME_DAYS:
        return set()
    found = set()
    for unit in conflict(a, b):
        mine = [f for f in a if f.unit == unit]
        theirs = [f for f in b if f.unit == unit]
        if any(overlap(x, y) for x in a_elsewhere if x.unit == unit for y in theirs):
            continue
        if any(overlap(x, y) for x in b_elsewhere if x.unit == unit for y in mine):
            continue
        found.add(unit)
    return found


def differ(a: Sequence[Figure], b: Sequence[Figure]) -> set[str]:
    """The units both lists count with no value in common ("12 people" / "at least 12
    people" agree, "12 people" / "19 people" differ): stricter than `conflict`, for
    deciding whether one sentence says the same as another."""
    units = {f.unit for f in a} & {f.unit for f in b}
    return {
        unit
        for unit in units
        if not {f.value for f in a if f.unit == unit} & {f.value for f in b if f.unit == unit}
    }


def _parse_number(
    words: list[str], lower: list[str], k: int, joined: list[bool] | None = None
) -> tuple[float, int, str] | None:
    """The number that starts at token k: its value, the token after it and its digits as
    written (for rounding), or None."""
    word = lower[k]
    if word in ("a", "an") and k + 1 < len(words) and lower[k + 1] == "dozen":
        return 12.0, k + 2, "12"
    if word == "dozen" and (not k or lower[k - 1] not in ("a", "an")):
        return None
    if word in _PLURAL_SCALES:
        return _PLURAL_SCALES[word], k + 1, "1"
    value: float
    if word in _TENS_WORDS:
        value, end = float(_TENS_WORDS[word]), k + 1
        if end + 1 < len(words) and words[end] == "-" and lower[end + 1] in _UNIT_WORDS:
            value += _UNIT_WORDS[lower[end + 1]]
            end += 2
        written = str(int(value))
    elif word in _UNIT_WORDS:
        if word in ("one", "zero") and not (k + 1 < len(words) and lower[k + 1] in _SCALES):
            return None  # "one of the …" is mostly not a count
        value, end, written = float(_UNIT_WORDS[word]), k + 1, str(_UNIT_WORDS[word])
    elif word[0].isdigit() or (word[0] in "$£€" and len(word) > 1):
        digits = word.lstrip("$£€").rstrip("%").replace(",", "")
        try:
            value = float(digits)
        except ValueError:
            return None
        end, written = k + 1, digits
        if end + 1 < len(words) and words[end] == "-" and words[end + 1][:1].isdigit():
            return None  # a score or a range written with a hyphen ("5-4")
    else:
        return None
    if end + 1 < len(words) and words[end] == "-" and lower[end + 1] in _SCALES:
        end += 1  # "$2-trillion"
    suffix = (
        end < len(words) and joined is not None and joined[end] and lower[end] in _SUFFIX_SCALES
    )
    if suffix or (end < len(words) and lower[end] in _SCALES):
        scale = _SUFFIX_SCALES[lower[end]] if suffix else _SCALES[lower[end]]
        value *= scale
        written = _scaled(written, scale)
        end += 1
    return value, end, written


def _scaled(written: str, scale: float) -> str:
    """The digits of a number times a scale, as they would be written ("4.5" million →
    "4500000"), so that rounding is read from the digits the writer gave."""
    whole, _, fraction = written.partition(".")
    zeros = round(math.log10(scale)) - len(fraction)
    return (whole + fraction).lstrip("0") + "0" * max(zeros, 0) or "0"


def _rounded(value: float, written: str, low: float, high: float) -> tuple[float, float]:
    """A round number of ROUND_FROM or more allows half a step of its last digit either
    side ("80,000" → 75,000–85,000)."""
    if value < ROUND_FROM or "." in written:
        return low, high
    digits = written.rstrip("0")
    zeros = len(written) - len(digits)
    if zeros == 0:
        return low, high
    step = 10.0**zeros
    return low - step / 2, high + step / 2


def _same_count(a: Figure, b: Figure) -> bool:
    """Whether two figures of one unit count the same thing: at least SHARED_CONTEXT word
    stems around them in common, and the same word right before or right after them
    ("people were arrested" / "people were black" count different things)."""
    shared = (a.context & b.context) - {a.unit[:5]}
    if len(shared) < SHARED_CONTEXT:
        return False
    (a_before, a_after), (b_before, b_after) = a.anchors, b.anchors
    return bool(a_before and a_before == b_before) or bool(a_after and a_after == b_after)


def _anchors(lower: list[str], start: int, end: int) -> tuple[str, str]:
    """The nearest content word stem before a figure and after it (function words and
    numbers skipped, at most CONTEXT_WORDS away)."""
    before = [w for w in reversed(lower[max(0, start - CONTEXT_WORDS) : start]) if _content(w)]
    after = [w for w in lower[end : end + CONTEXT_WORDS] if _content(w)]
    return (before[0][:5] if before else "", after[0][:5] if after else "")


def _content(word: str) -> bool:
    return (
        word[0].isalpha()
        and word not in _CONTEXT_STOP
        and len(word) > 2
        and word not in _UNIT_WORDS
    )


def _context(lower: list[str], start: int, end: int) -> frozenset[str]:
    """Word stems near a figure (before and after, at most CONTEXT_WORDS each), without
    function words and numbers: what it counts and what happened to it."""
    near = [
        *lower[max(0, start - CONTEXT_WORDS) : start],
        *lower[end : end + CONTEXT_WORDS],
    ]
    return frozenset(w[:5] for w in near if _content(w))


_NOT_PLURALS_TEXT = """was has is does says always its his hers this thus us as yes plus less unless
perhaps whereas towards afterwards"""
_NOT_PLURALS = frozenset(_NOT_PLURALS_TEXT.split())


def _plural_head(word: str) -> bool:
    """Whether a word after a counted word is the plural noun it qualifies ("coronavirus"
    in "two coronavirus vaccines")."""
    return (
        word.isalpha()
        and word.islower()
        and len(word) > 3
        and word.endswith("s")
        and not word.endswith("ss")
        and word not in _NOT_PLURALS
        and word not in _NOT_UNITS
    )


def _singular(word: str) -> str:
    if word == "people":
        return "people"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word
