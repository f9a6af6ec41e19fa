"""updates: incidents published to the status page, the next update promised, and who
subscribes to an incident's updates

The incident's columns are added with plain ALTER TABLE ADD COLUMN (nullable), which SQLite
does in place: no table copy, so the search triggers of 0007 stay. The downgrade copies the
table on SQLite and creates those triggers again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for column in ("published_at", "next_update_at"):
        op.add_column(
            "incident",
            sa.Column(column, models.columns.UTCDateTime(timezone=True), nullable=True),
        )
    op.create_table(
        "subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "user_id"),
    )
    op.create_index(
        op.f("ix_subscription_incident_id"), "subscription", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_subscription_incident_id"), table_name="subscription")
    op.drop_table("subscription")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("next_update_at")
        batch_op.drop_column("published_at")
    if op.get_bind().dialect.name == "sqlite":
        # The table copy dropped the incident's search triggers (see 0007).
        search = op.get_context().script.get_revision("0007").module
        search.create_sqlite_triggers(again=True)
