"""What the incident metrics read, on SQL: incidents declared in a window, as light records,
with their role holders, in two queries however many there are."""

from collections import defaultdict
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col

from bot.adapters.db.engine import Sessions
from bot.insights.metrics import Occurrence
from models import Incident, IncidentRole, Role

_INCIDENT: sa.Table = Incident.__table__  # type: ignore[attr-defined]
# The columns an Occurrence is made of, in its fields' order.
_COLUMNS = [_INCIDENT.c[f.name] for f in fields(Occurrence)]


class SqlInsightsStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def declared_between(
        self, start: datetime, end: datetime, roles_from: datetime | None = None
    ) -> tuple[list[Occurrence], dict[int, dict[Role, str]]]:
        window = (col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
        # Roles matter for who may see a private incident, and for the load of people in
        # the period itself: the earlier window needs them for private incidents only.
        roles_for = (
            sa.or_(col(Incident.declared_at) >= roles_from, col(Incident.private).is_(True))
            if roles_from is not None
            else sa.true()
        )
        with self._sessions.read() as session:
            # Plain rows on the connection, not ORM objects: a quarter of a large
            # organisation's incidents is many rows.
            connection = session.connection()
            rows = connection.execute(
                sa.select(*_COLUMNS).where(*window).order_by(col(Incident.declared_at))
            )
            incidents = [Occurrence(*row) for row in rows]
            held = connection.execute(
                sa.select(
                    col(IncidentRole.incident_id), col(IncidentRole.role), col(IncidentRole.user_id)
                )
                .join(Incident, col(Incident.id) == col(IncidentRole.incident_id))
                .where(*window, roles_for)
            ).all()
        roles: dict[int, dict[Role, str]] = defaultdict(dict)
        for incident_id, role, user in held:
            roles[incident_id][role] = user
        return incidents, dict(roles)
