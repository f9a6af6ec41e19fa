"""The fake Slack behaves like Slack, checked through the real slack_sdk and slack_bolt clients."""

from __future__ import annotations

import threading
import types
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from slack_bolt import Ack, App, Say
from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RetryHandler, builtin_handlers
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.web import SlackResponse
from slack_sdk.webhook import WebhookClient

from tests.fakes.slack_api import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, FakeSlack

INCIDENTS = "C_INCIDENTS"  # seeded, public, the bot is not a member
GENERAL = "C_GENERAL"
Blocks = list[dict[str, Any]]


@pytest.fixture
def room(client: WebClient) -> str:
    """A channel the bot created, so it is a member; alice and bob are in it too."""
    channel_id: str = client.conversations_create(name="inc-1")["channel"]["id"]
    client.conversations_invite(channel=channel_id, users="U_ALICE,U_BOB")
    return channel_id


def refusal(call: Callable[..., object], /, **arguments: Any) -> SlackResponse:
    """The response of a call Slack refuses."""
    with pytest.raises(SlackApiError) as raised:
        call(**arguments)
    response: SlackResponse = raised.value.response
    return response


def error(call: Callable[..., object], /, **arguments: Any) -> str:
    """The error code of a call Slack refuses."""
    return str(refusal(call, **arguments)["error"])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def button(label: str, action_id: str = "go", **extra: Any) -> dict[str, Any]:
    return {"type": "button", "text": plain(label), "action_id": action_id} | extra


def actions(*elements: dict[str, Any]) -> dict[str, Any]:
    return {"type": "actions", "elements": list(elements)}


def modal(title: str = "Declare", blocks: Blocks | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "declare",
        "title": plain(title),
        "blocks": blocks if blocks is not None else [section("Details")],
    } | extra


# -- authentication ------------------------------------------------------------------------------


def test_a_call_without_a_token_is_not_authed(slack: FakeSlack) -> None:
    assert error(WebClient(base_url=slack.api_url).auth_test) == "not_authed"


def test_an_unknown_token_is_invalid_auth(slack: FakeSlack) -> None:
    stranger = WebClient(token="xoxb-nope", base_url=slack.api_url)
    assert error(stranger.auth_test) == "invalid_auth"


def test_the_app_token_only_opens_socket_connections(slack: FakeSlack, client: WebClient) -> None:
    app = WebClient(token=APP_TOKEN, base_url=slack.api_url)
    assert app.apps_connections_open(app_token=APP_TOKEN)["url"].startswith("ws://127.0.0.1:")
    assert error(app.chat_postMessage, channel=GENERAL, text="x") == "not_allowed_token_type"
    assert error(client.apps_connections_open, app_token=BOT_TOKEN) == "not_allowed_token_type"


def test_auth_test_names_the_bot(client: WebClient) -> None:
    identity = client.auth_test()
    assert (identity["user_id"], identity["bot_id"]) == (BOT_USER_ID, "B_SITREP")
    assert identity["team_id"] == "T_TEST"


def test_an_unknown_method_is_refused_with_http_200(slack: FakeSlack, client: WebClient) -> None:
    response = refusal(client.api_call, api_method="incidents.declare")
    assert (response.status_code, response["error"]) == (200, "unknown_method")
    assert slack.calls[-1].method == "incidents.declare"


# -- channels ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "invalid_name_required"),
        ("x" * 81, "invalid_name_maxlength"),
        ("Inc-1", "invalid_name_specials"),
        ("inc 1", "invalid_name_specials"),
        ("inc.1", "invalid_name_specials"),
        ("--_", "invalid_name_punctuation"),
        ("general", "name_taken"),
    ],
)
def test_channel_names_follow_slacks_rules(client: WebClient, name: str, expected: str) -> None:
    assert error(client.conversations_create, name=name) == expected


def test_the_creating_bot_is_a_member_and_private_channels_are_private(
    slack: FakeSlack, client: WebClient
) -> None:
    longest = "inc-2024-0001_" + "x" * 66
    public = client.conversations_create(name=longest)["channel"]
    private = client.conversations_create(name="inc-secret", is_private=True)["channel"]
    assert public["is_member"] and not public["is_private"] and public["id"].startswith("C")
    assert private["is_private"] and private["id"].startswith("G")
    assert slack.members(private["id"]) == {BOT_USER_ID}
    assert slack.channel_by_name("inc-secret") is not None


def test_users_conversations_lists_the_bots_channels_a_page_at_a_time(
    slack: FakeSlack, client: WebClient
) -> None:
    made = [client.conversations_create(name=f"inc-{n}")["channel"]["id"] for n in range(3)]
    secret = client.conversations_create(name="inc-secret", is_private=True)["channel"]["id"]
    slack.add_channel("not-ours", members=("U_ALICE",))  # the bot is not in it
    slack.user_archives(made[0], "U_ALICE")
    both = "public_channel,private_channel"

    def listed(**arguments: Any) -> list[list[str]]:
        pages, cursor = [], None
        while True:
            page = client.users_conversations(limit=2, cursor=cursor, **arguments)
            pages.append([c["id"] for c in page["channels"]])
            cursor = page["response_metadata"]["next_cursor"]
            if not cursor:
                return pages

    def ids(**arguments: Any) -> list[str]:
        return [channel for page in listed(**arguments) for channel in page]

    public = [c.id for c in slack.channels() if not c.is_private and BOT_USER_ID in c.members]
    assert ids() == public  # public channels only, unless asked
    assert ids(types=both, exclude_archived=True) == [c for c in [*public, secret] if c != made[0]]
    assert all(len(page) <= 2 for page in listed(types=both))
    [channel] = [c for c in client.users_conversations(types=both)["channels"] if c["id"] == secret]
    assert channel["creator"] == BOT_USER_ID and channel["name"] == "inc-secret"
    assert error(client.users_conversations, cursor="bm90LWEtY3Vyc29y") == "invalid_cursor"


def test_the_bot_posts_only_where_it_is_a_member(slack: FakeSlack, client: WebClient) -> None:
    secret = slack.add_channel("leadership", private=True, members=("U_ALICE",))
    for channel, expected in [
        (INCIDENTS, "not_in_channel"),
        (secret.id, "channel_not_found"),
        ("C_NOPE", "channel_not_found"),
    ]:
        assert error(client.chat_postMessage, channel=channel, text="hi") == expected

    client.conversations_join(channel=INCIDENTS)
    ts = client.chat_postMessage(channel=INCIDENTS, text="SEV2 declared")["ts"]

    assert slack.message(INCIDENTS, ts).text == "SEV2 declared"
    assert [m.text for m in slack.messages(INCIDENTS)] == ["SEV2 declared"]
    assert slack.messages(INCIDENTS, include_system=True)[0].subtype == "channel_join"


def test_a_user_id_as_channel_posts_to_the_bots_dm(slack: FakeSlack, client: WebClient) -> None:
    posted = client.chat_postMessage(channel="U_BOB", text="INC-1 is declared")
    opened = client.conversations_open(users="U_BOB")["channel"]["id"]
    assert posted["channel"] == opened and opened.startswith("D")
    assert [m.text for m in slack.direct_messages("U_BOB")] == ["INC-1 is declared"]
    assert slack.direct_messages("U_CAROL") == []


def test_joining_is_for_public_channels_and_idempotent(slack: FakeSlack, client: WebClient) -> None:
    secret = slack.add_channel("leadership", private=True, members=("U_ALICE",))
    refused = error(client.conversations_join, channel=secret.id)
    assert refused == "method_not_supported_for_channel_type"
    client.conversations_join(channel=INCIDENTS)
    again = client.conversations_join(channel=INCIDENTS)
    assert again["warning"] == "already_in_channel"
    assert again["response_metadata"]["warnings"] == ["already_in_channel"]


def test_inviting_needs_membership_and_reports_each_user(
    slack: FakeSlack, client: WebClient
) -> None:
    invite = client.conversations_invite
    assert error(invite, channel=INCIDENTS, users="U_ALICE") == "not_in_channel"
    channel = client.conversations_create(name="inc-2")["channel"]["id"]

    refused = refusal(invite, channel=channel, users="U_NOBODY,U_SITREP")
    assert refused["error"] == "user_not_found"
    assert refused["errors"] == [
        {"user": "U_NOBODY", "ok": False, "error": "user_not_found"},
        {"user": "U_SITREP", "ok": False, "error": "cant_invite_self"},
    ]
    invite(channel=channel, users=["U_ALICE", "U_BOB"])
    assert slack.members(channel) == {BOT_USER_ID, "U_ALICE", "U_BOB"}
    assert error(invite, channel=channel, users="U_BOB") == "already_in_channel"


def test_topics_need_membership_and_fit_250_characters(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    set_topic = client.conversations_setTopic
    assert error(set_topic, channel=INCIDENTS, topic="x") == "not_in_channel"
    assert error(set_topic, channel=room, topic="x" * 251) == "too_long"
    channel = set_topic(channel=room, topic="SEV2 · Investigating")["channel"]
    assert channel["topic"]["value"] == slack.topic(room) == "SEV2 · Investigating"


def test_ephemeral_messages_go_to_members_only(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    whisper = client.chat_postEphemeral
    assert error(whisper, channel=room, user="U_CAROL", text="psst") == "user_not_in_channel"
    whisper(channel=room, user="U_ALICE", text="only you")
    assert [e.text for e in slack.ephemerals(channel=room, user="U_ALICE")] == ["only you"]
    assert slack.messages(room) == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_messages_need_content_of_a_sane_length(client: WebClient, room: str) -> None:
    post = client.chat_postMessage
    assert error(post, channel=room, text="") == "no_text"
    assert error(post, channel=room, text="x" * 40_001) == "msg_too_long"
    # Slack threads under a parent it cannot find rather than refusing.
    assert post(channel=room, text="x", thread_ts="1.000001")["ok"]


def test_updates_and_deletes_are_for_the_bots_own_messages(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    theirs = slack.user_posts(room, "U_ALICE", "hello")["ts"]
    ours = client.chat_postMessage(channel=room, text="v1")["ts"]
    update, delete = client.chat_update, client.chat_delete
    assert error(update, channel=room, ts=theirs, text="x") == "cant_update_message"
    assert error(update, channel=room, ts="1.000000", text="x") == "message_not_found"
    assert error(delete, channel=room, ts=theirs) == "cant_delete_message"

    update(channel=room, ts=ours, text="v2")
    updated = slack.message(room, ours)
    assert updated.text == "v2"
    assert [revision.text for revision in updated.history] == ["v1"]
    assert updated.edited is not None and updated.edited["user"] == BOT_USER_ID
    delete(channel=room, ts=ours)
    assert [m.ts for m in slack.messages(room)] == [theirs]


def test_permalinks_point_at_the_message(client: WebClient, room: str) -> None:
    ts = client.chat_postMessage(channel=room, text="x")["ts"]
    link = client.chat_getPermalink(channel=room, message_ts=ts)["permalink"]
    assert link == f"https://fake.slack.test/archives/{room}/p{ts.replace('.', '')}"


# -- history, threads, metadata ------------------------------------------------------------------


def test_history_lists_top_level_messages_newest_first_with_metadata_on_request(
    client: WebClient, room: str
) -> None:
    metadata = {"event_type": "incident_declared", "event_payload": {"incident": "INC-1"}}
    parent = client.chat_postMessage(channel=room, text="announcement", metadata=metadata)["ts"]
    client.chat_postMessage(channel=room, text="update 1", thread_ts=parent)
    client.chat_postMessage(channel=room, text="latest")

    history = client.conversations_history(channel=room, include_all_metadata=True)["messages"]
    assert [m["text"] for m in history if "subtype" not in m] == ["latest", "announcement"]
    announcement = next(m for m in history if m["ts"] == parent)
    assert announcement["metadata"] == metadata
    assert announcement["reply_count"] == 1
    plain_history = client.conversations_history(channel=room)["messages"]
    assert all("metadata" not in m for m in plain_history)

    thread = client.conversations_replies(channel=room, ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["announcement", "update 1"]
    assert thread[1]["parent_user_id"] == BOT_USER_ID


def test_history_pages_with_cursors(client: WebClient, room: str) -> None:
    for n in range(3):
        client.chat_postMessage(channel=room, text=f"m{n}")
    first = client.conversations_history(channel=room, limit=2)
    assert first["has_more"] and len(first["messages"]) == 2
    cursor = first["response_metadata"]["next_cursor"]
    rest = client.conversations_history(channel=room, limit=10, cursor=cursor)
    pages = [*first["messages"], *rest["messages"]]
    assert [m["text"] for m in pages if "subtype" not in m] == ["m2", "m1", "m0"]
    refused = error(client.conversations_history, channel=room, cursor="bm9wZQ==")
    assert refused == "invalid_cursor"


def test_history_needs_membership(client: WebClient) -> None:
    assert error(client.conversations_history, channel=INCIDENTS) == "not_in_channel"


# -- Block Kit -----------------------------------------------------------------------------------


def options(count: int, label: str = "opt") -> Blocks:
    return [{"text": plain(label), "value": f"v{i}"} for i in range(count)]


def pick(*, action_id: str = "s", **menu: Any) -> dict[str, Any]:
    return {"type": "static_select", "action_id": action_id} | menu


def text_input(**element: Any) -> dict[str, Any]:
    field = {"type": "plain_text_input", "action_id": "t"} | element
    return {"type": "input", "label": plain("Title"), "element": field}


BLOCK_LIMITS: dict[str, tuple[Blocks, str]] = {
    "51 blocks": (
        [section("x")] * 51,
        "no more than 50 items allowed [json-pointer:/blocks]",
    ),
    "11 section fields": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/fields]",
    ),
    "section field over 2000": (
        [{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}],
        "must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]",
    ),
    "empty section text": (
        [section("")],
        "must be more than 0 characters [json-pointer:/blocks/0/text/text]",
    ),
    "mrkdwn header": (
        [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
        "must be a valid enum value [json-pointer:/blocks/0/text/type]",
    ),
    "button text over 75": (
        [actions(button("b" * 76))],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]",
    ),
    "mrkdwn button text": (
        [actions(button("b") | {"text": {"type": "mrkdwn", "text": "b"}})],
        "must be a valid enum value [json-pointer:/blocks/0/elements/0/text/type]",
    ),
    "button value over 2000": (
        [actions(button("b", value="v" * 2001))],
        "must be less than 2001 characters [json-pointer:/blocks/0/elements/0/value]",
    ),
    "action_id over 255": (
        [actions(button("b", action_id="a" * 256))],
        "must be less than 256 characters [json-pointer:/blocks/0/elements/0/action_id]",
    ),
    "duplicate action_id in a block": (
        [actions(button("a"), button("b"))],
        "duplicate action_id: go [json-pointer:/blocks/0/elements/1/action_id]",
    ),
    "block_id over 255": (
        [section("x") | {"block_id": "b" * 256}],
        "must be less than 256 characters [json-pointer:/blocks/0/block_id]",
    ),
    "duplicate block_id": (
        [section("x") | {"block_id": "same"}, section("y") | {"block_id": "same"}],
        "duplicate block_id: same [json-pointer:/blocks/1/block_id]",
    ),
    "26 actions": (
        [actions(*(button("b", action_id=f"a{i}") for i in range(26)))],
        "no more than 25 items allowed [json-pointer:/blocks/0/elements]",
    ),
    "11 context elements": (
        [{"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11}],
        "no more than 10 items allowed [json-pointer:/blocks/0/elements]",
    ),
    "101 select options": (
        [section("pick") | {"accessory": pick(options=options(101))}],
        "no more than 100 items allowed [json-pointer:/blocks/0/accessory/options]",
    ),
    "option text over 75": (
        [actions(pick(options=options(1, "o" * 76)))],
        "must be less than 76 characters [json-pointer:/blocks/0/elements/0/options/0/text/text]",
    ),
    "input label over 2000": (
        [text_input() | {"label": plain("l" * 2001)}],
        "must be less than 2001 characters [json-pointer:/blocks/0/label/text]",
    ),
    "plain_text_input max_length over 3000": (
        [text_input(max_length=3001)],
        "must be less than or equal to 3000 [json-pointer:/blocks/0/element/max_length]",
    ),
    "unknown block type": (
        [{"type": "carousel"}],
        "must be a valid enum value [json-pointer:/blocks/0/type]",
    ),
}


@pytest.mark.parametrize(("blocks", "problem"), BLOCK_LIMITS.values(), ids=BLOCK_LIMITS.keys())
def test_messages_over_block_kit_limits_are_invalid_blocks(
    client: WebClient, room: str, blocks: Blocks, problem: str
) -> None:
    post = partial(client.chat_postMessage, channel=room, text="fallback", blocks=blocks)
    response = refusal(post)
    assert response["error"] == "invalid_blocks"
    assert problem in response["errors"]
    assert f"[ERROR] {problem}" in response["response_metadata"]["messages"]


def test_over_long_text_is_refused_in_slacks_exact_words(client: WebClient, room: str) -> None:
    # Both bodies as Slack returned them (reference payloads, webapi_examples.json `_observed`).
    def post(*blocks: dict[str, Any]) -> SlackResponse:
        return refusal(client.chat_postMessage, channel=room, text="x", blocks=list(blocks))

    assert post(section("x" * 3001))["errors"] == [
        "failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]
    header = {"type": "header", "text": plain("h" * 151)}
    assert post(header)["response_metadata"]["messages"] == [
        "[ERROR] must be no longer than 150 characters [json-pointer:/blocks/0/text/text]"
    ]


def test_limits_hold_at_exactly_the_maximum(client: WebClient, room: str) -> None:
    header = {"type": "header", "text": plain("h" * 150)}
    blocks = [section("x" * 3000), header, *[{"type": "divider"}] * 48]
    assert client.chat_postMessage(channel=room, text="fallback", blocks=blocks)["ok"]


def test_updates_and_ephemerals_are_validated_too(client: WebClient, room: str) -> None:
    ts = client.chat_postMessage(channel=room, text="v1")["ts"]
    too_many = [section("x")] * 51
    update = partial(client.chat_update, channel=room, ts=ts, text="v2")
    whisper = partial(client.chat_postEphemeral, channel=room, user="U_ALICE", text="x")
    assert error(update, blocks=too_many) == error(whisper, blocks=too_many) == "invalid_blocks"


@pytest.mark.parametrize(
    ("view", "problem"),
    [
        (modal("x" * 25), "must be less than 25 characters [json-pointer:/view/title/text]"),
        (
            modal(submit=plain("s" * 25)),
            "must be less than 25 characters [json-pointer:/view/submit/text]",
        ),
        (
            modal(close={"type": "mrkdwn", "text": "c"}),
            "must be a valid enum value [json-pointer:/view/close/type]",
        ),
        (
            modal(blocks=[section("x")] * 101),
            "no more than 100 items allowed [json-pointer:/view/blocks]",
        ),
    ],
    ids=["title", "submit", "close", "101 blocks"],
)
def test_modals_over_limits_are_invalid_arguments(
    slack: FakeSlack, client: WebClient, view: dict[str, Any], problem: str
) -> None:
    trigger = slack.issue_trigger_id("U_ALICE")
    response = refusal(client.views_open, trigger_id=trigger, view=view)
    assert response["error"] == "invalid_arguments"
    assert response["response_metadata"]["messages"] == [f"[ERROR] {problem}"]
    assert "errors" not in response
    # The trigger was not spent on a view Slack refused.
    assert client.views_open(trigger_id=trigger, view=modal())["ok"]


# -- rate limits and injected failures -----------------------------------------------------------


def test_a_rate_limited_call_succeeds_after_retry_after(
    slack: FakeSlack, room: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr(builtin_handlers, "time", types.SimpleNamespace(sleep=waits.append))
    retrying: list[RetryHandler] = [RateLimitErrorRetryHandler(max_retry_count=1)]
    patient = WebClient(token=BOT_TOKEN, base_url=slack.api_url, retry_handlers=retrying)
    slack.rate_limit("chat.postMessage", times=1, retry_after=1)

    assert patient.chat_postMessage(channel=room, text="eventually")["ok"]

    assert [call.status for call in slack.calls_to("chat.postMessage")] == [429, 200]
    assert len(waits) == 1 and 1 <= waits[0] < 2  # slack_sdk waits Retry-After plus jitter
    assert [m.text for m in slack.messages(room)] == ["eventually"]


def test_a_rate_limited_call_is_a_429_with_retry_after(slack: FakeSlack, client: WebClient) -> None:
    slack.rate_limit("auth.test", retry_after=7)
    response = refusal(client.auth_test)
    assert (response.status_code, response["error"]) == (429, "ratelimited")
    assert response.headers["Retry-After"] == "7"
    assert client.auth_test()["ok"]


def test_injected_failures_apply_to_the_next_calls_only(
    slack: FakeSlack, client: WebClient
) -> None:
    slack.fail_next("conversations.create", "restricted_action", times=2)
    create = partial(client.conversations_create, name="a")
    assert error(create) == error(create) == "restricted_action"
    assert create()["ok"]
    outcomes = [call.error for call in slack.calls_to("conversations.create")]
    assert outcomes == ["restricted_action", "restricted_action", None]


def test_calls_are_recorded_with_decoded_arguments(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    client.chat_postMessage(channel=room, text="x", blocks=[section("x")])  # sent as JSON
    client.conversations_setPurpose(channel=room, purpose="why")  # sent as a form
    error(client.chat_postMessage, channel=INCIDENTS, text="y")  # refused calls too
    post, purpose, refused = slack.calls[-3:]
    assert post.args["blocks"] == [section("x")] and post.token == BOT_TOKEN
    assert purpose.args == {"channel": room, "purpose": "why"}
    assert (refused.args, refused.status, refused.error) == (
        {"channel": INCIDENTS, "text": "y"},
        200,
        "not_in_channel",
    )


# -- views ---------------------------------------------------------------------------------------


def test_a_trigger_id_opens_one_modal(slack: FakeSlack, client: WebClient) -> None:
    trigger = slack.issue_trigger_id("U_BOB")
    view = client.views_open(trigger_id=trigger, view=modal())["view"]
    assert view["id"].startswith("V") and view["root_view_id"] == view["id"]
    assert [v.id for v in slack.open_views("U_BOB")] == [view["id"]]
    reuse = partial(client.views_open, trigger_id=trigger, view=modal())
    invent = partial(client.views_open, trigger_id="1.2.nope", view=modal())
    assert error(reuse) == "expired_trigger_id"
    assert error(invent) == "invalid_trigger_id"


def test_stale_trigger_ids_expire_when_the_age_check_is_on() -> None:
    with FakeSlack(trigger_ttl=3.0) as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        stale = slack.issue_trigger_id("U_ALICE", issued_seconds_ago=3.5)
        fresh = slack.issue_trigger_id("U_ALICE")
        assert error(client.views_open, trigger_id=stale, view=modal()) == "expired_trigger_id"
        assert client.views_open(trigger_id=fresh, view=modal())["ok"]


def test_views_update_by_id_or_external_id(slack: FakeSlack, client: WebClient) -> None:
    opened = client.views_open(trigger_id=slack.issue_trigger_id(), view=modal(external_id="i-1"))
    first = opened["view"]
    step_two = modal("Step 2", external_id="i-1")
    second = client.views_update(view_id=first["id"], view=step_two, hash=first["hash"])["view"]
    stale = partial(client.views_update, view_id=first["id"], view=modal(), hash=first["hash"])
    assert error(stale) == "hash_conflict"

    step_three = modal("Step 3", external_id="i-1")
    client.views_update(external_id="i-1", view=step_three, hash=second["hash"])
    assert slack.view(first["id"]).title == "Step 3"
    assert error(client.views_update, view_id="V_NOPE", view=modal()) == "not_found"


def test_views_push_stacks_up_to_three_modals(slack: FakeSlack, client: WebClient) -> None:
    def push(title: str) -> SlackResponse:
        return client.views_push(trigger_id=slack.issue_trigger_id(), view=modal(title))

    root = client.views_open(trigger_id=slack.issue_trigger_id(), view=modal())["view"]
    second = push("Two")["view"]
    push("Three")
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    assert [v.title for v in slack.open_views("U_ALICE")] == ["Declare", "Two", "Three"]
    assert error(push, title="Four") == "push_limit_reached"


def test_the_home_tab_takes_home_views(slack: FakeSlack, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("Open incidents: 0")]}
    too_long = {"type": "home", "blocks": [section("x")] * 101}
    for user, view in [("U_ALICE", modal()), ("U_NOBODY", home), ("U_ALICE", too_long)]:
        assert error(client.views_publish, user_id=user, view=view) == "invalid_arguments"

    first = client.views_publish(user_id="U_ALICE", view=home)["view"]
    client.views_publish(user_id="U_ALICE", view=home | {"blocks": [section("Open: 1")]})

    published = slack.home_view("U_ALICE")
    assert published is not None and published.id == first["id"]
    assert published.blocks[0]["text"]["text"] == "Open: 1"
    assert slack.home_view("U_BOB") is None


# -- files (canvases are in test_fake_canvases.py) ------------------------------------------------


def test_files_upload_v2_stores_the_bytes_and_shares_them(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    uploaded = client.files_upload_v2(
        channel=room,
        content="timeline\n",
        filename="timeline.md",
        title="Timeline",
        initial_comment="Export",
    )
    stored = slack.file(uploaded["file"]["id"])
    assert (stored.data, stored.title, stored.channels) == (b"timeline\n", "Timeline", [room])
    shared = slack.messages(room)[-1]
    assert shared.text == "Export" and shared.files[0]["id"] == stored.id
    methods = [call.method for call in slack.calls[-2:]]
    assert methods == ["files.getUploadURLExternal", "files.completeUploadExternal"]


def test_image_blocks_show_uploaded_images_only(client: WebClient, room: str) -> None:
    chart = client.files_upload_v2(content=b"\x89PNG...", filename="chart.png", title="Chart")
    notes = client.files_upload_v2(content="notes", filename="notes.txt", title="Notes")

    def image(**source: Any) -> Blocks:
        return [{"type": "image", "alt_text": "a chart", **source}]

    shown = client.chat_postMessage(
        channel=room, text="x", blocks=image(slack_file={"id": chart["file"]["id"]})
    )
    assert shown["ok"]
    for bad in (
        image(slack_file={"id": "F_NOWHERE"}),
        image(slack_file={"id": notes["file"]["id"]}),  # not an image
        image(slack_file={"id": chart["file"]["id"]}, image_url="https://x.example/a.png"),
        image(slack_file={"id": chart["file"]["id"], "url": "https://files.slack.com/x"}),
        image(),
    ):
        assert error(partial(client.chat_postMessage, channel=room, text="x", blocks=bad)) == (
            "invalid_blocks"
        )


def test_completing_an_upload_that_never_happened_fails(client: WebClient) -> None:
    file_id = client.files_getUploadURLExternal(filename="x.txt", length=3)["file_id"]
    complete = partial(client.files_completeUploadExternal, files=[{"id": file_id}])
    assert error(complete) == "file_not_found"


# -- response_url --------------------------------------------------------------------------------


def test_response_url_posts_are_recorded_and_land_like_slacks(slack: FakeSlack) -> None:
    # The bot is not in #incidents: response_urls need no membership.
    url = slack.response_url(channel=INCIDENTS, user="U_ALICE")
    hook = WebhookClient(url)
    assert hook.send(text="Only you can see this").status_code == 200
    assert hook.send(text="Everyone sees this", response_type="in_channel").status_code == 200

    assert [r.text for r in slack.responses(url)] == ["Only you can see this", "Everyone sees this"]
    assert [e.text for e in slack.ephemerals(INCIDENTS, "U_ALICE")] == ["Only you can see this"]
    assert [m.text for m in slack.messages(INCIDENTS)] == ["Everyone sees this"]
    assert hook.send(text="x", blocks=[section("x")] * 51).status_code == 400


def test_a_click_response_url_can_replace_the_message(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    blocks = [section("SEV2"), actions(button("Mitigated", "incident.mitigate"))]
    ts = client.chat_postMessage(channel=room, text="SEV2", blocks=blocks)["ts"]
    payload = slack.click(room, ts, "incident.mitigate", "U_BOB")
    assert payload["actions"][0]["text"]["text"] == "Mitigated"
    WebhookClient(payload["response_url"]).send(text="Mitigated by bob", replace_original=True)
    assert slack.message(room, ts).text == "Mitigated by bob"


# -- pins ----------------------------------------------------------------------------------------


def test_pins(slack: FakeSlack, client: WebClient, room: str) -> None:
    ts = client.chat_postMessage(channel=room, text="announcement")["ts"]
    client.pins_add(channel=room, timestamp=ts)
    for channel, timestamp, expected in [
        (room, ts, "already_pinned"),
        (room, "1.000000", "message_not_found"),
        (GENERAL, ts, "not_in_channel"),
    ]:
        assert error(client.pins_add, channel=channel, timestamp=timestamp) == expected
    assert [item["message"]["ts"] for item in client.pins_list(channel=room)["items"]] == [ts]
    assert [m.text for m in slack.pins(room)] == ["announcement"]
    client.pins_remove(channel=room, timestamp=ts)
    assert slack.pins(room) == []


# -- bookmarks -----------------------------------------------------------------------------------


def test_bookmarks_are_links_with_a_title_where_the_bot_is(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    added = client.bookmarks_add(
        channel_id=room, title="Deploy: github.com", type="link", link="https://github.com/a/b"
    )["bookmark"]
    assert (added["channel_id"], added["title"], added["type"]) == (
        room,
        "Deploy: github.com",
        "link",
    )
    assert added["link"] == "https://github.com/a/b" and added["id"].startswith("Bk")
    link = {"type": "link", "link": "https://grafana.example.com"}
    for arguments, expected in [
        ({"channel_id": "C_NOPE", "title": "x", **link}, "channel_not_found"),
        ({"channel_id": GENERAL, "title": "x", **link}, "not_in_channel"),
        (
            {"channel_id": room, "title": "x", "type": "message", "link": link["link"]},
            "invalid_bookmark_type",
        ),
        ({"channel_id": room, "title": "x", "type": "link", "link": "ftp://x"}, "invalid_link"),
        ({"channel_id": room, "title": "x", "type": "link"}, "invalid_link"),
        ({"channel_id": room, "title": "x", **link, "emoji": "rocket"}, "invalid_emoji"),
        ({"channel_id": room, "title": "  ", **link}, "invalid_arguments"),
    ]:
        assert error(client.bookmarks_add, **arguments) == expected, arguments
    assert [b.title for b in slack.bookmarks(room)] == ["Deploy: github.com"]
    listed = client.bookmarks_list(channel_id=room)["bookmarks"]
    assert [b["link"] for b in listed] == ["https://github.com/a/b"]


def test_a_channel_holds_at_most_100_bookmarks(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    for n in range(99):
        client.bookmarks_add(channel_id=room, title=f"b{n}", type="link", link=f"https://x/{n}")
    client.bookmarks_add(channel_id=room, title="last", type="link", link="https://x/last")
    assert len(slack.bookmarks(room)) == 100
    too_many = {"channel_id": room, "title": "one more", "type": "link", "link": "https://x/y"}
    assert error(client.bookmarks_add, **too_many) == "too_many_bookmarks"


# -- people acting, and the events Slack would send ----------------------------------------------

# Key sets of the verbatim bolt-python events in /work/shared/reference/payloads.
CHANNEL_MESSAGE_KEYS = {
    *("client_msg_id", "type", "text", "user", "ts", "team", "blocks"),
    *("channel", "event_ts", "channel_type"),
}
APP_BOT_MESSAGE_KEYS = {
    *("bot_id", "type", "text", "user", "ts", "team", "bot_profile"),
    *("channel", "event_ts", "channel_type"),
}


def test_a_person_posting_yields_slacks_message_event(slack: FakeSlack, room: str) -> None:
    event = slack.user_posts(room, "U_ALICE", "the database is on fire")
    assert set(event) == CHANNEL_MESSAGE_KEYS
    assert event["blocks"][0]["type"] == "rich_text"
    reply = slack.user_posts(room, "U_BOB", "on it", thread_ts=event["ts"])
    assert (reply["thread_ts"], reply["parent_user_id"]) == (event["ts"], "U_ALICE")
    assert slack.message(room, event["ts"]).reply_count == 1
    with pytest.raises(ValueError, match="not in"):
        slack.user_posts(room, "U_CAROL", "hi")


def test_edits_deletes_reactions_and_joins_yield_slacks_events(slack: FakeSlack, room: str) -> None:
    ts = slack.user_posts(room, "U_ALICE", "typo")["ts"]
    changed = slack.user_edits(room, ts, "U_ALICE", "fixed")
    assert changed["subtype"] == "message_changed" and changed["hidden"]
    assert (changed["message"]["text"], changed["previous_message"]["text"]) == ("fixed", "typo")
    assert changed["message"]["edited"]["user"] == "U_ALICE"

    reaction = slack.user_reacts(room, ts, "U_BOB", "eyes")
    assert reaction["item"] == {"type": "message", "channel": room, "ts": ts}
    assert reaction["item_user"] == "U_ALICE"

    deleted = slack.user_deletes(room, ts)
    assert (deleted["subtype"], deleted["deleted_ts"]) == ("message_deleted", ts)
    assert slack.messages(room) == []

    joined = slack.user_joins(room, "U_CAROL", inviter="U_ALICE")
    assert joined == {
        "type": "member_joined_channel",
        "user": "U_CAROL",
        "channel": room,
        "channel_type": "C",
        "team": "T_TEST",
        "inviter": "U_ALICE",
    }
    assert "U_CAROL" in slack.members(room)


def test_the_bots_own_message_event_looks_like_an_app_bot_message(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    ts = client.chat_postMessage(channel=room, text="SEV2 declared")["ts"]
    event = slack.event_for_bot_message(room, ts)
    assert set(event) >= APP_BOT_MESSAGE_KEYS and "subtype" not in event
    assert (event["bot_id"], event["user"]) == ("B_SITREP", BOT_USER_ID)
    assert event["bot_profile"]["app_id"] == "A_SITREP"


def test_wait_for_wakes_on_a_change_from_another_thread(
    slack: FakeSlack, client: WebClient, room: str
) -> None:
    threading.Thread(target=lambda: client.chat_postMessage(channel=room, text="later")).start()
    messages = slack.wait_for(lambda: slack.messages(room))
    assert messages[0].text == "later"


def test_wait_for_gives_up_at_the_timeout(slack: FakeSlack) -> None:
    with pytest.raises(TimeoutError):
        slack.wait_for(lambda: slack.channel_by_name("never"), timeout=0.05)


# -- Socket Mode with slack_bolt's builtin adapter -----------------------------------------------


class BoltOverSocketMode:
    """A minimal Bolt app on the builtin Socket Mode client, connected to one fake Slack."""

    def __init__(self, slack: FakeSlack) -> None:
        self.slack = slack
        self.app = App(
            token=BOT_TOKEN,
            signing_secret="not-used-in-socket-mode",
            client=WebClient(token=BOT_TOKEN, base_url=slack.api_url),
        )
        self.room = self.app.client.conversations_create(name="inc-socket")["channel"]["id"]
        self.app.client.conversations_invite(channel=self.room, users="U_ALICE")

        @self.app.command("/incident")
        def declare(ack: Ack, command: dict[str, Any]) -> None:
            ack(text=f"Declaring {command['text']}")

        @self.app.event("message")
        def note(event: dict[str, Any], say: Say) -> None:
            say(text="Noted", thread_ts=event["ts"])

        @self.app.view("declare")
        def refuse(ack: Ack) -> None:
            ack(response_action="errors", errors={"title": "Too vague"})

        self.handler = SocketModeHandler(self.app, APP_TOKEN)

    def __enter__(self) -> BoltOverSocketMode:
        self.handler.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.handler.close()


@pytest.fixture(scope="module")
def bolt() -> Iterator[BoltOverSocketMode]:
    # One connection for the module: the builtin client takes up to a second to shut down (its
    # message loop polls a queue with a 1 s timeout).
    with FakeSlack() as slack, BoltOverSocketMode(slack) as bolt:
        yield bolt


def test_a_slash_command_ack_comes_back_through_socket_mode(bolt: BoltOverSocketMode) -> None:
    slack = bolt.slack
    command = slack.slash_command("/incident", "sev2 API down", user="U_ALICE", channel=INCIDENTS)
    ack = slack.socket.send_envelope("slash_commands", command)
    assert ack["payload"] == {"text": "Declaring sev2 API down"}
    envelope = slack.socket.envelopes[-1]
    assert envelope["envelope_id"] == ack["envelope_id"]
    assert envelope["accepts_response_payload"] is True


def test_an_event_is_acked_and_the_listener_answers_through_the_web_api(
    bolt: BoltOverSocketMode,
) -> None:
    slack = bolt.slack
    event = slack.user_posts(bolt.room, "U_ALICE", "is checkout down?")
    ack = slack.socket.send_envelope("events_api", slack.event_callback(event))
    assert set(ack) == {"envelope_id"}
    envelope = slack.socket.envelopes[-1]
    assert envelope["accepts_response_payload"] is False
    assert (envelope["retry_attempt"], envelope["retry_reason"]) == (0, "")
    replies = slack.wait_for(lambda: slack.replies(bolt.room, event["ts"]))
    assert [reply.text for reply in replies] == ["Noted"]


def test_a_view_submission_ack_carries_the_response_action(bolt: BoltOverSocketMode) -> None:
    slack = bolt.slack
    trigger = slack.issue_trigger_id("U_ALICE")
    view = bolt.app.client.views_open(trigger_id=trigger, view=modal())["view"]
    ack = slack.socket.send_envelope("interactive", slack.submit_view(view["id"], "U_ALICE"))
    assert ack["payload"] == {"response_action": "errors", "errors": {"title": "Too vague"}}
    assert slack.socket.envelopes[-1]["accepts_response_payload"] is True


def test_a_disconnect_makes_the_client_reconnect_with_a_new_url(bolt: BoltOverSocketMode) -> None:
    slack = bolt.slack
    sessions = slack.socket.sessions_opened
    slack.socket.disconnect()
    slack.socket.wait_until_connected(sessions=sessions + 1)
    assert len(slack.calls_to("apps.connections.open")) == sessions + 1
    command = slack.slash_command("/incident", "sev3", user="U_ALICE", channel=INCIDENTS)
    ack = slack.socket.send_envelope("slash_commands", command)
    assert ack["payload"] == {"text": "Declaring sev3"}
