"""The facts of a post-mortem, computed from what is stored; never written by a model. Pure."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.checklist import Checklist
from bot.config import Policy
from bot.metrics import Measures
from bot.similar import Similar
from models import (
    EntryKind,
    Incident,
    IncidentLink,
    Postmortem,
    PostmortemStatus,
    Role,
    TimelineEntry,
)


@dataclass(frozen=True)
class SeverityChange:
    at: datetime
    before: str
    after: str


@dataclass(frozen=True)
class Facts:
    incident: Incident
    severity_name: str
    # Severity as declared, then every change.
    severity_history: tuple[SeverityChange, ...]
    roles: dict[Role, str]
    # Everyone who held a role or spoke in the channel, in order of first appearance.
    responders: tuple[str, ...]
    measures: Measures
    messages: int
    status: PostmortemStatus
    author: str | None
    reviewers: tuple[str, ...]
    due_at: datetime | None
    published_at: datetime | None
    written_at: datetime
    # What was linked to the incident (deploys, dashboards, tickets…), oldest first.
    links: tuple[IncidentLink, ...] = ()
    # Past incidents like this one, most alike first.
    similar: tuple[Similar, ...] = ()
    # From the policy's priority matrix (P1 to P5); None when it is off or the scope unknown.
    priority: str | None = None
    # The closing checklist as it stands (None: the severity checks nothing).
    checklist: Checklist | None = None
    # How the incident closed, for the status line ("" while it is open).
    closed: str = ""

    @property
    def commander(self) -> str | None:
        return self.roles.get(Role.COMMANDER)


def gather_facts(
    incident: Incident,
    roles: dict[Role, str],
    entries: Sequence[TimelineEntry],
    record: Postmortem,
    policy: Policy,
    now: datetime,
    links: Sequence[IncidentLink] = (),
    similar: Sequence[Similar] = (),
    checklist: Checklist | None = None,
    closed: str = "",
) -> Facts:
    """Everything the draft states as fact, from the incident, its roles, its timeline and
    its links."""
    severity = policy.severity(incident.severity)
    changes = tuple(
        SeverityChange(e.occurred_at, e.data.get("from", ""), e.data.get("to", ""))
        for e in entries
        if e.kind is EntryKind.SEVERITY_CHANGED
    )
    speakers = [e.author for e in entries if e.kind is EntryKind.MESSAGE and e.author]
    responders = tuple(dict.fromkeys([*roles.values(), *speakers]))
    return Facts(
        incident=incident,
        severity_name=severity.name if severity else incident.severity.upper(),
        severity_history=changes,
        roles=roles,
        responders=responders,
        measures=Measures.of(incident),
        messages=sum(1 for e in entries if e.kind is EntryKind.MESSAGE),
        status=record.status,
        author=record.author,
        reviewers=tuple(record.reviewers),
        due_at=record.due_at,
        published_at=record.published_at,
        written_at=now,
        links=tuple(links),
        similar=tuple(similar),
        priority=policy.priority_matrix.of(incident.severity, incident.impact_scope),
        checklist=checklist if checklist and checklist.items else None,
        closed=closed,
    )
