"""What the metrics read, on SQLite and PostgreSQL: incidents of a window with their roles,
closed ones remembered (closed is final), the others read afresh every time."""

from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.db.insights import SqlInsightsStore
from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.incidents import Declaration, IncidentService
from models import LinkKind, Role, Status
from tests.storage.test_incident_store import START, Clock


@pytest.fixture
def incidents(engine: Engine) -> tuple[IncidentService, Clock]:
    clock = Clock()
    return IncidentService(SqlIncidentStore(engine), Policy(), clock), clock


def test_a_window_reads_its_incidents_with_their_roles_oldest_first(
    engine: Engine, incidents: tuple[IncidentService, Clock]
) -> None:
    service, clock = incidents
    ids = []
    for n, private in enumerate((False, True, False)):
        clock.advance(hours=1)
        declared = service.declare(
            Declaration(f"Incident {n}", "sev2", "U_ALICE", services=("api",), private=private)
        )
        assert declared.id is not None
        service.assign_role(declared.id, Role.COMMANDER, f"U_{n}", "U_ALICE")
        ids.append(declared.id)
    store = SqlInsightsStore(engine)
    found, roles = store.declared_between(START, START + timedelta(days=1))
    assert [o.id for o in found] == ids
    assert found[0].services == ["api"] and found[1].private
    assert {i: r[Role.COMMANDER] for i, r in roles.items()} == {
        ids[0]: "U_0", ids[1]: "U_1", ids[2]: "U_2",
    }  # fmt: skip
    # Roles since the third incident only, and of private incidents (for who may see them).
    _, some = store.declared_between(START, START + timedelta(days=1), roles_from=clock())
    assert set(some) == {ids[1], ids[2]}
    assert store.declared_between(START + timedelta(days=1), START + timedelta(days=2)) == ([], {})


def test_unchanged_incidents_are_remembered_and_changed_ones_read_afresh(
    engine: Engine, incidents: tuple[IncidentService, Clock]
) -> None:
    service, clock = incidents
    closed = service.declare(Declaration("Old outage", "sev2", "U_ALICE"))
    live = service.declare(Declaration("Still going", "sev2", "U_ALICE"))
    assert closed.id is not None and live.id is not None
    service.resolve(closed.id, "U_ALICE", "fixed")
    service.close(closed.id, "U_ALICE")
    store = SqlInsightsStore(engine)
    window = (START, START + timedelta(days=1))
    first, _ = store.declared_between(*window)
    assert [o.status for o in first] == [Status.CLOSED, Status.DECLARED]
    assert store.declared_between(*window)[0] == first  # nothing changed: all from memory
    assert all(a is b for a, b in zip(store.declared_between(*window)[0], first, strict=True))

    clock.advance(minutes=30)
    service.resolve(live.id, "U_BOB", "restarted")
    second, _ = store.declared_between(*window)
    assert [o.status for o in second] == [Status.CLOSED, Status.RESOLVED]
    assert second[0] is first[0] and second[1].resolved_at == clock()
    service.assign_role(live.id, Role.COMMANDER, "U_BOB", "U_BOB")  # a role is a change too
    assert store.declared_between(*window)[1] == {live.id: {Role.COMMANDER: "U_BOB"}}
    service.add_link(live.id, "U_BOB", "https://ci.example.com/1", LinkKind.DEPLOY,
                     happened_at=clock() - timedelta(hours=1))  # fmt: skip
    assert store.declared_between(*window)[0][1].deployed_at == clock() - timedelta(hours=1)


def test_the_least_recently_read_are_forgotten_first(
    engine: Engine, incidents: tuple[IncidentService, Clock]
) -> None:
    service, _ = incidents
    service.declare(Declaration("Older", "sev2", "U_ALICE"))
    service.declare(Declaration("Newer", "sev2", "U_ALICE"))
    store = SqlInsightsStore(engine, remembered=1)
    window = (START, START + timedelta(days=1))
    first, _ = store.declared_between(*window)
    second, _ = store.declared_between(*window)  # remembers one: the older one is read again
    assert second == first and second[0] is not first[0] and second[1] is first[1]


def test_an_incident_carries_its_last_deploy_before_the_impact_started(
    engine: Engine, incidents: tuple[IncidentService, Clock]
) -> None:
    service, clock = incidents
    clock.advance(hours=3)
    declared = service.declare(
        Declaration("Checkout errors", "sev2", "", impact_started_at=clock() - timedelta(hours=1),
                    detected_by="grafana")
    )  # fmt: skip
    assert declared.id is not None
    earlier, last, after = (clock() - timedelta(hours=h) for h in (3, 2, -1))
    for n, when in enumerate((earlier, last, after)):
        service.add_link(declared.id, "U_ALICE", f"https://ci.example.com/{n}", LinkKind.DEPLOY,
                         happened_at=when)  # fmt: skip
    service.add_link(declared.id, "U_ALICE", "https://grafana.example.com/d", LinkKind.DASHBOARD)

    [found], _ = SqlInsightsStore(engine).declared_between(START, START + timedelta(days=1))

    assert found.deployed_at == last  # the one after the impact started is not a cause
    assert found.detected_by == "grafana"


def test_an_incident_is_read_with_its_category(
    engine: Engine, incidents: tuple[IncidentService, Clock]
) -> None:
    service, clock = incidents
    clock.advance(hours=1)
    declared = service.declare(Declaration("Replica lag", "sev2", "U_ALICE"))
    other = service.declare(Declaration("Something odd", "sev3", "U_ALICE"))
    assert declared.id is not None
    service.set_category(declared.id, "Database/replication", "U_ALICE")
    found, _ = SqlInsightsStore(engine).declared_between(START, START + timedelta(days=1))
    assert {o.id: o.category for o in found} == {
        declared.id: "Database/replication",
        other.id: None,
    }
