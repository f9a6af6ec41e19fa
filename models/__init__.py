"""SQLModel tables, enums and value objects shared by every layer."""

from models.action_item import ActionItem
from models.alert import AlertTriage, IncidentAlert, IncidentLink
from models.enums import (
    ActionStatus,
    AlertStatus,
    DraftSource,
    EntryKind,
    LinkKind,
    NoticeKind,
    PostmortemStatus,
    Role,
    Status,
    TriageState,
)
from models.incident import (
    Incident,
    IncidentRole,
    IncidentSequence,
    TimelineEntry,
)
from models.outbox import OutboxMessage
from models.postmortem import Postmortem

__all__ = [
    "ActionItem",
    "ActionStatus",
    "AlertStatus",
    "AlertTriage",
    "DraftSource",
    "EntryKind",
    "Incident",
    "IncidentAlert",
    "IncidentLink",
    "IncidentRole",
    "IncidentSequence",
    "LinkKind",
    "NoticeKind",
    "OutboxMessage",
    "Postmortem",
    "PostmortemStatus",
    "Role",
    "Status",
    "TimelineEntry",
    "TriageState",
]
