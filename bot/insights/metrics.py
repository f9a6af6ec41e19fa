"""Incident metrics over a period, from the stored lifecycle timestamps. Pure.

Each measure comes from the milestones `bot.metrics.Measures` reads (never from update
times); an incident without both milestones of a measure is left out of it, never guessed.
Times of day and weekdays are the organisation's."""

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import mean, median
from zoneinfo import ZoneInfo

from bot.config import Policy
from bot.insights.periods import Period, week_start, weeks_before
from bot.metrics import Measures
from models import Incident, Role

MEASURES = ("to_detect", "to_acknowledge", "to_mitigate", "to_resolve")
WEEKS_CHARTED = 12


@dataclass(frozen=True)
class Spread:
    """How a duration is spread over the incidents that have it."""

    count: int
    mean: timedelta | None
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> "Spread":
        values = sorted(d.total_seconds() for d in durations)
        if not values:
            return cls(0, None, None, None)
        rank = math.ceil(0.9 * len(values)) - 1  # nearest rank
        return cls(
            len(values),
            timedelta(seconds=mean(values)),
            timedelta(seconds=median(values)),
            timedelta(seconds=values[rank]),
        )


@dataclass(frozen=True)
class Load:
    """What one person handled (held a role in) during the period."""

    person: str
    incidents: int
    severe: int  # of the policy's severe severities (SEV1/SEV2 by default)
    out_of_hours: int  # declared outside business hours
    busiest: int  # the most incidents in any window of the policy's length
    overloaded: bool  # busiest over the policy's limit


@dataclass(frozen=True)
class Repeat:
    incident: Incident
    earlier: Incident  # the latest incident on a shared service within the repeat window
    service: str


@dataclass(frozen=True)
class Metrics:
    period: Period
    incidents: tuple[Incident, ...]  # declared in the period, oldest first
    open: int  # of those, not resolved yet
    by_severity: dict[str, int]
    by_service: dict[str, int]
    # Each measure's spread overall, and per severity and per service.
    spreads: dict[str, Spread]
    by_severity_spreads: dict[str, dict[str, Spread]]
    by_service_spreads: dict[str, dict[str, Spread]]
    # Acknowledged within the severity's response target, of those whose outcome is known.
    on_target: int
    targeted: int
    impact_by_service: dict[str, timedelta]
    by_hour: tuple[int, ...]  # 24 counts
    by_weekday: tuple[int, ...]  # 7 counts, Monday first
    weekend: int
    out_of_hours: int
    load: tuple[Load, ...]  # busiest first
    repeats: tuple[Repeat, ...]
    # Per week of the WEEKS_CHARTED ending with the period: volume by severity and the
    # median time to resolve.
    weeks: tuple[datetime, ...] = ()
    weekly_volume: dict[str, tuple[int, ...]] = field(default_factory=dict)
    weekly_resolve: tuple[timedelta | None, ...] = ()

    @property
    def volume(self) -> int:
        return len(self.incidents)

    def top_services(self, count: int = 5) -> list[tuple[str, int]]:
        return Counter(self.by_service).most_common(count)


def compute(
    incidents: Sequence[Incident],
    roles: Mapping[int, Mapping[Role, str]],
    period: Period,
    policy: Policy,
    now: datetime,
) -> Metrics:
    """The metrics of the incidents declared in `period`. `incidents` may hold earlier ones:
    they are what repeats are found against and what the weekly trend is drawn from."""
    zone, rules = ZoneInfo(policy.timezone), policy.insights
    # Later incidents (a past quarter's last week runs on) are left out of every count.
    ordered = sorted(
        (i for i in incidents if i.declared_at < period.end), key=lambda i: i.declared_at
    )
    inside = [i for i in ordered if i.declared_at in period]
    measures = {i.id: Measures.of(i) for i in ordered}
    by_severity = Counter(i.severity for i in inside)
    by_service = Counter(s for i in inside for s in i.services)
    hours = [i.declared_at.astimezone(zone) for i in inside]
    on_target, targeted = _response(inside, policy, now)
    weeks = weeks_before(period.end - timedelta(microseconds=1), WEEKS_CHARTED, zone)
    return Metrics(
        period=period,
        incidents=tuple(inside),
        open=sum(1 for i in inside if i.resolved_at is None),
        by_severity=dict(by_severity),
        by_service=dict(by_service.most_common()),
        spreads=_spreads(inside, measures),
        by_severity_spreads={
            key: _spreads([i for i in inside if i.severity == key], measures) for key in by_severity
        },
        by_service_spreads={
            name: _spreads([i for i in inside if name in i.services], measures)
            for name in by_service
        },
        on_target=on_target,
        targeted=targeted,
        impact_by_service=_impact(inside, measures),
        by_hour=tuple(sum(1 for h in hours if h.hour == n) for n in range(24)),
        by_weekday=tuple(sum(1 for h in hours if h.weekday() == n) for n in range(7)),
        weekend=sum(1 for h in hours if h.weekday() >= 5),
        out_of_hours=sum(1 for h in hours if not rules.in_hours(h)),
        load=_load(inside, roles, policy, zone),
        repeats=tuple(_repeats(ordered, inside, rules.repeat_window)),
        weeks=tuple(weeks),
        weekly_volume=_weekly_volume(ordered, weeks, policy, zone),
        weekly_resolve=_weekly_resolve(ordered, weeks, measures, zone),
    )


def _spreads(
    incidents: Sequence[Incident], measures: Mapping[int | None, Measures]
) -> dict[str, Spread]:
    found: dict[str, Spread] = {}
    for name in MEASURES:
        values = [getattr(measures[i.id], name) for i in incidents]
        found[name] = Spread.of(v for v in values if v is not None)
    return found


def _response(incidents: Sequence[Incident], policy: Policy, now: datetime) -> tuple[int, int]:
    """Acknowledged within target, of the incidents whose outcome is known: acknowledged, or
    past their target unacknowledged. Severities without a duration target don't count."""
    met = known = 0
    for incident in incidents:
        severity = policy.severity(incident.severity)
        target = severity.respond_within if severity else None
        if target is None:
            continue
        deadline = incident.declared_at + target
        if incident.acknowledged_at is not None:
            known += 1
            met += incident.acknowledged_at <= deadline
        elif now > deadline:
            known += 1
    return met, known


def _impact(
    incidents: Sequence[Incident], measures: Mapping[int | None, Measures]
) -> dict[str, timedelta]:
    total: dict[str, timedelta] = defaultdict(timedelta)
    for incident in incidents:
        impact = measures[incident.id].impact
        if impact is not None:
            for service in incident.services:
                total[service] += impact
    return dict(sorted(total.items(), key=lambda kv: kv[1], reverse=True))


def _load(
    incidents: Sequence[Incident],
    roles: Mapping[int, Mapping[Role, str]],
    policy: Policy,
    zone: ZoneInfo,
) -> tuple[Load, ...]:
    rules = policy.insights
    handled: dict[str, list[Incident]] = defaultdict(list)
    for incident in incidents:
        for person in set((roles.get(incident.id or 0) or {}).values()):
            handled[person].append(incident)
    found = []
    for person, theirs in handled.items():
        times = [i.declared_at for i in theirs]
        busiest = _busiest(times, rules.load_window)
        found.append(
            Load(
                person=person,
                incidents=len(theirs),
                severe=sum(1 for i in theirs if i.severity in rules.severe),
                out_of_hours=sum(
                    1 for i in theirs if not rules.in_hours(i.declared_at.astimezone(zone))
                ),
                busiest=busiest,
                overloaded=busiest > rules.load_limit,
            )
        )
    return tuple(sorted(found, key=lambda load: (-load.incidents, load.person)))


def _busiest(times: Sequence[datetime], window: timedelta) -> int:
    """The most of `times` (sorted) inside any window of length `window`."""
    best, first = 0, 0
    for last, moment in enumerate(times):
        while moment - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def _repeats(
    ordered: Sequence[Incident], inside: Sequence[Incident], within: timedelta
) -> list[Repeat]:
    found = []
    for incident in inside:
        earlier = [
            (other, service)
            for other in ordered
            if other.declared_at < incident.declared_at
            and incident.declared_at - other.declared_at <= within
            for service in incident.services
            if service in other.services
        ]
        if earlier:
            other, service = max(earlier, key=lambda pair: pair[0].declared_at)
            found.append(Repeat(incident, other, service))
    return found


def _week_index(moment: datetime, weeks: Sequence[datetime], zone: ZoneInfo) -> int | None:
    start = week_start(moment, zone)
    return weeks.index(start) if start in weeks else None


def _weekly_volume(
    ordered: Sequence[Incident], weeks: Sequence[datetime], policy: Policy, zone: ZoneInfo
) -> dict[str, tuple[int, ...]]:
    counts = {s.key: [0] * len(weeks) for s in policy.severities}
    for incident in ordered:
        index = _week_index(incident.declared_at, weeks, zone)
        if index is not None:
            counts.setdefault(incident.severity, [0] * len(weeks))[index] += 1
    return {key: tuple(values) for key, values in counts.items()}


def _weekly_resolve(
    ordered: Sequence[Incident],
    weeks: Sequence[datetime],
    measures: Mapping[int | None, Measures],
    zone: ZoneInfo,
) -> tuple[timedelta | None, ...]:
    per_week: list[list[timedelta]] = [[] for _ in weeks]
    for incident in ordered:
        index = _week_index(incident.declared_at, weeks, zone)
        took = measures[incident.id].to_resolve
        if index is not None and took is not None:
            per_week[index].append(took)
    return tuple(Spread.of(values).median for values in per_week)
