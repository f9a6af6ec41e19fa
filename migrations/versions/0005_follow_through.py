"""follow-through: action items from requests and proposals, exported issues, archived
channels

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("request_key", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True)
        )
        batch_op.add_column(
            sa.Column("external_key", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("external_url", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True)
        )
        batch_op.add_column(
            sa.Column("export_claimed_at", models.columns.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_unique_constraint(
            "uq_action_item_incident_id_request_key", ["incident_id", "request_key"]
        )
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "channel_archived_at", models.columns.UTCDateTime(timezone=True), nullable=True
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("channel_archived_at")
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_constraint("uq_action_item_incident_id_request_key", type_="unique")
        batch_op.drop_column("export_claimed_at")
        batch_op.drop_column("external_url")
        batch_op.drop_column("external_key")
        batch_op.drop_column("request_key")
