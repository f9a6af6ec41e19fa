"""A process that dies after Slack created an incident's channel, and before it stored the
channel's ID, leaves a room that the next opening adopts: one channel per incident, under
its first name. A channel that only has the name (a person's, or one archived since) is
never taken over."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Running
from tests.e2e.test_kill_burst import open_rooms_as_another_replica, rows
from tests.e2e.test_scheduler_faults import App
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack


def made(slack: FakeSlack) -> list[str]:
    """The names of the channels Slack created for the app."""
    return [c.args["name"] for c in slack.calls_to("conversations.create") if c.ok]


def stored(url: str) -> tuple[Any, Any]:
    [(channel_id, channel_name)] = zip(
        rows(url, "SELECT channel_id FROM incident"),
        rows(url, "SELECT channel_name FROM incident"),
        strict=True,
    )
    return channel_id, channel_name


@pytest.mark.parametrize("archived", [False, True], ids=["left", "archived"])
def test_a_channel_created_by_a_process_killed_before_storing_it_is_adopted(
    archived: bool, database_url: str, tmp_path: Path
) -> None:
    with FakeSlack() as slack:
        announcements = slack.channel_by_name("incidents").id  # type: ignore[union-attr]
        config = tmp_path / "sitrep.toml"
        config.write_text(f'announcements_channel = "{announcements}"\n')
        app = App(slack, tmp_path, database_url, config).start()
        try:
            # Slack creates the channel; its answer waits until the process is dead.
            slack.hold_answers("conversations.create")
            reply = app.driver.command("declare sev2 Orphaned room")
            assert reply.status == 200
            ref = reply.json["text"].split()[1]
            name = f"{ref.lower()}-orphaned-room"
            slack.wait_for(lambda: slack.held == 1)
            app.kill()
        finally:
            slack.release_answers()
            app.stop()
        orphan = slack.channel_by_name(name)
        assert orphan is not None and orphan.creator == BOT_USER_ID
        assert stored(database_url) == (None, None)  # the window: made, not stored
        if archived:  # someone tidied the empty channel away before the room was reopened
            slack.user_archives(orphan.id, "U_ALICE")

        open_rooms_as_another_replica(slack, database_url, announcements)

        channel_id, channel_name = stored(database_url)
        if archived:
            assert (channel_name, made(slack)) == (f"{name}-2", [name, f"{name}-2"])
            assert channel_id != orphan.id and slack.pins(orphan.id) == []
        else:
            assert (channel_id, channel_name, made(slack)) == (orphan.id, name, [name])
        assert len(slack.pins(channel_id)) == 1  # the announcement, once
        assert "U_ALICE" in slack.members(channel_id)  # the declarer, invited
        notices = [m.text for m in slack.messages(announcements)]
        assert [n.split()[0] for n in notices] == [ref]  # the declaration notice, once


def test_a_channel_a_person_made_under_the_name_asked_for_is_not_adopted(
    running: Running, database_url: str
) -> None:
    slack = running.slack
    slack.go_down()  # the name is asked for, and Slack makes nothing
    reply = running.driver.command("declare sev2 Taken name")
    name = reply.json["text"].split()[1].lower() + "-taken-name"
    slack.wait_for(lambda: [r for r in slack.responses() if "couldn't create" in r.text])
    assert rows(database_url, "SELECT channel_requested FROM incident") == [name]
    # Meanwhile a person makes a channel of that very name, and invites the app into it.
    theirs = slack.add_channel(name, members=("U_ALICE", BOT_USER_ID), creator="U_ALICE")
    slack.recover()

    running.sitrep.recover(grace=timedelta(0))

    channel_id, channel_name = stored(database_url)
    assert (channel_name, made(slack)) == (f"{name}-2", [f"{name}-2"])
    assert channel_id != theirs.id and len(slack.pins(channel_id)) == 1
    assert slack.pins(theirs.id) == [] and slack.messages(theirs.id) == []
