"""Insight use cases: `/incident stats`, the weekly digest and the export."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import Policy
from bot.csv_text import csv_text
from bot.errors import IncidentError
from bot.follow_through import Report
from bot.incidents import visible_to
from bot.insights.metrics import Metrics, Occurrence, charted_weeks, compute
from bot.insights.periods import Period, parse_range
from bot.metrics import Measures
from bot.oncall.load import PersonLoad
from bot.ports import ChartMaker, Clock, Documents, InsightsStore
from bot.priority import PriorityMatrix
from models import Role

_COLUMNS = (
    "ref", "title", "severity", "status", "private", "services", "reporter", "commander",
    "impact_started_at", "declared_at", "acknowledged_at", "identified_at", "mitigated_at",
    "resolved_at", "closed_at", "minutes_to_detect", "minutes_to_acknowledge",
    "minutes_to_mitigate", "minutes_to_resolve", "minutes_of_impact", "category", "tags",
    "detection", "impact_scope", "priority",
)  # fmt: skip


@dataclass(frozen=True)
class Stats:
    current: Metrics
    previous: Metrics
    scope: str  # the filters, in words ("" for every incident)


@dataclass(frozen=True)
class Picture:
    """An uploaded chart a message can show."""

    file_id: str
    title: str
    alt_text: str


@dataclass(frozen=True)
class Digest:
    period: Period
    week: Metrics
    previous: Metrics
    quarter: Metrics
    follow_through: Report
    pictures: tuple[Picture, ...] = ()
    # Private incidents declared in the period and the one before: counted, never described.
    private: int = 0
    private_before: int = 0
    # Who carried on-call in the period: pages, out of hours, most paged first.
    oncall: tuple[PersonLoad, ...] = ()


class InsightsService:
    def __init__(
        self,
        store: InsightsStore,
        follow_through: Callable[[], Report],
        charts: ChartMaker,
        documents: Documents,
        policy: Policy,
        clock: Clock,
        oncall: Callable[[datetime, datetime], Sequence[PersonLoad]] | None = None,
    ) -> None:
        self._store, self._follow_through = store, follow_through
        # Each person's on-call load between two instants (bot.oncall.load_service).
        self._oncall = oncall
        self._charts, self._documents = charts, documents
        self._policy, self._clock = policy, clock
        self._zone = ZoneInfo(policy.timezone)

    def period(self, text: str) -> Period:
        """The period a range names (`7d`, `30d`, `90d`, `quarter`, `2026-Q3`); raises
        UsageError for anything else."""
        return parse_range(text, self._clock(), self._zone)

    def stats(
        self,
        viewer: str,
        period: Period,
        service: str | None = None,
        severity: str | None = None,
        *,
        public: bool = False,
        everything: bool = False,
    ) -> Stats:
        """The metrics of the incidents `viewer` may see in `period` (and the period before),
        optionally of one service or severity. `public` (to be posted in a channel): private
        incidents are left out, whoever asks. `everything`: private ones count whoever asks
        (an API token granted private access)."""
        if severity is not None and self._policy.severity(severity) is None:
            raise IncidentError(f"{severity.upper()} is not a configured severity.")
        wanted_service = service.lower() if service else None

        def seen(incident: Occurrence, roles: dict[Role, str]) -> bool:
            if everything or not incident.private:
                return True
            return not public and visible_to(incident, roles, viewer, None)

        def wanted(incident: Occurrence, roles: dict[Role, str]) -> bool:
            return (
                seen(incident, roles)
                and (wanted_service is None or wanted_service in _lower(incident.services))
                and (severity is None or incident.severity == severity)
            )

        previous = period.previous()
        incidents, roles = self._read(period, previous, wanted)
        now = self._clock()
        scope = ", ".join(
            part
            for part in (f"service {service}" if service else "", (severity or "").upper())
            if part
        )
        return Stats(
            compute(incidents, roles, period, self._policy, now),
            compute(incidents, roles, previous, self._policy, now, detail=False),
            scope,
        )

    def pictures(self, metrics: Metrics, count: int = 3) -> tuple[Picture, ...]:
        """The first `count` of the metrics' charts, uploaded for a message to show.
        Raises ChatUnavailable when the platform refuses an upload."""
        return tuple(
            Picture(self._documents.upload_image(chart), chart.title, chart.alt_text)
            for chart in self._charts.trends(metrics, count)
        )

    def warm_up(self) -> int:
        """Reads ahead what stats of the last full quarter and of this one so far read, and
        draws a chart nobody sees (loading the drawing library and its fonts), so the first
        person to ask after a start waits no longer than the next. Returns how many
        incidents were read."""
        now = self._clock()
        last = parse_range("quarter", now, self._zone).previous()
        start = last.previous().start - self._policy.insights.repeat_window
        incidents, _ = self._store.declared_between(start, now, roles_from=now)
        self._charts.trends(compute([], {}, Period(now, now, "warm-up"), self._policy, now), 1)
        return len(incidents)

    def digest(self, end: datetime) -> Digest:
        """The digest of the period ending at `end` (a week, by default), with its charts.
        Private incidents are only counted: every number and chart is of the others."""
        end = end.astimezone(self._zone)  # a week back is a calendar week, across DST
        period = Period(end - self._policy.insights.digest_period, end, "this week")
        quarter = parse_range("quarter", end, self._zone)
        previous = period.previous()
        incidents, roles = self._read(
            period, previous, lambda *_: True, also=quarter, trend_week=period.start
        )
        public = [i for i in incidents if not i.private]
        week = compute(public, roles, period, self._policy, end, trend_week=period.start)
        return Digest(
            period,
            week,
            compute(public, roles, previous, self._policy, end, detail=False),
            compute(public, roles, quarter, self._policy, end, detail=False),
            self._follow_through(),
            self.pictures(week),
            private=sum(1 for i in incidents if i.private and i.declared_at in period),
            private_before=sum(1 for i in incidents if i.private and i.declared_at in previous),
            oncall=tuple(
                sorted(
                    (p for p in self._oncall(period.start, period.end) if p.pages),
                    key=lambda p: (-p.pages, -p.out_of_hours, p.person),
                )
            )
            if self._oncall
            else (),
        )

    def export(self, viewer: str | None, period: Period) -> list[dict[str, str]]:
        """A row per incident declared in `period` (those `viewer` may see; all when None),
        with every timestamp (UTC, ISO 8601) and the computed durations in minutes."""
        incidents, roles = self._store.declared_between(period.start, period.end)
        return export_rows(incidents, roles, viewer, self._policy.priority_matrix)

    def send_export(self, viewer: str, period: Period) -> int:
        """Sends the person the incidents they may see in `period` as a CSV file, directly;
        returns how many rows it has. Raises ChatUnavailable when the upload is refused."""
        rows = self.export(viewer, period)
        label = period.label.removeprefix("the ").replace(" ", "-")
        start, end = period.start.date().isoformat(), period.end.date().isoformat()
        self._documents.upload_text(
            viewer,
            f"incidents-{label}.csv",
            f"Incidents, {period.label} ({start} to {end})",
            as_csv(rows),
            f"{len(rows)} incident{'s' if len(rows) != 1 else ''} declared {period.label}, "
            "with every timestamp (UTC) and the durations in minutes.",
        )
        return len(rows)

    def _read(
        self,
        period: Period,
        previous: Period,
        wanted: Callable[[Occurrence, dict[Role, str]], bool],
        also: Period | None = None,
        trend_week: datetime | None = None,
    ) -> tuple[list[Occurrence], dict[int, dict[Role, str]]]:
        """The incidents the metrics of `period` and `previous` (and `also`) need: those
        declared in them, the repeat window before, and the weeks the trend charts."""
        repeats = self._policy.insights.repeat_window
        weeks = charted_weeks(period, self._zone, trend_week)
        starts = [previous.start, period.start - repeats, weeks[0]]
        if also is not None:
            starts.append(also.start - repeats)
        incidents, roles = self._store.declared_between(
            min(starts), period.end, roles_from=period.start
        )
        kept = [i for i in incidents if wanted(i, roles.get(i.id, {}))]
        return kept, roles


def _lower(names: Sequence[str]) -> set[str]:
    return {name.lower() for name in names}


def export_rows(
    incidents: Sequence[Occurrence],
    roles: dict[int, dict[Role, str]],
    viewer: str | None,
    matrix: PriorityMatrix | None = None,
) -> list[dict[str, str]]:
    """A row per incident `viewer` may see (all when None): its timestamps (UTC, ISO 8601)
    and durations in minutes."""
    rows = []
    for incident in incidents:
        held = roles.get(incident.id or 0, {})
        if viewer is None or visible_to(incident, held, viewer, None):
            rows.append(_row(incident, held, matrix or PriorityMatrix()))
    return rows


def _row(incident: Occurrence, roles: dict[Role, str], matrix: PriorityMatrix) -> dict[str, str]:
    measures = Measures.of(incident)

    def moment(value: datetime | None) -> str:
        return value.isoformat() if value else ""

    def minutes(value: timedelta | None) -> str:
        return f"{value.total_seconds() / 60:.1f}" if value is not None else ""

    return {
        "ref": incident.ref,
        "title": incident.title,
        "severity": incident.severity,
        "status": incident.status.value,
        "private": "yes" if incident.private else "no",
        "services": "; ".join(incident.services),
        "reporter": incident.reporter,
        "commander": roles.get(Role.COMMANDER, ""),
        "impact_started_at": moment(incident.impact_started_at),
        "declared_at": moment(incident.declared_at),
        "acknowledged_at": moment(incident.acknowledged_at),
        "identified_at": moment(incident.identified_at),
        "mitigated_at": moment(incident.mitigated_at),
        "resolved_at": moment(incident.resolved_at),
        "closed_at": moment(incident.closed_at),
        "minutes_to_detect": minutes(measures.to_detect),
        "minutes_to_acknowledge": minutes(measures.to_acknowledge),
        "minutes_to_mitigate": minutes(measures.to_mitigate),
        "minutes_to_resolve": minutes(measures.to_resolve),
        "minutes_of_impact": minutes(measures.impact),
        "category": incident.category or "",
        "tags": "; ".join(incident.tags),
        "detection": incident.detection.value if incident.detection else "",
        "impact_scope": incident.impact_scope.value if incident.impact_scope else "",
        "priority": matrix.of(incident.severity, incident.impact_scope) or "",
    }


def as_csv(rows: Sequence[dict[str, str]]) -> str:
    """The rows as CSV with a header line, for spreadsheets and BI tools (formulas inert)."""
    return csv_text(rows, _COLUMNS)


def as_json(rows: Sequence[dict[str, str]]) -> str:
    return json.dumps(list(rows), indent=2)
