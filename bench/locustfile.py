"""Locust users for bench/site_load.py: readers opening story pages (or a mix of pages).

Configured by environment variables that site_load.py sets: PLUMBLINE_BENCH_PATHS (a JSON
file with the paths to draw from) and PLUMBLINE_BENCH_TIMINGS (where each worker appends
the Server-Timing durations it saw, one number per line)."""

from __future__ import annotations

import json
import os
import random
import re
from typing import Any

from locust import FastHttpUser, constant, events, task

PATHS: list[str] = json.loads(open(os.environ["PLUMBLINE_BENCH_PATHS"]).read())  # noqa: SIM115
TIMINGS: list[float] = []
_DURATION = re.compile(r"handler;dur=([0-9.]+)")


class Reader(FastHttpUser):
    wait_time = constant(0)  # closed loop: each user sends its next request at once

    @task
    def page(self) -> None:
        path = random.choice(PATHS)
        name = path.split("?")[0].rsplit("/", 1)[0] or "/"
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            timing = response.headers.get("Server-Timing", "")
            if isinstance(timing, list):  # one header per middleware layer
                timing = ", ".join(timing)
            found = _DURATION.search(timing)
            if found:
                TIMINGS.append(float(found.group(1)))


@events.quitting.add_listener
def _save(environment: Any, **_kwargs: Any) -> None:
    with open(os.environ["PLUMBLINE_BENCH_TIMINGS"], "a", encoding="utf-8") as handle:
        handle.write("\n".join(f"{t:.3f}" for t in TIMINGS) + "\n")
