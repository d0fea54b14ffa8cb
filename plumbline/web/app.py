"""Builds the ASGI app around one Plumbline; errors become HTML or JSON in one place."""

from __future__ import annotations

import hashlib
import logging
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from plumbline.core import Plumbline
from plumbline.errors import PlumblineError
from plumbline.web import api, feeds, info, newsletter, ops, pages, readers
from plumbline.web.cache import PageCache
from plumbline.web.forms import MAX_FORM_BYTES, FormGuard
from plumbline.web.ops import Metrics
from plumbline.web.render import page_context, templates

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "interest-cohort=(), camera=(), microphone=(), geolocation=()",
}


def create_app(core: Plumbline) -> FastAPI:
    """The site (HTML pages) and the API under /api, both reading from `core`."""
    app = FastAPI(
        title="Plumbline API",
        version="1",
        description="Stories from every side, with measured bias. Read-only JSON.",
        openapi_url="/api/openapi.json",
        docs_url=None,  # Swagger UI loads scripts from a CDN; /api documents the API
        redoc_url=None,
    )
    app.state.core = core
    app.state.metrics = Metrics(core)
    app.state.forms = FormGuard(
        core.settings.secret_key.get_secret_value(), core.settings.public_url
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(readers.router)
    app.include_router(info.router)
    app.include_router(feeds.router)
    app.include_router(ops.router)
    app.include_router(newsletter.router)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Response:
        """Forms are small: refuse a body over MAX_FORM_BYTES (or of unknown length) before
        anything reads it."""
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            length = request.headers.get("content-length", "")
            if not length.isdigit():
                if request.headers.get("transfer-encoding"):
                    return _error(request, 411, "Length required", "send a Content-Length")
            elif int(length) > MAX_FORM_BYTES:
                return _error(request, 413, "Too large", "this form is larger than allowed")
        response: Response = await call_next(request)
        return response

    @app.middleware("http")
    async def conditional_get(request: Request, call_next: Any) -> Response:
        """ETag on every successful GET (304 when the reader has it), Last-Modified where
        a handler set it, and caching rules: the API and feeds are public for a minute;
        pages carry the reader's own state (consent, saved stories), so they stay private."""
        response: Response = await call_next(request)
        if request.method != "GET" or response.status_code != 200:
            return response
        path = request.url.path
        if path.startswith("/static/"):
            return response
        body = b"".join([chunk async for chunk in response.body_iterator])  # type: ignore[attr-defined]
        headers = dict(response.headers)
        headers.pop("content-length", None)
        etag = 'W/"' + hashlib.sha256(body).hexdigest()[:24] + '"'
        headers["etag"] = etag
        private = path.startswith("/api/saved") or not (
            path.startswith("/api/") or path.endswith(".atom")
        )
        headers["cache-control"] = "private, no-cache" if private else "public, max-age=60"
        if request.cookies and not private:
            headers["vary"] = "Accept-Encoding"
        if etag in request.headers.get("if-none-match", "") or _not_modified_since(
            request, headers.get("last-modified")
        ):
            return Response(status_code=304, headers=headers)
        return Response(body, status_code=200, headers=headers)

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.middleware("http")
    async def server_timing(request: Request, call_next: Any) -> Response:
        """How long the server worked on the request (Server-Timing), for bench/site_load.py
        and browsers' developer tools. Added last, so it wraps every other middleware."""
        started = time.perf_counter()
        response: Response = await call_next(request)
        elapsed = time.perf_counter() - started
        response.headers.append("Server-Timing", f"total;dur={elapsed * 1000:.2f}")
        app.state.metrics.observe(request, elapsed)
        return response

    # Outermost: pages compressed, and story pages for readers without cookies served
    # from memory per story version (web/cache.py).
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(
        PageCache, version=core.repo.story_version, observe=app.state.metrics.observe_path
    )

    @app.exception_handler(PlumblineError)
    async def domain_error(request: Request, exc: PlumblineError) -> Response:
        return _error(request, exc.status, exc.title, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = "Not found" if exc.status_code == 404 else "Request failed"
        return _error(request, exc.status_code, title, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        return _error(request, 400, "Invalid input", detail)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s", request.url.path)
        return _error(request, 500, "Something went wrong", "The error was logged.")

    return app


def app_from_environment() -> FastAPI:
    """The app for one of several server processes: Plumbline built from the environment
    (PLUMBLINE_* variables), the database already initialized by `plumbline serve`."""
    return create_app(Plumbline())


def _not_modified_since(request: Request, last_modified: str | None) -> bool:
    since = request.headers.get("if-modified-since")
    if not since or not last_modified or request.headers.get("if-none-match"):
        return False
    try:
        return parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _error(request: Request, status: int, title: str, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": title, "detail": message, "status": status}, status)
    html = templates.get_template("error.html").render(
        request=request, status=status, title=title, message=message, **page_context(request)
    )
    return HTMLResponse(html, status)
