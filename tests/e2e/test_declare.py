"""Declaring an incident, as a person does it in Slack."""

import json
from datetime import UTC, datetime, timedelta

from bot.adapters.slack.ids import Callback, Field
from bot.incidents import Declaration
from models import EntryKind, Role, Status
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import declare_form

YEAR = datetime.now(UTC).year
FIRST = f"INC-{YEAR}-0001"
CHANNEL = f"inc-{YEAR}-0001-checkout-api-returning-500s"


def declare(
    running: Running, text: str = "declare sev2 Checkout API returning 500s", user: str = "U_ALICE"
) -> str:
    """Declares by command and waits until Sitrep has finished; returns the channel ID."""
    reply = running.driver.command(text, user=user)
    assert reply.status == 200, reply
    slack = running.slack
    channel = slack.wait_for(lambda: slack.channel_by_name(CHANNEL))
    # The declarer's private link is the last step of declaring: all else is done by then.
    slack.wait_for(lambda: [r for r in slack.responses() if f"<#{channel.id}>" in r.text])
    return channel.id


def test_declaring_by_command_opens_a_channel_with_a_pinned_announcement(running: Running) -> None:
    slack = running.slack
    reply = running.driver.command("declare sev2 Checkout API returning 500s", user="U_ALICE")

    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert f"{FIRST} is declared" in reply.json["text"]

    channel = slack.wait_for(lambda: slack.channel_by_name(CHANNEL))
    assert not channel.is_private
    assert slack.wait_for(lambda: {"U_ALICE", "U_SITREP"} <= slack.members(channel.id))
    [announcement] = slack.wait_for(lambda: slack.pins(channel.id))
    shown = json.dumps(announcement.blocks)
    for fact in (
        f"{FIRST}: Checkout API returning 500s",
        "SEV2 (Major)",
        "Declared",
        "_unassigned_",
        "<@U_ALICE>",
    ):
        assert fact in shown
    buttons = [
        e["text"]["text"]
        for b in announcement.blocks
        for e in b.get("elements", [])
        if e.get("type") == "button"
    ]
    assert buttons == [
        "Investigating",
        "Identified",
        "Mitigated",
        "Resolve",
        "Claim commander",
        "Similar incidents",
        "Subscribe",
        "Publish to status page",
    ]
    assert slack.wait_for(lambda: slack.topic(channel.id)) == (
        f"{FIRST} | SEV2 | Declared | No commander yet"
    )

    # The declarer is told privately where to go; the announcements channel gets a notice.
    linked = slack.wait_for(lambda: [r for r in slack.responses() if channel.id in r.text])
    assert linked[0].response_type == "ephemeral"
    notice = slack.wait_for(lambda: slack.messages(running.announcements))
    assert f"<#{channel.id}>" in json.dumps(notice[-1].blocks)


def test_the_incident_is_stored_with_its_channel_and_announcement(running: Running) -> None:
    channel = declare(running)
    incidents = running.sitrep.deps.incidents
    incident = running.slack.wait_for(
        lambda: (i := incidents.by_channel(channel)) and i.announcement_ts and i
    )
    assert (incident.ref, incident.severity, incident.status) == (FIRST, "sev2", Status.DECLARED)
    assert incident.channel_name == CHANNEL
    assert incident.reporter == "U_ALICE"


def test_ids_increase_and_a_taken_channel_name_gets_a_suffix(running: Running) -> None:
    slack = running.slack
    slack.add_channel(f"inc-{YEAR}-0001-db-down", creator="U_DAVE")
    running.driver.command("declare sev1 DB down")
    running.driver.command("declare sev3 Search slow")
    assert slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-db-down-2"))
    assert slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0002-search-slow"))


def test_declare_without_arguments_opens_the_modal_and_submitting_declares(
    running: Running,
) -> None:
    slack = running.slack
    reply = running.driver.command("declare", user="U_BOB")
    assert reply.status == 200 and reply.body == ""
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    assert view.callback_id == Callback.DECLARE

    started = int(datetime(YEAR, 1, 1, tzinfo=UTC).timestamp())
    values = declare_form(
        "Payments failing", "sev1", description="All cards", started=started, commander="U_CAROL"
    )
    submitted = running.driver.submit(view.id, values, user="U_BOB")
    assert submitted.status == 200 and submitted.body == ""
    again = running.driver.submit(view.id, values, user="U_BOB")  # a double click on Declare
    assert again.status == 200

    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-payments-failing"))
    assert slack.wait_for(lambda: {"U_BOB", "U_CAROL"} <= slack.members(channel.id))
    incidents = running.sitrep.deps.incidents
    assert len(incidents.list_incidents(include_resolved=True)) == 1
    incident = incidents.find(None, channel.id)
    assert incident.severity == "sev1" and incident.description == "All cards"
    assert incident.impact_started_at == datetime(YEAR, 1, 1, tzinfo=UTC)
    assert incidents.roles(incident.id or 0) == {Role.COMMANDER: "U_CAROL"}
    # Declared from #general: the link comes back there, privately, once.
    told = slack.wait_for(lambda: [r for r in slack.responses() if r.text])
    assert [(r.text, r.response_type) for r in told] == [
        (f":rotating_light: {FIRST} is declared. Join <#{channel.id}>.", "ephemeral")
    ]


def test_the_modal_explains_what_is_missing(running: Running) -> None:
    slack = running.slack
    running.driver.command("declare", user="U_BOB")
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    values = declare_form("   ", None)
    reply = running.driver.submit(view.id, values, user="U_BOB")
    assert reply.json == {
        "response_action": "errors",
        "errors": {
            Field.TITLE: "Give the incident a short title.",
            Field.SEVERITY: "Choose a severity.",
        },
    }
    assert running.sitrep.deps.incidents.list_incidents(include_resolved=True) == []


def test_the_modal_prefills_what_the_command_gave(running: Running) -> None:
    running.driver.command("declare sev3 Search is slow", user="U_BOB")  # complete: no modal
    running.driver.command("declare Login errors", user="U_CAROL")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_CAROL"))
    title = next(b for b in view.blocks if b["block_id"] == Field.TITLE)
    assert title["element"]["initial_value"] == "Login errors"
    assert running.slack.open_views("U_BOB") == []


def test_the_global_shortcut_opens_the_modal(running: Running) -> None:
    reply = running.driver.shortcut(Callback.DECLARE, user="U_DAVE")
    assert reply.status == 200
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_DAVE"))
    assert view.title == "Declare an incident"


def test_private_incidents_get_a_private_channel_and_no_announcement(running: Running) -> None:
    slack = running.slack
    running.driver.command("declare", user="U_BOB")
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    values = declare_form("Suspicious logins", "sev2", private=True)
    running.driver.submit(view.id, values, user="U_BOB")
    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-suspicious-logins"))
    assert channel.is_private
    slack.wait_for(lambda: slack.pins(channel.id))
    slack.wait_for(lambda: [r for r in slack.responses() if channel.id in r.text])
    assert slack.messages(running.announcements) == []
    assert not [
        c
        for c in slack.calls_to("chat.postMessage")
        if c.args.get("channel") == running.announcements
    ]


def test_declaring_survives_slack_rate_limits(running: Running) -> None:
    slack = running.slack
    slack.rate_limit("conversations.create", times=1, retry_after=1)
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)
    channel = declare(running)
    creates = slack.calls_to("conversations.create")
    assert [(c.status, c.args["name"]) for c in creates] == [(429, CHANNEL), (200, CHANNEL)]
    posts = slack.calls_to("chat.postMessage")
    assert posts[0].status == 429 and posts[1].args == posts[0].args  # re-sent after Retry-After
    assert len(slack.pins(channel)) == 1


def test_a_slack_failure_is_reported_to_the_declarer_in_plain_words(running: Running) -> None:
    slack = running.slack
    slack.fail_next("conversations.create", "restricted_action")
    reply = running.driver.command("declare sev2 Checkout API returning 500s")
    assert FIRST in reply.json["text"]
    told = slack.wait_for(lambda: [r for r in slack.responses() if "couldn't create" in r.text])
    assert "doesn't let me do that" in told[0].text
    assert running.sitrep.deps.incidents.find(FIRST, None).channel_id is None


def test_declaring_records_the_first_timeline_entry(running: Running) -> None:
    channel = declare(running)
    incident = running.sitrep.deps.incidents.find(None, channel)
    summary = running.sitrep.deps.incidents.summary(incident.id or 0)
    # The title names an API: a category is suggested after the declaration.
    assert [e.kind for e in summary.recent] == [EntryKind.DECLARED, EntryKind.CATEGORY_SUGGESTED]


def test_an_incident_whose_process_died_before_its_channel_gets_one_on_restart(
    running: Running,
) -> None:
    incidents = running.sitrep.deps.incidents
    # What a process that died right after acknowledging leaves behind: a stored incident.
    stranded = incidents.declare(
        Declaration(title="Checkout API returning 500s", severity="sev2", reporter="U_ALICE")
    )
    assert incidents.awaiting_room() == []  # within the grace period it may still be opening
    assert [i.id for i in incidents.awaiting_room(grace=timedelta(0))] == [stranded.id]
    running.sitrep.recover(grace=timedelta(0))
    channel = running.slack.wait_for(lambda: running.slack.channel_by_name(CHANNEL))
    assert running.slack.pins(channel.id)
    assert incidents.find(FIRST, None).channel_id == channel.id


def test_a_room_that_failed_to_open_is_opened_by_the_next_recovery(running: Running) -> None:
    slack = running.slack
    slack.fail_next("conversations.create", "restricted_action")
    running.driver.command("declare sev2 Checkout API returning 500s")
    slack.wait_for(lambda: [r for r in slack.responses() if "couldn't create" in r.text])
    running.sitrep.recover(grace=timedelta(0))  # what the scheduler's tick does
    channel = slack.wait_for(lambda: slack.channel_by_name(CHANNEL))
    assert len(slack.pins(channel.id)) == 1
    assert running.sitrep.deps.incidents.find(FIRST, None).room_opened_at is not None


def test_a_half_opened_room_is_finished_not_duplicated(running: Running) -> None:
    slack = running.slack
    slack.fail_next("chat.postMessage", "internal_error")  # the announcement fails
    running.driver.command("declare sev2 Checkout API returning 500s")
    told = slack.wait_for(lambda: [r for r in slack.responses() if "announcement" in r.text])
    assert "couldn't post the announcement" in told[0].text
    channel = slack.channel_by_name(CHANNEL)
    assert channel is not None and slack.pins(channel.id) == []
    running.sitrep.recover(grace=timedelta(0))
    assert len(slack.wait_for(lambda: slack.pins(channel.id))) == 1
    assert [c.args["name"] for c in slack.calls_to("conversations.create")] == [CHANNEL]
    assert running.sitrep.recover(grace=timedelta(0)) is None
    assert len(slack.pins(channel.id)) == 1


def test_a_change_recorded_by_a_process_that_died_before_posting_it_is_posted_once(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    assert incident.id is not None
    # What a process that died between storing a change and posting it leaves behind.
    incidents.add_note(incident.id, "U_ALICE", "Failing over to the replica")
    running.sitrep.recover()
    assert not [m for m in running.slack.messages(channel) if "Failing over" in m.all_text]

    clock.advance(minutes=3)  # past the grace in which its own process may still post it
    running.sitrep.recover()
    running.sitrep.recover()

    posts = [m for m in running.slack.messages(channel) if "Failing over" in m.all_text]
    assert len(posts) == 1
    assert incidents.awaiting_posts() == []
