"""Condensing a timeline: key events whole, the conversation trimmed to a budget by rule."""

import itertools
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.postmortem.condense import (
    CLIP,
    TOKENS_PER_LINE,
    Omitted,
    Said,
    condense,
    estimate_tokens,
)
from models import EntryKind, TimelineEntry

START = datetime(2026, 11, 22, 14, 0, tzinfo=UTC)


def entry(n: int, text: str, kind: EntryKind = EntryKind.MESSAGE, **extra: object) -> TimelineEntry:
    return TimelineEntry.model_validate(
        {
            "id": n,
            "incident_id": 1,
            "kind": kind,
            "occurred_at": START + timedelta(seconds=n),
            "author": f"U{n % 7}",
            "text": text,
            **extra,
        }
    )


def conversation(count: int, text: str = "checking the load balancer logs") -> list[TimelineEntry]:
    return [entry(n, f"{text} {n}") for n in range(count)]


def test_everything_is_kept_while_it_fits() -> None:
    entries = [entry(0, "Declared", EntryKind.DECLARED), *conversation(10)]
    condensed = condense(entries, budget=10_000)
    assert [e.id for e in condensed.key_events] == [0]
    assert [line.entry.id for line in condensed.conversation if isinstance(line, Said)] == list(
        range(10)
    )
    assert condensed.omitted == 0 and condensed.messages == 10


def test_key_events_stay_whole_and_the_conversation_is_trimmed_to_the_budget() -> None:
    note = "Rolled back deploy 4411 " * 40
    entries = [
        entry(0, "Declared", EntryKind.DECLARED),
        *conversation(5000),
        entry(9000, note, EntryKind.NOTE, key_event=True),
        entry(9001, "pinned finding", key_event=True),
    ]
    condensed = condense(entries, budget=8_000)
    assert [e.text for e in condensed.key_events] == ["Declared", note, "pinned finding"]
    said = [line for line in condensed.conversation if isinstance(line, Said)]
    assert 0 < len(said) < 5000
    assert condensed.omitted + len(said) == 5000 == condensed.messages
    used = sum(estimate_tokens(line.text) + TOKENS_PER_LINE for line in said)
    assert used <= 8_000


def test_the_longest_messages_of_each_stretch_are_the_ones_kept() -> None:
    entries = [entry(n, "ok") for n in range(50)]
    entries[7] = entry(7, "the connection pool is exhausted on db-3 " * 3)
    condensed = condense(entries, budget=200)
    kept = [line.entry.id for line in condensed.conversation if isinstance(line, Said)]
    assert 7 in kept


def test_left_out_messages_say_how_many_when_and_by_whom() -> None:
    condensed = condense(conversation(100), budget=300)
    omitted = [line for line in condensed.conversation if isinstance(line, Omitted)]
    assert omitted
    first = omitted[0]
    assert first.count >= 1 and first.first <= first.last and first.authors
    # Consecutive omissions are one line, never two in a row.
    kinds = [type(line) for line in condensed.conversation]
    assert all(not (a is b is Omitted) for a, b in itertools.pairwise(kinds))


def test_a_very_long_message_is_clipped() -> None:
    condensed = condense([entry(1, "x" * 10_000)], budget=100_000)
    [said] = condensed.conversation
    assert isinstance(said, Said) and len(said.text) == CLIP and said.text.endswith("…")


@given(
    texts=st.lists(st.text(min_size=0, max_size=80), max_size=300),
    budget=st.integers(min_value=0, max_value=5_000),
)
def test_every_message_is_either_kept_or_counted_and_order_is_kept(
    texts: list[str], budget: int
) -> None:
    entries = [entry(n, t) for n, t in enumerate(texts)]
    condensed = condense(entries, budget)
    said = [line.entry.id for line in condensed.conversation if isinstance(line, Said)]
    assert said == sorted(said)
    assert len(said) + condensed.omitted == len(texts)


def test_when_notes_alone_would_blow_the_budget_they_are_condensed_and_changes_stay_whole() -> None:
    changes = [entry(n, f"Status change {n}", EntryKind.STATUS_CHANGED) for n in range(5)]
    notes = [entry(10 + n, "finding " * 30, EntryKind.NOTE) for n in range(1500)]
    condensed = condense([*changes, *notes], budget=10_000)
    assert [e.kind for e in condensed.key_events] == [EntryKind.STATUS_CHANGED] * 5
    said = [line for line in condensed.conversation if isinstance(line, Said)]
    assert said and condensed.omitted
    used = sum(estimate_tokens(e.text) + TOKENS_PER_LINE for e in condensed.key_events)
    used += sum(estimate_tokens(line.text) + TOKENS_PER_LINE for line in said)
    assert used <= 10_000
