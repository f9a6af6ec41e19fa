"""Incident use cases: declare, change status, severity and roles, notes, lookups."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Final, Protocol
from zoneinfo import ZoneInfo

from bot.categories import MAX_TAGS, category_names, find_category, suggest
from bot.checklist import Checklist, missing_text
from bot.config import Policy
from bot.errors import (
    ChecklistIncomplete,
    IncidentClosed,
    IncidentError,
    IncidentNotFound,
    InvalidTransition,
    NotAnIncidentChannel,
    NothingChanged,
    UsageError,
)
from bot.lifecycle import (
    DESTINATION,
    Event,
    IllegalTransition,
    event_towards,
    legal_targets,
    next_status,
)
from bot.links import MAX_LINK_TITLE, Moment, described, markup, resolved, web_address
from bot.permissions import Permission, Permissions
from bot.ports import Clock, IncidentQuery, IncidentStore
from bot.refs import normalise_ref
from bot.update_entries import final_update
from models import (
    Detection,
    EntryKind,
    ImpactScope,
    Incident,
    IncidentLink,
    IncidentRole,
    LinkKind,
    Role,
    Status,
    TimelineEntry,
)

_MAX_ATTEMPTS = 25  # enough for a few dozen people clicking the same incident at once
ROOM_LEASE = timedelta(minutes=2)


# The lifecycle events the policy names; every other move is `change_status`.
_PERMISSION_OF: Final = MappingProxyType(
    {
        Event.RESOLVE: Permission.RESOLVE,
        Event.CLOSE: Permission.CLOSE,
        Event.REOPEN: Permission.REOPEN,
    }
)


class _Claimed(Exception):
    """Another caller holds the claim."""


@dataclass(frozen=True)
class Declaration:
    title: str
    severity: str
    reporter: str
    description: str = ""
    services: tuple[str, ...] = ()
    impact_started_at: datetime | None = None
    private: bool = False
    commander: str | None = None
    # Identifies the Slack request that asked, so a repeated submission declares once.
    request_key: str | None = None
    # The monitoring source that detected it; None when a person declared it.
    detected_by: str | None = None
    # How it was noticed (alert-declared: monitoring) and who it affects, when known.
    detection: Detection | None = None
    impact_scope: ImpactScope | None = None
    # More words the category is suggested from, e.g. the alerts' names.
    hints: tuple[str, ...] = ()
    # Who declared it when that is not the reporter: an API token (`api:<name>`).
    actor: str | None = None


@dataclass(frozen=True)
class Change:
    """What one command did: the incident as it now is and the entries it recorded."""

    incident: Incident
    entries: list[TimelineEntry] = field(default_factory=list)


@dataclass(frozen=True)
class Summary:
    incident: Incident
    roles: dict[Role, str]
    recent: list[TimelineEntry]


Mutated = tuple[list[TimelineEntry], list[IncidentRole]]
Mutation = Callable[[Incident, datetime], Mutated]
# Stores a mutated incident compare-and-set: (incident, expected version, entries, roles).
Saver = Callable[[Incident, int, list[TimelineEntry], list[IncidentRole]], bool]


class IncidentService:
    def __init__(
        self,
        store: IncidentStore,
        policy: Policy,
        clock: Clock,
        checklist: Callable[[Incident], Checklist] | None = None,
    ) -> None:
        self._store, self._policy, self._clock = store, policy, clock
        self.permissions = Permissions(policy.permissions)
        # The closing checklist of an incident about to close (bot.closing); None: no check.
        self._checklist = checklist

    def declare(self, request: Declaration) -> Incident:
        """Stores a new incident with its first timeline entry and returns it."""
        if self._policy.severity(request.severity) is None:
            raise IncidentError(f"{request.severity.upper()} is not a configured severity.")
        if request.request_key and (seen := self._store.by_request_key(request.request_key)):
            return seen
        now = self._clock()
        sequence = self._store.next_sequence(now.year)
        incident = Incident.model_validate(
            {
                "ref": f"INC-{now.year}-{sequence:04d}",
                "title": request.title.strip(),
                "description": request.description.strip(),
                "severity": request.severity,
                "status": Status.DECLARED,
                "private": request.private,
                "services": list(request.services),
                "reporter": request.reporter,
                "request_key": request.request_key,
                "impact_started_at": request.impact_started_at,
                "detected_by": request.detected_by,
                "detection": request.detection
                or (Detection.MONITORING if request.detected_by else None),
                "impact_scope": request.impact_scope,
                "declared_at": now,
                "acknowledged_at": now if request.commander else None,
                "updated_at": now,
            }
        )
        entry = system_entry(
            EntryKind.DECLARED,
            now,
            request.actor or request.reporter or None,
            f"Declared {request.severity.upper()}: {incident.title}",
            {"severity": request.severity},
        )
        entries = [entry]
        words = (incident.title, incident.description, *request.services, *request.hints)
        if suggested := suggest(self._policy.categories, *words):
            # Posted in the channel once the room opens, with a button to confirm it.
            text = f"Suggested category {suggested}"
            data: dict[str, object] = {"category": suggested}
            entries.append(system_entry(EntryKind.CATEGORY_SUGGESTED, now, None, text, data))
        roles = [_role(Role.COMMANDER, request.commander, now)] if request.commander else []
        return self._store.add(incident, entries, roles)

    def find(self, ref: str | None, channel_id: str | None, viewer: str | None = None) -> Incident:
        """The incident named by `ref`, else the one whose channel is `channel_id`. A private
        incident named from outside its channel is found only by its own people."""
        if ref:
            normal = normalise_ref(ref)
            incident = self._store.get(normal) if normal else None
            if incident is None or not self._visible(incident, viewer, channel_id):
                raise IncidentNotFound(ref)
            return incident
        incident = self._store.by_channel(channel_id) if channel_id else None
        if incident is None:
            raise NotAnIncidentChannel()
        return incident

    def named(self, ref: str) -> Incident:
        """The incident called `ref`, whoever may see it: for callers that decide that
        themselves (API tokens)."""
        normal = normalise_ref(ref)
        incident = self._store.get(normal) if normal else None
        if incident is None:
            raise IncidentNotFound(ref[:40])
        return incident

    def by_channel(self, channel_id: str) -> Incident | None:
        return self._store.by_channel(channel_id)

    def by_request_key(self, key: str) -> Incident | None:
        return self._store.by_request_key(key)

    def get(self, incident_id: int) -> Incident:
        incident = self._store.by_id(incident_id)
        if incident is None:
            raise IncidentNotFound(str(incident_id))
        return incident

    def authorize(self, permission: Permission, incident_id: int, actor: str | None) -> None:
        """Raises NotPermitted unless `actor` may do `permission` to the incident (before a
        form is opened for it; the change itself checks again)."""
        self._permit(permission, self.get(incident_id), actor)

    def _permit(self, permission: Permission, incident: Incident, actor: str | None) -> None:
        if not actor or not self.permissions.restricted(permission) or incident.id is None:
            return
        incident_id = incident.id
        roles = self.roles(incident_id)

        def member() -> bool:
            return (
                actor == incident.reporter
                or actor in roles.values()
                or self._store.has_taken_part(incident_id, actor)
            )

        self.permissions.check(
            permission, actor, incident.ref, commander=roles.get(Role.COMMANDER), member=member
        )

    def change_status(self, incident_id: int, target: Status, actor: str, note: str = "") -> Change:
        """Moves the incident to `target` if the lifecycle allows it."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            event = event_towards(incident.status, target)
            if event is None:
                raise InvalidTransition(
                    incident.ref,
                    incident.status.value,
                    target.value,
                    [s.value for s in legal_targets(incident.status)],
                )
            return self._moved(incident, event, now, actor, note), []

        return self.change(incident_id, mutate, allow_closed=True)

    def resolve(self, incident_id: int, actor: str, summary: str = "") -> Change:
        return self._event(incident_id, Event.RESOLVE, actor, summary)

    def reopen(self, incident_id: int, actor: str, reason: str = "") -> Change:
        return self._event(incident_id, Event.REOPEN, actor, reason)

    def close(self, incident_id: int, actor: str) -> Change:
        return self._event(incident_id, Event.CLOSE, actor, "")

    def change_severity(
        self, incident_id: int, severity: str, actor: str, reason: str = ""
    ) -> Change:
        if self._policy.severity(severity) is None:
            raise IncidentError(f"{severity.upper()} is not a configured severity.")

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.severity == severity:
                raise NothingChanged(f"{incident.ref} is already {severity.upper()}.")
            self._permit(Permission.CHANGE_SEVERITY, incident, actor)
            before, incident.severity = incident.severity, severity
            text = f"Severity {before.upper()} → {severity.upper()}" + (
                f": {reason}" if reason else ""
            )
            entry = system_entry(
                EntryKind.SEVERITY_CHANGED,
                now,
                actor,
                text,
                {"from": before, "to": severity, "reason": reason},
            )
            return [entry], []

        return self.change(incident_id, mutate)

    def assign_role(
        self,
        incident_id: int,
        role: Role,
        user_id: str,
        actor: str,
        *,
        only_if_vacant: bool = False,
    ) -> Change:
        """Gives `role` to `user_id`. With `only_if_vacant` (claiming), an occupied role is
        refused rather than taken over."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            # Read on every attempt: a role change bumps the version, so a stale read loses the
            # compare-and-set and is read again.
            current = self.roles(incident_id)
            if current.get(role) == user_id:
                raise NothingChanged(f"<@{user_id}> is already {role.label.lower()}.")
            if only_if_vacant and role in current:
                raise NothingChanged(
                    f"<@{current[role]}> is already {role.label.lower()} of {incident.ref}."
                )
            if not (only_if_vacant and user_id == actor):  # claiming a vacant role is open
                self._permit(Permission.ASSIGN_ROLE, incident, actor)
            if role is Role.COMMANDER and incident.acknowledged_at is None:
                incident.acknowledged_at = now
            text = f"{role.label}: <@{user_id}>"
            entry = system_entry(
                EntryKind.ROLE_CHANGED,
                now,
                actor,
                text,
                {"role": role.value, "from": current.get(role), "to": user_id},
            )
            return [entry], [_role(role, user_id, now)]

        return self.change(incident_id, mutate)

    def rename(self, incident_id: int, title: str, actor: str) -> Change:
        """Gives the incident a new title (its channel keeps its name)."""
        title = title.strip()
        if not title:
            raise UsageError("Give the incident a title.")

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.title == title:
                raise NothingChanged(f"{incident.ref} is already called that.")
            before, incident.title = incident.title, title
            data = {"from": before, "to": title}
            return [system_entry(EntryKind.TITLE_CHANGED, now, actor, f"Title: {title}", data)], []

        return self.change(incident_id, mutate)

    def query(self, wanted: IncidentQuery) -> list[Incident]:
        """A page of incidents matching `wanted`, newest first."""
        return self._store.query(wanted)

    def change_services(self, incident_id: int, services: tuple[str, ...], actor: str) -> Change:
        """Sets the affected services; with a service catalogue, only its services."""
        known = [s.name for s in self._policy.services]
        unknown = [s for s in services if known and s not in known]
        if unknown:
            raise IncidentError(
                f"{', '.join(unknown)} {'is' if len(unknown) == 1 else 'are'} not in the service "
                f"catalogue. Known services: {', '.join(known)}."
            )

        def mutate(incident: Incident, now: datetime) -> Mutated:
            before = list(incident.services)
            if before == list(services):
                raise NothingChanged(f"{incident.ref} already lists those services.")
            incident.services = list(services)
            text = f"Services: {', '.join(services) or 'none'}"
            entry = system_entry(
                EntryKind.SERVICES_CHANGED, now, actor, text, {"from": before, "to": list(services)}
            )
            return [entry], []

        return self.change(incident_id, mutate)

    def set_category(
        self, incident_id: int, category: str, actor: str, *, confirming: bool = False
    ) -> Change:
        """Sets the category (from the taxonomy, written `Top/sub`). `confirming` a suggestion
        is refused once the incident has any category, so racing clicks set it once."""
        found = find_category(self._policy.categories, category)
        if found is None:
            raise IncidentError(
                f"`{category[:60]}` is not a category. Choose one of: "
                f"{', '.join(category_names(self._policy.categories))}."
            )

        def mutate(incident: Incident, now: datetime) -> Mutated:
            before = incident.category
            if before == found or (confirming and before):
                raise NothingChanged(f"{incident.ref} is already categorised as {before}.")
            incident.category = found
            text = f"Category: {found}"
            data: dict[str, object] = {"from": before, "to": found, "confirmed": confirming}
            return [system_entry(EntryKind.CATEGORY_CHANGED, now, actor, text, data)], []

        return self.change(incident_id, mutate)

    def add_tags(self, incident_id: int, tags: tuple[str, ...], actor: str) -> Change:
        """Adds free tags (already normalised: `bot.categories.normalise_tags`)."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            added = [tag for tag in tags if tag not in incident.tags]
            if not added:
                raise NothingChanged(f"{incident.ref} already has those tags.")
            if len(incident.tags) + len(added) > MAX_TAGS:
                raise IncidentError(f"An incident has at most {MAX_TAGS} tags.")
            incident.tags = [*incident.tags, *added]  # reassigned: JSON is not mutable
            text = f"Tags added: {', '.join(added)}"
            data: dict[str, object] = {"added": added, "tags": incident.tags}
            return [system_entry(EntryKind.TAGS_ADDED, now, actor, text, data)], []

        return self.change(incident_id, mutate)

    def set_detection(self, incident_id: int, detection: Detection, actor: str) -> Change:
        """Records how the incident was noticed."""
        return self._classify(
            incident_id, actor, "detection", detection, EntryKind.DETECTION_CHANGED, "Detected by"
        )

    def set_impact_scope(self, incident_id: int, scope: ImpactScope, actor: str) -> Change:
        """Records who the incident affects."""
        return self._classify(
            incident_id, actor, "impact_scope", scope, EntryKind.SCOPE_CHANGED, "Scope of impact"
        )

    def _classify(
        self,
        incident_id: int,
        actor: str,
        field: str,
        value: Detection | ImpactScope,
        kind: EntryKind,
        label: str,
    ) -> Change:
        """Sets one of the incident's classifying fields, recording the change."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            before = getattr(incident, field)
            if before is value:
                raise NothingChanged(f"{incident.ref} already says {value.label.lower()}.")
            setattr(incident, field, value)
            data: dict[str, object] = {"from": before, "to": value.value}
            return [system_entry(kind, now, actor, f"{label}: {value.label}", data)], []

        return self.change(incident_id, mutate)

    def add_note(self, incident_id: int, actor: str, text: str) -> Change:
        """A key event written by a person, shown in the channel and the timeline."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            entry = TimelineEntry.model_validate(
                {
                    "kind": EntryKind.NOTE,
                    "occurred_at": now,
                    "author": actor,
                    "text": text,
                    "key_event": True,
                    "incident_id": 0,
                }
            )
            return [entry], []

        return self.change(incident_id, mutate)

    def record_event(
        self,
        incident_id: int,
        kind: EntryKind,
        actor: str,
        text: str,
        data: dict[str, object],
        *,
        unless_same: str | None = None,
    ) -> Change:
        """Adds a system entry (e.g. a post-mortem drafted) to the incident's timeline. With
        `unless_same`, raises NothingChanged instead when the latest entry of this kind has
        the same `data[unless_same]`; racing callers record one."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if unless_same is not None:
                earlier = self._store.entries(incident_id, include_hidden=True)
                latest = next((e for e in reversed(earlier) if e.kind is kind), None)
                if latest is not None and latest.data.get(unless_same) == data[unless_same]:
                    raise NothingChanged(f"{incident.ref} already shows that.")
            return [system_entry(kind, now, actor or None, text, data)], []

        return self.change(incident_id, mutate, allow_closed=True)

    def snooze_nudges(self, incident_id: int, actor: str, until: datetime) -> Change:
        """Holds update-cadence nudges back until `until`."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.nudges_snoozed_until = until
            return [], []

        return self.change(incident_id, mutate)

    def add_link(
        self,
        incident_id: int,
        actor: str | None,
        url: str,
        kind: LinkKind,
        title: str = "",
        happened_at: Moment | None = None,
    ) -> Change:
        """Attaches a link (shown on the announcement, bookmarked, recorded in the timeline);
        NothingChanged when the incident already has that URL. `actor` None is Sitrep itself.
        `happened_at` may be a time of day: the latest one, in the organisation's timezone."""
        url = web_address(url)  # raises UsageError for what is no web address
        title = title.strip()
        title = title if len(title) <= MAX_LINK_TITLE else title[: MAX_LINK_TITLE - 1] + "…"
        when = None
        if happened_at is not None:
            when = resolved(happened_at, self._clock(), ZoneInfo(self._policy.timezone))
        made: list[IncidentLink] = []

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if any(known.url == url for known in self._store.links(incident_id)):
                raise NothingChanged(f"That link is already on {incident.ref}.")
            made[:] = [_link(incident_id, kind, url, title, actor, now, when)]
            what = "" if kind is LinkKind.OTHER else f"{described(kind)}: "
            text = f"Linked {what}{markup(url, title)}"
            data: dict[str, object] = {
                "url": url,
                "kind": kind.value,
                "title": title,
                "happened_at": when.isoformat() if when else None,
            }
            return [system_entry(EntryKind.LINK, now, actor, text, data)], []

        def save(incident: Incident, version: int, entries: list[TimelineEntry], _: object) -> bool:
            return self._store.add_link(incident, version, made[0], entries[0])

        return self.change(incident_id, mutate, save=save)

    def links(self, incident_id: int) -> list[IncidentLink]:
        """The incident's links, oldest first."""
        return self._store.links(incident_id)

    def claim_room(self, incident_id: int, lease: timedelta = ROOM_LEASE) -> bool:
        """True for the one caller that should open the incident's room now. A claim older
        than `lease` is abandoned (its process died) and can be taken over."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            claimed = incident.room_claimed_at
            if incident.room_opened_at or (claimed and now - claimed < lease):
                raise _Claimed
            incident.room_claimed_at = now
            return [], []

        try:
            self.change(incident_id, mutate, allow_closed=True)
        except _Claimed:
            return False
        return True

    def release_room(self, incident_id: int) -> None:
        """Gives up a claim after a failure, so the room can be opened again at once."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.room_claimed_at = None
            return [], []

        self.change(incident_id, mutate, allow_closed=True)

    def room_opened(self, incident_id: int) -> Incident:
        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.room_opened_at = now
            return [], []

        return self.change(incident_id, mutate, allow_closed=True).incident

    def awaiting_room(self, grace: timedelta = ROOM_LEASE) -> list[Incident]:
        """Incidents whose room should be open by now but isn't: the process opening it died
        or failed. Those with a live claim are still being opened."""
        now = self._clock()
        return [
            incident
            for incident in self._store.unopened(now - grace)
            if incident.room_claimed_at is None or now - incident.room_claimed_at >= ROOM_LEASE
        ]

    def awaiting_posts(self, grace: timedelta = ROOM_LEASE) -> list[int]:
        """Incidents with changes recorded over `grace` ago and never queued for their
        channel: the process that recorded them died before its refresh queued them."""
        return self._store.with_unposted_entries(self._clock() - grace)

    def request_channel(self, incident_id: int, name: str) -> Incident:
        """Records the channel name about to be asked of the chat platform."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.channel_requested = name
            return [], []

        return self.change(incident_id, mutate, allow_closed=True).incident

    def attach_channel(self, incident_id: int, channel_id: str, channel_name: str) -> Incident:
        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.channel_id, incident.channel_name = channel_id, channel_name
            return [], []

        return self.change(incident_id, mutate, allow_closed=True).incident

    def channel_archived(self, channel_id: str, archived: bool) -> Incident | None:
        """Records that the incident's channel was archived (or unarchived); None for a
        channel that is no incident's."""
        found = self._store.by_channel(channel_id)
        if found is None or found.id is None:
            return None

        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.channel_archived_at = (
                (incident.channel_archived_at or now) if archived else None
            )
            return [], []

        return self.change(found.id, mutate, allow_closed=True).incident

    def attach_announcement(self, incident_id: int, ts: str) -> Incident:
        def mutate(incident: Incident, now: datetime) -> Mutated:
            incident.announcement_ts = ts
            return [], []

        return self.change(incident_id, mutate, allow_closed=True).incident

    def list_incidents(
        self, *, include_resolved: bool, viewer: str | None = None, limit: int = 20
    ) -> list[Incident]:
        """The latest incidents, open ones only unless `include_resolved`. Private incidents
        are listed only for their own people: declarer and role holders."""
        found = self._store.list_incidents(include_resolved=include_resolved, limit=limit)
        return [i for i in found if self._visible(i, viewer, None)]

    def involving(self, user: str, limit: int = 20) -> list[Incident]:
        """The open incidents `user` is in: declared, holds a role in, or spoke in."""
        return [i for i in self._store.involving(user, limit) if self._visible(i, user, None)]

    def visible(self, incident: Incident, viewer: str | None, channel_id: str | None) -> bool:
        """Whether `viewer` (asking in `channel_id`) may see the incident: a private one only
        in its channel, or by its declarer and role holders."""
        return self._visible(incident, viewer, channel_id)

    def _visible(self, incident: Incident, viewer: str | None, channel_id: str | None) -> bool:
        if not incident.private or incident.id is None:
            return visible_to(incident, {}, viewer, channel_id)
        return visible_to(incident, self.roles(incident.id), viewer, channel_id)

    def roles(self, incident_id: int) -> dict[Role, str]:
        return {r.role: r.user_id for r in self._store.roles(incident_id)}

    def summary(self, incident_id: int, recent: int = 10) -> Summary:
        incident = self.get(incident_id)
        entries = self._store.entries(incident_id, limit=recent)
        return Summary(incident, self.roles(incident_id), entries)

    def timeline(
        self, incident_id: int, *, include_hidden: bool = False, limit: int | None = None
    ) -> list[TimelineEntry]:
        """The incident's timeline, oldest first (with `limit`, the latest entries)."""
        return self._store.entries(incident_id, limit=limit, include_hidden=include_hidden)

    def unqueue_entry(self, entry_id: int) -> None:
        """Returns an entry whose post was cancelled (its channel archived) to the ones
        still to show, for when the channel is back."""
        self._store.unqueue_entry(entry_id)

    def queue_posts(self, incident_id: int) -> int:
        """Queues the system entries still to show in the channel in the outbox, each once,
        in timeline order; returns how many were owed (queued by this call or a racing one:
        either way, the caller sends)."""
        return self._store.queue_unposted(incident_id, self._clock())

    def _event(self, incident_id: int, event: Event, actor: str, note: str) -> Change:
        def mutate(incident: Incident, now: datetime) -> Mutated:
            return self._moved(incident, event, now, actor, note), []

        return self.change(incident_id, mutate, allow_closed=True)

    def _moved(
        self, incident: Incident, event: Event, now: datetime, actor: str, note: str
    ) -> list[TimelineEntry]:
        """The entries of moving `incident` by `event`: resolving a published incident
        also posts the status page's final update."""
        self._permit(_PERMISSION_OF.get(event, Permission.CHANGE_STATUS), incident, actor)
        entries = [self._apply(incident, event, now, actor, note)]
        if event is Event.RESOLVE and incident.published_at is not None:
            entries.append(final_update(incident, actor or None, now, note))
        return entries

    def _apply(
        self, incident: Incident, event: Event, now: datetime, actor: str, note: str
    ) -> TimelineEntry:
        """Moves `incident` by `event`, stamps the milestone and returns the entry recording it."""
        before = incident.status
        try:
            incident.status = next_status(before, event)
        except IllegalTransition:
            raise InvalidTransition(
                incident.ref,
                before.value,
                DESTINATION[event].value,
                [s.value for s in legal_targets(before)],
            ) from None
        data: dict[str, object] = {"from": before.value, "to": incident.status.value, "note": note}
        if event is Event.CLOSE and self._checklist is not None:
            # Inside the compare-and-set: whatever the path (command, button, form), nothing
            # closes with its checklist unfinished, and the entry keeps what was checked.
            checklist = self._checklist(incident)
            if not checklist.complete:
                raise ChecklistIncomplete(missing_text(incident.ref, checklist))
            data["checklist"] = checklist.as_data()
        _stamp_milestones(incident, event, now)
        if event is Event.RESOLVE and note:
            incident.resolution_summary = note
        if event is Event.RESOLVE:
            severity = self._policy.severity(incident.severity)
            window = severity.verify_for if severity else None
            incident.monitoring_until = now + window if window else None
        elif event is Event.REOPEN:
            # What resolving claimed no longer holds.
            incident.fix = incident.verification = incident.monitoring_until = None
        text = f"Status {before.label} → {incident.status.label}" + (f": {note}" if note else "")
        return system_entry(EntryKind.STATUS_CHANGED, now, actor, text, data)

    def change(
        self,
        incident_id: int,
        mutate: Mutation,
        *,
        allow_closed: bool = False,
        save: Saver | None = None,
    ) -> Change:
        """Applies `mutate` to a fresh copy and saves it compare-and-set (with `save`, else
        the store's `save`), retrying on a race. Other services that record on an incident
        (problems) change it through here too.

        Re-running `mutate` on the winner's state is what makes two clicks give one change:
        the loser re-validates and gets a friendly 'already' error."""
        saver: Saver = save or self._store.save
        for _ in range(_MAX_ATTEMPTS):
            incident = self.get(incident_id)
            if incident.status is Status.CLOSED and not allow_closed:
                raise IncidentClosed(incident.ref)
            version, now = incident.version, self._clock()
            entries, roles = mutate(incident, now)
            incident.updated_at = now
            for entry in entries:
                entry.incident_id = incident_id
            if saver(incident, version, entries, roles):
                incident.version = version + 1
                return Change(incident, entries)
        raise IncidentError("Too many people changed this incident at once; please try again.")


class Seen(Protocol):
    """What deciding who may see an incident reads of it."""

    @property
    def private(self) -> bool: ...
    @property
    def channel_id(self) -> str | None: ...
    @property
    def reporter(self) -> str: ...


def visible_to(
    incident: Seen, roles: Mapping[Role, str], viewer: str | None, channel_id: str | None
) -> bool:
    """Whether `viewer` (asking in `channel_id`) may see the incident: a private one only in
    its channel, or by its declarer and role holders (`roles`)."""
    if not incident.private or (channel_id and channel_id == incident.channel_id):
        return True
    return viewer is not None and (viewer == incident.reporter or viewer in roles.values())


def _stamp_milestones(incident: Incident, event: Event, now: datetime) -> None:
    if incident.acknowledged_at is None:
        incident.acknowledged_at = now
    if event is Event.IDENTIFY:
        incident.identified_at = incident.identified_at or now
    elif event is Event.MITIGATE:
        incident.mitigated_at = incident.mitigated_at or now
    elif event is Event.RESOLVE:
        # Resolving without a mitigation step means impact ended no later than now.
        incident.mitigated_at = incident.mitigated_at or now
        incident.resolved_at = now
    elif event is Event.REOPEN:
        # The fix did not hold: impact is ongoing, so neither mitigation nor resolution stands.
        incident.mitigated_at = incident.resolved_at = None
    elif event is Event.CLOSE:
        incident.closed_at = now


def system_entry(
    kind: EntryKind, now: datetime, actor: str | None, text: str, data: Mapping[str, object]
) -> TimelineEntry:
    """A timeline entry Sitrep records (not a message), for a mutation to return."""
    return TimelineEntry.model_validate(
        {
            "kind": kind,
            "occurred_at": now,
            "author": actor,
            "text": text,
            "data": dict(data),
            "incident_id": 0,
        }
    )


def _link(
    incident_id: int,
    kind: LinkKind,
    url: str,
    title: str,
    actor: str | None,
    now: datetime,
    happened_at: datetime | None,
) -> IncidentLink:
    return IncidentLink.model_validate(
        {
            "incident_id": incident_id,
            "kind": kind,
            "url": url,
            "title": title,
            "added_by": actor,
            "added_at": now,
            "happened_at": happened_at,
        }
    )


def _role(role: Role, user_id: str, now: datetime) -> IncidentRole:
    return IncidentRole.model_validate(
        {"role": role, "user_id": user_id, "assigned_at": now, "incident_id": 0}
    )
