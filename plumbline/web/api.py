"""The JSON API under /api (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from plumbline.core import Plumbline
from plumbline.models import ArticleRecord, EntityToneView, Outlet, StoryDetail, StorySummary

router = APIRouter(prefix="/api", tags=["api"])


class LeanMixOut(BaseModel):
    left: int
    center: int
    right: int
    unrated: int


class StoryOut(BaseModel):
    id: int
    slug: str
    url: str
    headline: str
    lead: str
    n_articles: int
    n_outlets: int
    bias_score: float | None
    lean_mix: LeanMixOut
    first_published: datetime | None
    last_published: datetime | None
    updated_at: datetime
    topics: list[str]
    bias_interval: tuple[float, float] | None
    low_confidence: bool
    low_confidence_reasons: list[str]
    blindspot: str | None
    blindspot_description: str


class SourceOut(BaseModel):
    article_id: int
    outlet: str
    lean: str
    text: str


class SentenceOut(BaseModel):
    text: str
    bias: float | None
    sources: list[SourceOut]


class SectionOut(BaseModel):
    title: str
    sentences: list[SentenceOut]


class ArticleOut(BaseModel):
    id: int
    url: str
    title: str
    outlet: str | None
    outlet_slug: str | None
    outlet_lean: str
    published: datetime | None
    bias_score: float | None
    lean: dict[str, float] | None
    loaded_phrases: list[str]
    near_duplicate_of: int | None


class StoryDetailOut(StoryOut):
    synthesis_bias_score: float | None
    tones: list[EntityToneView]
    lead_sentences: list[SentenceOut]
    sections: list[SectionOut]
    articles: list[ArticleOut]


class OutletOut(BaseModel):
    slug: str
    name: str
    homepage: str
    country: str
    lean: str
    lean_source: str
    feeds: list[str]
    enabled: bool


class PageOut(BaseModel):
    items: list[StoryOut]
    limit: int
    offset: int
    total: int


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


def story_out(s: StorySummary) -> StoryOut:
    return StoryOut(
        id=s.id,
        slug=s.slug,
        url=f"/story/{s.slug}",
        headline=s.headline,
        lead=s.lead,
        n_articles=s.n_articles,
        n_outlets=s.n_outlets,
        bias_score=s.bias_score,
        lean_mix=LeanMixOut(
            left=s.lean_mix.left,
            center=s.lean_mix.center,
            right=s.lean_mix.right,
            unrated=s.lean_mix.unrated,
        ),
        first_published=s.first_published,
        last_published=s.last_published,
        updated_at=s.updated_at,
        topics=s.topics,
        bias_interval=s.interval,
        low_confidence=s.low_confidence,
        low_confidence_reasons=s.low_confidence_reasons,
        blindspot=s.blindspot.value if s.blindspot else None,
        blindspot_description=s.blindspot_description,
    )


def _outlet_out(o: Outlet) -> OutletOut:
    return OutletOut(
        slug=o.slug,
        name=o.name,
        homepage=o.homepage,
        country=o.country,
        lean=o.lean.value,
        lean_source=o.lean_source,
        feeds=o.feeds,
        enabled=o.enabled,
    )


def _article_out(a: ArticleRecord) -> ArticleOut:
    return ArticleOut(
        id=a.id,
        url=a.url,
        title=a.title,
        outlet=a.outlet_name,
        outlet_slug=a.outlet_slug,
        outlet_lean=a.outlet_lean.value,
        published=a.published,
        bias_score=a.bias_score,
        lean={"left": a.lean.left, "center": a.lean.center, "right": a.lean.right}
        if a.lean
        else None,
        loaded_phrases=[p.text for p in a.analysis.loaded_phrases] if a.analysis else [],
        near_duplicate_of=a.duplicate_of,
    )


def _detail_out(d: StoryDetail) -> StoryDetailOut:
    def sentences(items: list) -> list[SentenceOut]:  # type: ignore[type-arg]
        return [
            SentenceOut(
                text=s.text,
                bias=s.bias,
                sources=[
                    SourceOut(
                        article_id=r.article_id,
                        outlet=r.outlet_name,
                        lean=r.outlet_lean.value,
                        text=r.text,
                    )
                    for r in s.sources
                ],
            )
            for s in items
        ]

    synthesis = d.synthesis
    return StoryDetailOut(
        **story_out(d.summary).model_dump(),
        synthesis_bias_score=synthesis.bias_score if synthesis else None,
        tones=d.summary.tones,
        lead_sentences=sentences(synthesis.lead) if synthesis else [],
        sections=[
            SectionOut(title=s.title, sentences=sentences(s.sentences)) for s in synthesis.sections
        ]
        if synthesis
        else [],
        articles=[_article_out(a) for a in d.articles],
    )


@router.get("/stories", response_model=PageOut, summary="Stories, newest and most covered first")
def stories(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    min_outlets: Annotated[
        int, Query(ge=1, le=1000, description="Only stories this many outlets covered")
    ] = 1,
) -> PageOut:
    core = _core(request)
    items = [
        story_out(s) for s in core.stories(limit=limit, offset=offset, min_outlets=min_outlets)
    ]
    return PageOut(items=items, limit=limit, offset=offset, total=core.repo.count_stories())


@router.get("/stories/{key}", response_model=StoryDetailOut, summary="One story with its analysis")
def story(request: Request, key: str) -> StoryDetailOut:
    return _detail_out(_core(request).story(key))


@router.get("/outlets", response_model=list[OutletOut], summary="All outlets")
def outlets(request: Request) -> list[OutletOut]:
    return [_outlet_out(o) for o in _core(request).outlets()]


@router.get("/outlets/{slug}", response_model=OutletOut, summary="One outlet")
def outlet(request: Request, slug: str) -> OutletOut:
    return _outlet_out(_core(request).outlet(slug, recent=0).outlet)
