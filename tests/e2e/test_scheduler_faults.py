"""Scheduled notices through crashes: `python app.py` processes ticking on one database are
killed with SIGKILL at random and restarted; every notice is still sent exactly once.

Cadences here are seconds (the policy accepts "1s"), so the real APScheduler ticks do the
work. Progress is paced by what the fake Slack has received, not by sleeping."""

import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.adapters.db.engine import make_engine
from models import ActionItem, ActionStatus
from tests.databases import fresh_database
from tests.e2e.harness import SIGNING_SECRET, SlackDriver, eventually
from tests.e2e.test_startup import ROOT, environment, free_port
from tests.fakes.slack_api import FakeSlack

POLICY = """
[[severities]]
key = "sev2"
name = "Major"
response_target = "{respond}"
update_cadence = "{cadence}"
draft_postmortem_on_resolve = false

[reminders]
commander_within = "{commander}"

[action_item_reminders]
overdue_every = "{overdue}"
"""


KILLS = 4


class App:
    """One `python app.py` process that a test can kill and start again."""

    def __init__(self, slack: FakeSlack, cwd: Path, database_url: str, config: Path) -> None:
        self.port = free_port()
        self._args = [sys.executable, str(ROOT / "app.py")]
        self._cwd = cwd
        self._env = environment(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.api_url,
            PORT=str(self.port),
            HOST="127.0.0.1",
            DATABASE_URL=database_url,
            SITREP_CONFIG=str(config),
            SITREP_TICK_SECONDS="0.1",
            SITREP_OUTBOX_LEASE_SECONDS="1",
        )
        self._process: subprocess.Popen[bytes] | None = None
        self.driver = SlackDriver(f"http://127.0.0.1:{self.port}", slack)

    def start(self) -> "App":
        self._process = subprocess.Popen(
            self._args, cwd=self._cwd, env=self._env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.driver.url + "/readyz", timeout=1):
                    return self
            except OSError:
                if self._process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("app did not start")
                time.sleep(0.05)

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything."""
        assert self._process is not None
        self._process.send_signal(signal.SIGKILL)
        self._process.wait(timeout=10)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=30)


def notice_keys(slack: FakeSlack) -> Counter[str]:
    """How many messages Slack holds for each notice key."""
    keys: Counter[str] = Counter()
    for channel in slack.channels():
        for message in slack.messages(channel.id):
            metadata = message.metadata or {}
            if metadata.get("event_type") == "sitrep_notice":
                keys[metadata["event_payload"]["key"]] += 1
    return keys


def incident_notices(slack: FakeSlack) -> int:
    return sum(n for key, n in notice_keys(slack).items() if not key.startswith("overdue"))


def outbox(url: str) -> list[sa.Row[tuple[str, object, object]]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            query = sa.text("SELECT key, sent_at, cancelled_at FROM outbox")
            return list(connection.execute(query))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def settled(url: str) -> bool:
    return all(row.sent_at is not None or row.cancelled_at is not None for row in outbox(url))


def declare_incidents(slack: FakeSlack, app: App, count: int) -> list[str]:
    for n in range(count):
        assert app.driver.command(f"declare sev2 Fault drill {n}").status == 200
    rooms = slack.wait_for(
        lambda: (
            (found := [c for c in slack.channels() if "fault-drill" in c.name])
            and len(found) == count
            and all(slack.pins(c.id) for c in found)
            and found
        ),
        timeout=60,
    )
    return [c.id for c in rooms]


def add_overdue_items(url: str) -> None:
    """Action items long overdue, as a team that let them slip has: each period brings
    their owners a summary and each incident a roll-up."""
    now = datetime.now(UTC)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            incidents = [row[0] for row in connection.execute(sa.text("SELECT id FROM incident"))]
            rows = [
                ActionItem.model_validate(
                    {
                        "incident_id": incident, "title": f"Overdue {n}",
                        "owner": ("U_BOB", "U_CAROL")[n % 2], "created_by": "U_ALICE",
                        "priority": "p1", "due_on": (now - timedelta(days=3)).date(),
                        "status": ActionStatus.OPEN, "created_at": now - timedelta(days=20),
                        "updated_at": now,
                    }
                ).model_dump(exclude={"id"})
                for n, incident in enumerate(incidents)
            ]  # fmt: skip
            connection.execute(sa.insert(ActionItem), rows)
    finally:
        engine.dispose()


def finish_items(url: str) -> None:
    """The items are done: nothing more is owed about them."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE action_item SET status = 'done'"))
    finally:
        engine.dispose()


def report(url: str, slack: FakeSlack) -> dict[str, int]:
    rows, keys = outbox(url), notice_keys(slack)
    sent = {r.key for r in rows if r.sent_at is not None}
    counts = {
        "due": len(rows),
        "sent": len(sent),
        "cancelled": sum(1 for r in rows if r.cancelled_at is not None),
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "missing": len(sent - set(keys)),
        "unrecorded": len(set(keys) - sent),  # in Slack, but the outbox never learnt it
    }
    print("notices:", ", ".join(f"{name} {value}" for name, value in counts.items()))
    return counts


@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_notices_are_sent_exactly_once_while_processes_are_killed(
    dialect: str, tmp_path: Path
) -> None:
    processes = 3 if dialect == "postgres" else 1  # SQLite is for one process
    config = tmp_path / "sitrep.toml"
    # Nudges every second, and once per incident: no commander, then an escalation. Overdue
    # action items: a summary to each owner and a roll-up per incident every second.
    config.write_text(POLICY.format(cadence="1s", commander="2s", respond="3s", overdue="1s"))
    rng = random.Random(7)
    with FakeSlack() as slack, fresh_database(dialect, tmp_path) as url:
        apps = [App(slack, tmp_path, url, config).start() for _ in range(processes)]
        try:
            channels = declare_incidents(slack, apps[0], 3)
            add_overdue_items(url)
            for _ in range(KILLS):
                # Let the incidents' notices flow (the items' flow beside them), then kill a
                # process in the middle of its work.
                wanted = incident_notices(slack) + 4
                slack.wait_for(lambda: incident_notices(slack) >= wanted, timeout=30)  # noqa: B023
                victim = rng.choice(apps)
                victim.kill()
                victim.start()
            for channel in channels:
                assert apps[0].driver.command("resolve", channel=channel).status == 200
            finish_items(url)
            eventually(lambda: settled(url))
        finally:
            for app in apps:
                app.stop()
        counts, keys = report(url, slack), notice_keys(slack)
    assert counts["due"] >= 20
    assert counts["duplicates"] == counts["missing"] == counts["unrecorded"] == 0
    assert any(key.startswith("overdue_summary") for key in keys)
    assert any(key.startswith("overdue_rollup") for key in keys)
    # The channels' timeline posts (the resolutions, at least) go out the same way.
    assert sum(1 for key in keys if key.startswith("entry:")) >= 3
    once = {key: n for key, n in keys.items() if not key.startswith(("nudge", "overdue", "entry"))}
    assert once == {f"{kind}:{n}": 1 for kind in ("no-commander", "escalation") for n in (1, 2, 3)}


def test_a_sender_killed_after_slack_accepted_its_message_does_not_send_it_twice(
    tmp_path: Path,
) -> None:
    config = tmp_path / "sitrep.toml"
    config.write_text(POLICY.format(cadence="2s", commander="1h", respond="1h", overdue="none"))
    with FakeSlack() as slack, fresh_database("sqlite", tmp_path) as url:
        app = App(slack, tmp_path, url, config).start()
        try:
            [channel] = declare_incidents(slack, app, 1)
            # The next post is the first nudge: Slack stores it, its answer never arrives.
            slack.hold_answers("chat.postMessage")
            slack.wait_for(lambda: slack.held == 1, timeout=30)
            [(key, count)] = notice_keys(slack).items()
            app.kill()
            slack.release_answers()
            app.start()  # the nudge's claim lapses; the new process finds it in Slack
            eventually(lambda: any(r.key == key and r.sent_at is not None for r in outbox(url)))
            # Later slots keep coming, each once.
            slack.wait_for(lambda: len(notice_keys(slack)) >= 3, timeout=30)
        finally:
            app.stop()
        keys = notice_keys(slack)
    assert keys[key] == count == 1
    assert set(keys.values()) == {1}
    assert channel


def test_a_change_post_whose_sender_died_is_not_posted_twice_nor_overtaken(
    tmp_path: Path,
) -> None:
    config = tmp_path / "sitrep.toml"
    config.write_text(POLICY.format(cadence="1h", commander="1h", respond="1h", overdue="none"))
    with FakeSlack() as slack, fresh_database("sqlite", tmp_path) as url:
        app = App(slack, tmp_path, url, config).start()
        try:
            [channel] = declare_incidents(slack, app, 1)
            # The note's post: Slack stores it, its answer never arrives.
            slack.hold_answers("chat.postMessage")
            assert app.driver.command("note first lead", channel=channel).status == 200
            slack.wait_for(lambda: slack.held == 1, timeout=30)
            [(key, count)] = notice_keys(slack).items()
            app.kill()
            slack.release_answers()
            app.start()
            assert app.driver.command("note second lead", channel=channel).status == 200
            # The first post's claim lapses; the new process finds it in Slack, then posts
            # the second after it.
            slack.wait_for(lambda: len(notice_keys(slack)) == 2, timeout=30)
            eventually(lambda: settled(url))
        finally:
            app.stop()
        keys = notice_keys(slack)
        leads = [m.all_text for m in slack.messages(channel) if " lead" in m.all_text]
    assert key.startswith("entry:") and keys[key] == count == 1
    assert set(keys.values()) == {1}
    assert ["first lead" in text for text in leads] == [True, False]
