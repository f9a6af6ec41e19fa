"""Subscriptions and the status page's reads on SQLModel: one short transaction each."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import EntryKind, Incident, Status, Subscription, TimelineEntry


class SqlSubscriptionStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert

    def subscribe(self, incident_id: int, user: str, now: datetime) -> bool:
        table = Subscription.__table__  # type: ignore[attr-defined]
        # Racing clicks make one row: the second insert does nothing, and says so.
        insert = (
            self._insert(table)
            .values(incident_id=incident_id, user_id=user, created_at=now)
            .on_conflict_do_nothing(index_elements=["incident_id", "user_id"])
            .returning(table.c.id)
        )
        with self._sessions.write() as session:
            return session.execute(insert).first() is not None

    def unsubscribe(self, incident_id: int, user: str) -> bool:
        with self._sessions.write() as session:
            result = session.execute(
                sa.delete(Subscription).where(
                    col(Subscription.incident_id) == incident_id,
                    col(Subscription.user_id) == user,
                )
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    def subscribers(self, incident_id: int) -> list[str]:
        with self._sessions.read() as session:
            return list(
                session.scalars(
                    sa.select(col(Subscription.user_id))
                    .where(col(Subscription.incident_id) == incident_id)
                    .order_by(col(Subscription.id))
                )
            )


class SqlStatusPageStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def published(self, resolved_since: datetime) -> list[tuple[Incident, list[TimelineEntry]]]:
        """Two queries however many incidents are published."""
        with self._sessions.read() as session:
            incidents = list(
                session.exec(
                    select(Incident)
                    .where(
                        col(Incident.published_at).is_not(None),
                        col(Incident.private).is_(False),
                        sa.or_(
                            col(Incident.status).not_in([Status.RESOLVED, Status.CLOSED]),
                            col(Incident.resolved_at) >= resolved_since,
                        ),
                    )
                    .order_by(col(Incident.id))
                )
            )
            ids = [i.id for i in incidents]
            updates: dict[int, list[TimelineEntry]] = {}
            if ids:
                for entry in session.exec(
                    select(TimelineEntry)
                    .where(
                        col(TimelineEntry.incident_id).in_(ids),
                        col(TimelineEntry.kind) == EntryKind.UPDATE,
                        col(TimelineEntry.hidden).is_(False),
                    )
                    .order_by(col(TimelineEntry.occurred_at), col(TimelineEntry.id))
                ):
                    updates.setdefault(entry.incident_id, []).append(entry)
        return [(i, updates.get(i.id or 0, [])) for i in incidents]
