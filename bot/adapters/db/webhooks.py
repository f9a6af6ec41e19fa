"""Outgoing webhooks on SQLModel: endpoints' state, and deliveries created once per
endpoint and entry (insert-if-absent) and sent under a lease."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.adapters.db.engine import Sessions
from bot.scheduling.due import Notice
from models import EntryKind, Incident, OutboxMessage, TimelineEntry
from models import WebhookDelivery as Delivery
from models import WebhookEndpoint as Endpoint


class SqlWebhookStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)
        self._insert = sqlite.insert if engine.dialect.name == "sqlite" else postgresql.insert
        self._skip_locked = engine.dialect.name == "postgresql"

    def endpoint(self, name: str, fingerprint: str, now: datetime) -> Endpoint:
        table: sa.Table = Endpoint.__table__  # type: ignore[attr-defined]
        with self._sessions.read() as session:
            found = session.exec(select(Endpoint).where(col(Endpoint.name) == name)).first()
        if found is not None and found.fingerprint == fingerprint:
            return found
        with self._sessions.write() as session:
            if found is None:
                session.execute(
                    self._insert(table)
                    .values(
                        name=name,
                        fingerprint=fingerprint,
                        since=now,
                        planned_until=now,
                        failures=0,
                        last_error="",
                        created_at=now,
                    )
                    .on_conflict_do_nothing(index_elements=["name"])
                )
            else:  # a new URL or secret: a fresh start if it was disabled
                disabled = col(Endpoint.disabled_at).is_not(None)
                session.execute(
                    sa.update(Endpoint)
                    .where(col(Endpoint.name) == name, col(Endpoint.fingerprint) != fingerprint)
                    .values(
                        fingerprint=fingerprint,
                        failures=0,
                        retry_at=None,
                        disabled_at=None,
                        since=sa.case((disabled, now), else_=Endpoint.since),
                        planned_until=sa.case((disabled, now), else_=Endpoint.planned_until),
                    )
                )
            return session.exec(select(Endpoint).where(col(Endpoint.name) == name)).one()

    def events(
        self, since: datetime, kinds: Sequence[EntryKind]
    ) -> list[tuple[TimelineEntry, Incident]]:
        with self._sessions.read() as session:
            rows = session.exec(
                select(TimelineEntry, Incident)
                .join(Incident, col(Incident.id) == col(TimelineEntry.incident_id))
                .where(
                    col(TimelineEntry.occurred_at) >= since,
                    col(TimelineEntry.kind).in_(kinds),
                )
                .order_by(col(TimelineEntry.occurred_at), col(TimelineEntry.id))
            )
            return [(entry, incident) for entry, incident in rows]

    def known(self, endpoint_id: int, entry_ids: Sequence[int]) -> set[int]:
        if not entry_ids:
            return set()
        with self._sessions.read() as session:
            return set(
                session.scalars(
                    sa.select(col(Delivery.entry_id)).where(
                        col(Delivery.endpoint_id) == endpoint_id,
                        col(Delivery.entry_id).in_(entry_ids),
                    )
                )
            )

    def add(
        self, endpoint_id: int, deliveries: Sequence[Mapping[str, Any]], planned_until: datetime
    ) -> int:
        table: sa.Table = Delivery.__table__  # type: ignore[attr-defined]
        with self._sessions.write() as session:
            created = 0
            if deliveries:
                insert = self._insert(table).on_conflict_do_nothing(
                    index_elements=["endpoint_id", "entry_id"]
                )
                created = len(session.execute(insert.returning(table.c.id), deliveries).all())
            session.execute(
                sa.update(Endpoint)
                .where(col(Endpoint.id) == endpoint_id, col(Endpoint.planned_until) < planned_until)
                .values(planned_until=planned_until)
            )
            return created

    def claim(
        self, endpoint_id: int, now: datetime, lease_until: datetime, limit: int, token: str
    ) -> list[Delivery]:
        free = (
            sa.select(col(Delivery.id))
            .join(Endpoint, col(Endpoint.id) == col(Delivery.endpoint_id))
            .where(
                col(Delivery.endpoint_id) == endpoint_id,
                col(Delivery.delivered_at).is_(None),
                col(Delivery.abandoned_at).is_(None),
                col(Delivery.due_at) <= now,
                sa.or_(col(Delivery.leased_until).is_(None), col(Delivery.leased_until) <= now),
                col(Endpoint.disabled_at).is_(None),
                sa.or_(col(Endpoint.retry_at).is_(None), col(Endpoint.retry_at) <= now),
            )
            .order_by(col(Delivery.id))
            .limit(limit)
        )
        if self._skip_locked:  # replicas skip each other's rows instead of waiting on them
            free = free.with_for_update(skip_locked=True, of=Delivery)
        take = (
            sa.update(Delivery)
            .where(col(Delivery.id).in_(free.scalar_subquery()))
            .values(leased_until=lease_until, lease_token=token, attempts=Delivery.attempts + 1)
            .returning(Delivery)
        )
        with self._sessions.write() as session:
            claimed = list(session.execute(take).scalars())
        return sorted(claimed, key=lambda d: d.id or 0)

    def renew(self, delivery_id: int, token: str, lease_until: datetime) -> bool:
        with self._sessions.write() as session:
            return self._held(session, delivery_id, token, leased_until=lease_until)

    def delivered(self, delivery_id: int, token: str, now: datetime, status: int) -> bool:
        with self._sessions.write() as session:
            values = {"delivered_at": now, "response_status": status, "last_error": ""}
            if not self._held(session, delivery_id, token, **values):
                return False
            session.execute(
                sa.update(Endpoint)
                .where(col(Endpoint.id) == _endpoint_of(delivery_id))
                .values(failures=0, retry_at=None)
            )
            return True

    def failed(
        self, delivery_id: int, token: str, now: datetime, error: str, retry_at: datetime | None
    ) -> int | None:
        with self._sessions.write() as session:
            later = {"due_at": retry_at} if retry_at is not None else {"abandoned_at": now}
            held = self._held(
                session, delivery_id, token, leased_until=None, last_error=error[:500], **later
            )
            if not held:
                return None
            failures = session.execute(
                sa.update(Endpoint)
                .where(col(Endpoint.id) == _endpoint_of(delivery_id))
                .values(failures=Endpoint.failures + 1, last_error=error[:500])
                .returning(col(Endpoint.failures))
            ).scalar_one()
            return int(failures)

    def pause(self, endpoint_id: int, until: datetime) -> None:
        with self._sessions.write() as session:
            session.execute(
                sa.update(Endpoint).where(col(Endpoint.id) == endpoint_id).values(retry_at=until)
            )

    def release(self, delivery_id: int, token: str) -> None:
        with self._sessions.write() as session:
            self._held(session, delivery_id, token, leased_until=None)

    def disable(self, endpoint_id: int, now: datetime, notice: Notice | None) -> bool:
        with self._sessions.write() as session:
            done = session.execute(
                sa.update(Endpoint)
                .where(col(Endpoint.id) == endpoint_id, col(Endpoint.disabled_at).is_(None))
                .values(disabled_at=now)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return False
            session.execute(
                sa.update(Delivery)
                .where(
                    col(Delivery.endpoint_id) == endpoint_id,
                    col(Delivery.delivered_at).is_(None),
                    col(Delivery.abandoned_at).is_(None),
                )
                .values(abandoned_at=now, last_error="endpoint disabled")
            )
            if notice is not None:
                self._queue(session, notice, now)
            return True

    def _queue(self, session: Session, notice: Notice, now: datetime) -> None:
        table: sa.Table = OutboxMessage.__table__  # type: ignore[attr-defined]
        row = {
            "key": notice.key, "kind": notice.kind, "incident_id": notice.incident_id,
            "target": notice.target, "data": notice.data, "due_at": notice.due_at,
            "created_at": now, "attempts": 0, "last_error": "",
        }  # fmt: skip
        session.execute(
            self._insert(table).values(row).on_conflict_do_nothing(index_elements=["key"])
        )

    @staticmethod
    def _held(session: Session, delivery_id: int, token: str, **values: Any) -> bool:
        """Changes the delivery only while `token` holds it and it is still pending."""
        result = session.execute(
            sa.update(Delivery)
            .where(
                col(Delivery.id) == delivery_id,
                col(Delivery.lease_token) == token,
                col(Delivery.delivered_at).is_(None),
                col(Delivery.abandoned_at).is_(None),
            )
            .values(**values)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _endpoint_of(delivery_id: int) -> Any:
    return (
        sa.select(col(Delivery.endpoint_id))
        .where(col(Delivery.id) == delivery_id)
        .scalar_subquery()
    )
