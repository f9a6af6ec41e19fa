"""The audit log on SQLModel."""

from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import AuditEntry


class SqlAuditLog:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, entry: AuditEntry) -> None:
        with self._sessions.write() as session:
            session.add(entry)

    def find(
        self, *, since: datetime | None, target: str | None, offset: int, limit: int | None
    ) -> list[AuditEntry]:
        query = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
        if since is not None:
            query = query.where(col(AuditEntry.at) >= since)
        if target is not None:
            query = query.where(col(AuditEntry.target) == target)
        query = query.offset(offset)
        with self._sessions.read() as session:
            return list(session.exec(query.limit(limit) if limit is not None else query))
