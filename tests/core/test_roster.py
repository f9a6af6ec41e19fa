"""Rotation edits against turns worked out by hand: each takes effect at the next handoff,
the order goes on where it was, earlier shifts keep their people, and edits stack."""

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.errors import NothingChanged, UsageError
from bot.oncall.policy import Schedule
from bot.oncall.roster import Edit, RotationChange, edited
from bot.oncall.rotation import Lineup, layer_shifts, on_call


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


# Weekly at 09:00 London from Monday 30 November 2026: UA, UB, UC, UA, …
PAYMENTS = Schedule.model_validate(
    {
        "name": "payments",
        "timezone": "Europe/London",
        "layers": [
            {"name": "primary", "members": ["UA", "UB", "UC"], "start": date(2026, 11, 30)},
        ],
    }
)
LAYER = PAYMENTS.layers[0]
NOW = utc(2026, 12, 2, 12)  # Wednesday of UA's first week
HANDOFF = utc(2026, 12, 7, 9)


def weeks(lineups: tuple[Lineup, ...], count: int = 6) -> list[str]:
    """Who has each week from the layer's start."""
    start = utc(2026, 11, 30, 9)
    end = start + timedelta(weeks=count)
    found = layer_shifts(PAYMENTS, LAYER, [], start, end, {"primary": lineups})
    return [s.user for s in found]


def change(edit: Edit, *users: str, position: int | None = None) -> RotationChange:
    return RotationChange(edit, users, position)


def test_an_added_person_joins_at_the_end_and_whoever_was_next_still_is() -> None:
    added = edited(PAYMENTS, LAYER, (), change(Edit.ADD, "UD"), NOW)
    assert added == Lineup(HANDOFF, ("UA", "UB", "UC", "UD"), 1)
    assert weeks((added,), 8) == ["UA", "UB", "UC", "UD", "UA", "UB", "UC", "UD"]


def test_an_added_person_at_a_place_takes_their_turn_there() -> None:
    first = edited(PAYMENTS, LAYER, (), change(Edit.ADD, "UD", position=1), NOW)
    assert first.members == ("UD", "UA", "UB", "UC")
    assert weeks((first,)) == ["UA", "UB", "UC", "UD", "UA", "UB"]  # UB is still next


def test_removing_whoever_is_next_hands_their_turn_to_who_followed() -> None:
    removed = edited(PAYMENTS, LAYER, (), change(Edit.REMOVE, "UB"), NOW)
    assert weeks((removed,)) == ["UA", "UC", "UA", "UC", "UA", "UC"]
    other = edited(PAYMENTS, LAYER, (), change(Edit.REMOVE, "UC"), NOW)
    assert weeks((other,)) == ["UA", "UB", "UA", "UB", "UA", "UB"]


def test_removing_the_person_on_call_leaves_their_shift_under_way() -> None:
    removed = edited(PAYMENTS, LAYER, (), change(Edit.REMOVE, "UA"), NOW)
    assert on_call(PAYMENTS, [], NOW, {"primary": (removed,)}) == {"primary": "UA"}
    assert weeks((removed,)) == ["UA", "UB", "UC", "UB", "UC", "UB"]


def test_a_swap_trades_two_peoples_turns_the_next_one_included() -> None:
    swapped = edited(PAYMENTS, LAYER, (), change(Edit.SWAP, "UB", "UC"), NOW)
    assert weeks((swapped,)) == ["UA", "UC", "UB", "UA", "UC", "UB"]


def test_edits_stack_and_each_keeps_the_weeks_before_it() -> None:
    first = edited(PAYMENTS, LAYER, (), change(Edit.ADD, "UD"), NOW)
    later = utc(2026, 12, 16, 12)  # UC's week: the next edit waits for 21 December
    second = edited(PAYMENTS, LAYER, (first,), change(Edit.REMOVE, "UA"), later)
    assert second.since == utc(2026, 12, 21, 9)
    assert weeks((first, second), 7) == ["UA", "UB", "UC", "UD", "UB", "UC", "UD"]
    # Two edits before the same handoff: the second builds on the first.
    both = edited(PAYMENTS, LAYER, (first,), change(Edit.SWAP, "UB", "UD"), NOW)
    assert both.members == ("UA", "UD", "UC", "UB") and weeks((first, both), 4)[1] == "UD"


def test_an_edit_at_the_handoff_instant_waits_for_the_next() -> None:
    at_handoff = edited(PAYMENTS, LAYER, (), change(Edit.ADD, "UD"), HANDOFF)
    assert at_handoff.since == utc(2026, 12, 14, 9)
    before_start = edited(PAYMENTS, LAYER, (), change(Edit.ADD, "UD"), utc(2026, 11, 1))
    assert before_start.since == utc(2026, 11, 30, 9) and before_start.cursor == 0


def test_an_emptied_rotation_has_nobody_and_a_first_member_starts_it_again() -> None:
    empty = Lineup(HANDOFF, (), 0)
    assert weeks((empty,), 3) == ["UA"]
    refilled = edited(PAYMENTS, LAYER, (empty,), change(Edit.ADD, "UD"), utc(2026, 12, 8))
    assert weeks((empty, refilled), 4) == ["UA", "UD", "UD"]


@pytest.mark.parametrize(
    ("asked", "error", "says"),
    [
        (change(Edit.ADD, "UA"), NothingChanged, "in the rotation already"),
        (change(Edit.ADD, "UD", position=5), UsageError, "The rotation has 3 people"),
        (change(Edit.REMOVE, "UD"), NothingChanged, "not in the rotation"),
        (change(Edit.SWAP, "UA", "UD"), NothingChanged, "<@UD> is not in the rotation"),
        (change(Edit.SWAP, "UA", "UA"), UsageError, "two different people"),
    ],
)
def test_edits_that_make_no_sense_are_refused(
    asked: RotationChange, error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=says):
        edited(PAYMENTS, LAYER, (), asked, NOW)
