"""`python app.py` with SLACK_APP_TOKEN: Socket Mode against the fake's WebSocket server."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.db.engine import make_engine
from bot.adapters.db.store import SqlIncidentStore
from models import EntryKind
from tests.e2e.test_startup import ROOT, environment
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack


@pytest.fixture
def socket_mode_bot(tmp_path: Path) -> Iterator[tuple[FakeSlack, Path]]:
    with FakeSlack() as slack:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=environment(
                SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN, SLACK_API_URL=slack.api_url
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            try:
                slack.socket.wait_until_connected(timeout=30)
            except TimeoutError:
                process.terminate()
                pytest.fail(f"no Socket Mode connection: {process.communicate()[0]}")
            yield slack, tmp_path / "sitrep.db"
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_socket_mode_declares_and_records_the_timeline(
    socket_mode_bot: tuple[FakeSlack, Path],
) -> None:
    slack, database = socket_mode_bot
    general = slack.channel_by_name("general")
    assert general is not None
    command = slack.slash_command(
        "/incident", "declare sev2 Checkout API returning 500s", user="U_ALICE", channel=general.id
    )
    ack = slack.socket.send_envelope("slash_commands", command, timeout=10)
    assert "is declared" in ack["payload"]["text"]

    name = f"inc-{time.gmtime().tm_year}-0001-checkout-api-returning-500s"
    channel = slack.wait_for(lambda: slack.channel_by_name(name), timeout=10)
    slack.wait_for(lambda: slack.pins(channel.id), timeout=10)
    slack.user_joins(channel.id, "U_BOB")
    event = slack.user_posts(channel.id, "U_BOB", "rolling back 4f2a")
    envelope = slack.event_callback(event)
    slack.socket.send_envelope("events_api", envelope, timeout=10)
    slack.socket.send_envelope(
        "events_api", envelope, retry_attempt=1, retry_reason="timeout", timeout=10
    )

    store = SqlIncidentStore(make_engine(f"sqlite:///{database}"))
    incident = store.by_channel(channel.id)
    assert incident is not None and incident.id is not None
    messages = [e.text for e in store.entries(incident.id) if e.kind is EntryKind.MESSAGE]
    assert messages == ["rolling back 4f2a"]


def test_in_socket_mode_alert_webhooks_are_served_and_slack_requests_are_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "sitrep.toml").write_text('[alerts.sources.generic]\ntoken = "t0ken"\n')
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with FakeSlack() as slack:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=environment(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=slack.api_url,
                HOST="127.0.0.1",
                PORT=str(port),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            slack.socket.wait_until_connected(timeout=30)
            alert = json.dumps({"title": "Disk full on db-1", "severity": "critical"}).encode()
            answer = _post(f"http://127.0.0.1:{port}/webhooks/generic?token=t0ken", alert)
            assert answer == 202
            assert _post(f"http://127.0.0.1:{port}/slack/events", b"{}") == 404
            slack.wait_for(
                lambda: slack.channel_by_name(
                    f"inc-{time.gmtime().tm_year}-0001-disk-full-on-db-1"
                ),
                timeout=10,
            )
        finally:
            process.terminate()
            process.wait(timeout=10)


def _post(url: str, body: bytes) -> int:
    """The HTTP status of a POST, waiting for the server to listen."""
    deadline = time.monotonic() + 20
    while True:
        request = urllib.request.Request(
            url, data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except urllib.error.URLError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
