"""Prometheus metrics (``/v1/metrics`` when the ``metrics`` setting is on).

Labels are route templates, methods, status codes and directions: never a device, user,
collection or inspection id, nor a name, so a scrape says how busy the server is and nothing
about who. Each app has its own registry (apps stay independent; tests make many), and each
server process its own counts: scrape every process, not a load balancer in front of them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._storage import Storage

UNROUTED = "unrouted"  # refused before routing (body limits) or no such route
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _Devices(Collector):
    """Enrolled devices by state, read from the database at each scrape (a team server has
    hundreds at most, so one listing per scrape is cheap)."""

    def __init__(self, storage: Storage) -> None:
        self._storage = storage

    def collect(self) -> Iterator[Metric]:
        rows = self._storage.list_devices()
        g = GaugeMetricFamily("fieldpad_devices", "Enrolled devices by state",
                              labels=["state"])
        revoked = sum(1 for d in rows if d.revoked_at is not None)
        g.add_metric(["active"], len(rows) - revoked)
        g.add_metric(["revoked"], revoked)
        yield g


class Metrics:
    """The counters the app updates and the registry a scrape reads."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self, storage: Storage) -> None:
        # no *_created series: they double a scrape's size and Prometheus ignores them
        disable_created_metrics()
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("fieldpad_http_requests", "HTTP requests answered",
                                ["route", "method", "status"], registry=r)
        self.latency = Histogram("fieldpad_http_request_duration_seconds",
                                 "Time to answer a request", ["route", "method"],
                                 buckets=LATENCY_BUCKETS, registry=r)
        self.records = Counter("fieldpad_sync_records", "Records stored by pushes (up) and "
                               "sent by pulls (down)", ["direction"], registry=r)
        self.bytes = Counter("fieldpad_sync_bytes", "Envelope bytes stored by pushes (up) "
                             "and sent by pulls (down)", ["direction"], registry=r)
        for direction in ("up", "down"):  # present from the first scrape, at 0
            self.records.labels(direction)
            self.bytes.labels(direction)
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        r.register(_Devices(storage))

    def moved(self, direction: str, records: int, size: int) -> None:
        self.records.labels(direction).inc(records)
        self.bytes.labels(direction).inc(size)

    def scrape(self) -> bytes:
        """The text exposition (blocking: the devices gauge reads the database)."""
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times every request by the route template it matched."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or UNROUTED
            # a label's values must stay few whatever clients send
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route, method).observe(time.perf_counter() - start)
