"""What monitoring told us: alerts linked to incidents, alerts awaiting triage, and links."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import AlertStatus, LinkKind, TriageState


class IncidentAlert(SQLModel, table=True):
    """One alert (a source's fingerprint) in one incident, however often it was sent."""

    __tablename__ = "incident_alert"
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "source", "fingerprint"),
        sa.Index("incident_alert_by_fingerprint", "source", "fingerprint"),
        sa.Index("incident_alert_by_group", "source", "group_key"),
        # Alerts for the same service soon after one another join one incident.
        sa.Index("incident_alert_by_service", "service", "last_seen_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    source: str = Field(max_length=32)
    fingerprint: str = Field(max_length=128)
    # The source's own grouping (Alertmanager's groupKey), hashed; "" when it has none.
    group_key: str = Field(default="", max_length=64)
    status: AlertStatus = Field(sa_column=enum_column(AlertStatus, nullable=False))
    title: str = Field(max_length=250)
    severity: str = Field(default="", max_length=32)
    service: str = Field(default="", max_length=80)
    labels: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    links: list[dict[str, str]] = Field(default_factory=list, sa_type=sa.JSON)
    started_at: datetime | None = Field(default=None, sa_column=utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=utc_column())
    first_seen_at: datetime = Field(sa_column=utc_column(nullable=False))
    last_seen_at: datetime = Field(sa_column=utc_column(nullable=False))
    times_seen: int = 1


class AlertTriage(SQLModel, table=True):
    """An alert a rule sent to the triage channel, to be declared or dismissed by a person."""

    __tablename__ = "alert_triage"

    id: int | None = Field(default=None, primary_key=True)
    # Held while pending, so the same alert repeated is one triage post; released (NULL)
    # once decided, so it can come to triage again.
    pending_key: str | None = Field(default=None, unique=True, max_length=64)
    source: str = Field(max_length=32)
    state: TriageState = Field(sa_column=enum_column(TriageState, nullable=False, index=True))
    # The notification as Sitrep understood it, to declare from when someone asks.
    notification: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    severity: str = Field(max_length=16)
    channel_id: str = Field(max_length=32)
    message_ts: str | None = Field(default=None, max_length=32)
    incident_id: int | None = Field(default=None, foreign_key="incident.id")
    decided_by: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
    last_seen_at: datetime = Field(sa_column=utc_column(nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=utc_column())
    times_seen: int = 1


class IncidentLink(SQLModel, table=True):
    """A link attached to an incident: an alert, a deploy, a trace, a dashboard, a ticket."""

    __tablename__ = "incident_link"
    __table_args__ = (sa.UniqueConstraint("incident_id", "url"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: LinkKind = Field(sa_column=enum_column(LinkKind, nullable=False))
    url: str = Field(max_length=2000)
    title: str = Field(default="", max_length=200)
    added_by: str | None = Field(default=None, max_length=32)
    added_at: datetime = Field(sa_column=utc_column(nullable=False))
    # When the linked thing happened (a deploy's time), if known: insights relate it.
    happened_at: datetime | None = Field(default=None, sa_column=utc_column())
