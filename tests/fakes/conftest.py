"""The fake Slack workspace and a real WebClient pointed at it, for the fakes' own tests."""

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=slack.api_url)
