"""Operations endpoints: /healthz (the process answers), /readyz (it can serve: database
reachable and migrated, model files present) and /metrics (Prometheus text format).

Metrics are read from the database at scrape time (articles per stage, stories, failing
feeds, dirty stories waiting for synthesis = the pipeline's queue depth), plus the HTTP
request latency histogram this process measured. Nothing here is shown to readers."""

from __future__ import annotations

import time
from collections.abc import Iterator
from importlib import resources

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from plumbline.core import Plumbline

router = APIRouter(include_in_schema=False)
MODEL_FILES = ("sentence_bias.npz", "sentence_bias.json", "lean.json", "topic.npz")


def _core(request: Request) -> Plumbline:
    core: Plumbline = request.app.state.core
    return core


class StoreCollector(Collector):
    """Gauges computed from the store when Prometheus scrapes."""

    def __init__(self, core: Plumbline) -> None:
        self.core = core

    def collect(self) -> Iterator[GaugeMetricFamily]:
        status = self.core.status()
        articles = GaugeMetricFamily(
            "plumbline_articles", "Stored articles by pipeline stage", labels=["stage"]
        )
        for stage in status.stages:
            articles.add_metric([stage.state], stage.count)
        yield articles
        yield GaugeMetricFamily("plumbline_stories", "Published stories", value=status.stories)
        yield GaugeMetricFamily("plumbline_outlets", "Outlets", value=status.outlets)
        yield GaugeMetricFamily("plumbline_feeds", "Feeds", value=status.feeds)
        yield GaugeMetricFamily(
            "plumbline_feeds_failing",
            "Feeds whose last fetch failed",
            value=len(status.failing_feeds),
        )
        yield GaugeMetricFamily(
            "plumbline_feed_errors",
            "Consecutive errors summed over all feeds",
            value=sum(f.error_count for f in status.failing_feeds),
        )
        pending = sum(
            s.count for s in status.stages if s.state in ("fetched", "extracted", "analyzed")
        )
        queue = GaugeMetricFamily(
            "plumbline_queue_depth", "Work waiting for the pipeline", labels=["queue"]
        )
        queue.add_metric(["articles"], pending)
        queue.add_metric(["stories_to_synthesize"], status.stories_waiting)
        yield queue


class WorkerCollector(Collector):
    """With a broker: the depth of each task queue (LLEN) and the task run times that the
    workers record in Redis (plumbline/workers/metrics.py), read when Prometheus scrapes."""

    def __init__(self, broker_url: str) -> None:
        from redis import Redis

        self.redis = Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)

    def collect(self) -> Iterator[Metric]:
        from redis.exceptions import RedisError

        from plumbline.workers import metrics

        try:
            depths = metrics.queue_depths(self.redis)
            times = list(metrics.task_times(self.redis))
            done = metrics.done(self.redis)
        except RedisError:
            yield GaugeMetricFamily("plumbline_broker_up", "Redis broker reachable", value=0)
            return
        yield GaugeMetricFamily("plumbline_broker_up", "Redis broker reachable", value=1)
        queue = GaugeMetricFamily(
            "plumbline_task_queue_depth", "Tasks waiting in the broker", labels=["queue"]
        )
        for name, depth in depths.items():
            queue.add_metric([name], depth)
        yield queue
        latency = HistogramMetricFamily(
            "plumbline_task_seconds", "Run time of worker tasks", labels=["task"]
        )
        for t in times:
            buckets = [(str(bound), count) for bound, count in t.buckets]
            latency.add_metric([t.task], [*buckets, ("+Inf", t.count)], sum_value=t.sum)
        yield latency
        moved = CounterMetricFamily(
            "plumbline_worker_items", "Items the workers moved on, by stage", labels=["stage"]
        )
        for stage, count in sorted(done.items()):
            moved.add_metric([stage], count)
        yield moved


class Metrics:
    """One registry per app: the store gauges, the worker queues and task times (with a
    broker) and the request latency histogram."""

    def __init__(self, core: Plumbline) -> None:
        self.registry = CollectorRegistry()
        self.registry.register(StoreCollector(core))
        if core.settings.broker_url:
            self.registry.register(WorkerCollector(core.settings.broker_url))
        self.latency = Histogram(
            "plumbline_http_request_seconds",
            "Time the server worked on a request",
            ["route"],
            registry=self.registry,
            buckets=(0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
        )
        self.answers = Counter(
            "plumbline_http_responses",
            "Answers sent, by route and status (errors included)",
            ["route", "status"],
            registry=self.registry,
        )

    def observe(self, route: str, status: int, seconds: float) -> None:
        """Record an answer to a request for `route` (a route pattern such as /story/{key}:
        one label per route, never per path)."""
        self.latency.labels(route).observe(seconds)
        self.answers.labels(route, str(status)).inc()


@router.get("/healthz")
def healthz() -> PlainTextResponse:
    return PlainTextResponse("ok\n")


@router.get("/readyz")
def readyz(request: Request) -> Response:
    checks: dict[str, str] = {}
    core = _core(request)
    started = time.perf_counter()
    try:
        current, head = core.schema_versions()
        checks["database"] = "ok" if current == head else f"schema {current}, newest {head}"
    except Exception as exc:  # report, never crash the probe
        checks["database"] = f"unreachable: {type(exc).__name__}"
    heads = resources.files("plumbline").joinpath("data", "heads")
    missing = [name for name in MODEL_FILES if not heads.joinpath(name).is_file()]
    checks["models"] = "ok" if not missing else "missing " + ", ".join(missing)
    ready = all(value == "ok" for value in checks.values())
    body = {
        "ready": ready,
        "checks": checks,
        "ms": round((time.perf_counter() - started) * 1000, 1),
    }
    return JSONResponse(body, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(request: Request) -> Response:
    registry: CollectorRegistry = request.app.state.metrics.registry
    return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
