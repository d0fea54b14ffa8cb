"""The same thing named differently by the sides: "illegal aliens" / "undocumented
immigrants", "riots" / "protests", "pro-life" / "anti-abortion".

Word choice for a contested thing is the framing a reader notices least and that editors'
style guides argue over most (the AP Stylebook on "illegal immigrant" and "pro-life";
Recasens et al. 2013 on framing words). Plumbline looks for a fixed list of such pairs
(NAMINGS), each a thing and the terms used for it, in each outlet's own words (quotations
left out: a speaker's words are not the outlet's). A naming difference is one thing that
the left's or the right's outlets call by a term, in two sentences or more, that the other
side's outlets never use, naming it by another term instead ("riots" on one side, only
"protests" on the other); a term every side uses sets nothing apart, and center outlets are
not contrasted. Names of events ("the Tulsa race riot") are not counted."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from plumbline.analysis.facts import SIDES, unquoted
from plumbline.models import ArticleRecord, Lean


@dataclass(frozen=True, slots=True)
class Naming:
    """A thing that outlets call by different terms: `thing` says what it is, neutrally."""

    thing: str
    terms: tuple[tuple[str, re.Pattern[str]], ...]  # (term as shown, what matches it)


def _naming(thing: str, *terms: tuple[str, str]) -> Naming:
    return Naming(thing, tuple((t, re.compile(rf"\b(?:{p})\b", re.IGNORECASE)) for t, p in terms))


MIN_USES = 2  # sentences of one side that use a term for it to be that side's naming
NAMINGS = (
    _naming(
        "people in the country without legal status",
        ("illegal aliens", r"illegal aliens?|illegals"),
        ("illegal immigrants", r"illegal immigrants?"),
        ("undocumented immigrants", r"undocumented (?:immigrants?|migrants?|people|workers)"),
    ),
    _naming(
        "the unrest in the streets",
        ("riots", r"(?<!race )(?<!race-)riots?|rioters|rioting"),
        ("protests", r"protests?|protesters|demonstrations?|demonstrators"),
    ),
    _naming(
        "the side opposing abortion",
        ("pro-life", r"pro-life"),
        ("anti-abortion", r"anti-abortion"),
    ),
    _naming(
        "the side supporting legal abortion",
        ("pro-choice", r"pro-choice"),
        ("abortion-rights", r"abortion[- ]rights"),
        ("pro-abortion", r"pro-abortion"),
    ),
    _naming(
        "the 2010 health care law",
        ("Obamacare", r"Obamacare"),
        ("the Affordable Care Act", r"Affordable Care Act"),
    ),
    _naming(
        "the coronavirus",
        ("the Chinese virus", r"Chinese virus|China virus|Wuhan virus|kung flu"),
        ("the coronavirus", r"coronavirus|COVID-19|covid"),
    ),
    _naming(
        "the tax on large estates",
        ("the death tax", r"death tax"),
        ("the estate tax", r"estate tax"),
    ),
    _naming(
        "laws on who may own guns",
        ("gun control", r"gun control"),
        ("gun safety", r"gun safety"),
        ("gun rights", r"gun rights"),
    ),
    _naming(
        "legal status for people without it",
        ("amnesty", r"amnesty"),
        ("a path to citizenship", r"path(?:way)? to citizenship"),
    ),
    _naming(
        "the long-term change in the climate",
        ("the climate crisis", r"climate crisis|climate emergency"),
        ("climate change", r"climate change|global warming"),
    ),
    _naming(
        "harsh interrogation of detainees",
        ("torture", r"torture"),
        ("enhanced interrogation", r"enhanced interrogation"),
    ),
    _naming(
        "the Democratic Party",
        ("the Democrat Party", r"Democrat Party"),
        ("the Democratic Party", r"Democratic Party"),
    ),
    _naming(
        "the monuments to Confederate leaders",
        ("Confederate monuments", r"Confederate (?:monuments?|statues?|memorials?)"),
        ("historical monuments", r"historic(?:al)? (?:monuments?|statues?)"),
    ),
    _naming(
        "the killing of George Floyd",
        ("the murder of George Floyd", r"murder of (?:George )?Floyd|Floyd'?s murder"),
        ("the death of George Floyd", r"death of (?:George )?Floyd|Floyd'?s death"),
    ),
    _naming(
        "changes to taxes",
        ("tax relief", r"tax relief"),
        ("tax cuts", r"tax cuts?"),
    ),
)


@dataclass(frozen=True, slots=True)
class NamingDifference:
    """One thing named by one side's outlets with a term another side's never use, which
    name it by another: `terms` holds that side and term first, then the other side and
    its term (which the first side may use too);
    `outlets[side]` the outlets that use it, `examples[side]` an article id and sentence
    of each."""

    thing: str
    terms: dict[Lean, str]
    outlets: dict[Lean, list[str]]
    examples: dict[Lean, tuple[int, str]]


def naming_differences(articles: Sequence[ArticleRecord]) -> list[NamingDifference]:
    """Each thing of NAMINGS that two sides name differently (see the module docstring),
    the sides with the most outlets behind their terms first."""
    found = []
    originals = [a for a in articles if a.analysis and a.duplicate_of is None]
    for naming in NAMINGS:
        uses: dict[Lean, dict[str, dict[str, tuple[int, str]]]] = {s: {} for s in SIDES}
        # a side "never uses" a term only if none of its articles has it anywhere, title and
        # quotations included
        anywhere: dict[Lean, set[str]] = {s: set() for s in SIDES}
        times: dict[Lean, Counter[str]] = {s: Counter() for s in SIDES}
        for article in originals:
            if article.outlet_lean not in SIDES or article.analysis is None:
                continue
            whole = f"{article.title}\n{article.text}"
            for term, pattern in naming.terms:
                if pattern.search(whole):
                    anywhere[article.outlet_lean].add(term)
            for sentence in article.analysis.sentences:
                own = unquoted(sentence.text)
                for term, pattern in naming.terms:
                    if pattern.search(own):
                        times[article.outlet_lean][term] += 1
                        by_outlet = uses[article.outlet_lean].setdefault(term, {})
                        name = article.outlet_name or "an unnamed outlet"
                        by_outlet.setdefault(name, (article.id, sentence.text))
        picked = _contrast(uses, anywhere, times)
        if picked is None:
            continue
        (side_a, term_a), (side_b, term_b) = picked
        found.append(
            NamingDifference(
                naming.thing,
                {side_a: term_a, side_b: term_b},
                {side_a: sorted(uses[side_a][term_a]), side_b: sorted(uses[side_b][term_b])},
                {
                    side_a: next(iter(uses[side_a][term_a].values())),
                    side_b: next(iter(uses[side_b][term_b].values())),
                },
            )
        )
    found.sort(key=lambda d: -sum(len(v) for v in d.outlets.values()))
    return found


def _contrast(
    uses: dict[Lean, dict[str, dict[str, tuple[int, str]]]],
    anywhere: dict[Lean, set[str]],
    times: dict[Lean, Counter[str]],
) -> tuple[tuple[Lean, str], tuple[Lean, str]] | None:
    """The left and the right and a term each, in that order: side a uses its term (in
    MIN_USES sentences or more) and side b never does, while side b names the thing by
    another term (center outlets are not contrasted: the question is how the two sides
    name a thing). A clean contrast (neither side uses the other's term) beats one where
    side a uses both; then the pair with the most outlets behind it. None when the sides
    do not differ."""
    best: tuple[tuple[bool, int], tuple[Lean, str], tuple[Lean, str]] | None = None
    for a, b in ((Lean.LEFT, Lean.RIGHT), (Lean.RIGHT, Lean.LEFT)):
        for term_a in (t for t in uses[a] if t not in anywhere[b] and times[a][t] >= MIN_USES):
            for term_b in (t for t in uses[b] if t != term_a):
                rank = (term_b not in anywhere[a], len(uses[a][term_a]) + len(uses[b][term_b]))
                if best is None or rank > best[0]:
                    best = (rank, (a, term_a), (b, term_b))
    if best is None:
        return None
    return best[1], best[2]
