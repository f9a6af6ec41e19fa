"""Operating Sitrep: liveness and readiness probes, Prometheus metrics, JSON logs with the
request and incident they belong to."""

import io
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from app import _start_scheduler
from bot.adapters.log_format import log_handler
from bot.settings import Settings
from handlers.http import make_wsgi
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import eventually

CHANNEL = f"inc-{datetime.now(UTC).year}-0001-checkout-api-returning-500s"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def get(running: Running, path: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(running.url + path, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def scrape(running: Running) -> Samples:
    status, headers, body = get(running, "/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def declare(running: Running) -> str:
    """Declares by command and waits until Sitrep has finished; returns the channel ID."""
    assert running.driver.command("declare sev2 Checkout API returning 500s").status == 200
    slack = running.slack
    channel = slack.wait_for(lambda: slack.channel_by_name(CHANNEL))
    slack.wait_for(lambda: [r for r in slack.responses() if f"<#{channel.id}>" in r.text])
    return channel.id


def test_healthz_says_alive_without_asking_the_database(running: Running) -> None:
    running.sitrep.engine.dispose()
    with running.sitrep.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = 'gone'"))
    status, _, body = get(running, "/healthz")
    assert (status, json.loads(body)) == (200, {"ok": True})


def test_readyz_is_ready_when_the_schema_is_current_and_says_why_not(running: Running) -> None:
    status, _, body = get(running, "/readyz")
    assert status == 200
    assert json.loads(body)["schema"] == "current"
    with running.sitrep.engine.begin() as connection:
        head = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0012'"))
    status, _, body = get(running, "/readyz")
    answer = json.loads(body)
    assert status == 503 and answer["schema"] == "not_current"
    assert f"schema at 0012, code expects {head}" in answer["reason"]
    assert "python app.py migrate" in answer["reason"]


def test_readyz_says_when_the_database_cannot_be_reached(running: Running) -> None:
    nowhere = sa.create_engine("postgresql+psycopg://sitrep@127.0.0.1:1/sitrep")
    wsgi = make_wsgi(running.sitrep.bolt, nowhere)
    statuses: list[str] = []
    environ = {"PATH_INFO": "/readyz", "REQUEST_METHOD": "GET"}
    body = b"".join(wsgi(environ, lambda status, headers: statuses.append(status)))
    assert statuses == ["503 Service Unavailable"]
    assert json.loads(body)["database"] == "unreachable"
    nowhere.dispose()


def test_every_response_carries_a_request_id_and_keeps_a_proxys(running: Running) -> None:
    _, headers, _ = get(running, "/healthz")
    assert len(headers["X-Request-Id"]) == 16
    request = urllib.request.Request(running.url + "/healthz", headers={"X-Request-Id": "lb-42"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["X-Request-Id"] == "lb-42"


def test_slack_requests_are_counted_by_kind_and_outcome_and_timed(running: Running) -> None:
    before = scrape(running)
    assert running.driver.command("help").status == 200
    body = b"command=%2Fincident&text=help"
    assert (
        running.driver.post(body, "application/x-www-form-urlencoded", signature="v0=bad").status
        == 401
    )
    running.driver.say(running.general, "anyone seeing checkout errors?")
    after = scrape(running)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("sitrep_slack_requests_total", kind="command", outcome="ok") == 1
    assert moved("sitrep_slack_requests_total", kind="command", outcome="rejected") == 1
    assert moved("sitrep_slack_requests_total", kind="event", outcome="ok") == 1
    route = {"route": "/slack/events"}
    assert moved("sitrep_http_request_duration_seconds_count", **route) == 3
    assert moved("sitrep_http_request_duration_seconds_sum", **route) > 0
    assert moved("sitrep_http_requests_total", route="/slack/events", status="401") == 1
    # Before this scrape, the one before it was counted under its own route.
    assert value(after, "sitrep_http_requests_total", route="/metrics", status="200") >= 1


def test_slack_api_errors_are_counted_by_method_and_error(running: Running) -> None:
    running.slack.fail_next("conversations.create", "restricted_action")
    running.driver.command("declare sev2 Checkout API returning 500s")
    eventually(
        lambda: (
            value(
                scrape(running),
                "sitrep_slack_api_errors_total",
                method="conversations.create",
                error="restricted_action",
            )
            == 1
        )
    )


def test_outbox_depth_and_age_are_read_at_scrape_time(running: Running, clock: FastForward) -> None:
    declare(running)  # nobody is commander: a reminder is owed after 5 minutes
    assert value(scrape(running), "sitrep_outbox_depth") == 0
    clock.advance(minutes=20)
    assert running.sitrep.deps.schedule.plan() >= 1
    samples = scrape(running)
    assert value(samples, "sitrep_outbox_depth") >= 1
    assert 14 * 60 < value(samples, "sitrep_outbox_oldest_age_seconds") <= 20 * 60 + 60
    running.sitrep.deps.schedule.send()
    samples = scrape(running)
    assert value(samples, "sitrep_outbox_depth") == 0
    assert value(samples, "sitrep_outbox_oldest_age_seconds") == 0


def test_scheduler_lag_is_reported_per_job(running: Running) -> None:
    running.sitrep.scheduler = _start_scheduler(running.sitrep, Settings(sitrep_tick_seconds=0.2))
    eventually(
        lambda: (
            ("sitrep_scheduler_lag_seconds", frozenset({("job", "send-due-notices")}))
            in scrape(running)
        )
    )
    lag = value(scrape(running), "sitrep_scheduler_lag_seconds", job="send-due-notices")
    assert 0 <= lag < 5


@pytest.fixture
def json_logs() -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Reads back, parsed, the JSON lines every logger has written since the test began."""
    stream = io.StringIO()
    handler = log_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def test_json_logs_name_the_request_and_the_incident(
    running: Running, json_logs: Callable[[], list[dict[str, Any]]]
) -> None:
    channel = declare(running)
    running.slack.fail_next("chat.postMessage", "internal_error")
    command = running.slack.slash_command(
        "/incident", "note first lead: the cert", user="U_ALICE", channel=channel
    )
    body = urlencode(command).encode()
    form = "application/x-www-form-urlencoded"
    reply = running.driver.post(body, form, headers={"X-Request-Id": "req-note-1"})
    assert reply.status == 200
    # The post is refused after the acknowledgement, in a worker thread: its log line still
    # names the request that caused it and the incident.
    eventually(lambda: any("internal_error" in r["message"] for r in json_logs()))
    refused = next(r for r in json_logs() if "internal_error" in r["message"])
    assert refused["level"] == "WARNING"  # the outbox tries it again
    assert refused["request_id"] == "req-note-1"
    assert refused["incident"] == f"INC-{datetime.now(UTC).year}-0001"
    assert datetime.fromisoformat(refused["time"]).tzinfo is not None
