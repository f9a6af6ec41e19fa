"""SIGTERM stops a replica gracefully: it refuses new connections, answers the requests in
flight, finishes the work started after acknowledgements, and exits within
SITREP_SHUTDOWN_SECONDS (with 1 when work was left unfinished at the limit)."""

import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import sqlalchemy as sa
from sqlmodel import Session, select

from app import build
from bot.config import Policy
from bot.settings import Settings
from models import Incident
from tests.e2e.conftest import FastForward
from tests.e2e.harness import SIGNING_SECRET, Reply, SlackDriver, eventually
from tests.e2e.test_startup import ROOT, environment, replica
from tests.e2e.test_updates import form
from tests.fakes.anthropic_api import FakeAnthropic, Hang
from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, FakeSlack

LIMIT = 10.0
DECLARE = "declare sev2 Checkout down"


def refused(url: str) -> bool:
    """True when a new connection to the replica is refused."""
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def stored(tmp_path: Path) -> list[Incident]:
    return stored_in(tmp_path / "sitrep.db")


def stored_in(database: Path) -> list[Incident]:
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        with Session(engine) as session:
            return list(session.exec(select(Incident)))
    finally:
        engine.dispose()


def in_flight(driver: SlackDriver, text: str, replies: list[Reply]) -> threading.Thread:
    """A person runs `/incident <text>`; the reply lands in `replies` whenever it comes."""
    thread = threading.Thread(target=lambda: replies.append(driver.command(text)), daemon=True)
    thread.start()
    return thread


def test_sigterm_answers_the_request_in_flight_finishes_its_work_and_exits_cleanly(
    tmp_path: Path,
) -> None:
    with (
        FakeSlack() as slack,
        replica(slack, tmp_path, SITREP_SHUTDOWN_SECONDS=str(LIMIT), SITREP_SCHEDULER="false") as (
            url,
            process,
        ),
    ):
        driver = SlackDriver(url, slack)
        # Work after an acknowledgement: the channel of a declared incident, Slack slow.
        slack.hold_answers("conversations.create")
        assert "INC-" in driver.command("declare sev2 Checkout down").json["text"]
        slack.wait_for(lambda: slack.held == 1)
        # A request in flight: the declare form opens before the ack, Slack slow again.
        slack.hold_answers("views.open")
        replies: list[Reply] = []
        waiting = in_flight(driver, "declare", replies)
        slack.wait_for(lambda: slack.held == 2)

        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        eventually(lambda: refused(url), timeout=LIMIT)
        assert process.poll() is None and replies == []  # still finishing

        slack.release_answers()
        waiting.join(timeout=LIMIT)
        code = process.wait(timeout=LIMIT + 5)
        took = time.monotonic() - stopped
        output = process.communicate()[0]

    assert [r.status for r in replies] == [200]
    assert slack.open_views("U_ALICE")  # the form it was opening opened
    assert code == 0, output
    assert took < LIMIT, f"stopped in {took:.1f}s"
    [incident] = stored(tmp_path)
    assert incident.channel_id is not None  # the work after the acknowledgement was stored
    assert "Sitrep stopped" in output


def stopped_short(process: "subprocess.Popen[str]", limit: float) -> tuple[int | None, float, str]:
    """SIGTERM, then the exit code (None if still running well past `limit`), the seconds
    it took and what the process printed."""
    process.send_signal(signal.SIGTERM)
    stopped = time.monotonic()
    try:
        code: int | None = process.wait(timeout=limit + 10)
    except subprocess.TimeoutExpired:
        process.kill()
        code = None
    took = time.monotonic() - stopped
    return code, took, process.communicate(timeout=30)[0]


def test_work_still_unfinished_at_the_limit_stops_the_replica_anyway(tmp_path: Path) -> None:
    limit = 2.0
    with (
        FakeSlack() as slack,
        replica(slack, tmp_path, SITREP_SHUTDOWN_SECONDS=str(limit), SITREP_SCHEDULER="false") as (
            url,
            process,
        ),
    ):
        driver = SlackDriver(url, slack)
        slack.hold_answers("conversations.create")  # and never answered while it runs
        assert "INC-" in driver.command("declare sev2 Checkout down").json["text"]
        slack.wait_for(lambda: slack.held == 1)
        code, took, output = stopped_short(process, limit)
        slack.release_answers()

    assert code == 1, output
    assert took < limit + 3, f"stopped in {took:.1f}s"
    assert "work unfinished" in output
    [incident] = stored(tmp_path)
    assert incident.channel_id is None  # left to the recovery job of the next replica


def sent_updates(tmp_path: Path) -> list[tuple[str, object]]:
    """The outbox's status updates to U_DAVE: key and when each was recorded sent."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sitrep.db'}")
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT key, sent_at FROM outbox WHERE key LIKE :key")
            rows = connection.execute(query, {"key": "update:%:U_DAVE"})
            return [(row[0], row[1]) for row in rows]
    finally:
        engine.dispose()


def delivered(slack: FakeSlack, key: str) -> int:
    """How many messages Slack holds under the outbox key `key`."""
    return sum(
        1
        for channel in slack.channels()
        for message in slack.messages(channel.id)
        if ((message.metadata or {}).get("event_payload") or {}).get("key") == key
    )


def test_sigterm_mid_send_finishes_and_records_the_claimed_send_which_is_not_sent_again(
    tmp_path: Path,
) -> None:
    with FakeSlack() as slack:
        with replica(slack, tmp_path, SITREP_SHUTDOWN_SECONDS=str(LIMIT)) as (url, process):
            driver = SlackDriver(url, slack)
            assert "INC-" in driver.command("declare sev2 Checkout down").json["text"]
            room = slack.wait_for(
                lambda: next((c for c in slack.channels() if "checkout-down" in c.name), None)
            )
            slack.wait_for(lambda: slack.pins(room.id))
            assert driver.command("subscribe", user="U_DAVE", channel=room.id).status == 200
            assert driver.command("update", user="U_ALICE", channel=room.id).status == 200
            [view] = slack.wait_for(lambda: slack.open_views("U_ALICE"))
            # Slack slow to answer the posts: the subscriber's copy, claimed from the
            # outbox, is carried out by Slack and its answer is still on the way.
            slack.hold_answers("chat.postMessage", times=5)
            assert driver.submit(view.id, form("Rolled back the deploy")).status == 200
            dm = slack.wait_for(lambda: slack.direct_messages("U_DAVE"))
            assert slack.held >= 1 and sent_updates(tmp_path)[0][1] is None  # mid-send

            process.send_signal(signal.SIGTERM)
            stopped = time.monotonic()
            eventually(lambda: refused(url), timeout=LIMIT)
            assert process.poll() is None  # still finishing the send
            slack.release_answers()
            code = process.wait(timeout=LIMIT + 5)
            took = time.monotonic() - stopped
            output = process.communicate()[0]
        assert code == 0, output
        assert took < LIMIT, f"stopped in {took:.1f}s"
        [(key, sent_at)] = sent_updates(tmp_path)
        assert sent_at is not None  # recorded before it exited
        assert delivered(slack, key) == 1 and len(dm) == 1

        # Another replica (or this one restarted), its clock past any lease: nothing more.
        later = FastForward()
        later.advance(minutes=10)
        settings = Settings(
            slack_bot_token="xoxb-test-token",
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=slack.api_url,
            database_url=f"sqlite:///{tmp_path / 'sitrep.db'}",
        )
        other = build(settings, Policy(), clock=later)
        try:
            other.tick()
            other.recover(grace=timedelta(0))
        finally:
            other.close()
        assert delivered(slack, key) == 1
        assert len(slack.direct_messages("U_DAVE")) == 1
        print(f"faults: SIGTERM mid-send: {took:.1f} s to stop, 1 send recorded, 1 delivered")


def test_the_sandbox_stops_within_the_limit_while_a_model_call_hangs(tmp_path: Path) -> None:
    limit = 2.0
    with FakeAnthropic() as claude:
        claude.default = Hang()  # Claude never answers while the sandbox runs
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--sandbox"],
            cwd=tmp_path,
            env=environment(
                PORT="0",
                SITREP_SCHEDULER="false",
                SITREP_SHUTDOWN_SECONDS=str(limit),
                ANTHROPIC_API_KEY=claude.api_key,
                ANTHROPIC_BASE_URL=claude.base_url,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            page = sandbox_page(process)
            # Declaring asks Claude for a category after the acknowledgement.
            typed = {"channel": "C_GENERAL", "user": "U_ALICE", "text": f"/incident {DECLARE}"}
            say = urllib.request.Request(
                f"{page}/say", data=urlencode(typed).encode(), headers={"X-Sandbox": "fetch"}
            )
            with urllib.request.urlopen(say, timeout=10) as answer:
                assert answer.status == 204
            claude.wait_for(lambda: claude.held >= 1, timeout=20)
            code, took, output = stopped_short(process, limit)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)

    assert code == 1, output
    assert took < limit + 3, f"stopped in {took:.1f}s"
    assert "work unfinished" in output
    print(f"faults: SIGTERM, sandbox, Claude hanging: exit {code} in {took:.1f} s (limit {limit})")
    [incident] = stored_in(tmp_path / "sandbox.db")
    assert incident.title == "Checkout down"  # acknowledged, stored; the rest is recovery's


def sandbox_page(process: "subprocess.Popen[str]") -> str:
    """The page's address, once the sandbox prints it (after its start-up logs)."""
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Sitrep sandbox (no Slack needed): open "):
            return line.split()[-1].replace("localhost", "127.0.0.1")
    raise AssertionError(f"the sandbox did not start (exit {process.wait()})")


def test_socket_mode_stops_within_the_limit_while_slack_holds_an_answer(tmp_path: Path) -> None:
    limit = 2.0
    with FakeSlack() as slack:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py")],
            cwd=tmp_path,
            env=environment(
                SLACK_BOT_TOKEN=BOT_TOKEN,
                SLACK_APP_TOKEN=APP_TOKEN,
                SLACK_API_URL=slack.api_url,
                PORT="0",
                SITREP_SCHEDULER="false",
                SITREP_SHUTDOWN_SECONDS=str(limit),
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            slack.socket.wait_until_connected(timeout=30)
            general = slack.channel_by_name("general")
            assert general is not None
            slack.hold_answers("conversations.create")  # and never answered while it runs
            command = slack.slash_command(
                "/incident", "declare sev2 Checkout down", user="U_ALICE", channel=general.id
            )
            ack = slack.socket.send_envelope("slash_commands", command, timeout=10)
            assert "is declared" in ack["payload"]["text"]
            slack.wait_for(lambda: slack.held == 1)
            code, took, output = stopped_short(process, limit)
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate(timeout=30)
            slack.release_answers()

    assert code == 1, output
    assert took < limit + 3, f"stopped in {took:.1f}s"
    assert "work unfinished" in output
    print(f"faults: SIGTERM, Socket Mode, Slack slow: exit {code} in {took:.1f} s (limit {limit})")
    [incident] = stored_in(tmp_path / "sitrep.db")
    assert incident.channel_id is None  # left to the recovery job of the next replica
