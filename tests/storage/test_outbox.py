"""The outbox on SQLite and PostgreSQL: each key queued once, each message held by one
sender, and a sender whose lease was taken over can change nothing."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.adapters.db.outbox import SqlOutboxStore
from bot.scheduling.due import Notice
from models import NoticeKind

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def notice(key: str, target: str = "C1") -> Notice:
    return Notice(key, NoticeKind.NUDGE, None, target, T0)  # type: ignore[arg-type]


def test_a_key_is_queued_once_however_often_it_is_due(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    assert store.enqueue([notice("a"), notice("b")], T0) == 2
    assert store.enqueue([notice("a"), notice("b"), notice("c")], T0) == 1
    assert store.enqueue([notice("a")], T0) == 0


def test_racing_senders_claim_disjoint_messages(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    store.enqueue([notice(f"k{n}", target=f"C{n}") for n in range(40)], T0)
    barrier, claimed = threading.Barrier(4), []

    def sender(n: int) -> None:
        barrier.wait()
        claimed.extend(m.key for m in store.claim(T0, T0 + timedelta(minutes=1), 15, f"t{n}"))

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == len(set(claimed)) == 40


def test_messages_to_one_target_are_taken_one_at_a_time_in_order(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    store.enqueue([notice("first"), notice("second"), notice("elsewhere", target="C2")], T0)
    lease = T0 + timedelta(minutes=1)
    [first, elsewhere] = store.claim(T0, lease, 10, "a")
    assert (first.key, elsewhere.key) == ("first", "elsewhere")
    assert first.id is not None
    assert store.claim(T0, lease, 10, "b") == []  # "second" waits while "first" is sent
    # "first" is refused for now: "second" waits behind it until it is through.
    retry_at = T0 + timedelta(minutes=5)
    assert store.release(first.id, "a", "ratelimited", retry_at)
    assert store.mark_sent(elsewhere.id or 0, "a", "1.1", T0, None)
    assert store.claim(lease, lease + timedelta(minutes=1), 10, "b") == []
    [again] = store.claim(retry_at, retry_at + timedelta(minutes=1), 10, "c")
    assert again.key == "first" and store.mark_sent(first.id, "c", "2.2", retry_at, None)
    [second] = store.claim(retry_at, retry_at + timedelta(minutes=1), 10, "c")
    assert second.key == "second"


def test_a_sender_whose_lease_was_taken_over_changes_nothing(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    store.enqueue([notice("slow")], T0)
    [first] = store.claim(T0, T0 + timedelta(seconds=1), 10, "slow-sender")
    assert first.id is not None
    assert store.claim(T0, T0 + timedelta(seconds=1), 10, "other") == []  # still held
    later = T0 + timedelta(seconds=2)
    [taken] = store.claim(later, later + timedelta(minutes=1), 10, "new-sender")
    assert taken.attempts == 2
    assert not store.renew(first.id, "slow-sender", later + timedelta(minutes=1))
    assert not store.mark_sent(first.id, "slow-sender", "1.1", later, None)
    assert not store.release(first.id, "slow-sender", "late", later)
    assert store.mark_sent(first.id, "new-sender", "2.2", later, None)
    assert not store.cancel(first.id, "new-sender", later, "too late")  # sent is final
    assert store.claim(later + timedelta(hours=1), later + timedelta(hours=2), 10, "x") == []
