"""What the incident metrics read, on SQL: incidents declared in a window, as light records,
with their role holders.

A closed incident never changes again (closed is final: no status, severity, service or role
change), so its record is kept in memory once read: a quarter's comparison then reads the
incidents' IDs and statuses, and the full rows of the few still open or resolved only."""

import threading
from collections import OrderedDict, defaultdict
from dataclasses import fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from bot.adapters.db.engine import Sessions
from bot.insights.metrics import Occurrence
from models import Incident, IncidentLink, IncidentRole, LinkKind, Role, Status

_INCIDENT: sa.Table = Incident.__table__  # type: ignore[attr-defined]
# The last deploy linked to the incident at or before its impact started.
_DEPLOYED = (
    sa.select(sa.func.max(col(IncidentLink.happened_at)))
    .where(
        col(IncidentLink.incident_id) == _INCIDENT.c.id,
        col(IncidentLink.kind) == LinkKind.DEPLOY,
        col(IncidentLink.happened_at)
        <= sa.func.coalesce(_INCIDENT.c.impact_started_at, _INCIDENT.c.declared_at),
    )
    .scalar_subquery()
)
# The columns an Occurrence is made of, in its fields' order.
_COLUMNS = [
    _DEPLOYED.label(f.name) if f.name == "deployed_at" else _INCIDENT.c[f.name]
    for f in fields(Occurrence)
]
_CHUNK = 5_000  # IDs per IN list
Roles = dict[Role, str]


class SqlInsightsStore:
    def __init__(self, engine: Engine, remembered: int = 200_000) -> None:
        self._sessions = Sessions(engine)
        self._remembered = remembered
        # Closed incidents as read, with their roles; the least recently used go first.
        self._closed: OrderedDict[int, tuple[Occurrence, Roles]] = OrderedDict()
        self._lock = threading.Lock()  # stats and digests read from several threads

    def declared_between(
        self, start: datetime, end: datetime, roles_from: datetime | None = None
    ) -> tuple[list[Occurrence], dict[int, Roles]]:
        window = (col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
        with self._sessions.read() as session:
            # Plain rows on the connection, not ORM objects: a quarter of a large
            # organisation's incidents is many rows.
            connection = session.connection()
            listed: list[tuple[int, Status]] = [
                (row.id, row.status)
                for row in connection.execute(
                    sa.select(_INCIDENT.c.id, _INCIDENT.c.status)
                    .where(*window)
                    .order_by(col(Incident.declared_at), col(Incident.id))
                )
            ]
            with self._lock:  # what is remembered now; remembering more may drop some
                known = {i: self._closed[i] for i, _ in listed if i in self._closed}
            unknown = [i for i, _ in listed if i not in known]
            if len(unknown) > len(listed) // 2:  # mostly new to this process: one read
                known |= self._read(connection, window)
            elif unknown:
                for first in range(0, len(unknown), _CHUNK):
                    chunk = unknown[first : first + _CHUNK]
                    known |= self._read(connection, (col(Incident.id).in_(chunk),))
        incidents: list[Occurrence] = []
        roles: dict[int, Roles] = {}
        for incident_id, status in listed:
            found = known.get(incident_id)
            if found is None:
                continue  # deleted between the two reads
            occurrence, held = found
            if status is Status.CLOSED:
                self._remember(incident_id, found)
            incidents.append(occurrence)
            private = occurrence.private
            if held and (roles_from is None or private or occurrence.declared_at >= roles_from):
                roles[incident_id] = held
        return incidents, roles

    def _read(
        self, connection: Connection, which: tuple[sa.ColumnElement[bool], ...]
    ) -> dict[int, tuple[Occurrence, Roles]]:
        """The records and roles of the incidents `which` selects."""
        records = {
            row.id: Occurrence(*row)
            for row in connection.execute(sa.select(*_COLUMNS).where(*which))
        }
        held: dict[int, Roles] = defaultdict(dict)
        for incident_id, role, user in connection.execute(
            sa.select(
                col(IncidentRole.incident_id), col(IncidentRole.role), col(IncidentRole.user_id)
            )
            .join(Incident, col(Incident.id) == col(IncidentRole.incident_id))
            .where(*which)
        ):
            held[incident_id][role] = user
        return {i: (record, dict(held.get(i, {}))) for i, record in records.items()}

    def _remember(self, incident_id: int, found: tuple[Occurrence, Roles]) -> None:
        with self._lock:
            self._closed[incident_id] = found
            self._closed.move_to_end(incident_id)
            while len(self._closed) > self._remembered:
                self._closed.popitem(last=False)
