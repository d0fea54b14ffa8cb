"""HTML pages. Each handler parses input, calls one Plumbline method, renders a template."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plumbline.analysis.timeline import new_since
from plumbline.analysis.topic_names import TOPICS
from plumbline.core import Plumbline
from plumbline.errors import InvalidInput, NotFound
from plumbline.models import StoryDetail, StorySummary
from plumbline.web.consent import consent_state
from plumbline.web.diet import recording
from plumbline.web.forms import READER_COOKIE
from plumbline.web.render import render
from plumbline.web.timing import TimedRoute
from plumbline.web.visits import last_visit, remember_visit

router = APIRouter(include_in_schema=False, route_class=TimedRoute)
PAGE_SIZE = 30
SEARCH_PAGE = 20
FRONT_MIN_OUTLETS = 2  # a story told by one outlet is not yet a story from every side


def _pages(path: str, params: dict[str, str], page: int, has_next: bool) -> dict[str, str]:
    """The previous and next page links of a list at `path` ("" where there is none); the
    first page's link carries no page number, so it is the list's own address."""

    def link(number: int) -> str:
        query = urlencode({**params, "page": number} if number > 1 else params)
        return f"{path}?{query}" if query else path

    return {
        "prev_href": link(page - 1) if page > 1 else "",
        "next_href": link(page + 1) if has_next else "",
    }


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


@router.get("/", response_class=HTMLResponse)
def front(
    request: Request,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    topic: Annotated[str | None, Query(max_length=40)] = None,
    blindspot: Annotated[bool, Query()] = False,
) -> Response:
    core = _core(request)
    if topic and topic not in TOPICS:
        raise NotFound(f"no topic {topic!r}")
    stories = core.stories(
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
        min_outlets=FRONT_MIN_OUTLETS,
        topic=topic or None,
        blindspot=blindspot,
    )
    filters = {k: v for k, v in (("topic", topic or ""), ("blindspot", "1" if blindspot else ""))
               if v}  # fmt: skip
    return render(
        request,
        "index.html",
        {
            "stories": stories[:PAGE_SIZE],
            **_pages("/", filters, page, len(stories) > PAGE_SIZE),
            "topic": topic or "",
            "blindspot": blindspot,
            "filters": filters,
            "topics": core.topics(),
            "backlog": core.backlog_if_busy(),
        },
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    q: Annotated[str, Query(max_length=200)] = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> Response:
    stories: list[StorySummary] = []
    total, hint = 0, ""
    if q.strip():
        try:
            stories, total = _core(request).search(
                q, limit=SEARCH_PAGE, offset=(page - 1) * SEARCH_PAGE
            )
        except InvalidInput as exc:  # nothing searchable in it (a quote, an emoji): say so
            hint = exc.message
    return render(
        request,
        "search.html",
        {"q": q, "stories": stories, "total": total, "hint": hint,
         **_pages("/search", {"q": q}, page, page * SEARCH_PAGE < total)},
    )  # fmt: skip


@router.get("/story/{key}", response_class=HTMLResponse)
def story(request: Request, key: str) -> Response:
    read_at = datetime.now(UTC)  # the visit, for "new since your last visit"
    detail = _core(request).story(key)
    if key != detail.summary.slug:
        return RedirectResponse(f"/story/{detail.summary.slug}", status_code=301)
    core = _core(request)
    consent = consent_state(request, core.settings.consent_policy_version)
    if consent.analytics:
        core.readers.count_view(detail.summary.id)  # first-party, only with consent
    answers = _answers(request, detail)
    mode, reader_id = recording(request)
    if mode == "account" and reader_id is not None:
        core.diets.record(reader_id, read_at, story_id=detail.summary.id)
    diet_on = mode != "off"  # article links go through /go/, which notes them in the diet
    if not consent.preferences:
        return render(
            request,
            "story.html",
            {"story": detail, "last_visit": None, "new": [], "new_ids": set(), "answers": answers,
             "diet_on": diet_on},
        )  # fmt: skip
    seen, visits = last_visit(request, detail.summary.id)
    new = new_since(detail.timeline, seen) if seen and detail.timeline else []
    response = render(
        request,
        "story.html",
        {"story": detail, "last_visit": seen, "new": new, "answers": answers,
         "new_ids": {s.article_id for s in new}, "diet_on": diet_on},
    )  # fmt: skip
    remember_visit(response, request, visits, detail.summary.id, read_at)
    return response


@router.get("/story/{key}/phrases", response_class=HTMLResponse)
def story_phrases(request: Request, key: str) -> Response:
    """Every phrase the model highlighted in the story's articles, each with "Is this
    loaded? yes / no"."""
    detail = _core(request).story(key)
    if key != detail.summary.slug:
        return RedirectResponse(f"/story/{detail.summary.slug}/phrases", status_code=301)
    return render(request, "phrases.html", {"story": detail, "answers": _answers(request, detail)})


def _answers(request: Request, detail: StoryDetail) -> dict[tuple[int, str], bool]:
    """This browser's earlier answers about the story's highlighted phrases."""
    token = request.cookies.get(READER_COOKIE)
    if not token:
        return {}
    return _core(request).feedback.reader_votes(token, [a.id for a in detail.articles])


@router.get("/outlets", response_class=HTMLResponse)
def outlets(request: Request) -> Response:
    return render(request, "outlets.html", {"outlets": _core(request).outlets()})


@router.get("/outlet/{slug}", response_class=HTMLResponse)
def outlet(request: Request, slug: str) -> Response:
    return render(request, "outlet.html", {"page": _core(request).outlet(slug)})


@router.get("/topics", response_class=HTMLResponse)
def topics(request: Request) -> Response:
    return render(request, "topics.html", {"topics": _core(request).topics()})


@router.get("/topic/{slug}", response_class=HTMLResponse)
def topic(
    request: Request, slug: str, page: Annotated[int, Query(ge=1, le=10_000)] = 1
) -> Response:
    found = _core(request).topic(slug, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    if page > 1 and not found.stories:
        raise NotFound(f"topic {slug!r} has no page {page}")
    has_next = len(found.stories) > PAGE_SIZE
    found.stories = found.stories[:PAGE_SIZE]
    return render(
        request, "topic.html", {"topic": found, **_pages(f"/topic/{slug}", {}, page, has_next)}
    )
