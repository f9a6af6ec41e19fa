"""Recurrence detection: which earlier incidents count, and how it is said. Pure."""

from datetime import UTC, datetime, timedelta

import pytest

from bot.recurrence import Past, common_problem, describe, ordinal, recurrence

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def past(
    number: int,
    days_ago: float,
    *services: str,
    category: str | None = "Database/connection pool",
    problem: int | None = None,
    private: bool = False,
) -> Past:
    return Past(
        number, f"INC-2026-{number:04d}", NOW - timedelta(days=days_ago), services, category,
        problem, private,
    )  # fmt: skip


THIS = past(99, 0, "orders-db", "checkout-api")


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "1st"), (2, "2nd"), (3, "3rd"), (4, "4th"), (11, "11th"), (12, "12th"),
     (13, "13th"), (21, "21st"), (22, "22nd"), (23, "23rd"), (101, "101st"), (111, "111th"),
     (112, "112th"), (1000, "1000th")],
)  # fmt: skip
def test_ordinals(number: int, text: str) -> None:
    assert ordinal(number) == text


def test_two_earlier_incidents_on_a_shared_service_make_the_third() -> None:
    found = recurrence(THIS, [past(2, 10, "ORDERS-DB"), past(1, 80, "orders-db", "cache")])
    assert found is not None
    assert (found.service, found.count) == ("orders-db", 3)
    assert [p.ref for p in found.earlier] == ["INC-2026-0001", "INC-2026-0002"]  # oldest first
    assert describe(found) == (
        "3rd Database/connection pool incident on orders-db in 90 days: "
        "INC-2026-0001, INC-2026-0002"
    )


@pytest.mark.parametrize(
    "others",
    [
        [past(1, 10, "orders-db")],  # one is not a pattern yet
        [past(1, 10, "orders-db"), past(2, 91, "orders-db")],  # outside the window
        [past(1, 10, "orders-db"), past(2, 5, "payments-db")],  # no shared service
        [past(1, 10, "orders-db"), past(2, 5, "orders-db", category="Database")],  # not the sub
        [past(1, 10, "orders-db"), past(2, 5, "orders-db", category=None)],
        [past(1, 10, "orders-db"), past(2, 5, "orders-db", private=True)],  # never named
        [past(1, 10, "orders-db"), past(99, 5, "orders-db")],  # itself
        [past(1, 10, "orders-db"), past(100, -1, "orders-db")],  # declared after it
    ],
)
def test_what_does_not_count(others: list[Past]) -> None:
    assert recurrence(THIS, others) is None


def test_an_incident_without_services_or_category_never_recurs() -> None:
    others = [past(1, 1, "orders-db"), past(2, 2, "orders-db")]
    assert recurrence(past(99, 0, category="Database/connection pool"), others) is None
    assert recurrence(past(99, 0, "orders-db", category=None), others) is None


def test_the_service_with_most_earlier_incidents_is_named() -> None:
    others = [past(1, 3, "checkout-api"), past(2, 2, "checkout-api"), past(3, 1, "checkout-api"),
              past(4, 1, "orders-db"), past(5, 2, "orders-db")]  # fmt: skip
    found = recurrence(THIS, others)
    assert found is not None and found.service == "checkout-api" and found.count == 4


def test_the_problem_offered_is_the_most_common_then_the_latest() -> None:
    assert common_problem([past(1, 3, problem=7), past(2, 2, problem=8), past(3, 1)]) == 8
    assert (
        common_problem([past(1, 3, problem=7), past(2, 2, problem=7), past(3, 1, problem=8)]) == 7
    )
    assert common_problem([past(1, 3), past(2, 2)]) is None
    found = recurrence(THIS, [past(1, 3, "orders-db", problem=5), past(2, 1, "orders-db")])
    assert found is not None and found.problem_id == 5
