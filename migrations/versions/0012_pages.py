"""pages: on-call pages of incidents and their acknowledgements

A new table only: no table the search triggers of 0007 hang on is touched.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    moment = models.columns.UTCDateTime
    op.create_table(
        "page",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", text(length=200), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("chain", text(length=80), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("target", text(length=32), nullable=False),
        sa.Column("via", text(length=100), nullable=False),
        sa.Column("paged_by", text(length=32), nullable=True),
        sa.Column("paged_at", moment(timezone=True), nullable=False),
        sa.Column("ack_by", moment(timezone=True), nullable=True),
        sa.Column("acknowledged_at", moment(timezone=True), nullable=True),
        sa.Column("acknowledged_by", text(length=32), nullable=True),
        sa.Column("escalated_at", moment(timezone=True), nullable=True),
        sa.Column("escalated_by", text(length=32), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("page_of_incident", "page", ["incident_id", "level"])


def downgrade() -> None:
    op.drop_index("page_of_incident", table_name="page")
    op.drop_table("page")
