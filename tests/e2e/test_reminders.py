"""Reminders as people meet them: nudges, snoozes, escalations and stale incidents, with
time moved forward by the test and the same periodic job the scheduler runs (`tick`)."""

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.adapters.slack.ids import Callback, Field
from bot.config import Policy, Reminders
from models import EntryKind, NoticeKind, OutboxMessage
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import declare_form, tick
from tests.e2e.test_declare import YEAR, declare
from tests.fakes.slack_api import FakeSlack, Message


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents, general = slack.channel_by_name("incidents"), slack.channel_by_name("general")
    assert incidents is not None and general is not None
    escalation = Reminders(escalation_channel=general.id, escalation_users=("U_DAVE",))
    return Policy(announcements_channel=incidents.id, reminders=escalation)


def notices(running: Running, channel: str, kind: str = "") -> list[Message]:
    """Sitrep's scheduled notices in a channel (they carry their key in the metadata)."""
    return [
        m
        for m in running.slack.messages(channel)
        if (m.metadata or {}).get("event_type") == "sitrep_notice"
        and (m.metadata or {}).get("event_payload", {}).get("key", "").startswith(kind)
    ]


def led_incident(running: Running, severity: str = "sev2") -> str:
    """Declared with a commander (Bob), so only the cadence is in play."""
    channel = declare(running, f"declare {severity} Checkout API returning 500s")
    running.driver.command("role commander <@U_BOB>", user="U_ALICE", channel=channel)
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "made <@U_BOB>" in m.all_text]
    )
    return channel


def later(running: Running, clock: FastForward, **delta: float) -> None:
    clock.advance(**delta)
    tick(running)


def test_a_nudge_arrives_when_the_cadence_has_passed_and_not_before(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    later(running, clock, minutes=29)
    assert notices(running, channel, "nudge") == []
    later(running, clock, minutes=1, seconds=5)
    [nudge] = notices(running, channel, "nudge")
    assert "No update on INC-" in nudge.all_text and "<@U_BOB>" in nudge.all_text
    labels = [e["text"]["text"] for b in nudge.blocks for e in b.get("elements", [])]
    assert labels == ["Post update", "Snooze 15m", "Snooze 30m", "Snooze 60m"]
    later(running, clock, minutes=10)
    assert len(notices(running, channel, "nudge")) == 1  # due once, sent once


def test_a_human_message_resets_the_cadence(running: Running, clock: FastForward) -> None:
    channel = led_incident(running)
    clock.advance(minutes=20)
    running.driver.event(running.slack.user_joins(channel, "U_CAROL"))
    running.driver.say(channel, "Error rate is falling", user="U_CAROL")
    later(running, clock, minutes=15)
    assert notices(running, channel, "nudge") == []
    later(running, clock, minutes=16)
    assert len(notices(running, channel, "nudge")) == 1


def test_snoozing_holds_nudges_back_and_says_who_did(running: Running, clock: FastForward) -> None:
    channel = led_incident(running)
    later(running, clock, minutes=31)
    [nudge] = notices(running, channel, "nudge")
    assert running.driver.click(channel, nudge.ts, "Snooze 30m", user="U_BOB").status == 200
    running.slack.wait_for(
        lambda: (
            "snoozed update reminders for 30 minutes"
            in running.slack.message(channel, nudge.ts).all_text
        )
    )
    later(running, clock, minutes=29)
    assert len(notices(running, channel, "nudge")) == 1
    later(running, clock, minutes=2)
    assert len(notices(running, channel, "nudge")) == 2


def test_resolution_stops_nudges_even_one_already_queued(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    clock.advance(minutes=31)
    assert running.sitrep.deps.schedule.plan() == 1  # queued, not yet sent
    running.driver.command("resolve", user="U_BOB", channel=channel)
    later(running, clock, seconds=1)
    later(running, clock, hours=2)
    assert notices(running, channel, "nudge") == []
    [queued] = outbox(running, lambda m: m.kind is NoticeKind.NUDGE)
    assert queued.cancelled_at is not None and queued.sent_at is None


def test_post_update_from_the_nudge_records_an_update_and_resets_the_cadence(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    later(running, clock, minutes=31)
    [nudge] = notices(running, channel, "nudge")
    running.driver.click(channel, nudge.ts, "Post update", user="U_BOB")
    view = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))[-1]
    assert view.callback_id == Callback.UPDATE
    values = {
        Field.HAPPENING: {Field.HAPPENING: {"type": "plain_text_input", "value": "Errors at 2%"}},
        Field.IMPACT: {Field.IMPACT: {"type": "plain_text_input", "value": "Some <cards> fail"}},
        Field.NEXT_STEPS: {Field.NEXT_STEPS: {"type": "plain_text_input", "value": ""}},
    }
    assert running.driver.submit(view.id, values, user="U_BOB").status == 200
    update = running.slack.wait_for(
        lambda: [
            m for m in running.slack.messages(channel) if "*Update* from <@U_BOB>" in m.all_text
        ]
    )
    assert "Some &lt;cards&gt; fail" in update[0].all_text  # shown as typed, not as markup
    incident = running.sitrep.deps.incidents.find(None, channel)
    kinds = [e.kind for e in running.sitrep.deps.incidents.timeline(incident.id or 0)]
    assert EntryKind.UPDATE in kinds
    later(running, clock, minutes=29)
    assert len(notices(running, channel, "nudge")) == 1  # the update reset the cadence
    later(running, clock, minutes=2)
    assert len(notices(running, channel, "nudge")) == 2


def test_an_incident_without_a_commander_is_nudged_with_a_claim_button(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    later(running, clock, minutes=5, seconds=1)
    [nudge] = notices(running, channel, "no-commander")
    assert "has had no commander" in nudge.all_text
    running.driver.event(running.slack.user_joins(channel, "U_CAROL"))
    running.driver.click(channel, nudge.ts, "Claim commander", user="U_CAROL")
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert running.sitrep.deps.incidents.roles(incident.id or 0)
    later(running, clock, minutes=30)
    assert len(notices(running, channel, "no-commander")) == 1


def test_an_unacknowledged_incident_is_escalated_to_the_channel_and_people(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running, "declare sev1 Checkout API returning 500s")
    later(running, clock, minutes=14)
    assert notices(running, running.general, "escalation") == []
    later(running, clock, minutes=1, seconds=1)  # SEV1 must be acknowledged within 15 minutes
    [escalated] = notices(running, running.general, "escalation")
    assert "has not been acknowledged within 15m" in escalated.all_text
    assert "<@U_DAVE>" in escalated.all_text and f"<#{channel}>" in escalated.all_text
    [dm] = running.slack.direct_messages("U_DAVE")
    assert dm.metadata and dm.metadata["event_payload"]["key"].startswith("escalation:")
    incident = running.sitrep.deps.incidents.find(None, channel)
    entries = running.sitrep.deps.incidents.timeline(incident.id or 0)
    assert [e.text for e in entries if e.kind is EntryKind.ESCALATED] == [
        f"Escalated: not acknowledged within 15m; told <#{running.general}> and <@U_DAVE>"
    ]
    later(running, clock, hours=1)
    assert len(notices(running, running.general, "escalation")) == 1


def test_a_private_incident_is_escalated_only_in_its_own_channel(
    running: Running, clock: FastForward
) -> None:
    running.driver.command("declare", user="U_ALICE")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_ALICE"))
    running.driver.submit(view.id, declare_form("Secret outage", "sev1", private=True))
    channel = running.slack.wait_for(
        lambda: running.slack.channel_by_name(f"inc-{YEAR}-0001-secret-outage")
    ).id
    running.slack.wait_for(lambda: running.slack.pins(channel))
    later(running, clock, minutes=16)
    [escalated] = notices(running, channel, "escalation")
    assert "<@U_DAVE>" in escalated.all_text
    assert notices(running, running.general, "escalation") == []
    assert running.slack.direct_messages("U_DAVE") == []


def test_stale_incidents_are_reminded(running: Running, clock: FastForward) -> None:
    channel = led_incident(running, "sev3")
    running.driver.command("status mitigated", user="U_BOB", channel=channel)
    running.driver.say(channel, "Holding", user="U_BOB")
    later(running, clock, hours=23)
    assert notices(running, channel, "stale_mitigated") == []
    later(running, clock, hours=1, seconds=1)
    [stale] = notices(running, channel, "stale_mitigated")
    assert "mitigated for 1d" in stale.all_text
    running.driver.command("resolve", user="U_BOB", channel=channel)
    later(running, clock, days=3, seconds=1)
    [done] = notices(running, channel, "stale_resolved")
    assert "is not closed" in done.all_text


def test_a_post_mortem_past_due_is_reminded_to_its_author(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    running.driver.command("resolve", user="U_BOB", channel=channel)
    incident = running.sitrep.deps.incidents.find(None, channel)
    running.slack.wait_for(lambda: running.sitrep.deps.postmortems.record(incident.id or 0))
    later(running, clock, hours=47)
    assert notices(running, channel, "postmortem-due") == []
    later(running, clock, hours=1, seconds=1)
    [due] = notices(running, channel, "postmortem-due")
    assert "<@U_BOB>" in due.all_text and "/incident postmortem publish" in due.all_text


def outbox(running: Running, which: Callable[[OutboxMessage], bool]) -> list[OutboxMessage]:
    with Session(running.sitrep.engine) as session:
        return [m for m in session.exec(select(OutboxMessage)) if which(m)]


def test_a_notice_slack_refuses_for_now_is_retried_and_one_it_never_takes_is_dropped(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    running.slack.fail_next("chat.postMessage", "internal_error")
    later(running, clock, minutes=31)
    assert notices(running, channel, "nudge") == []
    [pending] = outbox(running, lambda m: m.kind is NoticeKind.NUDGE)
    assert pending.sent_at is None and pending.cancelled_at is None and pending.last_error
    later(running, clock, seconds=5)  # after its backoff
    assert len(notices(running, channel, "nudge")) == 1

    running.slack.fail_next("chat.postMessage", "is_archived")
    later(running, clock, minutes=30)
    assert len(notices(running, channel, "nudge")) == 1
    gone = outbox(running, lambda m: m.cancelled_at is not None)
    assert [m.last_error.split(":")[0] for m in gone] == ["undeliverable"]


def test_a_rate_limited_notice_waits_out_retry_after_without_holding_its_sender(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    running.slack.rate_limit("chat.postMessage", times=1, retry_after=20)
    later(running, clock, minutes=31)  # returns at once: the sender did not sleep
    assert notices(running, channel, "nudge") == []
    later(running, clock, seconds=10)
    assert notices(running, channel, "nudge") == []  # Retry-After not over yet
    later(running, clock, seconds=11)
    assert len(notices(running, channel, "nudge")) == 1
