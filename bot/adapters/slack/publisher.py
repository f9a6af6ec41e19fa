"""Keeps Slack showing what the database says: the channel, its topic, the pinned
announcement and the posts for recorded changes. Every method is safe to repeat."""

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack import blocks
from bot.adapters.slack.client import BENIGN, error_code, in_plain_words
from bot.config import Policy
from bot.errors import IncidentError
from bot.incidents import IncidentService
from bot.naming import channel_name
from bot.ports import Clock
from models import Incident, Role

log = logging.getLogger(__name__)

_MAX_NAME_ATTEMPTS = 20
_MAX_REFRESHES = 4


class SlackUnavailable(IncidentError):
    """Slack refused or failed a call; the message says so in plain words."""


@dataclass(frozen=True)
class Publisher:
    client: WebClient
    incidents: IncidentService
    policy: Policy
    clock: Clock

    def open_room(self, incident_id: int) -> Incident | None:
        """Creates the incident's channel, invites the declarer and commander, pins the
        announcement and posts the notice. One caller per incident does this (the others,
        a repeated request, get None); a caller taking over from a dead one resumes where it
        stopped, since each step is safe to repeat."""
        if not self.incidents.claim_room(incident_id):
            return None
        try:
            incident = self.incidents.get(incident_id)
            if incident.channel_id is None:
                incident = self._create_channel(incident)
            roles = self.incidents.roles(incident_id)
            for user in sorted({incident.reporter, *roles.values()}):
                self._invite(incident, user)
            incident = self.refresh(incident_id, may_post=True)
            if incident.announcement_ts is None:
                raise SlackUnavailable(f"I couldn't post the announcement of {incident.ref}.")
            if not incident.private and self.policy.announcements_channel:
                self._post_notice(incident)
        except Exception:
            self.incidents.release_room(incident_id)
            raise
        return self.incidents.room_opened(incident_id)

    def open_missing_rooms(self, grace: timedelta) -> list[Incident]:
        """Opens the rooms that a process which died, or failed, after acknowledging left
        unopened. One incident's failure does not stop the others."""
        opened = []
        for incident in self.incidents.awaiting_room(grace):
            assert incident.id is not None
            try:
                room = self.open_room(incident.id)
            except Exception:
                log.exception("could not open the room of %s", incident.ref)
                continue
            if room is not None:
                log.info("opened the room of %s", incident.ref)
                opened.append(room)
        return opened

    def invite(self, incident_id: int, user: str) -> None:
        incident = self.incidents.get(incident_id)
        if incident.channel_id:
            self._invite(incident, user)

    def _invite(self, incident: Incident, user: str) -> None:
        self._call("conversations_invite", incident, channel=incident.channel_id, users=user)

    def refresh(self, incident_id: int, *, may_post: bool = False) -> Incident:
        """Brings the announcement, topic and change posts up to date with the database."""
        incident = self.incidents.get(incident_id)
        if incident.channel_id is None:
            return incident  # open_room has not run yet; it refreshes when it does
        roles = self.incidents.roles(incident_id)
        self._set_topic(incident, roles)
        incident = self._show_announcement(incident, roles, may_post=may_post)
        for entry in self.incidents.unposted_entries(incident_id):
            post = blocks.entry_post(entry)
            if post is None:
                continue
            posted = self._call(
                "chat_postMessage",
                incident,
                channel=incident.channel_id,
                blocks=post,
                text=blocks.clip(blocks.defang(entry.text), blocks.MAX_FALLBACK),
            )
            if posted is None:  # Slack refused: give it back for the next refresh
                self.incidents.unclaim_entry(entry)
        return incident

    def _create_channel(self, incident: Incident) -> Incident:
        assert incident.id is not None
        for attempt in range(1, _MAX_NAME_ATTEMPTS + 1):
            title = blocks.plain(incident.title)
            name = channel_name(self.policy.channel_prefix, incident.ref, title, attempt)
            try:
                response = self.client.conversations_create(name=name, is_private=incident.private)
            except SlackApiError as error:
                if error_code(error) == "name_taken":
                    continue
                log.error("conversations.create failed for %s: %s", incident.ref, error_code(error))
                raise SlackUnavailable(
                    f"I declared {incident.ref} but couldn't create its channel: "
                    f"{in_plain_words(error)}"
                ) from error
            channel = response["channel"]
            return self.incidents.attach_channel(incident.id, channel["id"], channel["name"])
        raise SlackUnavailable(f"Every channel name I tried for {incident.ref} is taken.")

    def _set_topic(self, incident: Incident, roles: dict[Role, str]) -> None:
        topic = blocks.channel_topic(incident, roles)
        info = self._call("conversations_info", incident, channel=incident.channel_id)
        current = info["channel"].get("topic", {}).get("value") if info else None
        if current != topic:  # setTopic posts a notice in the channel: only on real change
            self._call("conversations_setTopic", incident, channel=incident.channel_id, topic=topic)

    def _show_announcement(
        self, incident: Incident, roles: dict[Role, str], *, may_post: bool
    ) -> Incident:
        """Makes the pinned announcement show the incident as stored. Refreshes race (two
        clicks, two lazy listeners), so after each update the stored state is read again and
        shown again if it moved on: the last writer always shows the latest state. Only the
        caller that opened the room posts the announcement; the others update it."""
        incident_id = incident.id
        assert incident_id is not None
        now, shown = self.clock(), None
        for _ in range(_MAX_REFRESHES):
            content = blocks.announcement(incident, roles, self.policy, now)
            rendered = [block.to_dict() for block in content]
            if rendered == shown:
                break
            fallback = blocks.announcement_fallback(incident)
            if incident.announcement_ts:
                self._call(
                    "chat_update",
                    incident,
                    channel=incident.channel_id,
                    ts=incident.announcement_ts,
                    blocks=content,
                    text=fallback,
                )
            elif may_post:
                posted = self._call(
                    "chat_postMessage",
                    incident,
                    channel=incident.channel_id,
                    blocks=content,
                    text=fallback,
                )
                if posted is None:
                    break
                self.incidents.attach_announcement(incident_id, posted["ts"])
                self._call(
                    "pins_add", incident, channel=incident.channel_id, timestamp=posted["ts"]
                )
            else:
                break  # the room is still being opened; its opener will show the latest
            shown = rendered
            incident, roles = self.incidents.get(incident_id), self.incidents.roles(incident_id)
        return incident

    def _post_notice(self, incident: Incident) -> None:
        channel = self.policy.announcements_channel
        message: dict[str, Any] = {
            "channel": channel,
            "blocks": blocks.notice(incident, self.policy),
            "text": f"{incident.ref} declared: {blocks.defang(incident.title)}",
        }
        try:
            self.client.chat_postMessage(**message)
        except SlackApiError as error:
            if error_code(error) != "not_in_channel":
                log.error(
                    "notice for %s in %s failed: %s", incident.ref, channel, error_code(error)
                )
                return
            self._call("conversations_join", incident, channel=channel)
            self._call("chat_postMessage", incident, **message)

    def _call(self, method: str, incident: Incident, **kwargs: Any) -> dict[str, Any] | None:
        """One Slack call; benign errors count as success, others are logged with context."""
        try:
            response = getattr(self.client, method)(**kwargs)
            return response.data if isinstance(response.data, dict) else None
        except SlackApiError as error:
            code = error_code(error)
            if code not in BENIGN:
                log.error("%s failed for %s: %s", method, incident.ref, code)
            return None
