"""categories: an incident's category, tags, detection method and scope of impact

The columns are added with plain ALTER TABLE ADD COLUMN (nullable, or with a constant
default), which SQLite does in place: no table copy, so the search triggers of 0007 stay.
The downgrade copies the table on SQLite and creates those triggers again.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 09:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("detection", "impact_scope", "category", "tags")


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.add_column(
        "incident",
        sa.Column(
            "detection",
            _enum("monitoring", "user_report", "internal", name="detection"),
            nullable=True,
        ),
    )
    op.add_column(
        "incident",
        sa.Column(
            "impact_scope",
            _enum("individual", "department", "company_wide", name="impactscope"),
            nullable=True,
        ),
    )
    op.add_column(
        "incident",
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    )
    op.add_column(
        "incident",
        sa.Column("tags", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )
    # Incidents declared from an alert were detected by monitoring.
    op.execute("UPDATE incident SET detection = 'monitoring' WHERE detected_by IS NOT NULL")


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        # The table copy dropped the search triggers (see 0007).
        # Only the incident's triggers went with its table; the others are still there.
        search = op.get_context().script.get_revision("0007").module
        search.create_sqlite_triggers(again=True)
