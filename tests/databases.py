"""Databases for tests: a fresh SQLite file, or a fresh schema on the local PostgreSQL.

PostgreSQL tests skip with a reason when no server answers, except where
SITREP_REQUIRE_POSTGRES=1 (as in .ci/run): there a missing server fails the run."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "SITREP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
DIALECTS = ["sqlite", "postgres"]


def postgres_required() -> bool:
    return os.environ.get("SITREP_REQUIRE_POSTGRES") == "1"


@contextmanager
def fresh_database(dialect: str, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of `dialect`, dropped afterwards."""
    if dialect == "sqlite":
        yield f"sqlite:///{tmp_path / 'sitrep.db'}"
        return
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            schema = f"sitrep_test_{uuid.uuid4().hex[:12]}"
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error.orig}"
        if postgres_required():
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
