"""Whole story pages kept in memory, per story version: the page most readers open costs a
version lookup instead of a render.

:class:`PageCache` is the outermost ASGI layer. A ``GET /story/<slug>`` with no cookie and
no query (what every reader sees before choosing anything: no consent state, no saved
stories, the anonymous form token) is answered from memory while the story's version
(:meth:`Repository.story_version`: written up, merged or split since) is the one the page
was rendered at and the copy is younger than :data:`MAX_AGE` (which also bounds the age of
the form tokens inside it, see web/forms.py); a version read from the database is trusted
for :data:`RECHECK` seconds, so a story written up again shows within half a second, and a
popular page costs one database read per half second, not one per reader. Otherwise the
request goes through the whole app and a 200 answer is stored. Each copy is kept
gzip-compressed, with its ETag (304 when the reader has it). Readers with cookies get their
page rendered as before.

Each server process keeps its own copies (at most :data:`MAX_BYTES`, least recently used
out first); a story written by the pipeline in another process is seen at the next request,
because the versions are read from the database.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plumbline.web.middleware import etag_matches

MAX_AGE = 300.0  # seconds a copy is served before it is rendered again
RECHECK = 0.5  # seconds a story's version, once read, is trusted without reading it again
MAX_BYTES = 64 * 1024 * 1024  # compressed bytes kept per process (about 5,000 story pages)
STORY_PATH = re.compile(r"/story/([a-z0-9][a-z0-9-]{0,119})")
#: Request headers the cached answer ignores when it renders (the copy must not depend
#: on them): conditional and encoding headers are handled here.
_DROPPED = {b"if-none-match", b"if-modified-since", b"accept-encoding"}
#: Response headers not replayed (recomputed for each answer).
_PER_ANSWER = {b"content-length", b"content-encoding", b"server-timing", b"vary"}


@dataclass(frozen=True, slots=True)
class _Copy:
    version: str
    stored: float
    headers: list[tuple[bytes, bytes]]
    etag: bytes
    gzipped: bytes  # only the compressed page is kept; the rare reader without gzip costs
    # a decompression (a tenth of a millisecond), and five times as many pages fit

    @property
    def size(self) -> int:
        return len(self.gzipped)


class PageCache:
    """See the module docstring. `version(slug)` gives the story's current version token
    (None when there is no such story: the request then goes to the app, which answers
    404 or a redirect). The version is looked up in a worker thread (a database read), at
    most every `recheck` seconds per story."""

    def __init__(
        self,
        app: ASGIApp,
        version: Callable[[str], str | None],
        *,
        max_age: float = MAX_AGE,
        max_bytes: int = MAX_BYTES,
        recheck: float = RECHECK,
    ) -> None:
        self.app = app
        self.version = version
        self.max_age = max_age
        self.max_bytes = max_bytes
        self.recheck = recheck
        self._versions: dict[str, tuple[str | None, float]] = {}
        self._copies: OrderedDict[str, _Copy] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("query_string"):
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        match = STORY_PATH.fullmatch(path)
        headers = dict(scope["headers"])
        if match is None or b"cookie" in headers or b"authorization" in headers:
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        scope["plumbline.route"] = "/story/{key}"  # the metrics label of a cache hit
        version = await self._version(match[1])
        if version is None:
            await self.app(scope, receive, send)
            return
        copy = self._get(path, version)
        timings: list[tuple[bytes, bytes]] = []
        if copy is None:
            self.misses += 1
            rendered = await self._render(scope, receive, send, path, version)
            if rendered is None:
                return  # not cacheable: the app's own answer was sent
            copy, timings = rendered
        else:
            self.hits += 1
        await self._answer(copy, headers, send, started, timings)

    async def _version(self, slug: str) -> str | None:
        now = time.monotonic()
        known = self._versions.get(slug)
        if known is not None and now - known[1] < self.recheck:
            return known[0]
        version = await run_in_threadpool(self.version, slug)
        if len(self._versions) > 100_000:  # bound memory under a flood of made-up slugs
            self._versions.clear()
        self._versions[slug] = (version, now)
        return version

    def _get(self, path: str, version: str) -> _Copy | None:
        with self._lock:
            copy = self._copies.get(path)
            if copy is None:
                return None
            if copy.version != version or time.monotonic() - copy.stored > self.max_age:
                self._drop(path)
                return None
            self._copies.move_to_end(path)
            return copy

    def _put(self, path: str, copy: _Copy) -> None:
        if copy.size > self.max_bytes:
            return
        with self._lock:
            if path in self._copies:
                self._drop(path)
            self._copies[path] = copy
            self._bytes += copy.size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._copies)))

    def _drop(self, path: str) -> None:
        self._bytes -= self._copies.pop(path).size

    def clear(self) -> None:
        with self._lock:
            self._copies.clear()
            self._versions.clear()
            self._bytes = 0

    async def _render(
        self, scope: Scope, receive: Receive, send: Send, path: str, version: str
    ) -> tuple[_Copy, list[tuple[bytes, bytes]]] | None:
        """Run the app for a plain answer; keep it when it is a cacheable 200 (returning it
        with the app's Server-Timing headers), otherwise pass the app's answer on unchanged
        and return None."""
        inner = dict(scope)
        inner["headers"] = [(k, v) for k, v in scope["headers"] if k not in _DROPPED]
        messages: list[Message] = []

        async def capture(message: Message) -> None:
            messages.append(message)

        await self.app(inner, receive, capture)
        start = messages[0] if messages else {}
        body = b"".join(m.get("body", b"") for m in messages[1:])
        response_headers: list[tuple[bytes, bytes]] = list(start.get("headers", []))
        names = {k.lower() for k, _ in response_headers}
        if start.get("status") != 200 or b"set-cookie" in names:
            for message in messages:  # sent as the app made it (no conditional handling)
                await send(message)
            return None
        kept = [(k, v) for k, v in response_headers if k.lower() not in _PER_ANSWER]
        etag = next((v for k, v in kept if k.lower() == b"etag"), b"")
        if not etag:
            etag = b'W/"' + hashlib.sha256(body).hexdigest()[:24].encode() + b'"'
            kept.append((b"etag", etag))
        copy = _Copy(version, time.monotonic(), kept, etag, gzip.compress(body, 6))
        self._put(path, copy)
        return copy, [(k, v) for k, v in response_headers if k.lower() == b"server-timing"]

    async def _answer(
        self,
        copy: _Copy,
        request: dict[bytes, bytes],
        send: Send,
        started: float,
        timings: list[tuple[bytes, bytes]],
    ) -> None:
        headers = [*copy.headers, (b"vary", b"Accept-Encoding"), *timings]
        if etag_matches(request.get(b"if-none-match", b"").decode("latin-1"), copy.etag.decode()):
            status, body = 304, b""
        else:
            status = 200
            if b"gzip" in request.get(b"accept-encoding", b""):
                body = copy.gzipped
                headers.append((b"content-encoding", b"gzip"))
            else:
                body = gzip.decompress(copy.gzipped)
            headers.append((b"content-length", str(len(body)).encode()))
        elapsed = (time.perf_counter() - started) * 1000
        headers.append((b"server-timing", f"cache;dur={elapsed:.2f}".encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
