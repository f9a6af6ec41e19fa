"""Outgoing webhooks: each configured endpoint's state, and every event owed to it."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import utc_column


class WebhookEndpoint(SQLModel, table=True):
    """An endpoint of the policy (by its name) as Sitrep found it: since when it is owed
    events, how far planning got, and its run of failures."""

    __tablename__ = "webhook_endpoint"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=64)
    # A hash of the URL and secret: a change in either re-enables a disabled endpoint.
    fingerprint: str = Field(max_length=64)
    # Events recorded before then are not sent (no flood of history on first configuration).
    since: datetime = Field(sa_column=utc_column(nullable=False))
    # Planning has looked at events up to then (re-read with a margin for late commits).
    planned_until: datetime = Field(sa_column=utc_column(nullable=False))
    # Failed attempts since the last success; the endpoint is not tried before `retry_at`.
    failures: int = 0
    retry_at: datetime | None = Field(default=None, sa_column=utc_column())
    disabled_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str = ""
    created_at: datetime = Field(sa_column=utc_column(nullable=False))


class WebhookDelivery(SQLModel, table=True):
    """One event owed to one endpoint: created once however many replicas plan it, sent by
    whoever holds its lease, until the receiver answers 2xx."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "entry_id"),
        sa.Index("webhook_delivery_pending", "endpoint_id", "delivered_at", "abandoned_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhook_endpoint.id")
    # The timeline entry that recorded the event.
    entry_id: int = Field(foreign_key="timeline_entry.id", index=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    # Sent as X-Sitrep-Delivery and in the body: the same on every retry, for deduplication.
    delivery_id: str = Field(unique=True, max_length=36)
    event: str = Field(max_length=40)
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    due_at: datetime = Field(sa_column=utc_column(nullable=False))
    leased_until: datetime | None = Field(default=None, sa_column=utc_column())
    lease_token: str | None = Field(default=None, max_length=32)
    attempts: int = 0
    delivered_at: datetime | None = Field(default=None, sa_column=utc_column())
    response_status: int | None = None
    # Given up (the endpoint was disabled, or this delivery failed too often); never sent.
    abandoned_at: datetime | None = Field(default=None, sa_column=utc_column())
    last_error: str = ""
