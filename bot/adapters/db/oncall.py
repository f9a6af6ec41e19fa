"""The override store on SQLModel: one short transaction per method, a change's audit row
in it."""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from bot.errors import EditConflict
from models import AuditEntry, OncallOverride, RotationEdit


class SqlOverrideStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(
        self, override: OncallOverride, audit: Callable[[OncallOverride], AuditEntry]
    ) -> tuple[OncallOverride, bool]:
        try:
            with self._sessions.write() as session:
                session.add(override)
                session.flush()  # its ID, which its audit row names; a doubled key fails here
                session.add(audit(override))
            return override, True
        except IntegrityError:
            # The request key is unique: a retried or doubled command made it already.
            with self._sessions.read() as session:
                query = select(OncallOverride).where(
                    OncallOverride.request_key == override.request_key
                )
                existing = session.exec(query).one_or_none()
            if existing is None:
                raise
            return existing, False

    def get(self, override_id: int) -> OncallOverride | None:
        with self._sessions.read() as session:
            return session.get(OncallOverride, override_id)

    def overlapping(
        self, schedule: str | None, start: datetime, end: datetime
    ) -> list[OncallOverride]:
        query = select(OncallOverride).where(
            col(OncallOverride.starts_at) < end, col(OncallOverride.ends_at) > start
        )
        if schedule is not None:
            query = query.where(col(OncallOverride.schedule) == schedule)
        with self._sessions.read() as session:
            return list(session.exec(query.order_by(col(OncallOverride.id))))

    def upcoming(self, schedule: str | None, now: datetime, limit: int) -> list[OncallOverride]:
        query = select(OncallOverride).where(
            col(OncallOverride.ends_at) > now, col(OncallOverride.cancelled_at).is_(None)
        )
        if schedule is not None:
            query = query.where(col(OncallOverride.schedule) == schedule)
        query = query.order_by(col(OncallOverride.starts_at), col(OncallOverride.id)).limit(limit)
        with self._sessions.read() as session:
            return list(session.exec(query))

    def cancel(self, override_id: int, by: str, at: datetime, audit: AuditEntry) -> bool:
        with self._sessions.write() as session:
            result = session.execute(
                sa.update(OncallOverride)
                .where(
                    col(OncallOverride.id) == override_id,
                    col(OncallOverride.cancelled_at).is_(None),
                )
                .values(cancelled_at=at, cancelled_by=by)
            )
            cancelled = bool(result.rowcount == 1)  # type: ignore[attr-defined]
            if cancelled:
                session.add(audit)
            return cancelled


class SqlRotationStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, edit: RotationEdit, audit: AuditEntry) -> tuple[RotationEdit, bool]:
        key = edit.request_key
        try:
            with self._sessions.write() as session:
                session.add(edit)
                session.flush()  # a doubled key or a taken version fails here, audit unwritten
                session.add(audit)
            return edit, True
        except IntegrityError:
            with self._sessions.read() as session:
                query = select(RotationEdit).where(RotationEdit.request_key == key)
                existing = session.exec(query).one_or_none()
                taken = session.exec(
                    select(RotationEdit.id).where(
                        RotationEdit.schedule == edit.schedule,
                        RotationEdit.layer == edit.layer,
                        RotationEdit.version == edit.version,
                    )
                ).first()
            if existing is not None:
                return existing, False
            if taken is None:  # neither: the audit row was refused (SQLite's RAISE(ABORT))
                raise
            raise EditConflict(  # the version was taken by another edit
                "Someone else edited that rotation at the same moment: try again."
            ) from None

    def of_schedule(self, schedule: str) -> list[RotationEdit]:
        query = (
            select(RotationEdit)
            .where(col(RotationEdit.schedule) == schedule)
            .order_by(col(RotationEdit.layer), col(RotationEdit.version))
        )
        with self._sessions.read() as session:
            return list(session.exec(query))
