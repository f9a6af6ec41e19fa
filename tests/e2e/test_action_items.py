"""Action items as people make them: by command in the incident channel or by ID elsewhere,
listed, completed with evidence, reassigned, cancelled; private incidents stay private."""

from datetime import timedelta

import pytest

from bot.action_items import NewItem
from bot.adapters.slack.ids import Action, Field
from bot.errors import IncidentError, NothingChanged
from models import ActionStatus, EntryKind
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import declare_form
from tests.e2e.test_declare import FIRST, YEAR, declare


def posted(running: Running, channel: str, text: str) -> list[str]:
    return running.slack.wait_for(
        lambda: [m.all_text for m in running.slack.messages(channel) if text in m.all_text]
    )


def test_an_action_item_is_created_in_the_channel_and_recorded_on_the_timeline(
    running: Running,
) -> None:
    channel = declare(running)
    reply = running.driver.command(
        "action Alert on pool saturation <@U_BOB> due:in 2w p1", user="U_ALICE", channel=channel
    )
    assert reply.status == 200 and reply.body == ""  # the channel sees it
    [post] = posted(running, channel, "added an action item")
    today = running.sitrep.deps.action_items.today()
    due = today + timedelta(weeks=2)
    assert f"<@U_ALICE> added an action item for <@U_BOB> (P1, due {due})" in post
    [item] = running.sitrep.deps.action_items.list("U_BOB", "mine")
    assert (item.title, item.owner, item.priority, item.due_on) == (
        "Alert on pool saturation", "U_BOB", "p1", due
    )  # fmt: skip
    incident = running.sitrep.deps.incidents.find(None, channel)
    kinds = [e.kind for e in running.sitrep.deps.incidents.timeline(incident.id or 0)]
    assert EntryKind.ACTION_ITEM in kinds


def test_owner_defaults_to_the_author_and_due_date_to_the_priority(running: Running) -> None:
    declare(running)
    reply = running.driver.command(f"action {FIRST} Write the runbook p0", user="U_CAROL")
    today = running.sitrep.deps.action_items.today()
    assert reply.json["text"] == (
        f"{FIRST}: action item for <@U_CAROL>, due {today + timedelta(days=7)}."
    )
    reply = running.driver.command(f"action {FIRST} Tidy dashboards", user="U_CAROL")
    assert str(today + timedelta(days=30)) in reply.json["text"]  # P2 by default


def test_listing_shows_mine_overdue_and_all(running: Running, clock: FastForward) -> None:
    channel = declare(running)
    command = running.driver.command
    command("action Fix retries <@U_BOB> due:in 3d", user="U_ALICE", channel=channel)
    command("action Add alert <@U_CAROL> due:in 20d", user="U_ALICE", channel=channel)
    mine = command("actions", user="U_BOB")
    assert "Fix retries" in mine.text and "Add alert" not in mine.text
    assert "overdue" not in command("actions overdue", user="U_BOB").text.lower().split(":")[1]
    clock.advance(days=5)
    overdue = command("actions overdue", user="U_CAROL")
    assert "Fix retries" in overdue.text and "*overdue since" in overdue.text
    assert "Add alert" not in overdue.text
    everything = command(f"actions all {FIRST}", user="U_DAVE")
    assert "Fix retries" in everything.text and "Add alert" in everything.text


def test_complete_with_evidence_once_reassign_and_cancel(running: Running) -> None:
    channel = declare(running)
    incident = running.sitrep.deps.incidents.find(None, channel)
    items = running.sitrep.deps.action_items
    item = items.create(incident.id or 0, "U_ALICE", NewItem("Fix retries", owner="U_BOB"))
    assert item.id is not None
    with pytest.raises(IncidentError, match="needs evidence"):
        items.complete(item.id, "U_BOB", "  ")
    done = items.complete(item.id, "U_BOB", "https://git.example/pr/42")
    assert done.status is ActionStatus.DONE and done.evidence == "https://git.example/pr/42"
    with pytest.raises(NothingChanged, match="already done"):
        items.complete(item.id, "U_CAROL", "again")
    running.sitrep.deps.rooms.refresh(incident.id or 0)  # what a listener does after a change
    posted(running, channel, "completed *Fix retries*: https://git.example/pr/42")
    other = items.create(incident.id or 0, "U_ALICE", NewItem("Add alert"))
    assert other.id is not None
    assert items.reassign(other.id, "U_ALICE", "U_CAROL").owner == "U_CAROL"
    assert items.cancel(other.id, "U_CAROL", "covered by PR 42").status is ActionStatus.CANCELLED
    running.sitrep.deps.rooms.refresh(incident.id or 0)
    posted(running, channel, "cancelled *Add alert*: covered by PR 42")


def test_a_past_due_date_is_refused(running: Running) -> None:
    channel = declare(running)
    reply = running.driver.command("action Fix it due:2020-01-01", user="U_ALICE", channel=channel)
    assert "is in the past" in reply.text
    assert running.sitrep.deps.action_items.list("U_ALICE", "all") == []


def declare_private(running: Running, by: str = "U_BOB") -> str:
    """A private incident ("Secret"), declared through the form; returns its channel."""
    running.driver.command("declare", user=by)
    [view] = running.slack.wait_for(lambda: running.slack.open_views(by))
    running.driver.submit(view.id, declare_form("Secret", "sev2", private=True), user=by)
    channel = running.slack.wait_for(
        lambda: running.slack.channel_by_name(f"inc-{YEAR}-0001-secret")
    ).id
    running.slack.wait_for(lambda: running.slack.pins(channel))  # the room is open
    return channel


def test_action_items_of_a_private_incident_are_listed_only_to_its_people_and_owners(
    running: Running,
) -> None:
    channel = declare_private(running)
    running.driver.command("action Rotate keys", user="U_BOB", channel=channel)
    running.driver.command("action Audit access <@U_DAVE>", user="U_BOB", channel=channel)
    posted(running, channel, "Audit access")
    mine = running.driver.command("actions open", user="U_BOB").text
    assert "Rotate keys" in mine and "Audit access" in mine
    dave = running.driver.command("actions open", user="U_DAVE").text
    assert "Audit access" in dave and "Rotate keys" not in dave  # he owns one, not the other
    carol = running.driver.command("actions open", user="U_CAROL").text
    assert "Audit access" not in carol and "Rotate keys" not in carol


def test_listed_items_are_completed_reassigned_moved_and_cancelled_with_their_controls(
    running: Running,
) -> None:
    channel = declare(running)
    command, slack = running.driver.command, running.slack
    command("action Fix retries <@U_BOB> due:in 3d", user="U_ALICE", channel=channel)
    command("action Add alert <@U_BOB> due:in 9d", user="U_ALICE", channel=channel)
    listed = command("actions mine", user="U_BOB").json["blocks"]
    first, second = running.sitrep.deps.action_items.list("U_BOB", "mine")

    def use(action_id: str, item_id: int | None, value: str | None = None) -> None:
        payload = slack.click_ephemeral(
            slack.channel_by_name("general").id,  # type: ignore[union-attr]
            listed, action_id, "U_BOB", value, block_id=f"action_item.{item_id}",
        )  # fmt: skip
        assert running.driver.interact(payload).status == 200

    use(Action.REASSIGN_ITEM, first.id, "U_CAROL")
    use(Action.RESCHEDULE_ITEM, second.id, "2031-01-31")
    posted(running, channel, "gave *Fix retries* to <@U_CAROL>")
    posted(running, channel, "moved *Add alert* to 2031-01-31")

    use(Action.COMPLETE_ITEM, first.id)
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    empty = {Field.EVIDENCE: {Field.EVIDENCE: {"type": "plain_text_input", "value": " "}}}
    refused = running.driver.submit(view.id, empty, user="U_BOB")
    assert "needs evidence" in refused.json["errors"][Field.EVIDENCE]
    proof = {Field.EVIDENCE: {Field.EVIDENCE: {"type": "plain_text_input", "value": "PR 42"}}}
    assert running.driver.submit(view.id, proof, user="U_BOB").status == 200
    posted(running, channel, "completed *Fix retries*: PR 42")

    slack.close_views("U_BOB")
    use(Action.CANCEL_ITEM, second.id)
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    why = {Field.REASON: {Field.REASON: {"type": "plain_text_input", "value": "Not needed"}}}
    running.driver.submit(view.id, why, user="U_BOB")
    posted(running, channel, "cancelled *Add alert*: Not needed")
    statuses = [i.status for i in running.sitrep.deps.action_items.list("U_BOB", "all")]
    assert sorted(statuses) == [ActionStatus.CANCELLED, ActionStatus.DONE]


def test_export_without_jira_names_what_to_set_and_changes_nothing(running: Running) -> None:
    channel = declare(running)
    running.driver.command("action Fix retries", user="U_ALICE", channel=channel)
    reply = running.driver.command("action export", user="U_ALICE", channel=channel)
    assert "Jira is not set up: set JIRA_URL, JIRA_EMAIL, JIRA_API_TOKEN and JIRA_PROJECT" in (
        reply.text
    )
    [item] = running.sitrep.deps.action_items.list("U_ALICE", "mine")
    assert item.external_key is None
