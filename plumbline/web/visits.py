""" "New since your last visit": when a reader who consented to preferences last opened
each story, kept in their own browser (the `pl_seen` cookie), never on the server.

Cookie value: up to :data:`MAX_STORIES` entries ``<story id>.<seconds since 1970>``
joined by ``_``, the most recent visit first. Anything malformed, before 2000 or in the
future is dropped entry by entry; a value longer than :data:`MAX_CHARS` reads as no visits
at all. The cookie is the reader's own: a forged one changes only what they see."""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime

from fastapi import Request, Response

from plumbline.web.consent import SEEN_COOKIE

MAX_STORIES = 100
MAX_CHARS = 2500  # 100 entries of at most 24 characters
SEEN_MAX_AGE = 365 * 24 * 3600
EARLIEST = 946_684_800  # 2000-01-01: anything earlier is not a visit
_ENTRY = re.compile(r"^([1-9][0-9]{0,11})\.([0-9]{1,11})$")


def read_visits(raw: str) -> dict[int, datetime]:
    """Story id -> last visit, from the cookie value (see the module docstring)."""
    visits: dict[int, datetime] = {}
    if len(raw) > MAX_CHARS:
        return visits
    for entry in raw.split("_")[:MAX_STORIES]:
        match = _ENTRY.match(entry)
        if match is None:
            continue
        story, seconds = int(match[1]), int(match[2])
        if not EARLIEST <= seconds <= time.time() + 86_400:
            continue  # before the site existed, or in the future: not a visit
        visits.setdefault(story, datetime.fromtimestamp(seconds, tz=UTC))
    return visits


def write_visits(visits: dict[int, datetime], story: int, now: datetime) -> str:
    """The cookie value with `story` visited `now`, first, and the others after it."""
    entries = [(story, now)] + [(s, w) for s, w in visits.items() if s != story]
    # whole seconds, rounded up: an article found earlier in the second of the visit was
    # on the page the reader saw, so it must not come back as new
    return "_".join(f"{s}.{math.ceil(w.timestamp())}" for s, w in entries[:MAX_STORIES])


def last_visit(request: Request, story: int) -> tuple[datetime | None, dict[int, datetime]]:
    visits = read_visits(request.cookies.get(SEEN_COOKIE, ""))
    return visits.get(story), visits


def remember_visit(
    response: Response, request: Request, visits: dict[int, datetime], story: int
) -> None:
    response.set_cookie(
        SEEN_COOKIE,
        write_visits(visits, story, datetime.now(UTC)),
        max_age=SEEN_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
