"""The follow-up policy with an injected clock: which reminders open action items are owed."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.config import ItemReminders, Policy
from bot.scheduling.followups import Followup, followup_notices
from models import ActionItem, ActionStatus, Incident, NoticeKind, Status

LONDON = ZoneInfo("Europe/London")
POLICY = Policy(timezone="Europe/London")
CREATED = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)  # a Monday


def item(**fields: object) -> ActionItem:
    data: dict[str, object] = {
        "id": 1, "incident_id": 7, "title": "Alert on pool saturation", "owner": "U_BOB",
        "created_by": "U_ALICE", "priority": "p1", "due_on": date(2026, 11, 20),
        "status": ActionStatus.OPEN, "created_at": CREATED, "updated_at": CREATED,
    }  # fmt: skip
    return ActionItem.model_validate(data | fields)


def incident(**fields: object) -> Incident:
    data: dict[str, object] = {
        "id": 7, "ref": "INC-2026-0007", "title": "Checkout down", "severity": "sev2",
        "status": Status.RESOLVED, "reporter": "U_ALICE", "channel_id": "C7",
        "declared_at": CREATED, "updated_at": CREATED,
    }  # fmt: skip
    return Incident.model_validate(data | fields)


def followup(commander: str | None = "U_CAROL", **fields: object) -> Followup:
    return Followup(item(**fields), incident(), commander)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def kinds(at: datetime, *followups: Followup, policy: Policy = POLICY) -> dict[NoticeKind, list]:
    found: dict[NoticeKind, list] = {}
    for notice in followup_notices(followups or (followup(),), at, policy):
        found.setdefault(notice.kind, []).append(notice)
    return found


def test_the_owner_is_reminded_two_days_before_the_due_day_at_nine_then_on_the_day() -> None:
    assert kinds(local(2026, 11, 18, 8, 59)) == {}
    [soon] = kinds(local(2026, 11, 18, 9, 0))[NoticeKind.ITEM_DUE_SOON]
    assert (soon.target, soon.due_at, soon.data) == (
        "U_BOB",
        local(2026, 11, 18, 9),
        {"items": [1]},
    )
    assert kinds(local(2026, 11, 19, 23, 0))[NoticeKind.ITEM_DUE_SOON] == [soon]  # same key
    [today] = kinds(local(2026, 11, 20, 9, 0))[NoticeKind.ITEM_DUE]
    assert NoticeKind.ITEM_DUE_SOON not in kinds(local(2026, 11, 20, 9, 0))  # superseded
    assert today.key != soon.key and today.target == "U_BOB"


def test_nothing_is_due_about_an_item_once_it_is_done_or_cancelled() -> None:
    for status in (ActionStatus.DONE, ActionStatus.CANCELLED):
        assert kinds(local(2026, 11, 20, 10), followup(status=status)) == {}
        assert kinds(local(2026, 12, 28, 10), followup(status=status)) == {}


def test_a_new_due_date_or_owner_gets_its_own_reminders() -> None:
    [first] = kinds(local(2026, 11, 20, 9))[NoticeKind.ITEM_DUE]
    [moved] = kinds(local(2026, 11, 20, 9), followup(due_on=date(2026, 11, 21)))[
        NoticeKind.ITEM_DUE_SOON
    ]
    [given] = kinds(local(2026, 11, 20, 9), followup(owner="U_DAVE"))[NoticeKind.ITEM_DUE]
    assert len({first.key, moved.key, given.key}) == 3 and given.target == "U_DAVE"


def test_an_item_made_after_its_reminder_time_is_not_reminded_of_it() -> None:
    fresh = followup(created_at=local(2026, 11, 19, 15), due_on=date(2026, 11, 20))
    assert NoticeKind.ITEM_DUE_SOON not in kinds(local(2026, 11, 19, 16), fresh)
    assert NoticeKind.ITEM_DUE in kinds(local(2026, 11, 20, 9), fresh)
    same_day = followup(created_at=local(2026, 11, 20, 11), due_on=date(2026, 11, 20))
    assert kinds(local(2026, 11, 20, 12), same_day) == {}


def test_due_reminders_stop_once_the_item_is_overdue() -> None:
    assert NoticeKind.ITEM_DUE in kinds(local(2026, 11, 20, 23, 59))
    late = kinds(local(2026, 11, 21, 0, 1))
    assert NoticeKind.ITEM_DUE not in late and NoticeKind.ITEM_DUE_SOON not in late


def test_overdue_items_are_summarised_to_their_owner_and_rolled_up_per_incident_weekly() -> None:
    overdue = (followup(id=1), followup(id=2, owner="U_DAVE"), followup(id=3))
    # Due Friday the 20th; the first Monday 09:00 after it is the 23rd.
    assert NoticeKind.OVERDUE_SUMMARY not in kinds(local(2026, 11, 23, 8, 59), *overdue)
    found = kinds(local(2026, 11, 23, 9, 0), *overdue)
    summaries = {n.target: n.data["items"] for n in found[NoticeKind.OVERDUE_SUMMARY]}
    assert summaries == {"U_BOB": [1, 3], "U_DAVE": [2]}
    [rollup] = found[NoticeKind.OVERDUE_ROLLUP]
    assert (rollup.target, rollup.incident_id, rollup.data["items"]) == ("C7", 7, [1, 2, 3])
    later = kinds(local(2026, 11, 29, 20, 0), *overdue)
    assert later[NoticeKind.OVERDUE_ROLLUP] == [rollup]  # the same week: the same notice
    next_week = kinds(local(2026, 11, 30, 9, 0), *overdue)[NoticeKind.OVERDUE_ROLLUP]
    assert next_week[0].key != rollup.key


def test_an_item_that_became_overdue_mid_week_waits_for_the_next_summary() -> None:
    due_tuesday = followup(due_on=date(2026, 11, 24))
    assert NoticeKind.OVERDUE_SUMMARY not in kinds(local(2026, 11, 27, 9), due_tuesday)
    assert NoticeKind.OVERDUE_SUMMARY in kinds(local(2026, 11, 30, 9), due_tuesday)


def test_the_roll_up_of_an_archived_channel_goes_to_the_commander_or_the_declarer() -> None:
    archived = incident(channel_archived_at=CREATED)
    for commander, target in (("U_CAROL", "U_CAROL"), (None, "U_ALICE")):
        found = followup_notices(
            [Followup(item(), archived, commander)], local(2026, 11, 23, 9), POLICY
        )
        [rollup] = [n for n in found if n.kind is NoticeKind.OVERDUE_ROLLUP]
        assert rollup.target == target and rollup.key.endswith(f":{target}")


def test_second_scale_periods_and_lead_times_work_for_demos() -> None:
    quick = Policy(
        action_item_reminders=ItemReminders(
            before_due="30s", remind_at="00:00", overdue_every="20s", overdue_from="mon 00:00"
        )
    )
    due_today = followup(due_on=date(2026, 11, 20), created_at=datetime(2026, 11, 1, tzinfo=UTC))
    at = datetime(2026, 11, 19, 23, 59, 45, tzinfo=UTC)
    assert NoticeKind.ITEM_DUE_SOON in kinds(at, due_today, policy=quick)
    summaries = {
        n.key
        for seconds in (0, 19, 20, 41)
        for n in kinds(
            datetime(2026, 11, 21, 0, 0, 0, tzinfo=UTC) + timedelta(seconds=seconds),
            due_today,
            policy=quick,
        )[NoticeKind.OVERDUE_SUMMARY]
    }
    assert len(summaries) == 3  # 0 and 19 share a period; 20 and 41 start the next ones


def test_a_weekly_summary_keeps_its_hour_across_a_clock_change() -> None:
    late = followup(due_on=date(2026, 10, 1))
    [before] = kinds(local(2026, 10, 19, 9), late)[NoticeKind.OVERDUE_SUMMARY]
    [after] = kinds(local(2026, 10, 26, 9), late)[NoticeKind.OVERDUE_SUMMARY]  # BST ended
    assert before.due_at == local(2026, 10, 19, 9) and after.due_at == local(2026, 10, 26, 9)


def test_none_turns_each_reminder_off() -> None:
    quiet = Policy(
        action_item_reminders=ItemReminders(
            before_due="none", on_due_day=False, overdue_every="none"
        )
    )
    for moment in (local(2026, 11, 18, 9), local(2026, 11, 20, 9), local(2026, 11, 30, 9)):
        assert kinds(moment, policy=quiet) == {}
