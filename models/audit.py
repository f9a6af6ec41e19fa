"""The audit log: every state-changing action, who did it, when and from which surface."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utc_column


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entry"
    __table_args__ = (sa.Index("audit_entry_by_incident", "incident_id", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    # A person's user ID; None: Sitrep itself (alerts, the scheduler).
    actor: str | None = Field(default=None, max_length=32)
    # What was done: a timeline entry's kind (`status_changed`) or e.g. `override.created`.
    action: str = Field(max_length=40)
    # slash_command, button, modal, shortcut, event, api, alert, scheduler, cli or system.
    surface: str = Field(max_length=16)
    incident_id: int | None = Field(default=None)
    # What it was done to: an incident's ref, a problem's, `override #3`.
    target: str = Field(default="", max_length=64)
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
