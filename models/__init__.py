"""SQLModel tables, enums and value objects shared by every layer."""

from models.action_item import ActionItem
from models.alert import AlertTriage, IncidentAlert, IncidentLink
from models.api_token import ApiToken
from models.audit import AuditEntry
from models.enums import (
    ActionStatus,
    AlertStatus,
    ChecklistItem,
    Detection,
    DraftSource,
    EntryKind,
    Fix,
    ImpactScope,
    LinkKind,
    NoticeKind,
    PostmortemStatus,
    ProblemStatus,
    Role,
    Status,
    TokenScope,
    TriageState,
    Verification,
)
from models.incident import (
    Incident,
    IncidentRole,
    IncidentSequence,
    Subscription,
    TimelineEntry,
)
from models.oncall import OncallOverride, RotationEdit
from models.outbox import OutboxMessage
from models.paging import BY_HAND, Page
from models.postmortem import Postmortem
from models.problem import Problem, ProblemSequence
from models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "BY_HAND",
    "ActionItem",
    "ActionStatus",
    "AlertStatus",
    "AlertTriage",
    "ApiToken",
    "AuditEntry",
    "ChecklistItem",
    "Detection",
    "DraftSource",
    "EntryKind",
    "Fix",
    "ImpactScope",
    "Incident",
    "IncidentAlert",
    "IncidentLink",
    "IncidentRole",
    "IncidentSequence",
    "LinkKind",
    "NoticeKind",
    "OncallOverride",
    "OutboxMessage",
    "Page",
    "Postmortem",
    "PostmortemStatus",
    "Problem",
    "ProblemSequence",
    "ProblemStatus",
    "Role",
    "RotationEdit",
    "Status",
    "Subscription",
    "TimelineEntry",
    "TokenScope",
    "TriageState",
    "Verification",
    "WebhookDelivery",
    "WebhookEndpoint",
]
