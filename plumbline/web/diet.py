"""Your news diet (diet.py): the page, "Forget my history", and /go/, the way out to an
article that notes it in the diet of a reader who consented. Without consent, /go/ only
redirects and nothing is recorded (and story pages link to articles directly)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plumbline.core import Plumbline
from plumbline.models import NewsDiet
from plumbline.web.charts import diet_chart
from plumbline.web.consent import OPENED_COOKIE, SEEN_COOKIE, consent_state
from plumbline.web.forms import READER_COOKIE, check_form
from plumbline.web.render import render
from plumbline.web.visits import read_visits, remember_visit

router = APIRouter(include_in_schema=False)
Token = Annotated[str | None, Form(max_length=500)]


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


def recording(request: Request) -> tuple[str, int | None]:
    """Where this reader's diet is kept, with preference consent (whose description names
    the reading history): ("account", reader id) when signed in, ("browser", None)
    otherwise; ("off", None) without that consent (analytics consent is not enough: it
    promises no profile)."""
    core = _core(request)
    consent = consent_state(request, core.settings.consent_policy_version)
    if not consent.preferences:
        return "off", None
    reader_id = core.diets.signed_in(request.cookies.get(READER_COOKIE))
    return ("account", reader_id) if reader_id is not None else ("browser", None)


def current_diet(request: Request) -> NewsDiet:
    """The reader's diet from where it is kept; with recording off, a signed-in reader
    still sees (and can forget) what their account holds."""
    core = _core(request)
    mode, reader_id = recording(request)
    if mode == "off":
        reader_id = core.diets.signed_in(request.cookies.get(READER_COOKIE))
    if reader_id is not None:
        return core.diets.diet(mode, reader_id=reader_id)
    if mode == "browser":
        return core.diets.diet(
            mode,
            stories=read_visits(request.cookies.get(SEEN_COOKIE, "")),
            articles=read_visits(request.cookies.get(OPENED_COOKIE, "")),
        )
    return core.diets.diet(mode)


@router.get("/me/diet", response_class=HTMLResponse)
def diet_page(request: Request) -> Response:
    diet = current_diet(request)
    signed_in = _core(request).diets.signed_in(request.cookies.get(READER_COOKIE)) is not None
    return render(
        request,
        "diet.html",
        {
            "diet": diet,
            "chart": diet_chart(diet.weeks),
            "signed_in": signed_in,
            "forgotten": request.query_params.get("forgotten") == "1",
        },
    )


@router.post("/me/diet/forget")
def forget(
    request: Request, csrf_token: Annotated[str | None, Form(max_length=500)] = None
) -> Response:
    """Forget the reading history, wherever it is kept: the account's and this browser's."""
    check_form(request, csrf_token, "diet")
    core = _core(request)
    reader_id = core.diets.signed_in(request.cookies.get(READER_COOKIE))
    if reader_id is not None:
        core.diets.forget(reader_id)
    response = RedirectResponse("/me/diet?forgotten=1", status_code=303)
    response.delete_cookie(SEEN_COOKIE, path="/")
    response.delete_cookie(OPENED_COOKIE, path="/")
    return response


@router.get("/go/{article}")
def go(request: Request, article: str) -> Response:
    """Open an article on its outlet's site, noting it in a consenting reader's diet. Only
    a click on one of this site's pages counts (Sec-Fetch-Site), not a link elsewhere."""
    opened_at = datetime.now(UTC)
    core = _core(request)
    record = core.diets.article(article)
    response = RedirectResponse(record.url, status_code=303)
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return response
    mode, reader_id = recording(request)
    if mode == "account" and reader_id is not None:
        core.diets.record(reader_id, opened_at, article_id=record.id)
    elif mode == "browser":
        opened = read_visits(request.cookies.get(OPENED_COOKIE, ""))
        remember_visit(response, request, opened, record.id, opened_at, OPENED_COOKIE)
    return response
