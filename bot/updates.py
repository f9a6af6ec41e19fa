"""Stakeholder communication use cases: post a status update, follow an incident by direct
message, and put an incident on (or take it off) the public status page."""

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.errors import IncidentError, NothingChanged
from bot.incidents import Change, IncidentService, Mutated, system_entry
from bot.ports import Clock
from bot.update_entries import Update, as_update, update_entry
from models import EntryKind, Incident, TimelineEntry


class SubscriptionStore(Protocol):
    """Who follows which incident. Each method is one short transaction."""

    def subscribe(self, incident_id: int, user: str, now: datetime) -> bool:
        """False when `user` already follows the incident."""
        ...

    def unsubscribe(self, incident_id: int, user: str) -> bool:
        """False when `user` did not follow it."""
        ...

    def subscribers(self, incident_id: int) -> list[str]: ...


class PrivateIncident(IncidentError):
    def __init__(self, ref: str) -> None:
        super().__init__(
            f"{ref} is private: private incidents and their updates never go on the status page."
        )


class UpdateService:
    def __init__(
        self,
        incidents: IncidentService,
        subscriptions: SubscriptionStore,
        clock: Clock,
        drafter: Callable[[int], Update | None] | None = None,
    ) -> None:
        self._incidents, self._subscriptions, self._clock = incidents, subscriptions, clock
        # Drafts an update from the incident's latest timeline (Claude); None: no drafts.
        self._drafter = drafter

    def post(self, incident_id: int, actor: str, update: Update) -> Change:
        """Records a status update: it resets the update cadence, and `next_update_in`
        sets when the commander is reminded to post the next one (a newer update replaces
        it). The channel, stakeholder channels and subscribers are told from the record."""
        update.check()

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if update.public and incident.private:
                raise PrivateIncident(incident.ref)
            entry = update_entry(update, actor, now)
            incident.next_update_at = now + update.next_update_in if update.next_update_in else None
            return [entry], []

        return self._incidents.change(incident_id, mutate)

    def previous(self, incident_id: int) -> Update | None:
        """The incident's latest update, to start the next one from."""
        latest = self.latest(incident_id)
        return as_update(latest) if latest is not None else None

    def latest(self, incident_id: int) -> TimelineEntry | None:
        """The incident's latest update entry, if it has one."""
        entries = self._incidents.timeline(incident_id)
        return next((e for e in reversed(entries) if e.kind is EntryKind.UPDATE), None)

    @property
    def drafts(self) -> bool:
        return self._drafter is not None

    def draft(self, incident_id: int) -> Update | None:
        """A draft from the latest timeline; None without a drafter or when it failed (the
        form keeps what it showed)."""
        return self._drafter(incident_id) if self._drafter is not None else None

    def subscribe(self, incident_id: int, user: str) -> Incident:
        incident = self._incidents.get(incident_id)
        if not self._subscriptions.subscribe(incident_id, user, self._clock()):
            raise NothingChanged(f"You already follow {incident.ref}.")
        return incident

    def unsubscribe(self, incident_id: int, user: str) -> Incident:
        incident = self._incidents.get(incident_id)
        if not self._subscriptions.unsubscribe(incident_id, user):
            raise NothingChanged(f"You don't follow {incident.ref}.")
        return incident

    def subscribers(self, incident_id: int) -> list[str]:
        return self._subscriptions.subscribers(incident_id)

    def publish(self, incident_id: int, actor: str) -> Change:
        """Puts the incident on the status page with its public updates; never a private one."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.private:
                raise PrivateIncident(incident.ref)
            if incident.published_at is not None:
                raise NothingChanged(f"{incident.ref} is already on the status page.")
            incident.published_at = now
            return [_publication(now, actor, published=True)], []

        return self._incidents.change(incident_id, mutate, allow_closed=True)

    def unpublish(self, incident_id: int, actor: str) -> Change:
        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.published_at is None:
                raise NothingChanged(f"{incident.ref} is not on the status page.")
            incident.published_at = None
            return [_publication(now, actor, published=False)], []

        return self._incidents.change(incident_id, mutate, allow_closed=True)


def _publication(now: datetime, actor: str, *, published: bool) -> TimelineEntry:
    text = "Published to the status page" if published else "Taken off the status page"
    return system_entry(EntryKind.PUBLICATION, now, actor, text, {"published": published})
