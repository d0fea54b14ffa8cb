"""Newsletter pages: subscribe (double opt-in), confirm, one-click unsubscribe (RFC 8058),
preferences, and the subscriber's data (export, delete).

Links in emails carry a signed token (newsletter/subscriptions.py). Opening one never
changes anything: each shows a page whose button posts, so mail scanners that fetch links
neither confirm nor unsubscribe anyone. Every form post goes through check_form, except
the one-click unsubscribe, which mail clients send on their own (see `unsubscribe`)."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from plumbline.analysis.topic_names import TOPICS
from plumbline.core import Plumbline
from plumbline.newsletter.subscriptions import FREQUENCIES, MAX_TOKEN_LENGTH, clean_subscription
from plumbline.web.forms import check_form
from plumbline.web.limits import form_limits
from plumbline.web.render import render

router = APIRouter(prefix="/newsletter", include_in_schema=False)
CsrfToken = Annotated[str | None, Form(max_length=500)]
LinkToken = Annotated[str, Query(max_length=MAX_TOKEN_LENGTH)]
Topics = Annotated[list[str] | None, Form()]


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


def _page(request: Request, name: str, **context: object) -> Response:
    return render(request, name, {"frequencies": FREQUENCIES, "all_topics": TOPICS, **context})


@router.get("", response_class=HTMLResponse)
def subscribe_page(request: Request) -> Response:
    return _page(request, "newsletter.html", sent=False)


@router.post("/subscribe", response_class=HTMLResponse)
def subscribe(
    request: Request,
    background: BackgroundTasks,
    email: Annotated[str, Form(max_length=320)] = "",
    frequency: Annotated[str, Form(max_length=10)] = "daily",
    topics: Topics = None,
    csrf_token: CsrfToken = None,
) -> Response:
    check_form(request, csrf_token, "subscribe")
    form_limits(request).hit(request, "subscribe")
    address, frequency, chosen = clean_subscription(email, frequency, topics or ())
    # The work (and the email) happens after the answer is sent, so the answer is the
    # same page, after the same time, whether or not the address was subscribed already.
    background.add_task(_core(request).subscribe, address, frequency, chosen)
    return _page(request, "newsletter.html", sent=True)


@router.get("/confirm", response_class=HTMLResponse)
def confirm_page(request: Request, token: LinkToken = "") -> Response:
    _core(request).newsletter.check_confirm(token)  # a bad link says so before the button
    return _page(request, "newsletter_confirm.html", token=token, done=False)


@router.post("/confirm", response_class=HTMLResponse)
def confirm(
    request: Request,
    token: Annotated[str, Form(max_length=MAX_TOKEN_LENGTH)] = "",
    csrf_token: CsrfToken = None,
) -> Response:
    check_form(request, csrf_token, "newsletter-confirm")
    core = _core(request)
    subscriber = core.confirm(token)
    return _page(
        request,
        "newsletter_confirm.html",
        done=True,
        subscriber=subscriber,
        links=core.newsletter.links(subscriber),
    )


@router.get("/unsubscribe", response_class=HTMLResponse)
def unsubscribe_page(request: Request, token: LinkToken = "") -> Response:
    _core(request).newsletter.check_unsubscribe(token)
    return _page(request, "newsletter_unsubscribe.html", token=token, done=False)


@router.post("/unsubscribe", response_class=HTMLResponse)
def unsubscribe(request: Request, token: LinkToken = "") -> Response:
    # Deliberately NOT behind check_form: RFC 8058 one-click unsubscribe is a POST that
    # the reader's mail client sends by itself, with no cookie and no form token, to the
    # List-Unsubscribe URL. The signed token in that URL is the whole authorization, and
    # the worst a forged cross-site post could do with a stolen link is unsubscribe.
    _core(request).unsubscribe(token)
    return _page(request, "newsletter_unsubscribe.html", done=True)


@router.get("/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, token: LinkToken = "") -> Response:
    subscriber = _core(request).newsletter.preferences(token)
    return _page(
        request, "newsletter_preferences.html", token=token, subscriber=subscriber, saved=False
    )


@router.post("/preferences", response_class=HTMLResponse)
def preferences(
    request: Request,
    token: LinkToken = "",
    frequency: Annotated[str, Form(max_length=10)] = "daily",
    topics: Topics = None,
    csrf_token: CsrfToken = None,
) -> Response:
    check_form(request, csrf_token, "newsletter-preferences")
    subscriber = _core(request).newsletter.set_preferences(token, frequency, topics or ())
    return _page(
        request, "newsletter_preferences.html", token=token, subscriber=subscriber, saved=True
    )


@router.get("/data")
def export(request: Request, token: LinkToken = "") -> Response:
    data = _core(request).newsletter.export(token)
    return Response(
        json.dumps(data, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="plumbline-newsletter-data.json"'},
    )


@router.post("/delete", response_class=HTMLResponse)
def delete(request: Request, token: LinkToken = "", csrf_token: CsrfToken = None) -> Response:
    check_form(request, csrf_token, "newsletter-preferences")
    _core(request).newsletter.delete(token)
    return _page(request, "newsletter_unsubscribe.html", done=True, deleted=True)
