"""`/incident action export`: an incident's open action items become Jira issues, through
a loopback fake of Jira's REST API; each item becomes one issue, whatever fails on the way."""

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import FastForward, Running
from tests.e2e.test_action_items import posted
from tests.e2e.test_declare import FIRST, declare
from tests.fakes.jira_api import API_TOKEN, EMAIL, FakeJira


@pytest.fixture
def jira() -> Iterator[FakeJira]:
    with FakeJira() as fake:
        yield fake


@pytest.fixture
def extra_settings(jira: FakeJira) -> dict[str, Any]:
    return {
        "jira_url": jira.base_url,
        "jira_email": EMAIL,
        "jira_api_token": API_TOKEN,
        "jira_project": "OPS",
    }


def with_items(running: Running) -> str:
    channel = declare(running)
    command = running.driver.command
    command("action Alert on pool saturation <@U_BOB> due:in 2w p1", channel=channel)
    command("action Write the failover runbook <@U_CAROL> p3", channel=channel)
    posted(running, channel, "Write the failover runbook")
    return channel


def answer(running: Running, text: str) -> str:
    [found] = running.slack.wait_for(
        lambda: [r.text for r in running.slack.responses() if text in r.text]
    )
    return found


def test_open_action_items_become_jira_issues_once(running: Running, jira: FakeJira) -> None:
    channel = with_items(running)
    reply = running.driver.command("action export", user="U_BOB", channel=channel)
    assert reply.json["text"] == f"Sending the open action items of {FIRST} to Jira…"
    sent = answer(running, "Sent 2 action items")
    assert "OPS-1" in sent and "OPS-2" in sent
    alert, runbook = jira.issues
    assert alert.fields["summary"] == "Alert on pool saturation"
    assert alert.fields["priority"] == {"name": "High"}
    assert runbook.fields["priority"] == {"name": "Low"}
    assert "sitrep" in alert.fields["labels"] and FIRST.lower() in alert.fields["labels"]
    assert alert.fields["description"]["type"] == "doc"
    posted(running, channel, "sent *Alert on pool saturation* to Jira as")
    listed = running.driver.command("actions all", user="U_BOB", channel=channel).text
    assert f"{jira.base_url}/browse/OPS-1|OPS-1" in listed

    running.driver.command(f"action export {FIRST}", user="U_BOB")  # again, from elsewhere
    answer(running, "2 already had an issue")
    assert len(jira.issues) == 2


def test_a_refusal_is_told_in_plain_words_and_a_retry_exports_the_rest(
    running: Running, jira: FakeJira
) -> None:
    channel = with_items(running)
    jira.fail(status=500)
    running.driver.command("action export", user="U_BOB", channel=channel)
    assert "Stopped: Jira failed (500); try again later." in answer(running, "Stopped")
    running.driver.command("action export", user="U_BOB", channel=channel)
    answer(running, "Sent 2 action items")
    assert [i.key for i in jira.issues] == ["OPS-1", "OPS-2"]


def test_a_create_whose_answer_was_lost_is_found_later_not_made_twice(
    running: Running, jira: FakeJira, clock: FastForward
) -> None:
    channel = with_items(running)
    jira.drop_answer()  # Jira makes OPS-1, and its answer never arrives
    running.driver.command("action export", user="U_BOB", channel=channel)
    assert "the issue may exist already" in answer(running, "Stopped")
    running.driver.command("action export", user="U_BOB", channel=channel)
    second = answer(running, "being exported")
    assert "Sent 1 action item" in second and "OPS-2" in second  # the other item goes on
    clock.advance(minutes=3)  # the first export's claim lapses
    running.driver.command("action export", user="U_BOB", channel=channel)
    third = answer(running, "1 already had an issue")
    assert "Sent 1 action item" in third and "OPS-1" in third
    assert [i.key for i in jira.issues] == ["OPS-1", "OPS-2"]  # OPS-1 was found, not redone
