"""Email bodies from Jinja templates in newsletter/templates: NAME.html (autoescaped) and
NAME.txt (plain text, not escaped), rendered from the same context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plumbline.analysis.assess import bias_label

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_env.filters["bias_label"] = bias_label


def render_email(name: str, **context: Any) -> tuple[str, str]:
    """(text, html) of the email template pair `name`."""
    text = _env.get_template(f"{name}.txt").render(**context)
    html = _env.get_template(f"{name}.html").render(**context)
    return text, html
