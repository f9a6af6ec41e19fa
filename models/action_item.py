"""Action items: follow-up work an incident leaves behind, each owned by one person."""

from datetime import date, datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import ActionStatus


class ActionItem(SQLModel, table=True):
    __tablename__ = "action_item"
    __table_args__ = (
        sa.Index("action_item_owner_open", "owner", "status", "due_on"),
        # Created once per request however often it arrives (a double-submitted form, two
        # clicks on one proposal).
        sa.UniqueConstraint("incident_id", "request_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    title: str = Field(max_length=500)
    owner: str = Field(max_length=32)
    created_by: str = Field(max_length=32)
    priority: str = Field(max_length=2)  # p0 (most urgent) to p3
    # A day, not a moment: due by the end of that day in the organisation's timezone.
    due_on: date = Field(sa_type=sa.Date)
    status: ActionStatus = Field(sa_column=enum_column(ActionStatus, nullable=False))
    # The Slack message it came from, when created from one.
    source_url: str | None = Field(default=None, max_length=300)
    evidence: str = ""
    cancel_reason: str = ""
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_by: str | None = Field(default=None, max_length=32)
    request_key: str | None = Field(default=None, max_length=80)
    # The issue it became in an external tracker (Jira), e.g. OPS-123.
    external_key: str | None = Field(default=None, max_length=64)
    external_url: str | None = Field(default=None, max_length=300)
    # One process exports at a time: it claims the item; a claim whose process died lapses.
    export_claimed_at: datetime | None = Field(default=None, sa_column=utc_column())
    version: int = 1
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))
