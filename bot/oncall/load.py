"""On-call load per person over a window: pages received and acknowledged, pages outside
working hours, severe incidents, hours on call; the spread of on-call hours across a
rotation; and when a schedule's owner is owed a burnout warning. Pure: no clock, no I/O."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.oncall.policy import Burnout, Schedule
from bot.oncall.rotation import Shift, local_to_utc
from bot.scheduling.due import Notice
from models import NoticeKind, Page, Role

# Burnout windows are counted from a Monday midnight in the organisation's timezone, so
# weekly windows run Monday to Monday there, whatever daylight saving does (wall-clock).
WINDOWS_FROM: Final = datetime(1970, 1, 5)


@dataclass(frozen=True)
class PagedFor:
    """A page as the load reads it: the page, and its incident's severity."""

    page: Page
    severity: str


@dataclass(frozen=True)
class PersonLoad:
    """What one person carried within the window."""

    person: str
    pages: int  # pages sent to them
    acknowledged: int  # of those, acknowledged by them
    out_of_hours: int  # of those, sent outside working hours (the organisation's time)
    severe: int  # severe incidents they were paged for or held a role in
    on_call: timedelta  # time on call for any schedule's layer, overrides applied

    @property
    def hours(self) -> float:
        return self.on_call.total_seconds() / 3600


def loads(
    paged: Iterable[PagedFor],
    roles: Mapping[int, tuple[str, Mapping[Role, str]]],
    shifts: Iterable[Shift],
    start: datetime,
    end: datetime,
    in_hours: Callable[[datetime], bool],
    zone: ZoneInfo,
    severe: frozenset[str],
) -> list[PersonLoad]:
    """Each person's load within [start, end), most severe then most out-of-hours first.
    `roles` maps an incident to its severity and role holders; `shifts` may reach past the
    window (they are cut at its edges). Pages to channels count for nobody."""
    pages: dict[str, list[Page]] = defaultdict(list)
    severe_of: dict[str, set[int]] = defaultdict(set)
    for item in paged:
        page = item.page
        if not page.is_user or not start <= page.paged_at < end:
            continue
        pages[page.target].append(page)
        if item.severity in severe:
            severe_of[page.target].add(page.incident_id)
    for incident_id, (severity, holders) in roles.items():
        if severity in severe:
            for person in set(holders.values()):
                severe_of[person].add(incident_id)
    on_call: dict[str, timedelta] = defaultdict(timedelta)
    for shift in shifts:
        overlap = min(shift.end, end) - max(shift.start, start)
        if overlap > timedelta(0):
            on_call[shift.user] += overlap
    people = set(pages) | set(severe_of) | set(on_call)
    found = [
        PersonLoad(
            person=person,
            pages=len(pages[person]),
            acknowledged=sum(1 for p in pages[person] if p.acknowledged_by == person),
            out_of_hours=sum(1 for p in pages[person] if not in_hours(p.paged_at.astimezone(zone))),
            severe=len(severe_of[person]),
            on_call=on_call[person],
        )
        for person in people
    ]
    return sorted(found, key=lambda x: (-x.severe, -x.out_of_hours, -x.pages, x.person))


def over_limit(load: PersonLoad, limit: Burnout) -> bool:
    """More than the configured severe incidents or out-of-hours pages."""
    return load.severe > limit.severe or load.out_of_hours > limit.out_of_hours_pages


def members(schedule: Schedule) -> list[str]:
    """Everyone in the schedule's rotations, each once, in order."""
    return list(dict.fromkeys(m for layer in schedule.layers for m in layer.members))


def spread(schedule: Schedule, found: Sequence[PersonLoad]) -> timedelta:
    """Fairness: the most minus the least time on call among the rotation's members (a
    member with no shift in the window counts as none)."""
    by_person = {load.person: load.on_call for load in found}
    hours = [by_person.get(person, timedelta(0)) for person in members(schedule)]
    return max(hours) - min(hours) if hours else timedelta(0)


def window_start(now: datetime, within: timedelta, zone: ZoneInfo) -> datetime:
    """The start (UTC) of the burnout window `now` is in: windows of `within` of wall-clock
    time in `zone`, counted from a Monday midnight there."""
    local = now.astimezone(zone).replace(tzinfo=None)
    return local_to_utc(WINDOWS_FROM + ((local - WINDOWS_FROM) // within) * within, zone)


def burnout_notices(
    schedule: Schedule,
    found: Sequence[PersonLoad],
    limit: Burnout,
    now: datetime,
    zone: ZoneInfo,
) -> list[Notice]:
    """A direct message to the schedule's owner about each of its members over the limit
    in the last `within`: keyed by schedule, person and window (its first day in `zone`,
    the organisation's timezone), so each is told once per window however often this is
    asked. No owner: nobody to tell."""
    if schedule.owner is None:
        return []
    wanted = set(members(schedule))
    since = window_start(now, limit.window, zone).astimezone(zone)
    return [
        Notice(
            key=f"burnout:{schedule.name}:{load.person}:{since.date().isoformat()}",
            kind=NoticeKind.BURNOUT,
            incident_id=None,
            target=schedule.owner,
            due_at=now,
            data={
                "schedule": schedule.name,
                "person": load.person,
                "within": limit.within,
                "severe": load.severe,
                "severe_limit": limit.severe,
                "out_of_hours": load.out_of_hours,
                "out_of_hours_limit": limit.out_of_hours_pages,
                "pages": load.pages,
            },
        )
        for load in found
        if load.person in wanted and over_limit(load, limit)
    ]
