"""The outbox on SQLite and PostgreSQL: each key queued once, each message held by one
sender, and a sender whose lease was taken over can change nothing."""

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from bot.adapters.db.outbox import SqlOutboxStore
from bot.scheduling.due import Notice
from models import NoticeKind

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def notice(key: str) -> Notice:
    return Notice(key, NoticeKind.NUDGE, None, "C1", T0)  # type: ignore[arg-type]


def test_a_key_is_queued_once_however_often_it_is_due(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    assert store.enqueue([notice("a"), notice("b")], T0) == 2
    assert store.enqueue([notice("a"), notice("b"), notice("c")], T0) == 1
    assert store.enqueue([notice("a")], T0) == 0


def test_racing_senders_claim_disjoint_messages(engine: Engine) -> None:
    store = SqlOutboxStore(engine)
    store.enqueue([notice(f"k{n}") for n in range(40)], T0)
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
