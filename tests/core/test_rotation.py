"""Rotation arithmetic against shifts worked out by hand: weeks, days and hours, three
timezones, both DST changes, restrictions, empty rotations and overrides."""

import itertools
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.oncall.policy import Schedule
from bot.oncall.rotation import (
    Cover,
    Shift,
    layer_shifts,
    next_shifts,
    on_call,
    shift_at,
    shifts_between,
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def schedule(zone: str = "Europe/London", **layer: Any) -> Schedule:
    fields = {"name": "primary", "members": ["UA", "UB", "UC"], "start": date(2026, 11, 30)}
    return Schedule.model_validate(
        {"name": "payments", "timezone": zone, "layers": [{**fields, **layer}]}
    )


def spans(shifts: list[Shift]) -> list[tuple[str, datetime, datetime]]:
    return [(s.user, s.start, s.end) for s in shifts]


def test_a_weekly_rotation_takes_turns_from_its_start() -> None:
    payments = schedule(length="weekly", handoff="09:00")
    layer = payments.layers[0]
    assert shift_at(payments, layer, [], utc(2026, 11, 30, 8, 59)) is None  # not started
    first = shift_at(payments, layer, [], utc(2026, 12, 1, 12))
    assert first is not None
    assert spans([first]) == [("UA", utc(2026, 11, 30, 9), utc(2026, 12, 7, 9))]
    assert on_call(payments, [], utc(2026, 12, 7, 9)) == {"primary": "UB"}
    assert on_call(payments, [], utc(2026, 12, 14, 9)) == {"primary": "UC"}
    assert on_call(payments, [], utc(2026, 12, 21, 8, 59)) == {"primary": "UC"}
    assert on_call(payments, [], utc(2026, 12, 21, 9)) == {"primary": "UA"}  # round again


def test_a_daily_handoff_stays_at_nine_local_across_spring_forward() -> None:
    # London moves from GMT to BST at 01:00 UTC on Sunday 28 March 2027.
    london = schedule(length="daily", members=["UA", "UB"], start=date(2027, 3, 26))
    found = layer_shifts(london, london.layers[0], [], utc(2027, 3, 26, 9), utc(2027, 3, 29, 9))
    assert spans(found) == [
        ("UA", utc(2027, 3, 26, 9), utc(2027, 3, 27, 9)),
        ("UB", utc(2027, 3, 27, 9), utc(2027, 3, 28, 8)),  # 23 hours
        ("UA", utc(2027, 3, 28, 8), utc(2027, 3, 29, 8)),
        ("UB", utc(2027, 3, 29, 8), utc(2027, 3, 30, 8)),
    ]


def test_a_shift_across_fall_back_lasts_twenty_five_hours() -> None:
    # London goes back to GMT at 01:00 UTC on Sunday 25 October 2026.
    london = schedule(length="daily", members=["UA", "UB"], start=date(2026, 10, 23))
    shift = shift_at(london, london.layers[0], [], utc(2026, 10, 25, 0))
    assert shift is not None
    assert (shift.user, shift.start, shift.end) == (
        "UB",
        utc(2026, 10, 24, 8),
        utc(2026, 10, 25, 9),
    )
    assert shift.end - shift.start == timedelta(hours=25)


def test_new_york_evening_handoffs_follow_its_own_dst_dates() -> None:
    # New York leaves EDT on 1 November 2026, while London already did on 25 October.
    ny = schedule("America/New_York", length="daily", handoff="18:00", start=date(2026, 10, 31))
    found = layer_shifts(ny, ny.layers[0], [], utc(2026, 10, 31, 22), utc(2026, 11, 2, 23))
    assert spans(found) == [
        ("UA", utc(2026, 10, 31, 22), utc(2026, 11, 1, 23)),  # 25 hours
        ("UB", utc(2026, 11, 1, 23), utc(2026, 11, 2, 23)),
    ]


def test_sydney_weekly_shifts_across_both_of_its_changes() -> None:
    # Sydney: AEST (+10) to AEDT (+11) on 4 October 2026, back on 4 April 2027.
    sydney = schedule("Australia/Sydney", length="weekly", start=date(2026, 9, 27))
    layer = sydney.layers[0]
    spring = shift_at(sydney, layer, [], utc(2026, 9, 30))
    assert spring is not None and spring.user == "UA"
    assert (spring.start, spring.end) == (utc(2026, 9, 26, 23), utc(2026, 10, 3, 22))
    autumn = shift_at(sydney, layer, [], utc(2027, 4, 1))
    assert autumn is not None
    # 27 weeks after the start: turn 26 (UC) runs from 28 March to 4 April, 169 hours.
    assert (autumn.user, autumn.source) == ("UC", "r26")
    assert (autumn.start, autumn.end) == (utc(2027, 3, 27, 22), utc(2027, 4, 3, 23))


def test_twelve_hour_shifts_hand_off_at_nine_and_twenty_one_local() -> None:
    ny = schedule("America/New_York", length="12h", members=["UD", "UN"], start=date(2027, 3, 13))
    found = layer_shifts(ny, ny.layers[0], [], utc(2027, 3, 13, 14), utc(2027, 3, 14, 14))
    # DST starts 14 March 2027 at 02:00 local: the night shift is 11 hours.
    assert spans(found) == [
        ("UD", utc(2027, 3, 13, 14), utc(2027, 3, 14, 2)),
        ("UN", utc(2027, 3, 14, 2), utc(2027, 3, 14, 13)),
        ("UD", utc(2027, 3, 14, 13), utc(2027, 3, 15, 1)),
    ]


def test_a_custom_three_day_rotation() -> None:
    three = schedule("UTC", length="3d", handoff="00:00", start=date(2026, 12, 1))
    assert on_call(three, [], utc(2026, 12, 3, 23)) == {"primary": "UA"}
    assert on_call(three, [], utc(2026, 12, 4)) == {"primary": "UB"}
    assert on_call(three, [], utc(2026, 12, 10, 1)) == {"primary": "UA"}


def test_an_empty_rotation_has_nobody() -> None:
    empty = schedule(members=[])
    assert on_call(empty, [], utc(2026, 12, 1)) == {}
    assert next_shifts(empty, empty.layers[0], [], utc(2026, 12, 1), 3) == []


def test_business_hours_leave_nights_and_weekends_to_nobody() -> None:
    office = schedule(
        restrict={"days": ["mon", "tue", "wed", "thu", "fri"], "hours": "09:00-17:00"}
    )
    layer = office.layers[0]
    assert on_call(office, [], utc(2026, 12, 1, 10)) == {"primary": "UA"}
    assert on_call(office, [], utc(2026, 12, 1, 17)) == {}
    assert on_call(office, [], utc(2026, 12, 5, 12)) == {}  # Saturday
    week = layer_shifts(office, layer, [], utc(2026, 11, 30), utc(2026, 12, 7))
    assert [(s.start.day, s.start.hour, s.end.hour) for s in week] == [
        (30, 9, 17), (1, 9, 17), (2, 9, 17), (3, 9, 17), (4, 9, 17),
    ]  # fmt: skip
    # The next Monday morning is UB's: turns move on at 09:00 as usual.
    assert on_call(office, [], utc(2026, 12, 7, 9)) == {"primary": "UB"}


def test_business_hours_are_local_in_summer_too() -> None:
    office = schedule(start=date(2027, 6, 7), restrict={"hours": "09:00-17:00"})
    assert on_call(office, [], utc(2027, 6, 8, 8)) == {"primary": "UA"}  # 09:00 BST
    assert on_call(office, [], utc(2027, 6, 8, 16)) == {}  # 17:00 BST


def cover(id: int, user: str, start: datetime, end: datetime, created: int = 0) -> Cover:
    return Cover(id, "primary", user, start, end, utc(2026, 11, 1) + timedelta(minutes=created))


def test_an_override_splits_the_shift_it_falls_in() -> None:
    payments = schedule()
    evening = cover(1, "UZ", utc(2026, 12, 2, 18), utc(2026, 12, 3, 9))
    found = layer_shifts(
        payments, payments.layers[0], [evening], utc(2026, 11, 30, 9), utc(2026, 12, 8)
    )
    assert [(s.user, s.start, s.end, s.source) for s in found] == [
        ("UA", utc(2026, 11, 30, 9), utc(2026, 12, 2, 18), "r0"),
        ("UZ", utc(2026, 12, 2, 18), utc(2026, 12, 3, 9), "o1"),
        ("UA", utc(2026, 12, 3, 9), utc(2026, 12, 7, 9), "r0"),
        ("UB", utc(2026, 12, 7, 9), utc(2026, 12, 14, 9), "r1"),
    ]


def test_overlapping_overrides_the_later_created_wins_the_overlap() -> None:
    payments = schedule()
    first = cover(1, "UX", utc(2026, 12, 1, 0), utc(2026, 12, 3, 0), created=1)
    later = cover(2, "UY", utc(2026, 12, 2, 0), utc(2026, 12, 4, 0), created=2)
    window = (utc(2026, 12, 1), utc(2026, 12, 5))
    found = layer_shifts(payments, payments.layers[0], [later, first], *window)
    assert spans(found) == [
        ("UX", utc(2026, 12, 1), utc(2026, 12, 2)),
        ("UY", utc(2026, 12, 2), utc(2026, 12, 4)),
        ("UA", utc(2026, 12, 4), utc(2026, 12, 7, 9)),
    ]
    # Made the other way round, the other one wins.
    swapped = [cover(1, "UX", first.start, first.end, 3), cover(2, "UY", later.start, later.end, 2)]
    assert spans(layer_shifts(payments, payments.layers[0], swapped, *window))[:2] == [
        ("UX", utc(2026, 12, 1), utc(2026, 12, 3)),
        ("UY", utc(2026, 12, 3), utc(2026, 12, 4)),
    ]


def test_an_override_covers_restricted_hours_and_an_empty_rotation() -> None:
    empty = schedule(members=[], restrict={"hours": "09:00-17:00"})
    night = cover(1, "UZ", utc(2026, 12, 5, 20), utc(2026, 12, 6, 8))
    assert on_call(empty, [night], utc(2026, 12, 6, 1)) == {"primary": "UZ"}
    assert on_call(empty, [night], utc(2026, 12, 6, 8)) == {}


def test_a_cover_cancelled_before_it_began_never_happened() -> None:
    payments = schedule()
    gone = cover(1, "UZ", utc(2026, 12, 2), utc(2026, 12, 2))
    assert on_call(payments, [gone], utc(2026, 12, 2)) == {"primary": "UA"}


def test_next_shifts_and_a_persons_shifts_across_layers() -> None:
    two = Schedule.model_validate(
        {
            "name": "payments",
            "timezone": "UTC",
            "layers": [
                {
                    "name": "primary",
                    "members": ["UA", "UB"],
                    "start": "2026-12-01",
                    "length": "daily",
                },
                {
                    "name": "secondary",
                    "members": ["UB", "UA"],
                    "start": "2026-12-01",
                    "length": "daily",
                },
            ],
        }
    )
    primary = two.layers[0]
    upcoming = next_shifts(two, primary, [], utc(2026, 12, 1, 12), 3)
    assert [(s.user, s.start) for s in upcoming] == [
        ("UB", utc(2026, 12, 2, 9)), ("UA", utc(2026, 12, 3, 9)), ("UB", utc(2026, 12, 4, 9)),
    ]  # fmt: skip
    bobs = shifts_between(two, [], utc(2026, 12, 1, 9), utc(2026, 12, 3, 9), user="UB")
    assert [(s.layer, s.start.day) for s in bobs] == [("secondary", 1), ("primary", 2)]


ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "UTC", "Asia/Kolkata"]
LENGTHS = ["daily", "weekly", "12h", "3d", "8h", "1h", "2w"]


@st.composite
def layers(draw: st.DrawFn) -> Schedule:
    return schedule(
        draw(st.sampled_from(ZONES)),
        members=draw(st.lists(st.sampled_from(["UA", "UB", "UC", "UD"]), max_size=4)),
        length=draw(st.sampled_from(LENGTHS)),
        handoff=f"{draw(st.integers(0, 23)):02d}:{draw(st.sampled_from([0, 30])):02d}",
        start=draw(st.dates(date(2026, 1, 1), date(2027, 6, 1))),
    )


instants = st.datetimes(datetime(2026, 1, 1), datetime(2028, 1, 1), timezones=st.just(UTC))


@settings(max_examples=300, deadline=None)
@given(layers(), instants, st.integers(1, 30))
def test_shifts_tile_time_without_gaps_or_overlaps(
    payments: Schedule, start: datetime, days: int
) -> None:
    layer = payments.layers[0]
    end = start + timedelta(days=days)
    found = layer_shifts(payments, layer, [], start, end)
    for before, after in itertools.pairwise(found):
        assert before.end == after.start  # contiguous once the rotation has begun
    for shift in found:
        assert shift.start < shift.end
        assert shift.user == layer.members[int(shift.source[1:]) % len(layer.members)]
        if layer.length in ("daily", "weekly", "3d", "2w"):
            local = shift.start.astimezone(payments.zone)
            # The handoff is at its wall-clock time, unless the clocks skipped that time.
            if local.strftime("%H:%M") != layer.handoff:
                wanted = datetime.combine(local.date(), layer.handoff_time, payments.zone)
                assert wanted.astimezone(UTC).astimezone(payments.zone).time() != wanted.time()
    began = datetime.combine(layer.start, layer.handoff_time).replace(tzinfo=payments.zone)
    if found and layer.members and start >= began + timedelta(days=1):
        assert found[0].start <= start and found[-1].end >= end


covers = st.lists(
    st.tuples(st.sampled_from(["UX", "UY", "UZ"]), instants, st.integers(0, 72 * 60)),
    max_size=5,
)


@settings(max_examples=300, deadline=None)
@given(layers(), covers, instants)
def test_the_latest_created_override_holding_an_instant_decides_it(
    payments: Schedule, made: list[tuple[str, datetime, int]], instant: datetime
) -> None:
    layer = payments.layers[0]
    laid = [
        Cover(
            i,
            "primary",
            user,
            start,
            start + timedelta(minutes=minutes),
            utc(2026, 1, 1) + timedelta(minutes=i),
        )
        for i, (user, start, minutes) in enumerate(made)
    ]
    holding = [c for c in laid if c.start <= instant < c.end]
    expected = shift_at(payments, layer, [], instant)
    want = holding[-1].user if holding else (expected.user if expected else None)
    got = shift_at(payments, layer, laid, instant)
    assert (got.user if got else None) == want


@pytest.mark.parametrize("minute", range(0, 24 * 60, 30))
def test_every_half_hour_of_a_spring_forward_day_has_exactly_one_shift(minute: int) -> None:
    london = schedule(length="1h", members=["UA", "UB"], handoff="00:00", start=date(2027, 3, 27))
    instant = utc(2027, 3, 28) + timedelta(minutes=minute)
    found = [
        s
        for s in layer_shifts(london, london.layers[0], [], instant, instant + timedelta(seconds=1))
    ]
    assert len(found) == 1 and found[0].contains(instant)


def test_the_shift_under_way_ends_where_a_later_override_begins() -> None:
    payments = schedule()
    evening = cover(1, "UZ", utc(2026, 12, 2, 18), utc(2026, 12, 3, 9))
    now = shift_at(payments, payments.layers[0], [evening], utc(2026, 12, 2, 12))
    assert now is not None and (now.user, now.end) == ("UA", utc(2026, 12, 2, 18))
    [following] = next_shifts(
        payments, payments.layers[0], [evening], now.end - timedelta(seconds=1), 1
    )
    assert (following.user, following.start) == ("UZ", utc(2026, 12, 2, 18))


@pytest.mark.parametrize("members", [[], ["UA"], ["UA", "UB"], ["UA", "UB", "UC"]])
@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_every_half_hour_of_two_months_against_the_calendar(members: list[str], zone: str) -> None:
    # A daily 09:00 handoff read off the local calendar: the turn is the count of local days
    # since the start, less one before nine. Both DST changes of the year fall in the range
    # for one hemisphere or the other (October to December).
    daily = schedule(zone, length="daily", members=members, start=date(2026, 10, 1))
    layer, local_zone = daily.layers[0], daily.zone
    instant = utc(2026, 10, 1)
    while instant < utc(2026, 12, 1):
        local = instant.astimezone(local_zone)
        turn = (local.date() - date(2026, 10, 1)).days - (1 if local.hour < 9 else 0)
        expected = members[turn % len(members)] if members and turn >= 0 else None
        found = shift_at(daily, layer, [], instant)
        assert (found.user if found else None) == expected, instant
        instant += timedelta(minutes=30)
