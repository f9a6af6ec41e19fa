"""SQLModel tables, enums and value objects shared by every layer."""

from models.action_item import ActionItem
from models.enums import (
    ActionStatus,
    DraftSource,
    EntryKind,
    NoticeKind,
    PostmortemStatus,
    Role,
    Status,
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
    "DraftSource",
    "EntryKind",
    "Incident",
    "IncidentRole",
    "IncidentSequence",
    "NoticeKind",
    "OutboxMessage",
    "Postmortem",
    "PostmortemStatus",
    "Role",
    "Status",
    "TimelineEntry",
]
