"""alerts in: alerts linked to incidents, alert triage, incident links, detection method

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 07:43:25.106843
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alert_triage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pending_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "declared",
                "dismissed",
                "resolved",
                "expired",
                name="triagestate",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("notification", sa.JSON(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("created_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("pending_key"),
    )
    with op.batch_alter_table("alert_triage", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_triage_state"), ["state"], unique=False)

    op.create_table(
        "incident_alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("group_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column(
            "status",
            sa.Enum("firing", "resolved", name="alertstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("service", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("links", sa.JSON(), nullable=False),
        sa.Column("started_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("first_seen_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "source", "fingerprint"),
    )
    with op.batch_alter_table("incident_alert", schema=None) as batch_op:
        batch_op.create_index(
            "incident_alert_by_fingerprint", ["source", "fingerprint"], unique=False
        )
        batch_op.create_index("incident_alert_by_group", ["source", "group_key"], unique=False)
        batch_op.create_index(
            "incident_alert_by_service", ["service", "last_seen_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incident_alert_incident_id"), ["incident_id"], unique=False
        )

    op.create_table(
        "incident_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "alert",
                "deploy",
                "trace",
                "dashboard",
                "ticket",
                "runbook",
                "link",
                name="linkkind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("added_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("happened_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incident.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id", "url"),
    )
    with op.batch_alter_table("incident_link", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incident_link_incident_id"), ["incident_id"], unique=False
        )

    unposted = sa.text("posted_at IS NULL AND kind NOT IN ('message', 'declared', 'escalated')")
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.create_index(
            "timeline_unposted",
            ["occurred_at"],
            unique=False,
            sqlite_where=unposted,
            postgresql_where=unposted,
        )

    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("detected_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("timeline_entry", schema=None) as batch_op:
        batch_op.drop_index("timeline_unposted")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("detected_by")

    with op.batch_alter_table("incident_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_link_incident_id"))

    op.drop_table("incident_link")
    with op.batch_alter_table("incident_alert", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incident_alert_incident_id"))
        batch_op.drop_index("incident_alert_by_service")
        batch_op.drop_index("incident_alert_by_group")
        batch_op.drop_index("incident_alert_by_fingerprint")

    op.drop_table("incident_alert")
    with op.batch_alter_table("alert_triage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_triage_state"))

    op.drop_table("alert_triage")
