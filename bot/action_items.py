"""Action-item use cases: create (by command, from a message, from a post-mortem proposal),
list, complete with evidence, reassign, reschedule, cancel, and the follow-through report."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import Policy, Priority
from bot.errors import DueDateInPast, IncidentError, NothingChanged
from bot.follow_through import Report, report
from bot.incidents import IncidentService
from bot.ports import ActionItemStore, Clock, PostmortemStore
from bot.postmortem.draft import draft_stamp, proposals
from bot.postmortem.narrative import Narrative
from models import ActionItem, ActionStatus, EntryKind, Incident

Scope = Literal["mine", "open", "overdue", "all"]
DEFAULT_PRIORITY: Priority = "p2"
MAX_TITLE = 500
_MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class NewItem:
    title: str
    owner: str | None = None
    due_on: date | None = None
    due_in: timedelta | None = None
    priority: Priority | None = None
    source_url: str | None = None
    # Identifies the request that asked, so a repeated one creates the item once.
    request_key: str | None = None


@dataclass(frozen=True)
class Proposed:
    """An action item a post-mortem draft proposes, and the item it became once accepted."""

    index: int
    title: str
    priority: Priority
    owner: str | None
    due_on: date
    accepted: ActionItem | None


@dataclass(frozen=True)
class Proposals:
    # Names the draft they came from: a newer draft's proposals replace these.
    draft: str
    items: tuple[Proposed, ...]


@dataclass(frozen=True)
class Home:
    """What a person's App Home shows."""

    items: list[ActionItem]  # their open items, overdue first
    refs: dict[int, str]  # incident ID -> ref, for the items
    incidents: list[Incident]  # the open incidents they are in
    other_open: int  # open incidents (they may see) they are not in
    report: Report
    today: date
    now: datetime


# How many of a person's items and open incidents the App Home reads: far more than it shows,
# so that its counts are right.
_HOME_READS = 500


class ActionItemService:
    def __init__(
        self,
        store: ActionItemStore,
        incidents: IncidentService,
        postmortems: PostmortemStore,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._store, self._incidents, self._postmortems = store, incidents, postmortems
        self._policy, self._clock = policy, clock

    def today(self) -> date:
        """Today in the organisation's timezone: due dates are its days."""
        return self._clock().astimezone(ZoneInfo(self._policy.timezone)).date()

    def create(self, incident_id: int, actor: str, item: NewItem) -> ActionItem:
        """Stores an action item (owner: the author unless named; due: as given, else by
        priority) and records it on the incident's timeline. A request seen before returns
        the item it made."""
        incident = self._incidents.get(incident_id)
        priority = item.priority or DEFAULT_PRIORITY
        due_on = item.due_on or self.today() + (item.due_in or self._policy.due_after(priority))
        if due_on < self.today():
            raise DueDateInPast(due_on)
        if not item.title.strip():
            raise IncidentError("What needs doing? Write the action item's text.")
        if len(item.title.strip()) > MAX_TITLE:
            raise IncidentError(
                f"The action item is {len(item.title.strip())} characters; keep it under "
                f"{MAX_TITLE}."
            )
        now = self._clock()
        created, new = self._store.add(
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
                    "request_key": item.request_key,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        )
        if new:
            self._record(incident, created, actor, "added")
        return created

    def proposals(self, incident_id: int) -> Proposals | None:
        """The action items the latest post-mortem draft proposes; None without one."""
        record = self._postmortems.get(incident_id)
        if record is None or record.drafted_at is None or not record.narrative:
            return None
        drafted = record.drafted_at
        draft = draft_stamp(drafted)
        proposed = proposals(Narrative.model_validate(record.narrative), self._policy, drafted)
        keys = [_proposal_key(draft, index) for index in range(len(proposed))]
        accepted = {i.request_key: i for i in self._store.by_request_keys(incident_id, keys)}
        zone = ZoneInfo(self._policy.timezone)
        return Proposals(
            draft,
            tuple(
                Proposed(
                    index,
                    p.title,
                    p.priority,
                    p.owner,
                    max(p.due.astimezone(zone).date(), self.today()),
                    accepted.get(keys[index]),
                )
                for index, p in enumerate(proposed)
            ),
        )

    def accept_proposal(self, incident_id: int, actor: str, draft: str, index: int) -> ActionItem:
        """Makes the draft's proposal `index` a real action item, once however often it is
        accepted. Owner: the one proposed, else whoever accepts it."""
        found = self.proposals(incident_id)
        if found is None or found.draft != draft:
            raise IncidentError(
                "Those proposals are from an earlier post-mortem draft; accept them from the "
                "latest draft's post."
            )
        if not 0 <= index < len(found.items):
            raise IncidentError("That proposal isn't in the post-mortem draft.")
        proposal = found.items[index]
        if proposal.accepted is not None:
            raise NothingChanged(f"*{proposal.title}* is already an action item.")
        wanted = NewItem(
            proposal.title,
            owner=proposal.owner,
            due_on=proposal.due_on,
            priority=proposal.priority,
            request_key=_proposal_key(draft, index),
        )
        return self.create(incident_id, actor, wanted)

    def list(
        self,
        viewer: str,
        scope: Scope,
        incident_id: int | None = None,
        channel_id: str | None = None,
        limit: int = 40,
    ) -> list[ActionItem]:
        """Items for `scope`: the viewer's open ones, all open, overdue, or everything;
        within one incident when given. Of a private incident, only those the viewer may see:
        all when they may see the incident, else their own (an owner sees what they own).
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
        shown = [i for i in found if seen[i.incident_id] or i.owner == viewer]
        return sorted(shown, key=lambda i: (i.status is not ActionStatus.OPEN, i.due_on, i.id))

    def refs(self, items: Sequence[ActionItem]) -> dict[int, str]:
        """The ID (INC-…) of each item's incident, read once per incident."""
        return {i: self._incidents.get(i).ref for i in {item.incident_id for item in items}}

    def report(self, viewer: str | None) -> Report:
        """Follow-through overall and per team, and the recurrence check. The numbers count
        every item, private incidents' included; what is listed by name (the recurrences
        and the later incidents) is only what the viewer may see."""
        items, incidents = self._store.history()
        found = report(items, {i.id: i for i in incidents if i.id}, self._clock(), self._policy)

        def seen(incident: Incident) -> bool:
            return self._incidents.visible(incident, viewer, None)

        listed = tuple(
            replace(r, later=tuple(i for i in r.later if seen(i)))
            for r in found.recurrences
            if seen(r.incident) and any(seen(i) for i in r.later)
        )
        return replace(found, recurrences=listed)

    def home(self, viewer: str) -> Home:
        """The person's open action items, the open incidents they are in (declared, hold
        a role in, or spoke in) and the follow-through numbers."""
        items = self.list(viewer, "mine", limit=_HOME_READS)
        mine = self._incidents.involving(viewer, limit=_HOME_READS)
        everything = self._incidents.list_incidents(
            include_resolved=False, viewer=viewer, limit=_HOME_READS
        )
        return Home(
            items=items,
            refs=self.refs(items),
            incidents=mine,
            other_open=len({i.id for i in everything} - {i.id for i in mine}),
            report=self.report(viewer),
            today=self.today(),
            now=self._clock(),
        )

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
            raise DueDateInPast(due_on)

        def mutate(item: ActionItem, now: datetime) -> None:
            _still_open(item)
            if item.due_on == due_on:
                raise NothingChanged(f"It is already due on {due_on.isoformat()}.")
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

    def claim_export(self, item_id: int, actor: str, lease: timedelta) -> tuple[ActionItem, bool]:
        """Claims the item for export to a tracker; True when an earlier claim lapsed (its
        process died or lost the tracker's answer: the issue may exist). NothingChanged when
        it has its issue, is closed, or another export holds it."""
        lapsed = False

        def claim(item: ActionItem, now: datetime) -> None:
            nonlocal lapsed
            if item.external_key:
                raise NothingChanged(f"*{item.title}* is already {item.external_key}.")
            _still_open(item)
            since = item.export_claimed_at
            if since is not None and now - since < lease:
                raise NothingChanged(f"*{item.title}* is being exported.")
            lapsed = since is not None
            item.export_claimed_at = now

        return self._change(item_id, claim, actor, None), lapsed

    def release_export(self, item_id: int, actor: str) -> None:
        """Gives the claim back after a refusal, so the next export may try at once."""

        def release(item: ActionItem, now: datetime) -> None:
            item.export_claimed_at = None

        self._change(item_id, release, actor, None)

    def attach_issue(self, item_id: int, actor: str, key: str, url: str) -> ActionItem:
        """Records the tracker's issue on the item and the incident's timeline."""

        def attach(item: ActionItem, now: datetime) -> None:
            item.external_key, item.external_url, item.export_claimed_at = key, url, None

        return self._change(item_id, attach, actor, "exported")

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
        verb: str | None,
    ) -> ActionItem:
        """Compare-and-set on the item's version, retried on a race: two clicks, one change.
        Recorded on the incident's timeline as `verb` (None: bookkeeping, not recorded)."""
        for _ in range(_MAX_ATTEMPTS):
            item = self.get(item_id)
            version, now = item.version, self._clock()
            mutate(item, now)
            item.updated_at = now
            if self._store.save(item, version):
                item.version = version + 1
                if verb is not None:
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
                "source_url": item.source_url,
                "external_key": item.external_key,
                "external_url": item.external_url,
            },
        )


def _proposal_key(draft: str, index: int) -> str:
    return f"proposal:{draft}:{index}"


def _still_open(item: ActionItem) -> None:
    if item.status is not ActionStatus.OPEN:
        raise NothingChanged(f"That action item is already {item.status.value}.")
