"""Jinja2 environment (autoescaping everything) and the filters the templates use."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import Response

from plumbline.models import LeanMix

templates = Jinja2Templates(
    env=Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )
)


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    response: Response = templates.TemplateResponse(request, name, context, status_code=status)
    return response


def bias_label(score: float | None) -> str:
    if score is None:
        return "Not enough text"
    if score < 20:
        return "Neutral"
    if score < 40:
        return "Mostly neutral"
    if score < 60:
        return "Moderately biased"
    if score < 80:
        return "Biased"
    return "Highly biased"


def date(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else "date unknown"


def lean_parts(mix: LeanMix) -> list[tuple[str, int, float]]:
    """(lean, count, share of rated outlets) for the mix bar, left to right."""
    total = mix.left + mix.center + mix.right
    return [
        (name, count, (count / total) if total else 0.0)
        for name, count in (("left", mix.left), ("center", mix.center), ("right", mix.right))
    ]


templates.env.filters["bias_label"] = bias_label
templates.env.filters["date"] = date
templates.env.globals["lean_parts"] = lean_parts
