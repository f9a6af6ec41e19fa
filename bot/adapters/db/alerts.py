"""Alerts, their links to incidents, and alert triage, on SQLModel."""

from collections.abc import Callable, Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import (
    AlertStatus,
    AlertTriage,
    Incident,
    IncidentAlert,
    OutboxMessage,
    Status,
    TimelineEntry,
    TriageState,
)

_OPEN = [s for s in Status if s.is_open]
Changes = list[tuple[IncidentAlert, AlertStatus | None]]
EntryFor = Callable[[Changes], TimelineEntry | None]


class SqlAlertStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._lock_rows = engine.dialect.name == "postgresql"

    def linked_incident(
        self, source: str, fingerprints: Sequence[str], group_key: str
    ) -> Incident | None:
        linked: sa.ColumnElement[bool] = col(IncidentAlert.fingerprint).in_(list(fingerprints))
        if group_key:
            linked = sa.or_(linked, col(IncidentAlert.group_key) == group_key)
        return self._open_incident(sa.and_(col(IncidentAlert.source) == source, linked))

    def service_incident(self, service: str, since: datetime) -> Incident | None:
        return self._open_incident(
            sa.and_(col(IncidentAlert.service) == service, col(IncidentAlert.last_seen_at) >= since)
        )

    def _open_incident(self, condition: sa.ColumnElement[bool]) -> Incident | None:
        with self._sessions.read() as session:
            return session.exec(
                select(Incident)
                .join(IncidentAlert, col(IncidentAlert.incident_id) == col(Incident.id))
                .where(condition, col(Incident.status).in_(_OPEN))
                .order_by(col(Incident.id).desc())
                .limit(1)
            ).first()

    def latest_declared(self, key_prefix: str) -> Incident | None:
        with self._sessions.read() as session:
            return session.exec(
                select(Incident)
                .where(col(Incident.request_key).startswith(key_prefix, autoescape=True))
                .order_by(col(Incident.id).desc())
                .limit(1)
            ).first()

    def record(
        self, incident_id: int, alerts: Sequence[IncidentAlert], entry_for: EntryFor
    ) -> TimelineEntry | None:
        """Links each alert to the incident, or refreshes its link, and adds the timeline
        entry `entry_for(each alert with the status it had before, None if new)` makes.
        One transaction, with the incident locked, so concurrent deliveries of the same
        alert record it once."""
        with self._sessions.write() as session:
            if self._lock_rows:
                locked = select(Incident.id).where(Incident.id == incident_id)
                session.exec(locked.with_for_update())
            changes: Changes = []
            for alert in alerts:
                stored = session.exec(
                    select(IncidentAlert).where(
                        IncidentAlert.incident_id == incident_id,
                        IncidentAlert.source == alert.source,
                        IncidentAlert.fingerprint == alert.fingerprint,
                    )
                ).one_or_none()
                changes.append((alert, stored.status if stored else None))
                if stored is None:
                    alert.incident_id = incident_id
                    session.add(alert)
                else:
                    _refresh(stored, alert)
                    session.add(stored)
            entry = entry_for(changes)
            if entry is not None:
                entry.incident_id = incident_id
                session.add(entry)
            return entry

    def alerts(self, incident_id: int) -> list[IncidentAlert]:
        with self._sessions.read() as session:
            return list(
                session.exec(
                    select(IncidentAlert)
                    .where(IncidentAlert.incident_id == incident_id)
                    .order_by(col(IncidentAlert.id))
                )
            )

    def add_triage(self, triage: AlertTriage) -> tuple[AlertTriage, bool]:
        """Stores a pending triage, or, when the same alert is already pending, counts the
        repeat on that one; True when this call stored it."""
        try:
            with self._sessions.write() as session:
                session.add(triage)
            return triage, True
        except IntegrityError:
            pass
        with self._sessions.write() as session:
            pending = session.exec(
                select(AlertTriage).where(AlertTriage.pending_key == triage.pending_key)
            ).one_or_none()
            if pending is None:  # decided in between: this repeat comes to triage afresh
                raise RuntimeError("triage decided while repeating; the sender retries")
            pending.times_seen += 1
            pending.last_seen_at = triage.last_seen_at
            session.add(pending)
            return pending, False

    def triage(self, triage_id: int) -> AlertTriage | None:
        with self._sessions.read() as session:
            return session.get(AlertTriage, triage_id)

    def decide_triage(
        self,
        triage_id: int,
        state: TriageState,
        user: str,
        now: datetime,
        incident_id: int | None = None,
    ) -> bool:
        """Moves a pending triage to `state`; False when someone decided it first."""
        with self._sessions.write() as session:
            result = session.execute(
                sa.update(AlertTriage)
                .where(
                    col(AlertTriage.id) == triage_id,
                    col(AlertTriage.state) == TriageState.PENDING,
                )
                .values(
                    state=state,
                    pending_key=None,
                    decided_by=user,
                    decided_at=now,
                    incident_id=incident_id,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def pending_triage(self) -> list[AlertTriage]:
        """Pending triage whose post is not yet sent."""
        with self._sessions.read() as session:
            sent = select(OutboxMessage.key).where(col(OutboxMessage.sent_at).is_not(None))
            keys = set(session.exec(sent.where(col(OutboxMessage.key).startswith("triage:"))))
            pending = session.exec(
                select(AlertTriage).where(AlertTriage.state == TriageState.PENDING)
            )
            return [t for t in pending if f"triage:{t.id}" not in keys]

    def triage_post(self, triage_id: int) -> tuple[str, str] | None:
        """Where the triage was posted: (channel, ts), once sent."""
        with self._sessions.read() as session:
            sent = session.exec(
                select(OutboxMessage).where(OutboxMessage.key == f"triage:{triage_id}")
            ).one_or_none()
            if sent is None or sent.message_ts is None:
                return None
            return sent.target, sent.message_ts


def _refresh(stored: IncidentAlert, seen: IncidentAlert) -> None:
    stored.status = seen.status
    stored.last_seen_at = seen.last_seen_at
    stored.times_seen += 1
    stored.ended_at = seen.ended_at
    if seen.status is AlertStatus.FIRING and seen.started_at:
        stored.started_at = seen.started_at
    stored.title, stored.severity, stored.labels = seen.title, seen.severity, dict(seen.labels)
