"""Problem use cases: open a problem record (from an incident or not), link and unlink
incidents, change its status and owner, show and list; and telling an incident's channel
that it recurs (`bot.recurrence`), with a way to open or link a problem from there."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from bot.audit import change_audit
from bot.errors import IncidentError, NothingChanged, ProblemNotFound
from bot.incidents import Change, IncidentService, Mutated, system_entry
from bot.ports import Clock, ProblemStore
from bot.problem_commands import MAX_NOTE, MAX_PROBLEM_TITLE
from bot.recurrence import WINDOW, Past, Recurrence, describe, recurrence
from bot.refs import normalise_problem_ref
from models import (
    ActionItem,
    ActionStatus,
    EntryKind,
    Fix,
    Incident,
    Problem,
    ProblemStatus,
    Status,
    TimelineEntry,
)

_MAX_ATTEMPTS: Final = 10
LIST_LIMIT: Final = 50


@dataclass(frozen=True)
class Opened:
    problem: Problem
    change: Change | None = None  # the incident it was opened from, linked


@dataclass(frozen=True)
class Linked:
    problem: Problem
    change: Change
    previous: str | None = None  # the problem the incident belonged to before
    reopened: bool = False  # the problem was resolved: its cause is back


@dataclass(frozen=True)
class Details:
    """A problem as one person may see it."""

    problem: Problem
    incidents: list[Incident]  # those the viewer may see, oldest first
    hidden: int  # private incidents the viewer may not see
    items: list[ActionItem] = field(default_factory=list)  # of the incidents shown

    @property
    def open_items(self) -> int:
        return sum(i.status is ActionStatus.OPEN for i in self.items)


class ProblemService:
    def __init__(
        self,
        store: ProblemStore,
        incidents: IncidentService,
        clock: Clock,
        teams: Mapping[str, str] | None = None,
    ) -> None:
        self._store, self._incidents, self._clock = store, incidents, clock
        # Each catalogue service's team (lower-cased name -> team): a problem opened from
        # an incident is owned by its services' team.
        self._teams = {name.casefold(): team for name, team in (teams or {}).items() if team}

    def get(self, ref: str) -> Problem:
        """The problem `PRB-0001` (any case); raises ProblemNotFound."""
        normal = normalise_problem_ref(ref)
        problem = self._store.get(normal) if normal else None
        if problem is None:
            raise ProblemNotFound(ref)
        return problem

    def of_incident(self, incident: Incident) -> Problem | None:
        return self._store.by_id(incident.problem_id) if incident.problem_id else None

    def open(self, title: str, actor: str, incident_id: int | None = None) -> Opened:
        """Opens a problem. From an incident it links the incident (recorded on its
        timeline) and copies its services, category (set or suggested) and, when no title
        is given, its title; a private incident lends neither title nor description."""
        title = _checked(title.strip(), MAX_PROBLEM_TITLE, "title")
        if incident_id is None:
            if not title:
                raise IncidentError("What is the problem? Give it a title.")
            problem = self._new(self._ref(), title, actor)
            audit = change_audit(
                problem.created_at, actor, "problem_opened", problem.ref, {"title": problem.title}
            )
            return Opened(self._store.add(problem, audit))
        incident = self._incidents.get(incident_id)
        _not_linked_yet(incident, self._store.by_id)
        ref = self._ref()
        made: list[Problem] = []

        def mutate(current: Incident, now: datetime) -> Mutated:
            _not_linked_yet(current, self._store.by_id)
            made[:] = [self._from_incident(ref, title, actor, current)]
            data = {"problem": ref, "title": made[0].title, "from": None, "opened": True}
            return [system_entry(EntryKind.PROBLEM_LINKED, now, actor, f"Opened {ref}", data)], []

        def save(current: Incident, version: int, entries: list[TimelineEntry], _: Any) -> bool:
            return self._store.add_linked(made[0], current, version, entries)

        change = self._incidents.change(incident_id, mutate, allow_closed=True, save=save)
        return Opened(made[0], change)

    def link(self, ref: str, incident_id: int, actor: str) -> Linked:
        """Links the incident to the problem (moving it from another one, if it had one);
        recorded on its timeline. Closed incidents may be linked: problems are often worked
        after their incidents. A resolved problem is reopened: its cause is back."""
        problem = self.get(ref)
        previous: list[str | None] = [None]

        def mutate(incident: Incident, now: datetime) -> Mutated:
            if incident.problem_id == problem.id:
                raise NothingChanged(f"{incident.ref} already belongs to {problem.ref}.")
            before = self._store.by_id(incident.problem_id) if incident.problem_id else None
            previous[0] = before.ref if before else None
            incident.problem_id = problem.id
            data = {"problem": problem.ref, "title": problem.title, "from": previous[0]}
            return [
                system_entry(EntryKind.PROBLEM_LINKED, now, actor, f"Problem {problem.ref}", data)
            ], []

        change = self._incidents.change(incident_id, mutate, allow_closed=True)
        if problem.status is ProblemStatus.RESOLVED:
            assert problem.id is not None
            note = f"{change.incident.ref} recurred"
            problem = self._change(problem.id, _to_status(ProblemStatus.OPEN, actor, note))
            return Linked(problem, change, previous[0], reopened=True)
        return Linked(problem, change, previous[0])

    def unlink(self, incident_id: int, actor: str) -> Change:
        """Takes the incident out of its problem; recorded on its timeline."""

        def mutate(incident: Incident, now: datetime) -> Mutated:
            problem = self._store.by_id(incident.problem_id) if incident.problem_id else None
            if problem is None:
                raise NothingChanged(f"{incident.ref} is not linked to a problem.")
            incident.problem_id = None
            data = {"problem": problem.ref, "title": problem.title}
            text = f"No longer part of {problem.ref}"
            return [system_entry(EntryKind.PROBLEM_UNLINKED, now, actor, text, data)], []

        return self._incidents.change(incident_id, mutate, allow_closed=True)

    def set_status(self, ref: str, status: ProblemStatus, actor: str, note: str = "") -> Problem:
        """Moves the problem to `status` (any other). A known error needs its workaround,
        given now or earlier; resolving stamps `resolved_at` (its note: what removed the
        cause); leaving resolved clears it."""
        problem = self.get(ref)
        assert problem.id is not None
        note = _checked(note.strip(), MAX_NOTE, "note")
        return self._change(problem.id, _to_status(status, actor, note))

    def set_owner(self, ref: str, owner: str | None, actor: str) -> Problem:
        """Gives the problem an owner (None: nobody)."""
        problem = self.get(ref)
        assert problem.id is not None

        def mutate(current: Problem, now: datetime) -> None:
            if current.owner == owner:
                who = f"<@{owner}>" if owner else "nobody"
                raise NothingChanged(f"{current.ref} is already owned by {who}.")
            current.owner = owner
            _remember(current, now, actor, "owner", owner or "")

        return self._change(problem.id, mutate)

    def details(self, problem: Problem, viewer: str, channel_id: str | None) -> Details:
        """The problem with its incidents and their action items, as `viewer` (asking in
        `channel_id`) may see them: private incidents are counted, not shown."""
        assert problem.id is not None
        linked = self._store.incidents(problem.id)
        shown = [i for i in linked if self._incidents.visible(i, viewer, channel_id)]
        items = self._store.action_items([i.id for i in shown if i.id is not None])
        return Details(problem, shown, len(linked) - len(shown), items)

    def list_problems(self, *, include_resolved: bool = False) -> list[tuple[Problem, int]]:
        """Open and known-error problems (all, with `include_resolved`), newest first, each
        with its number of incidents."""
        return self._store.problems(include_resolved=include_resolved, limit=LIST_LIMIT)

    def check_recurrence(self, incident_id: int) -> TimelineEntry | None:
        """When the incident recurs (`bot.recurrence`), records so on its timeline, to be
        posted in its channel with buttons to open or link a problem. Once per incident and
        category: checking again (retries, racing replicas, the category confirmed) records
        nothing. None when nothing was recorded."""
        incident = self._incidents.get(incident_id)
        if incident.status is Status.CLOSED or not incident.services:
            return None
        suggested = self._store.suggested_categories([incident_id]).get(incident_id)
        this = _past(incident, incident.category or suggested)
        if this.category is None:
            return None
        others = self._store.declared_between(incident.declared_at - WINDOW, incident.declared_at)
        guesses = self._store.suggested_categories(
            [o.id for o in others if o.id and not o.category]
        )
        found = recurrence(this, [_past(o, o.category or guesses.get(o.id or 0)) for o in others])
        if found is None:
            return None
        try:
            change = self._incidents.change(incident_id, self._tell(found))
        except IncidentError:  # told already, or closed meanwhile
            return None
        return change.entries[0]

    def _tell(self, found: Recurrence) -> Callable[[Incident, datetime], Mutated]:
        offered = self._store.by_id(found.problem_id) if found.problem_id else None

        def mutate(incident: Incident, now: datetime) -> Mutated:
            assert incident.id is not None
            told = self._store.entries_of(incident.id, EntryKind.RECURRENCE)
            if any(
                str(e.data.get("category")).casefold() == found.category.casefold() for e in told
            ):
                raise NothingChanged(f"{incident.ref} was told of this recurrence already.")
            linked = self._store.by_id(incident.problem_id) if incident.problem_id else None
            data: dict[str, object] = {
                "service": found.service,
                "category": found.category,
                "count": found.count,
                "refs": [p.ref for p in found.earlier],
                "offered": offered.ref if offered else None,
                "linked": linked.ref if linked else None,
            }
            return [system_entry(EntryKind.RECURRENCE, now, None, describe(found), data)], []

        return mutate

    def _ref(self) -> str:
        return f"PRB-{self._store.next_number():04d}"

    def _new(self, ref: str, title: str, actor: str, **more: object) -> Problem:
        now = self._clock()
        return Problem.model_validate(
            {
                "ref": ref,
                "title": title,
                "status": ProblemStatus.OPEN,
                "created_by": actor,
                "created_at": now,
                "updated_at": now,
                "history": [{"at": now.isoformat(), "by": actor, "what": "opened", "to": ""}],
                **more,
            }
        )

    def _from_incident(self, ref: str, title: str, actor: str, incident: Incident) -> Problem:
        assert incident.id is not None
        suggested = self._store.suggested_categories([incident.id]).get(incident.id)
        category = incident.category or suggested
        if not title:
            title = incident.title if not incident.private else _private_title(incident, category)
        team = next((t for s in incident.services if (t := self._teams.get(s.casefold()))), "")
        # A workaround already applied is how to live with the problem meanwhile.
        applied = incident.fix is Fix.WORKAROUND and not incident.private
        return self._new(
            ref,
            title[:MAX_PROBLEM_TITLE],
            actor,
            description="" if incident.private else incident.description,
            workaround=incident.resolution_summary if applied else "",
            services=list(incident.services),
            category=category,
            team=team,
        )

    def _change(self, problem_id: int, mutate: Callable[[Problem, datetime], None]) -> Problem:
        """Applies `mutate` to a fresh copy and saves it compare-and-set, retrying on a race
        (re-running `mutate` on the winner's state, which may refuse it as 'already')."""
        for _ in range(_MAX_ATTEMPTS):
            problem = self._store.by_id(problem_id)
            if problem is None:
                raise ProblemNotFound(str(problem_id))
            version, now = problem.version, self._clock()
            mutate(problem, now)
            problem.updated_at = now
            change = problem.history[-1]
            details = {"to": change.get("to", ""), "note": change.get("note", "")}
            action = f"problem_{change['what']}"
            audit = change_audit(now, change.get("by"), action, problem.ref, details)
            if self._store.save(problem, version, audit):  # audited in the same transaction
                problem.version = version + 1
                return problem
        raise IncidentError("Too many people changed this problem at once; please try again.")


def _to_status(status: ProblemStatus, actor: str, note: str) -> Callable[[Problem, datetime], None]:
    def mutate(problem: Problem, now: datetime) -> None:
        if problem.status is status:
            raise NothingChanged(f"{problem.ref} is already {status.label.lower()}.")
        if status is ProblemStatus.KNOWN_ERROR:
            if not (note or problem.workaround):
                raise IncidentError(
                    "A known error needs its workaround (or what is known of the cause): "
                    f"`/incident problem status {problem.ref} known-error <workaround>`."
                )
            problem.workaround = note or problem.workaround
        if status is ProblemStatus.RESOLVED:
            problem.resolved_at = now
            problem.resolution = note or problem.resolution
        else:
            problem.resolved_at = None
        problem.status = status
        _remember(problem, now, actor, "status", status.value, note)

    return mutate


def _remember(
    problem: Problem, now: datetime, actor: str, what: str, to: str, note: str = ""
) -> None:
    change = {"at": now.isoformat(), "by": actor, "what": what, "to": to, "note": note}
    problem.history = [*problem.history, change]  # reassigned: JSON is not mutable


def _not_linked_yet(incident: Incident, by_id: Callable[[int], Problem | None]) -> None:
    """Refuses to open a second problem from an incident (a double click, a race)."""
    linked = by_id(incident.problem_id) if incident.problem_id else None
    if linked is not None:
        raise NothingChanged(f"{incident.ref} already belongs to {linked.ref} ({linked.title}).")


def _private_title(incident: Incident, category: str | None) -> str:
    """A title that names no private detail: the category and services, when known."""
    where = f" on {', '.join(incident.services)}" if incident.services else ""
    return f"{category or 'Problem'}{where} (from a private incident)"


def _checked(text: str, limit: int, what: str) -> str:
    if len(text) > limit:
        raise IncidentError(f"The {what} is {len(text)} characters; keep it under {limit}.")
    return text


def _past(incident: Incident, category: str | None) -> Past:
    assert incident.id is not None
    return Past(
        incident.id,
        incident.ref,
        incident.declared_at,
        tuple(incident.services),
        category,
        incident.problem_id,
        incident.private,
    )
