"""Web API methods: chat."""

from __future__ import annotations

from ..decoding import Args, SlackError
from ..identities import BOT_USER_ID, JSON, SLACK_URL
from ..records import Ephemeral
from ..workspace import Workspace
from .registry import api, check_image_files, check_message_content, check_metadata


@api("chat.postMessage")
def chat_post_message(ws: Workspace, args: Args) -> JSON:
    channel = ws.destination(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    text, blocks = check_message_content(args)
    check_image_files(ws, blocks)
    message = ws.post_as_bot(
        channel.id,
        text or "",
        blocks,
        thread_ts=args.text("thread_ts"),
        metadata=check_metadata(args),
        broadcast=args.flag("reply_broadcast"),
    )
    return {"channel": channel.id, "ts": message.ts, "message": message.to_slack()}


@api("chat.update")
def chat_update(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_update_message")
    if channel.is_archived:
        raise SlackError("is_inactive")
    text, blocks = check_message_content(args)
    check_image_files(ws, blocks)
    metadata = check_metadata(args)
    ws.edit(message, BOT_USER_ID, text, blocks)
    if metadata is not None:
        message.metadata = metadata
    return {
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_slack(),
    }


@api("chat.delete")
def chat_delete(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("ts"))
    if message.user != BOT_USER_ID:
        raise SlackError("cant_delete_message")
    ws.remove(message)
    return {"channel": channel.id, "ts": message.ts}


@api("chat.postEphemeral")
def chat_post_ephemeral(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if channel.is_archived:
        raise SlackError("is_archived")
    user = args.text("user")
    if user not in channel.members:
        raise SlackError("user_not_in_channel")
    text, blocks = check_message_content(args)
    check_image_files(ws, blocks)
    ts = ws.next_ts()
    ws.ephemerals.append(
        Ephemeral(
            channel.id,
            user,
            text or "",
            blocks or [],
            args.text("thread_ts"),
            ts,
            "chat.postEphemeral",
        )
    )
    return {"message_ts": ts}


@api("chat.getPermalink")
def chat_get_permalink(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    message = ws.message(channel.id, args.text("message_ts"))
    link = f"{SLACK_URL}/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.is_reply:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
