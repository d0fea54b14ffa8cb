"""HTML pages. Each handler parses input, calls one Plumbline method, renders a template."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plumbline.core import Plumbline
from plumbline.web.render import render

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 30
FRONT_MIN_OUTLETS = 2  # a story told by one outlet is not yet a story from every side


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


@router.get("/", response_class=HTMLResponse)
def front(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
    core = _core(request)
    stories = core.stories(
        limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE, min_outlets=FRONT_MIN_OUTLETS
    )
    return render(
        request,
        "index.html",
        {
            "stories": stories[:PAGE_SIZE],
            "page": page,
            "has_next": len(stories) > PAGE_SIZE,
        },
    )


@router.get("/story/{key}", response_class=HTMLResponse)
def story(request: Request, key: str) -> Response:
    detail = _core(request).story(key)
    if key != detail.summary.slug:
        return RedirectResponse(f"/story/{detail.summary.slug}", status_code=301)
    return render(request, "story.html", {"story": detail})


@router.get("/outlets", response_class=HTMLResponse)
def outlets(request: Request) -> Response:
    return render(request, "outlets.html", {"outlets": _core(request).outlets()})


@router.get("/outlet/{slug}", response_class=HTMLResponse)
def outlet(request: Request, slug: str) -> Response:
    return render(request, "outlet.html", {"page": _core(request).outlet(slug)})
