"""What people say in the incident channel becomes the timeline, once, through the wire."""

from models import EntryKind, TimelineEntry
from tests.e2e.conftest import Running
from tests.e2e.test_declare import declare
from tests.e2e.watch import row_counts, settle


def timeline(running: Running, channel: str, *, hidden: bool = False) -> list[TimelineEntry]:
    incident = running.sitrep.deps.incidents.find(None, channel)
    entries = running.sitrep.deps.incidents.timeline(incident.id or 0, include_hidden=hidden)
    return [e for e in entries if e.kind is EntryKind.MESSAGE]


def join(running: Running, channel: str, *users: str) -> None:
    for user in users:
        running.driver.event(running.slack.user_joins(channel, user))


def test_messages_and_thread_replies_are_recorded_with_author_time_and_thread(
    running: Running,
) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB", "U_CAROL")
    root = running.driver.say(channel, "5xx started at 09:02 after deploy 4f2a", user="U_BOB")
    reply = running.driver.say(channel, "rolling back now", user="U_CAROL", thread_ts=root)

    entries = timeline(running, channel)
    assert [(e.author, e.text, e.thread_ts, e.slack_ts) for e in entries] == [
        ("U_BOB", "5xx started at 09:02 after deploy 4f2a", None, root),
        ("U_CAROL", "rolling back now", root, reply),
    ]
    assert entries[0].occurred_at.timestamp() == float(root)


def test_an_acknowledged_event_is_already_stored(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    event = running.slack.user_posts(channel, "U_BOB", "db cpu at 100%")
    reply = running.driver.event(event)
    assert reply.status == 200
    # No waiting: the 200 came after the write.
    assert [e.text for e in timeline(running, channel)] == ["db cpu at 100%"]


def test_a_retried_event_is_recorded_once(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    event = running.slack.user_posts(channel, "U_BOB", "errors back to baseline")
    first = running.driver.event(event)
    envelope = running.driver.last_envelope
    retries = [running.driver.event(event, envelope=envelope, retry_num=n) for n in (1, 2, 3)]
    assert {r.status for r in [first, *retries]} == {200}
    assert [e.text for e in timeline(running, channel)] == ["errors back to baseline"]


def test_edits_keep_the_history_and_deletions_hide_the_entry(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    ts = running.driver.say(channel, "it's the cache", user="U_BOB")
    gone = running.driver.say(channel, "wrong channel, sorry", user="U_BOB")
    assert (
        running.driver.event(running.slack.user_edits(channel, ts, "U_BOB", "it's the DNS")).status
        == 200
    )
    assert running.driver.event(running.slack.user_deletes(channel, gone)).status == 200

    [entry] = timeline(running, channel)
    assert entry.text == "it's the DNS" and entry.edited_at is not None
    assert [r["text"] for r in entry.revisions] == ["it's the cache"]
    hidden = [e for e in timeline(running, channel, hidden=True) if e.hidden]
    assert [e.text for e in hidden] == ["wrong channel, sorry"]


def test_an_edit_with_a_null_ts_is_refused_and_changes_nothing(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    ts = running.driver.say(channel, "it's the cache", user="U_BOB")
    event = running.slack.user_edits(channel, ts, "U_BOB", "it's the DNS")
    # Sitrep's own entries have no ts: looking up a null one found several (a 503 forever).
    event["message"]["ts"] = None
    settle(running.sitrep)
    before = row_counts(running.sitrep.engine)

    assert running.driver.event(event).status == 400

    assert row_counts(running.sitrep.engine) == before
    [entry] = timeline(running, channel)
    assert entry.text == "it's the cache" and entry.revisions == []


def test_a_message_from_an_overlong_user_id_is_refused_on_every_database(
    running: Running,
) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    event = running.slack.user_posts(channel, "U_BOB", "db cpu at 100%")
    # An author longer than its column: PostgreSQL refused the insert (a 503 forever).
    event["user"] = "U" + "X" * 32

    assert running.driver.event(event).status == 400

    assert timeline(running, channel) == []


def test_shared_files_are_recorded_with_name_and_link(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    event = running.slack.user_posts(
        channel,
        "U_BOB",
        "graph attached",
        files=[
            {
                "id": "F1",
                "name": "latency.png",
                "title": "latency.png",
                "permalink": "https://fake.slack.test/files/U_BOB/F1/latency.png",
            }
        ],
    )
    assert running.driver.event(event).status == 200
    [entry] = timeline(running, channel)
    assert entry.files == [
        {"name": "latency.png", "url": "https://fake.slack.test/files/U_BOB/F1/latency.png"}
    ]


def test_messages_from_sitrep_and_other_bots_are_not_human_updates(running: Running) -> None:
    channel = declare(running)
    [announcement] = running.slack.pins(channel)
    assert (
        running.driver.event(running.slack.event_for_bot_message(channel, announcement.ts)).status
        == 200
    )
    other_app = {
        "type": "message",
        "subtype": "bot_message",
        "bot_id": "B_GRAFANA",
        "username": "grafana",
        "text": "ALERT firing",
        "channel": channel,
        "ts": "1795000000.000100",
        "event_ts": "1795000000.000100",
        "channel_type": "channel",
    }
    assert running.driver.event(other_app).status == 200
    joined = running.slack.user_joins(channel, "U_DAVE")
    assert running.driver.event(joined).status == 200
    assert timeline(running, channel) == []


def test_messages_elsewhere_are_not_recorded(running: Running) -> None:
    declare(running)
    running.slack.user_joins(running.general, "U_BOB")
    running.driver.say(running.general, "lunch?", user="U_BOB")
    incidents = running.sitrep.deps.incidents
    [incident] = incidents.list_incidents(include_resolved=True)
    assert not [e for e in incidents.timeline(incident.id or 0) if e.kind is EntryKind.MESSAGE]


def test_a_pushpin_reaction_marks_a_key_event(running: Running) -> None:
    channel = declare(running)
    join(running, channel, "U_BOB")
    ts = running.driver.say(channel, "root cause: expired cert", user="U_BOB")
    other = running.driver.say(channel, "nice", user="U_BOB")
    running.driver.event(running.slack.user_reacts(channel, ts, "U_CAROL", "pushpin"))
    running.driver.event(running.slack.user_reacts(channel, other, "U_CAROL", "tada"))
    assert [(e.text, e.key_event) for e in timeline(running, channel)] == [
        ("root cause: expired cert", True),
        ("nice", False),
    ]


def test_a_person_joining_sees_where_things_stand(running: Running) -> None:
    channel = declare(running)
    running.driver.event(running.slack.user_joins(channel, "U_DAVE"))
    [welcome] = running.slack.wait_for(lambda: running.slack.ephemerals(channel, "U_DAVE"))
    assert "Checkout API returning 500s" in str(welcome.blocks)


def test_opening_the_app_home_lists_the_open_incidents_one_is_in(running: Running) -> None:
    declare(running)  # by Alice
    event = {
        "type": "app_home_opened",
        "user": "U_ALICE",
        "channel": "D_ALICE",
        "tab": "home",
        "event_ts": "1795000000.000100",
    }
    assert running.driver.event(event).status == 200
    home = running.slack.wait_for(lambda: running.slack.home_view("U_ALICE"))
    assert "Checkout API returning 500s" in str(home.blocks)
