"""A category suggested by Claude when an Anthropic key is set, through a loopback fake of
the Messages API: posted beside the keywords' suggestion when it differs, confirmed with
one click; any failure or an answer outside the taxonomy suggests nothing more."""

import json
from typing import Any

import pytest

from tests.e2e.conftest import Running
from tests.e2e.test_categories import suggestion
from tests.e2e.test_declare import declare
from tests.e2e.test_lifecycle import wait_shown
from tests.fakes.anthropic_api import Failure, FakeAnthropic, Reply


@pytest.fixture
def extra_settings(claude: FakeAnthropic) -> dict[str, Any]:
    return {
        "anthropic_api_key": claude.api_key,
        "anthropic_base_url": claude.base_url,
        "sitrep_ai_timeout": 1.5,
        "sitrep_ai_max_retries": 0,
    }


def claude_said(running: Running, channel: str) -> str:
    """The ts of the post with the model's suggestion."""
    slack = running.slack
    return slack.wait_for(
        lambda: next(
            (m.ts for m in slack.messages(channel) if m.bot_id and "Claude suggests" in m.all_text),
            None,
        )
    )


def test_the_models_category_is_offered_beside_the_keywords_and_confirmed(
    running: Running, claude: FakeAnthropic
) -> None:
    claude.script(Reply({"category": "database/connection POOL"}))
    channel = declare(running)  # "Checkout API returning 500s": keywords say Application/API
    suggestion(running, channel)
    ts = claude_said(running, channel)
    assert "*Database/connection pool*" in running.slack.message(channel, ts).all_text

    [asked] = [r for r in claude.requests if "categor" in json.dumps(r.body["system"])]
    prompt = json.dumps(asked.body["messages"])
    assert "Checkout API returning 500s" in prompt and "Database/replication" in prompt

    running.driver.click(channel, ts, "Confirm", user="U_BOB")
    wait_shown(running, channel, "*Category:* Database/connection pool")


@pytest.mark.parametrize(
    "answer",
    [Failure(529, "overloaded_error"), Reply({"category": "Kitchen/sink"}),
     Reply({"category": "Application/API"}), Reply({"category": "none"})],
)  # fmt: skip
def test_a_failure_or_an_answer_adding_nothing_posts_nothing_more(
    running: Running, claude: FakeAnthropic, answer: Any
) -> None:
    claude.script(answer)
    channel = declare(running)
    suggestion(running, channel)
    running.slack.wait_for(lambda: claude.requests or None)
    running.driver.command("note waiting for the model", channel=channel)
    running.slack.wait_for(
        lambda: [
            m for m in running.slack.messages(channel) if "waiting for the model" in m.all_text
        ]
    )
    assert not [m for m in running.slack.messages(channel) if "Claude suggests" in m.all_text]
