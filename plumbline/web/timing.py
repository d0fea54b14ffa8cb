"""Server time of a request, measured where the work happens.

`TimedRoute` times the route handler itself (parsing, Plumbline's work, rendering) and
reports it as `Server-Timing: handler;dur=…`; the outermost middleware adds `total;dur=…`,
which also includes time spent waiting behind other requests in the same process. Page
handlers are plain functions run in the thread pool (they read the database), so the
handler time includes any wait for a free thread."""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute


class TimedRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def timed(request: Request) -> Response:
            started = time.perf_counter()
            response = await handler(request)
            elapsed = (time.perf_counter() - started) * 1000
            response.headers.append("Server-Timing", f"handler;dur={elapsed:.2f}")
            return response

        return timed
