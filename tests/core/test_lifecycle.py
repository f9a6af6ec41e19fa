"""The transition table, pair by pair."""

import itertools

import pytest

from bot.lifecycle import (
    TRANSITIONS,
    Event,
    IllegalTransition,
    event_towards,
    legal_targets,
    next_status,
)
from models import Status

D, INV, IDF, MIT, RES, CLO = (
    Status.DECLARED,
    Status.INVESTIGATING,
    Status.IDENTIFIED,
    Status.MITIGATED,
    Status.RESOLVED,
    Status.CLOSED,
)
EXPECTED = {
    (D, Event.INVESTIGATE): INV,
    (D, Event.IDENTIFY): IDF,
    (D, Event.MITIGATE): MIT,
    (D, Event.RESOLVE): RES,
    (INV, Event.IDENTIFY): IDF,
    (INV, Event.MITIGATE): MIT,
    (INV, Event.RESOLVE): RES,
    (IDF, Event.MITIGATE): MIT,
    (IDF, Event.RESOLVE): RES,
    (MIT, Event.RESOLVE): RES,
    (RES, Event.REOPEN): INV,
    (RES, Event.CLOSE): CLO,
}


@pytest.mark.parametrize(("status", "event"), list(itertools.product(Status, Event)))
def test_every_pair_is_legal_exactly_when_the_policy_says(status: Status, event: Event) -> None:
    if (status, event) in EXPECTED:
        assert next_status(status, event) is EXPECTED[(status, event)]
    else:
        with pytest.raises(IllegalTransition):
            next_status(status, event)


def test_the_table_is_exactly_the_policy() -> None:
    assert dict(TRANSITIONS) == EXPECTED


def test_the_table_cannot_be_changed_at_run_time() -> None:
    with pytest.raises(TypeError):
        TRANSITIONS[(CLO, Event.REOPEN)] = INV  # type: ignore[index]


def test_closed_is_final() -> None:
    assert legal_targets(CLO) == []


def test_open_incidents_only_move_forward() -> None:
    order = list(Status)
    for status in (D, INV, IDF, MIT):
        assert all(order.index(t) > order.index(status) for t in legal_targets(status))


def test_resolved_can_reopen_or_close() -> None:
    assert legal_targets(RES) == [INV, CLO]
    assert event_towards(RES, INV) is Event.REOPEN


@pytest.mark.parametrize(("current", "target"), list(itertools.product(Status, Status)))
def test_event_towards_agrees_with_the_table(current: Status, target: Status) -> None:
    event = event_towards(current, target)
    if event is None:
        assert target not in legal_targets(current)
    else:
        assert next_status(current, event) is target
