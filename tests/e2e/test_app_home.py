"""The App Home tab as a person sees it: their open action items (overdue first) with their
controls, the open incidents they are in, and the follow-through numbers, matching the data."""

import json
from datetime import timedelta
from typing import Any

from bot.adapters.slack.ids import Action, Field
from tests.e2e.conftest import FastForward, Running
from tests.e2e.harness import declare_form
from tests.e2e.test_action_items import posted
from tests.e2e.test_declare import declare
from tests.fakes.slack_api import View


def open_home(running: Running, user: str) -> View:
    """The person opens Sitrep's Home tab; returns the view Sitrep publishes."""
    before = running.slack.home_view(user)
    event = {"type": "app_home_opened", "user": user, "channel": "D_HOME", "tab": "home",
             "event_ts": "1.000001"}  # fmt: skip
    assert running.driver.event(event).status == 200
    return republished(running, user, before)


def republished(running: Running, user: str, before: View | None) -> View:
    old = before.hash if before else None
    return running.slack.wait_for(
        lambda: (view := running.slack.home_view(user)) is not None and view.hash != old and view
    )


def text(view: View) -> str:
    return json.dumps(view.blocks)


def use(running: Running, user: str, action_id: str, item_id: int, value: Any = None) -> View:
    """The person uses a control of one item in their Home tab; returns the redrawn tab."""
    before = running.slack.home_view(user)
    assert before is not None
    payload = running.slack.click_in_view(
        before.id, action_id, user, value, block_id=f"action_item.{item_id}"
    )
    assert running.driver.interact(payload).status == 200
    if action_id in (Action.COMPLETE_ITEM, Action.CANCEL_ITEM):
        return before
    return republished(running, user, before)


def test_the_home_tab_shows_my_items_overdue_first_my_incidents_and_follow_through(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running, user="U_ALICE")
    command = running.driver.command
    command("role commander <@U_BOB>", user="U_ALICE", channel=channel)
    command("action Tune the pool <@U_BOB> due:in 10d", user="U_ALICE", channel=channel)
    command("action Fix retries <@U_BOB> due:in 2d", user="U_ALICE", channel=channel)
    command("action Add an alert <@U_CAROL> due:in 5d", user="U_ALICE", channel=channel)
    posted(running, channel, "Add an alert")
    items = running.sitrep.deps.action_items
    [alert] = items.list("U_CAROL", "mine")
    assert alert.id is not None
    items.complete(alert.id, "U_CAROL", "PR 12")  # done in time
    clock.advance(days=3)  # "Fix retries" is overdue now

    home = text(open_home(running, "U_BOB"))
    assert "Your action items (2 open, 1 overdue)" in home
    assert home.index("Fix retries") < home.index("Tune the pool")  # overdue first
    assert "*overdue since" in home
    assert "Open incidents you're in (1)" in home and "Checkout API returning 500s" in home
    # Of the three items: one done within 30 days (of one whose outcome is known), one done
    # by its due date of two known (the other is overdue), two open.
    assert "*Done within 30d*\\n100% (1 of 1)" in home
    assert "*Done by their due date*\\n50% (1 of 2)" in home
    assert "*Open*\\n2 (1 overdue)" in home

    carol = text(open_home(running, "U_CAROL"))  # she completed an item of the incident
    assert "Your action items (0 open)" in carol and "Nothing on your plate" in carol
    assert "Open incidents you're in (1)" in carol
    dave = text(open_home(running, "U_DAVE"))
    assert "Open incidents you're in (0)" in dave and "1 other open" in dave


def test_items_are_worked_from_the_home_tab_which_redraws_itself(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    running.driver.command("action Fix retries <@U_BOB> due:in 3d", channel=channel)
    running.driver.command("action Tune the pool <@U_BOB> due:in 9d", channel=channel)
    posted(running, channel, "Tune the pool")
    fix, tune = running.sitrep.deps.action_items.list("U_BOB", "mine")
    assert fix.id is not None and tune.id is not None
    open_home(running, "U_BOB")

    moved = text(use(running, "U_BOB", Action.RESCHEDULE_ITEM, tune.id, "2031-03-01"))
    assert "due 2031-03-01" in moved
    posted(running, channel, "moved *Tune the pool* to 2031-03-01")
    refused = text(use(running, "U_BOB", Action.RESCHEDULE_ITEM, tune.id, "2020-01-01"))
    assert ":warning: 2020-01-01 is in the past" in refused

    given = text(use(running, "U_BOB", Action.REASSIGN_ITEM, tune.id, "U_CAROL"))
    assert "Tune the pool" not in given and "Your action items (1 open)" in given

    before = use(running, "U_BOB", Action.COMPLETE_ITEM, fix.id)
    [form] = running.slack.wait_for(lambda: running.slack.open_views("U_BOB"))
    proof = {Field.EVIDENCE: {Field.EVIDENCE: {"type": "plain_text_input", "value": "PR 7"}}}
    assert running.driver.submit(form.id, proof, user="U_BOB").status == 200
    done = text(republished(running, "U_BOB", before))
    assert "Nothing on your plate" in done
    assert "*Done within 30d*\\n100% (1 of 1)" in done
    posted(running, channel, "completed *Fix retries*: PR 7")


def a_fix_on_checkout(running: Running) -> None:
    """An incident on checkout-api whose action item Bob completed."""
    first = declare(running)
    running.driver.command("services checkout-api", channel=first)
    running.driver.command("action Raise the pool size <@U_BOB>", channel=first)
    posted(running, first, "Raise the pool size")
    [item] = running.sitrep.deps.action_items.list("U_BOB", "mine")
    assert item.id is not None
    running.sitrep.deps.action_items.complete(item.id, "U_BOB", "PR 3")


def test_a_fix_followed_by_another_incident_on_its_service_is_flagged(
    running: Running, clock: FastForward
) -> None:
    a_fix_on_checkout(running)
    clock.advance(days=20)
    running.driver.command("declare sev3 Checkout slow again", user="U_CAROL")
    again = running.slack.wait_for(
        lambda: running.slack.channel_by_name(f"inc-{clock().year}-0002-checkout-slow-again")
    )
    running.slack.wait_for(lambda: running.slack.pins(again.id))  # its room is open
    assert running.driver.command("services checkout-api", channel=again.id).body == ""

    home = text(open_home(running, "U_BOB"))
    assert "0 of 1 completed fix" in home
    assert "*Raise the pool size* (INC-" in home and "again in INC-" in home
    assert (clock() - timedelta(days=20)).date().isoformat() in home


def test_a_private_recurrence_counts_for_everyone_and_is_named_only_to_its_people(
    running: Running, clock: FastForward
) -> None:
    a_fix_on_checkout(running)
    clock.advance(days=2)
    running.driver.command("declare", user="U_CAROL")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_CAROL"))
    form = declare_form("Checkout keys leaked", "sev2", private=True)
    running.driver.submit(view.id, form, user="U_CAROL")
    secret = running.slack.wait_for(
        lambda: running.slack.channel_by_name(f"inc-{clock().year}-0002-checkout-keys-leaked")
    )
    running.slack.wait_for(lambda: running.slack.pins(secret.id))
    assert running.driver.command("services checkout-api", channel=secret.id).body == ""

    for viewer in ("U_BOB", "U_CAROL"):  # the same numbers for both
        assert "0 of 1 completed fix" in text(open_home(running, viewer))
    assert "again in INC-" in text(open_home(running, "U_CAROL"))  # hers to see
    assert "again in INC-" not in text(open_home(running, "U_BOB"))


def test_a_private_incident_is_not_in_the_home_tab_of_people_outside_it(
    running: Running,
) -> None:
    declare(running)  # a public one, by Alice: "1 other open" for Bob
    running.driver.command("declare", user="U_CAROL")
    [view] = running.slack.wait_for(lambda: running.slack.open_views("U_CAROL"))
    running.driver.submit(view.id, declare_form("Payroll keys leaked", "sev2", private=True),
                          user="U_CAROL")  # fmt: skip
    secret = running.slack.wait_for(
        lambda: next((c for c in running.slack.channels() if "payroll-keys" in c.name), None)
    )
    running.slack.wait_for(lambda: running.slack.pins(secret.id))
    running.driver.command("action Rotate the payroll keys", channel=secret.id, user="U_CAROL")

    outside = text(open_home(running, "U_BOB"))
    assert "Payroll" not in outside and "0002" not in outside
    assert "1 other open" in outside  # the public one only
    inside = text(open_home(running, "U_CAROL"))
    assert "Payroll keys leaked" in inside and "Rotate the payroll keys" in inside
