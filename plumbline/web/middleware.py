"""The site's ASGI middleware, each a plain class with one job (starlette's style).

From the outside in (web/app.py builds the stack):

- the trusted proxies' ``X-Forwarded-*`` headers (uvicorn's ProxyHeadersMiddleware);
- :class:`HeadAsGet` answers HEAD as GET without the body (RFC 9110 §9.3.2), so that every
  page, feed and API route takes HEAD, and uptime checks that use it work;
- :class:`Measured` adds ``Server-Timing: total`` and counts every answer, errors and page
  cache hits included, by route and status for /metrics;
- :class:`SecurityHeaders` sets the security headers on every answer, errors included;
- the page cache (web/cache.py);
- GZip;
- :class:`ConditionalGet` adds ETags and caching rules to successful GETs and answers 304;
- :class:`BodyLimit` refuses a request body over the limit before anything reads it;
- :class:`CatchAll` turns an unhandled error into the site's 500 page or JSON error, so the
  answer still passes through everything above it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

#: Renders an error answer: (request, status, title, message) -> response (run in a worker
#: thread: the page reads the reader's saved stories).
ErrorPage = Callable[[Request, int, str, str], Response]
#: Records one answer: (route pattern, status, seconds).
Observer = Callable[[str, int, float], None]


class HeadAsGet:
    """HEAD runs the GET handler; the answer keeps its headers (Content-Length included)
    and loses its body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Measured:
    """Server-Timing ``total`` (the whole stack's time) and one observation per answer."""

    def __init__(self, app: ASGIApp, observe: Observer) -> None:
        self.app = app
        self.observe = observe

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app fails before it answers

        async def timed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                elapsed = (time.perf_counter() - started) * 1000
                MutableHeaders(scope=message).append("Server-Timing", f"total;dur={elapsed:.2f}")
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            self.observe(route_of(scope), status, time.perf_counter() - started)


def route_of(scope: Scope) -> str:
    """The route pattern that answered (``/story/{key}``), for metrics labels; a label
    per pattern, never per path, so that made-up paths cannot grow the label set."""
    route = scope.get("route")
    path = getattr(route, "path", None) or scope.get("plumbline.route")
    return str(path) if path else "unmatched"


class SecurityHeaders:
    """Sets `headers` on every answer that does not set them itself."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = dict(headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, secured)


class ConditionalGet:
    """On a successful GET (not /static, which has its own): a weak ETag over the body
    unless the handler set one, the caching rule, and 304 when the reader has that version
    (``If-None-Match``, ``*`` included, or ``If-Modified-Since`` against a Last-Modified
    the handler set). The API and feeds are public for a minute; pages carry the reader's
    own state (consent, saved stories), so they stay private."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or scope["method"] != "GET" or path.startswith("/static/"):
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if message["status"] != 200:
                    start = None
                    await send(message)
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                await self._finish(scope, start, b"".join(chunks), send)

        await self.app(scope, receive, buffered)

    @staticmethod
    async def _finish(scope: Scope, start: Message, body: bytes, send: Send) -> None:
        request = Headers(scope=scope)
        headers = MutableHeaders(scope=start)
        path: str = scope["path"]
        etag = headers.get("etag") or 'W/"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        headers["etag"] = etag
        private = path.startswith(("/api/saved", "/api/me", "/follows/")) or not (
            path.startswith("/api/") or path.endswith(".atom")
        )
        headers["cache-control"] = "private, no-cache" if private else "public, max-age=60"
        if not private and request.get("cookie"):
            headers["vary"] = "Accept-Encoding"
        if etag_matches(request.get("if-none-match", ""), etag) or _not_modified_since(
            request, headers.get("last-modified")
        ):
            del headers["content-length"]
            await send({**start, "status": 304})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(start)
        await send({"type": "http.response.body", "body": body})


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Weak comparison (RFC 9110 §13.1.2): ``*`` or any listed tag with the same opaque
    part, weak or not."""
    if not if_none_match.strip():
        return False
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def _not_modified_since(request: Headers, last_modified: str | None) -> bool:
    since = request.get("if-modified-since")
    if not since or not last_modified or request.get("if-none-match"):
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


class BodyLimit:
    """A request body must say its length (411 otherwise) and stay within `max_bytes`
    (413), checked before anything reads it; a body longer than it said is cut off."""

    def __init__(self, app: ASGIApp, max_bytes: int, error: ErrorPage) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        length = headers.get("content-length", "")
        refusal: tuple[int, str, str] | None = None
        if not (length.isascii() and length.isdigit()):
            if headers.get("transfer-encoding"):
                refusal = (411, "Length required", "send a Content-Length")
        elif int(length) > self.max_bytes:
            refusal = (413, "Too large", "this form is larger than allowed")
        if refusal is not None:
            response = await run_in_threadpool(self.error, Request(scope), *refusal)
            await response(scope, receive, send)
            return
        await self.app(scope, _limited(receive, self.max_bytes), send)


def _limited(receive: Receive, max_bytes: int) -> Receive:
    seen = 0

    async def limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > max_bytes:
                return {"type": "http.disconnect"}
        return message

    return limited


class CatchAll:
    """An error no handler took becomes the site's 500 answer (logged with its traceback),
    so it carries the security headers and is counted like any other; after the answer
    has started there is nothing left to say, and the error goes on up."""

    def __init__(self, app: ASGIApp, error: ErrorPage) -> None:
        self.app = app
        self.error = error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception:
            if started:
                raise
            log.exception("unhandled error on %s", scope.get("path", "?"))
            response = await run_in_threadpool(
                self.error, Request(scope), 500, "Something went wrong", "The error was logged."
            )
            await response(scope, receive, send)
