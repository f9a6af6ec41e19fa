"""Incident metrics over a period, from the stored lifecycle timestamps. Pure.

Each measure comes from the milestones `bot.metrics.Measures` reads (never from update
times); an incident without both milestones of a measure is left out of it, never guessed.
Times of day and weekdays are the organisation's."""

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from bot.config import Policy
from bot.insights.periods import Period, weeks_before
from models import Detection, ImpactScope, Incident, Role, Status

MEASURES = ("to_detect", "to_acknowledge", "to_mitigate", "to_resolve")
_NOTHING = timedelta(0)
WEEKS_CHARTED = 12


@dataclass(frozen=True, slots=True)
class Occurrence:
    """An incident as the metrics read it: what it is, and its milestones. Lighter than
    the Incident row, so a quarter of a large organisation's incidents reads fast."""

    id: int
    ref: str
    title: str
    severity: str
    status: Status
    private: bool
    services: list[str]
    reporter: str
    channel_id: str | None
    impact_started_at: datetime | None
    declared_at: datetime
    acknowledged_at: datetime | None
    identified_at: datetime | None
    mitigated_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    # The monitoring source that declared it; None when a person did.
    detected_by: str | None = None
    # From the policy's taxonomy (`Database/replication`); None until someone sets it.
    category: str | None = None
    detection: Detection | None = None
    impact_scope: ImpactScope | None = None
    tags: Sequence[str] = ()
    # The last linked deploy at or before the impact started (or the declaration).
    deployed_at: datetime | None = None

    @classmethod
    def of(cls, incident: Incident, deployed_at: datetime | None = None) -> "Occurrence":
        assert incident.id is not None
        read = {f.name: getattr(incident, f.name) for f in fields(cls) if f.name != "deployed_at"}
        return cls(**read, deployed_at=deployed_at)

    @property
    def impact_start(self) -> datetime:
        return self.impact_started_at or self.declared_at


@dataclass(frozen=True)
class Spread:
    """How a duration is spread over the incidents that have it."""

    count: int
    mean: timedelta | None
    median: timedelta | None
    p90: timedelta | None

    @classmethod
    def of(cls, durations: Iterable[timedelta]) -> "Spread":
        return cls.of_seconds([d.total_seconds() for d in durations])

    @classmethod
    def of_seconds(cls, seconds: Iterable[float]) -> "Spread":
        """The spread of durations given in seconds (as `timedelta.total_seconds()`)."""
        values = sorted(seconds)
        if not values:
            return cls(0, None, None, None)
        rank = math.ceil(0.9 * len(values)) - 1  # nearest rank
        return cls(
            len(values),
            timedelta(seconds=math.fsum(values) / len(values)),
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
    incident: Occurrence
    earlier: Occurrence  # the latest incident on a shared service within the repeat window
    service: str


@dataclass(frozen=True)
class Metrics:
    period: Period
    incidents: tuple[Occurrence, ...]  # declared in the period, oldest first
    open: int  # of those, not resolved yet
    by_severity: dict[str, int]
    by_service: dict[str, int]  # most incidents first
    # Each measure's spread overall.
    spreads: dict[str, Spread]
    # Acknowledged within the severity's response target, of those whose outcome is known.
    on_target: int
    targeted: int
    # The detail (left empty for a period only compared against):
    by_month: dict[str, int] = field(default_factory=dict)  # "2026-03": count, local calendar
    by_severity_spreads: dict[str, dict[str, Spread]] = field(default_factory=dict)
    by_service_spreads: dict[str, dict[str, Spread]] = field(default_factory=dict)
    impact_by_service: dict[str, timedelta] = field(default_factory=dict)
    by_hour: tuple[int, ...] = ()  # 24 counts
    by_weekday: tuple[int, ...] = ()  # 7 counts, Monday first
    weekend: int = 0
    out_of_hours: int = 0
    by_monitoring: int = 0  # declared from an alert
    by_category: dict[str, int] = field(default_factory=dict)  # most first; uncategorised left out
    after_deploy: int = 0  # impact started within `deploy_window` after a linked deploy
    deploy_window: timedelta = timedelta(0)
    load: tuple[Load, ...] = ()  # busiest first
    repeats: tuple[Repeat, ...] = ()
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
    incidents: Sequence[Occurrence],
    roles: Mapping[int, Mapping[Role, str]],
    period: Period,
    policy: Policy,
    now: datetime,
    *,
    detail: bool = True,
    trend_week: datetime | None = None,
) -> Metrics:
    """The metrics of the incidents declared in `period`. `incidents` may hold earlier ones:
    they are what repeats are found against and what the weekly trend is drawn from.
    Without `detail` (a period only compared against), only the headline numbers: volume,
    the measures' spreads and response targets. The weekly trend ends with the week of
    `trend_week` (by default, the period's last week)."""
    zone, rules = ZoneInfo(policy.timezone), policy.insights
    # Later incidents (a past quarter's last week runs on) are left out of every count.
    ordered = sorted(
        (i for i in incidents if i.declared_at < period.end), key=lambda i: i.declared_at
    )
    inside = ordered[bisect_left(ordered, period.start, key=lambda i: i.declared_at) :]
    measures = {i.id: _seconds(i) for i in inside}
    by_severity: dict[str, list[Occurrence]] = defaultdict(list)
    by_service: dict[str, list[Occurrence]] = defaultdict(list)
    for incident in inside:
        by_severity[incident.severity].append(incident)
        for service in incident.services:
            by_service[service].append(incident)
    on_target, targeted = _response(inside, policy, now)
    headline = Metrics(
        period=period,
        incidents=tuple(inside),
        open=sum(1 for i in inside if i.resolved_at is None),
        by_severity={key: len(found) for key, found in by_severity.items()},
        by_service={
            name: len(found)
            for name, found in sorted(by_service.items(), key=lambda kv: -len(kv[1]))
        },
        spreads=_spreads(inside, measures),
        on_target=on_target,
        targeted=targeted,
        by_category=dict(Counter(i.category for i in inside if i.category).most_common()),
    )
    if not detail:
        return headline
    hours = [i.declared_at.astimezone(zone) for i in inside]
    in_hours = rules.in_hours()
    outside = {i.id for i, h in zip(inside, hours, strict=True) if not in_hours(h)}
    by_hour, by_weekday = Counter(h.hour for h in hours), Counter(h.weekday() for h in hours)
    weeks = charted_weeks(period, zone, trend_week)
    weekly = _weekly(ordered, weeks)
    return replace(
        headline,
        by_month={
            f"{year}-{month:02d}": count
            for (year, month), count in Counter((h.year, h.month) for h in hours).items()
        },
        by_severity_spreads={k: _spreads(v, measures) for k, v in by_severity.items()},
        by_service_spreads={k: _spreads(v, measures) for k, v in by_service.items()},
        impact_by_service=_impact(inside),
        by_hour=tuple(by_hour.get(n, 0) for n in range(24)),
        by_weekday=tuple(by_weekday.get(n, 0) for n in range(7)),
        weekend=by_weekday[5] + by_weekday[6],
        out_of_hours=len(outside),
        by_monitoring=sum(1 for i in inside if i.detected_by),
        after_deploy=sum(
            1
            for i in inside
            if i.deployed_at and i.impact_start - i.deployed_at <= rules.deploy_period
        ),
        deploy_window=rules.deploy_period,
        load=_load(inside, roles, policy, outside),
        repeats=tuple(_repeats(ordered, inside, rules.repeat_window)),
        weeks=tuple(weeks),
        weekly_volume=_weekly_volume(weekly, weeks, policy),
        weekly_resolve=_weekly_resolve(weekly, weeks),
    )


def charted_weeks(
    period: Period, zone: ZoneInfo, trend_week: datetime | None = None
) -> list[datetime]:
    """The starts of the WEEKS_CHARTED weeks a trend shows, ending with the week of
    `trend_week` (by default the week of the period's last moment)."""
    last = trend_week or period.end - timedelta(microseconds=1)
    return weeks_before(last, WEEKS_CHARTED, zone)


def _seconds(incident: Occurrence) -> tuple[float | None, ...]:
    """The incident's MEASURES in seconds, in that order (None where a milestone is
    missing): what `Measures.of` gives, without a timedelta per measure to allocate."""
    declared = incident.declared_at
    started, acknowledged = incident.impact_started_at, incident.acknowledged_at
    mitigated, resolved = incident.mitigated_at, incident.resolved_at
    return (
        None if started is None else max((declared - started).total_seconds(), 0.0),
        None if acknowledged is None else max((acknowledged - declared).total_seconds(), 0.0),
        None if mitigated is None else max((mitigated - declared).total_seconds(), 0.0),
        None if resolved is None else max((resolved - declared).total_seconds(), 0.0),
    )


def _spreads(
    incidents: Sequence[Occurrence], measures: Mapping[int, tuple[float | None, ...]]
) -> dict[str, Spread]:
    rows = [measures[i.id] for i in incidents]
    return {
        name: Spread.of_seconds([v for row in rows if (v := row[n]) is not None])
        for n, name in enumerate(MEASURES)
    }


def _response(incidents: Sequence[Occurrence], policy: Policy, now: datetime) -> tuple[int, int]:
    """Acknowledged within target, of the incidents whose outcome is known: acknowledged, or
    past their target unacknowledged. Severities without a duration target don't count."""
    targets = {s.key: s.respond_within for s in policy.severities}
    met = known = 0
    for incident in incidents:
        target = targets.get(incident.severity)
        if target is None:
            continue
        deadline = incident.declared_at + target
        if incident.acknowledged_at is not None:
            known += 1
            met += incident.acknowledged_at <= deadline
        elif now > deadline:
            known += 1
    return met, known


def _impact(incidents: Sequence[Occurrence]) -> dict[str, timedelta]:
    total: dict[str, timedelta] = defaultdict(timedelta)
    for incident in incidents:
        if incident.resolved_at is not None:  # the impact, summed exactly (not in seconds)
            impact = max(incident.resolved_at - incident.impact_start, _NOTHING)
            for service in incident.services:
                total[service] += impact
    return dict(sorted(total.items(), key=lambda kv: kv[1], reverse=True))


def _load(
    incidents: Sequence[Occurrence],
    roles: Mapping[int, Mapping[Role, str]],
    policy: Policy,
    outside: Set[int],
) -> tuple[Load, ...]:
    """Each role holder's load; `outside`: the IDs of those declared out of hours."""
    rules = policy.insights
    handled: dict[str, list[Occurrence]] = defaultdict(list)
    for incident in incidents:
        for person in set((roles.get(incident.id) or {}).values()):
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
                out_of_hours=sum(1 for i in theirs if i.id in outside),
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
    ordered: Sequence[Occurrence], inside: Sequence[Occurrence], within: timedelta
) -> list[Repeat]:
    """Each incident of the period that a shared service had another incident shortly
    before, with the latest such incident; found by bisecting per service."""
    by_service: dict[str, list[Occurrence]] = defaultdict(list)
    for incident in ordered:  # oldest first, so each list is sorted by declaration
        for service in incident.services:
            by_service[service].append(incident)
    times = {s: [i.declared_at for i in found] for s, found in by_service.items()}
    repeats = []
    for incident in inside:
        latest: tuple[Occurrence, str] | None = None
        for service in incident.services:
            before = bisect_left(times[service], incident.declared_at) - 1
            if before < 0:
                continue
            other = by_service[service][before]
            recent = incident.declared_at - other.declared_at <= within
            if recent and (latest is None or other.declared_at > latest[0].declared_at):
                latest = (other, service)
        if latest is not None:
            repeats.append(Repeat(incident, latest[0], latest[1]))
    return repeats


def _weekly(
    ordered: Sequence[Occurrence], weeks: Sequence[datetime]
) -> list[tuple[int, Occurrence]]:
    """The incidents of the charted weeks (`ordered` is by declaration), each with its week's
    index: found by bisecting at the weeks' starts rather than converting every time."""
    times = [i.declared_at for i in ordered]
    ends = [*weeks[1:], weeks[-1] + timedelta(weeks=1)]  # local: a calendar week on
    found = []
    for index, (start, end) in enumerate(zip(weeks, ends, strict=True)):
        found += [(index, i) for i in ordered[bisect_left(times, start) : bisect_left(times, end)]]
    return found


def _weekly_volume(
    weekly: Sequence[tuple[int, Occurrence]], weeks: Sequence[datetime], policy: Policy
) -> dict[str, tuple[int, ...]]:
    counts = {s.key: [0] * len(weeks) for s in policy.severities}
    for index, incident in weekly:
        counts.setdefault(incident.severity, [0] * len(weeks))[index] += 1
    return {key: tuple(values) for key, values in counts.items()}


def _weekly_resolve(
    weekly: Sequence[tuple[int, Occurrence]], weeks: Sequence[datetime]
) -> tuple[timedelta | None, ...]:
    per_week: list[list[float]] = [[] for _ in weeks]
    for index, incident in weekly:
        if (resolved := incident.resolved_at) is not None:
            per_week[index].append(max((resolved - incident.declared_at).total_seconds(), 0.0))
    return tuple(Spread.of_seconds(values).median for values in per_week)
