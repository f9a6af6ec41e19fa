"""search: full-text indexes of incidents, timelines and post-mortems

SQLite: an FTS5 table, one row per searchable text (an incident's title, description and
resolution summary; a message, note or update not hidden; a post-mortem), kept in sync by
triggers and filled here with what is already stored. Its rowid says where a row comes
from: 4 * id for an incident, 4 * id + 1 for a timeline entry, 4 * id + 2 for a post-mortem.

PostgreSQL: GIN indexes on the tsvector of the same texts; the database maintains them.

Caution for later migrations on SQLite: a batch ("move and copy") alteration of incident,
timeline_entry or postmortem drops their triggers; such a migration must create them again,
with this module as Alembic loaded it:
`op.get_context().script.get_revision("0007").module.create_sqlite_triggers(again=True)`.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 08:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHED_KINDS = "('message', 'note', 'update')"
INCIDENT_BODY = "{0}description || char(10) || {0}resolution_summary"
ENTRY_SEARCHED = f"{{0}}kind IN {SEARCHED_KINDS} AND NOT {{0}}hidden"

SQLITE_TRIGGERS = {
    "search_incident_added": f"""
        AFTER INSERT ON incident BEGIN
            INSERT INTO search_index (rowid, title, body, incident_id)
            VALUES (new.id * 4, new.title, {INCIDENT_BODY.format("new.")}, new.id);
        END""",
    # Every change rewrites the whole incident row: only a change of its texts reindexes it.
    "search_incident_changed": f"""
        AFTER UPDATE OF title, description, resolution_summary ON incident
        WHEN old.title IS NOT new.title OR old.description IS NOT new.description
            OR old.resolution_summary IS NOT new.resolution_summary
        BEGIN
            UPDATE search_index SET title = new.title, body = {INCIDENT_BODY.format("new.")}
            WHERE rowid = new.id * 4;
        END""",
    "search_incident_removed": """
        AFTER DELETE ON incident BEGIN
            DELETE FROM search_index WHERE rowid = old.id * 4;
        END""",
    "search_entry_added": f"""
        AFTER INSERT ON timeline_entry WHEN {ENTRY_SEARCHED.format("new.")} BEGIN
            INSERT INTO search_index (rowid, title, body, incident_id)
            VALUES (new.id * 4 + 1, '', new.text, new.incident_id);
        END""",
    # Edits, and hiding a deleted message (or showing it again).
    "search_entry_changed": f"""
        AFTER UPDATE OF text, hidden, kind ON timeline_entry
        WHEN old.text IS NOT new.text OR old.hidden IS NOT new.hidden OR old.kind IS NOT new.kind
        BEGIN
            DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
            INSERT INTO search_index (rowid, title, body, incident_id)
            SELECT new.id * 4 + 1, '', new.text, new.incident_id
            WHERE {ENTRY_SEARCHED.format("new.")};
        END""",
    "search_entry_removed": """
        AFTER DELETE ON timeline_entry BEGIN
            DELETE FROM search_index WHERE rowid = old.id * 4 + 1;
        END""",
    "search_postmortem_added": """
        AFTER INSERT ON postmortem BEGIN
            INSERT INTO search_index (rowid, title, body, incident_id)
            VALUES (new.id * 4 + 2, '', new.markdown, new.incident_id);
        END""",
    "search_postmortem_changed": """
        AFTER UPDATE OF markdown ON postmortem WHEN old.markdown IS NOT new.markdown BEGIN
            UPDATE search_index SET body = new.markdown WHERE rowid = new.id * 4 + 2;
        END""",
    "search_postmortem_removed": """
        AFTER DELETE ON postmortem BEGIN
            DELETE FROM search_index WHERE rowid = old.id * 4 + 2;
        END""",
}

POSTGRES_INDEXES = {
    "search_incident": (
        "incident",
        "(setweight(to_tsvector('english'::regconfig, title), 'A') || "
        "to_tsvector('english'::regconfig, description || ' ' || resolution_summary))",
        "",
    ),
    "search_timeline": (
        "timeline_entry",
        "to_tsvector('english'::regconfig, text)",
        f" WHERE {ENTRY_SEARCHED.format('')}",
    ),
    "search_postmortem": ("postmortem", "to_tsvector('english'::regconfig, markdown)", ""),
}


def create_sqlite_triggers(*, again: bool = False) -> None:
    """The search triggers; `again` (after a table copy dropped some) only those missing."""
    missing = "IF NOT EXISTS " if again else ""
    for name, body in SQLITE_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {missing}{name} {body}")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, expression, where) in POSTGRES_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin (({expression})){where}")
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "title, body, incident_id UNINDEXED, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    create_sqlite_triggers()
    op.execute(
        "INSERT INTO search_index (rowid, title, body, incident_id) "
        f"SELECT id * 4, title, {INCIDENT_BODY.format('')}, id FROM incident"
    )
    op.execute(
        "INSERT INTO search_index (rowid, title, body, incident_id) "
        "SELECT id * 4 + 1, '', text, incident_id FROM timeline_entry "
        f"WHERE {ENTRY_SEARCHED.format('')}"
    )
    op.execute(
        "INSERT INTO search_index (rowid, title, body, incident_id) "
        "SELECT id * 4 + 2, '', markdown, incident_id FROM postmortem"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRES_INDEXES:
            op.execute(f"DROP INDEX {name}")
        return
    for name in SQLITE_TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE search_index")
