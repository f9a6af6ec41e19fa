"""Closing with discipline, as people meet it: the closing checklist (refused with what is
missing, filled in its form, waivers recorded), a workaround handed over to a problem
record, and the verification window; signed Slack requests in, the fake Slack read back,
on SQLite and PostgreSQL."""

import json
from typing import Any

import pytest

from bot.adapters.slack.ids import Action, Field
from bot.config import DEFAULT_SEVERITIES, Policy, Service
from models import EntryKind, Fix, Status
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import close_form, tick
from tests.e2e.test_lifecycle import announcement, posts, wait_shown
from tests.e2e.test_search import declare
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    """SEV2 watched for a minute after resolution (the default is no window)."""
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    severities = tuple(
        s.model_copy(update={"verification_window": "1m"}) if s.key == "sev2" else s
        for s in DEFAULT_SEVERITIES
    )
    services = (Service(name="orders-db", team="data-platform"), Service(name="search"))
    return Policy(announcements_channel=channel.id, severities=severities, services=services)


def form_of(running: Running, user: str) -> Any:
    [view] = running.slack.wait_for(lambda: running.slack.open_views(user))
    return view


def submit(running: Running, view_id: str, user: str, **answers: Any) -> dict[str, Any]:
    reply = running.driver.submit(view_id, close_form(**answers), user=user)
    assert reply.status == 200
    return reply.json if reply.body else {}


def status(running: Running, channel: str) -> Status:
    return running.sitrep.deps.incidents.find(None, channel).status


def test_close_is_refused_naming_what_is_missing_and_the_form_completes_it(
    running: Running,
) -> None:
    channel = declare(running, "declare sev3 Search results stale", "U_ALICE")
    running.driver.command("resolve Reindexed the catalogue", channel=channel)

    refused = running.driver.command("status closed", channel=channel)
    assert refused.json["response_type"] == "ephemeral"
    said = refused.json["text"]
    for missing in ("root cause", "category", "follow-up", "runbook review"):
        assert missing in said
    assert "resolution summary" not in said  # recorded by the resolve
    assert status(running, channel) is Status.RESOLVED

    assert running.driver.command("close", channel=channel).body == ""
    form = form_of(running, "U_ALICE")
    shown = json.dumps(form.blocks)
    assert "Reindexed the catalogue" in shown  # done, shown as such
    inputs = {b["block_id"] for b in form.blocks if b["type"] == "input"}
    assert Field.CLOSE_RESOLUTION not in inputs
    assert {Field.CLOSE_ROOT_CAUSE, Field.CLOSE_CATEGORY, Field.CLOSE_RUNBOOK} <= inputs

    # Half filled in: what was given is kept, what is missing is said next to its field.
    errors = submit(running, form.id, "U_ALICE", root_cause="A full reindex never ran")["errors"]
    assert set(errors) == {Field.CLOSE_CATEGORY, Field.CLOSE_FOLLOW_UP, Field.CLOSE_RUNBOOK}
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.root_cause == "A full reindex never ran"
    assert status(running, channel) is Status.RESOLVED

    done = submit(
        running, form.id, "U_ALICE", category="Application/batch",
        no_follow_up="The nightly reindex is already fixed", runbook="not_applicable",
    )  # fmt: skip
    assert "errors" not in done
    wait_shown(running, channel, ":lock: Closed")
    outcome = running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "moved the incident from" in p
                 and "Closed" in p] or None
    )  # fmt: skip
    assert "Follow-up: none needed: The nightly reindex is already fixed" in outcome[0]
    checklist = [e for e in running.sitrep.deps.incidents.timeline(incident.id or 0)
                 if e.kind is EntryKind.CHECKLIST]  # fmt: skip
    assert "no follow-up needed" in checklist[-1].text


def test_only_the_commander_waives_the_post_mortem(running: Running) -> None:
    channel = declare(running, "declare sev2 Payments slow", "U_ALICE")
    running.driver.command("role commander <@U_BOB>", channel=channel)
    running.driver.command("resolve Scaled the workers", channel=channel)
    running.driver.command("cause unknown", channel=channel)
    running.driver.command("category Application/API", channel=channel)
    running.driver.command("action Add a queue-depth alert @U_BOB", channel=channel)

    # The Close button on the announcement opens the checklist too.
    wait_shown(running, channel, '"text": "Close"')  # once the resolution is shown
    ts, _ = announcement(running, channel)
    running.driver.click(channel, ts, "Close", user="U_ALICE")
    form = form_of(running, "U_ALICE")
    inputs = {b["block_id"] for b in form.blocks if b["type"] == "input"}
    assert inputs == {Field.CLOSE_POSTMORTEM, Field.CLOSE_RUNBOOK}  # the rest is done

    errors = submit(running, form.id, "U_ALICE", waiver="Small", runbook="reviewed")["errors"]
    assert "Only the commander may waive" in errors[Field.CLOSE_POSTMORTEM]
    assert status(running, channel) is Status.RESOLVED

    running.driver.click(channel, ts, "Close", user="U_BOB")
    bobs = form_of(running, "U_BOB")
    answer = submit(running, bobs.id, "U_BOB", waiver="Reviewed in the weekly ops meeting",
                    runbook="reviewed")  # fmt: skip
    assert "errors" not in answer
    wait_shown(running, channel, ":lock: Closed")
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.closing["postmortem"] == "Reviewed in the weekly ops meeting"
    # The post-mortem drafted at resolution says, in its status line, how the incident closed.
    canvas = running.slack.wait_for(
        lambda: (c := running.slack.channel_canvas(channel)) and "checklist done" in c.markdown
        and c
    )  # fmt: skip
    assert "waived: Reviewed in the weekly ops meeting" in canvas.markdown


def test_a_workaround_opens_one_problem_record_linked_both_ways(running: Running) -> None:
    channel = declare(running, "declare sev2 Orders database connections maxed out", "U_ALICE")
    running.driver.command("services orders-db", channel=channel)
    running.driver.command("resolve workaround Restarted pgbouncer", channel=channel)
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    assert incident.fix is Fix.WORKAROUND and incident.problem_id is not None
    problem = running.sitrep.deps.problems.of_incident(incident)
    assert problem is not None and incident.ref in problem.title
    # Owned by the service's team, with the workaround applied as the way to live with it.
    assert (problem.team, problem.workaround) == ("data-platform", "Restarted pgbouncer")
    wait_shown(running, channel, "permanent fix pending")
    running.slack.wait_for(lambda: [p for p in posts(running, channel) if problem.ref in p] or None)

    # The same answer again, by button: told so, and still one problem.
    ts = running.slack.wait_for(
        lambda: next((m.ts for m in running.slack.messages(channel)
                      if "What was the fix" in m.all_text), None)
    )  # fmt: skip
    running.driver.click(channel, ts, "Temporary workaround", user="U_BOB")
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "already recorded" in r.text] or None
    )
    listed = running.driver.command("problem list").json
    assert json.dumps(listed).count("PRB-") == 1

    # The permanent fix, later: the flag goes; the problem stays to finish its work.
    running.driver.command("fix permanent", channel=channel)
    assert incidents.find(None, channel).fix is Fix.PERMANENT
    running.slack.wait_for(lambda: "fix pending" not in announcement(running, channel)[1])


def test_a_quiet_verification_window_asks_to_close_and_a_reopen_ends_it(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running, "declare sev2 Checkout errors", "U_ALICE")
    running.driver.command("role commander <@U_BOB>", channel=channel)
    running.driver.command("resolve Rolled back", channel=channel)
    wait_shown(running, channel, "monitoring until")

    # A recurrence inside the window: reopened, the same incident; then resolved again.
    running.driver.command("reopen it's back", channel=channel)
    wait_shown(running, channel, "Investigating")
    assert running.sitrep.deps.incidents.find(None, channel).monitoring_until is None
    running.driver.command("resolve Rolled back the second deploy too", channel=channel)

    tick(running)
    assert not [p for p in posts(running, channel) if "verification window" in p]
    clock.advance(minutes=2)
    tick(running)
    [asked] = running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel)
                 if "verification window" in m.all_text] or None
    )  # fmt: skip
    assert "<@U_BOB>" in asked.all_text
    tick(running)  # once per window, however often the scheduler looks
    assert len([m for m in running.slack.messages(channel)
                if "verification window" in m.all_text]) == 1  # fmt: skip


def test_verification_and_root_cause_by_command_and_bad_input(running: Running) -> None:
    channel = declare(running, "declare sev3 Slow search", "U_ALICE")
    refused = running.driver.command("verify reporter", channel=channel)
    assert "resolve it first" in refused.json["text"]
    running.driver.command("resolve Added an index", channel=channel)
    assert running.driver.command("verify monitor 2h", channel=channel).body == ""
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.monitoring_until is not None
    wait_shown(running, channel, "monitoring until")
    for text, said in (
        ("verify sometimes", "Say how it was verified"),
        ("verify monitor forever", "is not a duration"),
        ("verify monitor 30d", "within the next 14 days"),
        ("fix maybe", "Say `permanent` or `workaround`"),
        ("cause", "What was the root cause"),
    ):
        reply = running.driver.command(text, channel=channel)
        assert said in reply.json["text"], (text, reply.json)
    running.driver.command("cause The planner ignored the new index", channel=channel)
    assert (
        running.sitrep.deps.incidents.find(None, channel).root_cause
        == "The planner ignored the new index"
    )
    assert Action.MONITOR  # the monitor choice is offered under the resolution's post
    assert "Monitor for" in json.dumps(
        running.slack.wait_for(
            lambda: [m.blocks for m in running.slack.messages(channel)
                     if "What was the fix" in m.all_text] or None
        )
    )  # fmt: skip
