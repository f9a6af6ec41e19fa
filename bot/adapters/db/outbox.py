"""The outbox on SQLModel, and the situations the due-work policy reads."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.adapters.db.audit import audit_entries
from bot.adapters.db.engine import Sessions
from bot.scheduling.due import Notice, Situation
from bot.scheduling.followups import Followup
from bot.scheduling.updates import Posted
from models import (
    ActionItem,
    ActionStatus,
    EntryKind,
    Incident,
    IncidentRole,
    OutboxMessage,
    Page,
    Postmortem,
    Role,
    Status,
    Subscription,
    TimelineEntry,
)

# What counts as someone updating the incident.
_UPDATES = [EntryKind.MESSAGE, EntryKind.NOTE, EntryKind.UPDATE]


class SqlOutboxStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
        self._skip_locked = engine.dialect.name == "postgresql"

    def situations(self) -> list[Situation]:
        return self._situations(col(Incident.status) != Status.CLOSED)

    def situation(self, incident_id: int) -> Situation | None:
        found = self._situations(col(Incident.id) == incident_id)
        return found[0] if found else None

    def _situations(self, which: Any) -> list[Situation]:
        """Incidents with their commander, latest update and post-mortem, in five queries
        however many incidents there are."""
        with self._sessions.read() as session:
            incidents = list(
                session.exec(
                    select(Incident)
                    .where(which, col(Incident.channel_id).is_not(None))
                    .order_by(col(Incident.id))
                )
            )
            ids = [i.id for i in incidents]
            if not ids:
                return []
            commanders = self._commanders(session, ids)
            updates = dict(
                session.execute(
                    sa.select(
                        col(TimelineEntry.incident_id), sa.func.max(col(TimelineEntry.occurred_at))
                    )
                    .where(
                        col(TimelineEntry.incident_id).in_(ids),
                        col(TimelineEntry.kind).in_(_UPDATES),
                        col(TimelineEntry.hidden).is_(False),
                    )
                    .group_by(col(TimelineEntry.incident_id))
                ).all()
            )
            records = {
                p.incident_id: p
                for p in session.exec(
                    select(Postmortem).where(col(Postmortem.incident_id).in_(ids))
                )
            }
            paged = set(
                session.scalars(
                    sa.select(col(Page.incident_id))
                    .where(col(Page.incident_id).in_(ids))
                    .distinct()
                )
            )
        return [
            Situation(
                incident=incident,
                commander=commanders.get(incident.id or 0),
                last_update=updates.get(incident.id),
                postmortem=records.get(incident.id or 0),
                paged=incident.id in paged,
            )
            for incident in incidents
        ]

    def recent_updates(self, since: datetime) -> list[Posted]:
        """Status updates since `since` with their incidents and subscribers, in three
        queries."""
        with self._sessions.read() as session:
            entries = list(
                session.exec(
                    select(TimelineEntry)
                    .where(
                        col(TimelineEntry.kind) == EntryKind.UPDATE,
                        col(TimelineEntry.occurred_at) >= since,
                    )
                    .order_by(col(TimelineEntry.id))
                )
            )
            ids = {e.incident_id for e in entries}
            if not ids:
                return []
            incidents = {
                i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(ids)))
            }
            following: dict[int, list[Subscription]] = {}
            for subscription in session.exec(
                select(Subscription).where(col(Subscription.incident_id).in_(ids))
            ):
                following.setdefault(subscription.incident_id, []).append(subscription)
        return [
            Posted(incidents[e.incident_id], e, tuple(following.get(e.incident_id, ())))
            for e in entries
        ]

    def followups(
        self,
        *,
        item_id: int | None = None,
        owner: str | None = None,
        incident_id: int | None = None,
    ) -> list[Followup]:
        """Open action items (all, or those of one item, owner or incident) with their
        incidents and commanders, in three queries."""
        query = select(ActionItem).where(col(ActionItem.status) == ActionStatus.OPEN)
        if item_id is not None:
            query = query.where(col(ActionItem.id) == item_id)
        if owner is not None:
            query = query.where(col(ActionItem.owner) == owner)
        if incident_id is not None:
            query = query.where(col(ActionItem.incident_id) == incident_id)
        with self._sessions.read() as session:
            items = list(session.exec(query.order_by(col(ActionItem.id))))
            ids = {i.incident_id for i in items}
            if not ids:
                return []
            incidents = {
                i.id: i for i in session.exec(select(Incident).where(col(Incident.id).in_(ids)))
            }
            commanders = self._commanders(session, ids)
        return [
            Followup(item, incidents[item.incident_id], commanders.get(item.incident_id))
            for item in items
        ]

    @staticmethod
    def _commanders(session: Session, ids: Any) -> dict[int, str]:
        return dict(
            session.execute(
                sa.select(col(IncidentRole.incident_id), col(IncidentRole.user_id)).where(
                    col(IncidentRole.incident_id).in_(ids),
                    col(IncidentRole.role) == Role.COMMANDER,
                )
            ).all()
        )

    def entry(self, entry_id: int) -> tuple[Incident, TimelineEntry] | None:
        with self._sessions.read() as session:
            entry = session.get(TimelineEntry, entry_id)
            incident = session.get(Incident, entry.incident_id) if entry else None
        return (incident, entry) if incident and entry else None

    def enqueue(self, notices: Sequence[Notice], now: datetime) -> int:
        table: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
        keys = [n.key for n in notices]
        with self._sessions.read() as session:
            # Most due notices were queued on an earlier tick: skip them without a write
            # (an INSERT that conflicts still takes a lock, and an id on PostgreSQL).
            known = set(session.scalars(sa.select(table.c.key).where(table.c.key.in_(keys))))
        rows = [
            {
                "key": n.key,
                "kind": n.kind,
                "incident_id": n.incident_id,
                "target": n.target,
                "data": n.data,
                "due_at": n.due_at,
                "created_at": now,
                "attempts": 0,
                "last_error": "",
            }
            for n in notices
            if n.key not in known
        ]
        if not rows:
            return 0
        insert = self._insert(table).on_conflict_do_nothing(index_elements=["key"])
        with self._sessions.write() as session:
            result = session.execute(insert.returning(table.c.id), rows)
            return len(result.all())

    def backlog(self, now: datetime) -> tuple[int, datetime | None]:
        """How many notices are due and neither sent nor cancelled, and when the oldest was due."""
        due = sa.select(sa.func.count(), sa.func.min(col(OutboxMessage.due_at))).where(
            col(OutboxMessage.sent_at).is_(None),
            col(OutboxMessage.cancelled_at).is_(None),
            col(OutboxMessage.due_at) <= now,
        )
        with self._sessions.read() as session:
            count, oldest = session.execute(due).one()
        return int(count), oldest

    def claim(
        self, now: datetime, lease_until: datetime, limit: int, token: str
    ) -> list[OutboxMessage]:
        # In order per target: a message waits while an earlier one to the same channel or
        # person is still owed (being sent, or waiting out a refusal), so a batch takes one
        # message per target and an outage is caught up in the order things were said.
        earlier = sa.orm.aliased(OutboxMessage)
        owed_before = (
            sa.select(col(earlier.id))
            .where(
                col(earlier.target) == col(OutboxMessage.target),
                col(earlier.id) < col(OutboxMessage.id),
                col(earlier.sent_at).is_(None),
                col(earlier.cancelled_at).is_(None),
                col(earlier.due_at) <= now,
            )
            .exists()
        )
        free = (
            sa.select(col(OutboxMessage.id))
            .where(
                col(OutboxMessage.sent_at).is_(None),
                col(OutboxMessage.cancelled_at).is_(None),
                col(OutboxMessage.due_at) <= now,
                sa.or_(
                    col(OutboxMessage.leased_until).is_(None),
                    col(OutboxMessage.leased_until) <= now,
                ),
                ~owed_before,
            )
            .order_by(col(OutboxMessage.id))
            .limit(limit)
        )
        if self._skip_locked:  # replicas skip each other's rows instead of waiting on them
            free = free.with_for_update(skip_locked=True)
        take = (
            sa.update(OutboxMessage)
            .where(col(OutboxMessage.id).in_(free.scalar_subquery()))
            .values(
                leased_until=lease_until,
                lease_token=token,
                attempts=OutboxMessage.attempts + 1,
            )
            .returning(OutboxMessage)
        )
        with self._sessions.write() as session:
            claimed = list(session.execute(take).scalars())
        return sorted(claimed, key=lambda m: m.id or 0)

    def renew(self, message_id: int, token: str, lease_until: datetime) -> bool:
        return self._held(message_id, token, leased_until=lease_until)

    def mark_sent(
        self, message_id: int, token: str, ts: str, now: datetime, entry: TimelineEntry | None
    ) -> bool:
        with self._sessions.write() as session:
            done = self._update(session, message_id, token, sent_at=now, message_ts=ts)
            if done and entry is not None:
                session.add(entry)
                audit_entries(session, [entry])
            return done

    def cancel(self, message_id: int, token: str, now: datetime, reason: str) -> bool:
        return self._held(message_id, token, cancelled_at=now, last_error=reason[:500])

    def release(self, message_id: int, token: str, error: str, retry_at: datetime) -> bool:
        return self._held(message_id, token, leased_until=retry_at, last_error=error[:500])

    def _held(self, message_id: int, token: str, **values: Any) -> bool:
        with self._sessions.write() as session:
            return self._update(session, message_id, token, **values)

    @staticmethod
    def _update(session: Session, message_id: int, token: str, **values: Any) -> bool:
        """Changes the message only while `token` holds it and it is still pending."""
        result = session.execute(
            sa.update(OutboxMessage)
            .where(
                col(OutboxMessage.id) == message_id,
                col(OutboxMessage.lease_token) == token,
                col(OutboxMessage.sent_at).is_(None),
                col(OutboxMessage.cancelled_at).is_(None),
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]
