"""The room workflow against a recording fake chat platform, on SQLite and PostgreSQL."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from bot.adapters.db.engine import MIGRATIONS, make_engine
from bot.adapters.db.search import SqlSearchIndex
from bot.config import Policy
from bot.errors import ChatUnavailable, NameTaken
from bot.incidents import Declaration, IncidentService
from bot.ports import SearchQuery
from bot.rooms import RoomService
from models import EntryKind, Incident, IncidentLink, OutboxMessage, Role, Status
from tests.storage.test_categories import incident_row, old_incidents
from tests.storage.test_incident_store import Clock


@dataclass
class RecordingRooms:
    """A chat platform that keeps a transcript and can be told to refuse."""

    taken: set[str] = field(default_factory=set)  # by people, or archived
    refuse: set[str] = field(default_factory=set)
    lose: set[str] = field(default_factory=set)  # done, but the answer never comes back
    made: dict[str, str] = field(default_factory=dict)  # name -> ID of the app's channels
    transcript: list[tuple[str, str]] = field(default_factory=list)
    on_update: Callable[[], None] | None = None
    shown: dict[str, object] = field(default_factory=dict)

    def _do(self, what: str, detail: str) -> None:
        if what in self.refuse:
            self.refuse.discard(what)
            raise ChatUnavailable(f"{what} refused")
        self.transcript.append((what, detail))

    def create_channel(self, name: str, *, private: bool) -> tuple[str, str]:
        if name in self.taken or name in self.made:
            raise NameTaken(name)
        self._do("create", name)
        self.made[name] = f"C{len(self.made) + 1}"
        if "create" in self.lose:
            self.lose.discard("create")
            raise ChatUnavailable("create: no answer")
        return self.made[name], name

    def own_channel(self, name: str) -> str | None:
        self.transcript.append(("look up", name))
        return self.made.get(name)

    def invite(self, channel_id: str, user: str) -> bool:
        self._do("invite", user)
        return True

    def show_topic(self, incident: Incident, roles: dict[Role, str]) -> None:
        self.shown["topic"] = (incident.status, dict(roles))

    def post_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> str:
        self._do("announce", incident.ref)
        self.shown["announcement"] = (incident.status, dict(roles))
        self.shown["links"] = [link.url for link in links]
        if "announce" in self.lose:
            self.lose.discard("announce")
            raise ChatUnavailable("announce: no answer")
        return "1795000000.000100"

    def find_announcement(self, incident: Incident) -> str | None:
        self.transcript.append(("look for announcement", incident.ref))
        posted = ("announce", incident.ref) in self.transcript
        return "1795000000.000100" if posted else None

    def update_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> None:
        self.transcript.append(("update", incident.status.value))
        self.shown["announcement"] = (incident.status, dict(roles))
        self.shown["links"] = [link.url for link in links]
        if self.on_update is not None:
            racing, self.on_update = self.on_update, None
            racing()

    def post_notice(self, incident: Incident, *, resumed: bool = False) -> None:
        self._do("notice", incident.ref)


@pytest.fixture
def chat() -> RecordingRooms:
    return RecordingRooms()


@pytest.fixture
def rooms(incidents: IncidentService, chat: RecordingRooms) -> RoomService:
    return RoomService(incidents, chat, Policy(announcements_channel="C_INCIDENTS"))


def declare(incidents: IncidentService, **kwargs: object) -> int:
    incident = incidents.declare(
        Declaration(title="Checkout down", severity="sev2", reporter="U_ALICE", **kwargs)
    )  # type: ignore[arg-type]
    return incident.id or 0


def test_opening_a_room_takes_the_next_free_name_and_does_every_step_once(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms
) -> None:
    chat.taken = {"inc-2026-0001-checkout-down", "inc-2026-0001-checkout-down-2"}
    incident_id = declare(incidents, commander="U_BOB")
    opened = rooms.open_room(incident_id)
    assert opened is not None and opened.room_opened_at is not None
    assert chat.transcript == [
        ("create", "inc-2026-0001-checkout-down-3"),
        ("invite", "U_ALICE"),
        ("invite", "U_BOB"),
        ("announce", "INC-2026-0001"),
        ("notice", "INC-2026-0001"),
    ]
    assert rooms.open_room(incident_id) is None  # opened once, however often asked


def test_private_incidents_get_no_notice(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms
) -> None:
    rooms.open_room(declare(incidents, private=True))
    assert "notice" not in [what for what, _ in chat.transcript]


def test_a_failed_step_gives_the_room_back_and_the_next_attempt_resumes(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms, clock: Clock
) -> None:
    incident_id = declare(incidents)
    chat.refuse = {"announce"}
    with pytest.raises(ChatUnavailable):
        rooms.open_room(incident_id)
    clock.advance(seconds=1)
    assert [i.id for i in incidents.awaiting_room(grace=timedelta(0))] == [incident_id]
    assert rooms.open_room(incident_id) is not None
    assert [what for what, _ in chat.transcript].count("create") == 1
    assert [what for what, _ in chat.transcript].count("announce") == 1


def test_an_announcement_posted_unanswered_is_found_not_posted_again(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms, clock: Clock
) -> None:
    incident_id = declare(incidents)
    chat.lose = {"announce"}
    with pytest.raises(ChatUnavailable):
        rooms.open_room(incident_id)
    clock.advance(seconds=1)
    opened = rooms.open_room(incident_id)
    assert opened is not None and opened.announcement_ts == "1795000000.000100"
    assert [what for what, _ in chat.transcript] == [
        "create", "invite", "announce", "look for announcement", "invite", "update", "notice"
    ]  # fmt: skip


def test_a_room_opened_in_one_go_does_not_look_for_an_announcement(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms
) -> None:
    rooms.open_room(declare(incidents))
    assert "look for announcement" not in [what for what, _ in chat.transcript]


def test_a_change_racing_a_refresh_is_shown_in_the_end(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms
) -> None:
    incident_id = declare(incidents)
    rooms.open_room(incident_id)
    incidents.change_status(incident_id, Status.INVESTIGATING, "U_BOB")
    # While Slack shows "investigating", someone mitigates: the refresh must catch up.
    chat.on_update = lambda: incidents.change_status(incident_id, Status.MITIGATED, "U_CAROL")
    rooms.refresh(incident_id)
    assert chat.shown["announcement"] == (Status.MITIGATED, {})
    assert [d for w, d in chat.transcript if w == "update"] == ["investigating", "mitigated"]


def test_changes_are_queued_for_the_channel_once_and_sent_at_once(
    incidents: IncidentService, chat: RecordingRooms, engine: Engine
) -> None:
    sends: list[str] = []
    rooms = RoomService(incidents, chat, Policy(), send=lambda: sends.append("send"))
    incident_id = declare(incidents)
    opened = rooms.open_room(incident_id)
    assert opened is not None and sends == []  # the declaration is not a post
    incidents.add_note(incident_id, "U_BOB", "cert expired")
    incidents.change_status(incident_id, Status.INVESTIGATING, "U_BOB")
    rooms.refresh(incident_id)
    rooms.refresh(incident_id)
    assert sends == ["send"]  # once, by the refresh that queued them
    changes = [e for e in incidents.timeline(incident_id) if e.kind.posted_in_channel]
    with Session(engine) as session:
        outbox = session.exec(select(OutboxMessage).order_by(col(OutboxMessage.id))).all()
    assert [(m.key, m.target) for m in outbox] == [
        (f"entry:{e.id}", opened.channel_id) for e in changes
    ]
    assert [e.kind for e in changes] == [EntryKind.NOTE, EntryKind.STATUS_CHANGED]


def test_a_channel_made_without_its_answer_is_adopted_by_the_next_attempt(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms, clock: Clock
) -> None:
    chat.taken = {"inc-2026-0001-checkout-down"}  # a person's: the app asks for the next
    incident_id = declare(incidents)
    chat.lose = {"create"}
    with pytest.raises(ChatUnavailable):
        rooms.open_room(incident_id)
    clock.advance(seconds=1)
    opened = rooms.open_room(incident_id)
    assert opened is not None
    assert (opened.channel_id, opened.channel_name) == ("C1", "inc-2026-0001-checkout-down-2")
    assert [(w, d) for w, d in chat.transcript if w in ("create", "look up")] == [
        ("create", "inc-2026-0001-checkout-down-2"),
        ("look up", "inc-2026-0001-checkout-down-2"),  # only the name asked for before
    ]
    assert [what for what, _ in chat.transcript].count("announce") == 1


def test_a_name_asked_for_before_but_taken_by_someone_else_is_not_adopted(
    incidents: IncidentService, rooms: RoomService, chat: RecordingRooms, clock: Clock
) -> None:
    incident_id = declare(incidents)
    chat.refuse = {"create"}  # refused: nothing made, but the name was asked for
    with pytest.raises(ChatUnavailable):
        rooms.open_room(incident_id)
    chat.taken = {"inc-2026-0001-checkout-down"}  # meanwhile a person made a channel so named
    clock.advance(seconds=1)
    opened = rooms.open_room(incident_id)
    assert opened is not None and opened.channel_name == "inc-2026-0001-checkout-down-2"
    assert ("look up", "inc-2026-0001-checkout-down") in chat.transcript


def test_migration_0018_keeps_search_working_both_ways(database_url: str) -> None:
    engine = make_engine(database_url)
    incidents = old_incidents(*incident_row("x", None))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))

    def found(word: str) -> list[str]:
        hits = SqlSearchIndex(engine).search(SearchQuery(terms=(word,), viewer="U_ALICE"))
        return [hit.incident.title for hit in hits]

    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "0017")
            connection.execute(sa.insert(incidents).values(incident_row("Kafka lag", None)))
            command.upgrade(config, "0018")
            connection.execute(sa.insert(incidents).values(incident_row("Zebra outage", None)))
        assert (found("kafka"), found("zebra")) == (["Kafka lag"], ["Zebra outage"])
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "0017")
            connection.execute(sa.insert(incidents).values(incident_row("Yak shaved", None)))
        if engine.dialect.name == "sqlite":  # the triggers came back with the table copy
            with engine.connect() as connection:
                indexed = connection.execute(
                    sa.text("SELECT count(*) FROM search_index WHERE search_index MATCH 'yak'")
                ).scalar()
            assert indexed == 1
    finally:
        engine.dispose()
