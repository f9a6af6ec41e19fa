"""A restarted sandbox keeps its workspace (channels, messages) beside its database, so the
bot's incidents still point at channels that exist."""

from pathlib import Path

from sandbox.slack.identities import BOT_USER_ID
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
