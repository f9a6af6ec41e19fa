"""Problem records: the underlying cause that incidents share (ITIL: incidents restore
service, problems remove the cause). Incidents point to their problem (`incident.problem_id`)."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import ProblemStatus


class ProblemSequence(SQLModel, table=True):
    """The last problem number handed out (one row); bumped atomically so replicas never clash."""

    __tablename__ = "problem_sequence"

    id: int = Field(primary_key=True)
    last: int = 0


class Problem(SQLModel, table=True):
    __tablename__ = "problem"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True, max_length=16)  # PRB-0001
    title: str = Field(max_length=250)
    status: ProblemStatus = Field(sa_column=enum_column(ProblemStatus, nullable=False, index=True))
    owner: str | None = Field(default=None, max_length=32)
    # The team that owns the work (from the service catalogue), "" when none is known.
    team: str = Field(default="", max_length=80)
    # What is known of the cause; from an incident, its description.
    description: str = ""
    # How to live with a known error until it is resolved, and what finally removed the cause.
    workaround: str = ""
    resolution: str = ""
    # Copied from the incident it was opened from, if any.
    services: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    category: str | None = Field(default=None, max_length=100)
    # Status and owner changes, oldest first: {"at": iso8601, "by": user, "what": ..., "note": ...}.
    history: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    created_by: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column())
    # Bumped by every change: updates are compare-and-set on it.
    version: int = 1
