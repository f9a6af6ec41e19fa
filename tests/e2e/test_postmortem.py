"""Post-mortems as people get them: resolve an incident, find the draft in its canvas.

This module runs without an Anthropic key: the template writes the narrative sections.
test_postmortem_claude.py covers the drafts Claude writes, through a fake Messages API."""

import re

from slack_sdk import WebClient

from models import DraftSource, PostmortemStatus
from tests.e2e.conftest import Running
from tests.e2e.test_declare import FIRST, declare
from tests.e2e.test_lifecycle import announcement, posts
from tests.fakes.slack_api import CANVAS_MAX_CHARS

SECTIONS = [
    "## Metadata",
    "## Executive summary",
    "## Quick stats",
    "## Timeline",
    "### Key events",
    "### Conversation",
    "## Root cause",
    "### Five whys",
    "### Contributing factors",
    "## Impact",
    "## What went well",
    "## What went wrong",
    "## Action items",
    "## Lessons learned",
    "## Similar past incidents",
    "## Review checklist",
]


def work_the_incident(running: Running) -> str:
    """A short real incident: people talk, a finding is noted, it is mitigated and resolved."""
    channel = declare(running)
    driver = running.driver
    for person in ("U_BOB", "U_CAROL"):
        driver.event(running.slack.user_joins(channel, person))
    driver.command("role commander <@U_BOB>", user="U_ALICE", channel=channel)
    driver.say(channel, "Error rate on checkout is 38%, started after deploy 4411", user="U_BOB")
    driver.say(channel, "Rolling back 4411 now", user="U_CAROL")
    driver.command("note Rollback of 4411 started", user="U_BOB", channel=channel)
    driver.say(channel, "Errors back to baseline", user="U_CAROL")
    driver.command("status mitigated rollback complete", user="U_BOB", channel=channel)
    return channel


def resolve_and_wait_for_the_draft(running: Running, channel: str) -> None:
    running.driver.command("resolve rolled back deploy 4411", user="U_BOB", channel=channel)
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "post-mortem draft is ready" in p]
    )


def resolved_with_draft(running: Running) -> str:
    """The incident worked, resolved, and its draft announced in the channel."""
    channel = work_the_incident(running)
    resolve_and_wait_for_the_draft(running, channel)
    return channel


def canvas_of(running: Running, channel: str) -> str:
    slack = running.slack
    canvas = slack.wait_for(lambda: slack.channel_canvas(channel))
    return canvas.markdown


def test_resolving_a_sev2_drafts_the_post_mortem_in_the_channel_canvas(running: Running) -> None:
    channel = work_the_incident(running)
    running.driver.command("resolve rolled back deploy 4411", user="U_BOB", channel=channel)

    markdown = canvas_of(running, channel)
    for heading in SECTIONS:
        assert f"\n{heading}\n" in markdown, heading
    assert markdown.startswith(f"# {FIRST} post-mortem: Checkout API returning 500s")
    # The true timeline: the people, what they said and the changes, in order.
    assert "![](@U_BOB): Error rate on checkout is 38%, started after deploy 4411" in markdown
    assert "![](@U_CAROL): Rolling back 4411 now" in markdown
    assert "Rollback of 4411 started" in markdown
    key_events = markdown.split("### Key events")[1].split("### Conversation")[0]
    assert key_events.index("Declared SEV2") < key_events.index("Incident commander")
    assert key_events.index("Mitigated") < key_events.index("Resolved")
    # Facts computed from the record, never left for the model.
    assert "| Commander | ![](@U_BOB) |" in markdown
    assert re.search(r"\| Time to resolve \| \d+m \|", markdown)
    assert "| Severity | SEV2 (Major) |" in markdown
    # Without a key the template says so, and leaves prompts for the human.
    assert "from the template (no Anthropic API key is set)" in markdown
    assert "_To write: the cause, in a sentence or two._" in markdown
    assert "**What we did.** rolled back deploy 4411" in markdown
    assert "### Post-mortem status: Draft" in markdown
    assert len(markdown) <= CANVAS_MAX_CHARS

    # The channel is told where the draft is and who wrote it.
    told = running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "post-mortem draft is ready" in p]
    )
    assert "because no Anthropic API key is set" in told[0]
    assert "/docs/" in told[0]
    record = running.sitrep.deps.postmortems.record(_incident_id(running, channel))
    assert record is not None and record.source is DraftSource.TEMPLATE
    assert record.status is PostmortemStatus.DRAFT and record.author == "U_BOB"


def test_running_postmortem_again_updates_the_same_canvas(running: Running) -> None:
    channel = resolved_with_draft(running)
    running.driver.say(channel, "Found the root cause: pool size 10 after the deploy", user="U_BOB")

    reply = running.driver.command("postmortem", user="U_BOB", channel=channel)
    assert reply.status == 200
    assert "Drafting the post-mortem" in reply.json["text"]
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "I updated the post-mortem" in r.text]
    )
    canvases = running.slack.canvases_in(channel)
    assert len(canvases) == 1 and canvases[0].edits == 1
    assert "pool size 10 after the deploy" in canvases[0].markdown


def test_publish_and_review_change_the_status_line_of_the_canvas(running: Running) -> None:
    channel = resolved_with_draft(running)

    running.driver.command("postmortem review <@U_CAROL>", user="U_BOB", channel=channel)
    running.slack.wait_for(
        lambda: (
            "### Post-mortem status: In review · reviewers ![](@U_CAROL)"
            in running.slack.channel_canvas(channel).markdown
        )
    )
    running.driver.command("postmortem publish", user="U_BOB", channel=channel)
    markdown = running.slack.wait_for(
        lambda: (
            (m := running.slack.channel_canvas(channel).markdown)
            and "### Post-mortem status: Published" in m
            and m
        )
    )
    assert "## Metadata" in markdown  # only the status line was replaced
    running.slack.wait_for(
        lambda: [p for p in posts(running, channel) if "published" in p and "<@U_BOB>" in p]
    )
    again = running.driver.command("postmortem", user="U_BOB", channel=channel)
    assert again.status == 200
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "is published; edit its canvas" in r.text]
    )
    assert running.slack.channel_canvas(channel).edits == 2  # review and publish, no redraft


def test_export_posts_the_draft_as_a_markdown_file(running: Running) -> None:
    channel = work_the_incident(running)
    early = running.driver.command("postmortem export", user="U_BOB", channel=channel)
    assert "has no post-mortem draft yet" in early.json["text"]

    resolve_and_wait_for_the_draft(running, channel)
    reply = running.driver.command("postmortem export", user="U_BOB", channel=channel)
    assert "Exporting" in reply.json["text"]
    [exported] = running.slack.wait_for(lambda: running.slack.files_in(channel))
    assert exported.name == f"{FIRST}-postmortem.md"
    assert exported.text.startswith(f"# {FIRST} post-mortem")
    assert "@bob: Error rate on checkout" in exported.text  # names, not canvas-only mentions
    assert "![](@" not in exported.text


def test_a_sev3_is_not_drafted_on_resolve_but_can_be_asked_for(running: Running) -> None:
    channel = declare(running, "declare sev3 Checkout API returning 500s")
    running.driver.event(running.slack.user_joins(channel, "U_BOB"))
    running.driver.say(channel, "Looking into it", user="U_BOB")
    running.driver.command("resolve", user="U_BOB", channel=channel)
    running.slack.wait_for(lambda: "Resolved" in announcement(running, channel)[1])
    assert running.slack.channel_canvas(channel) is None
    running.driver.command("postmortem", user="U_BOB", channel=channel)
    assert "Looking into it" in canvas_of(running, channel)


def _incident_id(running: Running, channel: str) -> int:
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.id is not None
    return incident.id


def _web(running: Running) -> WebClient:
    """Someone else's client on the same workspace."""
    return WebClient(token="xoxb-test-token", base_url=running.slack.api_url)


def test_where_the_channel_already_has_a_canvas_the_draft_gets_its_own_tab(
    running: Running,
) -> None:
    channel = work_the_incident(running)
    theirs = _web(running).conversations_canvases_create(
        channel_id=channel, document_content={"type": "markdown", "markdown": "# Runbook"}
    )["canvas_id"]
    resolve_and_wait_for_the_draft(running, channel)
    first, ours = running.slack.canvases_in(channel)
    assert first.id == theirs and first.markdown == "# Runbook"  # left alone
    assert ours.kind == "standalone" and ours.channel_id == channel
    assert ours.markdown.startswith(f"# {FIRST} post-mortem")
    assert ours.access == {channel: "write"}  # the channel's members can refine it


def test_a_deleted_canvas_is_drafted_again_in_a_new_one(running: Running) -> None:
    channel = work_the_incident(running)
    resolve_and_wait_for_the_draft(running, channel)
    old = running.slack.channel_canvas(channel)
    assert old is not None
    _web(running).canvases_delete(canvas_id=old.id)

    running.driver.command("postmortem", user="U_BOB", channel=channel)
    new = running.slack.wait_for(
        lambda: (c := running.slack.channel_canvas(channel)) and c.id != old.id and c
    )
    assert new.markdown.startswith(f"# {FIRST} post-mortem")
    running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "I wrote the post-mortem" in r.text]
    )


def test_a_canvas_written_by_a_process_that_died_before_recording_it_is_reused(
    running: Running,
) -> None:
    channel = work_the_incident(running)
    # What a dead process left: its canvas in the channel, never recorded in the database.
    left = f"# {FIRST} post-mortem: Checkout API returning 500s\n\nhalf a draft"
    orphan = _web(running).conversations_canvases_create(
        channel_id=channel, document_content={"type": "markdown", "markdown": left}
    )["canvas_id"]
    resolve_and_wait_for_the_draft(running, channel)
    [canvas] = running.slack.canvases_in(channel)
    assert canvas.id == orphan and canvas.edits == 1
    assert "## Review checklist" in canvas.markdown
