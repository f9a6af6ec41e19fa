"""Alerts in: a notification declares an incident, joins the open one it belongs to, goes
to triage, or is ignored, as the policy's rules say."""

import hashlib
from contextlib import suppress
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from bot.alerts import rules
from bot.alerts.events import AlertEvent, AlertLink, Notification
from bot.alerts.rules import Decision
from bot.config import Policy
from bot.errors import IncidentError, InvalidTransition
from bot.incidents import Declaration, IncidentService
from bot.ports import AlertStore, Clock
from models import (
    AlertStatus,
    AlertTriage,
    EntryKind,
    Incident,
    IncidentAlert,
    LinkKind,
    Status,
    TimelineEntry,
    TriageState,
)

_NAMES = {
    "alertmanager": "Alertmanager",
    "grafana": "Grafana",
    "datadog": "Datadog",
    "pagerduty": "PagerDuty",
    "opsgenie": "Opsgenie",
    "generic": "Monitoring",
}
# An alert that says it started earlier than this is not believed (Go's zero time and
# similar placeholders): the declaration counts as the impact start instead.
_OLDEST_IMPACT = timedelta(days=30)


def source_name(source: str) -> str:
    return _NAMES.get(source, source.capitalize())


class Outcome(StrEnum):
    DECLARED = "declared"
    JOINED = "joined"  # added to the open incident it belongs to
    UPDATED = "updated"  # repeats or resolutions of alerts already in an incident
    TRIAGED = "triaged"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Intake:
    """What a notification did, for the sender's reply and the work after it."""

    outcome: Outcome
    detail: str
    incident: Incident | None = None
    triage: AlertTriage | None = None
    # The incident's alerts have all resolved with this notification.
    all_resolved: bool = False

    def reply(self) -> dict[str, Any]:
        return {
            "ok": True,
            "outcome": self.outcome.value,
            "incident": self.incident.ref if self.incident else None,
            "detail": self.detail,
        }


class AlertService:
    def __init__(
        self, store: AlertStore, incidents: IncidentService, policy: Policy, clock: Clock
    ) -> None:
        self._store, self._incidents, self._policy, self._clock = store, incidents, policy, clock

    def receive(self, notification: Notification) -> Intake:
        """Acts on one delivery; safe to repeat (a repeated delivery changes nothing more)."""
        if not notification.events:
            return Intake(Outcome.IGNORED, notification.skipped or "no alerts in it")
        events = [
            replace(e, service=rules.service_of(e, self._policy)) for e in notification.events
        ]
        source, group = notification.source, _hashed(notification.group_key)
        incident = self._store.linked_incident(source, [e.fingerprint for e in events], group)
        if incident is None and (services := {e.service for e in events if e.service}):
            since = self._clock() - self._policy.alerts.grouping
            incident = next(
                (
                    found
                    for s in sorted(services)
                    if (found := self._store.service_incident(s, since))
                ),
                None,
            )
        if incident is not None:
            return self._into(incident, source, group, events, Outcome.JOINED)
        firing = [e for e in events if e.status is AlertStatus.FIRING]
        decision = rules.strongest(
            [rules.decide(source, e, e.service, self._policy) for e in firing], self._policy
        )
        if decision is None:
            return Intake(Outcome.IGNORED, "resolved alerts that no open incident has")
        match decision.action:
            case "ignore":
                return Intake(Outcome.IGNORED, "a rule ignores these alerts")
            case "triage":
                return self._triage(notification, firing, decision)
        return self._declare(source, group, firing, decision, notification.group_key)

    def declare_from_triage(self, triage_id: int, user: str) -> Intake:
        """A person declares the incident an alert in triage asked for."""
        triage = self._store.triage(triage_id)
        if triage is None or triage.state is not TriageState.PENDING:
            raise IncidentError("Someone already declared or dismissed this alert.")
        notification = _notification_from(triage.notification)
        events = [
            replace(e, service=rules.service_of(e, self._policy)) for e in notification.events
        ]
        decision = Decision("declare", triage.severity)
        group = _hashed(notification.group_key)
        intake = self._declare(
            notification.source, group, events, decision, notification.group_key, reporter=user
        )
        assert intake.incident is not None
        if not self._store.decide_triage(
            triage_id, TriageState.DECLARED, user, self._clock(), intake.incident.id
        ):
            raise IncidentError("Someone already declared or dismissed this alert.")
        return intake

    def dismiss(self, triage_id: int, user: str) -> AlertTriage:
        if not self._store.decide_triage(triage_id, TriageState.DISMISSED, user, self._clock()):
            raise IncidentError("Someone already declared or dismissed this alert.")
        triage = self._store.triage(triage_id)
        assert triage is not None
        return triage

    def triage(self, triage_id: int) -> AlertTriage:
        triage = self._store.triage(triage_id)
        if triage is None:
            raise IncidentError("That alert is no longer in triage.")
        return triage

    def alerts(self, incident_id: int) -> list[IncidentAlert]:
        return self._store.alerts(incident_id)

    def pending_triage(self) -> list[AlertTriage]:
        """Alerts in triage whose post is still to be sent."""
        return self._store.pending_triage()

    def _triage(
        self, notification: Notification, firing: list[AlertEvent], decision: Decision
    ) -> Intake:
        """Puts the alerts to a person: one triage post per alert group while it waits,
        however often the alerts repeat."""
        channel = self._policy.alerts.triage_channel
        assert channel is not None  # the policy refuses a triage rule without a channel
        source, now = notification.source, self._clock()
        grouping = _grouping(source, notification.group_key, firing[0])
        stored = Notification(source, tuple(firing), notification.group_key)
        triage = AlertTriage.model_validate(
            {
                "pending_key": hashlib.sha256(grouping.encode()).hexdigest()[:64],
                "source": source,
                "state": TriageState.PENDING,
                "notification": notification_data(stored),
                "severity": decision.severity,
                "channel_id": channel,
                "created_at": now,
                "last_seen_at": now,
            }
        )
        triage, created = self._store.add_triage(triage)
        detail = "sent to triage" if created else "already waiting in triage"
        return Intake(Outcome.TRIAGED, detail, triage=triage)

    def _declare(
        self,
        source: str,
        group: str,
        firing: list[AlertEvent],
        decision: Decision,
        group_key: str,
        reporter: str = "",
    ) -> Intake:
        """Declares the incident for these alerts, once however many deliveries race: the
        request key is the alerts' group and how many incidents that group had before."""
        lead = firing[0]
        prefix = (
            "alert:" + hashlib.sha256(_grouping(source, group_key, lead).encode()).hexdigest()[:40]
        )
        latest = self._store.latest_declared(prefix + ":")
        if latest is not None and latest.status.is_open:
            return self._into(latest, source, group, firing, Outcome.JOINED)
        number = (
            int(latest.request_key.rsplit(":", 1)[1]) + 1 if latest and latest.request_key else 1
        )
        now = self._clock()
        started = min((e.started_at for e in firing if e.started_at), default=None)
        if started is not None and not (now - _OLDEST_IMPACT <= started <= now):
            started = None
        incident = self._incidents.declare(
            Declaration(
                title=_title(firing),
                severity=decision.severity,
                reporter=reporter,
                description=_description(source, firing),
                services=tuple(sorted({e.service for e in firing if e.service})),
                impact_started_at=started,
                request_key=f"{prefix}:{number}",
                detected_by=source,
            )
        )
        self._link_guides(incident, firing)
        return self._into(incident, source, group, firing, Outcome.DECLARED)

    def _link_guides(self, incident: Incident, firing: list[AlertEvent]) -> None:
        """The alerts' runbooks and dashboards become the incident's links (bookmarked in
        its channel), once each."""
        assert incident.id is not None
        guides = {
            link.url: link
            for event in firing
            for link in event.links
            if link.kind in (LinkKind.RUNBOOK, LinkKind.DASHBOARD)
        }
        for link in list(guides.values())[:_GUIDES]:
            # Linked by a racing delivery, or not a web address Slack would take: no matter.
            with suppress(IncidentError):
                self._incidents.add_link(incident.id, None, link.url, link.kind, link.title)

    def _into(
        self,
        incident: Incident,
        source: str,
        group: str,
        events: list[AlertEvent],
        outcome: Outcome,
    ) -> Intake:
        """Records the alerts in the incident: new alerts and changes of status go on the
        timeline; repeats only count."""
        assert incident.id is not None
        now = self._clock()
        rows = [_row(source, group, e, now) for e in events]
        entry = self._store.record(incident.id, rows, lambda changes: _entry(changes, now))
        changes = entry.data["changes"] if entry else []
        if outcome is Outcome.JOINED and not any(c["new"] for c in changes):
            outcome = Outcome.UPDATED
        resolved_now = any(c["status"] == AlertStatus.RESOLVED for c in changes)
        all_resolved = resolved_now and all(
            a.status is AlertStatus.RESOLVED for a in self._store.alerts(incident.id)
        )
        if all_resolved:
            self._all_resolved(incident, events)
        detail = f"{entry.data['changed'] if entry else 0} alert change(s) in {incident.ref}"
        return Intake(outcome, detail, self._incidents.get(incident.id), all_resolved=all_resolved)

    def _all_resolved(self, incident: Incident, events: list[AlertEvent]) -> None:
        """Every alert of the incident has resolved: ask in the channel whether it is
        mitigated, or move it on where the rules say so."""
        assert incident.id is not None
        source = incident.detected_by or ""
        when = rules.most_careful(
            [rules.decide(source, e, e.service, self._policy).when_resolved for e in events]
        )
        try:
            if when == "resolve" and incident.status.is_open:
                self._incidents.resolve(incident.id, "", "All of its alerts resolved.")
                return
            if when == "mitigate" and incident.status in _BEFORE_MITIGATED:
                self._incidents.change_status(
                    incident.id, Status.MITIGATED, "", "All of its alerts resolved."
                )
                return
        except (InvalidTransition, IncidentError):
            pass  # someone moved it on meanwhile: the prompt below is still useful
        if incident.status in _BEFORE_MITIGATED:
            self._incidents.record_event(
                incident.id,
                EntryKind.ALERT,
                "",
                "All alerts resolved: mark mitigated?",
                {"all_resolved": True},
            )


_GUIDES = 3  # runbook and dashboard links an alert's incident starts with
_LISTED = 10  # alert changes an entry lists; the rest are counted
_BEFORE_MITIGATED = (Status.DECLARED, Status.INVESTIGATING, Status.IDENTIFIED)


def _grouping(source: str, group_key: str, lead: AlertEvent) -> str:
    """What makes alerts one incident: the source's own group, else the service, else the
    alert itself."""
    if group_key:
        return f"group:{source}:{group_key}"
    if lead.service:
        return f"service:{lead.service.lower()}"
    return f"alert:{source}:{lead.fingerprint}"


def _hashed(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()[:64] if group_key else ""


def _markup(text: str) -> str:
    """Text from monitoring as Slack-style markup, the form Sitrep stores text in: shown
    as sent, never a mention or a link."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _title(firing: list[AlertEvent]) -> str:
    title = _markup(firing[0].title.strip() or "Alert")
    more = len({e.fingerprint for e in firing}) - 1
    suffix = f" (+{more} more)" if more > 0 else ""
    return title[: 250 - len(suffix)] + suffix


def _description(source: str, firing: list[AlertEvent]) -> str:
    lines = [f"Declared from {source_name(source)}."]
    for event in firing[:10]:
        said = event.title + (f": {event.description}" if event.description else "")
        lines.append(f"- {_markup(said)}")
    return "\n".join(lines)[:3000]


def _row(source: str, group: str, event: AlertEvent, now: datetime) -> IncidentAlert:
    return IncidentAlert.model_validate(
        {
            "incident_id": 0,
            "source": source,
            "fingerprint": event.fingerprint,
            "group_key": group,
            "status": event.status,
            "title": event.title[:250],
            "severity": event.severity[:32],
            "service": event.service[:80],
            "labels": dict(event.labels),
            "links": [_link_data(link) for link in event.links],
            "started_at": event.started_at,
            "ended_at": event.ended_at,
            "first_seen_at": now,
            "last_seen_at": now,
        }
    )


def _link_data(link: AlertLink) -> dict[str, str]:
    return {"url": link.url, "kind": link.kind.value, "title": link.title}


def _entry(
    changes: list[tuple[IncidentAlert, AlertStatus | None]], now: datetime
) -> TimelineEntry | None:
    """One entry per delivery for the alerts that are new or changed status; repeats
    only count. The entry lists the first few changes."""
    changed = [(row, before) for row, before in changes if before is not row.status]
    if not changed:
        return None
    source = changed[0][0].source
    firing = sum(row.status is AlertStatus.FIRING for row, _ in changed)
    verb = "firing" if firing else "resolved"
    if len(changed) > 1:
        what = (
            f"{len(changed)} alerts changed"
            if 0 < firing < len(changed)
            else f"{len(changed)} alerts {verb}"
        )
        text = f"{source_name(source)}: {what}"
    else:
        text = f"{source_name(source)} alert {verb}: {_markup(changed[0][0].title)}"
    data: dict[str, Any] = {
        "source": source,
        "changed": len(changed),
        "changes": [_change(row, before) for row, before in changed[:_LISTED]],
    }
    return TimelineEntry.model_validate(
        {
            "incident_id": 0,
            "kind": EntryKind.ALERT,
            "occurred_at": now,
            "author": None,
            "text": text,
            "data": data,
        }
    )


def _change(row: IncidentAlert, before: AlertStatus | None) -> dict[str, Any]:
    return {
        "fingerprint": row.fingerprint,
        "status": row.status.value,
        "new": before is None,
        "title": row.title,
        "severity": row.severity,
        "service": row.service,
        "links": row.links[:3],
    }


def _notification_from(data: dict[str, Any]) -> Notification:
    """The notification a triage stored, as it was."""
    events = tuple(
        AlertEvent(
            **{
                **event,
                "status": AlertStatus(event["status"]),
                "links": tuple(
                    AlertLink(link["url"], LinkKind(link["kind"]), link["title"])
                    for link in event["links"]
                ),
                "started_at": _when(event["started_at"]),
                "ended_at": _when(event["ended_at"]),
            }
        )
        for event in data["events"]
    )
    return Notification(data["source"], events, data.get("group_key", ""))


def notification_data(notification: Notification) -> dict[str, Any]:
    """A notification as JSON-ready data, to store with a triage."""
    data = asdict(notification)
    for event in data["events"]:
        event["labels"] = dict(event["labels"])
        for key in ("started_at", "ended_at"):
            event[key] = event[key].isoformat() if event[key] else None
    return data


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
