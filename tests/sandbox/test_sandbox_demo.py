"""The sandbox's demo data: six months of past incidents, loaded through the bot's own
services, that search, stats, action items and similar-incident suggestions then show to
someone using the sandbox as Slack's signed requests."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from models import ActionStatus, Status
from sandbox.slack.records import Ephemeral
from tests.sandbox.conftest import RunningSandbox, start, stop


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningSandbox, int]]:
    """A sandbox with the demo data loaded once, and how many incidents the load added."""
    running, server, thread = start(tmp_path_factory.mktemp("demo"))
    try:
        assert running.demo is not None
        yield running, running.demo()
    finally:
        stop(running, server, thread)


def answer(running: RunningSandbox, user: str, line: str, *, containing: str) -> Ephemeral:
    """Types `line` in #general as `user`; the private answer that contains `containing`."""
    assert running.box.delivery is not None
    running.box.delivery.command("C_GENERAL", user, line)
    slack = running.box.slack
    return slack.wait_for(
        lambda: next(
            (e for e in slack.ephemerals("C_GENERAL", user) if containing in shown(e)), None
        )
    )


def shown(reply: Ephemeral) -> str:
    return reply.text + json.dumps(reply.blocks, ensure_ascii=False)


def test_the_demo_history_spans_six_months_of_closed_incidents(
    loaded: tuple[RunningSandbox, int],
) -> None:
    running, added = loaded
    incidents = running.sitrep.deps.incidents.list_incidents(include_resolved=True, limit=100)
    assert added == len(incidents) and 30 <= added <= 40
    assert {i.status for i in incidents} == {Status.CLOSED}
    now = datetime.now(UTC)
    ages = [now - i.declared_at for i in incidents]
    assert max(ages) > timedelta(days=150) and min(ages) < timedelta(days=14)
    assert len({i.severity for i in incidents}) >= 3 and len({i.category for i in incidents}) >= 8
    # Each incident's channel exists, archived, with what people said in it.
    slack = running.box.slack
    for incident in incidents:
        assert incident.channel_id is not None and slack.channel(incident.channel_id).is_archived
        said = [m for m in slack.messages(incident.channel_id) if m.user != "U_SITREP"]
        assert said and all(float(m.ts) < now.timestamp() for m in said)


def test_demo_action_items_are_done_open_and_overdue(loaded: tuple[RunningSandbox, int]) -> None:
    running, _ = loaded
    items = running.sitrep.deps.action_items.list("U_ALICE", "all", limit=200)
    assert {i.status for i in items} == {ActionStatus.DONE, ActionStatus.OPEN}
    overdue = running.sitrep.deps.action_items.list("U_ALICE", "overdue", limit=200)
    still_due = [i for i in items if i.status is ActionStatus.OPEN and i not in overdue]
    assert overdue and still_due


def test_loading_the_demo_data_again_adds_nothing(loaded: tuple[RunningSandbox, int]) -> None:
    running, added = loaded
    assert running.demo is not None and running.demo() == 0
    incidents = running.sitrep.deps.incidents.list_incidents(include_resolved=True, limit=100)
    assert len(incidents) == added


def test_search_finds_demo_incidents_by_what_was_said(loaded: tuple[RunningSandbox, int]) -> None:
    running, _ = loaded
    found = answer(running, "U_BOB", "/incident search migration replica", containing="found")
    assert "Orders database replica lag" in shown(found)


def test_stats_for_90_days_count_the_demo_incidents(loaded: tuple[RunningSandbox, int]) -> None:
    running, _ = loaded
    stats = answer(running, "U_CAROL", "/incident stats 90d", containing="median time to resolve")
    assert "incidents, the last 90 days" in stats.text
    assert not stats.text.startswith("0 incidents")


def test_a_new_incident_is_shown_similar_demo_incidents(
    loaded: tuple[RunningSandbox, int],
) -> None:
    running, _ = loaded
    assert running.box.delivery is not None
    running.box.delivery.command(
        "C_GENERAL", "U_DAVE", "/incident declare sev2 Checkout API returning 500s again"
    )
    slack = running.box.slack
    suggestion = slack.wait_for(
        lambda: next(
            (
                m
                for c in slack.channels()
                if c.name.startswith("inc-") and not c.is_archived
                for m in slack.messages(c.id)
                if "Similar past incidents" in m.all_text
            ),
            None,
        )
    )
    assert "Checkout API returning 500s" in suggestion.all_text
