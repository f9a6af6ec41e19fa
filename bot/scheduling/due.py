"""The due-work policy: which notices an incident is owed at a moment. Pure.

Each notice has a key naming the occasion it is for, so however many replicas ask, and
however often, it is queued once. Repeating notices (nudges, stale reminders) count slots
from an anchor and only the current slot is ever due: after an outage, the missed slots
coalesce into one notice instead of a burst.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.config import Policy
from models import Incident, NoticeKind, Postmortem, PostmortemStatus, Status


@dataclass(frozen=True)
class Situation:
    """What the policy reads of one incident."""

    incident: Incident
    commander: str | None
    # The latest human message, note or status update in the incident channel.
    last_update: datetime | None
    postmortem: Postmortem | None = None
    # Someone was paged for it: its escalation policy escalates (bot.oncall.escalation).
    paged: bool = False


@dataclass(frozen=True)
class Notice:
    key: str
    kind: NoticeKind
    # None for a notice about several incidents (an owner's overdue action items).
    incident_id: int | None
    # A channel ID, or a user ID for a direct message.
    target: str
    due_at: datetime
    data: dict[str, Any] = field(default_factory=dict)


def due_notices(situation: Situation, now: datetime, policy: Policy) -> list[Notice]:
    """Every notice the incident is owed at `now`. A notice queued earlier is still worth
    sending only if its key is still among these (the incident has not moved on)."""
    incident = situation.incident
    if incident.id is None or incident.channel_id is None or incident.status is Status.CLOSED:
        return []  # no room to speak in yet, or nothing left to say
    found: list[Notice] = []
    if incident.status.is_open:
        found += _nudge(situation, now, policy)
        found += _no_commander(situation, now, policy)
        found += _escalation(situation, now, policy)
        found += _next_update(incident, situation.commander, now)
    if incident.status is Status.MITIGATED and incident.mitigated_at is not None:
        period = policy.reminders.stale_mitigated_after
        found += _stale(incident, NoticeKind.STALE_MITIGATED, incident.mitigated_at, period, now)
    if incident.status is Status.RESOLVED and incident.resolved_at is not None:
        period = policy.reminders.stale_resolved_after
        found += _stale(incident, NoticeKind.STALE_RESOLVED, incident.resolved_at, period, now)
        found += _monitored(incident, now)
    found += _postmortem_due(situation, now)
    return found


def _nudge(situation: Situation, now: datetime, policy: Policy) -> list[Notice]:
    incident = situation.incident
    severity = policy.severity(incident.severity)
    cadence = severity.cadence if severity else None
    snoozed = incident.nudges_snoozed_until
    if cadence is None or (snoozed is not None and now < snoozed):
        return []
    silent_since = max(incident.declared_at, situation.last_update or incident.declared_at)
    anchor = silent_since
    if snoozed is not None:  # the snooze's end is where the next nudge falls
        anchor = max(anchor, snoozed - cadence)
    slot = (now - anchor) // cadence
    if slot < 1:
        return []
    due = anchor + slot * cadence
    # Keyed by when it falls due: a new cadence (another severity) never reuses a key.
    return [
        Notice(
            key=f"nudge:{incident.id}:{_epoch(due)}",
            kind=NoticeKind.NUDGE,
            incident_id=_id(incident),
            target=_channel(incident),
            due_at=due,
            data={"silent_since": silent_since.isoformat()},
        )
    ]


def _next_update(incident: Incident, commander: str | None, now: datetime) -> list[Notice]:
    """The time the latest update promised the next one has come: the commander is
    reminded in the channel, once. A newer update moves the time, and so the key."""
    due = incident.next_update_at
    if due is None or now < due:
        return []
    return [
        Notice(
            f"next-update:{incident.id}:{_epoch(due)}",
            NoticeKind.NEXT_UPDATE,
            _id(incident),
            _channel(incident),
            due,
            {"promised": due.isoformat(), "commander": commander},
        )
    ]


def _no_commander(situation: Situation, now: datetime, policy: Policy) -> list[Notice]:
    incident = situation.incident
    due = incident.declared_at + policy.reminders.commander_grace
    if situation.commander is not None or now < due:
        return []
    key = f"no-commander:{incident.id}"
    return [Notice(key, NoticeKind.NO_COMMANDER, _id(incident), _channel(incident), due)]


def _escalation(situation: Situation, now: datetime, policy: Policy) -> list[Notice]:
    """Not acknowledged within the severity's response target: the escalation channel and
    people are told (a private incident only in its own channel). An incident that paged
    on-call people escalates by its escalation policy instead: this is the fallback of
    services without one."""
    incident = situation.incident
    if situation.paged:
        return []
    severity = policy.severity(incident.severity)
    within = severity.respond_within if severity else None
    if within is None or incident.acknowledged_at is not None:
        return []
    due = incident.declared_at + within
    if now < due:
        return []
    reminders, key = policy.reminders, f"escalation:{incident.id}"
    users = list(reminders.escalation_users)
    data: dict[str, Any] = {"within": severity.response_target if severity else "", "users": users}
    if incident.private or reminders.escalation_channel is None:
        target = _channel(incident)
    else:
        target = reminders.escalation_channel
    notices = [
        Notice(key, NoticeKind.ESCALATION, _id(incident), target, due, data | {"record": True})
    ]
    if not incident.private:
        notices += [
            Notice(f"{key}:{user}", NoticeKind.ESCALATION, _id(incident), user, due, data)
            for user in users
        ]
    return notices


def _stale(
    incident: Incident, kind: NoticeKind, since: datetime, period: timedelta, now: datetime
) -> list[Notice]:
    slot = (now - since) // period
    if slot < 1:
        return []
    key = f"{kind.value}:{incident.id}:{_epoch(since)}:{slot}"
    return [Notice(key, kind, _id(incident), _channel(incident), since + slot * period)]


def _monitored(incident: Incident, now: datetime) -> list[Notice]:
    """The verification window passed with the incident still resolved (a recurrence
    would have reopened it): the commander is asked to close it, once per window."""
    until = incident.monitoring_until
    if until is None or now < until:
        return []
    key = f"monitored:{incident.id}:{_epoch(until)}"
    return [Notice(key, NoticeKind.MONITORED, _id(incident), _channel(incident), until)]


def _postmortem_due(situation: Situation, now: datetime) -> list[Notice]:
    record, incident = situation.postmortem, situation.incident
    if record is None or record.status is PostmortemStatus.PUBLISHED or record.due_at is None:
        return []
    if now < record.due_at:
        return []
    key = f"postmortem-due:{incident.id}:{_epoch(record.due_at)}"
    return [
        Notice(key, NoticeKind.POSTMORTEM_DUE, _id(incident), _channel(incident), record.due_at)
    ]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _id(incident: Incident) -> int:
    assert incident.id is not None
    return incident.id


def _channel(incident: Incident) -> str:
    assert incident.channel_id is not None
    return incident.channel_id
