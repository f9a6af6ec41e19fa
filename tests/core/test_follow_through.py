"""Follow-through numbers and the recurrence check, from items whose outcomes are known."""

from datetime import UTC, date, datetime, timedelta

from bot.config import Policy, Service
from bot.follow_through import NO_TEAM, Rate, follow_through, report
from models import ActionItem, ActionStatus, Incident, Status

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
POLICY = Policy(
    services=(
        Service(name="checkout-api", team="payments"),
        Service(name="search", team="discovery"),
        Service(name="wiki"),
    )
)


def item(item_id: int, *, created_days_ago: float, due_in: int, done_after: float | None = None,
         cancelled: bool = False, incident_id: int = 1) -> ActionItem:  # fmt: skip
    created = NOW - timedelta(days=created_days_ago)
    status = ActionStatus.OPEN
    completed = None
    if done_after is not None:
        status, completed = ActionStatus.DONE, created + timedelta(days=done_after)
    if cancelled:
        status, completed = ActionStatus.CANCELLED, NOW
    return ActionItem.model_validate(
        {
            "id": item_id, "incident_id": incident_id, "title": f"Item {item_id}",
            "owner": "U_BOB", "created_by": "U_ALICE", "priority": "p2",
            "due_on": NOW.date() + timedelta(days=due_in), "status": status,
            "created_at": created, "completed_at": completed, "updated_at": NOW,
        }
    )  # fmt: skip


def incident(incident_id: int, services: list[str], declared_days_ago: float) -> Incident:
    declared = NOW - timedelta(days=declared_days_ago)
    return Incident.model_validate(
        {
            "id": incident_id, "ref": f"INC-2026-{incident_id:04d}", "title": "Down",
            "severity": "sev2", "status": Status.RESOLVED, "reporter": "U_ALICE",
            "services": services, "declared_at": declared, "updated_at": declared,
        }
    )  # fmt: skip


def test_an_item_counts_once_its_outcome_is_known() -> None:
    items = [
        item(1, created_days_ago=40, due_in=-20, done_after=10),  # done in 10 days, on time
        item(2, created_days_ago=40, due_in=-30, done_after=35),  # done late, after 35 days
        item(3, created_days_ago=45, due_in=-15),  # open, 45 days old, overdue
        item(4, created_days_ago=5, due_in=9),  # open and young: no outcome yet
        item(5, created_days_ago=3, due_in=20, done_after=1),  # done quickly
        item(6, created_days_ago=50, due_in=-5, cancelled=True),  # a decision: not counted
    ]
    numbers = follow_through(items, NOW, POLICY)
    assert (numbers.items, numbers.open, numbers.overdue) == (5, 2, 1)
    assert numbers.done_within == Rate(2, 4)  # 1 and 5 of 1, 2, 3, 5
    assert numbers.done_by_due == Rate(2, 4)  # 1 and 5 of 1, 2, 3, 5 (4 is not yet due)
    assert numbers.median_to_complete == timedelta(days=10)


def test_with_nothing_known_the_rates_say_so_rather_than_zero() -> None:
    numbers = follow_through([item(1, created_days_ago=1, due_in=10)], NOW, POLICY)
    assert numbers.done_within.share is None and numbers.done_by_due.share is None
    assert numbers.median_to_complete is None


def test_on_time_means_by_the_end_of_the_due_day_in_the_organisations_timezone() -> None:
    done = item(1, created_days_ago=10, due_in=-9, done_after=0).model_copy(
        update={
            "due_on": date(2026, 11, 20),
            "completed_at": datetime(2026, 11, 20, 20, tzinfo=UTC),
        }
    )
    assert follow_through([done], NOW, POLICY).done_by_due == Rate(1, 1)  # 20:00 in UTC
    tokyo = Policy(timezone="Asia/Tokyo")
    assert follow_through([done], NOW, tokyo).done_by_due == Rate(0, 1)  # 05:00 the next day


def test_numbers_per_team_come_from_the_services_of_each_items_incident() -> None:
    incidents = {
        1: incident(1, ["checkout-api"], 60),
        2: incident(2, ["checkout-api", "search"], 50),
        3: incident(3, ["wiki"], 40),
        4: incident(4, [], 40),
    }
    items = [
        item(1, created_days_ago=40, due_in=-20, done_after=5, incident_id=1),
        item(2, created_days_ago=40, due_in=-20, incident_id=2),
        item(3, created_days_ago=40, due_in=-20, incident_id=3),
        item(4, created_days_ago=40, due_in=-20, incident_id=4),
    ]
    teams = report(items, incidents, NOW, POLICY).by_team
    assert set(teams) == {"payments", "discovery", NO_TEAM}
    assert teams["payments"].done_within == Rate(1, 2)  # items 1 and 2
    assert teams["discovery"].done_within == Rate(0, 1)  # item 2 touched search too
    assert teams[NO_TEAM].items == 2  # wiki has no team; incident 4 has no services


def test_a_fix_is_flagged_when_its_service_had_another_incident_after_it_was_done() -> None:
    incidents = {
        1: incident(1, ["checkout-api"], 60),
        2: incident(2, ["search"], 60),
        3: incident(3, ["checkout-api"], 10),  # after item 1 was done (50 days ago + 5)
        4: incident(4, ["search"], 59),  # before item 2 was done
        5: incident(5, [], 60),
    }
    items = [
        item(1, created_days_ago=55, due_in=-20, done_after=5, incident_id=1),
        item(2, created_days_ago=55, due_in=-20, done_after=5, incident_id=2),
        item(3, created_days_ago=55, due_in=-20, done_after=5, incident_id=5),  # no service
        item(4, created_days_ago=55, due_in=-20, incident_id=1),  # not done: not checked
    ]
    result = report(items, incidents, NOW, POLICY)
    assert (result.checked, result.recurred) == (2, 1)
    [recurrence] = result.recurrences
    assert recurrence.item.id == 1 and [i.ref for i in recurrence.later] == ["INC-2026-0003"]


def test_a_later_incident_on_two_shared_services_is_listed_once() -> None:
    incidents = {1: incident(1, ["a", "b"], 60), 2: incident(2, ["a", "b"], 1)}
    items = [item(1, created_days_ago=55, due_in=-20, done_after=5, incident_id=1)]
    found = report(items, incidents, NOW, POLICY)
    assert (found.checked, found.recurred) == (1, 1)
    [recurrence] = found.recurrences
    assert [i.ref for i in recurrence.later] == ["INC-2026-0002"]
