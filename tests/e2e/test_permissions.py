"""Who may do what: the policy's `[permissions]` refuses others politely and privately, on
every surface (commands, buttons, the closing form), and changes nothing."""

import csv
import io
import json
from pathlib import Path

import pytest

from bot.adapters.slack.ids import Action
from bot.config import Policy
from bot.permissions import PermissionsPolicy
from models import EntryKind, Status
from tests.e2e.conftest import Running
from tests.e2e.harness import declare_form
from tests.e2e.test_declare import FIRST, YEAR, declare
from tests.e2e.test_lifecycle import announcement, wait_shown
from tests.e2e.test_startup import environment, run_app
from tests.fakes.slack_api import FakeSlack

ADMIN = "U_ADMIN"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    slack.add_user(ADMIN, "admin", "Ada Admin")
    slack.add_user("U_EVE", "eve", "Eve Evans")
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    permissions = PermissionsPolicy.model_validate(
        {
            "admins": [ADMIN],
            "change_severity": "members",
            "resolve": ["commander", "U_DAVE"],
            "close": "commander",
            "reopen": "admins",
        }
    )
    return Policy(announcements_channel=channel.id, permissions=permissions)


def refusals(running: Running, user: str) -> list[str]:
    """The ephemeral refusals Sitrep sent (to response URLs) so far."""
    return [
        r.text
        for r in running.slack.responses()
        if r.text.startswith("Sorry, only") and r.response_type == "ephemeral"
    ]


def entries(running: Running, channel: str, kind: EntryKind) -> list[str]:
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    return [e.author or "" for e in incidents.timeline(incident.id or 0) if e.kind is kind]


def test_a_stranger_may_not_change_severity_by_command_but_a_member_may(running: Running) -> None:
    channel = declare(running)  # declared by U_ALICE: a member
    reply = running.driver.command("sev 1 bigger than we thought", user="U_EVE", channel=channel)
    assert reply.json["response_type"] == "ephemeral"
    assert reply.json["text"].startswith("Sorry, only its members")
    assert "Nothing was changed" in reply.json["text"]
    assert running.sitrep.deps.incidents.find(None, channel).severity == "sev2"

    assert running.driver.command("sev 1", user="U_ALICE", channel=channel).body == ""
    assert running.sitrep.deps.incidents.find(None, channel).severity == "sev1"
    # Writing in the channel makes someone a member.
    running.driver.event(running.slack.user_joins(channel, "U_EVE"))
    running.driver.say(channel, "I can see the 500s from the EU too", user="U_EVE")
    running.slack.wait_for(lambda: "U_EVE" in entries(running, channel, EntryKind.MESSAGE))
    assert running.driver.command("sev 2", user="U_EVE", channel=channel).body == ""
    assert entries(running, channel, EntryKind.SEVERITY_CHANGED) == ["U_ALICE", "U_EVE"]


def test_a_stranger_choosing_a_severity_from_the_menu_is_told_privately(running: Running) -> None:
    channel = declare(running)
    ts, _ = announcement(running, channel)
    reply = running.driver.choose(channel, ts, Action.CHANGE_SEVERITY, "sev1", user="U_EVE")
    assert reply.status == 200
    [told] = running.slack.wait_for(lambda: refusals(running, "U_EVE"))
    assert "change the severity of" in told
    assert running.sitrep.deps.incidents.find(None, channel).severity == "sev2"
    assert entries(running, channel, EntryKind.SEVERITY_CHANGED) == []


def test_resolving_is_for_the_commander_and_named_people(running: Running) -> None:
    channel = declare(running)
    ts, _ = announcement(running, channel)
    running.driver.click(channel, ts, "Claim commander", user="U_CAROL")
    wait_shown(running, channel, "*Commander*\\n<@U_CAROL>")

    running.driver.click(channel, ts, "Resolve", user="U_ALICE")
    [told] = running.slack.wait_for(lambda: refusals(running, "U_ALICE"))
    assert "its commander (<@U_CAROL>), <@U_DAVE> or Sitrep's admins may resolve" in told
    reply = running.driver.command("resolve all good", user="U_BOB", channel=channel)
    assert reply.json["text"].startswith("Sorry, only")
    assert running.sitrep.deps.incidents.find(None, channel).status is Status.DECLARED

    assert running.driver.command("resolve fixed", user="U_DAVE", channel=channel).body == ""
    assert running.sitrep.deps.incidents.find(None, channel).status is Status.RESOLVED
    # Reopening is for admins only; they may do anything.
    reply = running.driver.command("reopen it's back", user="U_CAROL", channel=channel)
    assert "Sitrep's admins may reopen" in reply.json["text"]
    assert running.driver.command("reopen it's back", user=ADMIN, channel=channel).body == ""
    assert running.sitrep.deps.incidents.find(None, channel).status is Status.INVESTIGATING


def test_the_close_button_does_not_open_the_checklist_for_someone_refused(
    running: Running,
) -> None:
    channel = declare(running)
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    incidents.resolve(incident.id or 0, "", "fixed")  # Sitrep itself may: no actor
    running.sitrep.deps.rooms.refresh(incident.id or 0)
    ts, shown = announcement(running, channel)
    assert '"Close"' in shown
    running.driver.click(channel, ts, "Close", user="U_BOB")
    [told] = running.slack.wait_for(lambda: refusals(running, "U_BOB"))
    assert "may close" in told
    assert running.slack.open_views("U_BOB") == []
    assert incidents.find(None, channel).status is Status.RESOLVED


def test_admin_commands_are_for_admins(running: Running) -> None:
    reply = running.driver.command("export 30d", user="U_BOB")
    assert reply.json["response_type"] == "ephemeral"
    assert reply.json["text"].startswith("Sorry, only Sitrep's admins may export incidents")
    reply = running.driver.command("export 30d", user=ADMIN)
    assert "Exporting the incidents" in reply.json["text"]
    running.slack.wait_for(lambda: running.slack.files())
    assert running.sitrep.deps.incidents.permissions.is_admin(ADMIN)
    assert not running.sitrep.deps.incidents.permissions.is_admin("U_BOB")


def test_changes_are_audited_with_their_surface_and_only_admins_read_the_log(
    running: Running,
) -> None:
    slack = running.slack
    assert running.driver.command("declare", user="U_BOB").body == ""
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    running.driver.submit(view.id, declare_form("Payments failing", "sev2"), user="U_BOB")
    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-payments-failing"))
    [pinned] = slack.wait_for(lambda: slack.pins(channel.id))
    running.driver.click(channel.id, pinned.ts, "Investigating", user="U_BOB")
    assert running.driver.command("sev 1", user="U_BOB", channel=channel.id).body == ""
    running.driver.command("sev 3", user="U_EVE", channel=channel.id)  # refused: not audited

    audit = running.sitrep.deps.audit
    logged = [
        (e.actor, e.action, e.surface)
        for e in audit.find(ADMIN, audit.query(FIRST))
        if e.action != "category_suggested"
    ]
    assert logged == [
        ("U_BOB", "severity_changed", "slash_command"),
        ("U_BOB", "status_changed", "button"),
        ("U_BOB", "declared", "modal"),
    ]

    reply = running.driver.command("admin audit 7d", user="U_BOB")
    assert reply.json["response_type"] == "ephemeral"
    assert reply.json["text"].startswith("Sorry, only Sitrep's admins may read the audit log")
    reply = running.driver.command(f"admin audit {FIRST}", user=ADMIN)
    assert reply.json["response_type"] == "ephemeral"
    shown = reply.text
    assert f"Audit log: {FIRST}" in shown
    assert "*severity_changed*" in shown and "slash_command" in shown and "<@U_BOB>" in shown


def test_admins_export_the_audit_log_as_csv_by_direct_message(running: Running) -> None:
    channel = declare(running)
    running.driver.command("note -1 rollback started", user="U_ALICE", channel=channel)
    refused = running.driver.command("admin audit export 7d", user="U_BOB")
    assert refused.json["text"].startswith("Sorry, only Sitrep's admins may export the audit log")

    reply = running.driver.command(f"admin audit export {FIRST}", user=ADMIN)
    assert reply.json["response_type"] == "ephemeral"
    assert f"Exporting the audit log of {FIRST} as CSV" in reply.json["text"]
    slack = running.slack
    [shared] = slack.wait_for(lambda: [m for m in slack.direct_messages(ADMIN) if m.files])
    upload = slack.file(shared.files[0]["id"])
    assert upload.name == f"audit-{FIRST.lower()}.csv"
    rows = list(csv.DictReader(io.StringIO(upload.text)))
    assert list(rows[0]) == ["at", "actor", "action", "surface", "target", "details"]
    actions = [(r["actor"], r["action"], r["surface"], r["target"]) for r in rows]
    assert actions[0] == ("U_ALICE", "declared", "slash_command", FIRST)  # oldest first
    assert ("U_ALICE", "note", "slash_command", FIRST) in actions
    assert f"{len(rows)} entries of the audit log, {FIRST}" in shared.text
    assert slack.direct_messages("U_BOB") == []


def test_the_command_line_writes_the_audit_log(
    running: Running, database_url: str, tmp_path: Path
) -> None:
    channel = declare(running)
    assert running.driver.command("sev 1", user="U_ALICE", channel=channel).body == ""
    out = tmp_path / "audit.csv"
    env = environment(DATABASE_URL=database_url)
    result = run_app("audit", "7d", "--output", str(out), env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert f"wrote {len(rows)} audit entries" in result.stderr
    assert [r["action"] for r in rows if r["actor"] == "U_ALICE"] == [
        "declared", "severity_changed",
    ]  # fmt: skip
    one = run_app("audit", FIRST, "--format", "json", env=env, cwd=tmp_path)
    assert {r["target"] for r in json.loads(one.stdout)} == {FIRST}
    bad = run_app("audit", "fortnight", env=env, cwd=tmp_path)
    assert bad.returncode == 2 and "is not a range" in bad.stderr
