"""The incident's room: its channel, announcement and posts, kept showing what is stored.

Every step is safe to repeat, so a process taking over from one that died resumes where it
stopped, and racing refreshes converge on the latest state."""

import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from bot.config import Policy
from bot.errors import ChatUnavailable, NameTaken
from bot.incidents import ROOM_LEASE, IncidentService
from bot.naming import channel_name
from bot.ports import ChatRooms
from models import Incident, IncidentLink, Role

log = logging.getLogger(__name__)

_MAX_NAME_ATTEMPTS = 20
_MAX_REFRESHES = 4
# What the announcement shows changes with these; bookkeeping fields do not count.
_BOOKKEEPING = {
    "version",
    "updated_at",
    "announcement_ts",
    "room_claimed_at",
    "room_opened_at",
    "channel_requested",
    "request_key",
    "nudges_snoozed_until",
    "next_update_at",
    "channel_archived_at",
    "problem_id",  # the channel is told in a post; the announcement does not show it
}


class RoomService:
    def __init__(
        self,
        incidents: IncidentService,
        rooms: ChatRooms,
        policy: Policy,
        greeters: Sequence[Callable[[int], object]] = (),
        send: Callable[[], object] = lambda: None,
    ) -> None:
        self._incidents, self._rooms, self._policy = incidents, rooms, policy
        # Sends what the outbox holds, now rather than at the next tick.
        self._send = send
        # Each records something the new room opens with (a recurrence, similar past
        # incidents), given the incident's id: however it was declared, its room opens here.
        self._greeters = tuple(greeters)

    def open_room(self, incident_id: int) -> Incident | None:
        """Creates the incident's channel, invites the declarer and commander, posts and pins
        the announcement and the notice. One caller per incident does this (the others, a
        repeated request, get None); a failure gives the room back for a later attempt."""
        incidents = self._incidents
        if not incidents.claim_room(incident_id):
            return None
        try:
            incident = incidents.get(incident_id)
            resumed = incident.announcement_ts is not None
            if incident.channel_id is None:
                # A channel this opening makes, or adopts, has no announcement: one is only
                # posted once the channel is stored.
                incident = self._create_channel(incident)
            elif not resumed and (ts := self._rooms.find_announcement(incident)):
                incident = incidents.attach_announcement(incident_id, ts)
            assert incident.channel_id is not None
            people = {incident.reporter, *incidents.roles(incident_id).values()} - {""}
            for user in sorted(people):
                self._rooms.invite(incident.channel_id, user)
            self._greet(incident_id)
            incident = self.refresh(incident_id, may_post=True)
            if not incident.private and self._policy.announcements_channel:
                self._rooms.post_notice(incident, resumed=resumed)
        except Exception:
            incidents.release_room(incident_id)
            raise
        opened = incidents.room_opened(incident_id)
        # What was recorded since the refresh (work a greeter left running, e.g. the
        # model's category) is posted by the work itself once the room is open, or here.
        self._post_entries(opened)
        return opened

    def _greet(self, incident_id: int) -> None:
        """A greeter's failure is logged: the others run, and the room opens all the same."""
        for greeter in self._greeters:
            try:
                greeter(incident_id)
            except Exception:
                log.exception("could not greet the room of incident %s", incident_id)

    def open_missing_rooms(self, grace: timedelta = ROOM_LEASE) -> list[Incident]:
        """Opens the rooms a process that died, or failed, after acknowledging left unopened.
        One incident's failure does not stop the others."""
        opened = []
        for incident in self._incidents.awaiting_room(grace):
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

    def post_missing_entries(self, grace: timedelta = ROOM_LEASE) -> int:
        """Shows the changes a process that died after recording them never queued; one
        incident's failure does not stop the others. Returns how many incidents it tried."""
        waiting = self._incidents.awaiting_posts(grace)
        for incident_id in waiting:
            try:
                self.refresh(incident_id)
            except Exception:
                log.exception("could not post the changes of incident %s", incident_id)
        return len(waiting)

    def invite(self, incident_id: int, user: str) -> bool:
        incident = self._incidents.get(incident_id)
        return incident.channel_id is None or self._rooms.invite(incident.channel_id, user)

    def refresh(self, incident_id: int, *, may_post: bool = False) -> Incident:
        """Brings the topic, the announcement and the change posts up to date. Only the
        room's opener (`may_post`) posts the announcement; the others update it."""
        incident = self._incidents.get(incident_id)
        if incident.channel_id is None:
            return incident  # the room is not open yet; its opener refreshes when it is
        roles = self._incidents.roles(incident_id)
        self._rooms.show_topic(incident, roles)
        incident = self._show_announcement(incident, roles, may_post=may_post)
        self._post_entries(incident)
        return incident

    def _post_entries(self, incident: Incident) -> None:
        """The changes go out through the outbox: one sender at a time per channel, in
        timeline order, each once, whoever queued them and whatever Slack refuses."""
        assert incident.id is not None
        if self._incidents.queue_posts(incident.id):
            self._send()

    def _create_channel(self, incident: Incident) -> Incident:
        incident_id = incident.id
        assert incident_id is not None
        # Asked of Slack by an earlier opening that did not store the answer (its process
        # died, or the answer was lost): if that name is taken now, the channel may be ours.
        asked_before = incident.channel_requested
        names = [
            channel_name(self._policy.channel_prefix, incident.ref, incident.title, attempt)
            for attempt in range(1, _MAX_NAME_ATTEMPTS + 1)
        ]
        # The names before it were taken then: asking again could overwrite the record of
        # the one asked for, should this process die too.
        start = names.index(asked_before) if asked_before in names else 0
        for name in names[start:]:
            if name != incident.channel_requested:
                incident = self._incidents.request_channel(incident_id, name)
            try:
                channel_id, created = self._rooms.create_channel(name, private=incident.private)
            except NameTaken:
                if name == asked_before and (adopted := self._adopt(incident_id, name)):
                    return adopted
                continue
            except ChatUnavailable as error:
                raise ChatUnavailable(
                    f"I declared {incident.ref} but couldn't create its channel: {error}"
                ) from error
            return self._incidents.attach_channel(incident_id, channel_id, created)
        raise ChatUnavailable(f"Every channel name I tried for {incident.ref} is taken.")

    def _adopt(self, incident_id: int, name: str) -> Incident | None:
        """Stores the channel an earlier opening asked for as the incident's, if this app made
        it and no other incident has it; None (a new name is tried) otherwise: a channel a
        person made under that name, or one archived since, is never taken over."""
        channel_id = self._rooms.own_channel(name)
        if channel_id is None or self._incidents.by_channel(channel_id) is not None:
            return None
        log.info("adopted #%s, created by an opening of incident %s that died", name, incident_id)
        return self._incidents.attach_channel(incident_id, channel_id, name)

    def _show_announcement(
        self, incident: Incident, roles: dict[Role, str], *, may_post: bool
    ) -> Incident:
        """Refreshes race (two clicks, two listeners): after each update the stored state is
        read again and shown again if it moved on, so the last one shows the latest."""
        incident_id = incident.id
        assert incident_id is not None
        links = self._incidents.links(incident_id)
        shown = None
        for _ in range(_MAX_REFRESHES):
            state = (incident.model_dump(exclude=_BOOKKEEPING), roles, _shown_links(links))
            if state == shown:
                break
            if incident.announcement_ts:
                self._rooms.update_announcement(incident, roles, links)
            elif may_post:
                ts = self._rooms.post_announcement(incident, roles, links)
                incident = self._incidents.attach_announcement(incident_id, ts)
            else:
                break
            shown = state
            incident, roles = self._incidents.get(incident_id), self._incidents.roles(incident_id)
            links = self._incidents.links(incident_id)
        return incident


def _shown_links(links: list[IncidentLink]) -> list[tuple[str, str, str]]:
    """What the announcement shows of the links."""
    return [(link.kind.value, link.url, link.title) for link in links]
