"""Web API methods: conversations."""

from __future__ import annotations

import re
from typing import Final

from ..decoding import Args, SlackError
from ..identities import BOT_USER_ID, JSON, MAX_CHANNEL_NAME, MAX_TOPIC_CHARS
from ..records import Channel, ChannelText
from ..workspace import Workspace
from .registry import api, page, window

_CHANNEL_NAME: Final = re.compile(r"[a-z0-9_-]+")


@api("conversations.create")
def conversations_create(ws: Workspace, args: Args) -> JSON:
    name = args.text("name") or ""
    if not name:
        raise SlackError("invalid_name_required")
    if len(name) > MAX_CHANNEL_NAME:
        raise SlackError("invalid_name_maxlength")
    if not _CHANNEL_NAME.fullmatch(name):
        raise SlackError("invalid_name_specials")
    if not name.strip("-_"):
        raise SlackError("invalid_name_punctuation")
    if any(c.name == name for c in ws.channels.values()):  # archived names stay taken
        raise SlackError("name_taken")
    private = args.flag("is_private")
    channel = ws.add_channel(
        ws.new_id("G" if private else "C"), name, creator=BOT_USER_ID, private=private
    )
    ws.join(channel, BOT_USER_ID)
    return {"channel": channel.to_slack()}


@api("conversations.open")
def conversations_open(ws: Workspace, args: Args) -> JSON:
    """Only the one-person form: the bot's DM with a user (multi-person DMs are not modelled)."""
    users = [u for u in (args.text("users") or "").split(",") if u]
    if args.has("channel"):
        channel = ws.visible_channel(args.text("channel"))
        return {"no_op": True, "already_open": True, "channel": channel.to_slack()}
    if len(users) != 1:
        raise SlackError("users_list_not_supplied" if not users else "not_implemented")
    channel = ws.im_with(ws.user(users[0]).id)
    return {"channel": {"id": channel.id}}


@api("conversations.info")
def conversations_info(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    info = channel.to_slack(num_members=args.flag("include_num_members"))
    canvas = ws.channel_canvas(channel.id)
    if canvas is not None:  # Slack reports the channel canvas under `properties`
        properties = {
            "file_id": canvas.id,
            "is_empty": canvas.is_empty,
            "quip_thread_id": canvas.quip_thread_id,
        }
        info["properties"] = {"canvas": properties}
    return {"channel": info}


@api("conversations.list")
def conversations_list(ws: Workspace, args: Args) -> JSON:
    types = set((args.text("types") or "public_channel").split(","))
    listed = [
        c
        for c in ws.channels.values()
        if _conversation_type(c) in types
        and (not c.is_private or BOT_USER_ID in c.members)
        and not (c.is_archived and args.flag("exclude_archived"))
    ]
    channels, cursor = page(listed, lambda c: c.id, args, "team", (100, 1000))
    return {
        "channels": [c.to_slack() for c in channels],
        "response_metadata": {"next_cursor": cursor},
    }


@api("users.conversations")
def users_conversations(ws: Workspace, args: Args) -> JSON:
    """The conversations `user` (the caller by default) is in; a private one only if the
    caller is in it too. Paged like conversations.list, at most 999 a page."""
    user = ws.user(args.text("user") or BOT_USER_ID).id
    types = set((args.text("types") or "public_channel").split(","))
    listed = [
        c
        for c in ws.channels.values()
        if _conversation_type(c) in types
        and user in c.members
        and (not c.is_private or BOT_USER_ID in c.members)
        and not (c.is_archived and args.flag("exclude_archived"))
    ]
    channels, cursor = page(listed, lambda c: c.id, args, "team", (100, 999))
    return {
        "channels": [c.to_slack() for c in channels],
        "response_metadata": {"next_cursor": cursor},
    }


def _conversation_type(channel: Channel) -> str:
    if channel.is_im:
        return "im"
    return "private_channel" if channel.is_private else "public_channel"


@api("conversations.members")
def conversations_members(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    members, cursor = page(sorted(channel.members), lambda u: u, args, "user", (100, 1000))
    return {"members": members, "response_metadata": {"next_cursor": cursor}}


@api("conversations.join")
def conversations_join(ws: Workspace, args: Args) -> JSON:
    channel = ws.channels.get(args.text("channel") or "")
    if channel is None:
        raise SlackError("channel_not_found")
    if channel.is_private:
        raise SlackError("method_not_supported_for_channel_type")
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID in channel.members:
        return {
            "channel": channel.to_slack(),
            "warning": "already_in_channel",
            "response_metadata": {"warnings": ["already_in_channel"]},
        }
    ws.join(channel, BOT_USER_ID)
    return {"channel": channel.to_slack()}


@api("conversations.invite")
def conversations_invite(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    invitees = [u.strip() for u in (args.text("users") or "").split(",") if u.strip()]
    if not invitees:
        raise SlackError("no_user")
    # Slack checks every invitee, invites nobody if any fails, and reports each failure.
    failures = [(user, _invite_problem(ws, channel, user)) for user in invitees]
    errors = [
        {"user": user, "ok": False, "error": problem} for user, problem in failures if problem
    ]
    if errors:
        raise SlackError(str(errors[0]["error"]), errors=errors)
    for user in invitees:
        ws.join(channel, user, inviter=BOT_USER_ID)
    return {"channel": channel.to_slack()}


def _invite_problem(ws: Workspace, channel: Channel, user: str) -> str | None:
    if user == BOT_USER_ID:
        return "cant_invite_self"
    if user not in ws.users:
        return "user_not_found"
    if user in channel.members:
        return "already_in_channel"
    return None


def _set_channel_text(ws: Workspace, args: Args, attribute: str) -> Channel:
    channel = ws.visible_channel(args.text("channel"))
    value = args.required(attribute)
    if channel.is_archived:
        raise SlackError("is_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    if len(value) > MAX_TOPIC_CHARS:
        raise SlackError("too_long")
    setattr(channel, attribute, ChannelText(value, BOT_USER_ID, ws.now()))
    subtype, verb = {
        "topic": ("channel_topic", "topic"),
        "purpose": ("channel_purpose", "description"),
    }[attribute]
    notice = ws.system_message(channel, BOT_USER_ID, subtype, f"set the channel {verb}: {value}")
    notice.extra[attribute] = value
    return channel


@api("conversations.setTopic")
def conversations_set_topic(ws: Workspace, args: Args) -> JSON:
    return {"channel": _set_channel_text(ws, args, "topic").to_slack()}


@api("conversations.setPurpose")
def conversations_set_purpose(ws: Workspace, args: Args) -> JSON:
    _set_channel_text(ws, args, "purpose")
    return {}


@api("conversations.archive")
def conversations_archive(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    if channel.is_general:
        raise SlackError("cant_archive_general")
    if channel.is_archived:
        raise SlackError("already_archived")
    if BOT_USER_ID not in channel.members:
        raise SlackError("not_in_channel")
    channel.is_archived = True
    return {}


@api("conversations.history")
def conversations_history(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    top_level = [
        m
        for m in ws.messages[channel.id].values()
        if not m.is_reply or m.subtype == "thread_broadcast"
    ]
    newest_first = list(reversed(window(top_level, args)))
    messages, cursor = page(newest_first, lambda m: m.ts, args, "next_ts", (100, 999))
    include = args.flag("include_all_metadata")
    response: JSON = {
        "messages": [m.to_slack(include_metadata=include) for m in messages],
        "has_more": bool(cursor),
        "pin_count": len(ws.pins[channel.id]),
    }
    if cursor:
        response["response_metadata"] = {"next_cursor": cursor}
    return response


@api("conversations.replies")
def conversations_replies(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    asked = ws.messages[channel.id].get(args.text("ts") or "")
    if asked is None:
        raise SlackError("thread_not_found")
    root = asked.thread_ts or asked.ts
    thread = [m for m in ws.messages[channel.id].values() if m.ts == root or m.thread_ts == root]
    messages, cursor = page(window(thread, args), lambda m: m.ts, args, "next_ts", (1000, 1000))
    include = args.flag("include_all_metadata")
    response: JSON = {
        "messages": [m.to_slack(include_metadata=include) for m in messages],
        "has_more": bool(cursor),
    }
    if cursor:
        response["response_metadata"] = {"next_cursor": cursor}
    return response
