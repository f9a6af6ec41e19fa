"""Who is on call when: rotation arithmetic on a schedule's layers, restrictions and
overrides. Pure: no clock, no I/O; every instant in and out is an aware UTC datetime.

Handoffs happen at the layer's wall-clock time in the schedule's timezone, so a daily 09:00
handoff stays at 09:00 through DST changes and a shift across a change lasts 23 or 25
hours. A turn whose handoffs fall so close to a change that it would last no time at all
(a one-hour shift in the skipped hour) is skipped, with its member's turn.

A layer's members may be edited by command (`bot.oncall.roster`): each edit is a `Lineup`
in force for the turns starting at or after its `since` (a handoff), so the turns before it
keep the members they had."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo

from bot.oncall.policy import Layer, Schedule

# How far ahead "next" looks before it concludes nobody is coming.
HORIZON: Final = timedelta(days=366)
_TICK: Final = timedelta(microseconds=1)


@dataclass(frozen=True)
class Cover:
    """An override as the arithmetic needs it: `user` is on call for the layer from `start`
    to `end` (a cancellation already cut `end`), ahead of the rotation."""

    id: int
    layer: str
    user: str
    start: datetime
    end: datetime
    created_at: datetime


@dataclass(frozen=True)
class Lineup:
    """A layer's members in order from `since` on: the first turn starting at or after
    `since` is `members[cursor]`'s, the next the following member's, and so on."""

    since: datetime
    members: tuple[str, ...]
    cursor: int


# Each layer's lineups (by layer name), oldest first; a layer absent has its policy's.
Lineups = Mapping[str, Sequence[Lineup]]


@dataclass(frozen=True)
class Shift:
    """A stretch of time one person is on call for one layer. `source` says where it comes
    from: `r<n>` the rotation's turn n (0 is the first from the layer's start), `o<id>` an
    override; with the start, it identifies the shift (calendar UIDs)."""

    schedule: str
    layer: str
    user: str
    start: datetime
    end: datetime
    source: str

    @property
    def is_override(self) -> bool:
        return self.source.startswith("o")

    def contains(self, instant: datetime) -> bool:
        return self.start <= instant < self.end


def local_to_utc(naive: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time in `zone` as UTC. A time the clocks skip counts with the offset
    before the change (02:30 on a spring-forward night is 03:30); a repeated time is its
    first occurrence."""
    return naive.replace(tzinfo=zone).astimezone(UTC)


def _handoff(schedule: Schedule, layer: Layer, turn: int) -> datetime:
    anchor = datetime.combine(layer.start, layer.handoff_time)
    return local_to_utc(anchor + turn * layer.shift_length, schedule.zone)


def _turn_at(schedule: Schedule, layer: Layer, instant: datetime) -> int:
    """The turn whose handoff is the latest at or before `instant` (negative before the
    layer starts)."""
    anchor = datetime.combine(layer.start, layer.handoff_time)
    local = instant.astimezone(schedule.zone).replace(tzinfo=None)
    turn = (local - anchor) // layer.shift_length  # right, or off by one near a DST change
    while _handoff(schedule, layer, turn) > instant:
        turn -= 1
    while _handoff(schedule, layer, turn + 1) <= instant:
        turn += 1
    return turn


def first_turn_from(schedule: Schedule, layer: Layer, instant: datetime) -> int:
    """The first turn whose handoff is at or after `instant` (0 before the layer starts)."""
    turn = _turn_at(schedule, layer, instant)
    if _handoff(schedule, layer, turn) < instant:
        turn += 1
    return max(0, turn)


def handoff_of(schedule: Schedule, layer: Layer, turn: int) -> datetime:
    """When `turn` starts (UTC)."""
    return _handoff(schedule, layer, turn)


def lineup_at(
    schedule: Schedule, layer: Layer, lineups: Sequence[Lineup], turn: int
) -> tuple[tuple[str, ...], int]:
    """The members in force for `turn` and the index of the one whose turn it is (-1: the
    layer has nobody then)."""
    starts = _handoff(schedule, layer, turn) if lineups else None
    found = [x for x in lineups if starts is not None and x.since <= starts]
    if not found:
        members = layer.members
        return members, (turn % len(members) if members else -1)
    latest = found[-1]
    if not latest.members:
        return (), -1
    offset = turn - first_turn_from(schedule, layer, latest.since)
    return latest.members, (latest.cursor + offset) % len(latest.members)


def rotation_shifts(
    schedule: Schedule,
    layer: Layer,
    start: datetime,
    end: datetime,
    lineups: Sequence[Lineup] = (),
) -> list[Shift]:
    """The rotation's shifts (restrictions applied, no overrides) that overlap
    [start, end), whole: a shift is not cut at the window's edges. `lineups`: the layer's
    edits, oldest first."""
    if not (layer.members or any(x.members for x in lineups)) or end <= start:
        return []
    shifts: list[Shift] = []
    turn = max(0, _turn_at(schedule, layer, start))
    while (turn_start := _handoff(schedule, layer, turn)) < end:
        turn_end = _handoff(schedule, layer, turn + 1)
        members, index = lineup_at(schedule, layer, lineups, turn)
        if turn_end > turn_start and turn_end > start and index >= 0:
            user = members[index]
            whole = Shift(schedule.name, layer.name, user, turn_start, turn_end, f"r{turn}")
            shifts += _restricted(whole, schedule, layer)
        turn += 1
    return shifts


def _restricted(shift: Shift, schedule: Schedule, layer: Layer) -> list[Shift]:
    """The parts of `shift` inside the layer's restriction (all of it when unrestricted)."""
    restriction = layer.restrict
    if restriction is None:
        return [shift]
    zone, (opens, closes) = schedule.zone, restriction.span
    first = shift.start.astimezone(zone).date()
    last = shift.end.astimezone(zone).date()
    pieces = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if day.weekday() not in restriction.weekdays:
            continue
        window_start = local_to_utc(datetime.combine(day, opens), zone)
        window_end = local_to_utc(datetime.combine(day, closes), zone)
        piece_start, piece_end = max(shift.start, window_start), min(shift.end, window_end)
        if piece_start < piece_end:
            pieces.append(replace(shift, start=piece_start, end=piece_end))
    return pieces


def apply_covers(shifts: Iterable[Shift], covers: Iterable[Cover], schedule: str) -> list[Shift]:
    """`shifts` of one layer with `covers` laid over them, the earliest created first, so
    the later created wins where they overlap; a shift partly covered keeps its other
    parts."""
    result = list(shifts)
    for cover in sorted(covers, key=lambda c: (c.created_at, c.id)):
        if cover.end <= cover.start:
            continue  # cancelled before it began: it never happened
        result = [piece for shift in result for piece in _without(shift, cover)]
        result.append(
            Shift(schedule, cover.layer, cover.user, cover.start, cover.end, f"o{cover.id}")
        )
    return sorted(result, key=lambda s: (s.start, s.end))


def _without(shift: Shift, cover: Cover) -> list[Shift]:
    if cover.end <= shift.start or shift.end <= cover.start:
        return [shift]
    pieces = []
    if shift.start < cover.start:
        pieces.append(replace(shift, end=cover.start))
    if cover.end < shift.end:
        pieces.append(replace(shift, start=cover.end))
    return pieces


def layer_shifts(
    schedule: Schedule,
    layer: Layer,
    covers: Sequence[Cover],
    start: datetime,
    end: datetime,
    lineups: Lineups | None = None,
) -> list[Shift]:
    """Every shift of the layer, overrides applied, that overlaps [start, end), whole."""
    mine = [c for c in covers if c.layer == layer.name and c.start < end and c.end > start]
    # Overrides may reach past the window: the rotation beneath them is worked out as far.
    reach_start = min([start, *(c.start for c in mine)])
    reach_end = max([end, *(c.end for c in mine)])
    edits = (lineups or {}).get(layer.name, ())
    base = rotation_shifts(schedule, layer, reach_start, reach_end, edits)
    return [s for s in apply_covers(base, mine, schedule.name) if s.start < end and s.end > start]


def shift_at(
    schedule: Schedule,
    layer: Layer,
    covers: Sequence[Cover],
    instant: datetime,
    lineups: Lineups | None = None,
) -> Shift | None:
    """The shift of the layer under way at `instant`; None: nobody is on call."""
    # As far ahead as the rotation's shift may reach, so overrides that cut it short count.
    reach = instant + layer.shift_length + timedelta(hours=2)
    found = layer_shifts(schedule, layer, covers, instant, reach, lineups)
    return next((s for s in found if s.contains(instant)), None)


def next_shifts(
    schedule: Schedule,
    layer: Layer,
    covers: Sequence[Cover],
    after: datetime,
    count: int,
    horizon: timedelta = HORIZON,
    lineups: Lineups | None = None,
) -> list[Shift]:
    """Up to `count` shifts of the layer that start after `after`, soonest first, looking
    no further than `horizon`."""
    span = max(layer.shift_length * (count + 1), timedelta(days=14))
    while True:
        end = after + min(span, horizon)
        found = layer_shifts(schedule, layer, covers, after, end, lineups)
        found = [s for s in found if s.start > after][:count]
        if len(found) == count or span >= horizon:
            return found
        span *= 2


def shifts_between(
    schedule: Schedule,
    covers: Sequence[Cover],
    start: datetime,
    end: datetime,
    user: str | None = None,
    lineups: Lineups | None = None,
) -> list[Shift]:
    """Every layer's shifts overlapping [start, end), or only `user`'s, by start."""
    shifts = [
        shift
        for layer in schedule.layers
        for shift in layer_shifts(schedule, layer, covers, start, end, lineups)
        if user is None or shift.user == user
    ]
    return sorted(shifts, key=lambda s: (s.start, s.layer))


def on_call(
    schedule: Schedule,
    covers: Sequence[Cover],
    instant: datetime,
    lineups: Lineups | None = None,
) -> dict[str, str]:
    """Who is on call at `instant`, by layer; a layer with nobody is left out."""
    found = {}
    for layer in schedule.layers:
        shift = shift_at(schedule, layer, covers, instant, lineups)
        if shift is not None:
            found[layer.name] = shift.user
    return found
