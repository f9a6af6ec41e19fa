"""Status updates as people meet them: `/incident update` opens the form, and a posted
update reaches the incident channel, the stakeholder channel of its severity and every
subscriber's DMs, each once; it resets the cadence and its "next update" reminds the
commander once. Private incidents never leave their channel."""

import json
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.adapters.slack.ids import Callback, Field
from bot.config import DEFAULT_SEVERITIES, Policy
from models import EntryKind, NoticeKind, OutboxMessage
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import declare_form, tick
from tests.e2e.test_declare import declare
from tests.fakes.slack_api import FakeSlack, Message

STAKEHOLDERS = "stakeholders"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    stakeholders = slack.add_channel(STAKEHOLDERS, members=("U_DAVE",))
    severities = tuple(
        s.model_copy(update={"stakeholder_channels": (stakeholders.id,)}) if s.key == "sev2" else s
        for s in DEFAULT_SEVERITIES
    )
    return Policy(announcements_channel=incidents.id, severities=severities)


def stakeholder_channel(running: Running) -> str:
    channel = running.slack.channel_by_name(STAKEHOLDERS)
    assert channel is not None
    return channel.id


def form(
    happening: str,
    impact: str = "",
    doing: str = "",
    next_update: str = "none",
    public: bool = False,
) -> dict[str, Any]:
    """The update form's view.state.values as Slack sends them."""

    def text(value: str) -> dict[str, Any]:
        return {"type": "plain_text_input", "value": value}

    option = {"text": {"type": "plain_text", "text": next_update}, "value": next_update}
    checked = [{"text": {"type": "plain_text", "text": "Public"}, "value": "public"}]
    return {
        Field.HAPPENING: {Field.HAPPENING: text(happening)},
        Field.IMPACT: {Field.IMPACT: text(impact)},
        Field.NEXT_STEPS: {Field.NEXT_STEPS: text(doing)},
        Field.NEXT_UPDATE: {
            Field.NEXT_UPDATE: {"type": "static_select", "selected_option": option}
        },
        Field.PUBLIC: {
            Field.PUBLIC: {"type": "checkboxes", "selected_options": checked if public else []}
        },
    }


def post_update(
    running: Running, channel: str, values: dict[str, Any], user: str = "U_BOB"
) -> None:
    """`/incident update` in the channel, then the form submitted with `values`."""
    seen = {v.id for v in running.slack.open_views(user)}
    reply = running.driver.command("update", user=user, channel=channel)
    assert reply.status == 200, reply
    opened = running.slack.wait_for(
        lambda: [v for v in running.slack.open_views(user) if v.id not in seen]
    )
    view = opened[-1]
    assert view.callback_id == Callback.UPDATE
    assert running.driver.submit(view.id, values, user=user).status == 200


def updates_in(running: Running, channel: str) -> list[Message]:
    return [m for m in running.slack.messages(channel) if "update from <@" in m.all_text.lower()]


def led_incident(running: Running, text: str = "declare sev2 Checkout API returning 500s") -> str:
    channel = declare(running, text)
    running.driver.command("role commander <@U_BOB>", user="U_ALICE", channel=channel)
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "made <@U_BOB>" in m.all_text]
    )
    return channel


def test_an_update_reaches_the_channel_the_stakeholders_and_each_subscriber_once(
    running: Running,
) -> None:
    channel = led_incident(running)
    assert running.driver.command("subscribe", user="U_CAROL", channel=channel).status == 200
    reply = running.driver.command("subscribe", user="U_CAROL", channel=channel)
    assert "already follow" in reply.json["text"]  # once is enough

    post_update(running, channel, form("Errors at 2%", "Some <cards> fail", "Rolling back"))

    posted = running.slack.wait_for(
        lambda: [
            m for m in running.slack.messages(channel) if "*Update* from <@U_BOB>" in m.all_text
        ]
    )
    assert "Some &lt;cards&gt; fail" in posted[0].all_text
    [stakeholders] = running.slack.wait_for(
        lambda: updates_in(running, stakeholder_channel(running))
    )
    assert "Errors at 2%" in stakeholders.all_text and "Rolling back" in stakeholders.all_text
    assert f"<#{channel}>" in stakeholders.all_text
    [dm] = running.slack.wait_for(lambda: running.slack.direct_messages("U_CAROL"))
    assert "Errors at 2%" in dm.all_text
    tick(running)
    tick(running)
    assert len(updates_in(running, stakeholder_channel(running))) == 1
    assert len(running.slack.direct_messages("U_CAROL")) == 1
    incident = running.sitrep.deps.incidents.find(None, channel)
    updates = [
        e
        for e in running.sitrep.deps.incidents.timeline(incident.id or 0)
        if e.kind is EntryKind.UPDATE
    ]
    assert [u.data["happening"] for u in updates] == ["Errors at 2%"]


def test_unsubscribing_stops_the_direct_messages(running: Running) -> None:
    channel = led_incident(running)
    running.driver.command("subscribe", user="U_CAROL", channel=channel)
    reply = running.driver.command("unsubscribe", user="U_CAROL", channel=channel)
    assert "won't get updates" in reply.json["text"]
    post_update(running, channel, form("Still investigating"))
    running.slack.wait_for(lambda: updates_in(running, stakeholder_channel(running)))
    tick(running)
    assert running.slack.direct_messages("U_CAROL") == []


def test_the_announcement_subscribe_button_follows_the_incident(running: Running) -> None:
    channel = led_incident(running)
    [announcement] = running.slack.pins(channel)
    assert running.driver.click(channel, announcement.ts, "Subscribe", user="U_CAROL").status == 200
    said = running.slack.wait_for(
        lambda: [
            e for e in running.slack.ephemerals(channel, "U_CAROL") if "by direct message" in e.text
        ]
    )
    assert said
    post_update(running, channel, form("Rollback finished"))
    [dm] = running.slack.wait_for(lambda: running.slack.direct_messages("U_CAROL"))
    assert "Rollback finished" in dm.all_text


def test_the_form_starts_from_the_previous_update(running: Running) -> None:
    channel = led_incident(running)
    post_update(running, channel, form("First & worst", "Checkout fails"))
    running.slack.wait_for(lambda: updates_in(running, stakeholder_channel(running)))
    running.driver.command("update", user="U_BOB", channel=channel)
    view = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))[-1]
    initial = {
        b["element"]["action_id"]: b["element"].get("initial_value")
        for b in view.blocks
        if b.get("type") == "input"
    }
    assert initial[Field.HAPPENING] == "First & worst"  # as typed, not as markup
    assert initial[Field.IMPACT] == "Checkout fails"


def test_next_update_at_reminds_the_commander_once_and_a_newer_update_replaces_it(
    running: Running, clock: FastForward
) -> None:
    channel = led_incident(running)
    post_update(running, channel, form("Investigating", next_update="15m"))
    running.slack.wait_for(lambda: updates_in(running, stakeholder_channel(running)))

    clock.advance(minutes=10)
    post_update(running, channel, form("Found it", next_update="30m"))  # replaces the promise
    running.slack.wait_for(lambda: len(updates_in(running, stakeholder_channel(running))) == 2)
    clock.advance(minutes=10)  # the first promise has passed: no longer due
    tick(running)
    assert reminders(running, channel) == []
    clock.advance(minutes=21)
    tick(running)
    tick(running)
    [reminder] = reminders(running, channel)
    assert "<@U_BOB>" in reminder.all_text and "promised the next one" in reminder.all_text
    clock.advance(minutes=10)
    tick(running)
    assert len(reminders(running, channel)) == 1
    with Session(running.sitrep.engine) as session:
        queued = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == NoticeKind.NEXT_UPDATE)
        ).all()
    assert len(queued) == 1 and queued[0].sent_at is not None


def reminders(running: Running, channel: str) -> list[Message]:
    return [
        m
        for m in running.slack.messages(channel)
        if (m.metadata or {}).get("event_payload", {}).get("key", "").startswith("next-update:")
    ]


def test_an_update_resets_the_update_cadence(running: Running, clock: FastForward) -> None:
    channel = led_incident(running)
    clock.advance(minutes=20)
    post_update(running, channel, form("Halfway there"))
    running.slack.wait_for(lambda: updates_in(running, stakeholder_channel(running)))
    clock.advance(minutes=20)  # 40 minutes since declaring, 20 since the update
    tick(running)
    nudges = [m for m in running.slack.messages(channel) if "No update on" in m.all_text]
    assert nudges == []


def test_a_private_incident_update_never_leaves_its_channel(running: Running) -> None:
    running.driver.command("declare", user="U_ALICE")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_ALICE"))
    running.driver.submit(view.id, declare_form("Secret outage", "sev2", private=True))
    channel = running.slack.wait_for(
        lambda: next(
            (c.id for c in running.slack.channels() if c.is_private and c.name.startswith("inc-")),
            None,
        )
    )
    running.slack.wait_for(lambda: running.slack.pins(channel))
    running.driver.command("subscribe", user="U_ALICE", channel=channel)
    running.driver.command("update", user="U_ALICE", channel=channel)
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_ALICE"))
    assert Field.PUBLIC not in json.dumps(view.blocks)  # no Public box on a private incident
    # …and a crafted submission asking for it anyway is refused, changing nothing.
    refused = running.driver.submit(view.id, form("The secret thing", public=True), user="U_ALICE")
    assert "private" in refused.json["errors"][Field.HAPPENING]
    post_update(running, channel, form("The secret thing"), user="U_ALICE")
    running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel) if "The secret thing" in m.all_text]
    )
    [dm] = running.slack.wait_for(lambda: running.slack.direct_messages("U_ALICE"))
    assert "The secret thing" in dm.all_text
    tick(running)
    assert updates_in(running, stakeholder_channel(running)) == []
    stakeholders = running.slack.messages(stakeholder_channel(running))
    assert not any("secret" in m.all_text.lower() for m in stakeholders)


def test_bad_update_requests_change_nothing(running: Running) -> None:
    channel = led_incident(running)
    reply = running.driver.command("update INC-1999-0042", user="U_BOB", channel=channel)
    assert "can't find" in reply.json["text"]
    reply = running.driver.command("update some words", user="U_BOB", channel=channel)
    assert "takes only an incident ID" in reply.json["text"]
    reply = running.driver.command("subscribe", user="U_BOB", channel=running.general)
    assert reply.json["response_type"] == "ephemeral"
    running.driver.command("update", user="U_BOB", channel=channel)
    view = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))[-1]
    refused = running.driver.submit(view.id, form("   "), user="U_BOB")
    assert refused.json["response_action"] == "errors"
    assert "Say what is happening" in refused.json["errors"][Field.HAPPENING]
    incident = running.sitrep.deps.incidents.find(None, channel)
    kinds = [e.kind for e in running.sitrep.deps.incidents.timeline(incident.id or 0)]
    assert EntryKind.UPDATE not in kinds
