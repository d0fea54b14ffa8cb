"""Cookie consent (GDPR/ePrivacy): the reader's choice lives in one strictly necessary
cookie, `pl_consent`, and every choice is logged server-side as proof (time, policy
version, choice; no IP). Until a choice for the current policy version exists, nothing
non-essential is stored or counted.

Cookie value: "<policy version>.<p><a>.<consent id>" with p/a = 1 or 0 for preferences and
analytics, e.g. "1.01.Zk3…". Anything else reads as "no choice yet"."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request, Response

CONSENT_COOKIE = "pl_consent"
THEME_COOKIE = "pl_theme"  # a preference: set only with preference consent
SEEN_COOKIE = "pl_seen"  # a preference: the reader's last visit per story (web/visits.py)
OPENED_COOKIE = "pl_opened"  # a preference: articles the reader opened, for their news diet
COOKIE_MAX_AGE = 180 * 24 * 3600  # ask again after six months
_VALUE = re.compile(r"^([0-9A-Za-z.-]{1,16})\.([01])([01])\.([A-Za-z0-9_-]{8,64})$")


@dataclass(frozen=True, slots=True)
class ConsentState:
    given: bool  # a choice exists for the current policy version
    preferences: bool
    analytics: bool
    consent_id: str | None


NO_CHOICE = ConsentState(False, False, False, None)


def consent_state(request: Request, policy_version: str) -> ConsentState:
    raw = request.cookies.get(CONSENT_COOKIE, "")
    match = _VALUE.match(raw) if len(raw) <= 100 else None
    if match is None:
        return NO_CHOICE
    version, preferences, analytics, consent_id = match.groups()
    if version != policy_version:
        return ConsentState(False, False, False, consent_id)  # ask again, keep the id
    return ConsentState(True, preferences == "1", analytics == "1", consent_id)


def set_consent_cookie(
    response: Response,
    request: Request,
    policy_version: str,
    consent_id: str,
    *,
    preferences: bool,
    analytics: bool,
) -> None:
    value = f"{policy_version}.{int(preferences)}{int(analytics)}.{consent_id}"
    response.set_cookie(
        CONSENT_COOKIE,
        value,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )
    if not preferences:
        response.delete_cookie(THEME_COOKIE, path="/")
        response.delete_cookie(SEEN_COOKIE, path="/")
        response.delete_cookie(OPENED_COOKIE, path="/")
