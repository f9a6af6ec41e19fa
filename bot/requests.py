"""What `/incident` can ask for: one typed request per subcommand, made by `bot.commands`."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from bot.config import Priority
from models.enums import (
    Detection,
    Fix,
    ImpactScope,
    LinkKind,
    ProblemStatus,
    Role,
    Status,
    TokenScope,
    Verification,
)


@dataclass(frozen=True)
class Declare:
    severity: str | None
    title: str | None

    @property
    def complete(self) -> bool:
        return self.severity is not None and bool(self.title)


@dataclass(frozen=True)
class SetStatus:
    ref: str | None
    status: Status
    note: str


@dataclass(frozen=True)
class SetSeverity:
    ref: str | None
    severity: str
    reason: str


@dataclass(frozen=True)
class AssignRole:
    ref: str | None
    role: Role
    user_id: str


@dataclass(frozen=True)
class SetServices:
    ref: str | None
    services: tuple[str, ...]


@dataclass(frozen=True)
class SetCategory:
    ref: str | None
    category: str  # as typed; checked against the policy's taxonomy by the service


@dataclass(frozen=True)
class AddTags:
    ref: str | None
    tags: tuple[str, ...]  # normalised: lower case, each once


@dataclass(frozen=True)
class SetDetection:
    ref: str | None
    detection: Detection


@dataclass(frozen=True)
class SetImpactScope:
    ref: str | None
    scope: ImpactScope


@dataclass(frozen=True)
class AddNote:
    ref: str | None
    text: str


@dataclass(frozen=True)
class AddLink:
    ref: str | None
    url: str  # absolute http(s), as Slack markup unwrapped and unescaped
    kind: LinkKind
    title: str  # Slack markup; "" for none
    # When the linked thing happened, as written: a time of day (the latest past one, in the
    # organisation's timezone) or a datetime (naive: in that timezone). The clock resolves it.
    at: time | datetime | None = None


@dataclass(frozen=True)
class Resolve:
    ref: str | None
    summary: str
    fix: Fix | None = None  # what resolving did, when said


@dataclass(frozen=True)
class Reopen:
    ref: str | None
    reason: str


@dataclass(frozen=True)
class Close:
    ref: str | None


@dataclass(frozen=True)
class DraftPostmortem:
    ref: str | None


@dataclass(frozen=True)
class ExportPostmortem:
    ref: str | None


@dataclass(frozen=True)
class ReviewPostmortem:
    ref: str | None
    reviewers: tuple[str, ...]


@dataclass(frozen=True)
class PublishPostmortem:
    ref: str | None


@dataclass(frozen=True)
class AddAction:
    ref: str | None
    title: str
    owner: str | None
    # Either a date, or a span from today ("due:in 2w").
    due_on: date | None
    due_in: timedelta | None
    priority: Priority | None


@dataclass(frozen=True)
class ExportActions:
    """Sends the incident's open action items to the issue tracker (Jira)."""

    ref: str | None


@dataclass(frozen=True)
class ListActions:
    scope: Literal["mine", "open", "overdue", "all"]
    ref: str | None


@dataclass(frozen=True)
class ShowStats:
    range: str  # checked for its shape here; the period it names depends on the clock
    service: str | None
    severity: str | None
    public: bool  # posted in the channel rather than shown only to the asker


@dataclass(frozen=True)
class ExportIncidents:
    range: str


@dataclass(frozen=True)
class SearchIncidents:
    """Full-text search: `terms` (searched for as typed) and filters."""

    terms: tuple[str, ...]
    service: str | None = None
    severity: str | None = None
    status: Status | None = None
    after: date | None = None  # declared on or after that day
    before: date | None = None  # declared before that day
    text: str = ""  # what was typed after `search`, to ask again for the next page


@dataclass(frozen=True)
class ListIncidents:
    include_resolved: bool


@dataclass(frozen=True)
class Show:
    ref: str | None


@dataclass(frozen=True)
class FindRunbooks:
    """Searches the runbook library; no words: the current incident's runbooks, or all."""

    words: str


@dataclass(frozen=True)
class Help:
    pass


@dataclass(frozen=True)
class OpenProblem:
    """In an incident channel, also links its incident."""

    title: str


@dataclass(frozen=True)
class LinkProblem:
    problem: str  # PRB-0001
    ref: str | None  # the incident; None: the channel's


@dataclass(frozen=True)
class UnlinkProblem:
    ref: str | None


@dataclass(frozen=True)
class ShowProblem:
    problem: str | None  # None: the channel incident's problem (elsewhere: the list)


@dataclass(frozen=True)
class ListProblems:
    include_resolved: bool


@dataclass(frozen=True)
class SetProblemStatus:
    problem: str
    status: ProblemStatus
    note: str  # known error: the workaround; resolved: what removed the cause


@dataclass(frozen=True)
class SetProblemOwner:
    problem: str
    owner: str | None  # None: nobody


@dataclass(frozen=True)
class RecordFix:
    ref: str | None
    fix: Fix


@dataclass(frozen=True)
class Verify:
    ref: str | None
    how: Verification
    monitor_for: timedelta | None = None  # with monitoring: for how long from now


@dataclass(frozen=True)
class RecordRootCause:
    ref: str | None
    text: str  # "" when `unknown`
    unknown: bool = False


ClosingRequest = RecordFix | Verify | RecordRootCause


@dataclass(frozen=True)
class OpenUpdate:
    """Opens the status-update form."""

    ref: str | None


@dataclass(frozen=True)
class Subscribe:
    """Follows (or, without `follow`, stops following) an incident's updates by DM."""

    ref: str | None
    follow: bool


@dataclass(frozen=True)
class Publish:
    """Puts the incident on (or takes it off) the public status page."""

    ref: str | None
    publish: bool


UpdateRequest = OpenUpdate | Subscribe | Publish

ProblemRequest = (
    OpenProblem
    | LinkProblem
    | UnlinkProblem
    | ShowProblem
    | ListProblems
    | SetProblemStatus
    | SetProblemOwner
)


@dataclass(frozen=True)
class LocalMoment:
    """A date and time as a person typed it, in their own timezone: `day` is a date, or
    days from their today (0 today, 1 tomorrow)."""

    day: date | int
    clock: time

    def on(self, today: date) -> datetime:
        """The naive local datetime it names, given the person's today."""
        day = today + timedelta(days=self.day) if isinstance(self.day, int) else self.day
        return datetime.combine(day, self.clock)


@dataclass(frozen=True)
class ShowOncall:
    name: str | None  # a schedule or a service; None: all (in an incident channel: its)


@dataclass(frozen=True)
class AddOverride:
    user: str
    starts: LocalMoment
    ends: LocalMoment
    schedule: str | None  # None: the only schedule
    layer: str | None  # None: the schedule's first layer


@dataclass(frozen=True)
class TakeShift:
    schedule: str | None
    layer: str | None


@dataclass(frozen=True)
class ListOverrides:
    schedule: str | None


@dataclass(frozen=True)
class CancelOverride:
    override_id: int


@dataclass(frozen=True)
class EditRotation:
    """`add` (users: one; position: 1-based, None: last), `remove` (one) or `swap` (two)."""

    schedule: str | None  # None: the only schedule
    layer: str | None  # None: the schedule's first layer
    action: str
    users: tuple[str, ...]
    position: int | None = None


@dataclass(frozen=True)
class ShowLoad:
    schedule: str | None  # None: every schedule


OncallRequest = (
    ShowOncall | AddOverride | TakeShift | ListOverrides | CancelOverride | ShowLoad | EditRotation
)


@dataclass(frozen=True)
class AckPages:
    ref: str | None


@dataclass(frozen=True)
class PageSomeone:
    who: str  # a user ID, or `schedule` / `schedule/layer`
    ref: str | None


PagingRequest = AckPages | PageSomeone


@dataclass(frozen=True)
class AuditLogRequest:
    """`/incident admin audit [export] [range|INC-…]`: the audit log, for admins; `export`
    sends it as a CSV file."""

    query: str
    export: bool = False


@dataclass(frozen=True)
class ManageTokens:
    """`/incident admin token create <name> [read|write] [private]`, `revoke <name>`, `list`."""

    action: str  # create, revoke or list
    name: str = ""
    scope: TokenScope = TokenScope.READ
    private: bool = False


Request = (
    AuditLogRequest
    | ManageTokens
    | Declare
    | SetStatus
    | SetSeverity
    | AssignRole
    | SetServices
    | SetCategory
    | AddTags
    | SetDetection
    | SetImpactScope
    | AddNote
    | AddLink
    | Resolve
    | Reopen
    | Close
    | DraftPostmortem
    | ExportPostmortem
    | ReviewPostmortem
    | PublishPostmortem
    | AddAction
    | ExportActions
    | ListActions
    | ShowStats
    | ExportIncidents
    | SearchIncidents
    | ListIncidents
    | Show
    | FindRunbooks
    | Help
    | ProblemRequest
    | ClosingRequest
    | OncallRequest
    | PagingRequest
    | UpdateRequest
)
