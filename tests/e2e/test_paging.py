"""Paging as an on-call team meets it: an incident declared on a service pages its primary
in Slack, escalates to the secondary and then the team channel when nobody acknowledges,
stops when someone does (recording MTTA), moves up on Escalate, and pages by hand; each
page once across repeated ticks and a restarted app; on SQLite and PostgreSQL."""

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from app import build
from bot.adapters.slack.ids import Action, Field
from bot.config import Policy
from bot.settings import Settings
from models import Incident, NoticeKind, OutboxMessage, Page
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import SIGNING_SECRET, declare_form, tick
from tests.e2e.test_declare import YEAR
from tests.fakes.slack_api import FakeSlack, Message

START = date.today() - timedelta(days=10)
CHANNEL = f"inc-{YEAR}-0001-checkout-down"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents, general = slack.channel_by_name("incidents"), slack.channel_by_name("general")
    assert incidents is not None and general is not None
    layer = {"start": START.isoformat(), "length": "weekly", "handoff": "09:00"}
    return Policy.model_validate(
        {
            "announcements_channel": incidents.id,
            "services": [
                {"name": "checkout-api", "schedule": "payments", "escalation_policy": "payments"},
                {"name": "search-api", "schedule": "search"},
            ],
            "oncall": {
                "schedules": [
                    {
                        "name": "payments",
                        "owner": "U_BOB",
                        "layers": [
                            {"name": "primary", "members": ["U_CAROL"], **layer},
                            {"name": "secondary", "members": ["U_DAVE"], **layer},
                        ],
                    },
                    {
                        "name": "search",
                        "layers": [{"name": "primary", "members": ["U_BOB"], **layer}],
                    },
                ],
                "escalation_policies": [
                    {
                        "name": "payments",
                        "levels": [
                            {
                                "schedule": "payments/primary",
                                "ack_within": {"sev1": "5m", "default": "15m"},
                            },
                            {"schedule": "payments/secondary", "ack_within": "10m"},
                            {"channel": general.id, "ack_within": "10m"},
                        ],
                    }
                ],
            },
        }
    )


def declare_on(running: Running, service: str, severity: str = "sev1") -> str:
    """Alice declares with the form, naming the service; returns the channel once open."""
    slack = running.slack
    assert running.driver.command("declare", user="U_ALICE").status == 200
    [view] = slack.wait_for(lambda: slack.open_views("U_ALICE"))
    values: dict[str, Any] = declare_form("Checkout down", severity)
    values[Field.SERVICES] = {
        Field.SERVICES: {
            "type": "multi_static_select",
            "selected_options": [
                {"text": {"type": "plain_text", "text": service}, "value": service}
            ],
        }
    }
    assert running.driver.submit(view.id, values, user="U_ALICE").status == 200
    channel = slack.wait_for(lambda: slack.channel_by_name(CHANNEL))
    slack.wait_for(lambda: [r for r in slack.responses() if f"<#{channel.id}>" in r.text])
    return channel.id


def pages_to(slack: FakeSlack, user: str) -> list[Message]:
    return [m for m in slack.direct_messages(user) if "You are paged" in m.all_text]


def labels(message: Message) -> list[str]:
    return [
        e["text"]["text"]
        for b in message.blocks
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]


def stored(running: Running) -> list[Page]:
    with Session(running.sitrep.engine) as session:
        return list(session.exec(select(Page).order_by("id")))


def incident(running: Running) -> Incident:
    return running.sitrep.deps.incidents.find(None, running.slack.channel_by_name(CHANNEL).id)  # type: ignore[union-attr]


def later(running: Running, clock: FastForward, **delta: float) -> None:
    clock.advance(**delta)
    tick(running)


def test_declaring_on_a_service_pages_its_primary_with_buttons_and_invites_them(
    running: Running,
) -> None:
    slack = running.slack
    channel = declare_on(running, "checkout-api")
    [page] = slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    assert f"INC-{YEAR}-0001" in page.all_text and "SEV1" in page.all_text
    assert "Checkout down" in page.all_text and f"<#{channel}>" in page.all_text
    assert "level 1, payments/primary" in page.all_text
    assert labels(page) == ["Acknowledge", "Escalate"]
    assert "U_CAROL" in slack.members(channel)
    assert pages_to(slack, "U_DAVE") == []
    posts = slack.wait_for(
        lambda: [m for m in slack.messages(channel) if "Paged <@U_CAROL>" in m.all_text]
    )
    assert len(posts) == 1
    [row] = stored(running)
    assert (row.target, row.level, row.via) == ("U_CAROL", 1, "payments/primary")


def test_without_an_acknowledgement_the_secondary_then_the_channel_are_paged_on_time_once(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    channel = declare_on(running, "checkout-api")  # sev1: 5 minutes to acknowledge
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    later(running, clock, minutes=4)
    assert pages_to(slack, "U_DAVE") == []
    later(running, clock, minutes=1, seconds=5)
    [second] = pages_to(slack, "U_DAVE")
    assert "level 2, payments/secondary" in second.all_text
    assert "U_DAVE" in slack.members(channel)
    for _ in range(3):
        tick(running)
    assert len(pages_to(slack, "U_DAVE")) == 1 and len(pages_to(slack, "U_CAROL")) == 1

    later(running, clock, minutes=10, seconds=5)  # level 3: the team channel
    general = running.general
    [team] = [m for m in slack.messages(general) if "You are paged" in m.all_text]
    assert labels(team) == ["Acknowledge", "Escalate"]
    later(running, clock, minutes=10, seconds=5)  # nobody further: the last level is told
    later(running, clock, minutes=30)
    told = [m for m in slack.messages(general) if "Nobody acknowledged" in m.all_text]
    assert len(told) == 1
    assert incident(running).acknowledged_at is None


def test_past_the_last_level_ticks_write_nothing_more(running: Running, clock: FastForward) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")  # sev1: 5m, then 10m, then 10m at the channel
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    later(running, clock, minutes=5, seconds=5)
    later(running, clock, minutes=10, seconds=5)
    written: list[str] = []

    def record(_c: Any, _k: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT") and "unanswered:" in str(parameters):
            written.append(statement)

    sa.event.listen(running.sitrep.engine, "before_cursor_execute", record)
    try:
        for _ in range(6):  # past the last level, tick after tick
            later(running, clock, minutes=10, seconds=5)
    finally:
        sa.event.remove(running.sitrep.engine, "before_cursor_execute", record)
    assert len(written) == 1  # the word that nobody acknowledged, queued once
    with Session(running.sitrep.engine) as session:
        kinds = session.exec(select(OutboxMessage.kind)).all()
    assert kinds.count(NoticeKind.UNANSWERED) == 1 and kinds.count(NoticeKind.PAGE) == 3
    told = [m for m in slack.messages(running.general) if "Nobody acknowledged" in m.all_text]
    assert len(told) == 1 and len(stored(running)) == 3


def test_acknowledging_stops_escalation_records_mtta_and_updates_the_page(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    channel = declare_on(running, "checkout-api")
    [page] = slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    clock.advance(minutes=2)
    dm = page.channel
    assert running.driver.click(dm, page.ts, "Acknowledge", user="U_CAROL").status == 200
    slack.wait_for(lambda: "Acknowledged by <@U_CAROL>" in slack.message(dm, page.ts).all_text)
    assert labels(slack.message(dm, page.ts)) == []
    found = incident(running)
    assert found.acknowledged_at is not None
    # The fast-forwarded clock runs on: two minutes, and what the test itself took.
    assert timedelta(minutes=2) <= found.acknowledged_at - found.declared_at < timedelta(minutes=3)
    [row] = stored(running)
    assert row.acknowledged_by == "U_CAROL"
    slack.wait_for(
        lambda: [m for m in slack.messages(channel) if "<@U_CAROL> acknowledged" in m.all_text]
    )

    later(running, clock, minutes=30)
    assert pages_to(slack, "U_DAVE") == []  # escalation stopped
    again = running.driver.command("ack", user="U_DAVE", channel=channel)
    assert "already acknowledged by <@U_CAROL>" in again.text


def test_escalation_updates_the_earlier_pages_and_stale_clicks_get_a_plain_answer(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")
    [carol] = slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    # Clicks that left Carol's Slack while it still showed the buttons, arriving late.
    stale_escalate = slack.click(carol.channel, carol.ts, Action.ESCALATE_PAGE, "U_CAROL")
    stale_ack = slack.click(carol.channel, carol.ts, Action.ACK_PAGE, "U_CAROL")
    later(running, clock, minutes=5, seconds=5)  # nobody acknowledged: Dave is paged
    [dave] = pages_to(slack, "U_DAVE")
    stale = slack.message(carol.channel, carol.ts)
    assert "Escalated to <@U_DAVE> at <!date^" in stale.all_text and labels(stale) == []
    assert labels(slack.message(dave.channel, dave.ts)) == ["Acknowledge", "Escalate"]

    # Carol's late Escalate click is refused, plainly.
    assert running.driver.interact(stale_escalate).status == 200
    slack.wait_for(lambda: [e for e in slack.ephemerals(user="U_CAROL") if "already" in e.text])
    assert len(stored(running)) == 2

    # Dave escalates by hand: his page says where it went, and that he moved it.
    assert running.driver.click(dave.channel, dave.ts, "Escalate", user="U_DAVE").status == 200
    general = running.general
    slack.wait_for(lambda: [m for m in slack.messages(general) if "You are paged" in m.all_text])
    moved = slack.wait_for(
        lambda: (m := slack.message(dave.channel, dave.ts)) and "Escalated to" in m.all_text and m
    )
    assert f"Escalated to <#{general}>" in moved.all_text and "(by <@U_DAVE>)" in moved.all_text

    # Bob acknowledges from the channel: every page says so; a stale click is told who.
    [team] = [m for m in slack.messages(general) if "You are paged" in m.all_text]
    assert running.driver.click(general, team.ts, "Acknowledge", user="U_BOB").status == 200
    for page in (carol, dave, team):
        slack.wait_for(
            lambda p=page: "Acknowledged by <@U_BOB>" in slack.message(p.channel, p.ts).all_text
        )
        assert labels(slack.message(page.channel, page.ts)) == []
    assert running.driver.interact(stale_ack).status == 200
    slack.wait_for(lambda: [e for e in slack.ephemerals(user="U_CAROL") if "by <@U_BOB>" in e.text])
    assert [p.acknowledged_by for p in stored(running)] == ["U_BOB"] * 3


def test_ack_by_command_in_the_channel_stops_escalation(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    channel = declare_on(running, "checkout-api")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    reply = running.driver.command("ack", user="U_CAROL", channel=channel)
    assert reply.status == 200
    assert stored(running)[0].acknowledged_by == "U_CAROL"
    assert incident(running).acknowledged_at is not None
    later(running, clock, minutes=30)
    assert pages_to(slack, "U_DAVE") == []


def test_pages_and_acknowledgements_are_audited(running: Running) -> None:
    slack = running.slack
    channel = declare_on(running, "checkout-api")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    running.driver.command("ack", user="U_CAROL", channel=channel)
    running.driver.command("ack", user="U_CAROL", channel=channel)  # already: not audited

    ref = incident(running).ref
    logged = [e for e in running.audited(ref) if e[1] in ("paged", "acknowledged")]
    assert logged == [
        (None, "paged", "modal", ref),  # as the incident was declared
        ("U_CAROL", "acknowledged", "slash_command", ref),
    ]


def test_escalate_moves_up_now(running: Running, clock: FastForward) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")
    [page] = slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    twice = slack.click(page.channel, page.ts, Action.ESCALATE_PAGE, "U_CAROL")  # a double click
    assert running.driver.click(page.channel, page.ts, "Escalate", user="U_CAROL").status == 200
    [second] = slack.wait_for(lambda: pages_to(slack, "U_DAVE"))
    assert "level 2" in second.all_text
    assert running.driver.interact(twice).status == 200
    slack.wait_for(lambda: [e for e in slack.ephemerals(user="U_CAROL") if "already" in e.text])
    tick(running)
    assert len(pages_to(slack, "U_DAVE")) == 1
    assert incident(running).acknowledged_at is None  # escalating is not acknowledging

    [dave] = pages_to(slack, "U_DAVE")  # from the level reached: the team channel
    assert running.driver.click(dave.channel, dave.ts, "Escalate", user="U_DAVE").status == 200
    general = running.general
    [team] = slack.wait_for(
        lambda: [m for m in slack.messages(general) if "You are paged" in m.all_text]
    )
    before = len(stored(running))
    running.driver.click(general, team.ts, "Escalate", user="U_BOB")  # the last level
    slack.wait_for(
        lambda: [e for e in slack.ephemerals(user="U_BOB") if "nobody further" in e.text]
    )
    assert len(stored(running)) == before


def test_a_restarted_app_sends_each_page_once(
    running: Running, clock: FastForward, slack: FakeSlack, policy: Policy, database_url: str
) -> None:
    declare_on(running, "checkout-api")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    clock.advance(minutes=6)
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
    )
    restarted = build(settings, policy, clock=clock)
    try:
        restarted.tick()
        tick(running)  # waiting too for a page a sender of this app took
        restarted.tick()
    finally:
        restarted.close()
    assert len(pages_to(slack, "U_DAVE")) == 1 and len(pages_to(slack, "U_CAROL")) == 1
    with Session(running.sitrep.engine) as session:
        sent = session.exec(
            select(OutboxMessage).where(OutboxMessage.kind == NoticeKind.PAGE)
        ).all()
    assert sorted(m.target for m in sent if m.sent_at) == ["U_CAROL", "U_DAVE"]


def test_a_page_refused_by_slack_is_retried_and_sent_once(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    slack.fail_next("chat.postMessage", "internal_error", times=1)
    declare_on(running, "search-api")  # no policy: the schedule's first layer
    later(running, clock, seconds=30)
    later(running, clock, minutes=1)
    [page] = slack.wait_for(lambda: pages_to(slack, "U_BOB"))
    assert "level 1, search/primary" in page.all_text
    later(running, clock, minutes=5)
    assert len(pages_to(slack, "U_BOB")) == 1


def test_paging_by_hand_invites_and_pages_once(running: Running) -> None:
    slack = running.slack
    channel = declare_on(running, "search-api")
    reply = running.driver.command("page <@U_DAVE>", user="U_ALICE", channel=channel)
    assert "Paging <@U_DAVE> into" in reply.text
    [page] = slack.wait_for(lambda: pages_to(slack, "U_DAVE"))
    assert "by <@U_ALICE>" in page.all_text and labels(page) == ["Acknowledge"]
    slack.wait_for(lambda: "U_DAVE" in slack.members(channel))
    again = running.driver.command("page <@U_DAVE>", user="U_ALICE", channel=channel)
    assert "already paged" in again.text
    ref = f"INC-{YEAR}-0001"
    by_schedule = running.driver.command(f"page payments/secondary {ref}", user="U_BOB")
    assert "Paging <@U_DAVE> (payments/secondary)" not in by_schedule.text  # Dave is paged already
    assert "already paged" in by_schedule.text
    running.driver.command(f"page payments {ref}", user="U_BOB")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    assert len(pages_to(slack, "U_DAVE")) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("page billing", "I don't know a schedule or service called `billing`"),
        ("page payments/night", "has no layer `night`"),
        ("page <@U_NOBODY>", "can't find <@U_NOBODY>"),
        ("page", "Whom should I page?"),
        ("page @dave", "Mention the person with @"),
        ("ack INC-2020-0404", "INC-2020-0404"),
    ],
)
def test_bad_paging_input_is_answered_privately_and_changes_nothing(
    running: Running, text: str, says: str
) -> None:
    channel = declare_on(running, "search-api")
    before = stored(running)
    reply = running.driver.command(text, user="U_ALICE", channel=channel)
    assert reply.status == 200 and reply.json["response_type"] == "ephemeral"
    assert says in reply.text
    assert stored(running) == before
