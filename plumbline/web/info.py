"""Pages about Plumbline itself: about, methodology (docs/methodology.md rendered), privacy
policy, cookie policy, terms of service."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markdown_it import MarkdownIt
from markupsafe import Markup
from mdit_py_plugins.anchors import anchors_plugin

from plumbline.core import Plumbline
from plumbline.web.render import render

router = APIRouter(include_in_schema=False)
DOCS = Path(__file__).resolve().parents[2] / "docs"
METHODOLOGY = DOCS / "methodology.md"
API_DOC = DOCS / "api.md"
# raw HTML in the Markdown is escaped, not passed through; headings get GitHub-style ids, so
# the documents' own links (#article-lean-lean) and the site's (/methodology#lean) land
_markdown = (
    MarkdownIt("commonmark", {"html": False, "linkify": False})
    .enable("table")
    .use(anchors_plugin, min_level=1, max_level=4)
)
_cache: dict[str, tuple[float, Markup]] = {}
_lock = threading.Lock()


def doc_html(path: Path = METHODOLOGY) -> Markup:
    """A document of docs/ as HTML, re-rendered when the file changes."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return Markup(
            f"<h1>{path.stem.capitalize()}</h1><p>This document is not installed with this copy "
            f"of Plumbline; it is <code>docs/{path.name}</code> in the source.</p>"
        )
    with _lock:
        cached = _cache.get(str(path))
        if cached and cached[0] == mtime:
            return cached[1]
        html = Markup(_markdown.render(path.read_text(encoding="utf-8")))
        _cache[str(path)] = (mtime, html)
        return html


def _policy_version(request: Request) -> str:
    core: Plumbline = request.app.state.core
    return core.settings.consent_policy_version


@router.get("/about", response_class=HTMLResponse)
def about(request: Request) -> Response:
    return render(request, "about.html", {})


@router.get("/methodology", response_class=HTMLResponse)
def methodology(request: Request) -> Response:
    core: Plumbline = request.app.state.core
    return render(
        request,
        "methodology.html",
        {"body": doc_html(METHODOLOGY), "agreement": core.feedback.agreement()},
    )


@router.get("/api", response_class=HTMLResponse)
def api_doc(request: Request) -> Response:
    """The API's documentation (docs/api.md); the schema is at /api/openapi.json."""
    return render(request, "methodology.html", {"body": doc_html(API_DOC), "title": "API"})


@router.get("/privacy", response_class=HTMLResponse)
def privacy(request: Request) -> Response:
    return render(request, "privacy.html", {"policy_version": _policy_version(request)})


@router.get("/cookies", response_class=HTMLResponse)
def cookies(request: Request) -> Response:
    return render(request, "cookies.html", {"policy_version": _policy_version(request)})


@router.get("/terms", response_class=HTMLResponse)
def terms(request: Request) -> Response:
    return render(request, "terms.html", {})
