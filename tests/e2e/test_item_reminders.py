"""Action-item reminders as owners meet them: a direct message before the due day and on
it, a weekly summary of overdue items to each owner, a weekly roll-up per incident in its
channel (or to the commander once the channel is archived); each sent once, with time moved
forward by the test and the scheduler's own job (`tick`)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.adapters.slack.ids import Action, Field
from bot.config import ItemReminders, Policy
from models import ActionStatus
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import tick
from tests.e2e.test_action_items import posted
from tests.e2e.test_declare import declare
from tests.fakes.slack_api import FakeSlack, Message


def reminders(running: Running, user: str, kind: str = "") -> list[Message]:
    """Sitrep's reminders in a person's direct messages (they carry their key)."""
    return [m for m in running.slack.direct_messages(user) if _key(m).startswith(kind)]


def in_channel(running: Running, channel: str, kind: str) -> list[Message]:
    return [m for m in running.slack.messages(channel) if _key(m).startswith(kind)]


def _key(message: Message) -> str:
    metadata = message.metadata or {}
    if metadata.get("event_type") != "sitrep_notice":
        return "\0"
    return str(metadata.get("event_payload", {}).get("key", ""))


def at(running: Running, clock: FastForward, day: date, hour: int, minute: int = 0) -> None:
    """Moves time to `day` at `hour:minute` (UTC, the policy's timezone here) and ticks."""
    target = datetime.combine(day, time(hour, minute), tzinfo=UTC)
    assert target > clock(), "time only moves forward"
    clock.advance(seconds=(target - clock()).total_seconds())
    tick(running)


def next_monday(after: date) -> date:
    return after + timedelta(days=7 - after.weekday())


def add_item(running: Running, channel: str, text: str) -> None:
    assert running.driver.command(f"action {text}", user="U_ALICE", channel=channel).body == ""
    posted(running, channel, "added an action item")


def test_the_owner_is_reminded_before_the_due_day_and_on_it_once_each(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    due = running.sitrep.deps.action_items.today() + timedelta(days=5)
    add_item(running, channel, f"Alert on pool saturation <@U_BOB> due:{due} p1")

    at(running, clock, due - timedelta(days=2), 8, 59)
    assert reminders(running, "U_BOB") == []
    at(running, clock, due - timedelta(days=2), 9, 0)
    tick(running)
    [soon] = reminders(running, "U_BOB")
    assert "*Alert on pool saturation* (P1) is due on" in soon.all_text
    assert "(in 2 days)" in soon.all_text and "INC-" in soon.all_text
    labels = [e.get("text", {}).get("text") for b in soon.blocks for e in b.get("elements", [])]
    assert "Complete" in labels and "Cancel" in labels

    at(running, clock, due, 9, 0)
    at(running, clock, due, 18, 0)
    [_, today] = reminders(running, "U_BOB")
    assert "is due today" in today.all_text
    at(running, clock, due + timedelta(days=1), 9, 0)  # overdue now: no more due reminders
    assert len(reminders(running, "U_BOB", "item_due")) == 2
    assert reminders(running, "U_ALICE") == []  # the author is not the owner


def test_completing_from_the_reminder_asks_for_evidence_and_stops_the_reminders(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    due = running.sitrep.deps.action_items.today() + timedelta(days=4)
    add_item(running, channel, f"Add retries to the payment client <@U_BOB> due:{due}")
    at(running, clock, due - timedelta(days=2), 9)
    [soon] = reminders(running, "U_BOB")

    running.driver.click(soon.channel, soon.ts, "Complete", user="U_BOB")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))
    proof = {Field.EVIDENCE: {Field.EVIDENCE: {"type": "plain_text_input", "value": "PR 88"}}}
    assert running.driver.submit(view.id, proof, user="U_BOB").status == 200
    posted(running, channel, "completed *Add retries to the payment client*: PR 88")

    at(running, clock, due, 9)
    at(running, clock, next_monday(due + timedelta(days=1)), 9)
    assert len(reminders(running, "U_BOB")) == 1  # only the one before completing
    assert in_channel(running, channel, "overdue_rollup") == []


def test_overdue_items_are_summarised_to_owners_and_rolled_up_in_the_channel_weekly(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    due = running.sitrep.deps.action_items.today() + timedelta(days=1)
    add_item(running, channel, f"Fix retries <@U_BOB> due:{due}")
    add_item(running, channel, f"Add an alert <@U_CAROL> due:{due}")
    add_item(running, channel, f"Write the runbook <@U_BOB> due:{due}")
    monday = next_monday(due + timedelta(days=1))

    at(running, clock, monday, 8, 59)
    assert reminders(running, "U_BOB", "overdue") == []
    at(running, clock, monday, 9)
    tick(running)
    [bob] = reminders(running, "U_BOB", "overdue_summary")
    assert "You have 2 overdue action items" in bob.all_text
    assert "Fix retries" in bob.all_text and "Write the runbook" in bob.all_text
    assert "Add an alert" not in bob.all_text
    [carol] = reminders(running, "U_CAROL", "overdue_summary")
    assert "You have 1 overdue action item." in carol.all_text
    [rollup] = in_channel(running, channel, "overdue_rollup")
    assert "has 3 overdue action items" in rollup.all_text
    assert all(t in rollup.all_text for t in ("<@U_BOB>", "<@U_CAROL>", "*overdue since"))

    at(running, clock, monday + timedelta(days=3), 9)  # the same week: nothing new
    assert len(reminders(running, "U_BOB", "overdue")) == 1
    at(running, clock, monday + timedelta(days=7), 9)
    assert len(reminders(running, "U_BOB", "overdue")) == 2
    assert len(in_channel(running, channel, "overdue_rollup")) == 2


def test_the_roll_up_of_an_archived_incident_channel_goes_to_the_commander(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    running.driver.command("role commander <@U_DAVE>", user="U_ALICE", channel=channel)
    due = running.sitrep.deps.action_items.today() + timedelta(days=1)
    add_item(running, channel, f"Fix retries <@U_BOB> due:{due}")
    assert running.driver.event(running.slack.user_archives(channel, "U_ALICE")).status == 200

    at(running, clock, next_monday(due + timedelta(days=1)), 9)
    [rollup] = reminders(running, "U_DAVE", "overdue_rollup")
    assert "has 1 overdue action item" in rollup.all_text and "Fix retries" in rollup.all_text
    assert in_channel(running, channel, "overdue_rollup") == []


def test_an_archive_sitrep_was_not_told_of_is_found_when_posting_and_nothing_is_lost(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    due = running.sitrep.deps.action_items.today() + timedelta(days=1)
    add_item(running, channel, f"Fix retries <@U_BOB> due:{due}")
    running.slack.user_archives(channel, "U_ALICE")  # the event never reaches Sitrep

    at(running, clock, next_monday(due + timedelta(days=1)), 9)  # Slack answers is_archived
    tick(running)  # the roll-up is planned again, for the declarer (no commander)
    [rollup] = reminders(running, "U_ALICE", "overdue_rollup")
    assert "Fix retries" in rollup.all_text
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.channel_archived_at is not None

    unarchived = running.slack.user_archives(channel, "U_ALICE", archived=False)
    assert running.driver.event(unarchived).status == 200
    at(running, clock, next_monday(due + timedelta(days=1)) + timedelta(days=7), 9)
    assert len(in_channel(running, channel, "overdue_rollup")) == 1  # back in the channel


def test_reassigning_sends_the_next_reminder_to_the_new_owner(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    due = running.sitrep.deps.action_items.today() + timedelta(days=6)
    add_item(running, channel, f"Tune the pool <@U_BOB> due:{due}")
    [item] = running.sitrep.deps.action_items.list("U_BOB", "mine")
    assert item.id is not None and item.status is ActionStatus.OPEN
    at(running, clock, due - timedelta(days=2), 9)
    [soon] = reminders(running, "U_BOB")
    payload = running.slack.click(soon.channel, soon.ts, Action.REASSIGN_ITEM, "U_BOB", "U_CAROL")
    assert running.driver.interact(payload).status == 200
    posted(running, channel, "gave *Tune the pool* to <@U_CAROL>")

    at(running, clock, due, 9)
    assert len(reminders(running, "U_BOB")) == 1
    [today] = reminders(running, "U_CAROL")
    assert "is due today" in today.all_text


class TestInNewYork:
    """Reminder times are the organisation's: 09:00 in New York is 14:00 UTC in winter."""

    @pytest.fixture
    def policy(self, slack: FakeSlack) -> Policy:
        return Policy(timezone="America/New_York")

    def test_the_due_day_reminder_comes_at_nine_new_york_time(
        self, running: Running, clock: FastForward
    ) -> None:
        channel = declare(running)
        due = running.sitrep.deps.action_items.today() + timedelta(days=5)
        add_item(running, channel, f"Rotate the keys <@U_BOB> due:{due}")
        at(running, clock, due, 13, 59)  # UTC
        assert reminders(running, "U_BOB", "item_due:") == []
        at(running, clock, due, 14, 1)
        [today] = reminders(running, "U_BOB", "item_due:")
        assert "is due today" in today.all_text
        at(running, clock, due + timedelta(days=1), 4, 59)  # 23:59 in New York: not late yet
        assert "overdue since" not in running.driver.command("actions", user="U_BOB").text


class TestTheReadmeDemo:
    """The README's recipe for seeing reminders within a minute: a reminder time just ahead,
    a day's lead, an item due tomorrow."""

    @pytest.fixture
    def clock(self) -> FastForward:
        clock = FastForward()  # noon tomorrow: the recipe's "tomorrow" never crosses midnight
        noon = datetime.combine(clock().date() + timedelta(days=1), time(12), tzinfo=UTC)
        clock.advance(seconds=(noon - clock()).total_seconds())
        return clock

    @pytest.fixture
    def policy(self, clock: FastForward) -> Policy:
        ahead = (clock() + timedelta(seconds=30)).strftime("%H:%M:%S")
        rules = ItemReminders(remind_at=ahead, before_due="1d", overdue_every="30s")
        return Policy(action_item_reminders=rules)

    def test_the_reminder_arrives_half_a_minute_later(
        self, running: Running, clock: FastForward
    ) -> None:
        channel = declare(running)
        add_item(running, channel, "Try it due:in 1d")
        # The clock runs on in real time too (seconds, on a loaded machine) between the
        # policy's reading and this tick: leave that room before the reminder's time.
        clock.advance(seconds=10)
        tick(running)
        assert reminders(running, "U_ALICE") == []
        clock.advance(seconds=25)
        tick(running)
        [soon] = reminders(running, "U_ALICE", "item_due_soon")
        assert "*Try it* (P2) is due on" in soon.all_text and "(in 1 day)" in soon.all_text
