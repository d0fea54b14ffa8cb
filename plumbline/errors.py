"""Domain errors. Each carries an HTTP-ish status and optional fields; the web layer turns
them into HTML or JSON in one place, the CLI into a message and an exit code."""

from __future__ import annotations

from typing import Any


class PlumblineError(Exception):
    """Base of every error Plumbline raises on purpose."""

    status: int = 500
    title: str = "Internal error"

    def __init__(self, message: str, **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields


class NotFound(PlumblineError):
    status = 404
    title = "Not found"


class InvalidInput(PlumblineError):
    status = 400
    title = "Invalid input"


class FetchError(PlumblineError):
    """A URL could not be fetched: network, HTTP status, size cap, robots or SSRF guard."""

    status = 502
    title = "Fetch failed"


class BlockedURL(FetchError):
    """The SSRF guard or robots.txt refused the URL."""

    status = 403
    title = "URL not allowed"


class ExtractionError(PlumblineError):
    status = 422
    title = "Extraction failed"


class LLMError(PlumblineError):
    """The optional LLM endpoint failed: unreachable, timed out, an HTTP error or an answer
    that is not an OpenAI-style chat completion."""

    status = 502
    title = "LLM back end failed"


class ConfigurationError(PlumblineError):
    status = 500
    title = "Configuration error"


class PipelineError(PlumblineError):
    """A pipeline stage failed on one item; names both."""

    def __init__(self, stage: str, item: object, cause: BaseException) -> None:
        super().__init__(f"stage {stage!r} failed on {item!r}: {cause}", stage=stage, item=item)
        self.stage = stage
        self.item = item
        self.__cause__ = cause


class Forbidden(PlumblineError):
    """A request the site refuses: a form post without a valid token, from another site."""

    status = 403
    title = "Forbidden"


class TooManyRequests(PlumblineError):
    status = 429
    title = "Too many requests"
