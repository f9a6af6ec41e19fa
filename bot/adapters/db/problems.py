"""The problem store on SQLModel: one short transaction per method, a change's audit row
in it."""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from bot.audit import incident_audit
from models import (
    ActionItem,
    AuditEntry,
    EntryKind,
    Incident,
    Problem,
    ProblemSequence,
    ProblemStatus,
    TimelineEntry,
)


class _LostRace(Exception):
    """The incident's version moved on: undo the transaction."""


class SqlProblemStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._upsert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert

    def next_number(self) -> int:
        # One atomic statement: the first caller creates the row, every other one bumps it,
        # however many replicas race (INSERT … ON CONFLICT DO UPDATE, in both databases).
        table = ProblemSequence.__table__  # type: ignore[attr-defined]
        bump = (
            self._upsert(table)
            .values(id=1, last=1)
            .on_conflict_do_update(index_elements=["id"], set_={"last": table.c.last + 1})
            .returning(table.c.last)
        )
        with self._sessions.write() as session:
            return int(session.execute(bump).scalar_one())

    def add(self, problem: Problem, audit: AuditEntry) -> Problem:
        with self._sessions.write() as session:
            session.add(problem)
            session.add(audit)
        return problem

    def add_linked(
        self,
        problem: Problem,
        incident: Incident,
        expected_version: int,
        entries: Sequence[TimelineEntry],
    ) -> bool:
        try:
            with self._sessions.write() as session:
                session.add(problem)
                session.flush()
                incident.problem_id = problem.id
                values = incident.model_dump(exclude={"id", "version"})
                bumped = session.execute(
                    sa.update(Incident)
                    .where(
                        col(Incident.id) == incident.id, col(Incident.version) == expected_version
                    )
                    .values(**values, version=expected_version + 1)
                )
                if bumped.rowcount != 1:  # type: ignore[attr-defined]
                    raise _LostRace
                for entry in entries:
                    session.add(entry)
                session.add_all(incident_audit(incident, entries))
        except _LostRace:
            incident.problem_id = problem.id = None
            return False
        return True

    def get(self, ref: str) -> Problem | None:
        with self._sessions.read() as session:
            return session.exec(select(Problem).where(Problem.ref == ref)).one_or_none()

    def by_id(self, problem_id: int) -> Problem | None:
        with self._sessions.read() as session:
            return session.get(Problem, problem_id)

    def save(self, problem: Problem, expected_version: int, audit: AuditEntry) -> bool:
        return self._sessions.compare_and_set(problem, expected_version, audit)

    def problems(self, *, include_resolved: bool, limit: int) -> list[tuple[Problem, int]]:
        linked = (
            sa.select(sa.func.count())
            .where(col(Incident.problem_id) == col(Problem.id))
            .scalar_subquery()
        )
        query = sa.select(Problem, linked).order_by(col(Problem.id).desc()).limit(limit)
        if not include_resolved:
            query = query.where(col(Problem.status) != ProblemStatus.RESOLVED)
        with self._sessions.read() as session:
            return [(row[0], int(row[1])) for row in session.execute(query)]

    def incidents(self, problem_id: int) -> list[Incident]:
        query = (
            select(Incident)
            .where(col(Incident.problem_id) == problem_id)
            .order_by(col(Incident.declared_at), col(Incident.id))
        )
        with self._sessions.read() as session:
            return list(session.exec(query))

    def action_items(self, incident_ids: Sequence[int]) -> list[ActionItem]:
        query = (
            select(ActionItem)
            .where(col(ActionItem.incident_id).in_(list(incident_ids)))
            .order_by(col(ActionItem.due_on), col(ActionItem.id))
        )
        with self._sessions.read() as session:
            return list(session.exec(query))

    def entries_of(self, incident_id: int, kind: EntryKind) -> list[TimelineEntry]:
        query = (
            select(TimelineEntry)
            .where(col(TimelineEntry.incident_id) == incident_id, col(TimelineEntry.kind) == kind)
            .order_by(col(TimelineEntry.occurred_at), col(TimelineEntry.id))
        )
        with self._sessions.read() as session:
            return list(session.exec(query))

    def declared_between(self, start: datetime, end: datetime) -> list[Incident]:
        query = (
            select(Incident)
            .where(col(Incident.declared_at) >= start, col(Incident.declared_at) <= end)
            .order_by(col(Incident.declared_at), col(Incident.id))
        )
        with self._sessions.read() as session:
            return list(session.exec(query))

    def suggested_categories(self, incident_ids: Sequence[int]) -> dict[int, str]:
        query = select(TimelineEntry).where(
            col(TimelineEntry.incident_id).in_(list(incident_ids)),
            col(TimelineEntry.kind) == EntryKind.CATEGORY_SUGGESTED,
        )
        with self._sessions.read() as session:
            return {
                e.incident_id: str(e.data["category"])
                for e in session.exec(query)
                if e.data.get("category")
            }
