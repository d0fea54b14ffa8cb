"""Jinja2 environment (autoescaping everything) and the filters the templates use."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from plumbline.analysis.assess import bias_label
from plumbline.analysis.prose import attributed
from plumbline.analysis.timeline import settled
from plumbline.analysis.topic_names import TOPICS, topic_label
from plumbline.analysis.wording import shown_phrases
from plumbline.models import ArticleAnalysis, ArticleRecord, Lean, LeanMix
from plumbline.web.charts import history_chart, timeline_chart
from plumbline.web.consent import THEME_COOKIE, consent_state
from plumbline.web.forms import READER_COOKIE, FormGuard

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
)


def form_token(request: Request, purpose: str = "form") -> str:
    """The CSRF token a form on this page posts back (see web/forms.py)."""
    guard: FormGuard = request.app.state.forms
    return guard.token(request, purpose)


def page_context(request: Request) -> dict[str, Any]:
    """What every page needs: the reader's consent state (the banner shows until a
    choice exists), their theme preference and the page's own path (forms return to it)."""
    core = getattr(request.app.state, "core", None)
    version = core.settings.consent_policy_version if core else "1"
    consent = consent_state(request, version)
    theme = request.cookies.get(THEME_COOKIE, "") if consent.preferences else ""
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    reader = request.cookies.get(READER_COOKIE)
    return {
        "consent": consent,
        "theme": theme if theme in ("light", "dark") else "",
        "here": path[:500],
        "saved_ids": core.readers.saved_ids(reader) if core and reader else set(),
    }


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = templates.TemplateResponse(
        request, name, {**page_context(request), **context}, status_code=status
    )
    return response


def date(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else "date unknown"


def moment(value: datetime | None) -> str:
    """A date with its time of day, in UTC: "6 Jun 2020, 14:05 UTC"."""
    if value is None:
        return "date unknown"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%-d %b %Y, %H:%M UTC")


def duration(hours: float) -> str:
    """A span in words a reader takes in at once: "at once", "40 minutes", "5 hours",
    "2.5 days"."""
    if hours < 1 / 60:
        return "at once"
    if hours < 1:
        return f"{round(hours * 60)} minutes"
    if hours < 48:
        whole = round(hours)
        return f"{whole} hour{'s' if whole != 1 else ''}"
    return f"{hours / 24:.1f} days".replace(".0 days", " days")


def lean_parts(mix: LeanMix) -> list[tuple[str, int, float]]:
    """(lean, count, share of rated outlets) for the mix bar, left to right."""
    total = mix.left + mix.center + mix.right
    return [
        (name, count, (count / total) if total else 0.0)
        for name, count in (("left", mix.left), ("center", mix.center), ("right", mix.right))
    ]


def highlight(text: str, phrases: list[str]) -> list[tuple[str, bool]]:
    """`text` cut into (part, is_loaded) pieces so a template can mark the loaded phrases
    while escaping everything."""
    spans: list[tuple[int, int]] = []
    lowered = text.lower()
    for phrase in sorted({p.lower() for p in phrases if p.strip()}, key=len, reverse=True):
        start = lowered.find(phrase)
        while start >= 0:
            end = start + len(phrase)
            if all(end <= a or start >= b for a, b in spans):
                spans.append((start, end))
            start = lowered.find(phrase, end)
    parts: list[tuple[str, bool]] = []
    cursor = 0
    for start, end in sorted(spans):
        if start > cursor:
            parts.append((text[cursor:start], False))
        parts.append((text[start:end], True))
        cursor = end
    if cursor < len(text):
        parts.append((text[cursor:], False))
    return parts


def loaded_sentences(article: ArticleRecord, limit: int = 2) -> list[list[tuple[str, bool]]]:
    """The article's most biased sentences that hold loaded phrases, highlighted."""
    if article.analysis is None:
        return []
    by_sentence = _by_sentence(article.analysis)
    sentences = article.analysis.sentences
    ranked = sorted(
        (i for i in by_sentence if 0 <= i < len(sentences)),
        key=lambda i: -(sentences[i].bias or 0.0),
    )
    return [highlight(sentences[i].text, by_sentence[i]) for i in ranked[:limit]]


def phrase_checks(article: ArticleRecord) -> list[list[tuple[str, bool]]]:
    """Every sentence of the article with highlighted phrases, in reading order, cut as
    :func:`highlight` cuts it (the "Check the highlights" page)."""
    if article.analysis is None:
        return []
    by_sentence = _by_sentence(article.analysis)
    sentences = article.analysis.sentences
    return [
        highlight(sentences[i].text, by_sentence[i])
        for i in sorted(by_sentence)
        if 0 <= i < len(sentences)
    ]


def _by_sentence(analysis: ArticleAnalysis) -> dict[int, list[str]]:
    """The shown loaded phrases of an analysis, by the index of their sentence."""
    by_sentence: dict[int, list[str]] = {}
    for phrase in shown_phrases(analysis):
        by_sentence.setdefault(phrase.sentence_index, []).append(phrase.text)
    return by_sentence


def marked(parts: list[tuple[str, bool]]) -> list[str]:
    """The distinct highlighted phrases of a cut sentence, as written there."""
    found: dict[str, str] = {}
    for text, loaded in parts:
        if loaded:
            found.setdefault(" ".join(text.split()).lower(), text)
    return list(found.values())


SIDE_HEADINGS = (
    (Lean.LEFT, "Left-leaning outlets"),
    (Lean.CENTER, "Center outlets"),
    (Lean.RIGHT, "Right-leaning outlets"),
    (Lean.UNRATED, "Outlets without a lean rating"),
)


def by_side(articles: list[ArticleRecord]) -> list[tuple[str, str, list[ArticleRecord]]]:
    """The story's articles grouped by their outlet's lean: (lean, heading, articles) for
    each side that has any, left to right, unrated last."""
    groups = []
    for lean, heading in SIDE_HEADINGS:
        members = [a for a in articles if a.outlet_lean == lean]
        if members:
            groups.append((lean.value, heading, members))
    return groups


templates.env.globals["attributed"] = attributed
templates.env.filters["bias_label"] = bias_label
templates.env.globals["form_token"] = form_token
templates.env.globals["history_chart"] = history_chart
templates.env.globals["by_side"] = by_side
templates.env.globals["loaded_sentences"] = loaded_sentences
templates.env.globals["phrase_checks"] = phrase_checks
templates.env.globals["marked"] = marked
templates.env.globals["shown_phrases"] = shown_phrases
templates.env.filters["date"] = date
templates.env.filters["moment"] = moment
templates.env.filters["duration"] = duration
templates.env.globals["timeline_chart"] = timeline_chart
templates.env.globals["settled"] = settled
templates.env.filters["topic_label"] = topic_label
templates.env.tests["topic"] = TOPICS.__contains__  # a slug of the reader vocabulary
templates.env.globals["lean_parts"] = lean_parts
