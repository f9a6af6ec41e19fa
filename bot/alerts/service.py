"""Alerts in: a notification declares an incident, joins the open one it belongs to, goes
to triage, or is ignored, as the policy's rules say. Intake runs one delivery at a time per
service, alert group and alert (across replicas), so copies and neighbours racing each other
still make one incident."""

from contextlib import suppress
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from bot.alerts import records, rules
from bot.alerts.events import AlertEvent, Notification
from bot.alerts.records import source_name
from bot.alerts.rules import Decision
from bot.config import Policy
from bot.errors import IncidentError, InvalidTransition
from bot.incidents import Declaration, IncidentService
from bot.ports import AlertStore, Clock
from bot.runbooks import RunbookService
from models import (
    AlertStatus,
    AlertTriage,
    EntryKind,
    Incident,
    IncidentAlert,
    LinkKind,
    Status,
    TriageState,
)

__all__ = ["AlertService", "Intake", "Outcome", "source_name"]

_GUIDES = 3  # runbook and dashboard links an alert's incident starts with
_EPISODES = 50  # alert episodes looked up in resolved incidents, per delivery
_BEFORE_MITIGATED = (Status.DECLARED, Status.INVESTIGATING, Status.IDENTIFIED)


class Outcome(StrEnum):
    DECLARED = "declared"
    JOINED = "joined"  # added to the open incident it belongs to
    UPDATED = "updated"  # repeats or resolutions of alerts already in an incident
    REOPENED = "reopened"  # back within its incident's verification window
    TRIAGED = "triaged"
    IGNORED = "ignored"


@dataclass(frozen=True)
class Intake:
    """What a notification did, for the sender's reply and the work after it."""

    outcome: Outcome
    detail: str
    incident: Incident | None = None
    triage: AlertTriage | None = None
    # A triage post is new (to send), or its alerts resolved (to show).
    triage_changed: bool = False
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
        self,
        store: AlertStore,
        incidents: IncidentService,
        policy: Policy,
        clock: Clock,
        *,
        runbooks: RunbookService | None = None,
    ) -> None:
        self._store, self._incidents, self._policy, self._clock = store, incidents, policy, clock
        self._runbooks = runbooks

    def receive(self, notification: Notification) -> Intake:
        """Acts on one delivery; safe to repeat (a repeated delivery changes nothing more).
        Alerts a rule ignores are left out before anything else: they join nothing."""
        source = notification.source
        events = [
            event
            for event in map(self._placed, notification.events)
            if self._decide(source, event).action != "ignore"
        ]
        if not notification.events:
            return Intake(Outcome.IGNORED, notification.skipped or "no alerts in it")
        if not events:
            return Intake(Outcome.IGNORED, "a rule ignores these alerts")
        # Alerts already in an open incident (most deliveries: repeats) are recorded at
        # once; the incident's row lock orders them. Only deciding anew takes the keys.
        fingerprints = [e.fingerprint for e in events]
        group = records.hashed(notification.group_key)
        linked = self._store.linked_incident(source, fingerprints, group)
        if linked is not None:
            return self._into(linked, source, notification.group_key, events, Outcome.JOINED)
        keys = records.lock_keys(source, notification.group_key, events)
        with self._store.serialized(keys):
            incident = self._open_incident(source, notification.group_key, events)
            if incident is not None:
                return self._into(incident, source, notification.group_key, events, Outcome.JOINED)
            firing = [e for e in events if e.status is AlertStatus.FIRING]
            if not firing:
                return self._resolved_in_triage(source, notification.group_key, events)
            episodes = [(e.fingerprint, e.started_at) for e in firing if e.started_at]
            resolved = self._store.episode_incident(source, episodes[:_EPISODES])
            if resolved is not None:
                # Still firing as when someone resolved the incident (a repeat, not a
                # recurrence): counted there, no new incident.
                return self._into(resolved, source, notification.group_key, firing, Outcome.UPDATED)
            now = self._clock()
            watched = self._store.monitored_incident(source, [e.fingerprint for e in firing], now)
            if watched is not None and watched.id is not None:
                # Back within the verification window: the fix did not hold. The same
                # incident reopens rather than a new one being declared.
                names = ", ".join(sorted({e.alertname for e in firing}))[:200]
                with suppress(InvalidTransition):  # a person reopened it meanwhile
                    self._incidents.reopen(watched.id, "", f"{names} fired again")
                reopened = self._incidents.get(watched.id)
                group_key = notification.group_key
                return self._into(reopened, source, group_key, firing, Outcome.REOPENED)
            decision = rules.strongest([self._decide(source, e) for e in firing], self._policy)
            assert decision is not None
            if decision.action == "triage":
                return self._triage(notification, firing, decision)
            return self._declare(source, notification.group_key, firing, decision)

    def declare_from_triage(self, triage_id: int, user: str) -> Intake:
        """A person declares the incident an alert in triage asked for (or, if its alerts
        have joined an incident since, adds them to it). The decision is taken first, so a
        racing Dismiss or second click cannot leave an incident declared for an alert marked
        dismissed; if declaring fails, the alert waits again."""
        triage = self._store.triage(triage_id)
        if triage is None or not self._store.decide_triage(
            triage_id, TriageState.DECLARED, user, self._clock()
        ):
            raise _decided(triage)
        notification = records.notification_from(triage.notification)
        source, group_key = notification.source, notification.group_key
        events = [self._placed(e) for e in notification.events]
        try:
            with self._store.serialized(records.lock_keys(source, group_key, events)):
                incident = self._open_incident(source, group_key, events)
                if incident is not None:
                    intake = self._into(incident, source, group_key, events, Outcome.JOINED)
                else:
                    decision = Decision("declare", triage.severity)
                    intake = self._declare(source, group_key, events, decision, reporter=user)
        except Exception:
            self._store.undecide_triage(triage_id, triage.pending_key)
            raise
        assert intake.incident is not None and intake.incident.id is not None
        self._store.triage_declared(triage_id, intake.incident.id)
        return intake

    def dismiss(self, triage_id: int, user: str) -> AlertTriage:
        if not self._store.decide_triage(triage_id, TriageState.DISMISSED, user, self._clock()):
            raise _decided(self._store.triage(triage_id))
        return self.triage(triage_id)

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

    def triage_post(self, triage_id: int) -> tuple[str, str] | None:
        """Where an alert in triage was posted, (channel, ts), once it was."""
        return self._store.triage_post(triage_id)

    def _placed(self, event: AlertEvent) -> AlertEvent:
        """The event with its service worked out from labels and the catalogue."""
        return replace(event, service=rules.service_of(event, self._policy))

    def _decide(self, source: str, event: AlertEvent) -> Decision:
        return rules.decide(source, event, event.service, self._policy)

    def _open_incident(
        self, source: str, group_key: str, events: list[AlertEvent]
    ) -> Incident | None:
        """The open incident these alerts belong to: one holding any of them or their
        group; else one for the same service with an alert seen within the grouping
        window; else one declared for their group by a delivery that died before linking
        its alerts."""
        fingerprints = [e.fingerprint for e in events]
        found = self._store.linked_incident(source, fingerprints, records.hashed(group_key))
        since = self._clock() - self._policy.alerts.grouping
        for service in sorted({e.service for e in events if e.service}):
            found = found or self._store.service_incident(service, since)
        if found is not None:
            return found
        latest = self._store.latest_declared(_prefix(source, group_key, events[0]) + ":")
        if latest is None or not latest.status.is_open:
            return None
        by_service = bool(events[0].service)
        return latest if not by_service or latest.declared_at >= since else None

    def _triage(
        self, notification: Notification, firing: list[AlertEvent], decision: Decision
    ) -> Intake:
        """Puts the alerts to a person: one triage post per alert group while it waits,
        however often the alerts repeat."""
        channel = self._policy.alerts.triage_channel
        assert channel is not None  # the policy refuses a triage rule without a channel
        source, now = notification.source, self._clock()
        stored = Notification(source, tuple(firing), notification.group_key)
        triage = AlertTriage.model_validate(
            {
                "pending_key": _pending_key(source, notification.group_key, firing[0]),
                "source": source,
                "state": TriageState.PENDING,
                "notification": records.notification_data(stored),
                "severity": decision.severity,
                "channel_id": channel,
                "created_at": now,
                "last_seen_at": now,
            }
        )
        expired = now - self._policy.alerts.triage_lifetime
        triage, created = self._store.add_triage(triage, expired)
        detail = "sent to triage" if created else "already waiting in triage"
        return Intake(Outcome.TRIAGED, detail, triage=triage, triage_changed=created)

    def _resolved_in_triage(
        self, source: str, group_key: str, resolved: list[AlertEvent]
    ) -> Intake:
        """Resolved alerts no open incident holds: if they were waiting in triage, they
        wait no more (the post says so)."""
        key = _pending_key(source, group_key, resolved[0])
        triage = self._store.resolve_triage(key, self._clock())
        if triage is None:
            return Intake(Outcome.IGNORED, "resolved alerts that no open incident has")
        detail = "resolved while waiting in triage"
        return Intake(Outcome.UPDATED, detail, triage=triage, triage_changed=True)

    def _declare(
        self,
        source: str,
        group_key: str,
        firing: list[AlertEvent],
        decision: Decision,
        reporter: str = "",
    ) -> Intake:
        """Declares the incident for these alerts. Its request key is the alerts' group and
        how many incidents the group had before, so a retried delivery declares once."""
        prefix = _prefix(source, group_key, firing[0])
        latest = self._store.latest_declared(prefix + ":")
        before = latest.request_key if latest and latest.request_key else ":0"
        now = self._clock()
        incident = self._incidents.declare(
            Declaration(
                title=records.title(firing),
                severity=decision.severity,
                reporter=reporter,
                description=records.description(source, firing),
                services=tuple(sorted({e.service for e in firing if e.service})),
                impact_started_at=records.impact_start(firing, now),
                request_key=f"{prefix}:{int(before.rsplit(':', 1)[1]) + 1}",
                detected_by=source,
                hints=tuple(e.alertname for e in firing),
            )
        )
        self._link_guides(incident, firing)
        if self._runbooks is not None and incident.id is not None:
            # Stored now, shown with the room (after the answer), once however often retried.
            self._runbooks.link_matching(incident.id, [e.alertname for e in firing])
        return self._into(incident, source, group_key, firing, Outcome.DECLARED)

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
            # Already linked by a retried delivery, or not a web address Slack takes.
            with suppress(IncidentError):
                self._incidents.add_link(incident.id, None, link.url, link.kind, link.title)

    def _into(
        self,
        incident: Incident,
        source: str,
        group_key: str,
        events: list[AlertEvent],
        outcome: Outcome,
    ) -> Intake:
        """Records the alerts in the incident: new alerts and changes of status go on the
        timeline; repeats only count."""
        assert incident.id is not None
        now = self._clock()
        group = records.hashed(group_key)
        rows = [records.alert_row(source, group, e, now) for e in events]
        entry, all_resolved = self._store.record(
            incident.id, rows, lambda changes: records.alert_entry(changes, now)
        )
        changes = entry.data["changes"] if entry else []
        if outcome is Outcome.JOINED and not any(c["new"] for c in changes):
            outcome = Outcome.UPDATED
        if all_resolved:
            self._all_resolved(incident.id)
        detail = f"{entry.data['changed'] if entry else 0} alert change(s) in {incident.ref}"
        return Intake(outcome, detail, incident, all_resolved=all_resolved)

    def _all_resolved(self, incident_id: int) -> None:
        """Every alert of the incident has resolved: ask in the channel whether it is
        mitigated, or move it on where the rules for all of its alerts say so."""
        incident = self._incidents.get(incident_id)
        when = rules.most_careful(
            [
                rules.decide(row.source, event, row.service, self._policy).when_resolved
                for row in self._store.alerts(incident_id)
                for event in [records.event_of(row)]
            ]
        )
        with suppress(IncidentError):  # someone moved it on meanwhile: ask anyway
            if when == "resolve" and incident.status.is_open:
                self._incidents.resolve(incident_id, "", "All of its alerts resolved.")
                return
            if when == "mitigate" and incident.status in _BEFORE_MITIGATED:
                self._incidents.change_status(
                    incident_id, Status.MITIGATED, "", "All of its alerts resolved."
                )
                return
        if self._incidents.get(incident_id).status in _BEFORE_MITIGATED:
            self._incidents.record_event(
                incident_id,
                EntryKind.ALERT,
                "",
                "All alerts resolved: mark mitigated?",
                {"all_resolved": True},
            )


def _decided(triage: AlertTriage | None) -> IncidentError:
    """Why an alert in triage can no longer be decided on."""
    match triage.state if triage else None:
        case TriageState.DECLARED | TriageState.DISMISSED:
            assert triage is not None
            who = f"<@{triage.decided_by}>" if triage.decided_by else "Someone"
            return IncidentError(f"{who} already {triage.state.value} this alert.")
        case TriageState.RESOLVED:
            return IncidentError("This alert resolved at its source; nothing to decide.")
        case TriageState.EXPIRED:
            return IncidentError("This alert waited too long; if it fires again, it comes back.")
    return IncidentError("That alert is no longer in triage.")


def _prefix(source: str, group_key: str, lead: AlertEvent) -> str:
    """The request-key prefix of incidents declared for this alert group."""
    return "alert:" + records.digest(records.grouping(source, group_key, lead))[:40]


def _pending_key(source: str, group_key: str, lead: AlertEvent) -> str:
    return records.digest("triage:" + records.grouping(source, group_key, lead))[:64]
