"""Problem records and recurrence on real storage (SQLite and PostgreSQL), and migration
0009 keeping the schema and search working both ways."""

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.problems import SqlProblemStore
from bot.adapters.db.store import SqlIncidentStore
from bot.errors import IncidentError, NothingChanged, ProblemNotFound
from bot.incidents import IncidentService
from bot.problems import ProblemService
from models import EntryKind, Incident, ProblemStatus
from tests.storage.test_categories import incident_row, old_incidents
from tests.storage.test_incident_store import Clock, declare, race


@pytest.fixture
def problems(engine: Engine, incidents: IncidentService, clock: Clock) -> ProblemService:
    return ProblemService(SqlProblemStore(engine), incidents, clock)


def on(incidents: IncidentService, title: str, *services: str, **more: object) -> Incident:
    """An incident on `services` whose category is set."""
    incident = declare(incidents, title, services=services, **more)
    assert incident.id is not None
    incidents.set_category(incident.id, "Database/connection pool", "U_ALICE")
    return incidents.get(incident.id)


def test_racing_replicas_open_problems_with_distinct_refs(
    database_url: str, engine: Engine, incidents: IncidentService, clock: Clock
) -> None:
    other = make_engine(database_url)  # a second replica, with its own connections
    try:
        replicas = [ProblemService(SqlProblemStore(e), incidents, clock) for e in (engine, other)]
        turn = iter(range(1000))
        results = race(12, lambda: replicas[next(turn) % 2].open("Pool too small", "U_BOB"))
    finally:
        other.dispose()
    refs = sorted(r.problem.ref for r in results)  # type: ignore[attr-defined]
    assert refs == [f"PRB-{n:04d}" for n in range(1, 13)]


def test_opening_from_an_incident_links_it_and_copies_its_context(
    problems: ProblemService, incidents: IncidentService
) -> None:
    incident = declare(
        incidents, "Orders DB connection pool exhausted", services=("orders-db",),
        description="p99 at 4s",
    )  # fmt: skip
    assert incident.id is not None
    opened = problems.open("", "U_BOB", incident.id)
    problem = opened.problem
    assert (problem.ref, problem.title, problem.description) == (
        "PRB-0001", "Orders DB connection pool exhausted", "p99 at 4s",
    )  # fmt: skip
    assert problem.services == ["orders-db"]
    assert problem.category == "Database/connection pool"  # suggested at declaration
    stored = incidents.get(incident.id)
    assert stored.problem_id == problem.id
    [entry] = [e for e in incidents.timeline(incident.id) if e.kind is EntryKind.PROBLEM_LINKED]
    assert entry.data == {
        "problem": "PRB-0001", "title": problem.title, "from": None, "opened": True,
    }  # fmt: skip
    with pytest.raises(NothingChanged, match="already belongs to PRB-0001"):
        problems.open("Another", "U_CAROL", incident.id)


def test_racing_opens_from_one_incident_make_one_problem(
    problems: ProblemService, incidents: IncidentService
) -> None:
    incident = declare(incidents, "Checkout slow")
    incident_id = incident.id
    assert incident_id is not None
    results = race(6, lambda: problems.open("", "U_BOB", incident_id))
    made = [r for r in results if not isinstance(r, IncidentError)]
    assert len(made) == 1
    assert all("already belongs" in str(r) for r in results if isinstance(r, IncidentError))
    linked = [e for e in incidents.timeline(incident_id) if e.kind is EntryKind.PROBLEM_LINKED]
    assert len(linked) == 1
    assert [p.ref for p, _ in problems.list_problems()] == [made[0].problem.ref]  # type: ignore[attr-defined]


def test_link_relink_unlink_and_a_closed_incident(
    problems: ProblemService, incidents: IncidentService
) -> None:
    first = problems.open("Webhook timeouts", "U_ALICE").problem
    second = problems.open("Signer bug", "U_ALICE").problem
    incident = declare(incidents, "Webhooks failing")
    assert incident.id is not None
    problems.link("prb-0001", incident.id, "U_BOB")
    with pytest.raises(NothingChanged, match="already belongs to PRB-0001"):
        problems.link("PRB-0001", incident.id, "U_BOB")
    moved = problems.link(second.ref, incident.id, "U_BOB")
    assert moved.previous == first.ref
    problems.unlink(incident.id, "U_BOB")
    with pytest.raises(NothingChanged, match="not linked to a problem"):
        problems.unlink(incident.id, "U_BOB")
    kinds = [e.kind for e in incidents.timeline(incident.id)][1:]
    assert kinds == [EntryKind.PROBLEM_LINKED, EntryKind.PROBLEM_LINKED, EntryKind.PROBLEM_UNLINKED]

    incidents.resolve(incident.id, "U_BOB")
    incidents.close(incident.id, "U_BOB")
    problems.link(first.ref, incident.id, "U_CAROL")  # problems are worked after incidents
    assert incidents.get(incident.id).problem_id == first.id
    with pytest.raises(ProblemNotFound):
        problems.link("PRB-0042", incident.id, "U_CAROL")
    counts = {p.ref: n for p, n in problems.list_problems()}
    assert counts == {first.ref: 1, second.ref: 0}


def test_status_changes_follow_the_rules_and_are_remembered(
    problems: ProblemService, incidents: IncidentService, clock: Clock
) -> None:
    ref = problems.open("Disk fills on batch hosts", "U_ALICE").problem.ref
    with pytest.raises(IncidentError, match="needs its workaround"):
        problems.set_status(ref, ProblemStatus.KNOWN_ERROR, "U_BOB")
    problems.set_status(ref, ProblemStatus.KNOWN_ERROR, "U_BOB", "logrotate -f")
    with pytest.raises(NothingChanged, match="already known error"):
        problems.set_status(ref, ProblemStatus.KNOWN_ERROR, "U_BOB", "again")
    clock.advance(days=3)
    resolved = problems.set_status(ref, ProblemStatus.RESOLVED, "U_BOB", "Bigger disks")
    assert (resolved.resolved_at, resolved.workaround, resolved.resolution) == (
        clock.now, "logrotate -f", "Bigger disks",
    )  # fmt: skip
    assert problems.list_problems() == []
    assert len(problems.list_problems(include_resolved=True)) == 1

    # A resolved problem's cause is back: linking an incident reopens it.
    incident = declare(incidents, "Disk full again")
    assert incident.id is not None
    linked = problems.link(ref, incident.id, "U_CAROL")
    assert linked.reopened and linked.problem.status is ProblemStatus.OPEN
    assert problems.get(ref).resolved_at is None
    owned = problems.set_owner(ref, "U_DAVE", "U_BOB")
    assert owned.owner == "U_DAVE"
    history = [(h["what"], h["to"], h["note"]) for h in problems.get(ref).history[1:]]
    assert history == [
        ("status", "known_error", "logrotate -f"),
        ("status", "resolved", "Bigger disks"),
        ("status", "open", f"{incident.ref} recurred"),
        ("owner", "U_DAVE", ""),
    ]


def test_details_show_private_incidents_only_to_their_people(
    problems: ProblemService, incidents: IncidentService
) -> None:
    secret = declare(incidents, "Suspicious logins", private=True, commander="U_BOB")
    public = declare(incidents, "Login page slow")
    assert secret.id is not None and public.id is not None
    problem = problems.open("", "U_BOB", secret.id).problem
    assert "Suspicious" not in problem.title and problem.description == ""
    problems.link(problem.ref, public.id, "U_ALICE")

    stranger = problems.details(problem, "U_DAVE", None)
    assert [i.ref for i in stranger.incidents] == [public.ref] and stranger.hidden == 1
    insider = problems.details(problem, "U_BOB", None)
    assert [i.ref for i in insider.incidents] == [secret.ref, public.ref]
    assert insider.hidden == 0


def test_the_third_incident_of_a_service_and_category_is_a_recurrence_once(
    problems: ProblemService, incidents: IncidentService, store: SqlIncidentStore, clock: Clock
) -> None:
    on(incidents, "Pool exhausted", "orders-db")
    clock.advance(days=91)  # the first falls out of the window
    second = on(incidents, "Pool exhausted", "orders-db")
    clock.advance(days=1)
    on(incidents, "Pool exhausted", "ORDERS-DB", private=True)  # not named, not counted
    on(incidents, "Pool exhausted", "payments-db")  # another service
    third = on(incidents, "Pool exhausted", "orders-db")
    assert third.id is not None and second.id is not None
    assert problems.check_recurrence(third.id) is None  # only one earlier in 90 days
    problems.link(problems.open("Pool sized for 2025", "U_BOB").problem.ref, second.id, "U_BOB")
    clock.advance(hours=1)
    fourth = on(incidents, "Pool exhausted", "checkout-api", "orders-db")
    assert fourth.id is not None
    fourth_id = fourth.id

    results = race(4, lambda: problems.check_recurrence(fourth_id))
    told = [r for r in results if r is not None]
    assert len(told) == 1
    entry = told[0]
    assert entry.text == (  # type: ignore[attr-defined]
        f"3rd Database/connection pool incident on orders-db in 90 days: {second.ref}, {third.ref}"
    )
    assert entry.data["offered"] == "PRB-0001"  # type: ignore[attr-defined]
    assert problems.check_recurrence(fourth_id) is None  # told once
    recorded = [e for e in store.entries(fourth_id) if e.kind is EntryKind.RECURRENCE]
    assert len(recorded) == 1 and recorded[0].posted_at is None  # the room posts it


def test_a_suggested_category_counts_until_one_is_set(
    problems: ProblemService, incidents: IncidentService
) -> None:
    for _ in range(2):
        declare(incidents, "Orders DB connection pool exhausted", services=("orders-db",))
    third = declare(incidents, "Orders DB connection pool exhausted", services=("orders-db",))
    assert third.id is not None
    entry = problems.check_recurrence(third.id)
    assert entry is not None and entry.data["category"] == "Database/connection pool"
    # "Database" alone is another category: no second post for it, nor a match.
    incidents.set_category(third.id, "Database", "U_BOB")
    assert problems.check_recurrence(third.id) is None
    incidents.set_category(third.id, "Database/connection pool", "U_BOB")
    assert problems.check_recurrence(third.id) is None  # told for it already


def test_migration_0009_up_and_down_keeps_incidents_and_search(database_url: str) -> None:
    engine = make_engine(database_url)
    old_columns = old_incidents(*incident_row("x", None))
    try:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0008")
            connection.execute(sa.insert(old_columns).values(incident_row("Kafka lag", None)))
            command.upgrade(config, "0009")
            connection.execute(
                sa.text(
                    "INSERT INTO problem (ref, title, status, description, workaround, "
                    "resolution, services, category, history, created_by, created_at, "
                    "updated_at, version) VALUES ('PRB-0001', 'Lag', 'open', '', '', '', "
                    "'[]', NULL, '[]', 'U_ALICE', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)"
                )
            )
            connection.execute(sa.text("UPDATE incident SET problem_id = (SELECT id FROM problem)"))
            linked = connection.execute(
                sa.text("SELECT count(*) FROM incident WHERE problem_id IS NOT NULL")
            ).scalar()
            command.downgrade(config, "0008")
            connection.execute(sa.insert(old_columns).values(incident_row("Yak shaved", None)))
            tables = set(sa.inspect(connection).get_table_names())
            columns = {c["name"] for c in sa.inspect(connection).get_columns("incident")}
        assert linked == 1
        assert "problem" not in tables and "problem_id" not in columns
        if engine.dialect.name == "sqlite":  # the triggers came back with the table copy
            with engine.connect() as connection:
                found = connection.execute(
                    sa.text(
                        "SELECT count(*) FROM search_index WHERE search_index MATCH 'yak OR kafka'"
                    )
                ).scalar()
            assert found == 2
    finally:
        engine.dispose()


def test_the_window_is_ninety_days_before_the_declaration(
    problems: ProblemService, incidents: IncidentService, clock: Clock
) -> None:
    for _ in range(2):
        on(incidents, "Pool exhausted", "orders-db")
        clock.advance(days=44)
    clock.advance(days=1)  # the first is now 89 days before, the second 45
    latest = on(incidents, "Pool exhausted", "orders-db")
    assert latest.id is not None
    entry = problems.check_recurrence(latest.id)
    assert entry is not None and entry.data["count"] == 3
