"""The post-mortem store on SQLModel: one short transaction per method."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import Incident, Postmortem, Status


class SqlPostmortemStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def get(self, incident_id: int) -> Postmortem | None:
        with self._sessions.read() as session:
            return session.exec(
                select(Postmortem).where(Postmortem.incident_id == incident_id)
            ).one_or_none()

    def create(self, record: Postmortem) -> Postmortem:
        try:
            with self._sessions.write() as session:
                session.add(record)
            return record
        except IntegrityError:  # another process created the incident's record first
            existing = self.get(record.incident_id)
            if existing is None:
                raise
            return existing

    def save(self, record: Postmortem, expected_version: int) -> bool:
        return self._sessions.compare_and_set(record, expected_version)

    def undrafted(
        self,
        severities: Sequence[str],
        resolved_before: datetime,
        *,
        since: datetime,
        failures: int,
    ) -> list[int]:
        drafted = select(Postmortem.incident_id).where(
            sa.or_(
                col(Postmortem.drafted_at).is_not(None), col(Postmortem.draft_failures) >= failures
            )
        )
        query = (
            select(Incident.id)
            .where(
                col(Incident.severity).in_(list(severities)),
                col(Incident.status).in_([Status.RESOLVED, Status.CLOSED]),
                col(Incident.resolved_at) < resolved_before,
                col(Incident.resolved_at) >= since,
                col(Incident.id).not_in(drafted),
            )
            .order_by(col(Incident.id))
        )
        with self._sessions.read() as session:
            return [int(i) for i in session.exec(query) if i is not None]
