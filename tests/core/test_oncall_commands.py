"""`/incident oncall …` parsed: who is on call, overrides with dates and times as people
type them, take, list and cancel; anything else a usage error."""

from datetime import date, time

import pytest

from bot.commands import parse
from bot.errors import UsageError
from bot.requests import (
    AddOverride,
    CancelOverride,
    EditRotation,
    ListOverrides,
    LocalMoment,
    ShowLoad,
    ShowOncall,
    TakeShift,
)

SEVERITIES = ["sev1", "sev2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("oncall", ShowOncall(None)),
        ("oncall Payments", ShowOncall("payments")),
        ("on-call checkout-api", ShowOncall("checkout-api")),
        ("oncall Orders.DB", ShowOncall("orders.db")),  # services may have dots
        ("oncall take", TakeShift(None, None)),
        ("oncall take payments secondary", TakeShift("payments", "secondary")),
        ("oncall overrides", ListOverrides(None)),
        ("oncall overrides payments", ListOverrides("payments")),
        ("oncall cancel 12", CancelOverride(12)),
        ("oncall load", ShowLoad(None)),
        ("oncall load Payments", ShowLoad("payments")),
        ("oncall cancel #12", CancelOverride(12)),
        (
            "oncall override <@U123|bob> 2026-12-24 18:00 2026-12-27 09:00",
            AddOverride(
                "U123",
                LocalMoment(date(2026, 12, 24), time(18)),
                LocalMoment(date(2026, 12, 27), time(9)),
                None,
                None,
            ),
        ),
        (
            "oncall override <@U123> today 18:00 tomorrow 9:30 payments primary",
            AddOverride(
                "U123", LocalMoment(0, time(18)), LocalMoment(1, time(9, 30)), "payments", "primary"
            ),
        ),
        (
            "oncall override <@U123> 2026-12-24T18:00 2026-12-25T08:00 payments",
            AddOverride(
                "U123",
                LocalMoment(date(2026, 12, 24), time(18)),
                LocalMoment(date(2026, 12, 25), time(8)),
                "payments",
                None,
            ),
        ),
        ("oncall rotation payments", ShowOncall("payments")),
        (
            "oncall rotation add <@U123|dave>",
            EditRotation(None, None, "add", ("U123",)),
        ),
        (
            "oncall rotation Payments secondary add <@U123> 2",
            EditRotation("payments", "secondary", "add", ("U123",), 2),
        ),
        (
            "oncall rotation payments REMOVE <@U123>",
            EditRotation("payments", None, "remove", ("U123",)),
        ),
        (
            "oncall rotation payments primary swap <@U1> <@U2>",
            EditRotation("payments", "primary", "swap", ("U1", "U2")),
        ),
    ],
)
def test_oncall_commands(text: str, expected: object) -> None:
    assert parse(text, SEVERITIES) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("oncall override bob today 18:00 tomorrow 09:00", "Mention them"),
        ("oncall override <@U1> today", "At what time from"),
        ("oncall override <@U1> today 18:00", "When to"),
        ("oncall override <@U1> someday 18:00 tomorrow 09:00", "is not a day"),
        ("oncall override <@U1> today 25:00 tomorrow 09:00", "is not a time"),
        ("oncall override <@U1> 2026-02-30 18:00 tomorrow 09:00", "is not a day"),
        ("oncall override <@U1> 2026-12-24T18:00Z tomorrow 09:00", "timezone"),
        ("oncall override <@U1> today 18:00 tomorrow 09:00 a b c", "Too many"),
        ("oncall cancel twelve", "Which override"),
        ("oncall load payments primary", "Too many"),
        ("oncall take pay<ments", "not a schedule"),
        ("oncall payments now", "not an on-call command"),
        ("oncall " + "x" * 90, "not a schedule"),
        ("oncall rotation payments add dave", "takes one person"),
        ("oncall rotation payments swap <@U1>", "takes two people"),
        ("oncall rotation payments remove <@U1> <@U2>", "takes one person"),
        ("oncall rotation payments add <@U1> first", "`first`"),
        ("oncall rotation payments primary extra add <@U1>", "Too many"),
    ],
)
def test_bad_oncall_commands_say_what_is_wrong_and_show_the_usage(text: str, says: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse(text, SEVERITIES)
    assert says in str(refused.value)
    assert "/incident oncall override @person" in refused.value.usage
