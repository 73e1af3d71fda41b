"""Signet's Prometheus metrics, in a registry of their own (so several apps in one process, as
in tests, never register a name twice). ``/metrics`` renders this registry plus the
per-app collectors (the job queue, read from the database at scrape time).

Label values are bounded: a route is its template (``/v1/signing-requests/{request_id}``),
never the raw path; outcomes and job kinds are fixed lists in the code.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

# No *_created series: they double the output and no Signet dashboard needs them.
disable_created_metrics()
REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)

JOBS_FINISHED = Counter(
    "signet_jobs_finished",
    "Job attempts by kind and outcome: succeeded, retry (will run again) or dead (gave up)",
    ["kind", "outcome"],
    registry=REGISTRY,
)
SEAL_SECONDS = Histogram(
    "signet_seal_duration_seconds",
    "Time to build and seal a completed request's three final files",
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120),
    registry=REGISTRY,
)
WEBHOOK_DELIVERIES = Counter(
    "signet_webhook_deliveries",
    "Webhook delivery attempts by outcome: delivered (2xx) or failed",
    ["outcome"],
    registry=REGISTRY,
)
EMAILS = Counter(
    "signet_emails",
    "Emails by outcome: sent (SMTP accepted it or it was written as .eml) or failed",
    ["outcome"],
    registry=REGISTRY,
)

UNMATCHED = "<unmatched>"


# Upper bounds (seconds) of the request latency histogram's buckets.
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class _RouteSeries:
    __slots__ = ("buckets", "statuses", "total")

    def __init__(self) -> None:
        self.statuses: dict[int, int] = {}
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # the last one is +Inf
        self.total = 0.0


class RequestMetrics(Collector):
    """Request counts and latency per (method, route template), kept in plain dicts and lists
    and turned into Prometheus families only when scraped. prometheus_client's Counter and
    Histogram take a lock per update, several microseconds per request on a busy machine; this
    costs well under one. Updates come from the event loop's thread only (the middleware), so
    they need no lock; a scrape reading mid-update is off by at most that one request."""

    def __init__(self) -> None:
        self._series: dict[tuple[str, str], _RouteSeries] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        series = self._series.get((method, route))
        if series is None:
            series = self._series[(method, route)] = _RouteSeries()
        series.statuses[status] = series.statuses.get(status, 0) + 1
        series.buckets[bisect_left(LATENCY_BUCKETS, seconds)] += 1
        series.total += seconds

    def collect(self) -> Iterator[CounterMetricFamily | HistogramMetricFamily]:
        counts = CounterMetricFamily(
            "signet_http_requests",
            "HTTP requests answered, by method, route template and status code",
            labels=["method", "route", "status"],
        )
        latency = HistogramMetricFamily(
            "signet_http_request_duration_seconds",
            "Time to answer an HTTP request (until the app returns), by method and route",
            labels=["method", "route"],
        )
        for (method, route), series in list(self._series.items()):
            for status, count in list(series.statuses.items()):
                counts.add_metric([method, route, str(status)], count)
            cumulative, buckets = 0, []
            for bound, count in zip((*LATENCY_BUCKETS, float("inf")), series.buckets, strict=True):
                cumulative += count
                buckets.append((floatToGoString(bound), cumulative))
            latency.add_metric([method, route], buckets, series.total)
        yield counts
        yield latency


REQUESTS = RequestMetrics()
REGISTRY.register(REQUESTS)


@dataclass(frozen=True)
class QueueRow:
    """Due jobs of one kind still waiting to run, and when the oldest of them became due."""

    kind: str
    waiting: int
    oldest_due_at: float | None  # a Unix time
    dead: int = 0


class QueueCollector(Collector):
    """Job queue depth, oldest waiting age and dead jobs per kind, read at scrape time."""

    def __init__(self, rows: Callable[[], Iterable[QueueRow]]) -> None:
        self._rows = rows

    def collect(self) -> Iterator[GaugeMetricFamily]:
        depth = GaugeMetricFamily(
            "signet_jobs_queue_depth", "Due jobs waiting to run, by kind", labels=["kind"]
        )
        age = GaugeMetricFamily(
            "signet_jobs_oldest_age_seconds",
            "How long the oldest due job of each kind has been waiting",
            labels=["kind"],
        )
        dead = GaugeMetricFamily(
            "signet_jobs_dead", "Jobs that gave up (see `signet jobs`), by kind", labels=["kind"]
        )
        now = time.time()
        for row in self._rows():
            depth.add_metric([row.kind], row.waiting)
            age.add_metric(
                [row.kind], max(0.0, now - row.oldest_due_at) if row.oldest_due_at else 0.0
            )
            dead.add_metric([row.kind], row.dead)
        yield depth
        yield age
        yield dead


def render(*extra: CollectorRegistry) -> bytes:
    """The exposition text of Signet's metrics and of ``extra`` registries."""
    return b"".join(generate_latest(r) for r in (REGISTRY, *extra))
