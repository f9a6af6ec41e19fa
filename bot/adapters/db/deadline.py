"""A deadline on every PostgreSQL round trip, kept by the client.

A server that stops answering (a network partition that drops packets, a proxy gone quiet)
leaves the driver waiting on its socket for ever: `statement_timeout` is the server's own and
never arrives, and TCP notices a dead peer only after its retransmissions or keepalives run
out. So each statement, commit and rollback is watched; one still unanswered at its deadline
has its socket shut, the driver sees the connection closed, and SQLAlchemy discards it (and
the pool's other connections of that age) as it does for a database that went away.
"""

import contextlib
import logging
import os
import socket
import threading
import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

# Execution option for work that may rightly take longer (migrations wait on each other).
UNWATCHED = "sitrep_unwatched"


class _Watchdog:
    """One thread for every engine of the process: it wakes a few times a second and shuts
    the sockets of the round trips past their deadlines."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._due: dict[int, tuple[float, Any]] = {}  # id(driver connection) -> deadline, it
        self._thread: threading.Thread | None = None

    def arm(self, connection: Any, seconds: float) -> None:
        with self._lock:
            self._due[id(connection)] = (time.monotonic() + seconds, connection)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-deadline", daemon=True)
                self._thread.start()

    def disarm(self, connection: Any) -> None:
        with self._lock:
            self._due.pop(id(connection), None)

    def _run(self) -> None:
        while True:
            time.sleep(0.1)
            now = time.monotonic()
            with self._lock:
                late = [(key, c) for key, (at, c) in self._due.items() if at <= now]
                for key, connection in late:
                    del self._due[key]
                    _shut(connection)


_WATCHDOG = _Watchdog()


def _shut(connection: Any) -> None:
    """Shuts the driver connection's socket under it (a duplicate descriptor: the driver's
    own stays open for it to find the connection closed and give it up)."""
    try:
        fd = os.dup(connection.pgconn.socket)
    except Exception:  # already closed: nothing is waiting on it
        return
    log.warning("a database round trip passed its deadline: its connection is dropped")
    with socket.socket(fileno=fd) as sock, contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def watch(engine: Engine, seconds: float) -> None:
    """Gives every round trip of `engine`'s PostgreSQL connections `seconds` to be answered."""

    def arm(connection: sa.Connection, *_: Any) -> None:
        if not connection.invalidated and not connection.get_execution_options().get(UNWATCHED):
            _WATCHDOG.arm(connection.connection.dbapi_connection, seconds)

    def disarm(connection: sa.Connection | None, *_: Any) -> None:
        # An invalidated connection is given up; asking for its driver connection would
        # try to reconnect it.
        if connection is not None and not connection.invalidated:
            _WATCHDOG.disarm(connection.connection.dbapi_connection)

    sa.event.listen(engine, "before_cursor_execute", arm)
    sa.event.listen(engine, "after_cursor_execute", disarm)
    sa.event.listen(engine, "handle_error", lambda context: disarm(context.connection))
    # COMMIT and ROLLBACK are round trips too; the connection's return to the pool ends them.
    sa.event.listen(engine, "commit", arm)
    sa.event.listen(engine, "rollback", arm)
    sa.event.listen(engine, "reset", lambda dbapi, *_: _WATCHDOG.arm(dbapi, seconds))
    sa.event.listen(engine, "checkin", lambda dbapi, _: _WATCHDOG.disarm(dbapi))
