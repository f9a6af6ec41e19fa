"""Web API methods: pins."""

from __future__ import annotations

from ..decoding import Args, SlackError
from ..identities import BOT_USER_ID, JSON
from ..records import _Pin
from ..workspace import Workspace
from .registry import api


@api("pins.add")
def pins_add(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if not args.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel.id, args.text("timestamp"))
    if message.ts in ws.pins[channel.id]:
        raise SlackError("already_pinned")
    ws.pins[channel.id][message.ts] = _Pin(ws.now(), BOT_USER_ID)
    ws.system_message(
        channel, BOT_USER_ID, "pinned_item", f"<@{BOT_USER_ID}> pinned a message to this channel."
    )
    return {}


@api("pins.list")
def pins_list(ws: Workspace, args: Args) -> JSON:
    channel = ws.visible_channel(args.text("channel"))
    items = [
        {
            "type": "message",
            "created": pin.created,
            "created_by": pin.created_by,
            "channel": channel.id,
            "message": ws.messages[channel.id][ts].to_slack(),
        }
        for ts, pin in reversed(ws.pins[channel.id].items())
    ]
    return {"items": items}


@api("pins.remove")
def pins_remove(ws: Workspace, args: Args) -> JSON:
    channel = ws.joined_channel(args.text("channel"))
    if not args.has("timestamp"):
        raise SlackError("no_item_specified")
    message = ws.message(channel.id, args.text("timestamp"))
    if ws.pins[channel.id].pop(message.ts, None) is None:
        raise SlackError("no_pin")
    return {}
