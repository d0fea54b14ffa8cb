"""Per-client limits on the form posts that cost something: mail sent (newsletter, sign-in
links) or records written (consent choices, answers about highlighted phrases).

The counting is the `limits` library's moving window, kept in Redis when a broker is
configured (so every server process and machine shares one count) and in memory
otherwise, where each client's count expires on its own: a flood of new addresses cannot
empty anyone else's. The client is the address the request came from, or, behind a trusted
reverse proxy, the one it forwarded (`trusted_proxies`; see web/app.py), hashed so that no
address is kept in the clear.
"""

from __future__ import annotations

import hashlib
import logging

from limits import RateLimitItem, RateLimitItemPerHour
from limits.storage import MemoryStorage, RedisStorage, Storage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import Request

from plumbline.errors import TooManyRequests
from plumbline.settings import Settings

log = logging.getLogger(__name__)

#: Posts one client may make per hour, by kind, besides the per-setting ones.
CONSENT_PER_HOUR = 60
PHRASE_ANSWERS_PER_HOUR = 300  # answers to "Is this loaded?"


class FormLimits:
    """The site's limits, one per app (built from its settings)."""

    def __init__(self, settings: Settings) -> None:
        self.storage: Storage = (
            RedisStorage(settings.broker_url) if settings.broker_url else MemoryStorage()
        )
        self.limiter = MovingWindowRateLimiter(self.storage)
        per_hour = settings.subscribe_limit_per_hour
        self.rules: dict[str, tuple[RateLimitItem, str]] = {
            "subscribe": (RateLimitItemPerHour(per_hour), "subscribe requests"),
            "signin": (RateLimitItemPerHour(per_hour), "sign-in requests"),
            "consent": (RateLimitItemPerHour(CONSENT_PER_HOUR), "cookie choices"),
            "phrase": (RateLimitItemPerHour(PHRASE_ANSWERS_PER_HOUR), "answers about phrases"),
        }

    def hit(self, request: Request, kind: str) -> None:
        """Count one `kind` post by this client; TooManyRequests past the limit. Should
        the shared store be unreachable, the post goes through (logged): a limit that
        fails must not take the forms down with it."""
        rule, what = self.rules[kind]
        try:
            allowed = self.limiter.hit(rule, "plumbline", kind, client_key(request))
        except Exception as exc:  # redis errors, timeouts
            log.warning("rate limit store unreachable (%s: %s)", type(exc).__name__, exc)
            return
        if not allowed:
            raise TooManyRequests(f"too many {what}; please try again later")


def client_key(request: Request) -> str:
    """A stable, non-reversible key for the client's address."""
    host = request.client.host if request.client else "unknown"
    return hashlib.sha256(f"plumbline-client:{host}".encode()).hexdigest()[:32]


def form_limits(request: Request) -> FormLimits:
    limits: FormLimits = request.app.state.limits
    return limits
