"""What the incident metrics read, on SQLModel: incidents declared in a window, with their
role holders, in two queries however many there are."""

from collections import defaultdict
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import Incident, IncidentRole, Role


class SqlInsightsStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def declared_between(
        self, start: datetime, end: datetime
    ) -> tuple[list[Incident], dict[int, dict[Role, str]]]:
        with self._sessions.read() as session:
            incidents = list(
                session.exec(
                    select(Incident)
                    .where(col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
                    .order_by(col(Incident.declared_at))
                )
            )
            rows = session.execute(
                sa.select(
                    col(IncidentRole.incident_id), col(IncidentRole.role), col(IncidentRole.user_id)
                )
                .join(Incident, col(Incident.id) == col(IncidentRole.incident_id))
                .where(col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
            ).all()
        roles: dict[int, dict[Role, str]] = defaultdict(dict)
        for incident_id, role, user in rows:
            roles[incident_id][role] = user
        return incidents, dict(roles)
