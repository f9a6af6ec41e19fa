"""Events API: what is said in incident channels becomes the timeline.

Listeners store before returning (the app runs with process_before_response), so an
acknowledged event is already in the database; retries are absorbed by the store."""

import logging
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import blocks
from bot.adapters.slack.client import in_plain_words
from bot.timeline import KEY_EVENT_REACTION, ChannelMessage
from handlers.deps import Deps
from handlers.errors import reported
from handlers.home import publish_home

log = logging.getLogger(__name__)

# Human messages; everything else (joins, topic changes, bots) is not a timeline entry.
_HUMAN_SUBTYPES = {None, "thread_broadcast", "file_share", "me_message"}


def register(app: App, deps: Deps) -> None:
    timeline = deps.timeline

    @app.event("message")
    def record(event: dict[str, Any]) -> None:
        subtype, channel = event.get("subtype"), event.get("channel")
        if not channel:
            return
        if subtype == "message_changed":
            _edit(channel, event.get("message") or {})
        elif subtype == "message_deleted":
            previous = event.get("previous_message") or {}
            deleted = event.get("deleted_ts") or previous.get("ts")
            if deleted:
                original = _message(channel, previous) if _is_human(previous) else None
                timeline.delete_message(channel, deleted, original)
        elif subtype in _HUMAN_SUBTYPES and _is_human(event) and event.get("ts"):
            message = _message(channel, event)
            if timeline.record_message(message):
                deps.background.run(
                    lambda: _follow(message), f"following the conversation in {channel}"
                )

    def _follow(message: ChannelMessage) -> None:
        """A message may name what went wrong: past incidents with that failure, if new."""
        incident_id = deps.similar.follow(message.channel_id, message.text, message.ts)
        if incident_id is not None:
            deps.rooms.refresh(incident_id)

    def _edit(channel: str, message: dict[str, Any]) -> None:
        if not _is_human(message) or message.get("subtype") == "tombstone" or "ts" not in message:
            return
        edited = (message.get("edited") or {}).get("ts")
        timeline.edit_message(_message(channel, message), edited)

    @app.event("reaction_added")
    def mark_key_event(event: dict[str, Any]) -> None:
        item = event.get("item") or {}
        pinned = event.get("reaction") == KEY_EVENT_REACTION and item.get("type") == "message"
        if pinned and item.get("channel") and item.get("ts"):
            timeline.mark_key_event(item["channel"], item["ts"])

    @reported
    def welcome(
        event: dict[str, Any], client: WebClient, context: dict[str, Any], request: BoltRequest
    ) -> None:
        """Shows a person who joins an incident channel where things stand, once: not on
        Slack's retries, and not to the bot or to people Sitrep invited itself."""
        bot = context.get("bot_user_id")
        if bot in (event.get("user"), event.get("inviter")) or request.headers.get(
            "x-slack-retry-num"
        ):
            return
        incident = deps.incidents.by_channel(event["channel"])
        if incident is None or incident.id is None:
            return
        summary = deps.incidents.summary(incident.id)
        try:
            client.chat_postEphemeral(
                channel=event["channel"],
                user=event["user"],
                blocks=blocks.summary_blocks(summary, deps.policy, deps.clock()),
                text=blocks.announcement_fallback(incident),
            )
        except SlackApiError as error:
            # The person left again, or the channel went: a welcome is best effort.
            log.warning("no welcome for %s: %s", event["user"], in_plain_words(error))

    app.event("member_joined_channel")(ack=_acknowledge, lazy=[welcome])

    @reported
    def show_home(event: dict[str, Any], client: WebClient) -> None:
        if event.get("tab") != "home":
            return
        try:
            publish_home(deps, client, event["user"])
        except SlackApiError as error:
            # Drawn again the next time the person opens it: not an error of ours.
            log.warning("home tab of %s not drawn: %s", event["user"], in_plain_words(error))

    app.event("app_home_opened")(ack=_acknowledge, lazy=[show_home])

    def archived(event: dict[str, Any]) -> None:
        """Stored before the ack: what Sitrep would post in an archived incident channel
        goes to people instead."""
        if event.get("channel"):
            deps.incidents.channel_archived(event["channel"], event["type"].endswith("_archive"))

    for kind in ("channel_archive", "group_archive", "channel_unarchive", "group_unarchive"):
        app.event(kind)(archived)


def _acknowledge() -> None:
    """Bolt acknowledges events itself; the work happens in the lazy listener."""


def _is_human(message: dict[str, Any]) -> bool:
    """Sitrep's own posts and other apps' carry a bot_id; people's don't."""
    return (
        "bot_id" not in message
        and "user" in message
        and "ts" in message
        and message.get("subtype") != "bot_message"
    )


def _message(channel: str, event: dict[str, Any]) -> ChannelMessage:
    files = [
        {"name": f.get("name") or f.get("title") or "file", "url": f.get("permalink", "")}
        for f in event.get("files") or []
    ]
    return ChannelMessage(
        channel_id=channel,
        ts=event["ts"],
        user=event["user"],
        text=event.get("text", ""),
        thread_ts=event.get("thread_ts"),
        files=files,
    )
