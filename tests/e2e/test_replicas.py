"""Several `python app.py` replicas on one PostgreSQL, with Slack's requests spread across
them: IDs stay unique, each incident gets one channel, racing clicks make one change."""

import subprocess
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.adapters.db.engine import make_engine
from bot.adapters.db.store import SqlIncidentStore
from models import EntryKind, Status
from tests.databases import fresh_database
from tests.e2e.harness import SIGNING_SECRET, Reply, SlackDriver, declare_form
from tests.e2e.test_startup import app_process, replica
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[FakeSlack, list[SlackDriver], str]]:
    with FakeSlack() as slack, fresh_database("postgres", tmp_path) as url:
        settings = {"DATABASE_URL": url, "SITREP_SCHEDULER": "false"}
        with (
            app_process(slack, tmp_path, **settings) as first,
            app_process(slack, tmp_path, **settings) as second,
        ):
            yield slack, [SlackDriver(first, slack), SlackDriver(second, slack)], url


def test_replicas_share_one_truth(replicas: tuple[FakeSlack, list[SlackDriver], str]) -> None:
    slack, drivers, url = replicas
    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(
            pool.map(
                lambda n: drivers[n % 2].command(f"declare sev3 Replica incident {n}"), range(8)
            )
        )
    refs = {reply.json["text"].split()[1] for reply in replies}
    assert len(refs) == 8  # unique across replicas

    store = SqlIncidentStore(make_engine(url))
    opened = slack.wait_for(
        lambda: (
            (found := store.list_incidents(include_resolved=True, limit=20))
            and all(i.room_opened_at for i in found)
            and found
        ),
        timeout=30,
    )
    channels = [i.channel_id for i in opened]
    assert len(opened) == 8 and len(set(channels)) == 8
    assert len(slack.calls_to("conversations.create")) == 8

    target = opened[0]
    assert target.channel_id and target.announcement_ts and target.id
    barrier = threading.Barrier(6)

    def click(n: int) -> Reply:
        payload = slack.click(
            target.channel_id or "",
            target.announcement_ts or "",
            "incident.set_status.mitigated",
            "U_BOB",
        )
        barrier.wait()
        return drivers[n % 2].interact(payload)

    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = {reply.status for reply in pool.map(click, range(6))}
    assert statuses == {200}
    assert store.by_id(target.id).status is Status.MITIGATED  # type: ignore[union-attr]
    changes = [e for e in store.entries(target.id) if e.kind is EntryKind.STATUS_CHANGED]
    assert len(changes) == 1
    assert slack.wait_for(
        lambda: len([r for r in slack.responses() if "already mitigated" in r.text]) == 5
    )


def test_retries_and_double_submissions_across_replicas_are_stored_once_and_logs_keep_secrets(
    tmp_path: Path,
) -> None:
    with FakeSlack() as slack, fresh_database("postgres", tmp_path) as url:
        settings = {"DATABASE_URL": url, "SITREP_SCHEDULER": "false", "LOG_LEVEL": "DEBUG"}
        with (
            replica(slack, tmp_path, **settings) as (first, one),
            replica(slack, tmp_path, **settings) as (second, two),
        ):
            # Read as they come: a replica whose pipe fills up would block on its next log line.
            output = [_read_all(one), _read_all(two)]
            drivers = [SlackDriver(first, slack), SlackDriver(second, slack)]
            # A declare form submitted twice (a double click), each to another replica.
            assert drivers[0].command("declare", user="U_BOB").status == 200
            [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
            payload = slack.submit_view(view.id, "U_BOB", declare_form("Payments failing", "sev1"))
            barrier = threading.Barrier(2)

            def submit(driver: SlackDriver) -> int:
                barrier.wait()
                return driver.interact(payload).status

            with ThreadPoolExecutor(max_workers=2) as pool:
                assert set(pool.map(submit, drivers)) == {200}
            store = SqlIncidentStore(make_engine(url))
            [incident] = slack.wait_for(
                lambda: [
                    i
                    for i in store.list_incidents(include_resolved=True, limit=5)
                    if i.room_opened_at
                ]
            )
            assert incident.channel_id and incident.id
            # Messages in its channel, each delivered to one replica and retried to the other.
            sent = [
                slack.user_posts(incident.channel_id, "U_BOB", f"update {n}") for n in range(10)
            ]
            for event in sent:
                assert drivers[0].event(event).status == 200
                retried = drivers[1].event(event, retry_num=1, envelope=drivers[0].last_envelope)
                assert retried.status == 200
            said = [e for e in store.entries(incident.id) if e.kind is EntryKind.MESSAGE]
            assert sorted(e.text for e in said) == sorted(f"update {n}" for n in range(10))
            assert len(store.list_incidents(include_resolved=True, limit=5)) == 1
            assert len(slack.calls_to("conversations.create")) == 1
            assert len(slack.pins(incident.channel_id)) == 1  # one announcement
            for process in (one, two):
                process.terminate()
                process.wait(timeout=30)
            logs = "".join(read() for read in output)
    assert "DEBUG" in logs  # the replicas did log at DEBUG
    for secret in ("xoxb-test-token", SIGNING_SECRET):
        assert secret not in logs


def _read_all(process: "subprocess.Popen[str]") -> Callable[[], str]:
    """Reads the process's output in a thread until it ends; the returned function waits
    for the end and gives all of it."""
    lines: list[str] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True)
    reader.start()

    def read() -> str:
        reader.join(timeout=30)
        return "".join(lines)

    return read
