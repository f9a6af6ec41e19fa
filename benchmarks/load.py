"""The load generator: signed Slack requests over keep-alive HTTP connections, one
connection per worker thread, closed-loop or paced at a fixed rate."""

import http.client
import itertools
import json
import math
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.e2e.harness import sign

FORM = "application/x-www-form-urlencoded"
Classify = Callable[[int, bytes], str]


@dataclass(frozen=True)
class SlackRequest:
    """One delivery from Slack: a body, and the retry number when Slack re-sends it."""

    body: bytes
    content_type: str
    retry_num: int | None = None

    @classmethod
    def form(cls, fields: dict[str, Any]) -> "SlackRequest":
        """A slash command: the payload's fields, form-encoded."""
        return cls(urlencode(fields).encode(), FORM)

    @classmethod
    def interaction(cls, payload: dict[str, Any]) -> "SlackRequest":
        """Interactivity (block_actions, view_submission): `payload=<json>`, form-encoded."""
        return cls(urlencode({"payload": json.dumps(payload)}).encode(), FORM)

    @classmethod
    def event(cls, envelope: dict[str, Any], retry_num: int | None = None) -> "SlackRequest":
        return cls(json.dumps(envelope).encode(), "application/json", retry_num)


@dataclass(frozen=True)
class Target:
    host: str
    port: int
    signing_secret: str


@dataclass
class LoadResult:
    sent: int
    elapsed: float  # seconds from the first send to the last reply
    latencies_ms: list[float]
    statuses: Counter[int]
    outcomes: Counter[str]  # what `classify` made of each reply
    failures: Counter[str]  # requests without an HTTP reply, by exception
    max_lag_ms: float = 0.0  # paced runs: how far behind schedule a send started, at worst

    @property
    def rate(self) -> float:
        return self.sent / self.elapsed if self.elapsed else 0.0

    def percentile(self, q: float) -> float:
        """Nearest-rank percentile of the ack latencies, in ms."""
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        rank = max(1, math.ceil(q / 100 * len(ordered)))
        return ordered[rank - 1]


@dataclass
class _Worker:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    max_lag: float = 0.0
    last_reply: float = 0.0


def fire(
    target: Target,
    requests: Sequence[SlackRequest],
    *,
    concurrency: int,
    rate: float | None = None,
    classify: Classify | None = None,
) -> LoadResult:
    """Sends every request once and waits for all replies. With `rate`, request i is sent no
    earlier than i / rate seconds after the start (open loop while the app keeps up)."""
    timestamp = int(time.time())  # Bolt accepts signatures up to five minutes old
    prepared = [(request.body, _headers(request, timestamp, target)) for request in requests]
    tickets = itertools.count()  # next() on a count is atomic under the GIL
    workers = [_Worker() for _ in range(min(concurrency, len(prepared)))]
    ready = threading.Barrier(len(workers) + 1)
    start = 0.0

    def work(worker: _Worker) -> None:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=60)
        connection.connect()
        ready.wait()
        try:
            while (index := next(tickets)) < len(prepared):
                if rate is not None:
                    due = start + index / rate
                    if (wait := due - time.perf_counter()) > 0:
                        time.sleep(wait)
                    worker.max_lag = max(worker.max_lag, time.perf_counter() - due)
                body, headers = prepared[index]
                sent = time.perf_counter()
                try:
                    connection.request("POST", "/slack/events", body, headers)
                    response = connection.getresponse()
                    data = response.read()
                except (OSError, http.client.HTTPException) as error:
                    worker.failures[type(error).__name__] += 1
                    connection.close()  # reconnects on the next request
                    continue
                replied = time.perf_counter()
                worker.latencies_ms.append((replied - sent) * 1000)
                worker.last_reply = replied
                worker.statuses[response.status] += 1
                if classify is not None:
                    worker.outcomes[classify(response.status, data)] += 1
                if response.will_close:
                    connection.close()
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,), daemon=True) for w in workers]
    for thread in threads:
        thread.start()
    start = time.perf_counter()
    ready.wait()
    for thread in threads:
        thread.join()
    last = max((w.last_reply for w in workers), default=start)
    return LoadResult(
        sent=len(prepared),
        elapsed=max(last - start, 1e-9),
        latencies_ms=[ms for w in workers for ms in w.latencies_ms],
        statuses=sum((w.statuses for w in workers), Counter()),
        outcomes=sum((w.outcomes for w in workers), Counter()),
        failures=sum((w.failures for w in workers), Counter()),
        max_lag_ms=max((w.max_lag for w in workers), default=0.0) * 1000,
    )


def _headers(request: SlackRequest, timestamp: int, target: Target) -> dict[str, str]:
    headers = {
        "Content-Type": request.content_type,
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": sign(request.body, timestamp, target.signing_secret),
    }
    if request.retry_num is not None:
        headers["X-Slack-Retry-Num"] = str(request.retry_num)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return headers
