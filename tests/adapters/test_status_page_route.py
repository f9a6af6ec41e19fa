"""The status page route without a database: a spike of readers is served from memory,
and a failure to read the record answers 503 with a page, never a 500."""

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from bot.adapters.web.statuspage import StatusPageRenderer
from bot.config import Policy
from bot.statuspage.page import Page, build_page
from handlers.status_page import StatusPageRoute

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def call(route: StatusPageRoute, path: str, **environ: str) -> tuple[str, dict[str, str], bytes]:
    answered: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]]) -> None:
        answered["status"], answered["headers"] = status, dict(headers)

    body: Iterable[bytes] = route(
        {"PATH_INFO": path, "REQUEST_METHOD": "GET", **environ}, start_response
    )
    return answered["status"], answered["headers"], b"".join(body)


def test_readers_within_the_cache_period_cost_one_read() -> None:
    reads: list[datetime] = []

    def page() -> Page:
        reads.append(NOW)
        return build_page([], Policy(), NOW)

    clock = Clock()
    route = StatusPageRoute(page, StatusPageRenderer(), "Status", 30, monotonic=clock)
    for _ in range(50):
        status, headers, _ = call(route, "/status")
        assert status == "200 OK"
    assert len(reads) == 1
    assert headers["Cache-Control"] == "public, max-age=30"
    clock.now = 31
    call(route, "/status")
    assert len(reads) == 2


def test_a_failed_read_answers_503_with_a_page() -> None:
    def page() -> Page:
        raise ConnectionError("database unreachable")

    route = StatusPageRoute(page, StatusPageRenderer(), "Acme <Status>", 30)
    status, headers, body = call(route, "/status")
    assert status.startswith("503")
    assert headers["Cache-Control"] == "no-store"
    assert b"temporarily unavailable" in body and b"Acme &lt;Status&gt;" in body
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    status, headers, body = call(route, "/status.json")
    assert status.startswith("503") and headers["Content-Type"] == "application/json"
