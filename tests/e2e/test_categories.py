"""Categories, tags, detection method and scope of impact, through signed slash commands
and the suggested category's Confirm button."""

import threading
from concurrent.futures import ThreadPoolExecutor

from bot.adapters.slack.ids import Action, Field
from models import Detection, ImpactScope
from tests.e2e.conftest import Running
from tests.e2e.harness import Reply, declare_form
from tests.e2e.test_declare import YEAR, declare
from tests.e2e.test_lifecycle import posts, wait_shown


def suggestion(running: Running, channel: str) -> str:
    """The ts of Sitrep's post suggesting a category."""
    slack = running.slack
    return slack.wait_for(
        lambda: next(
            (m.ts for m in slack.messages(channel) if m.bot_id and "Looks like" in m.all_text),
            None,
        )
    )


def test_the_suggested_category_is_confirmed_with_one_click(running: Running) -> None:
    channel = declare(running)  # "Checkout API returning 500s"
    ts = suggestion(running, channel)
    assert "*Application/API*" in running.slack.message(channel, ts).all_text

    reply = running.driver.click(channel, ts, "Confirm", user="U_BOB")
    assert reply.status == 200
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.category == "Application/API"  # stored before the ack
    wait_shown(running, channel, "*Category:* Application/API")
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "confirmed the category" in p]
    )

    running.driver.click(channel, ts, "Confirm", user="U_CAROL")
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "already categorised" in r.text]
    )


def test_racing_confirmations_set_the_category_once(running: Running) -> None:
    channel = declare(running)
    ts = suggestion(running, channel)
    barrier = threading.Barrier(3)

    def click(user: str) -> Reply:
        barrier.wait()
        return running.driver.click(channel, ts, "Confirm", user=user)

    with ThreadPoolExecutor(max_workers=3) as pool:
        replies = list(pool.map(click, ["U_BOB", "U_CAROL", "U_DAVE"]))
    assert [r.status for r in replies] == [200, 200, 200]
    told = running.slack.wait_for(
        lambda: (
            [r for r in running.slack.responses() if "already categorised" in r.text]
            if len([r for r in running.slack.responses() if "already categorised" in r.text]) == 2
            else None
        )
    )
    assert len(told) == 2
    incident = running.sitrep.deps.incidents.find(None, channel)
    changes = [
        e for e in running.sitrep.deps.incidents.timeline(incident.id or 0)
        if e.kind.value == "category_changed"
    ]  # fmt: skip
    assert len(changes) == 1


def test_commands_set_category_tags_detection_and_scope(running: Running) -> None:
    channel = declare(running)
    command = running.driver.command

    assert command("category database/replication", user="U_BOB", channel=channel).status == 200
    assert command("tag #EU-West-1 primary primary", user="U_BOB", channel=channel).status == 200
    assert command("detection user-report", user="U_BOB", channel=channel).status == 200
    assert command("scope company-wide", user="U_BOB", channel=channel).status == 200

    wait_shown(
        running,
        channel,
        "*Category:* Database/replication",
        "`eu-west-1` `primary`",
        "*Detected by:* user report",
        "*Scope:* company-wide",
    )
    running.slack.wait_for(
        lambda: (
            len(
                [
                    p
                    for p in posts(running, channel)
                    if "set the category to *Database/replication*" in p
                    or "tagged it `eu-west-1` `primary`" in p
                    or "detection method: *user report*" in p
                    or "scope of impact: *company-wide*" in p
                ]
            )
            == 4
        )
    )

    wrong = command("category Database/sharding", user="U_BOB", channel=channel)
    assert "not a category" in wrong.json["text"] and "Database/replication" in wrong.json["text"]
    again = command("category Database/replication", user="U_BOB", channel=channel)
    assert "already categorised" in again.json["text"]
    bad = command("scope galaxy", user="U_BOB", channel=channel)
    assert "/incident scope" in str(bad.json)


def test_the_declare_form_records_detection_and_scope(running: Running) -> None:
    slack = running.slack
    running.driver.command("declare", user="U_BOB")
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    values = declare_form("Payroll export stuck", "sev3")

    for field, value in ((Field.DETECTION, "internal"), (Field.IMPACT_SCOPE, "department")):
        values[field] = {field: {"type": "static_select", "selected_option": {"value": value}}}
    assert running.driver.submit(view.id, values, user="U_BOB").status == 200

    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-payroll-export-stuck"))
    slack.wait_for(lambda: slack.pins(channel.id))
    wait_shown(running, channel.id, "*Detected by:* internal", "*Scope:* department")
    incident = running.sitrep.deps.incidents.find(None, channel.id)
    assert (incident.detection, incident.impact_scope) == (
        Detection.INTERNAL, ImpactScope.DEPARTMENT,
    )  # fmt: skip


def test_another_category_is_chosen_from_the_suggestion(running: Running) -> None:
    channel = declare(running)  # suggested Application/API
    ts = suggestion(running, channel)
    reply = running.driver.choose(
        channel, ts, Action.CHOOSE_CATEGORY, "Database/connection pool", user="U_BOB"
    )
    assert reply.status == 200
    assert running.sitrep.deps.incidents.find(None, channel).category == "Database/connection pool"
    wait_shown(running, channel, "*Category:* Database/connection pool")

    # A value the taxonomy does not have (a forged payload) changes nothing, and says so.
    forged = running.slack.click(channel, ts, Action.CHOOSE_CATEGORY, "U_BOB", "Security")
    forged["actions"][0]["selected_option"]["value"] = "Nonsense/thing"
    assert running.driver.interact(forged).status == 200
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "is not a category" in r.text]
    )
    assert running.sitrep.deps.incidents.find(None, channel).category == "Database/connection pool"
