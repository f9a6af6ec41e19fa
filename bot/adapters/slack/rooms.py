"""ChatRooms on Slack: channels, topics, the pinned announcement and the notice, in Block Kit."""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import cached_property
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import blocks
from bot.adapters.slack.client import (
    BENIGN,
    UNANSWERED,
    error_code,
    find_message_with_metadata,
    in_plain_words,
)
from bot.config import Policy
from bot.errors import ChatUnavailable, NameTaken
from bot.ports import Clock
from models import Incident, IncidentLink, Role

log = logging.getLogger(__name__)

# The metadata of the declaration notice and of the announcement, naming the incident's
# ref: how a resumed opening finds one already posted.
_NOTICE_EVENT = "sitrep_declared"
_ANNOUNCEMENT_EVENT = "sitrep_announcement"
_NOT_INVITABLE = frozenset({"user_not_found", "user_disabled", "user_is_restricted", "cant_invite"})


@dataclass(frozen=True)
class SlackRooms:
    client: WebClient
    policy: Policy
    clock: Clock

    def create_channel(self, name: str, *, private: bool) -> tuple[str, str]:
        try:
            channel = self.client.conversations_create(name=name, is_private=private)["channel"]
        except SlackApiError as error:
            if error_code(error) == "name_taken":
                raise NameTaken(name) from error
            log.error("conversations.create %s failed: %s", name, error_code(error))
            raise ChatUnavailable(in_plain_words(error)) from error
        except OSError as error:
            # Slack may have made it all the same: the name is then taken, and the next
            # attempt makes the room under the next name, leaving this one empty.
            log.error("conversations.create %s went unanswered: %r", name, error)
            raise ChatUnavailable(UNANSWERED) from error
        return channel["id"], channel["name"]

    def own_channel(self, name: str) -> str | None:
        # Slack looks no channel up by name; the channels the app is in are fewer to read
        # than the workspace's (conversations.list), and a channel's creator is always in it.
        cursor: str | None = None
        while True:
            try:
                page = self.client.users_conversations(
                    types="public_channel,private_channel",
                    exclude_archived=True,
                    limit=999,
                    cursor=cursor,
                )
            except SlackApiError as error:
                log.error("users.conversations failed: %s", error_code(error))
                raise ChatUnavailable(in_plain_words(error)) from error
            for channel in page.get("channels") or []:
                if channel.get("name") == name:
                    mine = channel.get("creator") == self._user_id
                    return str(channel["id"]) if mine and not channel.get("is_archived") else None
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    @cached_property
    def _user_id(self) -> str:
        """The app's bot user: the creator of the channels it made."""
        try:
            return str(self.client.auth_test()["user_id"])
        except SlackApiError as error:
            raise ChatUnavailable(in_plain_words(error)) from error

    def invite(self, channel_id: str, user: str) -> bool:
        return self._call("conversations_invite", channel=channel_id, users=user) is not None

    def show_topic(self, incident: Incident, roles: dict[Role, str]) -> None:
        topic = blocks.channel_topic(incident, roles)
        info = self._call("conversations_info", channel=incident.channel_id)
        current = info["channel"].get("topic", {}).get("value") if info else None
        if current != topic:  # setTopic posts a notice in the channel: only on real change
            self._call("conversations_setTopic", channel=incident.channel_id, topic=topic)

    def post_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> str:
        try:
            posted = self.client.chat_postMessage(
                channel=incident.channel_id or "",
                blocks=blocks.announcement(incident, roles, self.policy, self.clock(), links),
                text=blocks.announcement_fallback(incident),
                metadata=_naming(_ANNOUNCEMENT_EVENT, incident),
            )
        except SlackApiError as error:
            log.error("announcement of %s failed: %s", incident.ref, error_code(error))
            raise ChatUnavailable(
                f"I couldn't post the announcement of {incident.ref}: {in_plain_words(error)}"
            ) from error
        except OSError as error:
            # Slack may have posted it all the same: the next opening looks for it.
            log.error("announcement of %s went unanswered: %r", incident.ref, error)
            raise ChatUnavailable(
                f"I couldn't post the announcement of {incident.ref}: {UNANSWERED}"
            ) from error
        ts = str(posted["ts"])
        self._call("pins_add", channel=incident.channel_id, timestamp=ts)
        return ts

    def find_announcement(self, incident: Incident) -> str | None:
        ts = self._posted(incident.channel_id or "", _ANNOUNCEMENT_EVENT, incident)
        if ts is not None:  # the earlier attempt may have died before pinning it
            self._call("pins_add", channel=incident.channel_id, timestamp=ts)
        return ts

    def update_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> None:
        self._call(
            "chat_update",
            channel=incident.channel_id,
            ts=incident.announcement_ts,
            blocks=blocks.announcement(incident, roles, self.policy, self.clock(), links),
            text=blocks.announcement_fallback(incident),
        )

    def post_notice(self, incident: Incident, *, resumed: bool = False) -> None:
        message: dict[str, Any] = {
            "channel": self.policy.announcements_channel,
            "blocks": blocks.notice(incident, self.policy),
            "text": f"{incident.ref} declared: {blocks.defang(incident.title)}",
            "metadata": _naming(_NOTICE_EVENT, incident),
        }
        notices = self.policy.announcements_channel or ""
        if resumed and self._posted(notices, _NOTICE_EVENT, incident) is not None:
            return
        try:
            self.client.chat_postMessage(**message)
        except SlackApiError as error:
            if error_code(error) != "not_in_channel":
                log.error("notice of %s failed: %s", incident.ref, error_code(error))
                return
            self._call("conversations_join", channel=message["channel"])
            self._call("chat_postMessage", **message)

    def _posted(self, channel: str, event_type: str, incident: Incident) -> str | None:
        """The ts of the incident's message of `event_type` in `channel` since it was
        declared (looked for only when an opening is resumed; unreadable history counts as
        not there)."""
        try:
            since = incident.declared_at - timedelta(minutes=1)
            return find_message_with_metadata(
                self.client, channel, _naming(event_type, incident), since=since
            )
        except SlackApiError as error:
            if error_code(error) not in BENIGN:
                log.error("conversations_history failed (%s): %s", channel, error_code(error))
            return None

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any] | None:
        """One Slack call; "already so" errors count as success, others are logged."""
        try:
            response = getattr(self.client, method)(**kwargs)
            return response.data if isinstance(response.data, dict) else {}
        except SlackApiError as error:
            code = error_code(error)
            if code in BENIGN:
                return {}
            where = kwargs.get("channel") or kwargs.get("channel_id")
            # A person Slack won't invite is the input's fault, told to whoever named them.
            level = logging.WARNING if code in _NOT_INVITABLE else logging.ERROR
            log.log(level, "%s failed (%s): %s", method, where, code)
            return None


def _naming(event_type: str, incident: Incident) -> dict[str, Any]:
    """Message metadata naming the incident: how its message is found again."""
    return {"event_type": event_type, "event_payload": {"ref": incident.ref}}
