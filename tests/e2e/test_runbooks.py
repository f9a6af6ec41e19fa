"""The runbook library, as people and monitoring meet it: runbooks linked when an incident
is declared (by the form, by an alert), and `/incident runbook` searching the library."""

from pathlib import Path
from typing import Any

import pytest

from bot.adapters.slack.ids import Field
from bot.config import Alerts, AlertSource, Policy, Runbook, Service
from models import EntryKind, LinkKind
from tests.e2e.conftest import Running
from tests.e2e.harness import declare_form
from tests.e2e.test_alerts import TOKEN, deliver, firing, opened
from tests.e2e.test_declare import YEAR, declare
from tests.e2e.test_lifecycle import posts, wait_shown
from tests.e2e.test_postmortem import canvas_of, resolve_and_wait_for_the_draft
from tests.e2e.test_search import declare as declare_titled
from tests.fakes.slack_api import FakeSlack

API_RUNBOOK = "https://wiki.example.com/runbooks/api"
REPLICATION_RUNBOOK = "https://wiki.example.com/runbooks/replication"
DISK_TEXT = "# Disk full\n\nFree space with **care**:\n\n- rotate logs in `/var/log`\n"


@pytest.fixture
def policy(slack: FakeSlack, tmp_path: Path) -> Policy:
    incidents = slack.channel_by_name("incidents")
    assert incidents is not None
    folder = tmp_path / "runbooks"
    folder.mkdir()
    (folder / "disk-full.md").write_text(DISK_TEXT)
    return Policy(
        announcements_channel=incidents.id,
        services=(Service(name="api"), Service(name="checkout")),
        alerts=Alerts(sources={"alertmanager": AlertSource(token=TOKEN)}),
        runbooks_folder=str(folder),
        runbooks=(
            Runbook(title="API errors", url=API_RUNBOOK, services=("api",)),
            Runbook(title="Disk full", file="disk-full.md", alerts=("Disk*",)),
            Runbook(
                title="Checkout", url="https://wiki.example.com/checkout", services=("checkout",)
            ),
            Runbook(
                title="Replication lag",
                url=REPLICATION_RUNBOOK,
                categories=("Database/replication",),
            ),
        ),
    )


def _with_services(values: dict[str, Any], *services: str) -> dict[str, Any]:
    options = [{"text": {"type": "plain_text", "text": s}, "value": s} for s in services]
    state = {"type": "multi_static_select", "selected_options": options}
    return {**values, Field.SERVICES: {Field.SERVICES: state}}


def test_a_runbook_for_the_declared_services_is_linked_and_bookmarked(running: Running) -> None:
    slack = running.slack
    running.driver.command("declare", user="U_BOB")
    [view] = slack.wait_for(lambda: slack.open_views("U_BOB"))
    running.driver.submit(view.id, _with_services(declare_form("API down", "sev2"), "api"))
    channel = slack.wait_for(lambda: slack.channel_by_name(f"inc-{YEAR}-0001-api-down")).id

    [bookmark] = slack.wait_for(lambda: slack.bookmarks(channel))
    assert (bookmark.title, bookmark.link) == ("API errors", API_RUNBOOK)
    [post] = slack.wait_for(lambda: [p for p in posts(running, channel) if ":link:" in p])
    assert f"Sitrep linked a runbook: <{API_RUNBOOK}|API errors>" in post
    wait_shown(running, channel, f"*Runbook* <{API_RUNBOOK}|API errors>")
    incident = running.sitrep.deps.incidents.find(None, channel)
    assert incident.id is not None
    [link] = running.sitrep.deps.incidents.links(incident.id)
    assert (link.kind, link.added_by) == (LinkKind.RUNBOOK, None)

    listed = running.driver.command("runbook", channel=channel)
    assert listed.json["response_type"] == "ephemeral"
    assert "API errors" in listed.text and "Checkout" not in listed.text

    resolve_and_wait_for_the_draft(running, channel)
    checklist = f"- [ ] Does a runbook need updating? Used: [API errors]({API_RUNBOOK})"
    assert checklist in canvas_of(running, channel)


def test_an_alert_declares_with_its_runbooks_linked_and_the_file_one_posted(
    running: Running,
) -> None:
    reply = deliver(running, "alertmanager", firing("DiskSpaceLow"))  # job=api: service api
    assert reply.status == 202, reply
    channel = opened(running, reply.json["incident"])
    slack = running.slack

    bookmarks = slack.wait_for(
        lambda: len(slack.bookmarks(channel)) >= 2 and slack.bookmarks(channel)
    )
    assert API_RUNBOOK in {b.link for b in bookmarks}  # with the alert's own runbook_url
    assert all("Disk full" not in b.title for b in bookmarks)  # a file has no address
    [runbook] = slack.wait_for(lambda: [p for p in posts(running, channel) if "Runbook: Disk" in p])
    assert "*Disk full*" in runbook and "Free space with *care*" in runbook
    assert "• rotate logs in `/var/log`" in runbook

    # A retried delivery links nothing twice.
    again = deliver(running, "alertmanager", firing("DiskSpaceLow"))
    assert again.status == 202
    incident = running.sitrep.deps.incidents.find(reply.json["incident"], None)
    assert incident.id is not None
    entries = running.sitrep.deps.incidents.timeline(incident.id)
    assert len([e for e in entries if e.kind is EntryKind.RUNBOOK]) == 1
    kinds = [link.kind for link in running.sitrep.deps.incidents.links(incident.id)]
    assert kinds.count(LinkKind.RUNBOOK) == 2  # the alert's runbook_url and the library's


def test_the_runbook_command_searches_the_library(running: Running) -> None:
    channel = declare(running)  # by command: no services, no alerts, no runbooks
    driver = running.driver

    found = driver.command("runbook disk", channel=channel)
    assert found.json["response_type"] == "ephemeral"
    assert "Disk full" in found.text and "in the library" in found.text
    assert "API errors" not in found.text

    assert (
        "No runbook matches the services or alerts"
        in driver.command("runbook", channel=channel).text
    )
    everything = driver.command("runbooks", channel=running.general)
    assert all(t in everything.text for t in ("API errors", "Checkout", "Disk full"))
    assert "No runbook mentions `nothing here`" in driver.command("runbook nothing here").text
    refused = driver.command("runbook ???")
    assert "Search the runbooks with words" in refused.text
    assert "/incident runbook [words]" in refused.text


def test_a_runbook_for_a_category_is_linked_once_the_category_is_set(running: Running) -> None:
    slack = running.slack
    channel = declare_titled(running, "declare sev2 Orders slow", "U_ALICE")  # no category
    assert slack.bookmarks(channel) == []
    running.driver.command("category Database/replication", channel=channel)
    [bookmark] = slack.wait_for(lambda: slack.bookmarks(channel))
    assert (bookmark.title, bookmark.link) == ("Replication lag", REPLICATION_RUNBOOK)
    running.driver.command("category Database/caching", channel=channel)
    running.driver.command("category Database/replication", channel=channel)
    slack.wait_for(lambda: [p for p in posts(running, channel) if "Database/replication" in p])
    assert len(slack.bookmarks(channel)) == 1  # attached once
