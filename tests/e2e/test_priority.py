"""The priority matrix, turned on in the policy: the announcement shows the priority once
the scope of impact is known, and follows severity changes."""

import pytest

from bot.config import Policy
from bot.priority import PriorityMatrix
from tests.e2e.conftest import Running
from tests.e2e.test_declare import declare
from tests.e2e.test_lifecycle import announcement, wait_shown
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    return Policy(announcements_channel=channel.id, priority_matrix=PriorityMatrix(enabled=True))


def test_the_priority_follows_scope_and_severity(running: Running) -> None:
    channel = declare(running)  # SEV2, no scope yet: no priority
    assert "Priority" not in announcement(running, channel)[1]
    running.driver.command("scope company_wide", channel=channel)
    wait_shown(running, channel, "*Priority:* P1", "*Scope:* company-wide")
    running.driver.command("sev 4", channel=channel)
    wait_shown(running, channel, "*Priority:* P3")
    running.driver.command("scope individual", channel=channel)
    wait_shown(running, channel, "*Priority:* P5")
