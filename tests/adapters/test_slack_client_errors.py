"""The Slack client reports every failed attempt, by method and error, to whoever counts
them (the `sitrep_slack_api_errors_total` metric), against the fake Slack Web API."""

import copy
import socket

import pytest
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.client import make_client
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack

Seen = list[tuple[str, str]]


def general(slack: FakeSlack) -> str:
    channel = slack.channel_by_name("general")
    assert channel is not None
    return channel.id


def test_an_error_answer_is_reported_and_still_raised(slack: FakeSlack) -> None:
    seen: Seen = []
    client = make_client(BOT_TOKEN, slack.api_url, on_error=lambda *failure: seen.append(failure))
    slack.fail_next("conversations.info", "channel_not_found")
    with pytest.raises(SlackApiError):
        client.conversations_info(channel=general(slack))
    assert client.conversations_info(channel=general(slack))["ok"]
    assert seen == [("conversations.info", "channel_not_found")]


def test_a_rate_limited_attempt_is_reported_though_the_retry_succeeds(slack: FakeSlack) -> None:
    seen: Seen = []
    client = make_client(BOT_TOKEN, slack.api_url, on_error=lambda *failure: seen.append(failure))
    slack.rate_limit("conversations.info", retry_after=0)
    assert client.conversations_info(channel=general(slack))["ok"]
    assert seen == [("conversations.info", "ratelimited")]


def test_a_dropped_connection_is_reported_for_each_attempt() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/api/"
    seen: Seen = []
    client = make_client(BOT_TOKEN, url, on_error=lambda *failure: seen.append(failure))
    with pytest.raises(OSError):
        client.users_info(user="U_ALICE")  # idempotent: tried three times
    assert [method for method, _ in seen] == ["users.info"] * 3


def test_bolts_deep_copies_of_the_client_report_to_the_same_place(slack: FakeSlack) -> None:
    seen: Seen = []
    client = make_client(BOT_TOKEN, slack.api_url, on_error=lambda *failure: seen.append(failure))
    twin = copy.deepcopy(client)
    slack.fail_next("pins.add", "no_pin")
    with pytest.raises(SlackApiError):
        twin.pins_add(channel=general(slack), timestamp="1.0")
    assert seen == [("pins.add", "no_pin")]
