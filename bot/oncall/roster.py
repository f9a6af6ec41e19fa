"""Editing a layer's rotation by command: add someone (at a place in the order), remove
someone, or swap two people's places. Pure: no clock, no I/O.

An edit takes effect at the layer's next handoff, so the shift under way and every shift
before it keep who had them (history stays true; an override changes the shift under way).
From then the order goes on where it was: after an add or a remove, whoever was next is
still next (or, if removed, whoever followed them); a swap trades the two people's turns,
the next one included."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Final

from bot.errors import NothingChanged, UsageError
from bot.oncall.policy import Layer, Schedule
from bot.oncall.rotation import Lineup, first_turn_from, handoff_of, lineup_at

MAX_MEMBERS: Final = 50


class Edit(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    SWAP = "swap"


@dataclass(frozen=True)
class RotationChange:
    """What an edit asks: `users` is one person (add, remove) or two (swap); `position`
    the 1-based place an added person takes (None: last)."""

    edit: Edit
    users: tuple[str, ...]
    position: int | None = None


def edited(
    schedule: Schedule,
    layer: Layer,
    lineups: tuple[Lineup, ...],
    change: RotationChange,
    now: datetime,
) -> Lineup:
    """The lineup `change` makes, in force from the first handoff after `now`; raises
    UsageError or NothingChanged (with a message for the person) when it makes no sense."""
    turn = first_turn_from(schedule, layer, now)
    if handoff_of(schedule, layer, turn) <= now:
        turn += 1  # a handoff at this very instant has begun: the edit waits for the next
    since = handoff_of(schedule, layer, turn)
    members, index = lineup_at(schedule, layer, lineups, turn)
    order = list(members)
    match change.edit:
        case Edit.ADD:
            [user] = change.users
            if user in order:
                raise NothingChanged(f"<@{user}> is in the rotation already.")
            if len(order) >= MAX_MEMBERS:
                raise UsageError(f"A rotation has at most {MAX_MEMBERS} people.")
            place = len(order) if change.position is None else change.position - 1
            if not 0 <= place <= len(order):
                raise UsageError(f"Place {change.position}? The rotation has {len(order)} people.")
            following = order[index] if index >= 0 else user
            order.insert(place, user)
            cursor = order.index(following)
        case Edit.REMOVE:
            [user] = change.users
            if user not in order:
                raise NothingChanged(f"<@{user}> is not in the rotation.")
            gone = order.index(user)
            following = order[index] if index >= 0 else user
            order.remove(user)
            if not order:
                cursor = 0
            elif following == user:  # whoever came after them goes in their turn
                cursor = gone % len(order)
            else:
                cursor = order.index(following)
        case Edit.SWAP:
            first, second = change.users
            missing = [u for u in (first, second) if u not in order]
            if missing:
                raise NothingChanged(f"<@{missing[0]}> is not in the rotation.")
            if first == second:
                raise UsageError("Swap two different people.")
            i, j = order.index(first), order.index(second)
            order[i], order[j] = second, first
            cursor = max(index, 0)
    return Lineup(since, tuple(order), cursor)
