"""The incident aggregate: the incident row, its roles and its timeline."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from models.columns import enum_column, utc_column
from models.enums import Detection, EntryKind, Fix, ImpactScope, Role, Status, Verification


class IncidentSequence(SQLModel, table=True):
    """The last sequence number handed out per year; bumped atomically so replicas never clash."""

    __tablename__ = "incident_sequence"

    year: int = Field(primary_key=True)
    last: int = 0


class Incident(SQLModel, table=True):
    __tablename__ = "incident"

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(unique=True, index=True, max_length=32)
    title: str = Field(max_length=250)
    description: str = ""
    severity: str = Field(max_length=16)
    status: Status = Field(sa_column=enum_column(Status, nullable=False, index=True))
    private: bool = False
    services: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    reporter: str = Field(max_length=32)
    channel_id: str | None = Field(default=None, unique=True, max_length=32)
    channel_name: str | None = Field(default=None, max_length=80)
    announcement_ts: str | None = Field(default=None, max_length=32)
    # Someone archived the channel: what would be posted there goes to people instead.
    channel_archived_at: datetime | None = Field(default=None, sa_column=utc_column())
    # The room (channel, invitations, announcement, notice) is opened by one process at a
    # time: it claims the incident, and marks it opened when done. A claim whose process died
    # lapses, and another process finishes the job.
    room_claimed_at: datetime | None = Field(default=None, sa_column=utc_column())
    room_opened_at: datetime | None = Field(default=None, sa_column=utc_column())
    # The channel name last asked of Slack, stored before asking: a process taking over from
    # one that died before it stored the channel's ID knows the channel is its own to adopt.
    channel_requested: str | None = Field(default=None, max_length=80)
    resolution_summary: str = ""
    # Update-cadence nudges are held back until then ("snooze").
    nudges_snoozed_until: datetime | None = Field(default=None, sa_column=utc_column())
    # Shown on the public status page since then (never for a private incident); NULL: not.
    published_at: datetime | None = Field(default=None, sa_column=utc_column())
    # When the latest status update promised the next one: the commander is reminded then.
    next_update_at: datetime | None = Field(default=None, sa_column=utc_column())
    # Set by the modal path so a double-submitted view declares one incident, not two.
    request_key: str | None = Field(default=None, unique=True, max_length=64)
    # Bumped by every change: updates are compare-and-set on it, so racing clicks apply once.
    version: int = 1

    # How the incident was detected: the monitoring source that declared it; NULL for a person.
    detected_by: str | None = Field(default=None, max_length=32)
    # How it was noticed (monitoring for alert-declared incidents) and who it affects.
    detection: Detection | None = Field(default=None, sa_column=enum_column(Detection))
    impact_scope: ImpactScope | None = Field(default=None, sa_column=enum_column(ImpactScope))
    # From the policy's taxonomy, written `Database/replication`; NULL until someone sets it.
    category: str | None = Field(default=None, max_length=100)
    # Free tags, lower case, each once.
    tags: list[str] = Field(default_factory=list, sa_type=sa.JSON)
    # The problem record (underlying cause) it belongs to, if any.
    problem_id: int | None = Field(default=None, foreign_key="problem.id", index=True)
    # Closing: the root cause (or that it is deliberately unknown), what resolving did, how
    # it was verified, and the checklist's other answers ({"postmortem": waiver reason,
    # "follow_up": why none is needed, "runbook": "reviewed" or "not_applicable"}).
    root_cause: str = Field(default="", sa_type=sa.Text)
    root_cause_unknown: bool = False
    fix: Fix | None = Field(default=None, sa_column=enum_column(Fix))
    verification: Verification | None = Field(default=None, sa_column=enum_column(Verification))
    monitoring_until: datetime | None = Field(default=None, sa_column=utc_column())
    closing: dict[str, str] = Field(default_factory=dict, sa_type=sa.JSON)
    impact_started_at: datetime | None = Field(default=None, sa_column=utc_column())
    declared_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    acknowledged_at: datetime | None = Field(default=None, sa_column=utc_column())
    identified_at: datetime | None = Field(default=None, sa_column=utc_column())
    mitigated_at: datetime | None = Field(default=None, sa_column=utc_column())
    resolved_at: datetime | None = Field(default=None, sa_column=utc_column())
    closed_at: datetime | None = Field(default=None, sa_column=utc_column())
    updated_at: datetime = Field(sa_column=utc_column(nullable=False))


class IncidentRole(SQLModel, table=True):
    __tablename__ = "incident_role"
    __table_args__ = (sa.UniqueConstraint("incident_id", "role"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    role: Role = Field(sa_column=enum_column(Role, nullable=False))
    user_id: str = Field(max_length=32)
    assigned_at: datetime = Field(sa_column=utc_column(nullable=False))


_SILENT = ", ".join(f"'{kind.value}'" for kind in EntryKind if not kind.posted_in_channel)
# Entries Sitrep still owes the incident channel (a change in the index's predicate needs
# a migration).
UNPOSTED = sa.text(f"posted_at IS NULL AND kind NOT IN ({_SILENT})")


class TimelineEntry(SQLModel, table=True):
    """One thing that happened: a channel message, a note, or a change Sitrep recorded."""

    __tablename__ = "timeline_entry"
    # A Slack message is stored once per incident however often Slack delivers it.
    __table_args__ = (
        sa.UniqueConstraint("incident_id", "slack_ts"),
        # The scheduler asks every tick when each incident was last updated.
        sa.Index("timeline_latest_by_kind", "incident_id", "kind", "occurred_at"),
        # Recovery asks every minute for changes never posted: a small index, since almost
        # every row is a message (never posted by Sitrep) or already posted.
        sa.Index(
            "timeline_unposted",
            "occurred_at",
            sqlite_where=UNPOSTED,
            postgresql_where=UNPOSTED,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    kind: EntryKind = Field(sa_column=enum_column(EntryKind, nullable=False))
    occurred_at: datetime = Field(sa_column=utc_column(nullable=False, index=True))
    author: str | None = Field(default=None, max_length=32)
    text: str = ""
    slack_ts: str | None = Field(default=None, max_length=32)
    thread_ts: str | None = Field(default=None, max_length=32)
    key_event: bool = False
    hidden: bool = False
    edited_at: datetime | None = Field(default=None, sa_column=utc_column())
    # Earlier texts of an edited message, oldest first: [{"text": ..., "until": iso8601}].
    revisions: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    files: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON)
    # Structured detail of system entries, e.g. {"from": "sev3", "to": "sev2"}.
    data: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON)
    # When the system entry was queued in the outbox for the incident channel (which posts
    # it, in order there); NULL means still to queue.
    posted_at: datetime | None = Field(default=None, sa_column=utc_column())


class Subscription(SQLModel, table=True):
    """Someone following an incident's status updates by direct message."""

    __tablename__ = "subscription"
    __table_args__ = (sa.UniqueConstraint("incident_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: int = Field(foreign_key="incident.id", index=True)
    user_id: str = Field(max_length=32)
    created_at: datetime = Field(sa_column=utc_column(nullable=False))
