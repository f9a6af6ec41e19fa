"""On-call schedules as the policy file writes them (`[oncall]`, `[[oncall.schedules]]`):
layers of rotations with a handoff time in the schedule's timezone, and restrictions; and
escalation policies (`[[oncall.escalation_policies]]`): who is paged, level by level.
Pure: validated at start-up, read by `bot.oncall.rotation` and `bot.oncall.escalation`."""

import re
from datetime import date, time, timedelta
from typing import Annotated, Final, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

USER_ID: Final = r"^[UW][A-Za-z0-9_]+$"
# Schedule and layer names are typed in commands and used in feed addresses.
NAME: Final = r"^[a-z0-9][a-z0-9_-]{0,39}$"
# Words `/incident oncall` reads as subcommands, so they can't name a schedule.
RESERVED: Final = frozenset({"override", "overrides", "take", "cancel", "help", "load", "rotation"})
WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_LENGTH: Final = re.compile(r"^(\d{1,3})\s*(h|d|w)$")
_CLOCK: Final = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_WAIT: Final = re.compile(r"^(\d{1,4})\s*(s|m|h)$")
CHANNEL_ID: Final = r"^[CG][A-Za-z0-9_]+$"
# How long a page waits for an acknowledgement when no escalation policy says.
DEFAULT_ACK_WITHIN: Final = "15m"


def parse_length(text: str) -> timedelta:
    """'daily', 'weekly', or a count of hours, days or weeks ('12h', '3d', '2w')."""
    word = text.strip().lower()
    if word == "daily":
        return timedelta(days=1)
    if word == "weekly":
        return timedelta(weeks=1)
    match = _LENGTH.match(word)
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a shift length like 'daily', 'weekly', '3d' or '12h'")
    amount = int(match[1])
    return {"h": timedelta(hours=amount), "d": timedelta(days=amount)}.get(
        match[2], timedelta(weeks=amount)
    )


def parse_clock(text: str) -> time:
    match = _CLOCK.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a time of day like '09:00'")
    return time(int(match[1]), int(match[2]))


def parse_wait(text: str) -> timedelta:
    """A time to acknowledge: '90s', '5m', '1h'."""
    match = _WAIT.match(text.strip().lower())
    if not match or int(match[1]) == 0:
        raise ValueError(f"{text!r} is not a time to acknowledge like '5m', '90s' or '1h'")
    unit = {"s": "seconds", "m": "minutes", "h": "hours"}[match[2]]
    return timedelta(**{unit: int(match[1])})


def _wait(value: str) -> str:
    parse_wait(value)
    return value.strip()


def _length(value: str) -> str:
    parse_length(value)
    return value


def _clock(value: str) -> str:
    parse_clock(value)
    return value.strip()


def _hours(value: str) -> str:
    start, _, end = value.replace(" ", "").partition("-")
    if parse_clock(start) >= parse_clock(end):
        raise ValueError(f"{value!r} is not hours like '09:00-17:00' (start before end)")
    return f"{start}-{end}"


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone {value!r}") from None
    return value


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class Restriction(BaseModel):
    """When a layer is on call at all, in the schedule's timezone; outside it, nobody is."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    hours: Annotated[str, AfterValidator(_hours)] = "09:00-17:00"

    @property
    def weekdays(self) -> frozenset[int]:
        """Monday is 0."""
        return frozenset(WEEKDAYS.index(day) for day in self.days)

    @property
    def span(self) -> tuple[time, time]:
        start, end = self.hours.split("-")
        return parse_clock(start), parse_clock(end)


class Layer(BaseModel):
    """One rotation: members take turns, in order, from `start` at `handoff`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=NAME)]
    # Slack user IDs; none means the layer has nobody on call.
    members: tuple[Annotated[str, Field(pattern=USER_ID)], ...] = ()
    length: Annotated[str, AfterValidator(_length)] = "weekly"
    handoff: Annotated[str, AfterValidator(_clock)] = "09:00"
    # The first member's first shift starts on this day at `handoff`; before it, nobody.
    start: date
    restrict: Restriction | None = None

    @property
    def shift_length(self) -> timedelta:
        return parse_length(self.length)

    @property
    def handoff_time(self) -> time:
        return parse_clock(self.handoff)


class Schedule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=NAME)]
    owner: Annotated[str, Field(pattern=USER_ID)] | None = None
    timezone: Annotated[str, AfterValidator(_zone)] = "UTC"
    layers: tuple[Layer, ...] = Field(min_length=1, max_length=10)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name.lower()), None)

    @model_validator(mode="after")
    def _names(self) -> Self:
        if self.name in RESERVED:
            raise ValueError(f"{self.name!r} is a command word; name the schedule otherwise")
        names = [layer.name for layer in self.layers]
        if len(set(names)) != len(names):
            raise ValueError("layers: each name must be unique in its schedule")
        return self


Wait = Annotated[str, AfterValidator(_wait)]


class Level(BaseModel):
    """One level of an escalation policy: whom it pages (a schedule's layer, named people,
    or a channel) and how long they have to acknowledge, by severity key or `default`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # "payments" (its first layer) or "payments/secondary".
    schedule: str | None = None
    users: tuple[Annotated[str, Field(pattern=USER_ID)], ...] = ()
    channel: Annotated[str, Field(pattern=CHANNEL_ID)] | None = None
    ack_within: Wait | dict[str, Wait] = DEFAULT_ACK_WITHIN

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        given = [bool(self.schedule), bool(self.users), bool(self.channel)]
        if sum(given) != 1:
            raise ValueError("a level pages exactly one of: schedule, users or channel")
        return self

    @property
    def schedule_and_layer(self) -> tuple[str, str | None]:
        name, _, layer = (self.schedule or "").partition("/")
        return name.strip().lower(), (layer.strip().lower() or None)

    def wait(self, severity: str) -> timedelta:
        """The time to acknowledge at `severity`: its own, else `default`, else 15m."""
        if isinstance(self.ack_within, str):
            return parse_wait(self.ack_within)
        table = {key.lower(): value for key, value in self.ack_within.items()}
        return parse_wait(table.get(severity.lower(), table.get("default", DEFAULT_ACK_WITHIN)))


class EscalationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(pattern=NAME)]
    levels: tuple[Level, ...] = Field(min_length=1, max_length=10)


class Burnout(BaseModel):
    """When a person's on-call load is too much: more than `severe` SEV1/SEV2 incidents
    (the insights' severe severities) or more than `out_of_hours_pages` pages outside
    working hours, within the last `within`. Their schedule's owner is told once per
    `within`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    severe: int = Field(default=3, ge=0)
    out_of_hours_pages: int = Field(default=5, ge=0)
    within: Annotated[str, AfterValidator(_length)] = "7d"

    @property
    def window(self) -> timedelta:
        return parse_length(self.within)


class Oncall(BaseModel):
    """On-call schedules, escalation policies, and the token of the calendar feeds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    schedules: tuple[Schedule, ...] = ()
    # The calendar feeds (GET /oncall/<schedule>.ics?token=…) are served only with a token;
    # better kept out of the file: `feed_token_env` names the variable that holds it.
    feed_token: Annotated[str, Field(min_length=16)] | None = None
    feed_token_env: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")] | None = None
    # An override may last at most this many days.
    max_override_days: int = Field(default=31, ge=1, le=366)
    escalation_policies: tuple[EscalationPolicy, ...] = ()
    # When a schedule's owner is warned about someone's load (`burnout = { ... }`).
    burnout: Burnout = Burnout()

    @model_validator(mode="after")
    def _unique(self) -> Self:
        names = [s.name for s in self.schedules]
        if len(set(names)) != len(names):
            raise ValueError("oncall.schedules: each name must be unique")
        policies = [p.name for p in self.escalation_policies]
        if len(set(policies)) != len(policies):
            raise ValueError("oncall.escalation_policies: each name must be unique")
        for i, policy in enumerate(self.escalation_policies):
            for j, level in enumerate(policy.levels):
                if level.schedule is not None:
                    self._check_level(f"oncall.escalation_policies.{i}.levels.{j}", level)
        return self

    def _check_level(self, where: str, level: Level) -> None:
        name, layer = level.schedule_and_layer
        schedule = self.schedule(name)
        if schedule is None:
            known = ", ".join(s.name for s in self.schedules) or "none configured"
            raise ValueError(f"{where}.schedule: {name!r} is not in oncall.schedules ({known})")
        if layer is not None and schedule.layer(layer) is None:
            raise ValueError(f"{where}.schedule: {name!r} has no layer {layer!r}")

    def escalation_policy(self, name: str) -> EscalationPolicy | None:
        return next((p for p in self.escalation_policies if p.name == name.strip().lower()), None)

    def schedule(self, name: str) -> Schedule | None:
        return next((s for s in self.schedules if s.name == name.strip().lower()), None)
