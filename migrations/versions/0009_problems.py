"""problems: problem records, their sequence, and the incident's link to its problem

`incident.problem_id` is added with plain ALTER TABLE ADD COLUMN (nullable, with its foreign
key inline), which SQLite does in place: no table copy, so the search triggers of 0007 stay.
The downgrade copies the table on SQLite and creates those triggers again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import models.columns

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "problem_sequence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=250), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "known_error",
                "resolved",
                name="problemstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("owner", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("workaround", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("resolution", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("services", sa.JSON(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
        sa.Column("history", sa.JSON(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", models.columns.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", models.columns.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_problem_ref"), "problem", ["ref"], unique=True)
    op.create_index(op.f("ix_problem_status"), "problem", ["status"], unique=False)
    # Plain ADD COLUMN (see the module's docstring). Alembic would ask SQLite for a separate
    # ADD CONSTRAINT, which it lacks; a foreign key written inline it takes.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE incident ADD COLUMN problem_id INTEGER REFERENCES problem (id)")
    else:
        op.add_column(
            "incident",
            sa.Column("problem_id", sa.Integer(), sa.ForeignKey("problem.id"), nullable=True),
        )
    op.create_index(op.f("ix_incident_problem_id"), "incident", ["problem_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_incident_problem_id"), table_name="incident")
    with op.batch_alter_table("incident", schema=None) as batch_op:
        batch_op.drop_column("problem_id")
    if op.get_bind().dialect.name == "sqlite":
        # The table copy dropped the incident's search triggers (see 0007); the others stay.
        search = op.get_context().script.get_revision("0007").module
        search.create_sqlite_triggers(again=True)
    op.drop_index(op.f("ix_problem_status"), table_name="problem")
    op.drop_index(op.f("ix_problem_ref"), table_name="problem")
    op.drop_table("problem")
    op.drop_table("problem_sequence")
