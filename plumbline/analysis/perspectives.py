"""How each side covered a story: quotations from its most central article.

For each side (left, center, right) with an analyzed article in the story, its most central
article (news, analysis or opinion: the one whose title and opening are closest to the
story's core; the next most central, up to CANDIDATE_ARTICLES, when it has nothing to quote)
supplies its headline and one or two representative sentences, shown as that outlet's words
in quotation marks, never as facts; the way AllSides roundups and Semafor's "Room for
Disagreement" set out the sides. A representative sentence reads alone (prose.py,
`quote_problem`), is about the story, says something the story article does not already say
(no more than SAID_OVERLAP of its content words in one of the article's sentences, nor,
with a sentence encoder, a paraphrase of one: the synthesizer's `repeats`), and
leans toward the article's own angle: score = relevance x (1 + p(biased)) / (1 + POSITION x
its index in the article). A second quotation is shown when it scores at least SECOND_SHARE
of the first and does not repeat it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from plumbline.analysis.clean import strip_lead_in
from plumbline.analysis.prose import quote_problem
from plumbline.models import ArticleKind, ArticleRecord, Lean, Perspective, SourceRef

SIDES = (Lean.LEFT, Lean.CENTER, Lean.RIGHT)
QUOTES = 2
SECOND_SHARE = 0.6
SAID_OVERLAP = 0.5
POSITION = 0.08
OPENING = 3  # sentences of an article that, with its title, say what it is about
MIN_RELEVANCE = 0.05
CANDIDATE_ARTICLES = 3  # a side's most central articles that may supply its quotations


def perspectives(
    articles: Sequence[ArticleRecord],
    kinds: Mapping[int, ArticleKind],
    relevance: Callable[[str], float],
    *,
    said: Sequence[frozenset[str]] = (),
    words: Callable[[str], frozenset[str]],
    repeats: Callable[[str], bool] | None = None,
) -> list[Perspective]:
    """One Perspective per side that covered the story (see the module docstring);
    `relevance` scores a text against the story's core, `said` holds the content words of
    each sentence the story article prints, `words` gives a text's content words and
    `repeats`, when given, tells whether a text restates a sentence the article prints."""
    found = []
    for side in SIDES:
        pool = [a for a in articles if a.outlet_lean is side and a.analysis is not None]
        if not pool:
            continue
        ranked = sorted(pool, key=lambda a: -relevance(_opening(a)))
        # the most central article with a sentence to quote; else the most central one,
        # whose headline alone shows how the side framed it
        chosen, quotes = ranked[0], []
        for article in ranked[:CANDIDATE_ARTICLES]:
            quotes = _quotes(article, relevance, said, words, repeats)
            if quotes:
                chosen = article
                break
        found.append(
            Perspective(
                side=side,
                article_id=chosen.id,
                outlet_name=chosen.outlet_name or "Unknown outlet",
                title=chosen.title.strip(),
                url=chosen.url,
                kind=kinds.get(chosen.id, ArticleKind.NEWS),
                quotes=quotes,
            )
        )
    return found


def _opening(article: ArticleRecord) -> str:
    assert article.analysis is not None
    return " ".join([article.title, *(s.text for s in article.analysis.sentences[:OPENING])])


def _quotes(
    article: ArticleRecord,
    relevance: Callable[[str], float],
    said: Sequence[frozenset[str]],
    words: Callable[[str], frozenset[str]],
    repeats: Callable[[str], bool] | None = None,
) -> list[SourceRef]:
    assert article.analysis is not None
    scored: list[tuple[float, int, str, frozenset[str]]] = []
    for index, sentence in enumerate(article.analysis.sentences):
        text = strip_lead_in(sentence.text)
        if not text or quote_problem(text, article.title):
            continue
        mine = words(text)
        if any(_repeats(mine, other) for other in said):
            continue
        fit = relevance(text)
        if fit < MIN_RELEVANCE:
            continue
        score = fit * (1.0 + (sentence.bias or 0.0)) / (1.0 + POSITION * index)
        scored.append((score, index, text, mine))
    scored.sort(key=lambda item: -item[0])
    chosen: list[tuple[float, int, str, frozenset[str]]] = []
    for item in scored:
        if len(chosen) == QUOTES:
            break
        if chosen and (item[0] < SECOND_SHARE * chosen[0][0] or _repeats(item[3], chosen[0][3])):
            continue
        if repeats is not None and repeats(item[2]):
            continue  # checked last: it may encode the sentence
        chosen.append(item)
    chosen.sort(key=lambda item: item[1])  # in the writer's order
    return [
        SourceRef(
            article_id=article.id,
            sentence_index=index,
            outlet_name=article.outlet_name or "Unknown outlet",
            outlet_lean=article.outlet_lean,
            text=text,
        )
        for _score, index, text, _words in chosen
    ]


def _repeats(a: frozenset[str], b: frozenset[str]) -> bool:
    shared = len(a & b)
    return shared >= 3 and shared >= SAID_OVERLAP * min(len(a), len(b))
