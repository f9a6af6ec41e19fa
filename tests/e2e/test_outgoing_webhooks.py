"""Outgoing webhooks as a receiver meets them: every subscribed event of an incident worked
through signed Slack requests arrives once, signed; a 500 is retried with the same delivery
ID; a receiver that keeps failing is disabled and the admins told. The scheduler's webhook
job (`send_webhooks`) runs as each replica's would, with time moved by the test; on SQLite
and PostgreSQL."""

from collections.abc import Iterator
from typing import Any

import pytest

from bot.config import DEFAULT_SEVERITIES, Policy
from bot.webhooks.policy import OutgoingWebhooks, WebhookEndpointPolicy
from models import ChecklistItem, EntryKind, TimelineEntry, WebhookDelivery
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import tick
from tests.e2e.test_search import declare, declare_private
from tests.fakes.slack_api import FakeSlack
from tests.fakes.webhook_receiver import WebhookReceiver

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def receiver(clock: FastForward) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET, clock=clock.seconds) as fake:
        yield fake


@pytest.fixture
def policy(slack: FakeSlack, receiver: WebhookReceiver) -> Policy:
    """One endpoint for every event; SEV2 closes once resolved (no checklist to fill)."""
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    severities = tuple(
        s.model_copy(update={"close_checklist": (ChecklistItem.RESOLUTION,)})
        for s in DEFAULT_SEVERITIES
    )
    endpoint = WebhookEndpointPolicy(name="warehouse", url=receiver.url, secret=SECRET)
    hooks = OutgoingWebhooks(endpoints=(endpoint,), disable_after=3, retry_seconds=30)
    return Policy(announcements_channel=channel.id, severities=severities, outgoing_webhooks=hooks)


def entries(running: Running, channel: str, kind: EntryKind) -> list[TimelineEntry]:
    incident = running.sitrep.deps.incidents.find(None, channel)
    return [e for e in running.sitrep.deps.incidents.timeline(incident.id or 0) if e.kind is kind]


def recorded(running: Running, channel: str, kind: EntryKind, count: int = 1) -> Any:
    """Waits until the incident's timeline has `count` entries of `kind` (each is posted
    in the channel, so the fake Slack's changes wake the check)."""
    return running.slack.wait_for(
        lambda: len(found := entries(running, channel, kind)) >= count and found
    )


def test_every_event_reaches_the_receiver_once_signed(
    running: Running, receiver: WebhookReceiver
) -> None:
    channel = declare(running, "declare sev2 Checkout API returning 500s", "U_ALICE")
    driver = running.driver
    driver.command("status investigating", channel=channel)
    recorded(running, channel, EntryKind.STATUS_CHANGED)
    driver.command("sev 1 card payments failing too", channel=channel)
    recorded(running, channel, EntryKind.SEVERITY_CHANGED)
    driver.command("action Add a 5xx alert on checkout @U_BOB", channel=channel)
    [added] = recorded(running, channel, EntryKind.ACTION_ITEM)
    running.sitrep.deps.action_items.complete(added.data["item"], "U_BOB", "PR 42")
    driver.command("resolve Rolled back deploy 4411", channel=channel)
    running.slack.wait_for(lambda: running.slack.channel_canvas(channel))  # the SEV1's draft
    recorded(running, channel, EntryKind.POSTMORTEM)
    driver.command("postmortem publish", user="U_BOB", channel=channel)
    recorded(running, channel, EntryKind.POSTMORTEM, 2)
    driver.command("close", channel=channel)
    recorded(running, channel, EntryKind.STATUS_CHANGED, 3)

    running.sitrep.send_webhooks()
    running.sitrep.send_webhooks()  # a second tick finds nothing new

    got = receiver.received
    assert [r.event for r in got] == [
        "incident.declared",
        "incident.status_changed",
        "incident.severity_changed",
        "action_item.created",
        "action_item.completed",
        "incident.resolved",
        "postmortem.published",
        "incident.closed",
    ]
    assert all(r.verified and r.answered == 200 for r in got)
    assert len({r.delivery for r in got}) == len(got)
    assert all(r.body["delivery_id"] == r.delivery and r.body["type"] == r.event for r in got)
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert {r.body["incident"]["ref"] for r in got} == {incident.ref}
    by_event = {r.event: r.body for r in got}
    assert by_event["incident.severity_changed"]["data"] == {
        "from": "sev2", "to": "sev1", "reason": "card payments failing too",
    }  # fmt: skip
    assert by_event["incident.resolved"]["data"]["note"] == "Rolled back deploy 4411"
    assert by_event["action_item.completed"]["data"]["action_item"]["evidence"] == "PR 42"
    assert by_event["incident.declared"]["incident"]["title"] == "Checkout API returning 500s"


def test_a_failed_delivery_is_retried_after_backoff_with_the_same_delivery_id(
    running: Running, receiver: WebhookReceiver, clock: FastForward
) -> None:
    receiver.answer_next(500)
    declare(running, "declare sev3 Search results stale", "U_ALICE")
    running.sitrep.send_webhooks()
    [refused] = receiver.received
    assert refused.answered == 500 and refused.verified

    running.sitrep.send_webhooks()  # backing off: not tried again yet
    assert len(receiver.received) == 1
    clock.advance(seconds=31)
    running.sitrep.send_webhooks()
    first, again = receiver.received
    assert again.answered == 200 and again.verified
    assert again.delivery == first.delivery and again.body == first.body
    clock.advance(hours=2)
    running.sitrep.send_webhooks()
    assert len(receiver.received) == 2  # delivered: never again


def test_a_receiver_that_keeps_failing_is_disabled_and_the_admins_told(
    running: Running, receiver: WebhookReceiver, clock: FastForward
) -> None:
    receiver.always = 500
    channel = declare(running, "declare sev3 Search results stale", "U_ALICE")
    for _ in range(5):
        running.sitrep.send_webhooks()
        clock.advance(hours=1)
    assert len(receiver.received) == 3  # disable_after = 3

    tick(running)  # the notice goes out through the outbox
    notice = running.slack.wait_for(
        lambda: [m for m in running.slack.messages(running.announcements)
                 if "Outgoing webhook *warehouse*" in m.all_text]
    )  # fmt: skip
    assert "disabled after 3 failed deliveries" in notice[0].all_text
    assert "HTTP 500" in notice[0].all_text

    receiver.always = 200
    running.driver.command("status investigating", channel=channel)
    recorded(running, channel, EntryKind.STATUS_CHANGED)
    clock.advance(hours=1)
    running.sitrep.send_webhooks()
    assert len(receiver.received) == 3  # disabled: nothing more is sent
    tick(running)
    assert len([m for m in running.slack.messages(running.announcements)
                if "Outgoing webhook" in m.all_text]) == 1  # fmt: skip
    with running.sitrep.engine.connect() as connection:
        pending = connection.execute(
            WebhookDelivery.__table__.select().where(  # type: ignore[attr-defined]
                WebhookDelivery.__table__.c.abandoned_at.is_(None),  # type: ignore[attr-defined]
                WebhookDelivery.__table__.c.delivered_at.is_(None),  # type: ignore[attr-defined]
            )
        ).all()
    assert pending == []


def test_private_incidents_are_sent_only_where_the_endpoint_includes_them(
    running: Running, receiver: WebhookReceiver
) -> None:
    declare_private(running, "Payroll export leaking", by="U_ALICE")
    declare(running, "declare sev3 Search results stale", "U_ALICE")
    running.sitrep.send_webhooks()
    [public] = receiver.received
    assert public.body["incident"]["title"] == "Search results stale"
