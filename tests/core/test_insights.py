"""Incident metrics on a fixed data set, against numbers worked out by hand: an incident
still open, one without an impact start, one never acknowledged, one across the spring
clock change, and earlier incidents that count only for repeats and the weekly trend."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.config import Policy
from bot.errors import UsageError
from bot.insights.metrics import Metrics, Occurrence, Spread, compute
from bot.insights.periods import Period, parse_range, quarter_period
from bot.insights.service import as_csv, export_rows
from bot.priority import PriorityMatrix
from models import Detection, ImpactScope, Incident, Role, Status

LONDON = ZoneInfo("Europe/London")
POLICY = Policy(timezone="Europe/London")
NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)
PERIOD = Period(  # Monday 2 March to Monday 30 March, on London's calendar
    datetime(2026, 3, 2, tzinfo=LONDON), datetime(2026, 3, 30, tzinfo=LONDON), "March's weeks"
)


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def incident(number: int, severity: str, services: list[str], declared: datetime,
             **milestones: datetime | None) -> Occurrence:  # fmt: skip
    resolved = milestones.get("resolved_at")
    return Occurrence.of(Incident.model_validate(
        {
            "id": number, "ref": f"INC-2026-{number:04d}", "title": f"Incident {number}",
            "severity": severity, "services": services, "reporter": "U9",
            "status": Status.RESOLVED if resolved else Status.INVESTIGATING,
            "declared_at": declared, "updated_at": declared, **milestones,
        }
    ))  # fmt: skip


# A: SEV1 on Monday morning, every milestone.
A = incident(
    1,
    "sev1",
    ["checkout"],
    at(2, 10),
    impact_started_at=at(2, 9, 50),
    acknowledged_at=at(2, 10, 5),
    mitigated_at=at(2, 10, 40),
    resolved_at=at(2, 11),
)
# B: SEV2 on Saturday night, no impact start; a repeat of A on checkout.
B = incident(
    2,
    "sev2",
    ["checkout", "search"],
    at(7, 22),
    acknowledged_at=at(7, 22, 20),
    mitigated_at=at(7, 23),
    resolved_at=at(8, 1),
)
# C: SEV3, never acknowledged (past its 2 h target), still open; a repeat of B on search.
C = incident(3, "sev3", ["search"], at(10, 14), impact_started_at=at(10, 13))
# D: SEV2 on the Sunday the clocks go forward (10:30 UTC is 11:30 in London), acknowledged
# late (40 min against 30), no services.
D = incident(
    4,
    "sev2",
    [],
    at(29, 10, 30),
    acknowledged_at=at(29, 11, 10),
    mitigated_at=at(29, 12),
    resolved_at=at(29, 13, 30),
)
# Before and after the period: for repeats and the weekly trend only.
E = incident(
    5,
    "sev2",
    ["search"],
    at(10, 9, month=1),
    acknowledged_at=at(10, 9, 5, month=1),
    resolved_at=at(10, 9, 30, month=1),
)
F = incident(6, "sev1", ["checkout"], at(29, 23, 30), acknowledged_at=at(30, 1, 5))  # 00:30 BST
ROLES = {1: {Role.COMMANDER: "U1", Role.LEAD: "U2"}, 2: {Role.COMMANDER: "U1"},
         4: {Role.COMMANDER: "U2"}}  # fmt: skip


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


@pytest.fixture(scope="module")
def metrics() -> Metrics:
    return compute([F, D, C, B, A, E], ROLES, PERIOD, POLICY, NOW)


def test_volume_counts_what_was_declared_in_the_period(metrics: Metrics) -> None:
    assert [i.ref for i in metrics.incidents] == [A.ref, B.ref, C.ref, D.ref]
    assert (metrics.volume, metrics.open) == (4, 1)
    assert metrics.by_severity == {"sev1": 1, "sev2": 2, "sev3": 1}
    assert metrics.by_service == {"checkout": 2, "search": 2}
    assert metrics.by_month == {"2026-03": 4}


def test_each_measure_is_spread_over_the_incidents_that_have_its_milestones(
    metrics: Metrics,
) -> None:
    spreads = metrics.spreads
    assert spreads["to_detect"] == Spread(2, minutes(35), minutes(35), minutes(60))
    assert spreads["to_acknowledge"] == Spread(3, minutes(65 / 3), minutes(20), minutes(40))
    assert spreads["to_mitigate"] == Spread(3, minutes(190 / 3), minutes(60), minutes(90))
    assert spreads["to_resolve"] == Spread(3, minutes(140), minutes(180), minutes(180))
    assert metrics.by_severity_spreads["sev2"]["to_resolve"] == Spread(
        2, minutes(180), minutes(180), minutes(180)
    )
    assert metrics.by_service_spreads["checkout"]["to_resolve"].median == minutes(120)
    assert metrics.by_severity_spreads["sev3"]["to_resolve"].count == 0  # still open


def test_response_targets_count_late_and_never_acknowledged_as_missed(metrics: Metrics) -> None:
    assert (metrics.on_target, metrics.targeted) == (2, 4)  # A and B in time; C never, D late


def test_impact_per_service_runs_from_impact_start_or_declaration_to_resolution(
    metrics: Metrics,
) -> None:
    assert metrics.impact_by_service == {"checkout": minutes(250), "search": minutes(180)}
    assert metrics.top_services(1) == [("checkout", 2)]


def test_times_are_the_organisations_across_the_clock_change(metrics: Metrics) -> None:
    hours = {h for h, n in enumerate(metrics.by_hour) if n}
    assert hours == {10, 22, 14, 11}  # D: 10:30 UTC is 11:30 British Summer Time
    assert metrics.by_weekday == (1, 1, 0, 0, 0, 1, 1)
    assert (metrics.weekend, metrics.out_of_hours) == (2, 2)


def test_responder_load_and_the_overload_flag(metrics: Metrics) -> None:
    loads = {load.person: load for load in metrics.load}
    u1, u2 = loads["U1"], loads["U2"]
    assert (u1.incidents, u1.severe, u1.out_of_hours, u1.busiest) == (2, 2, 1, 2)
    assert (u2.incidents, u2.severe, u2.out_of_hours, u2.busiest) == (2, 2, 1, 1)
    assert not u1.overloaded
    strict = Policy.model_validate({"timezone": "Europe/London", "insights": {"load_limit": 1}})
    flagged = compute([A, B, C, D], ROLES, PERIOD, strict, NOW).load
    assert {load.person for load in flagged if load.overloaded} == {"U1"}


def test_repeats_name_the_latest_earlier_incident_on_a_shared_service(metrics: Metrics) -> None:
    found = {(r.incident.ref, r.earlier.ref, r.service) for r in metrics.repeats}
    assert found == {(B.ref, A.ref, "checkout"), (C.ref, B.ref, "search")}


def test_the_weekly_trend_covers_twelve_weeks_ending_with_the_period(metrics: Metrics) -> None:
    assert metrics.weeks[0] == datetime(2026, 1, 5, tzinfo=LONDON)
    assert metrics.weeks[-1] == datetime(2026, 3, 23, tzinfo=LONDON)
    assert metrics.weekly_volume["sev2"] == (1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 1)
    assert metrics.weekly_volume["sev1"][8] == 1 and sum(metrics.weekly_volume["sev1"]) == 1
    assert metrics.weekly_resolve[0] == minutes(30)
    assert metrics.weekly_resolve[8] == minutes(120)
    assert metrics.weekly_resolve[9] is None  # C is still open
    assert metrics.weekly_resolve[11] == minutes(180)


def test_ranges_from_days_to_named_quarters() -> None:
    assert parse_range("7d", NOW, LONDON) == Period(NOW - timedelta(days=7), NOW, "the last 7 days")
    this = parse_range("quarter", NOW, LONDON)
    assert (this.start, this.end, this.label) == (datetime(2026, 4, 1, tzinfo=LONDON), NOW,
                                                  "2026-Q2 so far")  # fmt: skip
    q1 = parse_range("2026-Q1", NOW, LONDON)
    assert q1 == quarter_period(2026, 1, LONDON)
    assert q1.previous() == quarter_period(2025, 4, LONDON)
    assert parse_range("30d", NOW, LONDON).previous().end == NOW - timedelta(days=30)
    for bad in ("fortnight", "2027-Q1", "0d", "0000-Q1", "1969-Q4", "9999-Q4"):
        with pytest.raises(UsageError):
            parse_range(bad, NOW, LONDON)
    assert parse_range("1970-Q1", NOW, LONDON) == quarter_period(1970, 1, LONDON)


def test_a_compared_period_gets_its_headline_numbers_only() -> None:
    previous = compute([A, B, C, D], ROLES, PERIOD, POLICY, NOW, detail=False)
    full = compute([A, B, C, D], ROLES, PERIOD, POLICY, NOW)
    assert (previous.volume, previous.spreads, previous.on_target) == (
        full.volume, full.spreads, full.on_target,
    )  # fmt: skip
    assert previous.repeats == () and previous.weeks == () and previous.load == ()


def test_this_quarter_so_far_is_compared_with_the_last_as_far_in() -> None:
    so_far = parse_range("quarter", NOW, LONDON)  # 1 April 00:00 BST to 1 April 13:00 BST
    before = so_far.previous()
    assert before.start == datetime(2026, 1, 1, tzinfo=LONDON)
    assert before.end == datetime(2026, 1, 1, 13, tzinfo=LONDON)  # the same 13 hours in
    assert before.label == "2026-Q1 as far in"
    whole = parse_range("2025-Q4", NOW, LONDON).previous()
    assert (whole.label, whole.end) == ("2025-Q3", datetime(2025, 10, 1, tzinfo=LONDON))


def test_the_digest_falls_due_at_its_local_hour_on_both_sides_of_a_clock_change() -> None:
    from bot.config import Insights
    from bot.scheduling.digest import digest_notices

    policy = Policy(timezone="Europe/Berlin", insights=Insights(digest_channel="C1"))
    berlin = ZoneInfo("Europe/Berlin")
    before = digest_notices(datetime(2026, 3, 23, 9, 30, tzinfo=berlin), policy)
    after = digest_notices(datetime(2026, 3, 30, 9, 30, tzinfo=berlin), policy)  # summer time
    assert [n.due_at for n in before] == [datetime(2026, 3, 23, 9, tzinfo=berlin)]
    assert [n.due_at for n in after] == [datetime(2026, 3, 30, 9, tzinfo=berlin)]
    assert before[0].key != after[0].key and before[0].target == "C1"
    assert digest_notices(NOW, Policy()) == []  # no digest channel: no digest


def test_incidents_declared_by_monitoring_and_soon_after_a_deploy_are_counted() -> None:
    alerted = replace(C, detected_by="alertmanager", deployed_at=at(10, 11, 30))  # 90 min
    late = replace(A, deployed_at=at(2, 7))  # 2 h 50 min before the impact started
    soon = replace(B, deployed_at=at(7, 21, 30))  # no impact start: from the declaration

    found = compute([late, soon, alerted, D], ROLES, PERIOD, POLICY, NOW)

    assert (found.by_monitoring, found.after_deploy) == (1, 2)
    assert found.deploy_window == timedelta(hours=2)


def test_categorised_incidents_are_counted_by_category_most_first() -> None:
    replication, dns = "Database/replication", "Network/DNS"
    found = compute(
        [replace(A, category=dns), replace(B, category=replication),
         replace(C, category=replication), D],
        ROLES, PERIOD, POLICY, NOW,
    )  # fmt: skip
    assert found.by_category == {replication: 2, dns: 1}  # D has none: left out
    assert list(found.by_category) == [replication, dns]


def test_the_export_names_priority_category_tags_detection_and_scope() -> None:
    classified = replace(
        A, category="Network/DNS", tags=["dns", "edge"], impact_scope=ImpactScope.DEPARTMENT,
        detection=Detection.USER_REPORT,
    )  # fmt: skip
    [row, bare] = export_rows([classified, B], {}, None, PriorityMatrix(enabled=True))
    assert (row["category"], row["tags"]) == ("Network/DNS", "dns; edge")
    assert (row["detection"], row["impact_scope"], row["priority"]) == (
        "user_report", "department", "P2",
    )  # fmt: skip
    assert bare["priority"] == bare["category"] == bare["impact_scope"] == ""
    assert as_csv([row]).splitlines()[0].endswith("category,tags,detection,impact_scope,priority")
