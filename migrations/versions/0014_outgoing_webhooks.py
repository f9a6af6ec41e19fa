"""outgoing webhooks: each endpoint's state and every event owed to it

New tables only: incident, timeline_entry and postmortem are not altered (on SQLite a
batch alter would copy them and drop the search triggers of 0007).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _utc(name: str, nullable: bool = True) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, models.columns.UTCDateTime(timezone=True), nullable=nullable)


def _text(name: str, length: int, nullable: bool = False) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sqlmodel.sql.sqltypes.AutoString(length=length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Integer(), nullable=False),
        _text("name", 64),
        _text("fingerprint", 64),
        _utc("since", nullable=False),
        _utc("planned_until", nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        _utc("retry_at"),
        _utc("disabled_at"),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        _utc("created_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        _text("delivery_id", 36),
        _text("event", 40),
        sa.Column("payload", sa.JSON(), nullable=False),
        _utc("created_at", nullable=False),
        _utc("due_at", nullable=False),
        _utc("leased_until"),
        _text("lease_token", 32, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _utc("delivered_at"),
        sa.Column("response_status", sa.Integer(), nullable=True),
        _utc("abandoned_at"),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoint.id"]),
        sa.ForeignKeyConstraint(["entry_id"], ["timeline_entry.id"]),
        sa.ForeignKeyConstraint(["incident_id"], ["incident.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("endpoint_id", "entry_id"),
        sa.UniqueConstraint("delivery_id"),
    )
    op.create_index(
        "webhook_delivery_pending",
        "webhook_delivery",
        ["endpoint_id", "delivered_at", "abandoned_at"],
    )
    op.create_index(
        op.f("ix_webhook_delivery_entry_id"), "webhook_delivery", ["entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_webhook_delivery_incident_id"), "webhook_delivery", ["incident_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_endpoint")
