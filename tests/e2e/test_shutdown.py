"""SIGTERM stops a replica gracefully: it refuses new connections, answers the requests in
flight, finishes the work started after acknowledgements, and exits within
SITREP_SHUTDOWN_SECONDS (with 1 when work was left unfinished at the limit)."""

import signal
import socket
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from app import build
from bot.config import Policy
from bot.settings import Settings
from models import Incident
from tests.e2e.conftest import FastForward
from tests.e2e.harness import SIGNING_SECRET, Reply, SlackDriver, eventually
from tests.e2e.test_startup import replica
from tests.e2e.test_updates import form
from tests.fakes.slack_api import FakeSlack

LIMIT = 10.0


def refused(url: str) -> bool:
    """True when a new connection to the replica is refused."""
    host, port = url.removeprefix("http://").split(":")
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return False
    except ConnectionRefusedError:
        return True


def stored(tmp_path: Path) -> list[Incident]:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'sitrep.db'}")
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

        process.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        try:
            code = process.wait(timeout=limit + 10)
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - stopped
        output = process.communicate()[0] if code is not None else ""
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
