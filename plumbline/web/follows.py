"""Follow a story or a topic (follows.py): by email (double opt-in: a signed link opens a
page whose button confirms, so mail scanners confirm nothing) or as a private Atom feed;
one-click unsubscribe (RFC 8058); the feed and its page; stopping from the account."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from plumbline.core import Plumbline
from plumbline.follows import MAX_TOKEN_LENGTH
from plumbline.newsletter.mailer import clean_address
from plumbline.web.forms import READER_COOKIE, check_form
from plumbline.web.limits import form_limits
from plumbline.web.render import render, templates

router = APIRouter(include_in_schema=False)
CsrfToken = Annotated[str | None, Form(max_length=500)]
LinkToken = Annotated[str, Query(max_length=MAX_TOKEN_LENGTH)]
Kind = Annotated[str, Form(max_length=10)]
Key = Annotated[str, Form(max_length=200)]


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


@router.post("/follow", response_class=HTMLResponse)
def follow_by_email(
    request: Request,
    background: BackgroundTasks,
    kind: Kind = "",
    key: Key = "",
    email: Annotated[str, Form(max_length=320)] = "",
    csrf_token: CsrfToken = None,
) -> Response:
    check_form(request, csrf_token, "follow")
    form_limits(request).hit(request, "subscribe")
    core = _core(request)
    address = clean_address(email)  # a bad address or target is said at once ...
    _story, _topic, label = core.follows.target(kind, key)
    # ... and the rest happens after the answer: the same page, after the same time,
    # whether or not the address followed it already
    background.add_task(
        core.follows.by_email, address, kind, key, request.cookies.get(READER_COOKIE)
    )
    return render(request, "follow.html", {"step": "sent", "label": label})


@router.post("/follow/feed", response_class=HTMLResponse)
def follow_by_feed(
    request: Request, kind: Kind = "", key: Key = "", csrf_token: CsrfToken = None
) -> Response:
    check_form(request, csrf_token, "follow")
    form_limits(request).hit(request, "subscribe")
    core = _core(request)
    token, followed = core.follows.by_feed(kind, key, request.cookies.get(READER_COOKIE))
    return render(
        request,
        "follow.html",
        {"step": "feed", "followed": followed, "label": followed.label,
         "feed_url": core.follows.feed_url(token), "manage": f"/follows/{token}"},
    )  # fmt: skip


@router.get("/follow/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, token: LinkToken = "") -> Response:
    followed = _core(request).follows.check_confirm(token)
    return render(
        request, "follow.html", {"step": "confirm", "label": followed.label, "token": token}
    )


@router.post("/follow/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    token: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)] = "",
    csrf_token: CsrfToken = None,
) -> Response:
    check_form(request, csrf_token, "follow-confirm")
    followed = _core(request).follows.confirm(token)
    return render(
        request, "follow.html", {"step": "confirmed", "label": followed.label, "url": followed.url}
    )


@router.get("/follow/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: LinkToken = "") -> Response:
    followed = _core(request).follows.check_unsubscribe(token)
    return render(
        request, "follow.html", {"step": "unsubscribe", "label": followed.label, "token": token}
    )


@router.post("/follow/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, token: LinkToken = "") -> Response:
    # Not behind check_form: RFC 8058 one-click unsubscribe is a POST the mail client sends
    # by itself, with no cookie or form token, to the List-Unsubscribe URL; the signed token
    # in it is the whole authorization (the most a forged post could do is unsubscribe).
    followed = _core(request).follows.unsubscribe(token)
    return render(request, "follow.html", {"step": "unsubscribed", "label": followed.label})


@router.get("/follows/{token}.atom")
def feed(request: Request, token: str) -> Response:
    core = _core(request)
    followed, alerts = core.follows.feed(token)
    response = templates.TemplateResponse(
        request,
        "follow_feed.xml",
        {"followed": followed, "alerts": alerts, "site": core.settings.site_name,
         "site_url": core.settings.site_url, "token": token},
        media_type="application/atom+xml",
    )  # fmt: skip
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@router.get("/follows/{token}", response_class=HTMLResponse)
def feed_page(request: Request, token: str) -> Response:
    core = _core(request)
    followed, alerts = core.follows.feed(token)
    return render(
        request,
        "follow.html",
        {"step": "manage", "label": followed.label, "followed": followed, "alerts": alerts,
         "feed_url": core.follows.feed_url(token), "token": token},
    )  # fmt: skip


@router.post("/follows/{token}/stop", response_class=HTMLResponse)
def stop_feed(request: Request, token: str, csrf_token: CsrfToken = None) -> Response:
    check_form(request, csrf_token, "follow-stop")
    core = _core(request)
    followed, _alerts = core.follows.feed(token)
    core.follows.stop_feed(token)
    return render(request, "follow.html", {"step": "stopped", "label": followed.label})


@router.post("/account/follows/{follow_id}/stop")
def stop_from_account(request: Request, follow_id: int, csrf_token: CsrfToken = None) -> Response:
    check_form(request, csrf_token, "account")
    _core(request).follows.stop_for_reader(request.cookies.get(READER_COOKIE), follow_id)
    return RedirectResponse("/account", status_code=303)
