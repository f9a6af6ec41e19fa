"""Pages: someone (or a channel) asked to respond to an incident, by an escalation
policy's level or by hand, and what they did about it."""

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utc_column

# The chain of a page made by hand: it never escalates.
BY_HAND = "by-hand"


class Page(SQLModel, table=True):
    __tablename__ = "page"
    __table_args__ = (sa.Index("page_of_incident", "incident_id", "level"),)

    id: int | None = Field(default=None, primary_key=True)
    # One page however many replicas or retries make it, e.g. page:42:payments:2:0 (the
    # incident, the chain, the level, the target's place in it); it is also the outbox key
    # of its message.
    key: str = Field(unique=True, max_length=200)
    incident_id: int = Field(foreign_key="incident.id")
    # The escalation policy (or `schedule:<name>` for a schedule's default, `by-hand`).
    chain: str = Field(max_length=80)
    level: int
    # A user ID, or a channel ID for a level that pages a channel.
    target: str = Field(max_length=32)
    # How the target was found: `payments/primary`, `named`, `channel`, `by hand`.
    via: str = Field(max_length=100)
    paged_by: str | None = Field(default=None, max_length=32)
    paged_at: datetime = Field(sa_column=utc_column(nullable=False))
    # When the level moves up unless someone acknowledges; None: it never does.
    ack_by: datetime | None = Field(default=None, sa_column=utc_column())
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column())
    acknowledged_by: str | None = Field(default=None, max_length=32)
    # Someone asked to move up now (the Escalate button).
    escalated_at: datetime | None = Field(default=None, sa_column=utc_column())
    escalated_by: str | None = Field(default=None, max_length=32)

    @property
    def by_hand(self) -> bool:
        return self.chain == BY_HAND

    @property
    def is_user(self) -> bool:
        return self.target[:1] in ("U", "W")
