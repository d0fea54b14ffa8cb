"""The JSON API under /api (OpenAPI at /api/openapi.json)."""

from __future__ import annotations

from datetime import date, datetime
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

from plumbline.analysis.prose import attributed
from plumbline.analysis.topic_names import TOPICS
from plumbline.analysis.wording import shown_phrases
from plumbline.core import Plumbline
from plumbline.errors import NotFound
from plumbline.models import (
    ArticleAnalysis,
    EntityToneView,
    StoryDetail,
)
from plumbline.web.diet import current_diet
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


class Schema(BaseModel):
    """The API's one schema layer: each model reads the domain object's attributes of the
    same name (``from_attributes``); aliases name the few that differ, computed fields add
    what the domain object leaves to the page (URLs, printed sentences)."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)


class LeanMixOut(Schema):
    left: int
    center: int
    right: int
    unrated: int


class StoryOut(Schema):
    id: int
    slug: str
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
    bias_interval: tuple[float, float] | None = Field(validation_alias="interval")
    low_confidence: bool
    low_confidence_reasons: list[str]
    blindspot: str | None
    blindspot_description: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        return f"/story/{self.slug}"


class SourceOut(Schema):
    article_id: int
    outlet: str = Field(validation_alias="outlet_name")
    lean: str = Field(validation_alias="outlet_lean")
    text: str


class SentenceOut(Schema):
    text: str  # the source sentence (relative dates written out)
    bias: float | None
    sources: list[SourceOut]
    attribution: list[str] = Field(
        default=[], description="Outlets the sentence is attributed to (accounts differ)"
    )
    paragraph: int = Field(default=0, description="Paragraph of its section, from 0")
    exclusive: bool = Field(
        default=False, description='No outlet of another side reported it ("Only X reported …")'
    )
    lower_first: bool | None = Field(default=None, exclude=True)

    @computed_field(  # type: ignore[prop-decorator]
        description='As the page prints it: "Fox News reported that …" when attributed'
    )
    @property
    def printed(self) -> str:
        return attributed(self.text, self.attribution, lower=self.lower_first)


class SectionOut(Schema):
    title: str
    kind: str = Field(default="", description="facts | background | next | differ")
    sentences: list[SentenceOut]


class PerspectiveOut(Schema):
    """How one side covered the story: quotations from its most central article, the
    outlet's words, never facts."""

    side: str
    article_id: int
    outlet: str = Field(validation_alias="outlet_name")
    title: str
    url: str
    kind: str  # news | opinion | analysis
    quotes: list[SourceOut]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def label(self) -> str:
        return f"How the {self.side} covered it"


class EvidenceOut(Schema):
    kind: str
    label: str
    anchor: str  # fragment id on the story page
    article_id: int | None


class AssessmentOut(Schema):
    text: str
    evidence: list[EvidenceOut]


class QuestionOut(Schema):
    text: str
    kind: str
    evidence: list[EvidenceOut]


class OmissionOut(Schema):
    fact: SentenceOut
    reported_by: list[str]
    missing_from: list[str]


class LeanOut(Schema):
    left: float
    center: float
    right: float


class ArticleOut(Schema):
    id: int
    url: str
    title: str
    outlet: str | None = Field(validation_alias="outlet_name")
    outlet_slug: str | None
    outlet_lean: str
    published: datetime | None
    bias_score: float | None
    lean: LeanOut | None
    loaded_phrases: list[str] = Field(validation_alias="analysis")
    near_duplicate_of: int | None = Field(validation_alias="duplicate_of")
    kind: str | None = Field(default=None, description="news | opinion | analysis")

    @field_validator("loaded_phrases", mode="before")
    @classmethod
    def _shown(cls, analysis: ArticleAnalysis | None) -> list[str]:
        """The loaded phrases the page shows (see analysis/wording.py)."""
        return [p.text for p in shown_phrases(analysis)] if analysis else []


class TimelineStepOut(Schema):
    when: datetime = Field(description="Published; when Plumbline fetched it if undated")
    dated: bool = Field(description="`when` is the publication time")
    day_only: bool = Field(description="The outlet gave only the day (`when` is 00:00 UTC)")
    added: datetime = Field(description="When Plumbline fetched the article")
    article_id: int
    title: str
    outlet_name: str
    outlet_slug: str | None
    side: str = Field(description="The outlet's lean: left, center, right or unrated")
    new_outlet: bool
    new_side: bool = Field(description="The first outlet of its side to cover the story")
    duplicate: bool = Field(description="A near-duplicate (wire) copy of an earlier article")
    articles: LeanMixOut = Field(description="Articles so far, by the lean of their outlet")
    outlets: LeanMixOut = Field(description="Outlets so far, by lean")
    coverage_score: float | None = Field(description="The coverage score with the articles so far")


class SideJoinedOut(Schema):
    side: str
    when: datetime
    outlet_name: str = Field(description="The side's first outlet")
    outlets: list[str] = Field(description="Every outlet of the side at that time (or day)")
    hours_after_first: float
    from_start: bool = Field(description="With the first report (the same day, for days)")


class StoryTimelineOut(Schema):
    story_id: int
    slug: str
    summary: str = Field(description="The timeline in plain sentences, as the page says it")
    first: TimelineStepOut | None = Field(description="The earliest article")
    first_outlets: list[str] = Field(
        description="Every outlet at the earliest time (articles that share a day are not "
        "ranked within it)"
    )
    sides: list[SideJoinedOut] = Field(description="When each side joined, in order")
    missing_sides: list[str] = Field(description="Sides with no outlet on the story yet")
    score_low: float | None = Field(description="The lowest coverage score along the way")
    score_high: float | None = Field(description="The highest coverage score along the way")
    score_first: float | None = Field(description="After the first scored article")
    score_last: float | None = Field(description="With every article (the story's score)")
    steps: list[TimelineStepOut] = Field(description="Every article, oldest first")


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

    @classmethod
    def of(cls, detail: StoryDetail) -> StoryDetailOut:
        """The story's summary fields, its write-up's parts and its articles."""
        summary, synthesis = detail.summary, detail.synthesis
        written = {
            "synthesis_bias_score": synthesis.bias_score,
            "lead_sentences": synthesis.lead,
            "sections": synthesis.sections,
            "perspectives": synthesis.perspectives,
            "note": synthesis.note,
            "assessment": synthesis.assessment,
            "questions": synthesis.questions,
            "omissions": synthesis.omissions,
        } if synthesis else {
            "synthesis_bias_score": None,
            "lead_sentences": [],
            "sections": [],
            "assessment": [],
            "questions": [],
            "omissions": [],
        }  # fmt: skip
        fields = {name: getattr(summary, name) for name in _SUMMARY_FIELDS}
        return cls.model_validate(
            {
                **fields,
                **written,
                "articles": detail.articles,
                "related_ids": [r.id for r in detail.related],
                "related": detail.related,
                "topic_stories": detail.topic_stories,
            }
        )


_SUMMARY_FIELDS = (
    *(f for f in StoryOut.model_fields if f != "bias_interval"),
    "interval",
    "tones",
)


class OutletOut(Schema):
    slug: str
    name: str
    homepage: str
    country: str
    lean: str
    lean_source: str
    feeds: list[str]
    enabled: bool


class OutletScoreOut(Schema):
    slug: str
    name: str
    n_scored: int = Field(description="Scored articles (wire copies left out)")
    mean: float = Field(description="Mean article bias score, 0 neutral - 100 biased")
    interval: tuple[float, float] | None = Field(
        description="95% t-interval of the mean over its articles; null below two articles"
    )


class PhraseUseOut(Schema):
    text: str
    articles: int = Field(description="How many of the articles read used it")


class EntityToneProfileOut(Schema):
    entity: str
    kind: str
    stories: int
    n_sentences: int = Field(description="Its sentences naming the entity")
    mean_tone: float = Field(description="Their mean VADER tone, -1 negative to +1 positive")
    others_mean: float | None = Field(description="The other outlets' in the same stories")
    others_sentences: int


class OutletProfileOut(Schema):
    score: OutletScoreOut | None = Field(description="Its articles' mean bias score")
    kinds: dict[str, int] = Field(description="Articles by kind: news, opinion, analysis")
    opinion_share: float | None = Field(description="Opinion pieces among labelled articles")
    phrases: list[PhraseUseOut] = Field(description="Its most used loaded phrases")
    phrase_articles: int = Field(description="The recent articles the phrases were read from")
    stories: int = Field(description="Stories with two or more outlets that it covered")
    alone: int = Field(description="Of those, stories no outlet of another side covered")
    peers: list[OutletScoreOut] = Field(
        description="The outlets of its lean with five or more scored articles (and itself), "
        "lowest mean first"
    )
    entity_tones: list[EntityToneProfileOut] = Field(
        description="The stories' main entities its sentences name most, with its mean tone "
        "(-1..1) and the other outlets' in the same stories"
    )


class OutletDetailOut(OutletOut):
    n_articles: int = Field(description="Analyzed articles stored")
    profile: OutletProfileOut | None = Field(
        description="What Plumbline measured of the outlet (docs/methodology.md, Outlets)"
    )


class DietSideOut(Schema):
    side: str
    weight: float = Field(
        description="Stories read split by their outlets' sides, plus articles opened"
    )
    share: float = Field(description="Of the left, center and right total, 0-1")
    stories: int = Field(description="Stories read that this side's outlets covered")
    opened: int = Field(description="Articles opened from this side's outlets")


class DietOutletOut(Schema):
    slug: str
    name: str
    lean: str
    opened: int


class DietTopicOut(Schema):
    slug: str
    label: str
    stories: int
    share: float = Field(description="Of the topic tags of the stories read, 0-1")
    site_share: float = Field(description="Of the topic tags of the site's stories, 0-1")


class DietWeekOut(Schema):
    week: date = Field(description="Monday of the ISO week")
    stories: int
    opened: int
    left: float
    center: float
    right: float


class OtherSideOut(Schema):
    story: StoryOut
    side: str = Field(description="The side read least, which covered this story too")
    outlets: int


class DietOut(Schema):
    recording: str = Field(description="account, browser (cookies on this device) or off")
    stories_read: int
    articles_opened: int
    first: datetime | None
    last: datetime | None
    sides: list[DietSideOut]
    outlets: list[DietOutletOut]
    topics: list[DietTopicOut]
    weeks: list[DietWeekOut]
    rare_sides: list[str]
    rare_topics: list[DietTopicOut]
    other_side: list[OtherSideOut]
    summary: str
    recent: list[StoryOut] = Field(description="The latest stories read, most recent first")


class PageOut(Schema):
    items: list[StoryOut]
    limit: int
    offset: int
    total: int


class TopicOut(Schema):
    slug: str
    label: str
    n_stories: int

    @computed_field  # type: ignore[prop-decorator]
    @property
    def url(self) -> str:
        return f"/topic/{self.slug}"


class TopicPageOut(PageOut):
    topic: TopicOut


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


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
    total = core.count_stories(min_outlets=min_outlets, topic=topic, blindspot=blindspot)
    return PageOut.model_validate(
        {"items": found, "limit": limit, "offset": offset, "total": total}
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
    return StoryDetailOut.of(detail)


@router.get(
    "/stories/{key}/timeline",
    response_model=StoryTimelineOut,
    summary="How a story's coverage grew",
    description="Who reported first, every article over time with the outlets and articles "
    "by side so far, when each side joined, and how the coverage score moved.",
    responses={**READ, **errors(404)},
)
def story_timeline(request: Request, key: str) -> StoryTimelineOut:
    return StoryTimelineOut.model_validate(_core(request).story_timeline(key))


@router.get("/outlets", response_model=list[OutletOut], summary="All outlets", responses=READ)
def outlets(request: Request) -> list[OutletOut]:
    return [OutletOut.model_validate(o) for o in _core(request).outlets()]


@router.get(
    "/outlets/{slug}",
    response_model=OutletDetailOut,
    summary="One outlet, with what Plumbline measured of it",
    responses={**READ, **errors(404)},
)
def outlet(request: Request, slug: str) -> OutletDetailOut:
    page = _core(request).outlet(slug, recent=0)
    fields = OutletOut.model_validate(page.outlet).model_dump()
    return OutletDetailOut.model_validate(
        {**fields, "n_articles": page.articles, "profile": page.profile}
    )


@router.get(
    "/topics",
    response_model=list[TopicOut],
    summary="Every topic, with its story count",
    responses=READ,
)
def topics(request: Request) -> list[TopicOut]:
    return [TopicOut.model_validate(t) for t in _core(request).topics()]


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
    return TopicPageOut.model_validate(
        {
            "topic": page.topic,
            "items": page.stories,
            "limit": limit,
            "offset": offset,
            "total": page.topic.n_stories,
        }
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
    return PageOut.model_validate(
        {"items": found, "limit": limit, "offset": offset, "total": total}
    )


@router.get(
    "/saved",
    response_model=list[StoryOut],
    summary="This browser's saved stories",
    responses=READ,
)
def saved(request: Request) -> list[StoryOut]:
    """The stories saved by the reader whose `pl_reader` cookie comes with the request."""
    return [
        StoryOut.model_validate(s)
        for s in _core(request).readers.saved(request.cookies.get(READER_COOKIE))
    ]


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


@router.get(
    "/me/diet",
    response_model=DietOut,
    summary="Your news diet",
    description="What this reader read on the site, by side, outlet and topic over time, the "
    "sides and topics they rarely read, and the other side of the stories they read. Kept "
    "only with their consent: in their account when signed in, otherwise in this browser's "
    "cookies; `recording` says which, and `off` answers an empty diet. Private: never cached "
    "by shared caches.",
    responses=READ,
)
def my_diet(request: Request) -> DietOut:
    return DietOut.model_validate(current_diet(request))


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
