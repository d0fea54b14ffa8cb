"""Reader pages: saved stories (bookmarks), sign-in by emailed link, the reader's data
(export, delete), cookie consent and preferences. Every form post goes through
check_form (same origin + signed token)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plumbline.core import Plumbline
from plumbline.errors import InvalidInput
from plumbline.models import ConsentChoice
from plumbline.web.consent import (
    CONSENT_COOKIE,
    OPENED_COOKIE,
    SEEN_COOKIE,
    THEME_COOKIE,
    consent_state,
    set_consent_cookie,
)
from plumbline.web.forms import (
    READER_COOKIE,
    check_form,
    set_reader_cookie,
)
from plumbline.web.limits import form_limits
from plumbline.web.render import render
from plumbline.web.visits import read_visits

router = APIRouter(include_in_schema=False)
Token = Annotated[str | None, Form(max_length=500)]


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


def _back(next_url: str | None, fallback: str) -> str:
    """A same-site path to return to (never another site: open redirects)."""
    if next_url and next_url.startswith("/") and not next_url.startswith(("//", "/\\")):
        return next_url[:500]
    return fallback


# ------------------------------------------------------------------ bookmarks
@router.post("/saved/{key}")
def save(
    request: Request, key: str, csrf_token: Token = None, next: Annotated[str | None, Form()] = None
) -> Response:
    check_form(request, csrf_token, "save")
    token = _core(request).readers.save(request.cookies.get(READER_COOKIE), key)
    response = RedirectResponse(_back(next, f"/story/{key}"), status_code=303)
    if token != request.cookies.get(READER_COOKIE):
        set_reader_cookie(response, request, token)  # strictly necessary: set on first save only
    return response


@router.post("/saved/{key}/remove")
def unsave(
    request: Request, key: str, csrf_token: Token = None, next: Annotated[str | None, Form()] = None
) -> Response:
    check_form(request, csrf_token, "save")
    _core(request).readers.unsave(request.cookies.get(READER_COOKIE), key)
    return RedirectResponse(_back(next, "/saved"), status_code=303)


@router.get("/saved", response_class=HTMLResponse)
def saved(request: Request) -> Response:
    readers = _core(request).readers
    token = request.cookies.get(READER_COOKIE)
    return render(
        request,
        "saved.html",
        {"stories": readers.saved(token), "email": readers.email(token)},
    )


# ------------------------------------------------------ "Is this loaded?"
@router.post("/feedback/phrase")
def phrase_answer(
    request: Request,
    article: Annotated[str, Form(max_length=20)] = "",
    phrase: Annotated[str, Form(max_length=200)] = "",
    answer: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Token = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """A reader's answer about a highlighted phrase; back to the page it was given on."""
    check_form(request, csrf_token, "phrase")
    form_limits(request).hit(request, "phrase")
    token = _core(request).feedback.vote(
        request.cookies.get(READER_COOKIE), article, phrase, answer
    )
    response = RedirectResponse(_back(next, "/"), status_code=303)
    if token != request.cookies.get(READER_COOKIE):
        set_reader_cookie(response, request, token)  # strictly necessary: one answer each
    return response


# -------------------------------------------------------------------- sign-in
@router.get("/signin", response_class=HTMLResponse)
def sign_in_page(request: Request) -> Response:
    return render(request, "signin.html", {"sent": False})


@router.post("/signin", response_class=HTMLResponse)
def sign_in_request(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    csrf_token: Token = None,
) -> Response:
    check_form(request, csrf_token, "signin")
    core = _core(request)
    form_limits(request).hit(request, "signin")
    core.readers.request_sign_in(email, request.cookies.get(READER_COOKIE))
    return render(request, "signin.html", {"sent": True})


@router.get("/signin/verify", response_class=HTMLResponse)
def sign_in_confirm_page(
    request: Request, token: Annotated[str, Query(max_length=200)] = ""
) -> Response:
    # a button, not an automatic sign-in: mail scanners that open links must not spend it
    return render(request, "signin_verify.html", {"token": token})


@router.post("/signin/verify")
def sign_in_verify(
    request: Request,
    token: Annotated[str, Form(max_length=200)] = "",
    csrf_token: Token = None,
) -> Response:
    check_form(request, csrf_token, "signin-verify")
    reader_token = _core(request).readers.sign_in(token)
    response = RedirectResponse("/saved", status_code=303)
    set_reader_cookie(response, request, reader_token)
    return response


@router.post("/signout")
def sign_out(request: Request, csrf_token: Token = None) -> Response:
    check_form(request, csrf_token, "account")
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(READER_COOKIE, path="/")
    return response


# ---------------------------------------------------------------- your data
@router.get("/account", response_class=HTMLResponse)
def account(request: Request) -> Response:
    core = _core(request)
    readers = core.readers
    token = request.cookies.get(READER_COOKIE)
    return render(
        request,
        "account.html",
        {
            "known": readers.reader(token) is not None,
            "email": readers.email(token),
            "saved_count": len(readers.saved_ids(token)),
            "follows": core.follows.of_reader(token),
        },
    )


@router.post("/account/export")
def export(request: Request, csrf_token: Token = None) -> Response:
    check_form(request, csrf_token, "account")
    core = _core(request)
    state = consent_state(request, core.settings.consent_policy_version)
    data = core.readers.export(request.cookies.get(READER_COOKIE), state.consent_id)
    data["follows"] = core.follows.export_for(request.cookies.get(READER_COOKIE))
    data["kept_in_this_browser"] = {  # the news diet's cookies, which never reach our database
        "stories_read": _visits(request.cookies.get(SEEN_COOKIE, ""), "story"),
        "articles_opened": _visits(request.cookies.get(OPENED_COOKIE, ""), "article"),
    }
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="plumbline-my-data.json"'},
    )


@router.post("/account/delete", response_class=HTMLResponse)
def delete(request: Request, csrf_token: Token = None) -> Response:
    check_form(request, csrf_token, "account")
    core = _core(request)
    core.follows.delete_for(request.cookies.get(READER_COOKIE))
    core.readers.delete(request.cookies.get(READER_COOKIE))
    response = render(request, "account.html", {"known": False, "deleted": True})
    for cookie in (READER_COOKIE, SEEN_COOKIE, OPENED_COOKIE):  # the diet kept here too
        response.delete_cookie(cookie, path="/")
    return response


def _visits(raw: str, what: str) -> list[dict[str, str | int]]:
    return [{what: key, "at": when.isoformat()} for key, when in read_visits(raw).items()]


# -------------------------------------------------------------------- consent
@router.get("/consent", response_class=HTMLResponse)
def consent_page(request: Request, next: Annotated[str | None, Query()] = None) -> Response:
    return render(request, "consent.html", {"next": _back(next, "/")})


@router.post("/consent")
def consent(
    request: Request,
    choice: Annotated[str, Form(max_length=20)] = "",
    preferences: Annotated[str | None, Form(max_length=10)] = None,
    analytics: Annotated[str | None, Form(max_length=10)] = None,
    csrf_token: Token = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    check_form(request, csrf_token, "consent")
    form_limits(request).hit(request, "consent")
    if choice not in ("accept_all", "reject_all", "custom"):
        raise InvalidInput("choose Accept all, Reject all or Save choices")
    core = _core(request)
    version = core.settings.consent_policy_version
    wants_preferences = choice == "accept_all" or (choice == "custom" and preferences == "on")
    wants_analytics = choice == "accept_all" or (choice == "custom" and analytics == "on")
    state = consent_state(request, version)
    consent_id = core.readers.record_consent(
        state.consent_id, ConsentChoice(version, wants_preferences, wants_analytics, choice)
    )
    response = RedirectResponse(_back(next, "/"), status_code=303)
    set_consent_cookie(
        response,
        request,
        version,
        consent_id,
        preferences=wants_preferences,
        analytics=wants_analytics,
    )
    return response


@router.post("/preferences/theme")
def theme(
    request: Request,
    theme: Annotated[str, Form(max_length=10)] = "auto",
    csrf_token: Token = None,
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Remember light/dark/auto, only with preference consent (otherwise nothing is kept
    and the page says why)."""
    check_form(request, csrf_token, "theme")
    if theme not in ("auto", "light", "dark"):
        raise InvalidInput("theme must be auto, light or dark")
    core = _core(request)
    state = consent_state(request, core.settings.consent_policy_version)
    if not state.preferences:
        return render(request, "consent.html", {"next": _back(next, "/"), "needs": "preferences"})
    response = RedirectResponse(_back(next, "/"), status_code=303)
    if theme == "auto":
        response.delete_cookie(THEME_COOKIE, path="/")
    else:
        response.set_cookie(
            THEME_COOKIE, theme, max_age=365 * 24 * 3600, samesite="lax", path="/",
            secure=request.url.scheme == "https", httponly=True,
        )  # fmt: skip
    return response


__all__ = ["CONSENT_COOKIE", "router"]
