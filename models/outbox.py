"""The outbox: notifications due to be sent, each once, whatever crashes or replicas do."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import NoticeKind


class OutboxMessage(SQLModel, table=True):
    __tablename__ = "outbox"
    __table_args__ = (sa.Index("outbox_pending", "sent_at", "cancelled_at", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    # One row per notification however many replicas find it due, e.g. nudge:42:<anchor>:3.
    key: str = Field(unique=True, max_length=200)
    kind: NoticeKind = Field(sa_column=enum_column(NoticeKind, nullable=False))
    incident_id: int | None = Field(default=None, foreign_key="incident.id", index=True)
    # A channel ID, or a user ID for a direct message.
    target: str = Field(max_length=32)
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    due_at: datetime = Field(sa_column=utc_column(nullable=False))
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    # A sender holds the row until then; past it, the sender is presumed dead.
    leased_until: datetime | None = Field(default=None, sa_column=utc_column())
    # Who holds the lease: every update a sender makes is conditional on it, so a sender
    # whose lease was taken over can change nothing.
    lease_token: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    sent_at: datetime | None = Field(default=None, sa_column=utc_column())
    message_ts: str | None = Field(default=None, max_length=32)
    # No longer due when its turn came (the incident moved on); never sent.
    cancelled_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str = ""
