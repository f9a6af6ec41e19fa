"""The page store on SQLite and PostgreSQL: a page is stored once with its message and
entry however many replicas race to make it; acknowledging answers every page of the
incident and records its first acknowledgement (MTTA) once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.db.paging import SqlPageStore
from bot.incidents import Declaration, IncidentService
from bot.scheduling.due import Notice
from models import BY_HAND, EntryKind, NoticeKind, Page, Status, TimelineEntry
from tests.storage.test_incident_store import Clock


def declare(incidents: IncidentService) -> int:
    made = incidents.declare(Declaration(title="Checkout down", severity="sev2", reporter="U1"))
    assert made.id is not None
    return made.id


def page(
    incident_id: int, clock: Clock, level: int = 1, target: str = "U_CAROL", chain: str = "payments"
) -> Page:
    return Page.model_validate(
        {"key": f"page:{incident_id}:{chain}:{level}:0", "incident_id": incident_id,
         "chain": chain, "level": level, "target": target, "via": "payments/primary",
         "paged_at": clock(), "ack_by": clock() + timedelta(minutes=5)}
    )  # fmt: skip


def notice(p: Page) -> Notice:
    return Notice(p.key, NoticeKind.PAGE, p.incident_id, p.target, p.paged_at, {})


def entry(incident_id: int, clock: Clock, kind: EntryKind = EntryKind.PAGED) -> TimelineEntry:
    return TimelineEntry.model_validate(
        {"incident_id": incident_id, "kind": kind, "occurred_at": clock(), "text": "Paged"}
    )


def count(engine: Engine, table: str, where: str = "1=1") -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(sa.text(f"SELECT count(*) FROM {table} WHERE {where}")).scalar() or 0
        )


def test_racing_pages_of_one_incident_make_one_page_one_message_and_one_entry(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    incident_id = declare(incidents)
    store = SqlPageStore(engine)
    wanted = page(incident_id, clock)

    def add(_: int) -> list[Page]:
        return SqlPageStore(engine).add([wanted], [notice(wanted)], [entry(incident_id, clock)])

    with ThreadPoolExecutor(6) as pool:
        made = [p for batch in pool.map(add, range(12)) for p in batch]
    assert len(made) == 1 and made[0].id is not None
    assert [p.key for p in store.of_incident(incident_id)] == [wanted.key]
    assert count(engine, "page") == 1
    assert count(engine, "outbox", f"key = '{wanted.key}'") == 1
    assert count(engine, "timeline_entry", "kind = 'paged'") == 1


def test_acknowledging_answers_every_page_and_sets_mtta_once(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    incident_id = declare(incidents)
    store = SqlPageStore(engine)
    first, second = page(incident_id, clock), page(incident_id, clock, level=2, target="U_DAVE")
    store.add([first, second], [notice(first), notice(second)], [])
    version = incidents.get(incident_id).version
    assert [i.id for i, _ in store.escalating()] == [incident_id]

    clock.advance(minutes=3)
    answered = store.acknowledge(
        incident_id, "U_DAVE", clock(), entry(incident_id, clock, EntryKind.ACKNOWLEDGED)
    )
    assert {(p.target, p.acknowledged_by) for p in answered} == {
        ("U_CAROL", "U_DAVE"),
        ("U_DAVE", "U_DAVE"),
    }
    acknowledged = incidents.get(incident_id)
    assert acknowledged.acknowledged_at == clock() and acknowledged.version == version + 1
    assert store.escalating() == []

    clock.advance(minutes=3)
    assert store.acknowledge(incident_id, "U_CAROL", clock(), entry(incident_id, clock)) == []
    assert incidents.get(incident_id).acknowledged_at == clock() - timedelta(minutes=3)
    assert count(engine, "timeline_entry", "kind = 'acknowledged'") == 1


def test_an_incident_already_acknowledged_keeps_its_first_acknowledgement(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    incident_id = declare(incidents)
    incidents.change_status(incident_id, Status.INVESTIGATING, "U1")
    first = incidents.get(incident_id).acknowledged_at
    assert first is not None
    store = SqlPageStore(engine)
    p = page(incident_id, clock)
    store.add([p], [notice(p)], [])
    clock.advance(minutes=5)
    store.acknowledge(
        incident_id, "U_CAROL", clock(), entry(incident_id, clock, EntryKind.ACKNOWLEDGED)
    )
    assert incidents.get(incident_id).acknowledged_at == first


def test_escalating_leaves_out_pages_by_hand_and_incidents_past_mitigation(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    store = SqlPageStore(engine)
    by_hand, mitigated = declare(incidents), declare(incidents)
    for incident_id, chain in ((by_hand, BY_HAND), (mitigated, "payments")):
        p = page(incident_id, clock, chain=chain)
        store.add([p], [notice(p)], [])
    incidents.change_status(mitigated, Status.MITIGATED, "U1")
    assert store.escalating() == []


def test_a_page_is_escalated_by_hand_once(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    incident_id = declare(incidents)
    store = SqlPageStore(engine)
    p = page(incident_id, clock)
    [made] = store.add([p], [notice(p)], [])
    assert made.id is not None
    with ThreadPoolExecutor(4) as pool:
        won = list(pool.map(lambda _: store.escalate(made.id or 0, "U_CAROL", clock()), range(8)))
    assert won.count(True) == 1
    assert store.get(made.id).escalated_by == "U_CAROL"  # type: ignore[union-attr]
    assert store.sent([p.key]) == {}  # not sent yet


def test_pages_between_two_instants_come_oldest_first_with_their_incidents_severity(
    engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    incident_id = declare(incidents)
    store = SqlPageStore(engine)
    start = clock()
    first = page(incident_id, clock)
    clock.advance(minutes=10)
    second = page(incident_id, clock, level=2, target="U_DAVE")
    clock.advance(minutes=10)
    third = page(incident_id, clock, level=3, target="C_TEAM")
    store.add([first, second, third], [], [])
    found = store.paged_between(start, start + timedelta(minutes=20))
    assert [(p.page.target, p.severity) for p in found] == [("U_CAROL", "sev2"), ("U_DAVE", "sev2")]
    [last] = store.paged_between(start + timedelta(minutes=20), clock() + timedelta(1))
    assert (last.page.target, last.page.level) == ("C_TEAM", 3)
    assert store.paged_between(clock() + timedelta(seconds=1), clock() + timedelta(1)) == []
