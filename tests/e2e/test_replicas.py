"""Several `python app.py` replicas on one PostgreSQL, with Slack's requests spread across
them: IDs stay unique, each incident gets one channel, racing clicks make one change."""

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.adapters.db.engine import make_engine
from bot.adapters.db.store import SqlIncidentStore
from models import EntryKind, Status
from tests.databases import fresh_database
from tests.e2e.harness import Reply, SlackDriver
from tests.e2e.test_startup import app_process
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
