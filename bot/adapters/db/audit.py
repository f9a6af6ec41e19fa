"""The audit log on SQLModel."""

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.adapters.db.engine import Sessions
from bot.audit import incident_audit
from models import AuditEntry, Incident, TimelineEntry


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def find(
        self,
        *,
        since: datetime | None,
        target: str | None,
        offset: int,
        limit: int | None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        if since is not None:
            query = query.where(col(AuditEntry.at) >= since)
        if until is not None:
            query = query.where(col(AuditEntry.at) < until)
        if target is not None:
            query = query.where(col(AuditEntry.target) == target)
        query = query.offset(offset)
        with self._sessions.read() as session:
            return list(session.exec(query.limit(limit) if limit is not None else query))


def audit_entries(session: Session, entries: Sequence[TimelineEntry]) -> None:
    """Audits timeline entries written beside the incident store (pages, acknowledgements,
    alerts, escalations) in the caller's transaction, as the store audits its own."""
    for entry in entries:
        incident = session.get(Incident, entry.incident_id)
        if incident is not None:
            session.add_all(incident_audit(incident, [entry]))
