"""Relative dates read against the publication date of the sentence's article.

A source sentence says "yesterday", "on Monday" or "last week" from the day its article was
published; lifted into a story article, read days later beside other outlets' sentences, it
must say the date: "on Monday, July 13", "on July 13", "in the week of July 6". Words inside
quotations are the speaker's and stay as they are. A sentence with a relative date and no
publication date to read it against cannot be used (`resolve` returns None).

Weekdays are read by the sentence's tense: "next Monday" or a sentence about what is still
to come ("will", "is expected to", "plans to") means the first such day on or after the
publication day; otherwise (and with "last") the latest on or before it ("last" excludes the
day itself)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_FUTURE = re.compile(
    r"\b(?:will|won't|shall|(?:is|are|was|were) (?:expected|set|scheduled|due|poised|slated|"
    r"going) to|plans? to|planning to|intends? to|aims? to|upcoming|ahead of|"
    r"(?:is|are|['’]s) (?:headed|heading|scheduled|set|slated|due|poised) for|"
    r"(?:headed|heading) (?:for|to) (?:a|the) (?:vote|hearing|trial|runoff))\b",
    re.IGNORECASE,
)


def _part(name: str) -> str:
    return r"(?:\s+(?P<" + name + r">morning|afternoon|evening|night))?"


_WEEKDAY = (
    r"(?P<prep>\b(?:on|last|this|next|early|late|since|until|by|from)\s+)?"
    r"(?P<day>(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day)(?P<poss>['’]s)?" + _part("wpart") + r"\b"
)
_RELATIVE = re.compile(
    r"(?P<yesterday>\byesterday" + _part("ypart") + r")\b"
    r"|(?P<lastnight>\blast night)\b"
    r"|(?P<today>\b(?:today|tonight|this (?:morning|afternoon|evening)))\b(?P<tposs>['’]s)?"
    r"|(?P<tomorrow>\btomorrow" + _part("mpart") + r")\b"
    r"|(?P<ago>\b(?P<n>\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"\s+(?P<unit>day|week|month|year)s?\s+ago)\b"
    r"|(?P<span>\b(?:(?P<when>earlier|later)\s+)?(?P<rel>last|this|next)\s+(?P<what>week|"
    r"month|year)(?P<sposs>['’]s)?)\b(?!\s+of\s+[A-Z0-9])"
    r"|(?P<vague>\b(?:a few|several|some|many|a couple of|couple of)?\s*(?:days|weeks|months|"
    r"years|decades) ago)\b"
    r"|(?P<weekday>" + _WEEKDAY + r")",
    re.IGNORECASE,
)


_PREPOSITION_BEFORE = re.compile(
    r"\b(?:for|until|till|by|since|from|before|after|through|on|of|to|into|over|between|and|"
    r"as)\s+$",
    re.IGNORECASE,
)
_WORD_AFTER = re.compile(r"\s+[\w“\"(]")
_PAST = re.compile(
    r"\b(?:was|were|had|did|said|told|went|came|took|made|gave|met|held|won|lost|began|ran|"
    r"saw|got|led|left|fell|rose|sent|spent|brought|bought|thought|fought|kept|felt|found|"
    r"stood|sat|wrote|spoke|broke|chose|drove|flew|knew|grew|threw|became|shot|struck|paid|"
    r"heard|sold|built|meant|has|have|[a-z]{3,}ed)\b",
    re.IGNORECASE,
)
# "his Monday show", "a Sunday afternoon": the weekday is an adjective there
_DETERMINER_BEFORE = re.compile(
    r"\b(?:a|an|the|his|her|their|its|our|my|your|this|that|every|each|sunny|rainy|quiet|busy)\s+$",
    re.IGNORECASE,
)
_MONTH_BEFORE = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\s+$")
# "more than a year ago" says no date: such a sentence is not used
_APPROXIMATE = re.compile(
    r"\b(?:more than|less than|fewer than|about|nearly|almost|over|some|roughly|around|"
    r"just|barely|only|at least|under)\s+$",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Resolved:
    """A sentence with its relative dates spelled out; `inserted` holds what was written in
    (month names, day numbers, years), which its sources do not say in these words."""

    text: str
    inserted: tuple[str, ...] = ()


def has_relative_date(text: str) -> bool:
    """Whether `text`, outside its quotations, dates anything relative to its publication."""
    blanked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    return any(not m.group().isupper() for m in _RELATIVE.finditer(blanked))


def resolve(text: str, published: datetime | date | None) -> Resolved | None:
    """`text` with every relative date outside quotations written as a date (see the module
    docstring); None when it has one and `published` is unknown."""
    blanked = _QUOTED.sub(lambda m: " " * len(m.group()), text)
    # a word in capitals is a name ("USA TODAY"), not a date
    matches = [m for m in _RELATIVE.finditer(blanked) if not m.group().isupper()]
    if not matches:
        return Resolved(text)
    if published is None:
        return None
    day = published.date() if isinstance(published, datetime) else published
    # failing a tense near a weekday, the sentence's: with no past tense at all ("the rally
    # is Saturday") it looks ahead
    ahead = bool(_FUTURE.search(blanked)) or not _PAST.search(blanked)
    out: list[str] = []
    inserted: list[str] = []
    cursor = 0
    for match in matches:
        replacement = _replacement(
            match, day, _future(blanked, match.start(), ahead), at_start=match.start() == 0
        )
        if replacement is None:
            return None
        written, added = replacement
        before = text[max(0, match.start() - 12) : match.start()]
        if _PREPOSITION_BEFORE.search(before) and written.startswith(("on ", "in ")):
            written = written[3:]  # "scheduled for next Saturday" -> "for Saturday, July 18"
        if _WORD_AFTER.match(text, match.end()) and re.search(r", [A-Z][a-z]+ \d+$", written):
            written += ","  # "on Friday, July 17, on the measure"
        out.append(text[cursor : match.start()])
        out.append(written)
        inserted.extend(added)
        cursor = match.end()
    out.append(text[cursor:])
    result = "".join(out)
    return Resolved(result[:1].upper() + result[1:], tuple(inserted))


TENSE_WINDOW = 80  # characters before a weekday where its clause's tense is read


def _future(text: str, at: int, ahead: bool) -> bool:
    """Whether the clause of a weekday at `at` tells what is to come: a future marker or a
    past tense just before it decides ("591 cases were reported on Monday, … Trump will hold
    a rally on Saturday"); failing both, `ahead` (the whole sentence's reading)."""
    window = text[max(0, at - TENSE_WINDOW) : at]
    future = [m.end() for m in _FUTURE.finditer(window)]
    past = [m.end() for m in _PAST.finditer(window)]
    if future or past:
        return max(future, default=-1) > max(past, default=-1)
    return ahead


def _month_day(d: date) -> str:
    return f"{MONTHS[d.month - 1]} {d.day}"


def _replacement(
    match: re.Match[str], day: date, future: bool, *, at_start: bool
) -> tuple[str, list[str]] | None:
    group = match.lastgroup
    if group == "yesterday":
        return _on(day - timedelta(days=1), match.group("ypart"))
    if group == "lastnight":
        return _on(day - timedelta(days=1), "night")
    if group == "today":
        if match.group("tposs"):
            return f"the {_month_day(day)}", [_month_day(day)]
        word = match.group("today").lower()
        part = {"tonight": "night"}.get(word, word.split()[-1] if " " in word else None)
        return _on(day, part)
    if group == "tomorrow":
        return _on(day + timedelta(days=1), match.group("mpart"))
    if group == "ago":
        before = match.string[max(0, match.start() - 20) : match.start()]
        return None if _APPROXIMATE.search(before) else _ago(match, day)
    if group == "span":
        return _span(match, day)
    if group == "vague":  # "a few weeks ago" says no date
        return None
    if group == "weekday":
        return _weekday(match, day, future, at_start=at_start)
    return None


def _on(d: date, part: str | None) -> tuple[str, list[str]]:
    when = _month_day(d)
    if part:
        return f"on the {part.lower()} of {when}", [when]
    return f"on {when}", [when]


def _ago(match: re.Match[str], day: date) -> tuple[str, list[str]] | None:
    raw = match.group("n").lower()
    n = int(raw) if raw.isdigit() else _NUMBERS[raw]
    unit = match.group("unit").lower()
    if unit == "day":
        return _on(day - timedelta(days=n), None)
    if unit == "week":
        return _on(day - timedelta(weeks=n), None)
    if unit == "month":
        month = (day.month - 1 - n) % 12
        year = day.year + (day.month - 1 - n) // 12
        return f"in {MONTHS[month]} {year}", [MONTHS[month], str(year)]
    year = day.year - n
    return f"in {year}", [str(year)]


def _span(match: re.Match[str], day: date) -> tuple[str, list[str]] | None:
    rel = match.group("rel").lower()
    what = match.group("what").lower()
    when = (match.group("when") or "").lower()
    step = {"last": -1, "this": 0, "next": 1}[rel]
    if match.group("sposs"):  # "last year's speech" -> "the 2019 speech"
        if what == "week":
            return None
        name = str(day.year + step) if what == "year" else MONTHS[(day.month - 1 + step) % 12]
        return f"the {name}", [name]
    if what == "year":
        year = str(day.year + step)
        if not when and _MONTH_BEFORE.search(
            match.string[max(0, match.start() - 12) : match.start()]
        ):
            return year, [year]  # "in January next year" -> "in January 2021"
        return (f"{when} in {year}" if when else f"in {year}"), [year]
    if what == "month":
        index = day.month - 1 + step
        month = MONTHS[index % 12]
        added = [month]
        name = month
        if index // 12:
            name = f"{month} {day.year + index // 12}"
            added.append(str(day.year + index // 12))
        return (f"{when} in {name}" if when else f"in {name}"), added
    monday = day - timedelta(days=day.weekday()) + timedelta(weeks=step)
    week = f"the week of {_month_day(monday)}"
    return (f"{when} in {week}" if when else f"in {week}"), [_month_day(monday)]


def _weekday(
    match: re.Match[str], day: date, future: bool, *, at_start: bool
) -> tuple[str, list[str]] | None:
    name = match.group("day").capitalize()
    target = WEEKDAYS.index(name)
    prep = (match.group("prep") or "").strip().lower()
    if prep == "next" or (future and prep not in ("last", "since")):
        offset = (target - day.weekday()) % 7
        if prep == "next" and offset == 0:
            offset = 7
        when = day + timedelta(days=offset)
    else:
        offset = (day.weekday() - target) % 7
        if prep == "last" and offset == 0:
            offset = 7
        when = day - timedelta(days=offset)
    stamp = f"{name}, {_month_day(when)}"
    part = match.group("wpart")
    before = match.string[max(0, match.start() - 12) : match.start()]
    if not prep and _DETERMINER_BEFORE.search(before):
        return None  # "on a sunny Sunday afternoon": which Sunday, the text does not say
    if match.group("poss"):  # "Monday's vote" -> "the July 13 vote"
        article = "The" if at_start else "the"
        lead = "" if prep in ("", "next", "last", "this") else match.group("prep")
        return f"{lead}{article} {_month_day(when)}" + (f" {part}" if part else ""), [
            _month_day(when)
        ]
    # "on Monday" stays "on Monday, July 13"; a bare "Monday" gets no "on" ("passed the bill
    # Monday, July 13", AP style), "last/next/this Monday" becomes "on Monday, July 13"
    lead = "on " if prep in ("last", "this", "next") else (match.group("prep") or "")
    text = f"{lead}{stamp}"
    if part:
        text = f"{lead}{name} {part.lower()}, {_month_day(when)}"
    return text, [_month_day(when)]
