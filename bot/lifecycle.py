"""The incident lifecycle: one state table, one pure function to move through it."""

from enum import StrEnum
from types import MappingProxyType
from typing import Final

from models.enums import Status


class Event(StrEnum):
    INVESTIGATE = "investigate"
    IDENTIFY = "identify"
    MITIGATE = "mitigate"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


_FORWARD: Final = (Status.INVESTIGATING, Status.IDENTIFIED, Status.MITIGATED, Status.RESOLVED)
# Where each event leads when it is legal; the table below says from where it is.
DESTINATION: Final = MappingProxyType(
    {
        Event.INVESTIGATE: Status.INVESTIGATING,
        Event.IDENTIFY: Status.IDENTIFIED,
        Event.MITIGATE: Status.MITIGATED,
        Event.RESOLVE: Status.RESOLVED,
        Event.REOPEN: Status.INVESTIGATING,
        Event.CLOSE: Status.CLOSED,
    }
)
_FORWARD_EVENTS: Final = (Event.INVESTIGATE, Event.IDENTIFY, Event.MITIGATE, Event.RESOLVE)


def _forward_steps() -> dict[tuple[Status, Event], Status]:
    """Open incidents move forward, one step or skipping ahead, never back."""
    order = (Status.DECLARED, *_FORWARD)
    table: dict[tuple[Status, Event], Status] = {}
    for i, current in enumerate(order):
        for event in _FORWARD_EVENTS:
            if order.index(DESTINATION[event]) > i:
                table[(current, event)] = DESTINATION[event]
    return table


TRANSITIONS: Final = MappingProxyType(
    {
        **_forward_steps(),
        (Status.RESOLVED, Event.REOPEN): DESTINATION[Event.REOPEN],
        (Status.RESOLVED, Event.CLOSE): DESTINATION[Event.CLOSE],
        # CLOSED has no way out: it is final.
    }
)


class IllegalTransition(Exception):
    """Raised by `next_status`; services turn it into a friendly InvalidTransition."""

    def __init__(self, current: Status, event: Event) -> None:
        super().__init__(f"{event} is not allowed from {current}")
        self.current, self.event = current, event


def next_status(current: Status, event: Event) -> Status:
    """The status after `event`; raises IllegalTransition. Pure: no I/O, no clock."""
    try:
        return TRANSITIONS[(current, event)]
    except KeyError:
        raise IllegalTransition(current, event) from None


def event_towards(current: Status, target: Status) -> Event | None:
    """The event that moves `current` to `target`, if the table has one."""
    for (source, event), destination in TRANSITIONS.items():
        if source is current and destination is target:
            return event
    return None


def legal_targets(current: Status) -> list[Status]:
    """Statuses reachable from `current` in one change, in lifecycle order."""
    reachable = {dest for (source, _), dest in TRANSITIONS.items() if source is current}
    return [s for s in Status if s in reachable]
