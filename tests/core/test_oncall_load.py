"""On-call load, pure, against hand-computed numbers: pages, acknowledgements, the
out-of-hours boundary (London, across the spring DST change), severe incidents by page or
role, hours on call and their spread, and burnout warnings keyed once per window."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot.config import Policy
from bot.oncall.load import (
    PagedFor,
    PersonLoad,
    burnout_notices,
    loads,
    over_limit,
    spread,
    window_start,
)
from bot.oncall.policy import Burnout
from bot.oncall.rotation import shifts_between
from models import NoticeKind, Page, Role

LONDON = ZoneInfo("Europe/London")
# Clocks go forward in London at 01:00 UTC on Sunday 2026-03-29.
START = datetime(2026, 3, 27, 0, 0, tzinfo=UTC)  # a Friday
END = START + timedelta(days=7)
POLICY = Policy.model_validate(
    {
        "timezone": "Europe/London",
        "insights": {"working_hours": "09:00-18:00"},
        "oncall": {
            "schedules": [
                {
                    "name": "payments",
                    "owner": "U_BOB",
                    "timezone": "Europe/London",
                    "layers": [
                        {
                            "name": "primary",
                            "members": ["U_CAROL", "U_DAVE"],
                            "length": "daily",
                            "handoff": "09:00",
                            "start": "2026-03-28",
                        }
                    ],
                }
            ]
        },
    }
)
SCHEDULE = POLICY.oncall.schedules[0]


def page(n: int, target: str, at: datetime, acked_by: str | None = None, incident: int = 1) -> Page:
    return Page.model_validate(
        {
            "id": n,
            "key": f"page:{n}",
            "incident_id": incident,
            "chain": "payments",
            "level": 1,
            "target": target,
            "via": "payments/primary",
            "paged_at": at,
            "acknowledged_at": at + timedelta(minutes=2) if acked_by else None,
            "acknowledged_by": acked_by,
        }
    )


def compute(
    paged: list[PagedFor], roles: dict[int, tuple[str, dict[Role, str]]] | None = None
) -> dict[str, PersonLoad]:
    found = loads(
        paged,
        roles or {},
        [],
        START,
        END,
        POLICY.insights.in_hours(),
        LONDON,
        POLICY.insights.severe,
    )
    return {load.person: load for load in found}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def test_out_of_hours_is_read_in_the_organisations_time_across_the_dst_change() -> None:
    paged = [
        # Friday 27th, GMT (UTC+0): 08:59 out, 09:00 in, 17:59 in, 18:00 out.
        PagedFor(page(1, "U_CAROL", utc(27, 8, 59)), "sev3"),
        PagedFor(page(2, "U_CAROL", utc(27, 9, 0)), "sev3"),
        PagedFor(page(3, "U_CAROL", utc(27, 17, 59)), "sev3"),
        PagedFor(page(4, "U_CAROL", utc(27, 18, 0)), "sev3"),
        # Monday 30th, BST (UTC+1): 08:00 UTC is 09:00 local (in); 17:00 UTC is 18:00 (out).
        PagedFor(page(5, "U_CAROL", utc(30, 8, 0)), "sev3"),
        PagedFor(page(6, "U_CAROL", utc(30, 17, 0)), "sev3"),
        # Saturday 28th at noon: not a working day.
        PagedFor(page(7, "U_CAROL", utc(28, 12, 0)), "sev3"),
    ]
    carol = compute(paged)["U_CAROL"]
    assert (carol.pages, carol.out_of_hours) == (7, 4)


def test_acknowledged_is_by_the_person_paged_and_channels_count_for_nobody() -> None:
    paged = [
        PagedFor(page(1, "U_CAROL", utc(30, 10), acked_by="U_CAROL"), "sev3"),
        PagedFor(page(2, "U_CAROL", utc(30, 11), acked_by="U_DAVE"), "sev3"),
        PagedFor(page(3, "U_CAROL", utc(30, 12)), "sev3"),
        PagedFor(page(4, "C_TEAM", utc(30, 12)), "sev3"),
        # Outside the window on either side.
        PagedFor(page(5, "U_CAROL", START - timedelta(seconds=1)), "sev1"),
        PagedFor(page(6, "U_CAROL", END), "sev1"),
    ]
    found = compute(paged)
    assert set(found) == {"U_CAROL"}
    assert (found["U_CAROL"].pages, found["U_CAROL"].acknowledged, found["U_CAROL"].severe) == (
        3,
        1,
        0,
    )


def test_severe_incidents_count_once_whether_paged_for_or_holding_a_role() -> None:
    paged = [
        PagedFor(page(1, "U_CAROL", utc(30, 10), incident=1), "sev1"),
        PagedFor(page(2, "U_CAROL", utc(30, 10, 20), incident=1), "sev1"),  # escalated again
        PagedFor(page(3, "U_CAROL", utc(30, 11), incident=2), "sev3"),
    ]
    roles = {
        1: ("sev1", {Role.COMMANDER: "U_CAROL", Role.LEAD: "U_DAVE"}),
        3: ("sev2", {Role.COMMANDER: "U_CAROL", Role.SCRIBE: "U_CAROL"}),
        4: ("sev3", {Role.COMMANDER: "U_DAVE"}),
    }
    found = compute(paged, roles)
    assert found["U_CAROL"].severe == 2  # incidents 1 and 3
    assert found["U_DAVE"].severe == 1  # incident 1; incident 4 is not severe
    assert found["U_DAVE"].pages == 0


def test_hours_on_call_follow_the_rotation_across_dst_and_are_cut_at_the_window() -> None:
    # Daily 09:00 London handoffs from Saturday 28th: Carol 28th 09:00 GMT to 29th 09:00
    # BST (23 hours), Dave the 29th to 30th (24), Carol the 30th to 31st (24)...
    window = (utc(28, 9), utc(30, 20))  # Carol: 23h + 12h (08:00 to 20:00 UTC); Dave: 24h
    shifts = shifts_between(SCHEDULE, [], *window)
    found = loads([], {}, shifts, *window, POLICY.insights.in_hours(), LONDON, frozenset())
    hours = {load.person: load.hours for load in found}
    assert hours == {"U_CAROL": 35.0, "U_DAVE": 24.0}
    assert spread(SCHEDULE, found) == timedelta(hours=11)
    assert spread(SCHEDULE, [x for x in found if x.person == "U_CAROL"]) == timedelta(hours=35)


def test_burnout_warns_the_owner_about_members_over_either_limit_keyed_by_window() -> None:
    limit = Burnout(severe=3, out_of_hours_pages=5, within="7d")
    now = datetime(2026, 4, 2, 15, 0, tzinfo=UTC)  # a Thursday: the window began Monday 30th
    found = [
        PersonLoad("U_CAROL", 6, 6, 6, 0, timedelta(0)),  # 6 out-of-hours pages: over
        PersonLoad("U_DAVE", 5, 5, 5, 3, timedelta(0)),  # exactly at both limits: not over
        PersonLoad("U_ERIN", 1, 1, 0, 4, timedelta(0)),  # over, but not in the rotation
    ]
    [notice] = burnout_notices(SCHEDULE, found, limit, now, LONDON)
    assert notice.key == "burnout:payments:U_CAROL:2026-03-30"
    assert (notice.kind, notice.target, notice.incident_id) == (NoticeKind.BURNOUT, "U_BOB", None)
    assert notice.data["out_of_hours"] == 6 and notice.data["person"] == "U_CAROL"
    later = burnout_notices(SCHEDULE, found, limit, now + timedelta(days=3, hours=7), LONDON)
    assert [n.key for n in later] == [notice.key]  # Sunday 23:00 in London: the same window
    next_week = burnout_notices(SCHEDULE, found, limit, now + timedelta(days=3, hours=8), LONDON)
    assert [n.key for n in next_week] == ["burnout:payments:U_CAROL:2026-04-06"]  # Monday 00:00
    assert over_limit(found[2], limit) and not over_limit(found[1], limit)
    unowned = SCHEDULE.model_copy(update={"owner": None})
    assert burnout_notices(unowned, found, limit, now, LONDON) == []


def test_burnout_windows_start_on_mondays_and_follow_their_length() -> None:
    utc = ZoneInfo("UTC")
    assert window_start(datetime(2026, 11, 29, 23, 59, tzinfo=UTC), timedelta(days=7), utc) == (
        datetime(2026, 11, 23, tzinfo=UTC)
    )
    assert window_start(
        datetime(2026, 11, 29, 12, tzinfo=UTC), timedelta(days=1), utc
    ).date() == date(2026, 11, 29)
    two_weeks = window_start(datetime(2026, 11, 29, 12, tzinfo=UTC), timedelta(weeks=2), utc)
    assert two_weeks.weekday() == 0 and two_weeks.time() == datetime.min.time()


def test_burnout_windows_are_local_mondays_across_daylight_saving() -> None:
    week = timedelta(days=7)
    # Summer time in London: the week starts at Monday 00:00 BST, Sunday 23:00 UTC.
    assert window_start(datetime(2026, 4, 5, 23, 30, tzinfo=UTC), week, LONDON) == datetime(
        2026, 4, 5, 23, tzinfo=UTC
    )
    # The week the clocks go forward (Sunday 29 March) began at Monday 00:00 GMT, and the
    # next one at Monday 00:00 BST: a week of 167 hours, then 168 again.
    spring = window_start(datetime(2026, 3, 29, 12, tzinfo=UTC), week, LONDON)
    after = window_start(datetime(2026, 3, 30, 0, 30, tzinfo=UTC), week, LONDON)
    assert spring == datetime(2026, 3, 23, tzinfo=UTC)
    assert after == datetime(2026, 3, 29, 23, tzinfo=UTC) and after - spring == timedelta(hours=167)
    # The clocks go back on Sunday 25 October: Monday 00:00 GMT is midnight UTC again.
    autumn = window_start(datetime(2026, 10, 26, 0, 30, tzinfo=UTC), week, LONDON)
    assert autumn == datetime(2026, 10, 26, tzinfo=UTC)
    # New York's Monday starts five hours after UTC's in winter, four in summer.
    new_york = ZoneInfo("America/New_York")
    assert window_start(datetime(2026, 11, 30, 3, tzinfo=UTC), week, new_york) == datetime(
        2026, 11, 23, 5, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "burnout",
    [{"severe": -1}, {"within": "soon"}, {"out_of_hours": 5}, {"within": "0d"}],
)
def test_a_bad_burnout_setting_is_refused_naming_the_key(burnout: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="burnout"):
        Policy.model_validate({"oncall": {"burnout": burnout}})
