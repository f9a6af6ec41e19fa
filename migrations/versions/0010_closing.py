"""closing: the incident's root cause, fix, verification and closing-checklist answers;
the team owning a problem

The columns are added with plain ALTER TABLE ADD COLUMN (nullable, or with a constant
default), which SQLite does in place: no table copy, so the search triggers of 0007 stay.
The downgrade copies the table on SQLite and creates those triggers again.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-29 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models.columns

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = (
    "root_cause",
    "root_cause_unknown",
    "fix",
    "verification",
    "monitoring_until",
    "closing",
)


def _enum(*values: str, name: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, length=32)


def upgrade() -> None:
    op.add_column("incident", sa.Column("root_cause", sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "incident",
        sa.Column("root_cause_unknown", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column(
        "incident",
        sa.Column("fix", _enum("permanent", "workaround", name="fix"), nullable=True),
    )
    op.add_column(
        "incident",
        sa.Column(
            "verification",
            _enum("reporter", "metrics", "monitoring", name="verification"),
            nullable=True,
        ),
    )
    op.add_column(
        "incident",
        sa.Column("monitoring_until", models.columns.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "incident",
        sa.Column("closing", sa.JSON(), nullable=False, server_default=sa.text("'{}'")),
    )
    op.add_column(
        "problem",
        sa.Column("team", sa.String(length=80), nullable=False, server_default=""),
    )


def downgrade() -> None:
    with op.batch_alter_table("problem", schema=None) as batch_op:
        batch_op.drop_column("team")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        for column in reversed(_COLUMNS):
            batch_op.drop_column(column)
    if op.get_bind().dialect.name == "sqlite":
        # The table copy dropped the incident's search triggers (see 0007).
        search = op.get_context().script.get_revision("0007").module
        search.create_sqlite_triggers(again=True)
