"""The database going away for a while: Slack's requests that can't be stored are refused
with an error Slack retries, never acknowledged; once it is back, the retries are stored once
each and the app serves on without a restart. PostgreSQL behind a proxy the test cuts, or
stalls (packets dropped rather than refused)."""

import json
import logging
import statistics
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from bot.adapters.db.engine import make_engine
from bot.incidents import Declaration
from tests.databases import fresh_database
from tests.e2e.conftest import Running
from tests.e2e.harness import Reply
from tests.e2e.tally import Tally
from tests.fakes.tcp_proxy import TcpProxy

MESSAGES = 20
DECLARATIONS = 5
SLACK_RETRIES = 3  # Slack retries an event three times (Events API: at once, 1 min, 5 min)
# A round trip unanswered this long drops its connection (SITREP_DB_ANSWER_TIMEOUT, 10 s by
# default): shorter here so the stalled test is quick; the connect timeout is the default.
ANSWER_TIMEOUT = 2.0
HUNG = 10.0  # an answer slower than this is a request left hanging


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"sitrep_db_answer_timeout": ANSWER_TIMEOUT}


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        yield proxy


@pytest.fixture
def direct_url(tmp_path: Path) -> Iterator[str]:
    with fresh_database("postgres", tmp_path) as url:
        yield url


@pytest.fixture
def database_url(direct_url: str, proxy: TcpProxy) -> str:
    """The app reaches PostgreSQL through the proxy."""
    return proxy.url_for(direct_url)


def stored(url: str, sql: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def open_incident(running: Running) -> str:
    assert running.driver.command("declare sev2 Orders database failing over").status == 200
    channel = running.slack.wait_for(
        lambda: next((c for c in running.slack.channels() if "orders-database" in c.name), None)
    )
    running.slack.wait_for(lambda: running.slack.pins(channel.id))
    running.slack.user_joins(channel.id, "U_BOB")
    return channel.id


def deliver(running: Running, request: tuple[str, dict[str, Any]], retry: int) -> Reply:
    """Sends one request as Slack does: an event again with its retry number; a command's
    payload again as it was (Slack shows the person the error and they run it again)."""
    kind, body = request
    if kind == "event":
        return running.driver.event({}, envelope=body, retry_num=retry or None)
    return running.driver.post(urlencode(body).encode(), "application/x-www-form-urlencoded")


Request = tuple[str, str, dict[str, Any]]  # its key, "event" or "command", its body


class Burst:
    """Message events in an incident channel and declarations, as Slack sends them, each
    tallied under its kind."""

    def __init__(self, running: Running, fault: str, said: str, title: str) -> None:
        self.running, self.title = running, title
        slack = running.slack
        channel = open_incident(running)
        self.messages = Tally(f"{fault}: message events")
        self.declarations = Tally(f"{fault}: declarations")
        self.requests: list[Request] = []
        for n in range(MESSAGES):
            event = slack.user_posts(channel, "U_BOB", f"{said} {n}")
            self.requests.append((event["ts"], "event", slack.event_callback(event)))
        for n in range(DECLARATIONS):
            command = slack.slash_command(
                "/incident", f"declare sev3 {title} {n}", user="U_ALICE", channel=running.general
            )
            self.requests.append((f"{title} {n}", "command", command))

    def tally(self, key: str) -> Tally:
        return self.declarations if key.startswith(self.title) else self.messages

    def retried(self) -> None:
        """Slack's retries, once the database is back, until each is acknowledged; one more
        copy of each (Slack missed the 200) changes nothing."""
        for key, kind, body in self.requests:
            for retry in range(1, SLACK_RETRIES + 1):
                reply = deliver(self.running, (kind, body), retry=retry)
                self.tally(key).answered(key, reply.status)
                if reply.status == 200:
                    break
            assert deliver(self.running, (kind, body), retry=SLACK_RETRIES).status == 200

    def stored_once(self, direct_url: str) -> None:
        """Every request acknowledged is stored, once; the app serves on without a restart:
        the rooms of the incidents declared after the database came back are opened."""
        said = "SELECT slack_ts FROM timeline_entry WHERE kind='message'"
        self.messages.found(stored(direct_url, said))
        self.declarations.found(stored(direct_url, "SELECT title FROM incident"))
        for drill in (self.messages, self.declarations):
            figures = drill.report()
            assert figures["acknowledged"] == figures["stored"] == figures["sent"]
            assert figures["duplicated"] == figures["lost"] == 0
        slack, name = self.running.slack, "-".join(self.title.lower().split())
        slack.wait_for(lambda: len([c for c in slack.channels() if name in c.name]) == DECLARATIONS)


def test_requests_are_refused_while_the_database_is_away_and_stored_once_after(
    running: Running, proxy: TcpProxy, direct_url: str
) -> None:
    burst = Burst(running, "database away", "replica lag at", "Payments stuck")
    proxy.cut()
    away = []
    for key, kind, body in burst.requests:
        reply = deliver(running, (kind, body), retry=0)
        burst.tally(key).answered(key, reply.status)
        away.append(reply.status)
    assert proxy.refused > 0
    assert all(status >= 500 for status in away), away  # never a 200 with nothing stored

    proxy.restore()
    burst.retried()
    burst.stored_once(direct_url)
    assert json.loads(running.driver.command("list").body)["blocks"]


def test_connections_dropped_while_idle_cost_at_most_one_retry(
    running: Running, proxy: TcpProxy, direct_url: str
) -> None:
    slack = running.slack
    # Opened here rather than by a command, so no work after an ack is still running.
    incident = running.sitrep.deps.incidents.declare(
        Declaration(title="Orders database failing over", severity="sev2", reporter="U_ALICE")
    )
    opened = running.sitrep.deps.rooms.open_room(incident.id or 0)
    assert opened is not None and opened.channel_id is not None
    channel = opened.channel_id
    slack.user_joins(channel, "U_BOB")
    drill = Tally("database dropped while idle: message events")
    proxy.cut()  # every pooled connection dies; nobody asks for one meanwhile
    proxy.restore()
    for n in range(MESSAGES):
        event = slack.user_posts(channel, "U_BOB", f"after the blip {n}")
        envelope = slack.event_callback(event)
        for retry in range(SLACK_RETRIES + 1):
            reply = deliver(running, ("event", envelope), retry=retry)
            drill.answered(event["ts"], reply.status)
            if reply.status == 200:
                break
    drill.found(stored(direct_url, "SELECT slack_ts FROM timeline_entry WHERE kind='message'"))
    figures = drill.report()
    assert figures["acknowledged"] == figures["stored"] == MESSAGES
    assert figures["duplicated"] == figures["lost"] == 0
    assert drill.answers[200] == MESSAGES and drill.answers[503] <= 1  # the pool renews at once


def test_requests_are_answered_quickly_while_the_database_black_holes_packets(
    running: Running, proxy: TcpProxy, direct_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    burst = Burst(running, "database stalled", "no answer from the primary", "Ledger frozen")

    def timed(request: Request) -> tuple[str, int, float]:
        key, kind, body = request
        began = time.monotonic()
        status = deliver(running, (kind, body), retry=0).status
        return key, status, time.monotonic() - began

    proxy.stall()  # the pool's connections too: the first requests stall mid-query
    with caplog.at_level(logging.WARNING), ThreadPoolExecutor(max_workers=8) as senders:
        answered = list(senders.map(timed, burst.requests))  # as Slack sends: several at a time
    took = sorted(seconds for _, _, seconds in answered)
    print(
        f"faults: database stalled: answered in {took[0]:.1f}-{took[-1]:.1f} s "
        f"(median {statistics.median(took):.1f} s)"
    )
    for key, status, _ in answered:
        burst.tally(key).answered(key, status)
    assert all(status >= 500 for _, status, _ in answered), answered  # nothing acknowledged
    assert took[-1] < HUNG, took  # answered, not left hanging
    assert "passed its deadline" in caplog.text  # a pooled connection was stalled mid-query

    proxy.restore()
    burst.retried()
    burst.stored_once(direct_url)
