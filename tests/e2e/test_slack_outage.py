"""Slack's Web API down (every call a 503) or rate limiting every call, for a while: Slack's
requests to Sitrep are still acknowledged and stored; what goes through the outbox waits
there and is delivered once Slack is back, once each, in order per channel or person (the
channel's timeline posts once each); a declarer
whose channel could not be made is told so in plain words, and the room opens later."""

from collections import Counter
from datetime import timedelta

import pytest

from tests.e2e.conftest import FastForward, Running
from tests.e2e.tally import Tally
from tests.e2e.test_declare import declare
from tests.e2e.test_updates import form
from tests.fakes.slack_api import FakeSlack

MESSAGES = 10
UPDATES = ("U_ALICE", "U_BOB", "U_CAROL")  # each had the update form open when Slack went
OUTAGE_TITLE = "Search down during outage"


def notice_keys(slack: FakeSlack) -> Counter[str]:
    """How many messages Slack holds for each outbox key."""
    keys: Counter[str] = Counter()
    for channel in slack.channels():
        for message in slack.messages(channel.id):
            metadata = message.metadata or {}
            if metadata.get("event_type") == "sitrep_notice":
                keys[metadata["event_payload"]["key"]] += 1
    return keys


def updates_in(slack: FakeSlack, channel: str) -> list[str]:
    """The texts of the updates posted in `channel` (or a person's DMs), oldest first."""
    return [m.all_text for m in slack.messages(channel) if "Update number" in m.all_text]


def order(texts: list[str]) -> list[int]:
    return [next(n for n in range(len(UPDATES)) if f"Update number {n}" in t) for t in texts]


def outage_room(slack: FakeSlack) -> str | None:
    found = [c for c in slack.channels() if "search-down-during-outage" in c.name]
    return found[0].id if found and slack.pins(found[0].id) else None


@pytest.mark.parametrize("fault", ["down", "ratelimited"])
def test_slack_away_loses_nothing_and_sends_everything_once_in_order_when_back(
    running: Running, clock: FastForward, fault: str
) -> None:
    slack = running.slack
    channel = declare(running)
    slack.user_joins(channel, "U_BOB")
    assert running.driver.command("subscribe", user="U_DAVE", channel=channel).status == 200
    forms = {}
    for user in UPDATES:
        assert running.driver.command("update", user=user, channel=channel).status == 200
        [forms[user]] = slack.wait_for(lambda: slack.open_views(user))  # noqa: B023

    if fault == "down":
        slack.go_down()
    else:
        slack.rate_limit_everything(retry_after=1)
    messages = Tally(f"slack {fault}: message events")
    declarations = Tally(f"slack {fault}: declarations")
    for n in range(MESSAGES):
        event = slack.user_posts(channel, "U_BOB", f"still failing {n}")
        messages.answered(event["ts"], running.driver.event(event).status)
    for n, user in enumerate(UPDATES):
        reply = running.driver.submit(forms[user].id, form(f"Update number {n}"), user=user)
        assert reply.status == 200
    reply = running.driver.command(f"declare sev2 {OUTAGE_TITLE}", user="U_CAROL")
    declarations.answered(OUTAGE_TITLE, reply.status)
    # The declarer hears, in plain words, that the channel is still to come.
    told = slack.wait_for(lambda: [r for r in slack.responses() if "couldn't create" in r.text])
    assert ("isn't answering" if fault == "down" else "rate-limiting me") in told[0].text
    running.sitrep.tick()  # the outbox tries, and is refused
    assert updates_in(slack, channel) == []
    assert slack.refused > 0

    slack.recover()
    for _ in range(60):  # each pass: a few seconds on (refused sends wait 2s, 4s…), a tick
        dms = [m.all_text for m in slack.direct_messages("U_DAVE")]
        if len(updates_in(slack, channel)) == len(dms) == len(UPDATES) and outage_room(slack):
            break
        clock.advance(seconds=3)
        running.sitrep.tick()
        running.sitrep.recover(grace=timedelta(0))
    running.sitrep.tick()
    running.sitrep.recover(grace=timedelta(0))  # again: nothing more goes out

    dms = [m.all_text for m in slack.direct_messages("U_DAVE")]
    assert order(dms) == [0, 1, 2]  # the outbox: once each, in order
    # The channel's copies are timeline posts, made by whichever refresh gets there: once
    # each, but racing refreshes (one still waiting out a 429) can post them out of order.
    assert sorted(order(updates_in(slack, channel))) == [0, 1, 2]
    assert set(notice_keys(slack).values()) == {1}
    room = outage_room(slack)
    assert room is not None and len(slack.pins(room)) == 1
    assert len([c for c in slack.calls_to("conversations.create") if c.ok]) == 2

    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    messages.found(e.slack_ts for e in incidents.timeline(incident.id or 0) if e.slack_ts)
    declarations.found(i.title for i in incidents.list_incidents(include_resolved=True, limit=50))
    for drill in (messages, declarations):
        figures = drill.report()
        assert figures["sent"] == figures["acknowledged"] == figures["stored"]
        assert figures["duplicated"] == figures["lost"] == 0
