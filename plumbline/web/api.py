"""The JSON API under /api (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, Field

from plumbline.analysis.prose import attributed
from plumbline.analysis.topic_names import TOPICS
from plumbline.analysis.wording import shown_phrases
from plumbline.core import Plumbline
from plumbline.errors import NotFound
from plumbline.models import (
    ArticleRecord,
    EntityToneView,
    EvidenceRef,
    Outlet,
    Perspective,
    SourceRef,
    StoryDetail,
    StorySummary,
    SynthSentence,
    TopicSummary,
)
from plumbline.web.forms import READER_COOKIE, check_form, set_reader_cookie


class ErrorOut(BaseModel):
    """Every error the API answers has this body (web/app.py renders it)."""

    error: str = Field(description="What went wrong, in a few words")
    detail: str = Field(description="Why, and what to change")
    status: int = Field(description="The HTTP status, repeated")


_ERRORS = {
    400: "Invalid parameters (the detail names them)",
    403: "The X-CSRF-Token header is missing, expired or belongs to another browser",
    404: "No such story, outlet or topic",
    411: "A request body must say its length",
    413: "The request body is larger than allowed",
    500: "Something went wrong on the server (logged)",
}
_NOT_MODIFIED = {"description": "The copy named by If-None-Match or If-Modified-Since is current"}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the error statuses a route can answer."""
    return {s: {"model": ErrorOut, "description": _ERRORS[s]} for s in statuses}


#: Every read: the answer, a 304 for a current copy, bad parameters, a server error.
READ = {304: _NOT_MODIFIED, **errors(400, 500)}
#: Every write: the token check and the body limits besides.
WRITE = errors(400, 403, 404, 411, 413, 500)

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
    text: str  # the source sentence (relative dates written out)
    bias: float | None
    sources: list[SourceOut]
    attribution: list[str] = Field(
        default=[], description="Outlets the sentence is attributed to (accounts differ)"
    )
    printed: str = Field(
        default="", description='As the page prints it: "Fox News reported that …" when attributed'
    )
    paragraph: int = Field(default=0, description="Paragraph of its section, from 0")
    exclusive: bool = Field(
        default=False, description='No outlet of another side reported it ("Only X reported …")'
    )


class SectionOut(BaseModel):
    title: str
    kind: str = Field(default="", description="facts | background | next | differ")
    sentences: list[SentenceOut]


class PerspectiveOut(BaseModel):
    """How one side covered the story: quotations from its most central article, the
    outlet's words, never facts."""

    side: str
    label: str  # "How the left covered it"
    article_id: int
    outlet: str
    title: str
    url: str
    kind: str  # news | opinion | analysis
    quotes: list[SourceOut]


class EvidenceOut(BaseModel):
    kind: str
    label: str
    anchor: str  # fragment id on the story page
    article_id: int | None


class AssessmentOut(BaseModel):
    text: str
    evidence: list[EvidenceOut]


class QuestionOut(BaseModel):
    text: str
    kind: str
    evidence: list[EvidenceOut]


class OmissionOut(BaseModel):
    fact: SentenceOut
    reported_by: list[str]
    missing_from: list[str]


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
    kind: str | None = Field(default=None, description="news | opinion | analysis")


class StoryDetailOut(StoryOut):
    synthesis_bias_score: float | None
    tones: list[EntityToneView]
    lead_sentences: list[SentenceOut]
    sections: list[SectionOut]
    perspectives: list[PerspectiveOut] = []
    note: str = ""  # why there is no factual account (only opinion pieces cover it)
    assessment: list[AssessmentOut]
    questions: list[QuestionOut]
    omissions: list[OmissionOut]
    articles: list[ArticleOut]
    related_ids: list[int]
    related: list[StoryOut]
    topic_stories: list[StoryOut]


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


class TopicOut(BaseModel):
    slug: str
    label: str
    url: str
    n_stories: int


class TopicPageOut(PageOut):
    topic: TopicOut


def _topic_out(t: TopicSummary) -> TopicOut:
    return TopicOut(slug=t.slug, label=t.label, url=f"/topic/{t.slug}", n_stories=t.n_stories)


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
        loaded_phrases=[p.text for p in shown_phrases(a.analysis)] if a.analysis else [],
        near_duplicate_of=a.duplicate_of,
        kind=a.kind.value if a.kind else None,
    )


def _evidence_out(refs: list[EvidenceRef]) -> list[EvidenceOut]:
    return [
        EvidenceOut(kind=e.kind, label=e.label, anchor=e.anchor, article_id=e.article_id)
        for e in refs
    ]


def _source_out(r: SourceRef) -> SourceOut:
    return SourceOut(
        article_id=r.article_id, outlet=r.outlet_name, lean=r.outlet_lean.value, text=r.text
    )


def _perspective_out(p: Perspective) -> PerspectiveOut:
    return PerspectiveOut(
        side=p.side.value,
        label=f"How the {p.side.value} covered it",
        article_id=p.article_id,
        outlet=p.outlet_name,
        title=p.title,
        url=p.url,
        kind=p.kind.value,
        quotes=[_source_out(r) for r in p.quotes],
    )


def _detail_out(d: StoryDetail) -> StoryDetailOut:
    def sentences(items: list[SynthSentence]) -> list[SentenceOut]:
        return [
            SentenceOut(
                text=s.text,
                bias=s.bias,
                sources=[_source_out(r) for r in s.sources],
                attribution=s.attribution,
                printed=attributed(s.text, s.attribution, lower=s.lower_first),
                paragraph=s.paragraph,
                exclusive=s.exclusive,
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
            SectionOut(title=s.title, kind=s.kind, sentences=sentences(s.sentences))
            for s in synthesis.sections
        ]
        if synthesis
        else [],
        perspectives=[_perspective_out(p) for p in synthesis.perspectives] if synthesis else [],
        note=synthesis.note if synthesis else "",
        assessment=[
            AssessmentOut(text=a.text, evidence=_evidence_out(a.evidence))
            for a in (synthesis.assessment if synthesis else [])
        ],
        questions=[
            QuestionOut(text=q.text, kind=q.kind, evidence=_evidence_out(q.evidence))
            for q in (synthesis.questions if synthesis else [])
        ],
        omissions=[
            OmissionOut(
                fact=sentences([o.fact])[0],
                reported_by=[x.value for x in o.reported_by],
                missing_from=[x.value for x in o.missing_from],
            )
            for o in (synthesis.omissions if synthesis else [])
        ],
        articles=[_article_out(a) for a in d.articles],
        related_ids=[r.id for r in d.related],
        related=[story_out(r) for r in d.related],
        topic_stories=[story_out(r) for r in d.topic_stories],
    )


@router.get(
    "/stories",
    response_model=PageOut,
    summary="Stories, newest and most covered first",
    responses={**READ, **errors(404)},
)
def stories(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    min_outlets: Annotated[
        int, Query(ge=1, le=1000, description="Only stories this many outlets covered")
    ] = 1,
    topic: Annotated[str | None, Query(max_length=40, description="Only this topic")] = None,
    blindspot: Annotated[bool, Query(description="Only blindspots")] = False,
) -> PageOut:
    core = _core(request)
    if topic and topic not in TOPICS:
        raise NotFound(f"no topic {topic!r}")
    found = core.stories(
        limit=limit, offset=offset, min_outlets=min_outlets, topic=topic, blindspot=blindspot
    )
    return PageOut(
        items=[story_out(s) for s in found],
        limit=limit,
        offset=offset,
        total=core.count_stories(min_outlets=min_outlets, topic=topic, blindspot=blindspot),
    )


@router.get(
    "/stories/{key}",
    response_model=StoryDetailOut,
    summary="One story with its analysis",
    responses={**READ, **errors(404)},
)
def story(request: Request, key: str, response: Response) -> StoryDetailOut:
    detail = _core(request).story(key)
    response.headers["Last-Modified"] = format_datetime(detail.summary.updated_at, usegmt=True)
    return _detail_out(detail)


@router.get("/outlets", response_model=list[OutletOut], summary="All outlets", responses=READ)
def outlets(request: Request) -> list[OutletOut]:
    return [_outlet_out(o) for o in _core(request).outlets()]


@router.get(
    "/outlets/{slug}",
    response_model=OutletOut,
    summary="One outlet",
    responses={**READ, **errors(404)},
)
def outlet(request: Request, slug: str) -> OutletOut:
    return _outlet_out(_core(request).outlet(slug, recent=0).outlet)


@router.get(
    "/topics",
    response_model=list[TopicOut],
    summary="Every topic, with its story count",
    responses=READ,
)
def topics(request: Request) -> list[TopicOut]:
    return [_topic_out(t) for t in _core(request).topics()]


@router.get(
    "/topics/{slug}",
    response_model=TopicPageOut,
    summary="A topic's stories, most recent first",
    responses={**READ, **errors(404)},
)
def topic(
    request: Request,
    slug: str,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> TopicPageOut:
    page = _core(request).topic(slug, limit=limit, offset=offset)
    return TopicPageOut(
        topic=_topic_out(page.topic),
        items=[story_out(s) for s in page.stories],
        limit=limit,
        offset=offset,
        total=page.topic.n_stories,
    )


@router.get(
    "/search",
    response_model=PageOut,
    summary="Stories matching every word of q",
    responses=READ,
)
def search(
    request: Request,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"\w",
            description="Words to find (letters or digits; punctuation alone matches nothing)",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> PageOut:
    found, total = _core(request).search(q, limit=limit, offset=offset)
    return PageOut(items=[story_out(s) for s in found], limit=limit, offset=offset, total=total)


@router.get(
    "/saved",
    response_model=list[StoryOut],
    summary="This browser's saved stories",
    responses=READ,
)
def saved(request: Request) -> list[StoryOut]:
    """The stories saved by the reader whose `pl_reader` cookie comes with the request."""
    return [story_out(s) for s in _core(request).readers.saved(request.cookies.get(READER_COOKIE))]


@router.put(
    "/saved/{key}",
    status_code=204,
    summary="Save a story (needs X-CSRF-Token)",
    responses=WRITE,
)
def save(request: Request, key: str) -> Response:
    """Save a story for this browser. The X-CSRF-Token header must carry the `save` form
    token of one of the site's pages (the same check as the HTML forms)."""
    check_form(request, request.headers.get("x-csrf-token"), "save")
    token = _core(request).readers.save(request.cookies.get(READER_COOKIE), key)
    response = Response(status_code=204)
    if token != request.cookies.get(READER_COOKIE):
        set_reader_cookie(response, request, token)
    return response


@router.delete(
    "/saved/{key}",
    status_code=204,
    summary="Unsave a story (needs X-CSRF-Token)",
    responses=WRITE,
)
def unsave(request: Request, key: str) -> Response:
    check_form(request, request.headers.get("x-csrf-token"), "save")
    _core(request).readers.unsave(request.cookies.get(READER_COOKIE), key)
    return Response(status_code=204)


def openapi_schema(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document as the API really answers: invalid parameters are 400
    with :class:`ErrorOut` (web/app.py), never FastAPI's default 422 body."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        for path in schema.get("paths", {}).values():
            for operation in path.values():
                operation.get("responses", {}).pop("422", None)
        for name in ("HTTPValidationError", "ValidationError"):
            schema.get("components", {}).get("schemas", {}).pop(name, None)
        app.openapi_schema = schema
    return app.openapi_schema
