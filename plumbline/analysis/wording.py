"""Whether a loaded word, found by the lexicon, is loaded where it stands: what the source
list, the API, the assessment and the key questions show as an outlet's loaded wording.
Kept apart from bias.py (which loads the model heads) so that pages can read stored
analyses the current way without loading any model."""

from __future__ import annotations

import re

from plumbline.models import ArticleAnalysis, LoadedPhrase


def shown_phrases(analysis: ArticleAnalysis) -> list[LoadedPhrase]:
    """The article's loaded phrases that hold in context (:func:`in_context`): what pages,
    the API and the assessment show. Analyses stored by an older version may hold phrases
    that the current rule leaves out; this reads them the current way."""
    sentences = analysis.sentences
    return [
        p
        for p in analysis.loaded_phrases
        if not 0 <= p.sentence_index < len(sentences)
        or in_context(p.text, sentences[p.sentence_index].text)
    ]


def in_context(phrase: str, sentence: str) -> bool:
    """Whether a lexicon phrase is the outlet's loaded wording where it stands in the
    sentence, not a word the lexicon cannot see around:

    - part of a name ("Karen" in "Rep. Karen Bass", "Black Lives Matter"): a capitalised
      word inside the sentence, or one next to another capitalised word;
    - inside a quotation: the speaker's word, not the outlet's;
    - a reporting verb or noun that attributes a statement ("said", "insisted that"), which
      an editor would not call loaded in a news report: judged as loaded only when nothing
      is attributed (no quotation, no "that", "to" or colon after it);
    - "claim", "touted", "praised" on their own: what loads a claim is its qualifier
      ("baseless claims" shows "baseless");
    - "lies" that says where something is ("the blame lies with antifa"), not untruth."""
    at = _find(phrase, sentence)
    if at is None:
        return True  # not found where expected: nothing to judge it by
    start, end = at
    quotations = [*QUOTED.finditer(sentence), *_SINGLE_QUOTED.finditer(sentence)]
    if any(q.start() <= start and end <= q.end() for q in quotations):
        return False
    words = [w.group() for w in _WORD.finditer(phrase)]
    before = [w.group() for w in _WORD.finditer(sentence[:start])]
    after = [w.group() for w in _WORD.finditer(sentence[end:])]
    if any(_named(w, k, words, before, after) for k, w in enumerate(words)):
        return False
    keys = {w.lower() for w in words}
    if keys <= _CLAIMS:
        return False  # what loads a claim is its qualifier ("baseless claims"), shown alone
    if keys <= _LIE and after and after[0].lower() in _WHERE:
        return False  # "lies with", "lies in": where something is
    return not (keys <= _REPORTING and _attributes(sentence, end))


_WORD = re.compile(r"[^\W\d_][\w'’.-]*")
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")  # a closed quotation
# a quotation in single marks, as headlines quote ("warns against 'mob violence'"): opened
# after a space or bracket and closed before one, so apostrophes inside words never match
_SINGLE_QUOTED = re.compile(r"(?<![\w’'])['‘][^'‘’\n]{1,120}['’](?![\w’'])")
_LIE = frozenset({"lie", "lies", "lay", "lying"})
_WHERE = frozenset({"with", "in", "at", "on", "within", "behind", "ahead", "beneath", "beyond"})
# words that report what someone said or holds; "claim" is loaded in the outlet's own voice
# ("the claim is false") but not as the verb of an attribution
_REPORTING_TEXT = """claim claims claimed claiming said says say saying told tells stated states
noted notes added adds argued argues argue insisted insists insist asserted asserts contended
contends maintained maintains alleged alleges allegedly acknowledged acknowledges admitted
admits conceded concedes suggested suggests declared declares remarked wrote writes explained
explains"""
_REPORTING = frozenset(_REPORTING_TEXT.split())
# words that report a claim or an endorsement and that editors do not call loaded on their
# own: never shown as loaded wording ("jobless claims", "claimed credit", "touted the plan")
_CLAIMS_TEXT = "claim claims claimed claiming touted touts touting praised praises"
_CLAIMS = frozenset(_CLAIMS_TEXT.split())


def quoted_share(text: str) -> float:
    """The share of a sentence's characters inside closed quotation marks."""
    return sum(len(m.group()) for m in QUOTED.finditer(text)) / (len(text) or 1)


def _find(phrase: str, sentence: str) -> tuple[int, int] | None:
    match = re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", sentence)
    return (match.start(), match.end()) if match else None


def _named(word: str, k: int, words: list[str], before: list[str], after: list[str]) -> bool:
    """Whether a capitalised word of a phrase is part of a name."""
    if not word[:1].isupper() or (word.isupper() and len(word) > 1 and not before):
        return False
    first_of_sentence = k == 0 and not before
    neighbours = [
        before[-1] if k == 0 and before else (words[k - 1] if k else ""),
        after[0] if k == len(words) - 1 and after else (words[k + 1] if k + 1 < len(words) else ""),
    ]
    capitalised_next_to = any(n[:1].isupper() for n in neighbours if n)
    return capitalised_next_to or not first_of_sentence


def _attributes(sentence: str, end: int) -> bool:
    """Whether the sentence attributes something: a quotation anywhere, or "that", "to",
    "of", a colon or a comma right after the reporting word."""
    if any(mark in sentence for mark in '“”"'):
        return True
    rest = sentence[end:].lstrip()
    return rest.startswith((":", ",")) or rest.split(" ", 1)[0].lower() in {
        "that",
        "to",
        "of",
        "he",
        "she",
        "they",
        "it",
        "the",
        "a",
        "an",
        "in",
        "on",
    }
