"""Post-mortem records and drafting on real storage (SQLite and PostgreSQL), with recording
fakes of the canvases and of the narrative's writer, and the real Markdown renderer."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.db.postmortems import SqlPostmortemStore
from bot.adapters.db.store import SqlIncidentStore
from bot.adapters.templates import MarkdownRenderer, Templates
from bot.config import Policy
from bot.errors import ChatUnavailable, DraftFailed, IncidentError, NothingChanged
from bot.incidents import Declaration, IncidentService
from bot.ports import CanvasRef
from bot.postmortem.draft import Material
from bot.postmortem.narrative import LINK_REMOVED, Narrative
from bot.postmortem.service import DRAFT_LEASE, STATUS_MARKER, PostmortemService
from bot.rooms import RoomService
from models import DraftSource, EntryKind, Postmortem, PostmortemStatus, Role, Status
from tests.core.test_narrative import narrative
from tests.storage.test_incident_store import Clock
from tests.storage.test_rooms import RecordingRooms


@dataclass
class RecordingDocuments:
    """Canvases and files that keep what was written. Like Slack, a canvas that is gone (pop
    it from `canvases`) is made anew, and a named call in `refuse` fails once."""

    max_chars: int = 90_000
    refuse: set[str] = field(default_factory=set)
    hold: threading.Event | None = None  # write_canvas waits for it: a slow Slack
    canvases: dict[str, str] = field(default_factory=dict)
    writes: list[tuple[str, str | None, str]] = field(default_factory=list)
    lines: list[tuple[str, str, str]] = field(default_factory=list)
    uploads: list[tuple[str, str, str]] = field(default_factory=list)
    made: int = 0  # canvases created

    def _check(self, what: str) -> None:
        if what in self.refuse:
            self.refuse.discard(what)
            raise ChatUnavailable(f"Slack refused {what}")

    def write_canvas(
        self, channel_id: str, title: str, markdown: str, canvas_id: str | None, *, ours: str
    ) -> CanvasRef:
        self._check("write_canvas")
        if len(markdown) > self.max_chars:
            raise ChatUnavailable("the canvas is too long")
        self.writes.append((channel_id, canvas_id, markdown))
        if self.hold is not None:
            self.hold.wait(timeout=10)
        if canvas_id not in self.canvases:
            self.made += 1
            canvas_id = f"F{self.made}"
        self.canvases[canvas_id] = markdown
        return CanvasRef(canvas_id, f"https://acme.slack.com/docs/T1/{canvas_id}")

    def replace_line(self, canvas_id: str, marker: str, markdown: str) -> bool:
        self._check("replace_line")
        self.lines.append((canvas_id, marker, markdown))
        if canvas_id not in self.canvases:
            return False
        old = self.canvases[canvas_id].splitlines()
        new = [markdown if marker in line else line for line in old]
        self.canvases[canvas_id] = "\n".join(new)
        return new != old

    def upload_markdown(
        self, channel_id: str, filename: str, title: str, content: str, comment: str
    ) -> None:
        self._check("upload_markdown")
        self.uploads.append((channel_id, filename, content))


@dataclass
class ScriptedDrafter:
    """A narrative writer that gives its scripted answer: a narrative, or a failure."""

    answer: Narrative | DraftFailed
    read: list[Material] = field(default_factory=list)

    def write(self, material: Material) -> Narrative:
        self.read.append(material)
        if isinstance(self.answer, DraftFailed):
            raise self.answer
        return self.answer


@dataclass
class World:
    """Sitrep's incident and post-mortem services on real storage, with the fakes above."""

    clock: Clock
    incidents: IncidentService
    store: SqlPostmortemStore
    documents: RecordingDocuments
    drafter: ScriptedDrafter
    chat: RecordingRooms
    service: PostmortemService

    def incident(
        self, severity: str = "sev2", *, resolve: bool = True, description: str = ""
    ) -> int:
        """An incident with a channel, mitigated after 30 minutes, resolved 30 minutes later."""
        title = "Checkout API returning 500s"
        declared = self.incidents.declare(Declaration(title, severity, "U_ALICE", description))
        assert declared.id is not None
        self.incidents.attach_channel(declared.id, f"C{declared.id}", f"inc-{declared.id}")
        self.clock.advance(minutes=30)
        self.incidents.change_status(declared.id, Status.MITIGATED, "U_ALICE", "rolled back")
        self.clock.advance(minutes=30)
        if resolve:
            self.incidents.resolve(declared.id, "U_ALICE", "bad deploy reverted")
        return declared.id

    def record(self, incident_id: int, **fields: object) -> Postmortem:
        """A record as another process would have created it."""
        now, draft = self.clock(), PostmortemStatus.DRAFT
        values = {"incident_id": incident_id, "status": draft, "author": "U_ALICE", **fields}
        record = Postmortem.model_validate({"created_at": now, "updated_at": now, **values})
        return self.store.create(record)

    def stored(self, incident_id: int) -> Postmortem:
        record = self.store.get(incident_id)
        assert record is not None
        return record

    def events(self, incident_id: int) -> list[str]:
        """The post-mortem steps on the incident's timeline."""
        entries = self.incidents.timeline(incident_id)
        return [e.data["event"] for e in entries if e.kind is EntryKind.POSTMORTEM]


@pytest.fixture
def world(engine: Engine) -> World:
    clock, documents, chat = Clock(), RecordingDocuments(), RecordingRooms()
    drafter = ScriptedDrafter(narrative())
    incidents = IncidentService(SqlIncidentStore(engine), Policy(), clock)
    store = SqlPostmortemStore(engine)
    service = PostmortemService(
        incidents,
        RoomService(incidents, chat, Policy()),
        store,
        drafter=drafter,
        renderer=MarkdownRenderer(Templates("UTC")),
        documents=documents,
        policy=Policy(),
        clock=clock,
    )
    return World(clock, incidents, store, documents, drafter, chat, service)


def test_an_incident_gets_one_record_however_often_created(world: World) -> None:
    incident_id = world.incident()
    first = world.record(incident_id, author="U_BOB")
    again = world.record(incident_id, author="U_CAROL")
    assert (again.id, again.author) == (first.id, "U_BOB")
    assert world.stored(incident_id).author == "U_BOB"


def test_saving_a_stale_version_loses_and_changes_nothing(world: World) -> None:
    incident_id = world.incident()
    world.record(incident_id)
    mine, theirs = world.stored(incident_id), world.stored(incident_id)
    mine.reviewers = ["U_BOB"]
    assert world.store.save(mine, 1)
    theirs.status = PostmortemStatus.PUBLISHED
    assert not world.store.save(theirs, 1)
    stored = world.stored(incident_id)
    assert (stored.version, stored.reviewers, stored.status) == (
        2,
        ["U_BOB"],
        PostmortemStatus.DRAFT,
    )


def test_undrafted_lists_resolved_incidents_of_those_severities_without_a_draft(
    world: World,
) -> None:
    forgotten = world.incident()
    abandoned = world.incident()  # claimed by a process that died
    world.record(abandoned, drafting_since=world.clock())
    world.record(world.incident(), drafted_at=world.clock())
    world.incident("sev3")
    world.incident(resolve=False)
    closed = world.incident()  # closed before its draft was made: still owed one
    world.incidents.close(closed, "U_ALICE")
    failing = world.incident()  # its drafts keep failing (an archived channel)
    world.record(failing, draft_failures=3)
    cutoff = world.clock() + timedelta(seconds=1)
    world.incident()  # resolved after the cutoff
    owed = world.store.undrafted(
        ["sev1", "sev2"], cutoff, since=cutoff - timedelta(days=1), failures=3
    )
    assert owed == [forgotten, abandoned, closed]
    later = world.store.undrafted(
        ["sev1", "sev2"], cutoff, since=cutoff + timedelta(seconds=1), failures=3
    )
    assert later == []  # resolved before the recovery window: not drafted after the fact


def test_drafting_stores_the_draft_and_records_it_on_the_timeline(world: World) -> None:
    incident_id = world.incident()
    world.incidents.assign_role(incident_id, Role.COMMANDER, "U_BOB", "U_ALICE")
    resolved_at = world.incidents.get(incident_id).resolved_at
    assert resolved_at is not None
    world.clock.advance(minutes=10)
    drafted = world.service.draft(incident_id, "U_CAROL")
    [(channel, canvas_id, markdown)] = world.documents.writes
    assert (channel, canvas_id) == (f"C{incident_id}", None)
    stored = world.stored(incident_id)
    assert stored == drafted.record and not drafted.replaced
    assert (stored.canvas_id, stored.canvas_url) == ("F1", "https://acme.slack.com/docs/T1/F1")
    assert stored.markdown == markdown and "# INC-2026-0001 post-mortem" in markdown
    assert (stored.source, stored.fallback_reason) == (DraftSource.MODEL, "")
    assert stored.narrative["summary"]["why"] == "A pool ran dry."
    assert (stored.drafted_at, stored.drafting_since) == (world.clock(), None)
    assert stored.author == "U_BOB"  # the commander, not who asked
    assert stored.due_at == resolved_at + timedelta(hours=48)
    assert world.events(incident_id) == ["drafted"]
    # Queued for the channel (the outbox posts it).
    [entry] = [e for e in world.incidents.timeline(incident_id) if e.kind is EntryKind.POSTMORTEM]
    assert entry.posted_at is not None


def test_a_redraft_rewrites_the_same_canvas_or_a_new_one_if_it_was_deleted(world: World) -> None:
    incident_id = world.incident()
    world.service.draft(incident_id, "U_BOB")
    again = world.service.draft(incident_id, "U_BOB")
    assert again.replaced and again.record.canvas_id == "F1"
    del world.documents.canvases["F1"]  # someone deleted the canvas
    anew = world.service.draft(incident_id, "U_BOB")
    assert [canvas_id for _, canvas_id, _ in world.documents.writes] == [None, "F1", "F1"]
    assert not anew.replaced and world.stored(incident_id).canvas_id == "F2"
    assert world.events(incident_id) == ["drafted"] * 3


def test_racing_drafts_write_one_canvas_and_tell_the_others_it_is_under_way(world: World) -> None:
    incident_id = world.incident()
    racers = 6
    start = threading.Barrier(racers, timeout=10)
    world.documents.hold = hold = threading.Event()  # the winner writes until others are told
    told: list[str] = []
    lock = threading.Lock()

    def draft(user: str) -> str:
        start.wait()
        try:
            world.service.draft(incident_id, user)
        except NothingChanged as refusal:
            with lock:
                told.append(str(refusal))
                if len(told) == racers - 1:
                    hold.set()
            return "told"
        return "drafted"

    with ThreadPoolExecutor(max_workers=racers) as pool:
        outcomes = list(pool.map(draft, [f"U_{n}" for n in range(racers)]))
    assert sorted(outcomes) == ["drafted"] + ["told"] * (racers - 1)
    assert len(world.documents.writes) == 1 and len(world.drafter.read) == 1
    assert all("INC-2026-0001 is being drafted" in message for message in told)
    assert world.events(incident_id) == ["drafted"]


def test_a_claim_older_than_the_lease_can_be_taken_over(world: World) -> None:
    incident_id = world.incident()
    world.record(incident_id, drafting_since=world.clock())  # then the process died
    world.clock.advance(seconds=DRAFT_LEASE.total_seconds() - 1)
    with pytest.raises(NothingChanged, match="being drafted"):
        world.service.draft(incident_id, "U_BOB")
    world.clock.advance(seconds=2)
    drafted = world.service.draft(incident_id, "U_BOB")
    assert (drafted.record.drafted_at, drafted.record.drafting_since) == (world.clock(), None)
    assert len(world.documents.writes) == 1


def test_a_refused_canvas_releases_the_claim_so_the_next_draft_works(world: World) -> None:
    incident_id = world.incident()
    world.documents.refuse = {"write_canvas"}
    with pytest.raises(ChatUnavailable):
        world.service.draft(incident_id, "U_BOB")
    stored = world.stored(incident_id)
    assert (stored.drafting_since, stored.drafted_at) == (None, None)
    assert stored.draft_failures == 1  # counted, so recovery gives up on what keeps failing
    assert world.events(incident_id) == []
    drafted = world.service.draft(incident_id, "U_BOB")  # at once: no lease to wait out
    assert drafted.record.canvas_id == "F1" and world.events(incident_id) == ["drafted"]
    assert drafted.record.draft_failures == 0


def test_a_published_postmortem_is_not_redrafted(world: World) -> None:
    incident_id = world.incident()
    world.service.draft(incident_id, "U_BOB")
    world.service.publish(incident_id, "U_BOB")
    with pytest.raises(NothingChanged, match="published; edit its canvas"):
        world.service.draft(incident_id, "U_BOB")
    assert len(world.documents.writes) == 1
    assert world.stored(incident_id).status is PostmortemStatus.PUBLISHED


def test_draft_if_due_drafts_a_resolved_sev2_once_and_nothing_else(world: World) -> None:
    serious, minor, ongoing = (
        world.incident(),
        world.incident("sev3"),
        world.incident(resolve=False),
    )
    drafted = world.service.draft_if_due(serious, "U_ALICE")
    assert drafted is not None and drafted.incident.id == serious
    assert world.service.draft_if_due(serious, "U_ALICE") is None
    assert world.service.draft_if_due(minor, "U_ALICE") is None
    assert world.service.draft_if_due(ongoing, "U_ALICE") is None
    assert [channel for channel, _, _ in world.documents.writes] == [f"C{serious}"]
    assert world.store.get(minor) is None and world.store.get(ongoing) is None


def test_draft_missing_drafts_what_a_dead_process_left_undrafted(world: World) -> None:
    done = world.incident()
    world.service.draft_if_due(done, "U_ALICE")
    never = world.incident()  # the process died before drafting
    stuck = world.incident()  # the process died while drafting
    world.record(stuck, drafting_since=world.clock())
    world.clock.advance(seconds=DRAFT_LEASE.total_seconds() + 1)
    recent = world.incident()  # just resolved: its process may be drafting it now
    drafted = world.service.draft_missing()
    assert [d.incident.id for d in drafted] == [never, stuck]
    assert [c for c, _, _ in world.documents.writes] == [f"C{i}" for i in (done, never, stuck)]
    assert world.store.get(recent) is None
    assert world.stored(never).author == "U_ALICE"  # no commander, nobody asked: the reporter
    assert world.service.draft_missing() == []


def test_a_failed_narrative_falls_back_to_the_template_saying_why(world: World) -> None:
    incident_id = world.incident()
    world.drafter.answer = DraftFailed("Claude is busy (rate limited); try again later")
    drafted = world.service.draft(incident_id, "U_BOB")
    stored = world.stored(incident_id)
    assert (drafted.source, stored.source) == (DraftSource.TEMPLATE, DraftSource.TEMPLATE)
    assert stored.fallback_reason == "Claude is busy (rate limited); try again later"
    assert stored.narrative == {} and "_To write:" in stored.markdown
    entries = world.incidents.timeline(incident_id)
    [entry] = [e for e in entries if e.kind is EntryKind.POSTMORTEM]
    assert entry.data["reason"] == stored.fallback_reason


def test_the_stored_narrative_keeps_no_broadcast_or_made_up_link(world: World) -> None:
    dashboard = "https://grafana.example/d/checkout"
    incident_id = world.incident(description=f"Errors on {dashboard}")
    world.drafter.answer = narrative(
        went_well=[
            "<!channel> the rollback was fast",
            f"{dashboard} and https://evil.example/login",
        ]
    )
    world.service.draft(incident_id, "U_BOB")
    stored = world.stored(incident_id)
    assert stored.narrative["went_well"] == [
        "the rollback was fast",
        f"{dashboard} and {LINK_REMOVED}",
    ]
    assert "evil.example" not in stored.markdown and "@channel" not in stored.markdown


def test_review_and_publish_change_the_status_line_of_the_canvas(world: World) -> None:
    incident_id = world.incident()
    world.service.draft(incident_id, "U_BOB")
    in_review = world.service.review(incident_id, "U_BOB", ("U_CAROL", "U_DAN"))
    world.service.show_status(incident_id)
    assert in_review.status is PostmortemStatus.IN_REVIEW
    assert in_review.reviewers == ["U_CAROL", "U_DAN"]
    world.clock.advance(hours=2)
    published = world.service.publish(incident_id, "U_CAROL")
    world.service.show_status(incident_id)
    assert (published.status, published.published_by) == (PostmortemStatus.PUBLISHED, "U_CAROL")
    assert published.published_at == world.clock()
    [(canvas, marker, reviewing), (_, _, final)] = world.documents.lines
    assert (canvas, marker) == ("F1", STATUS_MARKER)
    assert STATUS_MARKER in reviewing and "In review" in reviewing and "@U_DAN" in reviewing
    assert STATUS_MARKER in final and "Published" in final
    assert final in world.documents.canvases["F1"].splitlines()
    assert world.events(incident_id) == ["drafted", "in_review", "published"]


def test_exporting_needs_a_draft_first(world: World) -> None:
    incident_id = world.incident()
    with pytest.raises(IncidentError, match="Run `/incident postmortem INC-2026-0001` first"):
        world.service.export(incident_id, "U_BOB")
    assert world.documents.uploads == []
    world.service.draft(incident_id, "U_BOB")
    world.service.export(incident_id, "U_BOB")
    markdown = world.stored(incident_id).markdown
    expected = (f"C{incident_id}", "INC-2026-0001-postmortem.md", markdown)
    assert world.documents.uploads == [expected]


def test_a_draft_written_before_the_resolution_is_due_48h_after_the_resolution(
    world: World,
) -> None:
    incident_id = world.incident(resolve=False)
    world.service.draft(incident_id, "U_BOB")  # an early draft while the incident is mitigated
    world.clock.advance(hours=30)
    resolved_at = world.incidents.resolve(incident_id, "U_ALICE").incident.resolved_at
    assert resolved_at is not None
    world.service.draft_if_due(incident_id, "U_ALICE")  # what follows a resolution
    assert world.stored(incident_id).due_at == resolved_at + timedelta(hours=48)
    world.service.draft(incident_id, "U_BOB")
    assert world.stored(incident_id).due_at == resolved_at + timedelta(hours=48)
