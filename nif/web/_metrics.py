"""The one home of the service's metrics, served at `/metrics` in Prometheus' text format.

Every app has a `CollectorRegistry` of its own (several apps run in one test process, and two
replicas never share a count: Prometheus scrapes each). Label values come only from bounded
sets nif chooses (route templates, a fixed list of methods, verdicts, kinds, operations), never
from what a client sends, so a hostile path or header can neither add a series nor inject text.
What can be read when scraped (the pool's workers, the state's health) is read then.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nif import __version__
from nif.report import Verdict

if TYPE_CHECKING:
    from nif.web._services import Services

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
"""The text exposition format (what Prometheus asks for and every scraper reads)."""

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other is counted as `other`."""

UNMATCHED = "unmatched"
"""The route label of a request no route took (an unknown path, or refused before routing)."""

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)
"""Histogram buckets: a fast read to a long validation or certification run."""


class Metrics:
    """One app's counters and histograms, and the collector of what is read when scraped."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "nif_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "nif_http_request_duration_seconds",
            "Seconds from a request's arrival to the end of its answer.",
            ["method", "route"],
            buckets=_SECONDS,
            registry=self.registry,
        )
        self.validations = Counter(
            "nif_validations",
            "Validations finished, by verdict and kind (single, batch, certification).",
            ["verdict", "kind"],
            registry=self.registry,
        )
        self.store_seconds = Histogram(
            "nif_store_operation_duration_seconds",
            "Seconds of each call to the RDF store, by operation (select, update, graph).",
            ["operation"],
            buckets=_SECONDS,
            registry=self.registry,
        )
        self._service = _ServiceCollector()
        self.registry.register(self._service)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def attach(self, services: Services) -> None:
        """Count what `services` do: validations, store calls, the pool and the state."""
        self._service.services = services
        services.pool.observer = self.validated
        services.registry.store.observe(self.store_call)

    def detach(self) -> None:
        """Stop reading the services (they are closing)."""
        services, self._service.services = self._service.services, None
        if services is not None:
            services.pool.observer = None
            services.registry.store.observe(None)

    def validated(self, kind: str, verdict: Verdict) -> None:
        self.validations.labels(verdict=str(verdict), kind=kind).inc()

    def store_call(self, operation: str, seconds: float) -> None:
        self.store_seconds.labels(operation=operation).observe(seconds)

    def answered(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(method=method, route=route, status=str(status)).inc()
        self.request_seconds.labels(method=method, route=route).observe(seconds)

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


class _ServiceCollector(Collector):
    """What is read when scraped: nif's version, the pool's workers, the state's health."""

    def __init__(self) -> None:
        self.services: Services | None = None

    def collect(self) -> Iterator[Metric]:
        info = GaugeMetricFamily("nif_info", "The nif that answers.", labels=["version"])
        info.add_metric([__version__], 1)
        yield info
        services = self.services
        if services is None:
            return
        yield from _pool(services)
        yield from _state(services)


def _pool(services: Services) -> Iterator[Metric]:
    stats = services.pool.stats()
    yield GaugeMetricFamily(
        "nif_validation_workers", "Validation worker processes.", value=len(stats)
    )
    yield GaugeMetricFamily(
        "nif_validation_workers_busy",
        "Validation workers checking a message now.",
        value=sum(s.busy for s in stats),
    )
    yield GaugeMetricFamily(
        "nif_validation_queue_depth",
        "Validations admitted that wait for a free worker.",
        value=services.pool.waiting,
    )
    yield GaugeMetricFamily(
        "nif_validations_in_flight",
        "Validations running or queued (max_concurrent_validations refuses more).",
        value=services.pool.in_flight,
    )
    yield CounterMetricFamily(
        "nif_validation_worker_restarts",
        "Workers killed and replaced (over their time limit, or crashed).",
        value=sum(s.restarts for s in stats),
    )


def _state(services: Services) -> Iterator[Metric]:
    health = services.registry.state.health()
    up = GaugeMetricFamily(
        "nif_state_up", "Whether the state back end answers (1) or not (0).", labels=["kind"]
    )
    up.add_metric([health.kind], 1 if health.ok else 0)
    yield up
    latency = GaugeMetricFamily(
        "nif_state_latency_seconds",
        "Seconds the state back end took to answer its health check.",
        labels=["kind"],
    )
    latency.add_metric([health.kind], health.latency_ms / 1000)
    yield latency


class MetricsMiddleware:
    """Counts and times every HTTP answer by its route's template (never the raw path)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets when the app fails before it answers

        async def noted(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noted)
        finally:
            self.metrics.answered(
                scope["method"], route_of(scope), status, time.perf_counter() - started
            )


def route_of(scope: Scope) -> str:
    """The template of the route that took the request (`/api/records/{record_id}`)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED
