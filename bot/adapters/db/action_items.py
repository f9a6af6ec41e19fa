"""The action-item store on SQLModel: one short transaction per method."""

from datetime import date

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import ActionItem, ActionStatus


class SqlActionItemStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, item: ActionItem) -> ActionItem:
        with self._sessions.write() as session:
            session.add(item)
        return item

    def get(self, item_id: int) -> ActionItem | None:
        with self._sessions.read() as session:
            return session.get(ActionItem, item_id)

    def save(self, item: ActionItem, expected_version: int) -> bool:
        return self._sessions.compare_and_set(item, expected_version)

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
