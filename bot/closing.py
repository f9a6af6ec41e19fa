"""Closing with discipline: the closing checklist and its answers, what resolving did
(a permanent fix or a workaround, handed over to a problem record), and how the resolution
was verified."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from bot.categories import find_category
from bot.checklist import (
    MAX_REASON,
    MAX_ROOT_CAUSE,
    Answers,
    Checklist,
    assess,
)
from bot.commands import MAX_TEXT
from bot.config import Policy
from bot.errors import IncidentError, NothingChanged
from bot.incidents import Change, IncidentService, Mutated, system_entry
from bot.permissions import Permission
from bot.ports import ActionItemStore, PostmortemStore
from bot.problems import ProblemService
from models import (
    ActionStatus,
    EntryKind,
    Fix,
    Incident,
    Problem,
    Role,
    Status,
    TimelineEntry,
    Verification,
)

MAX_MONITORING: Final = timedelta(days=14)


class ClosingCheck:
    """An incident's closing checklist, as its severity asks, from what is stored."""

    def __init__(
        self, postmortems: PostmortemStore, items: ActionItemStore, policy: Policy
    ) -> None:
        self._postmortems, self._items, self._policy = postmortems, items, policy

    def __call__(self, incident: Incident) -> Checklist:
        assert incident.id is not None
        severity = self._policy.severity(incident.severity)
        required = severity.close_checklist if severity else ()
        record = self._postmortems.get(incident.id)
        items = self._items.find(
            owner=None, open_only=False, due_before=None, incident_id=incident.id, limit=500
        )
        counted = sum(1 for item in items if item.status is not ActionStatus.CANCELLED)
        return assess(
            incident,
            required,
            postmortem=record.status if record else None,
            action_items=counted,
        )


@dataclass(frozen=True)
class Resolved:
    change: Change
    # The problem a workaround was handed over to (opened now, or already linked).
    problem: Problem | None = None
    opened: bool = False


class ClosingService:
    def __init__(
        self,
        incidents: IncidentService,
        check: ClosingCheck,
        problems: ProblemService,
        policy: Policy,
    ) -> None:
        self._incidents, self._check, self._problems = incidents, check, problems
        self._policy = policy

    def checklist(self, incident_id: int) -> Checklist:
        return self._check(self._incidents.get(incident_id))

    def answer(self, incident_id: int, actor: str, answers: Answers) -> Change:
        """Records the checklist answers given (raises IncidentError, naming the answer, for
        one that can't be taken: nothing is recorded then)."""
        category = _category(self._policy, answers.category)
        commander = self._incidents.roles(incident_id).get(Role.COMMANDER)
        if answers.postmortem_waiver and actor != commander:
            raise AnswerRefused(
                "postmortem",
                "Only the commander may waive the post-mortem"
                + (f" (<@{commander}>)." if commander else ": claim the role first."),
            )

        def mutate(incident: Incident, now: datetime) -> Mutated:
            return _answered(incident, now, actor, answers, category), []

        return self._incidents.change(incident_id, mutate, allow_closed=False)

    def close(self, incident_id: int, actor: str, answers: Answers | None = None) -> Change:
        """Records `answers`, then closes if the checklist is complete (raises
        ChecklistIncomplete naming what is missing otherwise; the answers stay recorded)."""
        # Before the answers are recorded: a refused closer changes nothing.
        self._incidents.authorize(Permission.CLOSE, incident_id, actor)
        if answers is not None and answers.given:
            self.answer(incident_id, actor, answers)
        return self._incidents.close(incident_id, actor)

    def resolve(self, incident_id: int, actor: str, summary: str, fix: Fix | None) -> Resolved:
        """Resolves, saying what the fix was; a workaround is handed over (see record_fix)."""
        change = self._incidents.resolve(incident_id, actor, summary)
        if fix is None:
            return Resolved(change)
        return self.record_fix(incident_id, actor, fix)

    def record_fix(self, incident_id: int, actor: str, fix: Fix) -> Resolved:
        """Records what the fix was. A workaround leaves "permanent fix pending" on the
        incident and, where its severity says so, opens a problem record from it (or keeps
        the one it is linked to): exactly one, linked both ways."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.fix is fix:
                raise NothingChanged(f"{incident.ref} is already recorded as: {fix.label}.")
            before, incident.fix = incident.fix, fix
            data = {"from": before.value if before else None, "to": fix.value}
            return [system_entry(EntryKind.FIX_RECORDED, now, actor or None, fix.label, data)], []

        change = self._incidents.change(incident_id, mutate, allow_closed=True)
        incident = change.incident
        severity = self._policy.severity(incident.severity)
        if fix is not Fix.WORKAROUND or not (severity and severity.workaround_opens_problem):
            return Resolved(change)
        if (linked := self._problems.of_incident(incident)) is not None:
            return Resolved(change, linked)
        title = f"Permanent fix for {incident.ref}: {incident.title}"[:200]
        try:
            opened = self._problems.open(title, actor, incident_id)
        except IncidentError:  # linked meanwhile, by a racing click
            return Resolved(change, self._problems.of_incident(self._incidents.get(incident_id)))
        return Resolved(change, opened.problem, opened=True)

    def verify(
        self,
        incident_id: int,
        actor: str,
        how: Verification,
        until: datetime | None = None,
    ) -> Change:
        """Records how the resolution was verified; monitoring needs its end (at most
        MAX_MONITORING ahead), and the incident shows as resolved-monitoring until then."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.status is not Status.RESOLVED:
                raise IncidentError(f"{incident.ref} is {incident.status.value}: resolve it first.")
            watching = how is Verification.MONITORING
            if watching and (until is None or not now < until <= now + MAX_MONITORING):
                raise IncidentError("Monitor until a time within the next 14 days.")
            incident.verification = how
            incident.monitoring_until = until if how is Verification.MONITORING else None
            text = f"Verified: {how.label}"
            data: dict[str, object] = {"how": how.value}
            if incident.monitoring_until:
                data["until"] = incident.monitoring_until.isoformat()
            return [system_entry(EntryKind.VERIFIED, now, actor, text, data)], []

        return self._incidents.change(incident_id, mutate)


class AnswerRefused(IncidentError):
    """One checklist answer can't be taken; `item` names it, for the form to point at."""

    def __init__(self, item: str, message: str) -> None:
        super().__init__(message)
        self.item = item


def _category(policy: Policy, wanted: str | None) -> str | None:
    if not wanted:
        return None
    found = find_category(policy.categories, wanted)
    if found is None:
        raise AnswerRefused("category", f"`{wanted[:60]}` is not a category.")
    return found


def _answered(
    incident: Incident, now: datetime, actor: str, answers: Answers, category: str | None
) -> list[TimelineEntry]:
    """Applies `answers` to `incident`; the entries recording them."""
    entries = []
    said: list[str] = []
    if answers.resolution and answers.resolution.strip() != incident.resolution_summary:
        incident.resolution_summary = _bounded(answers.resolution, MAX_TEXT, "resolution")
        said.append("resolution summary recorded")
    if answers.root_cause and answers.root_cause.strip() != incident.root_cause:
        incident.root_cause = _bounded(answers.root_cause, MAX_ROOT_CAUSE, "root_cause")
        incident.root_cause_unknown = False
        data = {"root_cause": incident.root_cause, "unknown": False}
        entries.append(system_entry(EntryKind.ROOT_CAUSE, now, actor, "Root cause recorded", data))
    elif answers.root_cause_unknown and not incident.root_cause_unknown:
        incident.root_cause, incident.root_cause_unknown = "", True
        data = {"root_cause": "", "unknown": True}
        text = "Root cause unknown (decided deliberately)"
        entries.append(system_entry(EntryKind.ROOT_CAUSE, now, actor, text, data))
    if category and category != incident.category:
        before, incident.category = incident.category, category
        data = {"from": before, "to": category, "confirmed": False}
        entries.append(
            system_entry(EntryKind.CATEGORY_CHANGED, now, actor, f"Category: {category}", data)
        )
    closing = dict(incident.closing)
    for key, value, what in (
        ("postmortem", answers.postmortem_waiver, "post-mortem waived"),
        ("follow_up", answers.no_follow_up, "no follow-up needed"),
    ):
        if value and value.strip() != closing.get(key):
            closing[key] = _bounded(value, MAX_REASON, key)
            said.append(f"{what}: {closing[key]}")
    if answers.runbook and answers.runbook != closing.get("runbook"):
        closing["runbook"] = answers.runbook
        said.append("runbook " + answers.runbook.replace("_", " "))
    incident.closing = closing  # reassigned: JSON columns see no change made in place
    if said:
        text = "Closing checklist: " + "; ".join(said)
        data = {"answers": said}
        entries.append(system_entry(EntryKind.CHECKLIST, now, actor, text, data))
    if not entries:
        raise NothingChanged(f"{incident.ref} already has those answers.")
    return entries


def _bounded(text: str, limit: int, item: str) -> str:
    text = text.strip()
    if len(text) > limit:
        raise AnswerRefused(item, f"That's {len(text)} characters; at most {limit}.")
    return text
