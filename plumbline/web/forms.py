"""What every form post goes through: a same-origin check, a signed expiring token bound to
the reader's cookie (CSRF); per-client rate limits are in web/limits.py.

The token is an HMAC (itsdangerous) over the form's purpose and the reader cookie's value
("anonymous" without one), with a timestamp: another site can neither read it from our
pages (same-origin policy) nor make a browser post it (the Origin check), and a token taken
from one browser does not work with another's cookie. No cookie is set just to protect a
form, so a reader who only reads gets no cookie at all.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from plumbline.errors import Forbidden

TOKEN_FIELD = "csrf_token"
TOKEN_MAX_AGE = 6 * 3600  # a page may stay open this long before its forms expire
READER_COOKIE = "pl_reader"
MAX_FORM_BYTES = 16_384


class FormGuard:
    """Issues and checks form tokens for one site (its secret and public URL)."""

    def __init__(self, secret: str, public_url: str) -> None:
        self._serializer = URLSafeTimedSerializer(secret, salt="plumbline-form")
        parts = urlsplit(public_url)
        self._origin = f"{parts.scheme}://{parts.netloc}".lower()

    def token(self, request: Request, purpose: str = "form") -> str:
        return self._serializer.dumps([purpose, _binding(request)])

    def check(self, request: Request, token: str | None, purpose: str = "form") -> None:
        """Refuse a post from another origin, or without a valid token for this browser."""
        origin = request.headers.get("origin") or _origin_of(request.headers.get("referer"))
        if origin and origin.lower() not in (self._origin, _request_origin(request)):
            raise Forbidden("this form was posted from another site")
        if not token:
            raise Forbidden("the form's security token is missing; reload the page and retry")
        try:
            purpose_in, binding = self._serializer.loads(token, max_age=TOKEN_MAX_AGE)
        except SignatureExpired:
            raise Forbidden("the form has expired; reload the page and retry") from None
        except (BadSignature, ValueError, TypeError):
            raise Forbidden("the form's security token is not valid") from None
        if purpose_in != purpose or not hmac.compare_digest(str(binding), _binding(request)):
            raise Forbidden("the form's security token does not belong to this browser")


READER_MAX_AGE = 365 * 24 * 3600


def set_reader_cookie(response: Response, request: Request, token: str) -> None:
    """The strictly necessary reader cookie: set when a reader saves a story or signs in."""
    response.set_cookie(
        READER_COOKIE,
        token,
        max_age=READER_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def check_form(request: Request, token: str | None, purpose: str = "form") -> None:
    """Refuse a form post that did not come from one of this site's pages (see FormGuard)."""
    guard: FormGuard = request.app.state.forms
    guard.check(request, token, purpose)


def _binding(request: Request) -> str:
    reader = request.cookies.get(READER_COOKIE, "")
    return hashlib.sha256(reader.encode()).hexdigest()[:32] if reader else "anonymous"


def _origin_of(url: str | None) -> str:
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _request_origin(request: Request) -> str:
    """The origin the request was addressed to (for a site served on several names)."""
    host = request.headers.get("host", "")
    return f"{request.url.scheme}://{host}".lower() if host else ""
