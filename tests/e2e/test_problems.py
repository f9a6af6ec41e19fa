"""Problem records and recurrence detection, through signed slash commands and the buttons
of the recurrence post, against the fake Slack."""

from bot.incidents import Declaration
from bot.naming import channel_name
from models import EntryKind, ProblemStatus
from tests.e2e.conftest import Running
from tests.e2e.test_declare import YEAR
from tests.e2e.test_lifecycle import posts


def ref(number: int) -> str:
    return f"INC-{YEAR}-{number:04d}"


def open_incident(running: Running, number: int, title: str, *, services: str | None = None) -> str:
    """Declares incident `number` by command (and sets its services in its channel); returns
    the channel ID once Sitrep has finished."""
    slack = running.slack
    assert running.driver.command(f"declare sev2 {title}", user="U_ALICE").status == 200
    name = channel_name("inc", ref(number), title)
    channel = slack.wait_for(lambda: slack.channel_by_name(name)).id
    slack.wait_for(lambda: [r for r in slack.responses() if f"<#{channel}>" in r.text])
    if services:
        reply = running.driver.command(f"services {services}", user="U_ALICE", channel=channel)
        assert reply.status == 200
        running.slack.wait_for(
            lambda: [p for p in posts(running, channel) if "set the affected services" in p]
        )
    return channel


def timeline_kinds(running: Running, channel: str) -> list[EntryKind]:
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    return [e.kind for e in incidents.timeline(incident.id or 0)]


def recurrence_posts(running: Running, channel: str) -> list[str]:
    return [p for p in posts(running, channel) if "in 90 days" in p]


def test_a_problem_opened_in_an_incident_channel_links_the_incident(running: Running) -> None:
    channel = open_incident(running, 1, "Orders DB connection pool exhausted")
    command = running.driver.command

    reply = command("problem new Orders DB pool too small", user="U_BOB", channel=channel)
    assert reply.status == 200
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "*PRB-0001*" in p and "<@U_BOB>" in p]
    )
    incident = running.sitrep.deps.incidents.find(None, channel)
    problem = running.sitrep.deps.problems.get("PRB-0001")
    assert incident.problem_id == problem.id
    assert problem.title == "Orders DB pool too small" and problem.created_by == "U_BOB"
    assert problem.category == "Database/connection pool"  # the suggestion, copied

    shown = command("problem", user="U_CAROL", channel=channel)
    for fact in ("PRB-0001", "Orders DB pool too small", "Open", ref(1), "_unassigned_"):
        assert fact in shown.text
    assert "PRB-0001" in command("show", user="U_CAROL", channel=channel).text
    assert EntryKind.PROBLEM_LINKED in timeline_kinds(running, channel)


def test_link_relink_and_unlink_are_recorded_and_posted(running: Running) -> None:
    command = running.driver.command
    opened = command("problem new Payment webhooks time out", user="U_ALICE")
    assert "PRB-0001" in opened.text and opened.json["response_type"] == "ephemeral"
    channel = open_incident(running, 1, "Webhooks failing")

    linked = command(f"problem link prb-0001 {ref(1)}", user="U_ALICE")
    assert f"{ref(1)}" in linked.text and "PRB-0001" in linked.text
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "linked this incident to *PRB-0001*" in p]
    )
    again = command("problem link PRB-0001", user="U_ALICE", channel=channel)
    assert "already" in again.text

    command("problem new Webhook signer bug", user="U_ALICE")
    command("problem link PRB-0002", user="U_BOB", channel=channel)
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "from *PRB-0001* to *PRB-0002*" in p]
    )
    command("problem unlink", user="U_BOB", channel=channel)
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "unlinked this incident from" in p]
    )
    assert running.sitrep.deps.incidents.find(None, channel).problem_id is None
    assert timeline_kinds(running, channel).count(EntryKind.PROBLEM_LINKED) == 2
    assert "not linked to a problem" in command("problem unlink", channel=channel).text
    assert "Webhooks failing" not in command("problem PRB-0002").text  # no longer linked


def test_status_owner_and_list(running: Running) -> None:
    command = running.driver.command
    command("problem new Disk fills on batch hosts", user="U_ALICE")
    command("problem new Cert rotation is manual", user="U_ALICE")

    refused = command("problem status PRB-0001 known-error", user="U_BOB")
    assert "workaround" in refused.text
    assert running.sitrep.deps.problems.get("PRB-0001").status is ProblemStatus.OPEN

    command("problem status PRB-0001 known-error Rotate logs by hand: logrotate -f", user="U_BOB")
    command("problem owner PRB-0001 <@U_CAROL|carol>", user="U_BOB")
    shown = command("problem PRB-0001", user="U_DAVE").text
    for fact in ("Known error", "logrotate -f", "<@U_CAROL>"):
        assert fact in shown

    command("problem status PRB-0002 resolved Automated with cert-manager", user="U_BOB")
    resolved = running.sitrep.deps.problems.get("PRB-0002")
    assert resolved.status is ProblemStatus.RESOLVED and resolved.resolved_at is not None
    listed = command("problem list", user="U_DAVE").text
    assert "PRB-0001" in listed and "PRB-0002" not in listed
    assert "PRB-0002" in command("problem list all", user="U_DAVE").text

    command("problem status PRB-0002 open It came back", user="U_BOB")
    assert running.sitrep.deps.problems.get("PRB-0002").resolved_at is None


def test_problem_status_and_owner_changes_are_audited(running: Running) -> None:
    command = running.driver.command
    command("problem new Disk fills on batch hosts", user="U_ALICE")
    command("problem status PRB-0001 known-error", user="U_BOB")  # refused: not audited
    command("problem status PRB-0001 known-error Rotate logs by hand", user="U_BOB")
    command("problem owner PRB-0001 <@U_CAROL|carol>", user="U_BOB")
    command("problem owner PRB-0001 <@U_CAROL|carol>", user="U_BOB")  # no change: not audited
    command("problem status PRB-0001 resolved Automated", user="U_CAROL")

    assert running.audited() == [
        ("U_ALICE", "problem_opened", "slash_command", "PRB-0001"),
        ("U_BOB", "problem_status", "slash_command", "PRB-0001"),
        ("U_BOB", "problem_owner", "slash_command", "PRB-0001"),
        ("U_CAROL", "problem_status", "slash_command", "PRB-0001"),
    ]
    audit = running.sitrep.deps.audit
    rows = audit.export(None, audit.query("PRB-0001"))
    assert len(rows) == 4
    assert '"note": "Rotate logs by hand"' in rows[1]["details"]
    assert '"to": "U_CAROL"' in rows[2]["details"]


def test_bad_problem_commands_are_answered_and_change_nothing(running: Running) -> None:
    command = running.driver.command
    command("problem new Flaky DNS resolver", user="U_ALICE")
    for text, answer in (
        ("problem PRB-9999", "can't find a problem called `PRB-9999`"),
        ("problem status PRB-0001 fixed", "not a problem status"),
        ("problem status PRB-9999 resolved", "can't find a problem"),
        ("problem new", "What is the problem"),
        ("problem new " + "x" * 201, "keep it under 200"),
        ("problem link", "Which problem"),
        ("problem link PRB-0001", "This isn't an incident channel"),
        ("problem owner PRB-0001 carol", "Mention the person"),
        ("problem status PRB-0001 known-error " + "y" * 1001, "keep it under 1000"),
        ("problem frobnicate", "/incident problem"),
    ):
        reply = command(text, user="U_BOB")
        assert reply.status == 200
        assert reply.json["response_type"] == "ephemeral"
        assert answer in reply.text, (text, reply.text)
    problems = running.sitrep.deps.problems
    assert [p.ref for p, _ in problems.list_problems(include_resolved=True)] == ["PRB-0001"]
    assert problems.get("PRB-0001").status is ProblemStatus.OPEN
    assert problems.get("PRB-0001").owner is None


def test_the_third_incident_is_told_of_the_recurrence_and_opens_a_problem(
    running: Running,
) -> None:
    first = open_incident(running, 1, "Orders DB connection pool exhausted", services="orders-db")
    second = open_incident(running, 2, "Too many connections on orders DB", services="orders-db")
    assert recurrence_posts(running, first) == []
    third = open_incident(running, 3, "Orders DB connection pool exhausted again",
                          services="orders-db, checkout-api")  # fmt: skip
    slack = running.slack
    [post] = slack.wait_for(lambda: recurrence_posts(running, third))
    assert "3rd *Database/connection pool* incident on *orders-db* in 90 days" in post
    assert ref(1) in post and ref(2) in post
    assert recurrence_posts(running, second) == []
    message = next(m for m in slack.messages(third) if "in 90 days" in m.all_text)
    assert "Link to" not in message.all_text  # no earlier problem to offer

    # Two clicks sent before the post changes: one problem, and a polite answer.
    clicks = [slack.click(third, message.ts, "problem.open", user) for user in ("U_BOB", "U_CAROL")]
    assert [running.driver.interact(c).status for c in clicks] == [200, 200]
    slack.wait_for(
        lambda: [r for r in slack.responses() if "already belongs to PRB-0001" in r.text]
    )
    problems = running.sitrep.deps.problems
    assert [p.ref for p, _ in problems.list_problems(include_resolved=True)] == ["PRB-0001"]
    problem = problems.get("PRB-0001")
    assert problem.services == ["orders-db", "checkout-api"]
    assert problem.title == "Orders DB connection pool exhausted again"
    updated = slack.wait_for(
        lambda: (m := slack.message(third, message.ts)) and "PRB-0001" in m.all_text and m
    )
    assert not [b for b in updated.blocks if b["type"] == "actions"]  # the buttons are gone

    # Told once: confirming the category checks again, and says nothing new.
    command = running.driver.command
    command("category Database/connection pool", user="U_BOB", channel=third)
    slack.wait_for(lambda: [p for p in posts(running, third) if "set the category to" in p])
    assert len(recurrence_posts(running, third)) == 1
    assert timeline_kinds(running, third).count(EntryKind.RECURRENCE) == 1


def test_a_recurrence_offers_the_problem_the_earlier_incidents_belong_to(
    running: Running,
) -> None:
    command = running.driver.command
    first = open_incident(running, 1, "Orders DB connection pool exhausted", services="orders-db")
    command("problem new Pool sized for last year's traffic", channel=first)
    second = open_incident(running, 2, "Orders DB connection pool full", services="orders-db")
    # One earlier incident is no recurrence yet: the second is linked by command.
    command("problem link PRB-0001", channel=second)
    third = open_incident(running, 3, "Orders DB connection pool errors", services="orders-db")
    slack = running.slack
    [post] = slack.wait_for(lambda: recurrence_posts(running, third))
    assert "PRB-0001" in post
    message = next(m for m in slack.messages(third) if "in 90 days" in m.all_text)

    assert running.driver.click(third, message.ts, "Link to PRB-0001", user="U_BOB").status == 200
    assert running.sitrep.deps.incidents.find(None, third).problem_id is not None
    slack.wait_for(
        lambda: [p for p in posts(running, third) if "linked this incident to *PRB-0001*" in p]
    )
    slack.wait_for(lambda: "<@U_BOB> linked" in slack.message(third, message.ts).all_text)
    shown = command("problem PRB-0001", user="U_DAVE").text
    assert all(ref(n) in shown for n in (1, 2, 3)) and "3 incidents" in shown


def test_a_problem_listing_keeps_private_incidents_private(running: Running) -> None:
    incidents = running.sitrep.deps.incidents
    secret = incidents.declare(
        Declaration(
            title="Suspicious logins from one ASN",
            severity="sev2",
            reporter="U_ALICE",
            private=True,
            commander="U_BOB",
        )
    )
    opened = running.sitrep.deps.rooms.open_room(secret.id or 0)
    assert opened is not None and opened.channel_id
    command = running.driver.command
    command("problem new Credential stuffing", user="U_BOB", channel=opened.channel_id)
    public = open_incident(running, 2, "Login page slow")
    command("problem link PRB-0001", user="U_ALICE", channel=public)

    stranger = command("problem PRB-0001", user="U_DAVE").text
    assert "Login page slow" in stranger
    assert "Suspicious logins" not in stranger and secret.ref not in stranger
    assert "1 private incident" in stranger
    assert "Suspicious logins" in command("problem PRB-0001", user="U_BOB").text
    problem = running.sitrep.deps.problems.get("PRB-0001")
    assert "Suspicious" not in problem.title
