"""Action items made from what is already there: a message in the incident channel (the
"Create action item" shortcut) and the post-mortem's proposals (accepted one by one)."""

from datetime import timedelta
from typing import Any

import pytest

from bot.adapters.slack.ids import Action, Callback, Field
from models import ActionStatus
from tests.e2e.conftest import Running
from tests.e2e.test_action_items import posted
from tests.e2e.test_declare import declare
from tests.e2e.test_postmortem import canvas_of, resolve_and_wait_for_the_draft, work_the_incident
from tests.e2e.test_postmortem_claude import narrative
from tests.fakes.anthropic_api import FakeAnthropic, Reply


def form(title: str | None = None, **picked: Any) -> dict[str, Any]:
    """The create form's view.state.values as Slack sends them."""
    values: dict[str, Any] = {
        Field.ITEM_PRIORITY: {
            "type": "static_select",
            "selected_option": {
                "text": {"type": "plain_text", "text": "P2"},
                "value": picked.get("priority", "p2"),
            },
        },
        Field.ITEM_OWNER: {"type": "users_select", "selected_user": picked.get("owner")},
        Field.ITEM_DUE: {"type": "datepicker", "selected_date": picked.get("due")},
    }
    if title is not None:
        values[Field.ITEM_TITLE] = {"type": "plain_text_input", "value": title}
    return {block: {block: state} for block, state in values.items()}


def test_a_message_becomes_an_action_item_through_its_shortcut(running: Running) -> None:
    channel = declare(running)
    slack, driver = running.slack, running.driver
    driver.event(slack.user_joins(channel, "U_BOB"))
    ts = driver.say(channel, "We should alert on pool saturation & retries", user="U_BOB")

    shortcut = slack.message_shortcut(channel, ts, Callback.CREATE_ITEM, "U_CAROL")
    assert driver.interact(shortcut).status == 200
    [view] = slack.wait_for(lambda: slack.open_views("U_CAROL"))
    title = next(b for b in view.blocks if b["block_id"] == Field.ITEM_TITLE)["element"]
    assert title["initial_value"] == "We should alert on pool saturation & retries"
    link = f"/archives/{channel}/p{ts.replace('.', '')}"
    assert link in str(view.blocks)

    due = str(running.sitrep.deps.action_items.today() + timedelta(days=10))
    values = form("Alert on pool saturation", owner="U_BOB", priority="p1", due=due)
    assert driver.submit(view.id, values, user="U_CAROL").status == 200
    assert driver.submit(view.id, values, user="U_CAROL").status == 200  # a double submit
    [post] = posted(running, channel, "added an action item")
    assert f"<@U_CAROL> added an action item for <@U_BOB> (P1, due {due})" in post
    assert link in post  # "from this message"
    [item] = running.sitrep.deps.action_items.list("U_BOB", "mine")
    assert item.title == "Alert on pool saturation" and item.source_url
    assert item.source_url.endswith(link)


def test_mentions_stay_mentions_and_links_become_readable_in_the_form(running: Running) -> None:
    channel = declare(running)
    slack, driver = running.slack, running.driver
    said = "Ask <@U_BOB> about <https://runbooks.example/db|the runbook> &amp; <!channel>"
    ts = driver.say(channel, said, user="U_ALICE")
    driver.interact(slack.message_shortcut(channel, ts, Callback.CREATE_ITEM, "U_ALICE"))
    [view] = slack.wait_for(lambda: slack.open_views("U_ALICE"))
    title = next(b for b in view.blocks if b["block_id"] == Field.ITEM_TITLE)["element"]
    shown = title["initial_value"]
    assert shown == "Ask <@U_BOB> about the runbook (https://runbooks.example/db) & <!channel>"
    assert driver.submit(view.id, form(shown), user="U_ALICE").status == 200
    [item] = running.sitrep.deps.action_items.list("U_ALICE", "mine")
    assert item.title == (
        "Ask <@U_BOB> about the runbook (https://runbooks.example/db) &amp; &lt;!channel&gt;"
    )  # the mention is kept; the broadcast typed in the form is shown, never sent
    [post] = posted(running, channel, "added an action item")
    assert "Ask <@U_BOB> about" in post and "<!channel>" not in post


def test_the_shortcut_form_defaults_owner_and_due_date_like_the_command(running: Running) -> None:
    channel = declare(running)
    slack, driver = running.slack, running.driver
    ts = driver.say(channel, "Document the failover", user="U_ALICE")
    driver.interact(slack.message_shortcut(channel, ts, Callback.CREATE_ITEM, "U_ALICE"))
    [view] = slack.wait_for(lambda: slack.open_views("U_ALICE"))
    assert driver.submit(view.id, form("Document the failover"), user="U_ALICE").status == 200
    [item] = running.sitrep.deps.action_items.list("U_ALICE", "mine")
    today = running.sitrep.deps.action_items.today()
    assert (item.owner, item.priority, item.due_on) == ("U_ALICE", "p2", today + timedelta(30))


def test_an_empty_title_or_past_due_date_is_refused_on_the_form(running: Running) -> None:
    channel = declare(running)
    slack, driver = running.slack, running.driver
    ts = driver.say(channel, "x", user="U_ALICE")
    driver.interact(slack.message_shortcut(channel, ts, Callback.CREATE_ITEM, "U_ALICE"))
    [view] = slack.wait_for(lambda: slack.open_views("U_ALICE"))
    empty = driver.submit(view.id, form("   "), user="U_ALICE").json
    assert "What needs doing?" in empty["errors"][Field.ITEM_TITLE]
    past = driver.submit(view.id, form("Fix it", due="2020-01-01"), user="U_ALICE").json
    assert "is in the past" in past["errors"][Field.ITEM_DUE]
    assert running.sitrep.deps.action_items.list("U_ALICE", "all") == []


def test_the_shortcut_outside_an_incident_channel_says_where_it_works(running: Running) -> None:
    slack, driver = running.slack, running.driver
    general = running.general
    ts = driver.say(general, "Someone should fix the flaky deploy", user="U_BOB")
    reply = driver.interact(slack.message_shortcut(general, ts, Callback.CREATE_ITEM, "U_BOB"))
    assert reply.status == 200
    [answer] = slack.wait_for(
        lambda: [r for r in slack.responses() if "works on messages in an incident" in r.text]
    )
    assert answer.response_type == "ephemeral"
    assert slack.open_views("U_BOB") == []


@pytest.fixture
def extra_settings(claude: FakeAnthropic) -> dict[str, Any]:
    return {
        "anthropic_api_key": claude.api_key,
        "anthropic_base_url": claude.base_url,
        "sitrep_ai_categories": False,  # the script here is the drafts'
    }


PROPOSED = [
    {"title": "Alert on pool saturation", "priority": "p1", "owner": "U_BOB",
     "rationale": "Detect before customers."},
    {"title": "Add a config checklist to deploy review", "priority": "p2", "owner": None,
     "rationale": "Catch regressions."},
]  # fmt: skip


def test_the_post_mortems_proposals_are_accepted_one_by_one_into_action_items(
    running: Running, claude: FakeAnthropic
) -> None:
    claude.script(Reply(narrative(action_items=PROPOSED)))
    channel = work_the_incident(running)
    resolve_and_wait_for_the_draft(running, channel)
    slack, driver = running.slack, running.driver
    [draft] = [m for m in slack.messages(channel) if "post-mortem draft is ready" in m.all_text]
    assert "Proposed action items" in draft.all_text
    assert [b["block_id"] for b in draft.blocks if b.get("accessory")] == [
        "proposal.0",
        "proposal.1",
    ]

    def accept(index: int, user: str) -> dict[str, Any]:
        """The click on the Accept button as the person's Slack has it now."""
        return slack.click(
            channel, draft.ts, Action.ACCEPT_PROPOSAL, user, block_id=f"proposal.{index}"
        )

    both = [accept(0, "U_CAROL"), accept(0, "U_DAVE")]  # two people click at once
    assert driver.interact(both[0]).status == 200
    updated = slack.wait_for(
        lambda: (
            "Accepted by <@U_CAROL>" in slack.message(channel, draft.ts).all_text
            and slack.message(channel, draft.ts)
        )
    )
    assert "post-mortem draft is ready" in updated.all_text  # the rest of the post stays
    assert [b["block_id"] for b in updated.blocks if b.get("accessory")] == ["proposal.1"]
    assert driver.interact(both[1]).status == 200  # the later click makes no second item
    slack.wait_for(lambda: [r for r in slack.responses() if "already an action item" in r.text])
    assert driver.interact(accept(1, "U_DAVE")).status == 200
    posted(running, channel, "Add a config checklist to deploy review")

    items = running.sitrep.deps.action_items.list("U_ALICE", "all", None, channel)
    by_title = {i.title: i for i in items}
    assert set(by_title) == {p["title"] for p in PROPOSED}
    first, second = (by_title[str(p["title"])] for p in PROPOSED)
    record = running.sitrep.deps.postmortems.record(first.incident_id)
    assert record is not None and record.drafted_at is not None
    assert (first.owner, first.priority, first.created_by) == ("U_BOB", "p1", "U_CAROL")
    assert first.due_on == record.drafted_at.date() + timedelta(days=14)  # P1's default
    assert (second.owner, second.priority) == ("U_DAVE", "p2")  # no owner proposed: the accepter
    assert all(i.status is ActionStatus.OPEN for i in items)


def test_proposals_of_an_earlier_draft_are_not_accepted(
    running: Running, claude: FakeAnthropic
) -> None:
    claude.script(Reply(narrative(action_items=PROPOSED)), Reply(narrative(action_items=[])))
    channel = work_the_incident(running)
    resolve_and_wait_for_the_draft(running, channel)
    slack, driver = running.slack, running.driver
    [old] = [m for m in slack.messages(channel) if "post-mortem draft is ready" in m.all_text]
    assert driver.command("postmortem", user="U_BOB", channel=channel).status == 200
    slack.wait_for(
        lambda: len([m for m in slack.messages(channel) if "draft is ready" in m.all_text]) == 2
    )
    payload = slack.click(channel, old.ts, Action.ACCEPT_PROPOSAL, "U_BOB", block_id="proposal.0")
    assert driver.interact(payload).status == 200
    slack.wait_for(lambda: [r for r in slack.responses() if "from an earlier" in r.text])
    assert running.sitrep.deps.action_items.list("U_BOB", "all", None, channel) == []


def test_the_post_mortem_lists_the_tracked_items_beside_its_proposals(
    running: Running, claude: FakeAnthropic
) -> None:
    claude.script(Reply(narrative(action_items=PROPOSED[:1])))
    channel = work_the_incident(running)
    running.driver.command("action Pin the pool size in config <@U_CAROL> p0", channel=channel)
    running.driver.command("action Drop the old dashboard", channel=channel)
    posted(running, channel, "Drop the old dashboard")
    [dropped] = [
        i
        for i in running.sitrep.deps.action_items.list("U_ALICE", "mine")
        if i.title == "Drop the old dashboard"
    ]
    assert dropped.id is not None
    running.sitrep.deps.action_items.cancel(dropped.id, "U_ALICE", "not needed")
    resolve_and_wait_for_the_draft(running, channel)

    markdown = canvas_of(running, channel)
    tracked, proposed = (
        markdown.split("## Action items")[1].split("## Lessons")[0].split("Proposed by this draft")
    )
    assert "| Pin the pool size in config | ![](@U_CAROL) | P0 |" in tracked
    assert "| Open |" in tracked and "Drop the old dashboard" not in tracked  # cancelled
    assert "Alert on pool saturation" in proposed
