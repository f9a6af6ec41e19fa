"""SQLModel tables, enums and value objects shared by every layer."""

from models.enums import EntryKind, Role, Status
from models.incident import (
    Incident,
    IncidentRole,
    IncidentSequence,
    TimelineEntry,
)

__all__ = [
    "EntryKind",
    "Incident",
    "IncidentRole",
    "IncidentSequence",
    "Role",
    "Status",
    "TimelineEntry",
]
