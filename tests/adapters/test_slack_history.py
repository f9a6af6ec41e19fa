"""A message Sitrep posted is found again by its metadata in the channel's history (or a
thread's replies), whatever page it is on, against the fake Slack Web API."""

from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk import WebClient

from bot.adapters.slack.client import find_message_with_metadata
from tests.fakes.slack_api import FakeSlack

POSTED = {"event_type": "sitrep_notice", "event_payload": {"key": "update:1"}}
A_MINUTE_AGO = datetime.now(UTC) - timedelta(minutes=1)


@pytest.fixture
def room(client: WebClient) -> str:
    return str(client.conversations_create(name="inc-1")["channel"]["id"])


def test_a_message_is_found_by_its_metadata_past_the_first_page(
    client: WebClient, slack: FakeSlack, room: str
) -> None:
    ts = client.chat_postMessage(channel=room, text="the post", metadata=POSTED)["ts"]
    slack.user_joins(room, "U_ALICE")
    for n in range(200):  # a page is 200 messages: the post is on the second
        slack.user_posts(room, "U_ALICE", f"chatter {n}")
    assert find_message_with_metadata(client, room, POSTED, since=A_MINUTE_AGO) == ts
    assert len(slack.calls_to("conversations.history")) == 2


def test_another_key_another_event_type_or_an_older_message_is_not_it(
    client: WebClient, room: str
) -> None:
    other_key = {"event_type": "sitrep_notice", "event_payload": {"key": "update:2"}}
    other_type = {"event_type": "sitrep_declared", "event_payload": {"key": "update:1"}}
    for metadata in (other_key, other_type):
        client.chat_postMessage(channel=room, text="not it", metadata=metadata)
    assert find_message_with_metadata(client, room, POSTED, since=A_MINUTE_AGO) is None
    client.chat_postMessage(channel=room, text="the post", metadata=POSTED)
    later = datetime.now(UTC) + timedelta(seconds=1)
    assert find_message_with_metadata(client, room, POSTED, since=later) is None


def test_a_reply_is_found_in_its_thread_only(client: WebClient, room: str) -> None:
    parent = client.chat_postMessage(channel=room, text="announcement")["ts"]
    reply = client.chat_postMessage(channel=room, text="r", thread_ts=parent, metadata=POSTED)
    assert find_message_with_metadata(client, room, POSTED, since=A_MINUTE_AGO) is None
    found = find_message_with_metadata(client, room, POSTED, since=A_MINUTE_AGO, thread_ts=parent)
    assert found == reply["ts"]
