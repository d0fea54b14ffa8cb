"""Faithfulness: a synthesized article may say nothing its sources do not say.

A sentence is supported when it is a source sentence (up to spacing and quote marks), or
when every name, number and quotation in it occurs in its sources, it adds no negation the
sources lack, and nearly all of its content words occur in the source sentences it cites.
The extractive back end passes by construction; the check is what keeps any other back
end (an LLM rewrite) honest, sentence by sentence. Attribution ("according to Fox News")
is checked separately: it may only name outlets whose sentences back the claim.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass

from plumbline.models import Synthesis, SynthSentence

MIN_CONTENT_SUPPORT = 0.85  # share of a rewrite's content words found in its cited sentences

_QUOTE = re.compile(r"[\"“”]([^\"“”]{3,}?)[\"“”]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*")
_NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "nobody", "nothing", "without"})
_NUMBER_WORDS_TEXT = """
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy
eighty ninety hundred thousand million billion trillion dozen half quarter first second
third fourth fifth percent
"""
_NUMBER_WORDS = frozenset(_NUMBER_WORDS_TEXT.split())
_STOPWORDS_TEXT = """
a an the and or but if then than that this these those there here of in on at to for
from by with as is are was were be been being has have had do does did will would shall
should can could may might must it its it's he she they them their his her him we us
our you your i me my who whom whose which what when where why how also about after
before over under into onto out up down off again further once said says say according
more most some such only own same so too very just while during because until against
between through each few other both all any
"""
_STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


_PLAIN = str.maketrans("“”‘’–—", "\"\"''--")
# the label of a story only opinion or analysis pieces cover ("Opinion: <its title>")
_LABEL = re.compile(r"^(?:Opinion|Analysis): ")


@dataclass(frozen=True, slots=True)
class Violation:
    """A sentence the sources do not support, and why."""

    sentence: str
    reason: str


def normalize(text: str) -> str:
    """Lowercase, straight quotes and apostrophes, single spaces: how sentences compare."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_PLAIN)
    return " ".join(text.lower().split())


def unsupported(
    text: str,
    cited: Sequence[str],
    context: Sequence[str] = (),
    *,
    allowed_names: Collection[str] = (),
    inserted: Collection[str] = (),
) -> list[str]:
    """Why `text` is not supported: empty when it is. `cited` are the source sentences it
    claims to rest on; `context` the full texts of their articles (names, numbers and
    quotations may come from anywhere in them); `allowed_names` are words the product adds
    itself (outlet names in attributions); `inserted` are dates the product wrote in for a
    relative date ("on Monday" -> "on Monday, July 13"), not checked against the sources."""
    if not text.strip():
        return ["empty sentence"]
    for phrase in sorted(inserted, key=len, reverse=True):
        text = text.replace(phrase, " ")
    norm = normalize(text).rstrip(" .")
    if any(norm and norm in normalize(source) for source in cited):
        return []
    everything = [*cited, *context]
    pool = normalize(" ".join(everything))
    reasons: list[str] = []
    for quote in _QUOTE.findall(text):
        if normalize(quote).strip(" ,.") not in pool:
            reasons.append(f"quotation not in any source: “{quote.strip()}”")
    source_numbers = {_plain_number(n) for n in _NUMBER.findall(pool)}
    for number in _NUMBER.findall(text):
        if _plain_number(number) not in source_numbers:
            reasons.append(f"number not in any source: {number}")
    source_words = set(_words(pool))
    allowed = {w for name in allowed_names for w in _words(normalize(name))}
    for name in _names(text):
        if not all(w in source_words or w in allowed for w in _words(normalize(name))):
            reasons.append(f"name not in any source: {name}")
    words = _words(norm)
    for word in words:
        if word in _NUMBER_WORDS and word not in source_words:
            reasons.append(f"number not in any source: {word}")
    negations = {w for w in words if w in _NEGATIONS or w.endswith("n't")}
    if negations and not negations <= set(_words(normalize(" ".join(cited or everything)))):
        reasons.append(f"negation not in its sources: {', '.join(sorted(negations))}")
    content = [w for w in words if w not in _STOPWORDS and w not in allowed]
    if content:
        cited_words = {_stem(w) for w in _words(normalize(" ".join(cited or everything)))}
        found = sum(_stem(w) in cited_words for w in content)
        if found / len(content) < MIN_CONTENT_SUPPORT:
            reasons.append(
                f"only {found} of {len(content)} content words are in the sentences it cites"
            )
    return reasons


def check_sentence(sentence: SynthSentence, article_texts: Mapping[int, str]) -> list[str]:
    """Why a synthesized sentence (with its attribution) is unsupported: empty when it is."""
    cited = [ref.text for ref in sentence.sources]
    if not cited:
        return ["cites no source"]
    context = [article_texts.get(ref.article_id, "") for ref in sentence.sources]
    backers = {ref.outlet_name for ref in sentence.sources}
    reasons = [
        f"attributed to an outlet that does not back it: {name}"
        for name in sentence.attribution
        if name not in backers
    ]
    return reasons + unsupported(
        sentence.text, cited, context, allowed_names=backers, inserted=sentence.inserted
    )


def check_synthesis(
    synthesis: Synthesis, article_texts: Mapping[int, str], titles: Iterable[str]
) -> list[Violation]:
    """Every unsupported sentence of a synthesis: headline (must be a source title), lead,
    sections and omitted facts. An empty list means faithful."""
    violations = []
    headline = _LABEL.sub("", synthesis.headline) if synthesis.note else synthesis.headline
    if normalize(headline) not in {normalize(t) for t in titles}:
        violations.append(Violation(synthesis.headline, "headline is not a source title"))
    sentences = [
        *synthesis.lead,
        *(s for section in synthesis.sections for s in section.sentences),
        *(o.fact for o in synthesis.omissions),
    ]
    for sentence in sentences:
        for reason in check_sentence(sentence, article_texts):
            violations.append(Violation(sentence.text, reason))
    return violations


def _words(text: str) -> list[str]:
    return [w.strip("'’-") for w in _WORD.findall(text) if w.strip("'’-")]


def _names(text: str) -> list[str]:
    """Capitalized word runs that are not just the first word of the sentence."""
    found: list[str] = []
    tokens = list(re.finditer(r"[A-Za-z][A-Za-z'’.\-]*", text))
    run: list[str] = []
    for i, match in enumerate(tokens):
        word = match.group().rstrip(".")
        starts_sentence = i == 0 or text[: match.start()].rstrip().endswith(
            (".", "!", "?", ":", '"', "“")
        )
        if word[:1].isupper() and not (starts_sentence and word.lower() in _STOPWORDS):
            run.append(word)
            continue
        if run:
            found.append(" ".join(run))
            run = []
    if run:
        found.append(" ".join(run))
    return found


def _plain_number(number: str) -> str:
    return number.replace(",", "").rstrip(".")


def _stem(word: str) -> str:
    """A crude suffix strip so "protests" meets "protest" and "voted" meets "vote"."""
    for suffix in ("'s", "ies", "ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def drop_unsupported(
    synthesis: Synthesis, article_texts: Mapping[int, str], titles: Iterable[str]
) -> list[Violation]:
    """Check a synthesis and remove, in place, every lead, section and omitted-fact sentence
    that fails; sections left empty go too. Returns what was found (the headline cannot be
    dropped: a violation there is only reported)."""
    violations = check_synthesis(synthesis, article_texts, titles)
    bad = {v.sentence for v in violations}
    if not bad:
        return violations
    synthesis.lead = [s for s in synthesis.lead if s.text not in bad]
    for section in synthesis.sections:
        section.sentences = [s for s in section.sentences if s.text not in bad]
    synthesis.sections = [s for s in synthesis.sections if s.sentences]
    synthesis.omissions = [o for o in synthesis.omissions if o.fact.text not in bad]
    return violations
