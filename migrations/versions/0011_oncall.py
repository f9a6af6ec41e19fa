"""oncall: overrides of on-call schedules (the schedules live in the policy file)

A new table only: no table the search triggers of 0007 hang on is touched.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oncall_override",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("schedule", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("layer", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("user", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("covers", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("starts_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("cancelled_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_key"),
    )
    op.create_index(op.f("ix_oncall_override_schedule"), "oncall_override", ["schedule"])
    op.create_index(op.f("ix_oncall_override_ends_at"), "oncall_override", ["ends_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_oncall_override_ends_at"), table_name="oncall_override")
    op.drop_index(op.f("ix_oncall_override_schedule"), table_name="oncall_override")
    op.drop_table("oncall_override")
