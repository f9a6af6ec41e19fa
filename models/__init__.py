"""SQLModel tables, enums and value objects shared by every layer."""

from models.enums import DraftSource, EntryKind, PostmortemStatus, Role, Status
from models.incident import (
    Incident,
    IncidentRole,
    IncidentSequence,
    TimelineEntry,
)
from models.postmortem import Postmortem

__all__ = [
    "DraftSource",
    "EntryKind",
    "Incident",
    "IncidentRole",
    "IncidentSequence",
    "Postmortem",
    "PostmortemStatus",
    "Role",
    "Status",
    "TimelineEntry",
]
