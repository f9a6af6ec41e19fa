"""Outgoing webhooks on SQLite and PostgreSQL, sent over HTTP to a loopback receiver:
replicas planning and sending at once deliver each event once; a sender whose lease was
taken over changes nothing; racing failures disable an endpoint once, with one notice."""

import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.db.webhooks import SqlWebhookStore
from bot.adapters.webhooks import HttpWebhookSender
from bot.config import Policy
from bot.incidents import Declaration, IncidentService
from bot.webhooks.policy import OutgoingWebhooks, WebhookEndpointPolicy, fingerprint
from bot.webhooks.service import WebhookService
from models import OutboxMessage
from tests.fakes.webhook_receiver import WebhookReceiver
from tests.storage.test_incident_store import Clock

SECRET = "whsec-0123456789abcdef"


@pytest.fixture
def receiver(clock: Clock) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET, clock=lambda: clock().timestamp()) as fake:
        yield fake


def replica(
    engine: Engine, receiver: WebhookReceiver, clock: Clock, secret: str = SECRET
) -> WebhookService:
    """One replica's webhook service: its own store and HTTP client, on the shared database."""
    endpoint = WebhookEndpointPolicy(name="warehouse", url=receiver.url, secret=secret)
    policy = Policy(
        announcements_channel="C_ANNOUNCE",
        outgoing_webhooks=OutgoingWebhooks(endpoints=(endpoint,), disable_after=3),
    )
    sender = HttpWebhookSender(timeout=5)
    return WebhookService(SqlWebhookStore(engine), sender, policy, {"warehouse": secret}, clock)


def declare(incidents: IncidentService, title: str) -> None:
    incidents.declare(Declaration(title=title, severity="sev2", reporter="U_ALICE"))  # type: ignore[call-arg]


def race(*jobs: WebhookService) -> None:
    barrier = threading.Barrier(len(jobs))

    def run(job: WebhookService) -> None:
        barrier.wait()
        job.tick()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_racing_replicas_deliver_each_event_once(
    engine: Engine, incidents: IncidentService, receiver: WebhookReceiver, clock: Clock
) -> None:
    replicas = [replica(engine, receiver, clock) for _ in range(4)]
    replicas[0].register()
    for n in range(25):
        declare(incidents, f"Incident {n}")
    race(*replicas)
    race(*replicas)

    got = receiver.received
    assert sorted(r.body["incident"]["title"] for r in got) == sorted(
        f"Incident {n}" for n in range(25)
    )
    assert len({r.delivery for r in got}) == 25
    assert all(r.verified and r.event == "incident.declared" for r in got)


def test_history_before_the_endpoint_was_configured_is_not_sent(
    engine: Engine, incidents: IncidentService, receiver: WebhookReceiver, clock: Clock
) -> None:
    declare(incidents, "Before Sitrep knew the endpoint")
    clock.advance(seconds=1)
    service = replica(engine, receiver, clock)
    service.register()
    declare(incidents, "After")
    service.tick()
    assert [r.body["incident"]["title"] for r in receiver.received] == ["After"]


def test_a_sender_whose_lease_was_taken_over_changes_nothing(
    engine: Engine, incidents: IncidentService, receiver: WebhookReceiver, clock: Clock
) -> None:
    store = SqlWebhookStore(engine)
    service = replica(engine, receiver, clock)
    service.register()
    declare(incidents, "Slow sender")
    endpoint = store.endpoint("warehouse", fingerprint(receiver.url, SECRET), clock())
    assert endpoint.id is not None
    [entry] = [e for e, _ in store.events(endpoint.since, ["declared"])]  # type: ignore[list-item]
    row = {
        "endpoint_id": endpoint.id, "entry_id": entry.id, "incident_id": entry.incident_id,
        "delivery_id": "d-1", "event": "incident.declared", "payload": {}, "created_at": clock(),
        "due_at": clock(), "attempts": 0, "last_error": "",
    }  # fmt: skip
    assert store.add(endpoint.id, [row, row], clock()) == 1
    assert store.add(endpoint.id, [row], clock()) == 0  # insert-if-absent
    [first] = store.claim(endpoint.id, clock(), clock() + _seconds(1), 10, "slow")
    assert first.id is not None
    assert store.claim(endpoint.id, clock(), clock() + _seconds(1), 10, "other") == []
    clock.advance(seconds=2)
    [taken] = store.claim(endpoint.id, clock(), clock() + _seconds(60), 10, "new")
    assert taken.attempts == 2
    assert not store.renew(first.id, "slow", clock() + _seconds(60))
    assert not store.delivered(first.id, "slow", clock(), 200)
    assert store.failed(first.id, "slow", clock(), "late", clock()) is None
    assert store.delivered(first.id, "new", clock(), 200)
    assert store.claim(endpoint.id, clock() + _seconds(3600), clock(), 10, "x") == []


def test_racing_failures_disable_the_endpoint_once_with_one_notice(
    engine: Engine, incidents: IncidentService, receiver: WebhookReceiver, clock: Clock
) -> None:
    receiver.always = 500
    replicas = [replica(engine, receiver, clock) for _ in range(3)]
    replicas[0].register()
    for n in range(6):
        declare(incidents, f"Incident {n}")
    for _ in range(4):
        race(*replicas)
        clock.advance(hours=2)
    with engine.connect() as connection:
        notices = connection.execute(
            sa.select(OutboxMessage.__table__).where(  # type: ignore[attr-defined]
                OutboxMessage.__table__.c.kind == "webhook_disabled"  # type: ignore[attr-defined]
            )
        ).all()
    assert len(notices) == 1 and notices[0].target == "C_ANNOUNCE"
    tried = len(receiver.received)
    assert tried >= 3  # disable_after; a racing replica may have tried once more
    race(*replicas)
    assert len(receiver.received) == tried  # disabled: nothing more is tried

    # A new secret re-enables it, owing only what happens from then on.
    receiver.always, receiver.secret = 200, "whsec-rotated-0123456789"
    rotated = replica(engine, receiver, clock, secret=receiver.secret)
    rotated.register()
    declare(incidents, "After the rotation")
    rotated.tick()
    assert [r.body["incident"]["title"] for r in receiver.received[tried:]] == [
        "After the rotation"
    ]


def _seconds(n: int) -> timedelta:
    return timedelta(seconds=n)
