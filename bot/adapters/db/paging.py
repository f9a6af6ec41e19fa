"""Pages on SQLModel: each written with its outbox message and timeline entry, or not at
all, so a page is never stored unsent nor sent unstored."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.adapters.db.audit import audit_entries
from bot.adapters.db.engine import Sessions
from bot.oncall.escalation import PAGING_STATUSES
from bot.oncall.load import PagedFor
from bot.scheduling.due import Notice
from models import BY_HAND, Incident, OutboxMessage, Page, TimelineEntry


class SqlPageStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert

    def add(
        self, pages: Sequence[Page], notices: Sequence[Notice], entries: Sequence[TimelineEntry]
    ) -> list[Page]:
        """Pages, notices and entries go in by position: a page whose key exists already
        (another replica, a retry) is skipped with its notice and entry. Notices past the
        pages' count stand alone."""
        made: list[Page] = []
        page_table: sa.Table = Page.__table__  # type: ignore[attr-defined]
        with self._sessions.write() as session:
            for i, page in enumerate(pages):
                row = page.model_dump(exclude={"id"})
                insert = (
                    self._insert(page_table)
                    .values(**row)
                    .on_conflict_do_nothing(index_elements=["key"])
                )
                new_id = session.execute(insert.returning(page_table.c.id)).scalar()
                if new_id is None:
                    continue
                made.append(Page.model_validate(row | {"id": new_id}))
                if i < len(notices):
                    self._enqueue(session, notices[i], page.paged_at)
                if i < len(entries):
                    session.add(entries[i])
                    audit_entries(session, [entries[i]])
            for notice in notices[len(pages) :]:
                self._enqueue(session, notice, notice.due_at)
        return made

    def _enqueue(self, session: Session, notice: Notice, now: datetime) -> None:
        table: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
        row = {
            "key": notice.key,
            "kind": notice.kind,
            "incident_id": notice.incident_id,
            "target": notice.target,
            "data": notice.data,
            "due_at": notice.due_at,
            "created_at": now,
            "attempts": 0,
            "last_error": "",
        }
        session.execute(
            self._insert(table).values(**row).on_conflict_do_nothing(index_elements=["key"])
        )

    def of_incident(self, incident_id: int) -> list[Page]:
        with self._sessions.read() as session:
            query = select(Page).where(col(Page.incident_id) == incident_id)
            return list(session.exec(query.order_by(col(Page.level), col(Page.id))))

    def paged_between(self, start: datetime, end: datetime) -> list[PagedFor]:
        with self._sessions.read() as session:
            rows = session.exec(
                select(Page, col(Incident.severity))
                .join(Incident, col(Incident.id) == col(Page.incident_id))
                .where(col(Page.paged_at) >= start, col(Page.paged_at) < end)
                .order_by(col(Page.paged_at), col(Page.id))
            )
            return [PagedFor(page, severity) for page, severity in rows]

    def get(self, page_id: int) -> Page | None:
        with self._sessions.read() as session:
            return session.get(Page, page_id)

    def escalating(self) -> list[tuple[Incident, list[Page]]]:
        paging = list(PAGING_STATUSES)
        answered = sa.select(col(Page.incident_id)).where(col(Page.acknowledged_at).is_not(None))
        with self._sessions.read() as session:
            pages = list(
                session.exec(
                    select(Page)
                    .join(Incident, col(Incident.id) == col(Page.incident_id))
                    .where(
                        col(Incident.status).in_(paging),
                        col(Page.chain) != BY_HAND,
                        col(Page.incident_id).not_in(answered),
                    )
                    .order_by(col(Page.incident_id), col(Page.level), col(Page.id))
                )
            )
            ids = {p.incident_id for p in pages}
            incidents = list(
                session.exec(select(Incident).where(col(Incident.id).in_(ids)).order_by("id"))
            )
        return [(i, [p for p in pages if p.incident_id == i.id]) for i in incidents]

    def acknowledge(
        self, incident_id: int, user: str, now: datetime, entry: TimelineEntry
    ) -> list[Page]:
        with self._sessions.write() as session:
            taken = session.execute(
                sa.update(Page)
                .where(col(Page.incident_id) == incident_id, col(Page.acknowledged_at).is_(None))
                .values(acknowledged_at=now, acknowledged_by=user)
                .returning(col(Page.id))
            ).scalars()
            ids = list(taken)
            if not ids:
                return []
            # The first acknowledgement is the incident's (MTTA); the version moves, so an
            # edit made on the incident as read before this one is tried again.
            session.execute(
                sa.update(Incident)
                .where(col(Incident.id) == incident_id, col(Incident.acknowledged_at).is_(None))
                .values(acknowledged_at=now, version=Incident.version + 1)
            )
            session.add(entry)
            audit_entries(session, [entry])
            return list(session.exec(select(Page).where(col(Page.id).in_(ids))))

    def escalate(self, page_id: int, user: str, now: datetime) -> bool:
        with self._sessions.write() as session:
            result = session.execute(
                sa.update(Page)
                .where(
                    col(Page.id) == page_id,
                    col(Page.acknowledged_at).is_(None),
                    col(Page.escalated_at).is_(None),
                )
                .values(escalated_at=now, escalated_by=user)
            )
            return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def sent(self, keys: Sequence[str]) -> dict[str, str]:
        if not keys:
            return {}
        with self._sessions.read() as session:
            rows: Any = session.execute(
                sa.select(col(OutboxMessage.key), col(OutboxMessage.message_ts)).where(
                    col(OutboxMessage.key).in_(keys), col(OutboxMessage.message_ts).is_not(None)
                )
            ).all()
        return {key: ts for key, ts in rows}

    def queued(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        with self._sessions.read() as session:
            found = session.scalars(
                sa.select(col(OutboxMessage.key)).where(col(OutboxMessage.key).in_(keys))
            )
            return set(found)
