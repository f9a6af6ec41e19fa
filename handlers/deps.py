"""What the listeners need, bound by closure in each `register`."""

from dataclasses import dataclass

from bot.config import Policy
from bot.incidents import IncidentService
from bot.ports import Clock
from bot.postmortem.service import PostmortemService
from bot.rooms import RoomService
from bot.scheduling.service import SchedulerService
from bot.timeline import TimelineService


@dataclass(frozen=True)
class Deps:
    incidents: IncidentService
    timeline: TimelineService
    rooms: RoomService
    postmortems: PostmortemService
    schedule: SchedulerService
    policy: Policy
    clock: Clock
