"""Builds the ASGI app around one Plumbline; errors become HTML or JSON in one place."""

from __future__ import annotations

import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.routing import Match
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from plumbline.core import Plumbline
from plumbline.errors import PlumblineError
from plumbline.web import api, diet, feeds, follows, info, newsletter, ops, pages, readers
from plumbline.web.cache import PageCache
from plumbline.web.forms import MAX_FORM_BYTES, FormGuard
from plumbline.web.limits import FormLimits
from plumbline.web.middleware import (
    BodyLimit,
    CatchAll,
    ConditionalGet,
    HeadAsGet,
    Measured,
    SecurityHeaders,
)
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


ROUTERS = (
    api.router,
    pages.router,
    readers.router,
    diet.router,
    follows.router,
    info.router,
    feeds.router,
    ops.router,
    newsletter.router,
)


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
    app.openapi = lambda: api.openapi_schema(app)  # type: ignore[method-assign]
    app.state.metrics = Metrics(core)
    app.state.forms = FormGuard(core.settings.signing_key(), core.settings.site_url)
    app.state.limits = FormLimits(core.settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for router in ROUTERS:
        app.include_router(router)

    # From the inside out (the last added is the outermost; see web/middleware.py).
    app.add_middleware(CatchAll, error=error_response)
    app.add_middleware(BodyLimit, max_bytes=MAX_FORM_BYTES, error=error_response)
    app.add_middleware(ConditionalGet)
    app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.add_middleware(PageCache, version=core.story_version)
    app.add_middleware(SecurityHeaders, headers=SECURITY_HEADERS)
    app.add_middleware(Measured, observe=app.state.metrics.observe)
    app.add_middleware(HeadAsGet)
    # the client's address and scheme from a trusted reverse proxy's X-Forwarded-* headers
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=core.settings.trusted_proxy_list)

    # Handlers that render a page are plain functions: Starlette runs them in its thread
    # pool, so the database reads of the page's frame never hold up the event loop.
    @app.exception_handler(PlumblineError)
    def domain_error(request: Request, exc: PlumblineError) -> Response:
        return error_response(request, exc.status, exc.title, exc.message)

    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        title = {404: "Not found", 405: "Method not allowed"}.get(exc.status_code)
        response = error_response(
            request, exc.status_code, title or "Request failed", str(exc.detail)
        )
        if exc.status_code == 405:
            response.headers["Allow"] = ", ".join(allowed_methods(request))
        return response

    @app.exception_handler(RequestValidationError)
    def invalid(request: Request, exc: RequestValidationError) -> Response:
        detail = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5]
        )
        return error_response(request, 400, "Invalid input", detail)

    return app


def app_from_environment() -> FastAPI:
    """The app for one of several server processes: Plumbline built from the environment
    (PLUMBLINE_* variables), the database already initialized by `plumbline serve`."""
    return create_app(Plumbline())


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes at the request's path (HEAD wherever GET is)."""
    methods: set[str] = set()
    scope = {**request.scope, "method": "GET"}
    for route in (route for router in ROUTERS for route in router.routes):
        match, _ = route.matches(scope)
        if match is not Match.NONE:
            methods |= set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def error_response(request: Request, status: int, title: str, message: str) -> Response:
    """The one rendering of an error: JSON under /api/ (``{"error", "detail", "status"}``,
    see ErrorOut in web/api.py), the site's error page elsewhere."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": title, "detail": message, "status": status}, status)
    html = templates.get_template("error.html").render(
        request=request, status=status, title=title, message=message, **page_context(request)
    )
    return HTMLResponse(html, status)
