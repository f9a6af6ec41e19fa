"""Enumerations stored as their string values."""

from enum import StrEnum


class Status(StrEnum):
    DECLARED = "declared"
    INVESTIGATING = "investigating"
    IDENTIFIED = "identified"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def is_open(self) -> bool:
        return self not in (Status.RESOLVED, Status.CLOSED)


class Role(StrEnum):
    COMMANDER = "commander"
    LEAD = "lead"
    COMMS = "comms"
    SCRIBE = "scribe"

    @property
    def label(self) -> str:
        return {
            Role.COMMANDER: "Incident commander",
            Role.LEAD: "Technical lead",
            Role.COMMS: "Communications lead",
            Role.SCRIBE: "Scribe",
        }[self]


class EntryKind(StrEnum):
    """What a timeline entry records. Human entries come from the channel; the rest are system."""

    MESSAGE = "message"
    NOTE = "note"
    DECLARED = "declared"
    STATUS_CHANGED = "status_changed"
    SEVERITY_CHANGED = "severity_changed"
    ROLE_CHANGED = "role_changed"
    SERVICES_CHANGED = "services_changed"
    POSTMORTEM = "postmortem"
    UPDATE = "update"
    ACTION_ITEM = "action_item"
    ESCALATED = "escalated"
    ALERT = "alert"  # a monitoring alert fired, joined, or resolved
    LINK = "link"  # a link attached: alert, deploy, trace, dashboard, ticket, runbook
    RUNBOOK = "runbook"  # a runbook from the library's Markdown files, posted whole
    CATEGORY_SUGGESTED = "category_suggested"  # from keywords, with a Confirm button
    CATEGORY_CHANGED = "category_changed"
    TAGS_ADDED = "tags_added"
    DETECTION_CHANGED = "detection_changed"
    SCOPE_CHANGED = "scope_changed"
    SIMILAR_INCIDENTS = "similar_incidents"  # past incidents like this one, in a thread
    PROBLEM_LINKED = "problem_linked"  # linked (or moved) to a problem record
    PROBLEM_UNLINKED = "problem_unlinked"
    ROOT_CAUSE = "root_cause"  # recorded, or deliberately unknown
    FIX_RECORDED = "fix_recorded"  # fixed permanently, or a temporary workaround
    VERIFIED = "verified"  # how the resolution was verified (or monitored until when)
    CHECKLIST = "checklist"  # the closing checklist's answers and outcome
    RECURRENCE = "recurrence"  # earlier incidents like it, with buttons to open or link a problem
    PAGED = "paged"  # someone paged, by an escalation policy or by hand
    ACKNOWLEDGED = "acknowledged"  # someone answered the pages
    PUBLICATION = "publication"  # put on, or taken off, the public status page
    TITLE_CHANGED = "title_changed"

    @property
    def posted_in_channel(self) -> bool:
        """Sitrep posts these in the incident channel; messages are already there, the
        declaration is shown by the announcement, and an escalation by its own notice."""
        return self not in (EntryKind.MESSAGE, EntryKind.DECLARED, EntryKind.ESCALATED)


class PostmortemStatus(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class DraftSource(StrEnum):
    """Who wrote the narrative of a post-mortem draft."""

    MODEL = "model"
    TEMPLATE = "template"


class NoticeKind(StrEnum):
    """What a scheduled notification is about."""

    NUDGE = "nudge"  # no update within the severity's cadence
    NO_COMMANDER = "no_commander"
    ESCALATION = "escalation"  # not acknowledged within the response target
    STALE_MITIGATED = "stale_mitigated"
    STALE_RESOLVED = "stale_resolved"
    MONITORED = "monitored"  # the verification window passed quietly: time to close
    POSTMORTEM_DUE = "postmortem_due"
    # Action items: a direct message to the owner before the due day, and on it.
    ITEM_DUE_SOON = "item_due_soon"
    ITEM_DUE = "item_due"
    # Overdue items: a summary to each owner, and a roll-up per incident.
    OVERDUE_SUMMARY = "overdue_summary"
    OVERDUE_ROLLUP = "overdue_rollup"
    DIGEST = "digest"  # the weekly incident digest
    TRIAGE = "triage"  # an alert waiting for someone to declare or dismiss it
    # On-call paging (bot.oncall.paging): a page's message, and the last level's word that
    # nobody acknowledged.
    PAGE = "page"
    UNANSWERED = "page_unanswered"
    # A schedule's owner told that someone's on-call load is over the burnout limit.
    BURNOUT = "burnout"
    # An outgoing webhook endpoint disabled after repeated failures: the admins are told.
    WEBHOOK_DISABLED = "webhook_disabled"
    # A change (a timeline entry) shown in its incident's channel, in timeline order there.
    ENTRY = "entry"

    @property
    def about_pages(self) -> bool:
        """Decided by the incident's pages rather than by the due-work policy."""
        return self in (NoticeKind.PAGE, NoticeKind.UNANSWERED)

    # A status update: posted in a stakeholder channel, and DMed to each subscriber.
    STAKEHOLDERS = "stakeholders"
    SUBSCRIBER = "subscriber"
    NEXT_UPDATE = "next_update"  # the time the last update promised the next one has come

    @property
    def about_update(self) -> bool:
        """Carries a status update: sent whatever the incident has done since."""
        return self in (NoticeKind.STAKEHOLDERS, NoticeKind.SUBSCRIBER)

    @property
    def about_items(self) -> bool:
        """Decided by the action items' state rather than by an incident's."""
        return self in _ITEM_NOTICES


_ITEM_NOTICES = frozenset(
    {
        NoticeKind.ITEM_DUE_SOON,
        NoticeKind.ITEM_DUE,
        NoticeKind.OVERDUE_SUMMARY,
        NoticeKind.OVERDUE_ROLLUP,
    }
)


class ActionStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class AlertStatus(StrEnum):
    FIRING = "firing"
    RESOLVED = "resolved"


class TriageState(StrEnum):
    PENDING = "pending"
    DECLARED = "declared"
    DISMISSED = "dismissed"
    RESOLVED = "resolved"  # the alerts resolved before anyone decided
    EXPIRED = "expired"  # nobody decided in time; the alerts, if they fire, come again


class LinkKind(StrEnum):
    ALERT = "alert"
    DEPLOY = "deploy"
    TRACE = "trace"
    DASHBOARD = "dashboard"
    TICKET = "ticket"
    RUNBOOK = "runbook"
    OTHER = "link"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Detection(StrEnum):
    """How the incident was noticed."""

    MONITORING = "monitoring"
    USER_REPORT = "user_report"
    INTERNAL = "internal"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class ImpactScope(StrEnum):
    """Who the incident affects."""

    INDIVIDUAL = "individual"
    DEPARTMENT = "department"
    COMPANY_WIDE = "company_wide"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-").capitalize()


class ProblemStatus(StrEnum):
    """Where a problem record stands: the cause is being looked for, it is known (with a
    workaround), or it is removed."""

    OPEN = "open"
    KNOWN_ERROR = "known_error"
    RESOLVED = "resolved"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        return self is not ProblemStatus.RESOLVED


class ChecklistItem(StrEnum):
    """What closing an incident checks (the policy says which, per severity)."""

    RESOLUTION = "resolution"  # a resolution summary
    ROOT_CAUSE = "root_cause"  # recorded, or "unknown" chosen deliberately
    CATEGORY = "category"
    POSTMORTEM = "postmortem"  # published, or waived with a reason by the commander
    FOLLOW_UP = "follow_up"  # an action item, or "no follow-up needed" with a reason
    RUNBOOK = "runbook"  # the runbook reviewed, or not applicable

    @property
    def label(self) -> str:
        return _CHECKLIST_LABELS[self]


_CHECKLIST_LABELS = {
    ChecklistItem.RESOLUTION: "Resolution summary",
    ChecklistItem.ROOT_CAUSE: "Root cause",
    ChecklistItem.CATEGORY: "Category",
    ChecklistItem.POSTMORTEM: "Post-mortem",
    ChecklistItem.FOLLOW_UP: "Follow-up",
    ChecklistItem.RUNBOOK: "Runbook review",
}


class Fix(StrEnum):
    """What resolving it did: removed the cause, or only worked around it."""

    PERMANENT = "permanent"
    WORKAROUND = "workaround"

    @property
    def label(self) -> str:
        return "Fixed permanently" if self is Fix.PERMANENT else "Temporary workaround"


class Verification(StrEnum):
    """How a resolution was verified."""

    REPORTER = "reporter"  # the reporter confirmed it
    METRICS = "metrics"  # metrics back to normal
    MONITORING = "monitoring"  # watched until a time before closing

    @property
    def label(self) -> str:
        return {
            Verification.REPORTER: "confirmed by the reporter",
            Verification.METRICS: "metrics back to normal",
            Verification.MONITORING: "monitoring",
        }[self]


class TokenScope(StrEnum):
    """What an API token may do: read, or read and change."""

    READ = "read"
    WRITE = "write"
