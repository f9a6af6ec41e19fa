"""Follow-through: whether action items get done, overall and per team, and whether the
fixes held (no new incident on the same service after them). Pure.

An item counts once its outcome is known: "done within 30 days" is known once it is done or
30 days old, "done by its due date" once it is done or past due. Cancelled items count in
neither: cancelling with a reason is a decision, not a failure to follow through.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from bot.config import Policy
from models import ActionItem, ActionStatus, Incident

NO_TEAM = "no team"


@dataclass(frozen=True)
class Rate:
    met: int
    of: int

    @property
    def share(self) -> float | None:
        """None until some outcome is known."""
        return self.met / self.of if self.of else None


@dataclass(frozen=True)
class FollowThrough:
    items: int  # not cancelled
    open: int
    overdue: int
    done_within: Rate  # done within the policy's window of their creation
    done_by_due: Rate  # done on or before their due date
    median_to_complete: timedelta | None


@dataclass(frozen=True)
class Recurrence:
    """A done item whose incident's services had incidents again after it was done."""

    item: ActionItem
    incident: Incident
    later: tuple[Incident, ...]


@dataclass(frozen=True)
class Report:
    overall: FollowThrough
    by_team: dict[str, FollowThrough]
    # Done items whose incident had services, and how many of them were followed by
    # another incident on one of those services.
    checked: int
    recurred: int
    # Those recurrences, to name (a viewer may be shown fewer than `recurred`).
    recurrences: tuple[Recurrence, ...]


def follow_through(items: Iterable[ActionItem], now: datetime, policy: Policy) -> FollowThrough:
    """The numbers of `items` at `now`."""
    zone, within = ZoneInfo(policy.timezone), policy.follow_through_window
    today = now.astimezone(zone).date()
    counted = [i for i in items if i.status is not ActionStatus.CANCELLED]
    done = [i for i in counted if i.status is ActionStatus.DONE and i.completed_at]
    open_items = [i for i in counted if i.status is ActionStatus.OPEN]
    quick = sum(1 for i in done if _took(i) <= within)
    known_within = len(done) + sum(1 for i in open_items if now - i.created_at > within)
    on_time = sum(1 for i in done if _done_on(i, zone) <= i.due_on)
    known_due = len(done) + sum(1 for i in open_items if i.due_on < today)
    return FollowThrough(
        items=len(counted),
        open=len(open_items),
        overdue=sum(1 for i in open_items if i.due_on < today),
        done_within=Rate(quick, known_within),
        done_by_due=Rate(on_time, known_due),
        median_to_complete=_median([_took(i) for i in done]),
    )


def report(
    items: Sequence[ActionItem],
    incidents: Mapping[int, Incident],
    now: datetime,
    policy: Policy,
) -> Report:
    """Overall and per-team follow-through (a team owns the services of an item's incident,
    by the service catalogue), and the recurrence check of done items."""
    teams = {s.name: s.team for s in policy.services if s.team}
    by_team: dict[str, list[ActionItem]] = defaultdict(list)
    for item in items:
        incident = incidents.get(item.incident_id)
        owners = {teams.get(s) or NO_TEAM for s in (incident.services if incident else [])}
        for team in owners or {NO_TEAM}:
            by_team[team].append(item)
    checked, recurrences = _recurrences(items, incidents)
    return Report(
        overall=follow_through(items, now, policy),
        by_team={
            team: follow_through(group, now, policy) for team, group in sorted(by_team.items())
        },
        checked=checked,
        recurred=len(recurrences),
        recurrences=recurrences,
    )


def _recurrences(
    items: Sequence[ActionItem], incidents: Mapping[int, Incident]
) -> tuple[int, tuple[Recurrence, ...]]:
    by_service: dict[str, list[Incident]] = defaultdict(list)
    for each in incidents.values():
        for service in each.services:
            by_service[service].append(each)
    checked, found = 0, []
    for item in items:
        incident = incidents.get(item.incident_id)
        if item.status is not ActionStatus.DONE or not item.completed_at or not incident:
            continue
        if not incident.services:
            continue
        checked += 1
        done_at = item.completed_at
        later = {
            other.id: other
            for service in incident.services
            for other in by_service[service]
            if other.declared_at > done_at and other.id != incident.id
        }
        if later:
            ordered = tuple(sorted(later.values(), key=lambda i: i.declared_at))
            found.append(Recurrence(item, incident, ordered))
    return checked, tuple(found)


def _median(spans: Sequence[timedelta]) -> timedelta | None:
    if not spans:
        return None
    return timedelta(seconds=median(s.total_seconds() for s in spans))


def _took(item: ActionItem) -> timedelta:
    assert item.completed_at is not None
    return item.completed_at - item.created_at


def _done_on(item: ActionItem, zone: ZoneInfo) -> date:
    assert item.completed_at is not None
    return item.completed_at.astimezone(zone).date()
