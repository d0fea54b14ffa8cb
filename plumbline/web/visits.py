""" "New since your last visit" and the browser-kept news diet: when a reader who consented
to preferences last opened each story (the `pl_seen` cookie) and each article (through
/go/, the `pl_opened` cookie), kept in their own browser, never on the server.

Cookie value: up to :data:`MAX_STORIES` entries ``<id>.<milliseconds since 1970>``
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
MAX_CHARS = 2800  # 100 entries of at most 27 characters
SEEN_MAX_AGE = 365 * 24 * 3600
EARLIEST_MS = 946_684_800_000  # 2000-01-01: anything earlier is not a visit
_ENTRY = re.compile(r"^([1-9][0-9]{0,11})\.([0-9]{1,14})$")


def read_visits(raw: str) -> dict[int, datetime]:
    """Story id -> last visit, from the cookie value (see the module docstring)."""
    visits: dict[int, datetime] = {}
    if len(raw) > MAX_CHARS:
        return visits
    for entry in raw.split("_")[:MAX_STORIES]:
        match = _ENTRY.match(entry)
        if match is None:
            continue
        story, millis = int(match[1]), int(match[2])
        if not EARLIEST_MS <= millis <= (time.time() + 86_400) * 1000:
            continue  # before the site existed, or in the future: not a visit
        visits.setdefault(story, datetime.fromtimestamp(millis / 1000, tz=UTC))
    return visits


def write_visits(visits: dict[int, datetime], story: int, when: datetime) -> str:
    """The cookie value with `story` visited at `when`, first, and the others after it."""
    entries = [(story, when)] + [(s, w) for s, w in visits.items() if s != story]
    # milliseconds, rounded down: `when` is taken before the page read the story, so an
    # article that joined while the page was made shows as new next time
    return "_".join(f"{s}.{math.floor(w.timestamp() * 1000)}" for s, w in entries[:MAX_STORIES])


def last_visit(request: Request, story: int) -> tuple[datetime | None, dict[int, datetime]]:
    visits = read_visits(request.cookies.get(SEEN_COOKIE, ""))
    return visits.get(story), visits


def remember_visit(
    response: Response,
    request: Request,
    visits: dict[int, datetime],
    story: int,
    when: datetime,
    cookie: str = SEEN_COOKIE,
) -> None:
    """Keep `when` (taken before the story was read) as the reader's visit to `story` (or,
    with `cookie` OPENED_COOKIE, to an article)."""
    response.set_cookie(
        cookie,
        write_visits(visits, story, when),
        max_age=SEEN_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
