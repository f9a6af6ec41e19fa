"""On-call use cases: who is on call, overrides (made, taken, listed, cancelled), a
person's next shifts, the calendar feed's shifts and who was on call at a past instant."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.audit import change_audit
from bot.config import Policy
from bot.errors import EditConflict, IncidentError, NothingChanged, UnknownSchedule, UsageError
from bot.oncall.policy import Layer, Schedule
from bot.oncall.roster import Edit, RotationChange, edited
from bot.oncall.rotation import (
    HORIZON,
    Cover,
    Lineup,
    Lineups,
    Shift,
    first_turn_from,
    lineup_at,
    local_to_utc,
    next_shifts,
    on_call,
    shift_at,
    shifts_between,
)
from bot.permissions import Permissions
from bot.ports import Clock, OverrideStore, People, RotationStore
from bot.requests import AddOverride, EditRotation, LocalMoment
from models import AuditEntry, OncallOverride, RotationEdit

FEED_PAST: Final = timedelta(weeks=2)
FEED_AHEAD: Final = timedelta(weeks=12)
OVERRIDES_SHOWN: Final = 20


@dataclass(frozen=True)
class LayerNow:
    layer: str
    now: Shift | None
    next: Shift | None
    members: tuple[str, ...] = ()  # the rotation's order in force now
    # An edit made by command, in force from its `since` on (None: none to come).
    pending: Lineup | None = None


@dataclass(frozen=True)
class ScheduleNow:
    schedule: Schedule
    layers: list[LayerNow]


@dataclass(frozen=True)
class OnCallThen:
    """Who was on call for a schedule's layer at some instant (history)."""

    schedule: str
    layer: str
    user: str


def as_cover(row: OncallOverride) -> Cover:
    assert row.id is not None
    return Cover(row.id, row.layer, row.user, row.starts_at, row.effective_end, row.created_at)


def as_lineup(row: RotationEdit) -> Lineup:
    return Lineup(row.effective_at, tuple(row.members), row.cursor)


class OncallService:
    def __init__(
        self,
        store: OverrideStore,
        rotations: RotationStore,
        people: People,
        policy: Policy,
        clock: Clock,
    ):
        self._store, self._people, self._policy, self._clock = store, people, policy, clock
        self._rotations = rotations
        self._oncall = policy.oncall
        self._permissions = Permissions(policy.permissions)

    @property
    def schedules(self) -> tuple[Schedule, ...]:
        return self._oncall.schedules

    def schedule(self, name: str) -> Schedule:
        """The schedule called `name`, or the schedule of the service called `name`."""
        found = self._oncall.schedule(name)
        service = next(
            (s for s in self._policy.services if s.name.lower() == name.strip().lower()), None
        )
        if found is None and service is not None and service.schedule is not None:
            found = self._oncall.schedule(service.schedule)
        if found is None:
            raise UnknownSchedule(name, [s.name for s in self.schedules])
        return found

    def for_services(self, services: Sequence[str]) -> list[Schedule]:
        """The schedules of those services (any case), each once, in the policy's order."""
        wanted = {s.casefold() for s in services}
        names = {
            s.schedule for s in self._policy.services if s.schedule and s.name.casefold() in wanted
        }
        return [s for s in self.schedules if s.name in names]

    def now_and_next(self, schedule: Schedule) -> ScheduleNow:
        """Each layer's shift under way and the one after it."""
        now = self._clock()
        covers = self._covers(schedule.name, now, now + HORIZON)
        lineups = self._lineups(schedule.name)
        layers = []
        for layer in schedule.layers:
            current = shift_at(schedule, layer, covers, now, lineups)
            after = current.end if current else now
            following = next_shifts(schedule, layer, covers, after - _EPSILON, 1, lineups=lineups)
            mine = tuple(lineups.get(layer.name, ()))
            turn = max(0, first_turn_from(schedule, layer, now + _EPSILON) - 1)  # under way
            members, _ = lineup_at(schedule, layer, mine, turn)
            pending = next((x for x in reversed(mine) if x.since > now), None)
            layers.append(
                LayerNow(layer.name, current, following[0] if following else None, members, pending)
            )
        return ScheduleNow(schedule, layers)

    def as_edited(self, schedule: Schedule) -> Schedule:
        """The schedule with each layer's members as edited by command and in force now."""
        now_and_next = self.now_and_next(schedule)
        members = {layer.layer: layer.members for layer in now_and_next.layers}
        layers = tuple(
            layer.model_copy(update={"members": members.get(layer.name, layer.members)})
            for layer in schedule.layers
        )
        return schedule.model_copy(update={"layers": layers})

    def edit_rotation(self, request: EditRotation, by: str, request_key: str) -> RotationEdit:
        """Adds, removes or swaps people in a layer's rotation from its next handoff on (an
        admin command, once admins are configured), audited in the edit's transaction. A
        repeated request key returns the edit it made, audited then."""
        self._permissions.check_admin(by, "edit on-call rotations")
        schedule = self._pick(request.schedule)
        layer = self._layer(schedule, request.layer)
        change = RotationChange(Edit(request.action), request.users, request.position)
        for attempt in range(3):  # another edit taking the same version: read again
            rows = [r for r in self._rotations.of_schedule(schedule.name) if r.layer == layer.name]
            if done := self._made_by(request_key, rows):
                return done  # a retried request: what it made the first time
            now = self._clock()
            try:
                made = edited(schedule, layer, tuple(as_lineup(r) for r in rows), change, now)
            except IncidentError:  # perhaps because the same request, racing, made it
                again = self._rotations.of_schedule(schedule.name)
                if done := self._made_by(request_key, again):
                    return done
                raise
            row = RotationEdit.model_validate(
                {
                    "schedule": schedule.name,
                    "layer": layer.name,
                    "version": rows[-1].version + 1 if rows else 1,
                    "action": change.edit.value,
                    "users": list(change.users),
                    "members": list(made.members),
                    "cursor": made.cursor,
                    "effective_at": made.since,
                    "created_by": by,
                    "created_at": now,
                    "request_key": request_key,
                }
            )
            audit = change_audit(
                now,
                by,
                "rotation_edited",
                f"{schedule.name}/{layer.name}",
                {
                    "edit": row.action,
                    "users": row.users,
                    "position": request.position,
                    "members": row.members,
                    "version": row.version,
                    "effective_at": row.effective_at.isoformat(),
                },
            )
            try:
                return self._rotations.add(row, audit)[0]
            except EditConflict:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def override(self, request: AddOverride, by: str, request_key: str) -> OncallOverride:
        """Puts `request.user` on call instead of the rotation; times are read in `by`'s
        timezone. A repeated request key returns the override it made. Putting someone else
        on call is an admin command (once admins are configured)."""
        if request.user != by:
            self._permissions.check_admin(by, "put someone else on call")
        schedule = self._pick(request.schedule)
        layer = self._layer(schedule, request.layer)
        zone = self.zone_of(by)
        today = self._clock().astimezone(zone).date()
        starts = self._instant(request.starts, today, zone)
        ends = self._instant(request.ends, today, zone)
        if ends <= starts:
            raise UsageError("The override must end after it starts.")
        return self._place(
            schedule, layer, request.user, starts, ends, by, request_key, "override_created"
        )

    def take(
        self, schedule_name: str | None, layer_name: str | None, by: str, request_key: str
    ) -> OncallOverride:
        """`by` takes the shift under way of whoever else is on call, else the next one."""
        schedule = self._pick(schedule_name)
        layer = self._layer(schedule, layer_name)
        now = self._clock()
        covers = self._covers(schedule.name, now, now + HORIZON)
        lineups = self._lineups(schedule.name)
        current = shift_at(schedule, layer, covers, now, lineups)
        shift = current if current is not None and current.user != by else None
        if shift is None:
            upcoming = next_shifts(schedule, layer, covers, now, 10, lineups=lineups)
            shift = next((s for s in upcoming if s.user != by), None)
        if shift is None:
            raise IncidentError(
                f"There is no shift of someone else on *{schedule.name}* {layer.name} to take."
            )
        most = timedelta(days=self._oncall.max_override_days)
        starts = max(shift.start, now)
        ends = min(shift.end, starts + most)
        return self._place(schedule, layer, by, starts, ends, by, request_key, "override_taken")

    def upcoming(self, schedule_name: str | None) -> list[OncallOverride]:
        """Overrides not over yet, of one schedule or all, soonest first."""
        name = self.schedule(schedule_name).name if schedule_name else None
        return self._store.upcoming(name, self._clock(), OVERRIDES_SHOWN)

    def cancel(self, override_id: int, by: str) -> OncallOverride:
        """Cancels an override not over yet: only its maker, the person it covers, the
        person covering and the schedule's owner may."""
        found = self._store.get(override_id)
        if found is None:
            raise IncidentError(f"There is no override #{override_id}.")
        owner = self._oncall.schedule(found.schedule)
        allowed = {found.created_by, found.covers, found.user, owner.owner if owner else None}
        if by not in allowed:
            raise IncidentError(
                f"Only whoever made override #{override_id}, the people in it or the "
                "schedule's owner can cancel it."
            )
        now = self._clock()
        if found.ends_at <= now and found.cancelled_at is None:
            raise NothingChanged(f"Override #{override_id} is already over.")
        audit = self._audit(found, "override_cancelled", by)
        if found.cancelled_at is not None or not self._store.cancel(override_id, by, now, audit):
            raise NothingChanged(f"Override #{override_id} is already cancelled.")
        found.cancelled_at, found.cancelled_by = now, by
        return found

    def _audit(self, row: OncallOverride, action: str, actor: str) -> AuditEntry:
        """The audit row of a change to an override, written in the change's transaction."""
        return change_audit(
            self._clock(),
            actor,
            action,
            f"{row.schedule}/{row.layer}",
            {
                "override": row.id,
                "user": row.user,
                "covers": row.covers,
                "starts_at": row.starts_at.isoformat(),
                "ends_at": row.ends_at.isoformat(),
            },
        )

    def next_shifts_of(self, user: str, count: int = 5) -> list[Shift]:
        """`user`'s shifts under way or to come within the feed's reach, soonest first."""
        now = self._clock()
        end = now + FEED_AHEAD
        found = [
            shift
            for schedule in self.schedules
            for shift in shifts_between(
                schedule,
                self._covers(schedule.name, now, end),
                now,
                end,
                user,
                self._lineups(schedule.name),
            )
        ]
        return sorted(found, key=lambda s: (s.start, s.schedule, s.layer))[:count]

    def feed(self, schedule: Schedule, user: str | None = None) -> list[Shift]:
        """Every shift (or `user`'s) from two weeks ago to twelve weeks ahead."""
        now = self._clock()
        start, end = now - FEED_PAST, now + FEED_AHEAD
        covers = self._covers(schedule.name, start, end)
        return shifts_between(schedule, covers, start, end, user, self._lineups(schedule.name))

    def shifts(self, schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
        """Every shift of the schedule overlapping [start, end), overrides applied."""
        covers = self._covers(schedule.name, start, end)
        return shifts_between(schedule, covers, start, end, lineups=self._lineups(schedule.name))

    def on_call_at(self, schedules: Sequence[Schedule], instant: datetime) -> list[OnCallThen]:
        """Who was on call at `instant` for each layer of `schedules`, as the rotation and
        the overrides then in force had it (a cancelled override held until cancelled)."""
        found = []
        for schedule in schedules:
            covers = self._covers(schedule.name, instant, instant + _EPSILON)
            lineups = self._lineups(schedule.name)
            for layer, user in on_call(schedule, covers, instant, lineups).items():
                found.append(OnCallThen(schedule.name, layer, user))
        return found

    def zone_of(self, user: str) -> ZoneInfo:
        """The person's timezone, else the organisation's."""
        name = self._people.timezone(user) or self._policy.timezone
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo(self._policy.timezone)

    def name_of(self, user: str) -> str:
        return self._people.name(user)

    def now(self) -> datetime:
        return self._clock()

    def _covers(self, schedule: str, start: datetime, end: datetime) -> list[Cover]:
        return [as_cover(row) for row in self._store.overlapping(schedule, start, end)]

    @staticmethod
    def _made_by(request_key: str, rows: Sequence[RotationEdit]) -> RotationEdit | None:
        return next((r for r in rows if r.request_key == request_key), None)

    def _lineups(self, schedule: str) -> Lineups:
        """Each layer's edits made by command, oldest first."""
        found: dict[str, list[Lineup]] = {}
        for row in self._rotations.of_schedule(schedule):
            found.setdefault(row.layer, []).append(as_lineup(row))
        return found

    def _pick(self, name: str | None) -> Schedule:
        if name is not None:
            return self.schedule(name)
        if len(self.schedules) == 1:
            return self.schedules[0]
        names = ", ".join(f"`{s.name}`" for s in self.schedules)
        raise UsageError(
            f"Which schedule? Name one: {names}." if names else "No schedules are configured."
        )

    @staticmethod
    def _layer(schedule: Schedule, name: str | None) -> Layer:
        layer = schedule.layer(name) if name else schedule.layers[0]
        if layer is None:
            names = ", ".join(f"`{layer.name}`" for layer in schedule.layers)
            raise UsageError(f"*{schedule.name}* has no layer `{name}`; it has {names}.")
        return layer

    @staticmethod
    def _instant(moment: LocalMoment, today: date, zone: ZoneInfo) -> datetime:
        return local_to_utc(moment.on(today), zone)

    def _place(
        self,
        schedule: Schedule,
        layer: Layer,
        user: str,
        starts: datetime,
        ends: datetime,
        by: str,
        request_key: str,
        action: str,
    ) -> OncallOverride:
        """The override stored and audited as `action` (or the one an earlier try of the
        request made, audited then)."""
        now = self._clock()
        if ends <= now:
            raise UsageError("That time is already over: an override is for now or later.")
        starts = max(starts, now)  # what already happened stays as it was
        most = self._oncall.max_override_days
        if ends - starts > timedelta(days=most):
            raise UsageError(f"An override lasts at most {most} days; make several if needed.")
        covers = self._covers(schedule.name, starts, starts + _EPSILON)
        covered = shift_at(schedule, layer, covers, starts, self._lineups(schedule.name))
        row = OncallOverride.model_validate(
            {
                "schedule": schedule.name,
                "layer": layer.name,
                "user": user,
                "covers": covered.user if covered and covered.user != user else None,
                "starts_at": starts,
                "ends_at": ends,
                "created_by": by,
                "created_at": now,
                "request_key": request_key,
            }
        )
        return self._store.add(row, lambda made: self._audit(made, action, by))[0]


_EPSILON: Final = timedelta(microseconds=1)
