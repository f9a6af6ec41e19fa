"""API tokens on SQLModel: one short transaction each, a change's audit row in it."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from bot.adapters.db.engine import Sessions
from models import ApiToken, AuditEntry


class SqlTokenStore:
    def __init__(self, engine: Engine) -> None:
        self._sessions = Sessions(engine)

    def add(self, token: ApiToken, audit: AuditEntry) -> ApiToken | None:
        try:
            with self._sessions.write() as session:
                session.add(token)
                session.flush()  # a live token with the name fails here, before the audit row
                session.add(audit)
            return token
        except IntegrityError:  # a live token has the name (api_token_live_name)
            if not any(live.name == token.name for live in self.live()):
                raise  # something else: the audit row refused (SQLite's RAISE(ABORT))
            return None

    def revoke(
        self, name: str, at: datetime, audit: Callable[[ApiToken], AuditEntry]
    ) -> ApiToken | None:
        with self._sessions.write() as session:
            token = session.exec(
                select(ApiToken)
                .where(col(ApiToken.name) == name, col(ApiToken.revoked_at).is_(None))
                .with_for_update()
            ).first()
            if token is not None:
                token.revoked_at = at
                session.add(token)
                session.add(audit(token))
            return token

    def live(self) -> list[ApiToken]:
        with self._sessions.read() as session:
            query = select(ApiToken).where(col(ApiToken.revoked_at).is_(None))
            return list(session.exec(query.order_by(col(ApiToken.name))))

    def by_hash(self, secret_hash: str) -> ApiToken | None:
        with self._sessions.read() as session:
            query = select(ApiToken).where(
                col(ApiToken.secret_hash) == secret_hash, col(ApiToken.revoked_at).is_(None)
            )
            return session.exec(query).first()
