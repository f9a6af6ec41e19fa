"""Slack's Web API down (every call a 503) or rate limiting every call, for a while: Slack's
requests to Sitrep are still acknowledged and stored; what goes through the outbox waits
there and is delivered once Slack is back, once each, in order per channel or person (the
channel's own posts of its timeline too, however many refreshes race); a declarer whose
channel could not be made is told so in plain words, and the room opens later. Slack
stalling (calls carried out, answers later than Sitrep's timeout) is the nasty kind."""

import statistics
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest

from tests.e2e.conftest import FastForward, Running
from tests.e2e.tally import Tally
from tests.e2e.test_declare import declare
from tests.e2e.test_updates import form
from tests.fakes.slack_api import FakeSlack

MESSAGES = 10
UPDATES = ("U_ALICE", "U_BOB", "U_CAROL")  # each had the update form open when Slack went
OUTAGE_TITLE = "Search down during outage"
SLACK_TIMEOUT = 1  # SITREP_SLACK_TIMEOUT (15 s by default): short, so a stall is quick
HUNG = 10.0  # an acknowledgement slower than this is a request left hanging


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    return {"sitrep_slack_timeout": SLACK_TIMEOUT}


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
    # The scheduler's job itself, not harness.tick, here and below: while Slack refuses,
    # what a tick leaves unsent is a later tick's (the loops tick until it is there).
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
    # The outbox, for the subscriber and the channel alike: once each, in order.
    assert order(dms) == order(updates_in(slack, channel)) == [0, 1, 2]
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


LEADS = 5


def leads_in(slack: FakeSlack, channel: str) -> list[int]:
    """Which notes `lead <n>` the channel shows, oldest post first."""
    texts = [m.all_text for m in slack.messages(channel) if "Key event" in m.all_text]
    return [next(n for n in range(LEADS) if f"lead {n}." in t) for t in texts]


def noted(running: Running, channel: str, count: int) -> int:
    """Records `count` notes, not yet shown in the channel (no refresh); the incident's id."""
    incidents = running.sitrep.deps.incidents
    incident_id = incidents.find(None, channel).id or 0
    for n in range(count):
        incidents.add_note(incident_id, "U_BOB", f"lead {n}.")
    return incident_id


def caught_up(running: Running, clock: FastForward, channel: str, count: int) -> None:
    """Lets refused posts be tried again (ticks and the recovery job, a few seconds apart)
    until the channel shows `count` notes, then once more: nothing further goes out."""
    for _ in range(60):
        if len(leads_in(running.slack, channel)) >= count:
            break
        clock.advance(seconds=3)
        running.sitrep.tick()
        running.sitrep.recover(grace=timedelta(0))
    running.sitrep.tick()
    running.sitrep.recover(grace=timedelta(0))


def test_a_change_slack_refuses_to_post_still_comes_before_the_next_one(
    running: Running, clock: FastForward
) -> None:
    channel = declare(running)
    incident_id = noted(running, channel, 2)
    # Every attempt at the first post (a client waiting out 429s tries four times) is
    # refused; the second post is taken.
    running.slack.rate_limit("chat.postMessage", times=4, retry_after=0)
    running.sitrep.deps.rooms.refresh(incident_id)
    caught_up(running, clock, channel, 2)
    assert leads_in(running.slack, channel) == [0, 1]


def test_refreshes_racing_through_a_rate_limit_storm_post_each_change_once_in_order(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    channel = declare(running)
    incident_id = noted(running, channel, LEADS)
    slack.rate_limit_everything(retry_after=0)
    barrier = threading.Barrier(4)

    def refresh() -> None:
        barrier.wait()
        running.sitrep.deps.rooms.refresh(incident_id)

    refused_posts = lambda: sum(1 for c in slack.calls_to("chat.postMessage") if c.status == 429)  # noqa: E731
    with ThreadPoolExecutor(max_workers=4) as pool:
        refreshes = [pool.submit(refresh) for _ in range(4)]
        # Slack comes back while the refreshes are still at it: past the first post's last
        # attempt, or once they are done.
        slack.wait_for(lambda: refused_posts() > 4 or all(r.done() for r in refreshes), 60)
        slack.recover()
        for done in refreshes:
            done.result()
    caught_up(running, clock, channel, LEADS)
    assert leads_in(slack, channel) == list(range(LEADS))


def opened(running: Running) -> str | None:
    """The stored room of the incident declared during the fault, once it is pinned."""
    incidents = running.sitrep.deps.incidents.list_incidents(include_resolved=True, limit=50)
    [room] = [i.channel_id for i in incidents if i.title == OUTAGE_TITLE]
    return room if room and running.slack.pins(room) else None


def announcements(slack: FakeSlack, room: str) -> list[str]:
    """The announcements posted in `room` (their fallback text names the title)."""
    return [m.ts for m in slack.messages(room) if m.text.endswith(f"): {OUTAGE_TITLE}")]


def test_slack_stalling_past_the_timeout_sends_the_outbox_once_when_back(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    channel = declare(running)
    slack.user_joins(channel, "U_BOB")
    assert running.driver.command("subscribe", user="U_DAVE", channel=channel).status == 200
    forms = {}
    for user in UPDATES:
        assert running.driver.command("update", user=user, channel=channel).status == 200
        [forms[user]] = slack.wait_for(lambda: slack.open_views(user))  # noqa: B023
    rooms_before = len(slack.channels())

    slack.stall()  # every call is carried out; its answer comes after the caller gave up
    messages = Tally("slack stalled: message events")
    declarations = Tally("slack stalled: declarations")
    took = []

    def timed(send: Any) -> int:
        began = time.monotonic()
        status = int(send().status)
        took.append(time.monotonic() - began)
        return status

    for n in range(MESSAGES):
        event = slack.user_posts(channel, "U_BOB", f"still slow {n}")
        messages.answered(event["ts"], timed(lambda: running.driver.event(event)))  # noqa: B023
    for n, user in enumerate(UPDATES):
        submit = running.driver.submit
        assert timed(lambda: submit(forms[user].id, form(f"Update number {n}"), user=user)) == 200  # noqa: B023
    declarations.answered(
        OUTAGE_TITLE,
        timed(lambda: running.driver.command(f"declare sev2 {OUTAGE_TITLE}", user="U_CAROL")),
    )
    print(
        f"faults: slack stalled: acknowledged in {min(took):.2f}-{max(took):.2f} s "
        f"(median {statistics.median(took):.2f} s)"
    )
    assert max(took) < HUNG
    # The outbox's first send to the subscriber is carried out by Slack, unanswered to us.
    slack.wait_for(
        lambda: any(c.args.get("channel") != channel for c in slack.calls_to("chat.postMessage"))
    )
    running.sitrep.tick()

    slack.recover()
    for _ in range(60):  # each pass: a few seconds on (unanswered sends wait 2s, 4s…), a tick
        dms = [m.all_text for m in slack.direct_messages("U_DAVE")]
        if len(dms) == len(UPDATES) and opened(running) and not slack.held:
            break
        clock.advance(seconds=3)
        running.sitrep.tick()
        running.sitrep.recover(grace=timedelta(0))
    running.sitrep.tick()
    running.sitrep.recover(grace=timedelta(0))  # again: nothing more goes out

    dms = [m.all_text for m in slack.direct_messages("U_DAVE")]
    assert order(dms) == [0, 1, 2]  # the outbox: once each, in order
    assert set(notice_keys(slack).values()) == {1}
    incidents = running.sitrep.deps.incidents
    incident = incidents.find(None, channel)
    messages.found(e.slack_ts for e in incidents.timeline(incident.id or 0) if e.slack_ts)
    declarations.found(i.title for i in incidents.list_incidents(include_resolved=True, limit=50))
    for drill in (messages, declarations):
        figures = drill.report()
        assert figures["sent"] == figures["acknowledged"] == figures["stored"]
        assert figures["duplicated"] == figures["lost"] == 0
    # The channel's copies go through the outbox too: once each, in order.
    assert order(updates_in(slack, channel)) == [0, 1, 2]
    # The channel Slack made unanswered is adopted, not left empty beside a `-2`.
    made = [c for c in slack.channels()[rooms_before:] if "search-down" in c.name]
    room = opened(running)
    assert [c.id for c in made] == [room]
    # The announcement: posted once, pinned once, however its calls were answered.
    assert room is not None and [m.ts for m in slack.pins(room)] == announcements(slack, room)
    assert len(announcements(slack, room)) == 1


def test_an_announcement_slack_posted_unanswered_is_found_and_pinned_not_posted_again(
    running: Running, clock: FastForward
) -> None:
    slack = running.slack
    slack.hold_answers("chat.postMessage")  # the room's first post: its announcement
    reply = running.driver.command(f"declare sev2 {OUTAGE_TITLE}", user="U_CAROL")
    assert reply.status == 200
    told = slack.wait_for(lambda: [r for r in slack.responses() if "announcement" in r.text])
    assert "isn't answering" in told[0].text
    incidents = running.sitrep.deps.incidents
    [incident] = incidents.list_incidents(include_resolved=True, limit=50)
    room = incident.channel_id
    assert room is not None and incident.announcement_ts is None
    # Slack posted it; Sitrep, its answer lost, neither stored nor pinned it.
    assert len(announcements(slack, room)) == 1 and slack.pins(room) == []
    slack.release_answers()

    clock.advance(seconds=1)
    running.sitrep.recover(grace=timedelta(0))  # the room's opening is resumed
    running.sitrep.tick()
    running.sitrep.recover(grace=timedelta(0))  # again: nothing more goes out

    [posted] = announcements(slack, room)
    assert [m.ts for m in slack.pins(room)] == [posted]
    assert incidents.get(incident.id or 0).announcement_ts == posted
    # It was brought up to date rather than left as the lost opening posted it.
    assert slack.calls_to("chat.update")
