"""Attaching links to an incident with `/incident link`, as people do it in Slack."""

from datetime import UTC, datetime, timedelta

from models import EntryKind, LinkKind
from tests.e2e.conftest import Running
from tests.e2e.test_declare import FIRST, declare
from tests.e2e.test_lifecycle import posts, wait_shown
from tests.e2e.test_postmortem import canvas_of, resolve_and_wait_for_the_draft

DEPLOY = "https://ci.example.com/acme/api/runs/4411?attempt=2&job=deploy"
# How Slack sends it in command text: wrapped, with `&` escaped.
DEPLOY_SENT = "<https://ci.example.com/acme/api/runs/4411?attempt=2&amp;job=deploy>"


def incident_id(running: Running, channel: str) -> int:
    return running.sitrep.deps.incidents.find(None, channel).id or 0


def test_a_link_is_recorded_posted_bookmarked_and_shown_on_the_announcement(
    running: Running,
) -> None:
    channel = declare(running)
    reply = running.driver.command(
        f"link {DEPLOY_SENT} deploy v42 rollout", user="U_BOB", channel=channel
    )
    assert reply.status == 200 and reply.body == ""  # the channel sees it posted

    incidents = running.sitrep.deps.incidents
    [link] = incidents.links(incident_id(running, channel))  # stored before the ack
    assert (link.kind, link.url, link.title, link.added_by) == (
        LinkKind.DEPLOY,
        DEPLOY,
        "v42 rollout",
        "U_BOB",
    )
    [entry] = [
        e for e in incidents.timeline(incident_id(running, channel)) if e.kind is EntryKind.LINK
    ]
    assert entry.author == "U_BOB" and entry.data["url"] == DEPLOY

    [post] = running.slack.wait_for(lambda: [p for p in posts(running, channel) if ":link:" in p])
    assert f"<@U_BOB> linked a deploy: {DEPLOY_SENT[:-1]}|v42 rollout>" in post
    [bookmark] = running.slack.wait_for(lambda: running.slack.bookmarks(channel))
    assert (bookmark.title, bookmark.link, bookmark.type) == ("v42 rollout", DEPLOY, "link")
    wait_shown(running, channel, "*Links*", f"*Deploy* {DEPLOY_SENT[:-1]}|v42 rollout>")


def test_a_link_without_a_title_is_bookmarked_by_its_kind_and_host(running: Running) -> None:
    channel = declare(running)
    running.driver.command(
        "link https://grafana.example.com/d/checkout dashboard", user="U_BOB", channel=channel
    )
    [bookmark] = running.slack.wait_for(lambda: running.slack.bookmarks(channel))
    assert bookmark.title == "Dashboard: grafana.example.com"
    wait_shown(running, channel, "*Dashboard* <https://grafana.example.com/d/checkout|")


def test_the_same_url_twice_is_one_link_and_the_second_is_told(running: Running) -> None:
    channel = declare(running)
    command = running.driver.command
    assert command(f"link {DEPLOY_SENT} deploy", user="U_BOB", channel=channel).body == ""
    again = command(f"link {DEPLOY_SENT} trace", user="U_CAROL", channel=channel)
    assert again.json["response_type"] == "ephemeral"
    assert f"That link is already on {FIRST}" in again.text
    running.slack.wait_for(lambda: running.slack.bookmarks(channel))
    incidents = running.sitrep.deps.incidents
    assert len(incidents.links(incident_id(running, channel))) == 1
    running.slack.wait_for(lambda: [p for p in posts(running, channel) if ":link:" in p])
    assert len([p for p in posts(running, channel) if ":link:" in p]) == 1
    assert len(running.slack.bookmarks(channel)) == 1


def test_a_bad_url_gets_the_usage_and_stores_nothing(running: Running) -> None:
    channel = declare(running)
    reply = running.driver.command("link grafana/d/checkout dashboard", channel=channel)
    assert reply.json["response_type"] == "ephemeral"
    assert "is not a web address" in reply.text and "/incident link" in reply.text
    assert running.sitrep.deps.incidents.links(incident_id(running, channel)) == []
    assert running.slack.bookmarks(channel) == []


def test_a_deploy_time_of_day_is_stored_as_the_latest_such_time(running: Running) -> None:
    channel = declare(running)
    deployed = (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)
    running.driver.command(
        f"link https://ci.example.com/runs/7 deploy at {deployed:%H:%M} canary",
        user="U_BOB",
        channel=channel,
    )
    [link] = running.sitrep.deps.incidents.links(incident_id(running, channel))
    assert link.happened_at == deployed and link.title == "canary"
    post = running.slack.wait_for(lambda: [p for p in posts(running, channel) if ":link:" in p])
    assert f"<!date^{int(deployed.timestamp())}^" in post[0]


def test_a_link_named_from_elsewhere_is_confirmed_privately(running: Running) -> None:
    channel = declare(running)
    reply = running.driver.command(f"link {FIRST} https://jira.example.com/OPS-7 ticket OPS-7")
    assert reply.json["response_type"] == "ephemeral"
    assert f"{FIRST}: Linked a ticket: <https://jira.example.com/OPS-7|OPS-7> in <#{channel}>" in (
        reply.text
    )
    running.slack.wait_for(lambda: running.slack.bookmarks(channel))


def test_the_post_mortem_lists_the_links(running: Running) -> None:
    channel = declare(running)
    command = running.driver.command
    command(f"link {DEPLOY_SENT} deploy v42 rollout", user="U_BOB", channel=channel)
    command("link https://grafana.example.com/d/checkout dashboard", channel=channel)
    resolve_and_wait_for_the_draft(running, channel)
    markdown = canvas_of(running, channel)
    links = markdown.split("## Links")[1].split("## Timeline")[0]
    assert f"| Deploy | [v42 rollout]({DEPLOY}) |" in links
    assert "| Dashboard | [grafana.example.com/d/checkout](https://grafana.example.com/d/" in links
    assert "Linked a deploy: [v42 rollout]" in markdown.split("### Key events")[1]
