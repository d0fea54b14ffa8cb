"""Atom feeds of stories (RFC 4287): the whole site and each topic."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from plumbline.core import Plumbline
from plumbline.models import StorySummary
from plumbline.web.render import templates

router = APIRouter(include_in_schema=False)
FEED_SIZE = 30
ATOM = "application/atom+xml; charset=utf-8"


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


def _feed(
    request: Request, title: str, path: str, html_path: str, stories: list[StorySummary]
) -> Response:
    base = _core(request).settings.site_url
    updated = max((s.updated_at for s in stories), default=datetime(2000, 1, 1, tzinfo=UTC))
    body = templates.get_template("atom.xml").render(
        title=title,
        base=base,
        self_url=f"{base}{path}",
        html_url=f"{base}{html_path}",
        updated=updated,
        stories=stories,
    )
    return Response(body, media_type=ATOM)


@router.get("/feed.atom")
def site_feed(request: Request, page: Annotated[int, Query(ge=1, le=1)] = 1) -> Response:
    stories = _core(request).stories(limit=FEED_SIZE, min_outlets=2)
    return _feed(request, "Plumbline: top stories", "/feed.atom", "/", stories)


@router.get("/topic/{slug}/feed.atom")
def topic_feed(request: Request, slug: str) -> Response:
    page = _core(request).topic(slug, limit=FEED_SIZE)
    return _feed(
        request,
        f"Plumbline: {page.topic.label}",
        f"/topic/{slug}/feed.atom",
        f"/topic/{slug}",
        page.stories,
    )
