"""A restarted sandbox keeps its workspace (channels, messages) beside its database, so the
bot's incidents still point at channels that exist."""

import json
from pathlib import Path

from sandbox.slack.identities import BOT_USER_ID
from sandbox.slack.server import FakeSlack
from sandbox.state import Saver, restore, snapshot
from tests.sandbox.conftest import start, stop


def test_a_restart_keeps_the_incident_channel_and_its_messages(tmp_path: Path) -> None:
    running, server, thread = start(tmp_path)
    try:
        assert running.box.delivery is not None
        running.box.delivery.command("C_GENERAL", "U_ALICE", "/incident declare sev2 Disk full")
        slack = running.box.slack
        room = slack.wait_for(
            lambda: next((c for c in slack.channels() if c.name.startswith("inc-")), None)
        )
        slack.wait_for(lambda: any(m.user == BOT_USER_ID for m in slack.messages(room.id)))
        running.box.delivery.say(room.id, "U_BOB", "Freed 20 GB")
    finally:
        stop(running, server, thread)

    again, server, thread = start(tmp_path)
    try:
        texts = [m.all_text for m in again.box.slack.messages(room.id)]
        assert any("Disk full" in t for t in texts) and any("Freed 20 GB" in t for t in texts)
        incident = again.sitrep.deps.incidents.by_channel(room.id)
        assert incident is not None and incident.title == "Disk full"
    finally:
        stop(again, server, thread)


def test_the_workspace_is_saved_as_json_that_reads_back_the_same(tmp_path: Path) -> None:
    running, server, thread = start(tmp_path)
    try:
        assert running.box.delivery is not None
        running.box.delivery.command("C_GENERAL", "U_ALICE", "/incident declare sev2 Disk full")
        slack = running.box.slack
        room = slack.wait_for(
            lambda: next((c for c in slack.channels() if c.name.startswith("inc-")), None)
        )
        slack.wait_for(lambda: slack.pins(room.id))
        running.box.delivery.command(room.id, "U_ALICE", "/incident stats 7d")
        slack.wait_for(lambda: any(f.data for f in slack.files()))  # the chart: bytes
        saved = snapshot(slack)
    finally:
        stop(running, server, thread)

    readable = json.loads(saved)
    assert readable["channels"][room.id]["fields"]["name"] == room.name
    again = FakeSlack()
    restore(again, saved)
    assert snapshot(again) == saved
    assert again.channel(room.id).members == slack.channel(room.id).members
    assert [f.data for f in again.files()] == [f.data for f in slack.files()]


def test_a_file_naming_other_objects_is_not_loaded(tmp_path: Path) -> None:
    path = tmp_path / "sandbox-slack.json"
    saved = json.loads(snapshot(FakeSlack()))
    saved["users"]["U_ALICE"] = {"__sandbox__": "Popen", "fields": {"args": ["true"]}}
    path.write_text(json.dumps(saved))
    slack = FakeSlack()
    assert Saver(slack, path).load() is False
    assert slack.user("U_ALICE").real_name == "Alice Adams"
