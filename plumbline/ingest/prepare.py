"""What an article's text becomes when it enters: page furniture removed (analysis/clean.py)
and its kind labelled (analysis/kinds.py), once, for every consumer after."""

from __future__ import annotations

from dataclasses import dataclass

from plumbline.analysis.clean import clean_text
from plumbline.analysis.kinds import article_kind
from plumbline.models import ArticleKind


@dataclass(frozen=True, slots=True)
class PreparedText:
    text: str
    kind: ArticleKind


def prepare_text(*, url: str, title: str, text: str, outlet: str = "") -> PreparedText:
    """`text` cleaned of page furniture, and the article's kind (news, opinion or
    analysis) read from its URL, title, outlet name, text and what cleaning removed."""
    cleaned = clean_text(text)
    kind = article_kind(
        url=url, title=title, text=cleaned.text, outlet=outlet, removed=cleaned.removed
    )
    return PreparedText(cleaned.text, kind)
