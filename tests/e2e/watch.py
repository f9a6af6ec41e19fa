"""What fuzz and fault tests watch in the running app: the error log, the work still running
after acknowledgements, and how many rows each table holds."""

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from app import Sitrep


class ErrorLog(logging.Handler):
    """Every ERROR (or worse) record any logger emits while installed on the root logger."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self._lock_records = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock_records:
            self.records.append(record)

    def take(self) -> list[str]:
        """The records so far, as `logger: message`, and forget them."""
        with self._lock_records:
            taken, self.records = self.records, []
        return [f"{r.name}: {r.getMessage()}" for r in taken]


@contextmanager
def error_log() -> Iterator[ErrorLog]:
    handler = ErrorLog()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


def settle(sitrep: Sitrep, rounds: int = 2) -> None:
    """Waits until the work Sitrep started after acknowledgements (Bolt's lazy listeners,
    drafting, webhook follow-ups) has finished: a barrier task on every worker of every pool
    can only run once the tasks queued before it are done. Twice, as work queues work."""
    for _ in range(rounds):
        for executor in sitrep.executors:
            _drain(executor)


def _drain(executor: ThreadPoolExecutor) -> None:
    workers = executor._max_workers
    barrier = threading.Barrier(workers + 1)
    for _ in range(workers):
        executor.submit(barrier.wait, 60)
    barrier.wait(60)


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows per table: a rejected request must leave every number as it was."""
    with engine.connect() as connection:
        return {
            table.name: connection.execute(
                sa.select(sa.func.count()).select_from(table)
            ).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }
