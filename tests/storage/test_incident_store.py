"""The incident services on real storage: every test runs on SQLite and on PostgreSQL."""

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from bot.adapters.db.search import modelled
from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.errors import IncidentError, InvalidTransition, NothingChanged
from bot.incidents import Declaration, IncidentService
from bot.timeline import ChannelMessage, TimelineService
from models import EntryKind, Incident, OutboxMessage, Role, Status, TimelineEntry

START = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def declare(
    # A title no category keyword matches: no suggestion joins the declaration's entry.
    incidents: IncidentService,
    title: str = "Checkout returning errors",
    **kwargs: object,
) -> Incident:
    return incidents.declare(
        Declaration(title=title, severity="sev2", reporter="U_ALICE", **kwargs)
    )  # type: ignore[arg-type]


def with_channel(incidents: IncidentService, channel: str = "C_INC") -> Incident:
    incident = declare(incidents)
    assert incident.id is not None
    return incidents.attach_channel(incident.id, channel, "inc-2026-0001-checkout")


def test_migrations_create_exactly_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        # Only the search objects of migration 0007 (FTS5 table, expression indexes) are
        # outside the models; every other table and index must match them.
        context = MigrationContext.configure(connection, opts={"include_object": modelled})
        drift = compare_metadata(context, SQLModel.metadata)
    assert drift == []


def test_declared_incidents_get_sequential_ids_per_year(
    incidents: IncidentService, clock: Clock
) -> None:
    first, second = declare(incidents), declare(incidents)
    clock.now = datetime(2027, 1, 1, tzinfo=UTC)
    next_year = declare(incidents)
    assert (first.ref, second.ref, next_year.ref) == (
        "INC-2026-0001",
        "INC-2026-0002",
        "INC-2027-0001",
    )


def test_concurrent_declarations_never_share_an_id(incidents: IncidentService) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        refs = list(pool.map(lambda i: declare(incidents, f"incident {i}").ref, range(24)))
    assert sorted(refs) == [f"INC-2026-{n:04d}" for n in range(1, 25)]


def test_a_repeated_request_declares_once(incidents: IncidentService) -> None:
    first = declare(incidents, request_key="view:V123")
    again = declare(incidents, request_key="view:V123")
    assert again.id == first.id
    assert len(incidents.list_incidents(include_resolved=True)) == 1


def test_declaring_records_the_first_entry_and_timestamps(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    impact = START - timedelta(minutes=20)
    incident = declare(incidents, impact_started_at=impact, commander="U_BOB")
    assert incident.id is not None
    stored = incidents.get(incident.id)
    assert stored.declared_at == START and stored.impact_started_at == impact
    assert stored.acknowledged_at == START  # a named commander acknowledges
    assert incidents.roles(incident.id) == {Role.COMMANDER: "U_BOB"}
    [entry] = store.entries(incident.id)
    assert entry.kind is EntryKind.DECLARED


def test_lifecycle_changes_stamp_milestones_and_record_who(
    incidents: IncidentService, clock: Clock, store: SqlIncidentStore
) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    clock.advance(minutes=5)
    incidents.change_status(incident.id, Status.INVESTIGATING, "U_BOB")
    clock.advance(minutes=10)
    incidents.change_status(incident.id, Status.MITIGATED, "U_BOB", "rolled back")
    clock.advance(minutes=15)
    incidents.resolve(incident.id, "U_CAROL", "bad deploy reverted")
    clock.advance(hours=1)
    closed = incidents.close(incident.id, "U_CAROL").incident
    assert closed.status is Status.CLOSED
    assert closed.acknowledged_at == START + timedelta(minutes=5)
    assert closed.mitigated_at == START + timedelta(minutes=15)
    assert closed.resolved_at == START + timedelta(minutes=30)
    assert closed.closed_at == START + timedelta(minutes=90)
    assert closed.resolution_summary == "bad deploy reverted"
    changes = [
        (e.author, e.data["from"], e.data["to"])
        for e in store.entries(incident.id)
        if e.kind is EntryKind.STATUS_CHANGED
    ]
    assert changes == [
        ("U_BOB", "declared", "investigating"),
        ("U_BOB", "investigating", "mitigated"),
        ("U_CAROL", "mitigated", "resolved"),
        ("U_CAROL", "resolved", "closed"),
    ]


def test_an_illegal_change_names_the_legal_ones_and_changes_nothing(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incidents.change_status(incident.id, Status.MITIGATED, "U_BOB")
    with pytest.raises(InvalidTransition, match="can't go from mitigated to investigating") as e:
        incidents.change_status(incident.id, Status.INVESTIGATING, "U_BOB")
    assert "`resolved`" in str(e.value)
    assert incidents.get(incident.id).status is Status.MITIGATED
    assert len(store.entries(incident.id)) == 2


def test_reopen_clears_the_resolution_time(incidents: IncidentService, clock: Clock) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incidents.resolve(incident.id, "U_BOB")
    clock.advance(minutes=3)
    reopened = incidents.reopen(incident.id, "U_BOB", "errors are back").incident
    assert reopened.status is Status.INVESTIGATING and reopened.resolved_at is None


def test_closed_incidents_refuse_changes(incidents: IncidentService) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incidents.resolve(incident.id, "U_BOB")
    incidents.close(incident.id, "U_BOB")
    with pytest.raises(IncidentError, match="closed"):
        incidents.change_severity(incident.id, "sev1", "U_BOB")
    with pytest.raises(InvalidTransition, match="final"):
        incidents.reopen(incident.id, "U_BOB")


def test_severity_history_is_kept(incidents: IncidentService, store: SqlIncidentStore) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incidents.change_severity(incident.id, "sev1", "U_BOB", "EU affected too")
    with pytest.raises(NothingChanged):
        incidents.change_severity(incident.id, "sev1", "U_BOB")
    incidents.change_severity(incident.id, "sev3", "U_BOB")
    history = [
        (e.data["from"], e.data["to"])
        for e in store.entries(incident.id)
        if e.kind is EntryKind.SEVERITY_CHANGED
    ]
    assert history == [("sev2", "sev1"), ("sev1", "sev3")]


def test_roles_are_replaced_and_recorded(incidents: IncidentService) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incidents.assign_role(incident.id, Role.COMMANDER, "U_BOB", "U_ALICE")
    change = incidents.assign_role(incident.id, Role.COMMANDER, "U_CAROL", "U_BOB")
    incidents.assign_role(incident.id, Role.SCRIBE, "U_DAVE", "U_BOB")
    assert incidents.roles(incident.id) == {Role.COMMANDER: "U_CAROL", Role.SCRIBE: "U_DAVE"}
    assert change.entries[0].data == {"role": "commander", "from": "U_BOB", "to": "U_CAROL"}
    with pytest.raises(NothingChanged):
        incidents.assign_role(incident.id, Role.SCRIBE, "U_DAVE", "U_BOB")


def race(n: int, action: Callable[[], object]) -> list[object]:
    """Runs `action` in `n` threads released together; returns results and errors."""
    barrier = threading.Barrier(n)

    def run() -> object:
        barrier.wait()
        try:
            return action()
        except IncidentError as error:
            return error

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: run(), range(n)))


def test_racing_clicks_make_exactly_one_transition(
    incidents: IncidentService, store: SqlIncidentStore
) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incident_id = incident.id
    results = race(6, lambda: incidents.change_status(incident_id, Status.MITIGATED, "U_BOB"))
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    assert all("already mitigated" in str(r) for r in results if isinstance(r, IncidentError))
    entries = [e for e in store.entries(incident_id) if e.kind is EntryKind.STATUS_CHANGED]
    assert len(entries) == 1
    assert incidents.get(incident_id).version == 2


def test_racing_different_changes_all_apply(incidents: IncidentService) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incident_id = incident.id
    roles = iter([Role.COMMANDER, Role.LEAD, Role.COMMS, Role.SCRIBE])
    lock = threading.Lock()

    def assign() -> object:
        with lock:
            role = next(roles)
        return incidents.assign_role(incident_id, role, f"U_{role.value.upper()}", "U_ALICE")

    results = race(4, assign)
    assert not [r for r in results if isinstance(r, IncidentError)]
    assert len(incidents.roles(incident_id)) == 4
    assert incidents.get(incident_id).version == 5


def test_a_message_delivered_twice_is_stored_once(
    incidents: IncidentService, timeline: TimelineService, store: SqlIncidentStore
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    message = ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "errors spiking on pod 3")
    assert timeline.record_message(message)
    assert not timeline.record_message(message)
    results = race(5, lambda: timeline.record_message(message))
    assert results.count(True) == 0
    messages = [e for e in store.entries(incident.id) if e.kind is EntryKind.MESSAGE]
    assert [(m.text, m.occurred_at) for m in messages] == [
        ("errors spiking on pod 3", datetime.fromtimestamp(1795000000.0001, tz=UTC))
    ]


def test_messages_outside_incident_channels_are_not_recorded(timeline: TimelineService) -> None:
    assert not timeline.record_message(ChannelMessage("C_RANDOM", "1.000100", "U_BOB", "lunch?"))


def test_thread_replies_keep_their_thread(
    incidents: IncidentService, timeline: TimelineService, store: SqlIncidentStore
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    timeline.record_message(ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "root"))
    timeline.record_message(
        ChannelMessage(
            "C_INC", "1795000001.000100", "U_CAROL", "reply", thread_ts="1795000000.000100"
        )
    )
    entries = [e for e in store.entries(incident.id) if e.kind is EntryKind.MESSAGE]
    assert [(e.text, e.thread_ts) for e in entries] == [
        ("root", None),
        ("reply", "1795000000.000100"),
    ]


def test_edits_keep_history_and_deletes_hide(
    incidents: IncidentService, timeline: TimelineService, store: SqlIncidentStore
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    timeline.record_message(ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "db is fine"))
    timeline.record_message(ChannelMessage("C_INC", "1795000002.000100", "U_BOB", "oops"))
    edited = ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "db is NOT fine")
    assert timeline.edit_message(edited, "1795000060.0")
    assert not timeline.edit_message(edited, "1795000061.0")
    assert timeline.delete_message("C_INC", "1795000002.000100")
    visible = [e for e in store.entries(incident.id) if e.kind is EntryKind.MESSAGE]
    assert [e.text for e in visible] == ["db is NOT fine"]
    assert visible[0].revisions == [
        {"text": "db is fine", "until": datetime.fromtimestamp(1795000060, tz=UTC).isoformat()}
    ]
    everything = store.entries(incident.id, include_hidden=True)
    assert any(e.hidden and e.text == "oops" for e in everything)


def test_pinned_messages_and_notes_are_key_events(
    incidents: IncidentService, timeline: TimelineService, store: SqlIncidentStore
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    timeline.record_message(ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "found it"))
    assert timeline.mark_key_event("C_INC", "1795000000.000100")
    assert not timeline.mark_key_event("C_INC", "1795000000.000100")
    incidents.add_note(incident.id, "U_CAROL", "rollback started")
    key = [(e.kind, e.text) for e in store.entries(incident.id) if e.key_event]
    assert key == [(EntryKind.MESSAGE, "found it"), (EntryKind.NOTE, "rollback started")]


def test_racing_refreshes_queue_each_change_once_in_timeline_order(
    incidents: IncidentService, engine: Engine
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    incident_id = incident.id
    incidents.change_status(incident_id, Status.INVESTIGATING, "U_BOB")
    incidents.add_note(incident_id, "U_BOB", "looking at the load balancer")
    owed = race(4, lambda: incidents.queue_posts(incident_id))
    # Each caller that found the posts owed sends (whoever queued them); at least one did.
    assert set(owed) <= {0, 2} and 2 in owed
    assert incidents.queue_posts(incident_id) == 0  # queued: owed no more
    changes = [e for e in incidents.timeline(incident_id) if e.kind.posted_in_channel]
    with Session(engine) as session:
        outbox = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [(m.key, m.target) for m in outbox] == [(f"entry:{e.id}", "C_INC") for e in changes]
    assert [e.kind for e in changes] == [EntryKind.STATUS_CHANGED, EntryKind.NOTE]


def test_listing_shows_open_incidents_newest_first(
    incidents: IncidentService, clock: Clock
) -> None:
    first = declare(incidents, "first")
    clock.advance(minutes=1)
    second = declare(incidents, "second")
    assert first.id is not None
    incidents.resolve(first.id, "U_BOB")
    assert [i.title for i in incidents.list_incidents(include_resolved=False)] == ["second"]
    assert [i.title for i in incidents.list_incidents(include_resolved=True)] == ["second", "first"]
    assert second.status is Status.DECLARED


def test_a_room_is_claimed_once_and_an_abandoned_claim_can_be_taken_over(
    incidents: IncidentService, clock: Clock
) -> None:
    incident = declare(incidents)
    assert incident.id is not None
    incident_id = incident.id
    claims = race(4, lambda: incidents.claim_room(incident_id))
    assert claims.count(True) == 1
    assert incidents.awaiting_room(grace=timedelta(0)) == []  # its opener is still at work
    clock.advance(minutes=3)  # the opener died: the claim lapses
    assert [i.id for i in incidents.awaiting_room()] == [incident_id]
    assert incidents.claim_room(incident_id)
    incidents.release_room(incident_id)  # it failed: the next try needs no wait
    assert [i.id for i in incidents.awaiting_room()] == [incident_id]
    assert incidents.claim_room(incident_id)
    incidents.room_opened(incident_id)
    clock.advance(minutes=3)
    assert incidents.awaiting_room() == []
    assert not incidents.claim_room(incident_id)


def test_text_with_nul_characters_is_stored_everywhere(
    incidents: IncidentService, timeline: TimelineService
) -> None:
    incident = with_channel(incidents)
    assert incident.id is not None
    timeline.record_message(ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "a\x00b"))
    timeline.edit_message(ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "c\x00d"), None)
    assert [e.text for e in incidents.timeline(incident.id) if e.kind is EntryKind.MESSAGE] == [
        "cd"
    ]


MSG = ChannelMessage("C_INC", "1795000000.000100", "U_BOB", "first draft")


def messages(
    incidents: IncidentService, incident: Incident, *, hidden: bool = False
) -> list[TimelineEntry]:
    entries = incidents.timeline(incident.id or 0, include_hidden=hidden)
    return [e for e in entries if e.kind is EntryKind.MESSAGE]


def test_a_late_older_edit_does_not_undo_a_newer_one(
    incidents: IncidentService, timeline: TimelineService
) -> None:
    incident = with_channel(incidents)
    timeline.record_message(MSG)
    assert timeline.edit_message(MSG.__class__(**{**MSG.__dict__, "text": "third"}), "1795000090.0")
    assert not timeline.edit_message(
        MSG.__class__(**{**MSG.__dict__, "text": "second"}), "1795000060.0"
    )
    [entry] = messages(incidents, incident)
    assert (entry.text, [r["text"] for r in entry.revisions]) == ("third", ["first draft"])


def test_an_edit_and_a_delete_racing_leave_the_message_hidden(
    incidents: IncidentService, timeline: TimelineService
) -> None:
    incident = with_channel(incidents)
    timeline.record_message(MSG)
    edited = ChannelMessage("C_INC", MSG.ts, "U_BOB", "second thoughts")
    actions = iter(
        [
            lambda: timeline.edit_message(edited, "1795000060.0"),
            lambda: timeline.delete_message("C_INC", MSG.ts),
        ]
    )
    lock = threading.Lock()

    def next_action() -> object:
        with lock:
            action = next(actions)
        return action()

    assert race(2, next_action) == [True, True]
    [entry] = messages(incidents, incident, hidden=True)
    assert entry.hidden and entry.text == "second thoughts"


def test_events_arriving_before_their_message_are_not_lost(
    incidents: IncidentService, timeline: TimelineService
) -> None:
    incident = with_channel(incidents)
    # The edit arrives first (the original's delivery failed and is being retried)...
    assert timeline.edit_message(ChannelMessage("C_INC", MSG.ts, "U_BOB", "final"), "1795000060.0")
    assert not timeline.record_message(MSG)  # ...and the late original changes nothing.
    # A deletion arriving before its message stores it hidden.
    gone = ChannelMessage("C_INC", "1795000001.000100", "U_BOB", "oops")
    assert timeline.delete_message("C_INC", gone.ts, gone)
    assert not timeline.record_message(gone)
    assert [e.text for e in messages(incidents, incident)] == ["final"]


class PausingStore(SqlIncidentStore):
    """A store whose compare-and-set waits until every racer has read the incident, so the
    race the compare-and-set guards against happens every time, not by luck."""

    def __init__(self, engine: Engine, racers: int) -> None:
        super().__init__(engine)
        self.read_by_all = threading.Barrier(racers, timeout=10)

    def save(self, *args: object, **kwargs: object) -> bool:
        # A retry after the race finds the barrier broken: no one left to wait for.
        with contextlib.suppress(threading.BrokenBarrierError):
            self.read_by_all.wait()
        return super().save(*args, **kwargs)  # type: ignore[arg-type]


def test_compare_and_set_turns_a_real_race_into_one_change(engine: Engine, clock: Clock) -> None:
    store = PausingStore(engine, racers=3)
    incidents = IncidentService(store, Policy(), clock)
    store.read_by_all.abort()  # declaring needs no pause
    incident = declare(incidents)
    store.read_by_all.reset()
    incident_id = incident.id or 0
    results = race(
        3,
        lambda: incidents.assign_role(
            incident_id, Role.COMMANDER, "U_BOB", "U_BOB", only_if_vacant=True
        ),
    )
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    roles = [e for e in incidents.timeline(incident_id) if e.kind is EntryKind.ROLE_CHANGED]
    assert len(roles) == 1


def test_services_come_from_the_catalogue_and_changes_are_recorded(
    store: SqlIncidentStore, clock: Clock
) -> None:
    policy = Policy.model_validate({"services": [{"name": "checkout-api"}, {"name": "payments"}]})
    incidents = IncidentService(store, policy, clock)
    incident = declare(incidents)
    assert incident.id is not None
    with pytest.raises(IncidentError, match="search is not in the service catalogue"):
        incidents.change_services(incident.id, ("search",), "U_BOB")
    change = incidents.change_services(incident.id, ("checkout-api", "payments"), "U_BOB")
    assert change.incident.services == ["checkout-api", "payments"]
    with pytest.raises(NothingChanged):
        incidents.change_services(incident.id, ("checkout-api", "payments"), "U_BOB")
    incidents.change_services(incident.id, (), "U_BOB")
    history = [
        (e.data["from"], e.data["to"])
        for e in incidents.timeline(incident.id)
        if e.kind is EntryKind.SERVICES_CHANGED
    ]
    assert history == [([], ["checkout-api", "payments"]), (["checkout-api", "payments"], [])]
