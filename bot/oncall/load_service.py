"""On-call load use cases: `/incident oncall load [schedule]` and the burnout warnings the
scheduler queues. Reads the pages, the incidents' role holders and the rotations; the
arithmetic is `bot.oncall.load`'s."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.config import Policy
from bot.oncall.load import PersonLoad, burnout_notices, loads, members, over_limit, spread
from bot.oncall.paging import PageStore
from bot.oncall.policy import Schedule
from bot.oncall.service import OncallService
from bot.ports import Clock, InsightsStore
from bot.scheduling.due import Notice

log = logging.getLogger(__name__)

# What `/incident oncall load` looks back over.
SHOWN_WINDOW: Final = timedelta(days=7)


@dataclass(frozen=True)
class ScheduleLoad:
    """A schedule's members' loads (with anyone else who carried some, when all schedules
    are shown) and the spread of on-call time across its rotation."""

    schedule: Schedule
    loads: list[PersonLoad]
    spread: timedelta


@dataclass(frozen=True)
class LoadReport:
    start: datetime
    end: datetime
    schedules: list[ScheduleLoad]
    over: frozenset[str]  # people over the burnout limit


class LoadService:
    def __init__(
        self,
        pages: PageStore,
        incidents: InsightsStore,
        oncall: OncallService,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self._pages, self._incidents, self._oncall = pages, incidents, oncall
        self._policy, self._clock = policy, clock

    def report(self, schedule_name: str | None) -> LoadReport:
        """Each member's load over the last 7 days, per schedule (one, or all)."""
        end = self._clock()
        start = end - SHOWN_WINDOW
        schedules = (
            [self._oncall.schedule(schedule_name)] if schedule_name else self._oncall.schedules
        )
        found = self.between(start, end)
        limit = self._policy.oncall.burnout
        shown = []
        for schedule in map(self._oncall.as_edited, schedules):
            wanted = set(members(schedule))
            theirs = [load for load in found if load.person in wanted]
            shown.append(ScheduleLoad(schedule, theirs, spread(schedule, theirs)))
        over = frozenset(load.person for load in found if over_limit(load, limit))
        return LoadReport(start, end, list(shown), over)

    def between(self, start: datetime, end: datetime) -> list[PersonLoad]:
        """Everyone's load within [start, end)."""
        incidents, holders = self._incidents.declared_between(start, end)
        roles = {i.id: (i.severity, holders.get(i.id, {})) for i in incidents}
        shifts = [
            shift
            for schedule in self._oncall.schedules
            for shift in self._oncall.shifts(schedule, start, end)
        ]
        return loads(
            self._pages.paged_between(start, end),
            roles,
            shifts,
            start,
            end,
            self._policy.insights.in_hours(),
            ZoneInfo(self._policy.timezone),
            self._policy.insights.severe,
        )

    def burnout_due(self) -> list[Notice]:
        """The burnout warnings owed now: the scheduler's tick queues them (each once)."""
        limit = self._policy.oncall.burnout
        owned = [self._oncall.as_edited(s) for s in self._oncall.schedules if s.owner is not None]
        if not owned:
            return []
        now = self._clock()
        found = self.between(now - limit.window, now)
        zone = ZoneInfo(self._policy.timezone)
        return [notice for s in owned for notice in burnout_notices(s, found, limit, now, zone)]
