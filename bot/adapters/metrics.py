"""Sitrep's Prometheus metrics, on a registry of their own: one per built app, so tests and
benchmarks that build several apps in one process never clash (nor see each other's numbers)."""

import logging
from collections.abc import Callable, Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# The routes requests are counted under: a bounded set, whatever paths people try.
ROUTES = (
    "/slack/events",
    "/webhooks",
    "/api/v1",
    "/oncall",
    "/status",
    "/healthz",
    "/readyz",
    "/metrics",
)
# Acknowledgements must come within 3 seconds: the buckets are finest below that.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0)

# The outbox's backlog: how many notices are due and unsent, and when the oldest was due.
Backlog = Callable[[datetime], tuple[int, datetime | None]]


class Metrics:
    """The instruments the HTTP face, the Slack client and the scheduler report to."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.request_seconds = Histogram(
            "sitrep_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["route"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.requests = Counter(
            "sitrep_http_requests",
            "HTTP requests answered, by route and status code.",
            ["route", "status"],
            registry=self.registry,
        )
        self.slack_requests = Counter(
            "sitrep_slack_requests",
            "Slack requests (command, event, action, view, shortcut, other) by outcome: ok, "
            "rejected (4xx: bad signature, unhandled) or failed (5xx).",
            ["kind", "outcome"],
            registry=self.registry,
        )
        self.slack_api_errors = Counter(
            "sitrep_slack_api_errors",
            "Slack Web API calls that failed (each attempt, retried or not), by method and error.",
            ["method", "error"],
            registry=self.registry,
        )
        self.scheduler_lag = Gauge(
            "sitrep_scheduler_lag_seconds",
            "How late the last run of each periodic job started against its schedule.",
            ["job"],
            registry=self.registry,
        )

    def watch_outbox(self, backlog: Backlog, clock: Callable[[], datetime]) -> None:
        """Reports the outbox's depth and age, queried at each scrape."""
        self.registry.register(_OutboxCollector(backlog, clock))

    def request(self, path: str, status: int, seconds: float) -> None:
        route = route_of(path)
        self.request_seconds.labels(route).observe(seconds)
        self.requests.labels(route, str(status)).inc()

    def slack_request(self, kind: str, status: int) -> None:
        outcome = "ok" if status < 400 else "rejected" if status < 500 else "failed"
        self.slack_requests.labels(kind, outcome).inc()

    def slack_api_error(self, method: str, error: str) -> None:
        self.slack_api_errors.labels(method, error).inc()

    def job_started(self, job: str, lag_seconds: float) -> None:
        self.scheduler_lag.labels(job).set(max(lag_seconds, 0.0))

    def exposition(self) -> bytes:
        """Every metric in Prometheus's text format."""
        return generate_latest(self.registry)


def route_of(path: str) -> str:
    for route in ROUTES:
        if path == route or path.startswith(route + "/") or path.startswith(route + "."):
            return route
    return "other"


class _OutboxCollector(Collector):
    def __init__(self, backlog: Backlog, clock: Callable[[], datetime]) -> None:
        self._backlog, self._clock = backlog, clock

    def describe(self) -> list[Metric]:
        return []  # collected at scrape time only: registering must not query the database

    def collect(self) -> Iterator[Metric]:
        now = self._clock()
        try:
            depth, oldest = self._backlog(now)
        except Exception as error:  # a scrape must not fail on it: the gauges go missing
            log.warning("metrics: could not read the outbox: %s", error)
            return
        yield GaugeMetricFamily(
            "sitrep_outbox_depth", "Notices due and not yet sent (nor cancelled).", value=depth
        )
        age = (now - oldest).total_seconds() if oldest is not None else 0.0
        yield GaugeMetricFamily(
            "sitrep_outbox_oldest_age_seconds",
            "How long the oldest notice due and unsent has been due (0: none).",
            value=max(age, 0.0),
        )
