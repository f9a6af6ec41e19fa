"""On-call load as a team meets it: after a SEV1 pages Carol at night, `/incident oncall
load` shows her numbers flagged, and the schedule's owner gets one burnout warning however
often the scheduler ticks; on SQLite and PostgreSQL. Every working day is struck off, so
every page is out of hours whatever time the test runs at."""

from datetime import UTC, datetime, time, timedelta

import pytest

from bot.config import Policy
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import Reply, tick
from tests.e2e.test_oncall import oncall
from tests.e2e.test_paging import START, declare_on, later, pages_to
from tests.fakes.slack_api import FakeSlack, Message

WARNING = "carrying too much on-call load"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    layer = {"start": START.isoformat(), "length": "weekly", "handoff": "09:00"}
    return Policy.model_validate(
        {
            "announcements_channel": incidents.id,
            "services": [{"name": "checkout-api", "schedule": "payments"}],
            "insights": {
                "working_days": [],
                "digest_channel": incidents.id,
                "digest_at": "mon 09:00",
            },
            "oncall": {
                "burnout": {"severe": 5, "out_of_hours_pages": 0, "within": "7d"},
                "schedules": [
                    {
                        "name": "payments",
                        "owner": "U_BOB",
                        "layers": [
                            {"name": "primary", "members": ["U_CAROL"], **layer},
                            {"name": "secondary", "members": ["U_DAVE"], **layer},
                        ],
                    }
                ],
            },
        }
    )


def lines(reply: Reply) -> list[str]:
    """The lines of the answer's sections, as people read them."""
    sections = [b["text"]["text"] for b in reply.json["blocks"] if b["type"] == "section"]
    return [line for text in sections for line in text.splitlines()]


def warnings_to(slack: FakeSlack, user: str) -> list[Message]:
    return [m for m in slack.direct_messages(user) if WARNING in m.all_text]


def test_load_shows_each_members_pages_hours_and_flags_whoever_is_over_the_limit(
    running: Running,
) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")
    [page] = slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    assert running.driver.click(page.channel, page.ts, "Acknowledge", user="U_CAROL").status == 200
    slack.wait_for(lambda: "Acknowledged by" in slack.message(page.channel, page.ts).all_text)

    reply = oncall(running, "load payments", user="U_DAVE")
    assert "On-call load, last 7 days" in reply.text
    assert "spread across the rotation: 0h" in reply.text  # each on call all week
    [carol] = [line for line in lines(reply) if line.startswith("• <@U_CAROL>")]
    assert "1 pages (1 acknowledged, 1 out of hours), 1 severe incidents, 168h on call" in carol
    assert "over the burnout limit" in carol
    [dave] = [line for line in lines(reply) if line.startswith("• <@U_DAVE>")]
    assert "0 pages" in dave and "168h on call" in dave and "burnout" not in dave

    every = oncall(running, "load")
    assert "*payments*" in every.text and "<@U_CAROL>" in every.text
    unknown = oncall(running, "load nowhere")
    assert "nowhere" in unknown.text and "payments" in unknown.text


def test_the_owner_is_warned_once_across_ticks_and_windows(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    assert warnings_to(slack, "U_BOB") == []
    for _ in range(3):
        tick(running)
    [warning] = warnings_to(slack, "U_BOB")
    assert "<@U_CAROL>" in warning.all_text and "*payments*" in warning.all_text
    assert "1 pages out of hours (limit 0)" in warning.all_text
    assert warnings_to(slack, "U_CAROL") == [] and warnings_to(slack, "U_DAVE") == []
    later(running, clock, hours=1)
    later(running, clock, days=8)  # a new window, but the page is no longer in the last 7d
    later(running, clock, minutes=1)
    assert len(warnings_to(slack, "U_BOB")) == 1


def test_the_weekly_digest_says_who_carried_the_pages(running: Running, clock: FastForward) -> None:
    slack = running.slack
    declare_on(running, "checkout-api")
    slack.wait_for(lambda: pages_to(slack, "U_CAROL"))
    now = clock()
    monday = now.date() + timedelta(days=(7 - now.weekday()) % 7)
    due = datetime.combine(monday, time(9), tzinfo=UTC)
    if due <= now:
        due += timedelta(days=7)
    clock.advance(seconds=(due - now).total_seconds() + 60)
    tick(running)
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    [digest] = slack.wait_for(
        lambda: [m for m in slack.messages(incidents.id) if "Incident digest" in m.all_text]
    )
    assert "*On call:* <@U_CAROL> 1 page (1 out of hours)" in digest.all_text
