"""A replica killed (SIGKILL) in the middle of a burst of Slack requests, then restarted:
every request that got its 200 is stored exactly once (Slack delivers the others again),
and the rooms of the incidents declared open once each, in one channel each, however far
their opening got."""

import threading
import urllib.error
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from app import build
from bot.adapters.db.engine import make_engine
from bot.config import Policy
from bot.settings import Settings
from tests.databases import fresh_database
from tests.e2e.conftest import FastForward
from tests.e2e.harness import SIGNING_SECRET, SlackDriver
from tests.e2e.tally import Tally
from tests.e2e.test_scheduler_faults import App
from tests.fakes.slack_api import FakeSlack

MESSAGES = 300
DECLARATIONS = 12
KILL_AFTER = 100  # acknowledged requests before the kill


def rows(url: str, sql: str) -> list[Any]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [row[0] for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def send(driver: SlackDriver, request: tuple[str, dict[str, Any]], retry: int | None) -> int:
    """The status Slack got back; 0 when the connection died without an answer."""
    kind, body = request
    try:
        if kind == "event":
            return driver.event({}, envelope=body, retry_num=retry).status
        return driver.post(urlencode(body).encode(), "application/x-www-form-urlencoded").status
    except (urllib.error.URLError, ConnectionError, OSError):
        return 0


def open_rooms_as_another_replica(slack: FakeSlack, url: str, announcements: str) -> None:
    """The recovery job of a replica that runs once the dead one's claims on rooms have
    lapsed (its clock is past them, rather than the test waiting minutes)."""
    later = FastForward()
    later.advance(minutes=5)
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=url,
    )
    sitrep = build(settings, Policy(announcements_channel=announcements), clock=later)
    try:
        sitrep.recover(grace=timedelta(0))
        sitrep.recover(grace=timedelta(0))  # again: nothing more opens
    finally:
        sitrep.close()


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_a_replica_killed_mid_burst_loses_nothing_acknowledged_and_opens_each_room_once(
    dialect: str, tmp_path: Path
) -> None:
    with FakeSlack() as slack, fresh_database(dialect, tmp_path) as url:
        announcements = slack.channel_by_name("incidents").id  # type: ignore[union-attr]
        config = tmp_path / "sitrep.toml"
        config.write_text(f'announcements_channel = "{announcements}"\n')
        general = slack.channel_by_name("general").id  # type: ignore[union-attr]
        app = App(slack, tmp_path, url, config).start()
        try:
            reply = app.driver.command("declare sev2 Burst target")
            assert reply.status == 200
            ref = reply.json["text"].split()[1].lower()
            room = slack.wait_for(lambda: slack.channel_by_name(f"{ref}-burst-target"))
            slack.wait_for(lambda: slack.pins(room.id))
            channel = room.id
            slack.user_joins(channel, "U_BOB")
            messages, declarations = (
                Tally("SIGKILL: message events"),
                Tally("SIGKILL: declarations"),
            )
            requests: list[tuple[str, str, dict[str, Any]]] = []
            for n in range(MESSAGES):
                event = slack.user_posts(channel, "U_BOB", f"burst {n}")
                requests.append((event["ts"], "event", slack.event_callback(event)))
                if n % (MESSAGES // DECLARATIONS) == 0 and len(requests) < MESSAGES + DECLARATIONS:
                    title = f"Burst incident {n}"
                    command = slack.slash_command(
                        "/incident", f"declare sev3 {title}", user="U_ALICE", channel=general
                    )
                    requests.append((title, "command", command))
            acknowledged = Counter[int]()
            lock = threading.Lock()

            def one(request: tuple[str, str, dict[str, Any]]) -> None:
                key, kind, body = request
                status = send(app.driver, (kind, body), None)
                with lock:
                    (declarations if kind == "command" else messages).answered(key, status)
                    acknowledged[status] += 1
                    kill = status == 200 and acknowledged[200] == KILL_AFTER
                if kill:
                    app.kill()

            with ThreadPoolExecutor(max_workers=8) as pool:
                list(pool.map(one, requests))
            assert 0 < acknowledged[200] < len(requests)  # the kill came mid-burst
            app.start()
            # Slack delivers again every event that got no 200 (commands it does not retry).
            for key, kind, body in requests:
                if kind == "event" and key not in messages.acknowledged:
                    messages.answered(key, send(app.driver, (kind, body), 1))
        finally:
            app.stop()
        open_rooms_as_another_replica(slack, url, announcements)

        messages.found(rows(url, "SELECT slack_ts FROM timeline_entry WHERE kind = 'message'"))
        declarations.found(rows(url, "SELECT title FROM incident"))
        for drill in (messages, declarations):
            figures = drill.report()
            assert figures["duplicated"] == figures["lost"] == 0
        assert len(messages.acknowledged) == MESSAGES  # after Slack's retries, every one
        refs = rows(url, "SELECT ref FROM incident")
        stored_rooms = rows(url, "SELECT channel_id FROM incident")
        assert len(set(stored_rooms)) == len(refs) and None not in stored_rooms
        assert all(len(slack.pins(room)) == 1 for room in stored_rooms)  # one announcement
        notices = Counter(m.text.split()[0] for m in slack.messages(announcements))
        assert notices == Counter(refs)  # one declaration notice each
        # A channel Slack made for a process killed before it stored the ID is adopted by
        # the recovery, not left behind empty (tests/e2e/test_channel_adoption.py).
        created = [c.args["name"] for c in slack.calls_to("conversations.create") if c.ok]
        left_empty = len(created) - len(refs)
        print(f"faults: SIGKILL: channels left empty by the kill: {left_empty}")
        assert left_empty == 0
