"""Action-item use cases: create, list, complete with evidence, reassign, cancel."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import Policy, Priority
from bot.errors import IncidentError, NothingChanged
from bot.incidents import IncidentService
from bot.ports import ActionItemStore, Clock
from models import ActionItem, ActionStatus, EntryKind, Incident

Scope = Literal["mine", "open", "overdue", "all"]
DEFAULT_PRIORITY: Priority = "p2"
_MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class NewItem:
    title: str
    owner: str | None = None
    due_on: date | None = None
    due_in: timedelta | None = None
    priority: Priority | None = None
    source_url: str | None = None


class ActionItemService:
    def __init__(
        self, store: ActionItemStore, incidents: IncidentService, policy: Policy, clock: Clock
    ) -> None:
        self._store, self._incidents, self._policy, self._clock = store, incidents, policy, clock

    def today(self) -> date:
        """Today in the organisation's timezone: due dates are its days."""
        return self._clock().astimezone(ZoneInfo(self._policy.timezone)).date()

    def create(self, incident_id: int, actor: str, item: NewItem) -> ActionItem:
        """Stores an action item (owner: the author unless named; due: as given, else by
        priority) and records it on the incident's timeline."""
        incident = self._incidents.get(incident_id)
        priority = item.priority or DEFAULT_PRIORITY
        due_on = item.due_on or self.today() + (item.due_in or self._policy.due_after(priority))
        if due_on < self.today():
            raise IncidentError(f"{due_on.isoformat()} is in the past; pick a later due date.")
        now = self._clock()
        created = self._store.add(
            ActionItem.model_validate(
                {
                    "incident_id": incident_id,
                    "title": item.title.strip(),
                    "owner": item.owner or actor,
                    "created_by": actor,
                    "priority": priority,
                    "due_on": due_on,
                    "status": ActionStatus.OPEN,
                    "source_url": item.source_url,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        )
        self._record(incident, created, actor, "added")
        return created

    def list(
        self,
        viewer: str,
        scope: Scope,
        incident_id: int | None = None,
        channel_id: str | None = None,
        limit: int = 40,
    ) -> list[ActionItem]:
        """Items for `scope`: the viewer's open ones, all open, overdue, or everything;
        within one incident when given; never of a private incident the viewer may not see.
        Overdue first, then by due date."""
        found = self._store.find(
            owner=viewer if scope == "mine" else None,
            open_only=scope != "all",
            due_before=self.today() if scope == "overdue" else None,
            incident_id=incident_id,
            limit=limit,
        )
        seen: dict[int, bool] = {}
        for item in found:
            if item.incident_id not in seen:
                incident = self._incidents.get(item.incident_id)
                seen[item.incident_id] = self._incidents.visible(incident, viewer, channel_id)
        shown = [i for i in found if seen[i.incident_id]]
        return sorted(shown, key=lambda i: (i.status is not ActionStatus.OPEN, i.due_on, i.id))

    def complete(self, item_id: int, actor: str, evidence: str) -> ActionItem:
        """Done, with evidence (a note or a link) of what was done."""
        if not evidence.strip():
            raise IncidentError("Say what was done, or link to it: completion needs evidence.")

        def mutate(item: ActionItem, now: datetime) -> None:
            _still_open(item)
            item.status, item.evidence = ActionStatus.DONE, evidence.strip()
            item.completed_at, item.closed_by = now, actor

        return self._change(item_id, mutate, actor, "completed")

    def reassign(self, item_id: int, actor: str, owner: str) -> ActionItem:
        def mutate(item: ActionItem, now: datetime) -> None:
            _still_open(item)
            if item.owner == owner:
                raise NothingChanged(f"<@{owner}> already owns it.")
            item.owner = owner

        return self._change(item_id, mutate, actor, "reassigned")

    def reschedule(self, item_id: int, actor: str, due_on: date) -> ActionItem:
        if due_on < self.today():
            raise IncidentError(f"{due_on.isoformat()} is in the past; pick a later due date.")

        def mutate(item: ActionItem, now: datetime) -> None:
            _still_open(item)
            item.due_on = due_on

        return self._change(item_id, mutate, actor, "rescheduled")

    def cancel(self, item_id: int, actor: str, reason: str) -> ActionItem:
        if not reason.strip():
            raise IncidentError("Say why it is cancelled.")

        def mutate(item: ActionItem, now: datetime) -> None:
            _still_open(item)
            item.status, item.cancel_reason = ActionStatus.CANCELLED, reason.strip()
            item.completed_at, item.closed_by = now, actor

        return self._change(item_id, mutate, actor, "cancelled")

    def get(self, item_id: int) -> ActionItem:
        item = self._store.get(item_id)
        if item is None:
            raise IncidentError("That action item no longer exists.")
        return item

    def _change(
        self,
        item_id: int,
        mutate: Callable[[ActionItem, datetime], None],
        actor: str,
        verb: str,
    ) -> ActionItem:
        """Compare-and-set on the item's version, retried on a race: two clicks, one change."""
        for _ in range(_MAX_ATTEMPTS):
            item = self.get(item_id)
            version, now = item.version, self._clock()
            mutate(item, now)
            item.updated_at = now
            if self._store.save(item, version):
                item.version = version + 1
                self._record(self._incidents.get(item.incident_id), item, actor, verb)
                return item
        raise IncidentError("Too many people changed this action item at once; try again.")

    def _record(self, incident: Incident, item: ActionItem, actor: str, verb: str) -> None:
        assert incident.id is not None
        self._incidents.record_event(
            incident.id,
            EntryKind.ACTION_ITEM,
            actor,
            f"Action item {verb}: {item.title}",
            {
                "item": item.id,
                "verb": verb,
                "title": item.title,
                "owner": item.owner,
                "due_on": item.due_on.isoformat(),
                "priority": item.priority,
                "evidence": item.evidence,
                "reason": item.cancel_reason,
            },
        )


def _still_open(item: ActionItem) -> None:
    if item.status is not ActionStatus.OPEN:
        raise NothingChanged(f"That action item is already {item.status.value}.")
