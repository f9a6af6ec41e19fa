"""Long content is clipped to Slack's Block Kit limits, never rejected by Slack."""

from datetime import UTC, datetime

from bot.incidents import Declaration
from tests.e2e.conftest import Running
from tests.e2e.harness import declare_form

YEAR = datetime.now(UTC).year


def rejected(running: Running) -> list[str]:
    return [
        f"{c.method}: {c.error}"
        for c in running.slack.calls
        if c.error in ("invalid_blocks", "invalid_arguments", "msg_too_long")
    ]


def test_a_long_title_and_a_description_full_of_markup_fit(running: Running) -> None:
    title = "Checkout & payments <failing> " + "very " * 30
    incidents = running.sitrep.deps.incidents
    incident = incidents.declare(
        Declaration(
            title=title[:200],
            severity="sev1",
            reporter="U_ALICE",
            description="<&>" * 1000,
            services=tuple(f"service-{n}" for n in range(40)),
        )
    )
    opened = running.sitrep.deps.rooms.open_room(incident.id or 0)
    assert opened is not None and opened.channel_id is not None
    [pinned] = running.slack.pins(opened.channel_id)
    header = pinned.blocks[0]["text"]["text"]
    assert len(header) == 150 and header.endswith("…")
    assert len(opened.channel_name or "") <= 80
    assert rejected(running) == []


def test_listing_many_incidents_stays_within_fifty_blocks(running: Running) -> None:
    incidents = running.sitrep.deps.incidents
    for n in range(60):
        incidents.declare(
            Declaration(title=f"Incident number {n}", severity="sev3", reporter="U_ALICE")
        )
    reply = running.driver.command("list")
    assert reply.status == 200
    blocks = reply.json["blocks"]
    assert len(blocks) <= 50
    assert blocks[0]["text"]["text"] == "Open incidents (latest 20)"


def test_show_clips_a_long_timeline(running: Running) -> None:
    running.driver.command("declare sev2 Search is slow")
    channel = running.slack.wait_for(
        lambda: running.slack.channel_by_name(f"inc-{YEAR}-0001-search-is-slow")
    )
    running.slack.wait_for(lambda: running.slack.pins(channel.id))
    running.slack.user_joins(channel.id, "U_BOB")
    for _ in range(10):
        running.driver.say(channel.id, "x" * 3900, user="U_BOB")
    running.driver.command("note " + "important " * 290, channel=channel.id)
    reply = running.driver.command("show", channel=channel.id)
    assert reply.status == 200
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in reply.json["blocks"])
    running.driver.event(running.slack.user_joins(channel.id, "U_DAVE"))
    running.slack.wait_for(lambda: running.slack.ephemerals(channel.id, "U_DAVE"))
    assert running.slack.wait_for(
        lambda: [m for m in running.slack.messages(channel.id) if "important" in m.all_text]
    )
    assert rejected(running) == []


def test_markup_is_shown_as_typed_and_broadcasts_do_not_ping(running: Running) -> None:
    slack = running.slack
    # Slack sends command text in its markup: & < > escaped, mentions as <@U…|name>.
    reply = running.driver.command("declare sev2 p99 &lt; 200ms &amp; <!channel> look <@U_BOB|bob>")
    assert reply.status == 200
    channel = slack.wait_for(
        lambda: slack.channel_by_name(f"inc-{YEAR}-0001-p99-200ms-channel-look-u-bob-bob")
    )
    [pinned] = slack.wait_for(lambda: slack.pins(channel.id))
    assert pinned.blocks[0]["text"]["text"] == (
        f"INC-{YEAR}-0001: p99 < 200ms & <!channel> look <@U_BOB|bob>"
    )  # plain_text header
    notice = slack.wait_for(lambda: slack.messages(running.announcements))[-1]
    shown = notice.blocks[0]["text"]["text"]
    assert "p99 &lt; 200ms &amp; `@channel` look <@U_BOB|bob>" in shown
    assert "<!channel>" not in notice.text + shown


def test_modal_input_is_stored_as_slack_markup(running: Running) -> None:
    slack = running.slack
    running.driver.command("declare", user="U_BOB")
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    running.driver.submit(
        view.id,
        declare_form("A & B <x>", "sev3"),
        user="U_BOB",
    )
    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-a-b-x"))
    [pinned] = slack.wait_for(lambda: slack.pins(channel.id))
    incident = running.sitrep.deps.incidents.find(None, channel.id)
    assert incident.title == "A &amp; B &lt;x&gt;"
    assert pinned.blocks[0]["text"]["text"] == f"INC-{YEAR}-0001: A & B <x>"
