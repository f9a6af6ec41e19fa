"""Alerts, their links to incidents, and alert triage, on SQLModel."""

import hashlib
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.audit import audit_entries
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
        self._engine = engine
        self._sessions = Sessions(engine)
        self._lock_rows = engine.dialect.name == "postgresql"
        # SQLite serves one process: a lock in it serialises alert intake.
        self._intake = threading.Lock()

    @contextmanager
    def serialized(self, keys: Sequence[str]) -> Iterator[None]:
        """Alert intake for any of `keys` one delivery at a time, across replicas: on
        PostgreSQL under transaction-scoped advisory locks, taken in one order so two
        deliveries never wait on each other."""
        if not self._lock_rows:
            with self._intake:
                yield
            return
        numbers = sorted({_lock_number(key) for key in keys})
        with self._engine.connect() as connection, connection.begin():
            # One round trip; PostgreSQL calls the (volatile) lock function after sorting.
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(k) FROM unnest(:keys) AS k ORDER BY k"),
                {"keys": numbers},
            )
            yield

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

    def episode_incident(
        self, source: str, episodes: Sequence[tuple[str, datetime]]
    ) -> Incident | None:
        """The resolved (not closed) incident holding one of these alert episodes, each a
        fingerprint with the time it started."""
        if not episodes:
            return None
        same = sa.or_(
            *(
                sa.and_(
                    col(IncidentAlert.fingerprint) == fingerprint,
                    col(IncidentAlert.started_at) == started,
                )
                for fingerprint, started in episodes
            )
        )
        with self._sessions.read() as session:
            return session.exec(
                select(Incident)
                .join(IncidentAlert, col(IncidentAlert.incident_id) == col(Incident.id))
                .where(
                    col(IncidentAlert.source) == source,
                    same,
                    col(Incident.status) == Status.RESOLVED,
                )
                .order_by(col(Incident.id).desc())
                .limit(1)
            ).first()

    def monitored_incident(
        self, source: str, fingerprints: Sequence[str], now: datetime
    ) -> Incident | None:
        """The resolved incident still in its verification window (monitored until after
        `now`) holding an alert of `source` with one of `fingerprints`."""
        if not fingerprints:
            return None
        with self._sessions.read() as session:
            return session.exec(
                select(Incident)
                .join(IncidentAlert, col(IncidentAlert.incident_id) == col(Incident.id))
                .where(
                    col(IncidentAlert.source) == source,
                    col(IncidentAlert.fingerprint).in_(list(fingerprints)),
                    col(Incident.status) == Status.RESOLVED,
                    col(Incident.monitoring_until) > now,
                )
                .order_by(col(Incident.id).desc())
                .limit(1)
            ).first()

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
    ) -> tuple[TimelineEntry | None, bool]:
        """Links each alert to the incident, or refreshes its link, and adds the timeline
        entry `entry_for(each alert with the status it had before, None if new)` makes;
        also says whether this made every alert of the incident resolved. One transaction,
        with the incident locked, so concurrent deliveries record each change once."""
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
                if stored is not None and _stale(stored, alert):
                    continue
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
                audit_entries(session, [entry])
            session.flush()
            resolved_now = any(
                alert.status is AlertStatus.RESOLVED and before is not AlertStatus.RESOLVED
                for alert, before in changes
            )
            still_firing = session.exec(
                select(IncidentAlert.id).where(
                    IncidentAlert.incident_id == incident_id,
                    IncidentAlert.status == AlertStatus.FIRING,
                )
            ).first()
            return entry, resolved_now and still_firing is None

    def alerts(self, incident_id: int) -> list[IncidentAlert]:
        with self._sessions.read() as session:
            return list(
                session.exec(
                    select(IncidentAlert)
                    .where(IncidentAlert.incident_id == incident_id)
                    .order_by(col(IncidentAlert.id))
                )
            )

    def add_triage(self, triage: AlertTriage, expired_before: datetime) -> tuple[AlertTriage, bool]:
        """Stores a pending triage, or, when the same alerts are already pending, counts the
        repeat on that one; True when this call stored it. One pending since before
        `expired_before` stops waiting, and this one takes its place. (Intake is serialised
        per alert group, so the pending one cannot be decided in between.)"""
        for _ in range(2):
            try:
                with self._sessions.write() as session:
                    session.add(triage)
                return triage, True
            except IntegrityError:
                pass
            with self._sessions.write() as session:
                session.execute(
                    sa.update(AlertTriage)
                    .where(
                        col(AlertTriage.pending_key) == triage.pending_key,
                        col(AlertTriage.created_at) < expired_before,
                    )
                    .values(state=TriageState.EXPIRED, pending_key=None)
                )
                session.execute(
                    sa.update(AlertTriage)
                    .where(col(AlertTriage.pending_key) == triage.pending_key)
                    .values(
                        times_seen=col(AlertTriage.times_seen) + 1,
                        last_seen_at=triage.last_seen_at,
                    )
                )
                pending = session.exec(
                    select(AlertTriage).where(AlertTriage.pending_key == triage.pending_key)
                ).one_or_none()
                if pending is not None:
                    return pending, False
        raise RuntimeError("a triage kept its key after expiring")  # not reached

    def resolve_triage(self, pending_key: str, now: datetime) -> AlertTriage | None:
        """The alerts waiting in triage under `pending_key` resolved on their own: no longer
        waiting (the same alerts firing again come to triage afresh)."""
        with self._sessions.write() as session:
            pending = session.exec(
                select(AlertTriage).where(AlertTriage.pending_key == pending_key)
            ).one_or_none()
            if pending is None:
                return None
            pending.state, pending.pending_key, pending.decided_at = (
                TriageState.RESOLVED,
                None,
                now,
            )
            session.add(pending)
            return pending

    def triage(self, triage_id: int) -> AlertTriage | None:
        with self._sessions.read() as session:
            return session.get(AlertTriage, triage_id)

    def decide_triage(self, triage_id: int, state: TriageState, user: str, now: datetime) -> bool:
        """Moves a pending triage to `state`; False when someone decided it first."""
        with self._sessions.write() as session:
            result = session.execute(
                sa.update(AlertTriage)
                .where(
                    col(AlertTriage.id) == triage_id,
                    col(AlertTriage.state) == TriageState.PENDING,
                )
                .values(state=state, pending_key=None, decided_by=user, decided_at=now)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def triage_declared(self, triage_id: int, incident_id: int) -> None:
        with self._sessions.write() as session:
            session.execute(
                sa.update(AlertTriage)
                .where(col(AlertTriage.id) == triage_id)
                .values(incident_id=incident_id)
            )

    def undecide_triage(self, triage_id: int, pending_key: str | None) -> None:
        """A declaration that failed: the alert waits in triage again, unless the same
        alert came to triage afresh meanwhile (that one waits instead)."""
        try:
            with self._sessions.write() as session:
                session.execute(
                    sa.update(AlertTriage)
                    .where(
                        col(AlertTriage.id) == triage_id,
                        col(AlertTriage.state) == TriageState.DECLARED,
                        col(AlertTriage.incident_id).is_(None),
                    )
                    .values(
                        state=TriageState.PENDING,
                        pending_key=pending_key,
                        decided_by=None,
                        decided_at=None,
                    )
                )
        except IntegrityError:
            pass

    def pending_triage(self) -> list[AlertTriage]:
        """Pending triage whose post is not yet sent."""
        key = sa.literal("triage:") + sa.cast(col(AlertTriage.id), sa.String)
        posted = (
            sa.select(col(OutboxMessage.id))
            .where(col(OutboxMessage.key) == key, col(OutboxMessage.sent_at).is_not(None))
            .exists()
        )
        with self._sessions.read() as session:
            return list(
                session.exec(
                    select(AlertTriage).where(AlertTriage.state == TriageState.PENDING, ~posted)
                )
            )

    def triage_post(self, triage_id: int) -> tuple[str, str] | None:
        """Where the triage was posted: (channel, ts), once sent."""
        with self._sessions.read() as session:
            sent = session.exec(
                select(OutboxMessage).where(OutboxMessage.key == f"triage:{triage_id}")
            ).one_or_none()
            if sent is None or sent.message_ts is None:
                return None
            return sent.target, sent.message_ts


def _lock_number(key: str) -> int:
    digest = hashlib.sha256(f"sitrep-alert:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _stale(stored: IncidentAlert, seen: IncidentAlert) -> bool:
    """A firing notice of an alert episode already resolved: a retry arriving late, not a
    new firing (which starts again, later)."""
    return (
        stored.status is AlertStatus.RESOLVED
        and seen.status is AlertStatus.FIRING
        and seen.started_at is not None
        and stored.started_at is not None
        and seen.started_at <= stored.started_at
    )


def _refresh(stored: IncidentAlert, seen: IncidentAlert) -> None:
    stored.status = seen.status
    stored.last_seen_at = seen.last_seen_at
    stored.times_seen += 1
    stored.ended_at = seen.ended_at
    if seen.status is AlertStatus.FIRING and seen.started_at:
        stored.started_at = seen.started_at
    stored.title, stored.severity, stored.labels = seen.title, seen.severity, dict(seen.labels)
