"""channel requested: the incident's channel name as asked of Slack, stored before asking

Added with a plain ALTER TABLE ADD COLUMN (nullable), which SQLite does in place: no table
copy, so the search triggers of 0007 stay. The downgrade copies the table on SQLite and
creates those triggers again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "incident",
        sa.Column("channel_requested", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("channel_requested")
    if op.get_bind().dialect.name == "sqlite":
        # The table copy dropped the incident's search triggers (see 0007).
        search = op.get_context().script.get_revision("0007").module
        search.create_sqlite_triggers(again=True)
