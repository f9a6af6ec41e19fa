"""Links attached to incidents, on real storage: every test runs on SQLite and PostgreSQL."""

import contextlib
import threading
from datetime import UTC, datetime, time

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.errors import IncidentClosed, IncidentError, NothingChanged, UsageError
from bot.incidents import IncidentService
from bot.rooms import RoomService
from models import EntryKind, IncidentLink, LinkKind, Status, TimelineEntry
from tests.storage.test_incident_store import Clock, declare, race
from tests.storage.test_rooms import RecordingRooms

DEPLOY = "https://ci.example.com/acme/api/runs/4411"


@pytest.fixture
def incidents(store: SqlIncidentStore, clock: Clock) -> IncidentService:
    return IncidentService(store, Policy(timezone="Europe/Berlin"), clock)


def links_of(incidents: IncidentService, incident_id: int) -> list[tuple[str, str]]:
    return [(link.kind.value, link.url) for link in incidents.links(incident_id)]


def link_entries(incidents: IncidentService, incident_id: int) -> list[TimelineEntry]:
    return [e for e in incidents.timeline(incident_id) if e.kind is EntryKind.LINK]


def test_a_link_is_stored_with_its_timeline_entry(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    change = incidents.add_link(
        incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY, "v42 rollout", time(9, 30)
    )
    [link] = incidents.links(incident_id)
    # Now is 10:00 in Berlin, so 09:30 is this morning's: 08:30 UTC.
    happened = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    assert (link.kind, link.url, link.title, link.added_by) == (
        LinkKind.DEPLOY,
        DEPLOY,
        "v42 rollout",
        "U_BOB",
    )
    assert link.happened_at == happened
    [entry] = link_entries(incidents, incident_id)
    assert entry.author == "U_BOB" and entry.text == f"Linked a deploy: <{DEPLOY}|v42 rollout>"
    assert entry.data == {
        "url": DEPLOY,
        "kind": "deploy",
        "title": "v42 rollout",
        "happened_at": happened.isoformat(),
    }
    assert [e.id for e in change.entries] == [entry.id]
    assert change.incident.version == 2


def test_a_link_from_sitrep_itself_has_no_author(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    incidents.add_link(incident_id, None, "https://alerts.example.com/1", LinkKind.ALERT)
    [entry] = link_entries(incidents, incident_id)
    assert entry.author is None and entry.text == "Linked an alert: <https://alerts.example.com/1>"
    assert incidents.links(incident_id)[0].added_by is None


def test_the_same_url_twice_is_one_link(incidents: IncidentService) -> None:
    incident = declare(incidents)
    incident_id = incident.id or 0
    incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    with pytest.raises(NothingChanged, match=f"That link is already on {incident.ref}"):
        incidents.add_link(incident_id, "U_CAROL", DEPLOY, LinkKind.TRACE, "again")
    assert links_of(incidents, incident_id) == [("deploy", DEPLOY)]
    assert len(link_entries(incidents, incident_id)) == 1


def test_what_is_no_web_address_is_refused_by_the_service_too(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    with pytest.raises(UsageError):
        incidents.add_link(incident_id, None, "javascript:alert(1)", LinkKind.OTHER)
    assert incidents.links(incident_id) == []


def test_a_long_title_is_clipped(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    incidents.add_link(incident_id, None, DEPLOY, LinkKind.DEPLOY, "x" * 500)
    assert len(incidents.links(incident_id)[0].title) == 200


def test_a_closed_incident_takes_no_links(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    incidents.change_status(incident_id, Status.RESOLVED, "U_BOB")
    incidents.change_status(incident_id, Status.CLOSED, "U_BOB")
    with pytest.raises(IncidentClosed):
        incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    assert incidents.links(incident_id) == []


def test_links_are_per_incident(incidents: IncidentService) -> None:
    first, second = declare(incidents).id or 0, declare(incidents, "Search slow").id or 0
    incidents.add_link(first, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    incidents.add_link(second, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    assert links_of(incidents, first) == links_of(incidents, second) == [("deploy", DEPLOY)]


def test_racing_duplicates_end_as_one_link_and_one_entry(incidents: IncidentService) -> None:
    incident_id = declare(incidents).id or 0
    results = race(6, lambda: incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY))
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    assert all(isinstance(r, NothingChanged) for r in results if isinstance(r, IncidentError))
    assert len(incidents.links(incident_id)) == len(link_entries(incidents, incident_id)) == 1


class PausingStore(SqlIncidentStore):
    """Every racer has read the links (none yet) before any writes: the race happens."""

    def __init__(self, engine: Engine, racers: int) -> None:
        super().__init__(engine)
        self.read_by_all = threading.Barrier(racers, timeout=10)

    def add_link(self, *args: object, **kwargs: object) -> bool:
        with contextlib.suppress(threading.BrokenBarrierError):
            self.read_by_all.wait()
        return super().add_link(*args, **kwargs)  # type: ignore[arg-type]


def test_a_real_race_on_one_url_is_one_link(engine: Engine, clock: Clock) -> None:
    store = PausingStore(engine, racers=3)
    incidents = IncidentService(store, Policy(), clock)
    incident_id = declare(incidents).id or 0
    results = race(3, lambda: incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY))
    assert sum(not isinstance(r, IncidentError) for r in results) == 1
    assert [type(r) for r in results if isinstance(r, IncidentError)] == [NothingChanged] * 2
    assert len(incidents.links(incident_id)) == len(link_entries(incidents, incident_id)) == 1


def test_the_unique_url_undoes_the_whole_write_when_the_version_matched(
    incidents: IncidentService, store: SqlIncidentStore, clock: Clock
) -> None:
    """Even past the compare-and-set, a second link to a URL changes nothing at all."""
    incident_id = declare(incidents).id or 0
    incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    incident = incidents.get(incident_id)
    duplicate = IncidentLink.model_validate(
        {"incident_id": incident_id, "kind": LinkKind.TRACE, "url": DEPLOY, "added_at": clock()}
    )
    entry = TimelineEntry.model_validate(
        {"kind": EntryKind.LINK, "occurred_at": clock(), "text": "dup", "incident_id": incident_id}
    )
    assert not store.add_link(incident, incident.version, duplicate, entry)
    assert incidents.get(incident_id).version == incident.version
    assert len(link_entries(incidents, incident_id)) == 1


def test_a_new_link_redraws_the_announcement(incidents: IncidentService) -> None:
    chat = RecordingRooms()
    rooms = RoomService(incidents, chat, Policy())
    incident_id = declare(incidents).id or 0
    rooms.open_room(incident_id)
    assert chat.shown["links"] == []
    incidents.add_link(incident_id, "U_BOB", DEPLOY, LinkKind.DEPLOY)
    rooms.refresh(incident_id)
    assert chat.shown["links"] == [DEPLOY]
    assert chat.transcript[-1] == ("update", "declared")
    assert [e.posted_at is not None for e in link_entries(incidents, incident_id)] == [True]
