"""What the listeners need, bound by closure in each `register`."""

from dataclasses import dataclass

from bot.adapters.slack.publisher import Publisher
from bot.config import Policy
from bot.incidents import IncidentService
from bot.ports import Clock
from bot.timeline import TimelineService


@dataclass(frozen=True)
class Deps:
    incidents: IncidentService
    timeline: TimelineService
    publisher: Publisher
    policy: Policy
    clock: Clock
