"""The action-item store on SQLModel: one short transaction per method."""

from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import ActionItem, ActionStatus, Incident


class SqlActionItemStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, item: ActionItem) -> tuple[ActionItem, bool]:
        try:
            with self._sessions.write() as session:
                session.add(item)
            return item, True
        except IntegrityError:  # its request was already served
            if item.request_key is None:
                raise
            existing = self.by_request_keys(item.incident_id, [item.request_key])
            if not existing:
                raise
            return existing[0], False

    def get(self, item_id: int) -> ActionItem | None:
        with self._sessions.read() as session:
            return session.get(ActionItem, item_id)

    def save(self, item: ActionItem, expected_version: int) -> bool:
        return self._sessions.compare_and_set(item, expected_version)

    def by_request_keys(self, incident_id: int, keys: Sequence[str]) -> list[ActionItem]:
        query = select(ActionItem).where(
            col(ActionItem.incident_id) == incident_id, col(ActionItem.request_key).in_(keys)
        )
        with self._sessions.read() as session:
            return list(session.exec(query))

    def find(
        self,
        *,
        owner: str | None,
        open_only: bool,
        due_before: date | None,
        incident_id: int | None,
        limit: int,
    ) -> list[ActionItem]:
        query = select(ActionItem)
        if owner is not None:
            query = query.where(col(ActionItem.owner) == owner)
        if open_only:
            query = query.where(col(ActionItem.status) == ActionStatus.OPEN)
        if due_before is not None:
            query = query.where(col(ActionItem.due_on) < due_before)
        if incident_id is not None:
            query = query.where(col(ActionItem.incident_id) == incident_id)
        query = query.order_by(col(ActionItem.due_on), col(ActionItem.id)).limit(limit)
        with self._sessions.read() as session:
            return list(session.exec(query))

    def history(self) -> tuple[list[ActionItem], list[Incident]]:
        """Every action item, with the incidents the follow-through numbers need: those the
        items came from, and those declared since the first item was done (recurrences)."""
        with self._sessions.read() as session:
            items = list(session.exec(select(ActionItem).order_by(col(ActionItem.id))))
            first_done = session.scalar(
                sa.select(sa.func.min(col(ActionItem.completed_at))).where(
                    col(ActionItem.status) == ActionStatus.DONE
                )
            )
            wanted: sa.ColumnElement[bool] = col(Incident.id).in_({i.incident_id for i in items})
            if first_done is not None:
                wanted = sa.or_(wanted, col(Incident.declared_at) > first_done)
            incidents = list(session.exec(select(Incident).where(wanted)))
        return items, incidents
