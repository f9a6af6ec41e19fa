"""Backup: every table Sitrep keeps (incidents, roles, timelines, links, post-mortems,
action items, problems, alerts, pages, subscriptions, overrides, the audit log, API tokens,
the outbox and the ID counters) as one JSON document, and back into an empty database.

Generic over the models' tables, so a table added later is backed up without a change
here. A document records the schema revision it was taken at; it is restored only into a
database at that same revision (migrate first, then import)."""

import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table on SQLModel.metadata)
from bot.adapters.db.engine import current_revisions, revisions_of, write_lock
from models.columns import UTCDateTime

FORMAT = "sitrep-backup"
VERSION = 1
_CHUNK = 500


class BackupError(Exception):
    """A document that can't be restored here; the message says why."""


def _tables() -> list[sa.Table]:
    """Parents before children, so rows can be inserted in this order."""
    return list(SQLModel.metadata.sorted_tables)


def export_all(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """Every row of every table, in one read transaction, as plain JSON values."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as connection, connection.begin():
        schema = sorted(revisions_of(connection))
        for table in _tables():
            order = list(table.primary_key.columns)
            rows = connection.execute(sa.select(table).order_by(*order)).mappings()
            tables[table.name] = [{k: _out(v) for k, v in row.items()} for row in rows]
    return {
        "format": FORMAT,
        "version": VERSION,
        "schema": schema,
        "exported_at": (now or datetime.now(UTC)).isoformat(),
        "tables": tables,
    }


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def import_all(engine: Engine, document: Any) -> dict[str, int]:
    """Restores `document` into an empty database at the document's schema revision, in one
    transaction; returns the rows restored per table. Raises BackupError otherwise."""
    tables = _checked(document, sorted(current_revisions(engine)))
    known = {table.name: table for table in _tables()}
    unknown = sorted(set(tables) - set(known))
    if unknown:
        raise BackupError(f"the backup has tables this version doesn't know: {unknown}")
    counts: dict[str, int] = {}
    with write_lock(engine), engine.begin() as connection:
        holding = sorted(t.name for t in known.values() if _has_rows(connection, t))
        if holding:
            raise BackupError(
                f"the database already holds data ({', '.join(holding)}): restore into an "
                "empty database (a fresh DATABASE_URL, migrated by `python app.py migrate`)"
            )
        for table in _tables():
            rows = [_in(table, row) for row in tables.get(table.name, [])]
            for start in range(0, len(rows), _CHUNK):
                connection.execute(table.insert(), rows[start : start + _CHUNK])
            counts[table.name] = len(rows)
        if connection.dialect.name == "postgresql":
            _advance_sequences(connection, _tables())
    return counts


def _checked(document: Any, schema: list[str]) -> dict[str, list[dict[str, Any]]]:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise BackupError('not a Sitrep backup (no "format": "sitrep-backup")')
    if document.get("version") != VERSION:
        raise BackupError(
            f"backup format version {document.get('version')!r}; this Sitrep reads {VERSION}"
        )
    if document.get("schema") != schema:
        raise BackupError(
            f"the backup was taken at schema {document.get('schema')}, the database is at "
            f"{schema}: restore with the Sitrep version that took it, or migrate the "
            "database to the backup's revision"
        )
    tables = document.get("tables")
    if not isinstance(tables, dict) or not all(isinstance(r, list) for r in tables.values()):
        raise BackupError('the backup\'s "tables" is not a mapping of table names to rows')
    return tables


def _has_rows(connection: Connection, table: sa.Table) -> bool:
    first = sa.select(sa.literal(1)).select_from(table).limit(1)
    return connection.execute(first).first() is not None


def _out(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value  # StrEnum members are strings; JSON columns are already plain values


def _in(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    restored = {}
    for name, value in row.items():
        column = table.columns.get(name)
        if column is None:
            raise BackupError(f"the backup's {table.name} has a column this version lacks: {name}")
        restored[name] = _parsed(column.type, value)
    return restored


def _parsed(kind: sa.types.TypeEngine[Any], value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, UTCDateTime | sa.DateTime):
        return datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return date.fromisoformat(value)
    return value


def _advance_sequences(connection: Connection, tables: Iterable[sa.Table]) -> None:
    """Sets each table's ID sequence past the restored IDs, so new rows don't collide."""
    for table in tables:
        for column in table.primary_key.columns:
            if not column.autoincrement or not isinstance(column.type, sa.Integer):
                continue
            preparer = connection.dialect.identifier_preparer
            name, key = preparer.format_table(table), preparer.quote(column.name)
            sequence = connection.execute(
                sa.text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": name, "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            connection.execute(
                sa.text(
                    f"SELECT setval(:sequence, COALESCE(MAX({key}), 1), "
                    f"MAX({key}) IS NOT NULL) FROM {name}"
                ),
                {"sequence": sequence},
            )
