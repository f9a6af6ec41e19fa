"""What the incident metrics read, on SQL: incidents declared in a window, as light records,
with their role holders.

Every change to an incident bumps its version (its fields, its roles and its links are all
written through a compare-and-set on it), so a record is kept in memory once read, with the
version it was read at: a quarter's comparison then reads the incidents' IDs and versions,
and the full rows only of those new to this process or changed since."""

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from bot.adapters.db.engine import Sessions
from bot.insights.metrics import Occurrence
from models import Incident, IncidentLink, IncidentRole, LinkKind, Role
from models.columns import UTCDateTime

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


def _moment(value: Any) -> datetime | None:
    """What UTCDateTime reads, from the driver's value: SQLite's text, PostgreSQL's
    aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _listed(value: Any) -> Any:
    """A JSON list: SQLite's text, or already decoded by PostgreSQL's driver."""
    return json.loads(value) if isinstance(value, str) else value


def _decoder(column: sa.ColumnElement[Any]) -> Callable[[Any], Any] | None:
    """How a raw value of `column` becomes what its type reads (None: as it comes)."""
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return _moment
    if isinstance(kind, sa.JSON):
        return _listed
    if isinstance(kind, sa.Boolean):
        return bool
    if isinstance(kind, sa.Enum):
        members: dict[Any, Any] = {m.value: m for m in kind.enum_class or ()} | {None: None}
        return members.__getitem__
    return None


# The columns an Occurrence is made of, in its fields' order. Their values are read raw
# and decoded here: SQLAlchemy's per-value result processing was most of a quarter's read.
_SOURCES = [
    _DEPLOYED.label(f.name) if f.name == "deployed_at" else _INCIDENT.c[f.name]
    for f in fields(Occurrence)
]
_COLUMNS = [sa.type_coerce(c, sa.types.NullType()).label(c.name) for c in _SOURCES]
_DECODERS = [_moment if c.name == "deployed_at" else _decoder(c) for c in _SOURCES]
_CHUNK = 5_000  # IDs per IN list
Roles = dict[Role, str]
Record = tuple[int, Occurrence, Roles]  # the version it was read at, the record, its roles


def _decoded(row: Sequence[Any]) -> tuple[int, tuple[int, Occurrence]]:
    """An incident's ID, and its version and record, from a row of _COLUMNS and the version."""
    values: list[Any] = [v if d is None else d(v) for d, v in zip(_DECODERS, row[:-1], strict=True)]
    return row[0], (row[-1], Occurrence(*values))


class SqlInsightsStore:
    def __init__(self, engine: Engine, remembered: int = 200_000) -> None:
        self._sessions = Sessions(engine)
        self._remembered = remembered
        # Incidents as read, by ID; the least recently used go first.
        self._records: OrderedDict[int, Record] = OrderedDict()
        self._lock = threading.Lock()  # stats and digests read from several threads

    def declared_between(
        self, start: datetime, end: datetime, roles_from: datetime | None = None
    ) -> tuple[list[Occurrence], dict[int, Roles]]:
        window = (col(Incident.declared_at) >= start, col(Incident.declared_at) < end)
        with self._sessions.read() as session:
            # Plain rows on the connection, not ORM objects: a quarter of a large
            # organisation's incidents is many rows.
            connection = session.connection()
            listed: list[tuple[int, int]] = connection.execute(  # type: ignore[assignment]
                sa.select(_INCIDENT.c.id, _INCIDENT.c.version)
                .where(*window)
                .order_by(col(Incident.declared_at), col(Incident.id))
            ).all()
            with self._lock:  # what is remembered now; remembering more may drop some
                remembered = self._records
                known = {
                    i: found
                    for i, version in listed
                    if (found := remembered.get(i)) is not None and found[0] == version
                }
            unknown = [i for i, _ in listed if i not in known]
            if len(unknown) > len(listed) // 2:  # mostly new to this process: one read
                known |= self._read(connection, window)
            elif unknown:
                for first in range(0, len(unknown), _CHUNK):
                    chunk = unknown[first : first + _CHUNK]
                    known |= self._read(connection, (col(Incident.id).in_(chunk),))
        incidents: list[Occurrence] = []
        roles: dict[int, Roles] = {}
        used: list[tuple[int, Record]] = []
        for incident_id, _ in listed:
            found = known.get(incident_id)
            if found is None:
                continue  # deleted between the two reads
            used.append((incident_id, found))
            _, occurrence, held = found
            incidents.append(occurrence)
            private = occurrence.private
            if held and (roles_from is None or private or occurrence.declared_at >= roles_from):
                roles[incident_id] = held
        self._remember(used)
        return incidents, roles

    def _read(
        self, connection: Connection, which: tuple[sa.ColumnElement[bool], ...]
    ) -> dict[int, Record]:
        """The records, versions and roles of the incidents `which` selects."""
        query = sa.select(*_COLUMNS, _INCIDENT.c.version).where(*which)
        records = dict(_decoded(row) for row in connection.execute(query).all())
        held: dict[int, Roles] = defaultdict(dict)
        for incident_id, role, user in connection.execute(
            sa.select(
                col(IncidentRole.incident_id), col(IncidentRole.role), col(IncidentRole.user_id)
            )
            .join(Incident, col(Incident.id) == col(IncidentRole.incident_id))
            .where(*which)
        ):
            held[incident_id][role] = user
        return {
            i: (version, record, dict(held.get(i, {}))) for i, (version, record) in records.items()
        }

    def _remember(self, used: list[tuple[int, Record]]) -> None:
        with self._lock:
            records = self._records
            for incident_id, found in used:
                records[incident_id] = found
                records.move_to_end(incident_id)
            while len(records) > self._remembered:
                records.popitem(last=False)
