"""Engines and schema migrations for SQLite and PostgreSQL."""

import functools
import logging
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bot.adapters.db.deadline import UNWATCHED, watch
from bot.errors import ConfigError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parents[3] / "migrations"
# Any constant works; it only has to be the same in every replica.
_MIGRATION_LOCK = 7_031_959_001


def database_url(url: str) -> str:
    """Selects psycopg 3 for plain PostgreSQL URLs, as Heroku-style settings give them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


READ_ONLY = "sitrep_read_only"


def make_engine(
    url: str,
    *,
    connections: int = 10,
    connect_timeout: int = 5,
    answer_timeout: float | None = None,
) -> Engine:
    """An engine with a pool of `connections` (size it to the threads that use it). On
    PostgreSQL a connection not made within `connect_timeout` seconds (at least 2) fails,
    and so does, with `answer_timeout`, a round trip unanswered for that long."""
    url = database_url(url)
    if url.startswith("sqlite"):
        pool = {"pool_size": connections, "max_overflow": connections, "pool_timeout": 30}
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **pool
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        sa.event.listen(engine, "begin", _sqlite_begin)
        return engine
    # A database out of reach must cost a request seconds, not the minutes TCP gives up
    # after: Slack wants its answer within 3 s and retries a 503. Keepalives and the user
    # timeout let the kernel notice a peer gone silent; the deadlines cover what it can't.
    keepalive = {
        "connect_timeout": connect_timeout,
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 2,
        "keepalives_count": 3,
        "tcp_user_timeout": 10_000,
    }
    # No pre-ping (a round trip per checkout on the hot path): a connection the server
    # dropped fails one request, which is answered 503 and retried by Slack, and the pool
    # replaces it. Every thread holds one connection at most, so the pool's wait is short.
    engine = sa.create_engine(
        url,
        pool_recycle=1800,
        pool_size=connections,
        max_overflow=connections,
        pool_timeout=connect_timeout,
        connect_args=keepalive,
    )
    if answer_timeout is not None:
        watch(engine, answer_timeout)
    return engine


_WRITE_LOCKS: "weakref.WeakKeyDictionary[Engine, threading.Lock]" = weakref.WeakKeyDictionary()


def write_lock(engine: Engine) -> AbstractContextManager[Any]:
    """What a write transaction holds. SQLite takes one writer at a time, and its busy
    handler makes the others sleep and poll; queueing the threads of this process on a lock
    instead wakes the next writer at once. PostgreSQL needs nothing."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    return _WRITE_LOCKS.setdefault(engine, threading.Lock())


def reader(engine: Engine) -> Engine:
    """The same engine for read-only transactions (on SQLite they take no write lock)."""
    return engine.execution_options(**{READ_ONLY: True})


def _sqlite_begin(connection: sa.Connection) -> None:
    # pysqlite's own BEGIN defers the write lock until the first write, when a concurrent
    # writer makes it fail at once with SQLITE_BUSY. Writers take the lock up front instead
    # and queue on busy_timeout; readers need no lock under WAL.
    read_only = connection.get_execution_options().get(READ_ONLY)
    connection.exec_driver_sql("BEGIN DEFERRED" if read_only else "BEGIN IMMEDIATE")


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    dbapi_connection.isolation_level = None  # let the "begin" listener issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def migrate(engine: Engine) -> None:
    """Brings the schema to the latest revision. Replicas starting together take turns:
    on PostgreSQL an advisory lock serialises them; on SQLite BEGIN IMMEDIATE does."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        # A migration may wait on another replica's, or rewrite a big table: no deadline.
        connection.execution_options(**{UNWATCHED: True})
        if connection.dialect.name == "postgresql":
            connection.execute(
                sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    log.info("database schema is current")


def prepare_database(engine: Engine, *, migrate_schema: bool) -> None:
    """Migrates the schema (or, when replicas leave that to a release step, only connects);
    an unreachable database is a ConfigError naming the reason in one line."""
    try:
        if migrate_schema:
            migrate(engine)
        else:
            with engine.connect():
                pass
    except sa.exc.OperationalError as error:
        reason = str(error.orig).strip().splitlines()[0]
        raise ConfigError(f"DATABASE_URL: can't connect: {reason}") from None


@functools.cache
def head_revisions() -> frozenset[str]:
    """The revisions the code expects the schema to be at (read once from migrations/)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return frozenset(ScriptDirectory.from_config(config).get_heads())


def current_revisions(engine: Engine) -> frozenset[str]:
    """The revisions the database's schema is at (none: never migrated). Raises on a
    database that can't be reached."""
    with engine.connect() as connection:
        return revisions_of(connection)


def revisions_of(connection: sa.Connection) -> frozenset[str]:
    """The revisions the schema is at, seen through `connection`."""
    return frozenset(MigrationContext.configure(connection).get_current_heads())


class Sessions:
    """Short transactions on one engine: writes queue on the process's SQLite write lock,
    reads take no write lock."""

    def __init__(self, engine: Engine) -> None:
        self.engine, self.lock = engine, write_lock(engine)
        self._reader = reader(engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        with self.lock, Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def compare_and_set(self, row: Any, expected_version: int, *with_rows: Any) -> bool:
        """Writes `row` (a table model with `id` and `version`), its version bumped, only if
        the stored version is still `expected_version`; `with_rows` (its audit row) are
        inserted in the same transaction when it is written."""
        table = type(row)
        values = row.model_dump(exclude={"id", "version"})
        with self.write() as session:
            result = session.execute(
                sa.update(table)
                .where(table.id == row.id, table.version == expected_version)
                .values(**values, version=expected_version + 1)
            )
            written = bool(result.rowcount == 1)  # type: ignore[attr-defined]
            if written:
                session.add_all(with_rows)
            return written

    @contextmanager
    def read(self) -> Iterator[Session]:
        with Session(self._reader, expire_on_commit=False) as session, session.begin():
            yield session
