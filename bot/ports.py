"""What the core needs from the outside world, as Protocols the adapters implement."""

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from models import (
    ActionItem,
    AlertStatus,
    AlertTriage,
    ApiToken,
    AuditEntry,
    EntryKind,
    Incident,
    IncidentAlert,
    IncidentLink,
    IncidentRole,
    OncallOverride,
    OutboxMessage,
    Postmortem,
    Problem,
    Role,
    RotationEdit,
    Status,
    TimelineEntry,
    TriageState,
    WebhookDelivery,
    WebhookEndpoint,
)

if TYPE_CHECKING:
    from bot.insights.metrics import Metrics, Occurrence
    from bot.insights.service import Digest
    from bot.postmortem.draft import Draft, Material
    from bot.postmortem.narrative import Narrative
    from bot.scheduling.due import Notice, Situation
    from bot.scheduling.followups import Followup
    from bot.scheduling.updates import Posted

Clock = Callable[[], datetime]


class ChatRooms(Protocol):
    """The chat workspace where incidents are worked (Slack). Methods raise ChatUnavailable
    when the platform refuses; "already so" answers count as success."""

    def create_channel(self, name: str, *, private: bool) -> tuple[str, str]:
        """Creates a channel and returns its (id, name); raises NameTaken."""
        ...

    def own_channel(self, name: str) -> str | None:
        """The ID of the unarchived channel `name` if this app created it and is in it;
        None when there is none, or it is someone else's."""
        ...

    def invite(self, channel_id: str, user: str) -> bool:
        """Adds a person to the channel; False (logged) when the platform refused."""
        ...

    def show_topic(self, incident: Incident, roles: dict[Role, str]) -> None: ...

    def post_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> str:
        """Posts and pins the incident's announcement; returns its message ID."""
        ...

    def find_announcement(self, incident: Incident) -> str | None:
        """The message ID of the announcement an earlier attempt posted in the incident's
        channel without learning so (its answer lost, its process dead), made sure to be
        pinned; None if there is none, or the channel's history can't be read."""
        ...

    def update_announcement(
        self, incident: Incident, roles: dict[Role, str], links: Sequence[IncidentLink]
    ) -> None: ...

    def post_notice(self, incident: Incident, *, resumed: bool = False) -> None:
        """Points the announcements channel to the incident's channel. `resumed`: an earlier
        attempt, by a process that died, got past the announcement and may have posted it:
        not posted again if it is there."""
        ...


class AuditLog(Protocol):
    """The audit log's storage (rows are written by the stores making the changes, in the
    changes' own transactions)."""

    def find(
        self,
        *,
        since: datetime | None,
        target: str | None,
        offset: int,
        limit: int | None,
        until: datetime | None = None,
    ) -> list[AuditEntry]:
        """Entries since then and before `until` (or of that target), newest first."""
        ...


@dataclass(frozen=True)
class IncidentQuery:
    """Which incidents, one page at a time, newest first: `before_id` is where the last
    page ended."""

    statuses: tuple[Status, ...] = ()
    severity: str | None = None
    service: str | None = None
    declared_from: datetime | None = None
    declared_until: datetime | None = None
    include_private: bool = False
    before_id: int | None = None
    limit: int = 50


class IncidentStore(Protocol):
    """Persistence of the incident aggregate. Each method is one short transaction."""

    def next_sequence(self, year: int) -> int:
        """The next number for `year`, unique across processes."""
        ...

    def add(
        self, incident: Incident, entries: Sequence[TimelineEntry], roles: Sequence[IncidentRole]
    ) -> Incident:
        """Inserts a new incident; with a `request_key` seen before, returns that incident."""
        ...

    def get(self, ref: str) -> Incident | None: ...

    def by_request_key(self, key: str) -> Incident | None: ...

    def by_channel(self, channel_id: str) -> Incident | None: ...

    def by_id(self, incident_id: int) -> Incident | None: ...

    def query(self, wanted: IncidentQuery) -> list[Incident]: ...

    def save(
        self,
        incident: Incident,
        expected_version: int,
        entries: Sequence[TimelineEntry] = (),
        roles: Sequence[IncidentRole] = (),
    ) -> bool:
        """Compare-and-set: writes `incident` (version bumped), new entries and role
        assignments only if the stored version is still `expected_version`."""
        ...

    def list_incidents(self, *, include_resolved: bool, limit: int) -> list[Incident]: ...

    def has_taken_part(self, incident_id: int, user: str) -> bool:
        """Whether `user` wrote in the incident's channel or recorded anything on it."""
        ...

    def involving(self, user: str, limit: int) -> list[Incident]:
        """Open incidents `user` declared, holds a role in or has spoken in, latest first."""
        ...

    def unopened(self, declared_before: datetime) -> list[Incident]:
        """Incidents declared before then, not closed, whose room is not yet open."""
        ...

    def with_unposted_entries(self, recorded_before: datetime) -> list[int]:
        """Incidents with an open room and a change recorded before then never queued for
        the channel."""
        ...

    def roles(self, incident_id: int) -> list[IncidentRole]: ...

    def add_channel_message(self, channel_id: str, message: Mapping[str, Any]) -> bool:
        """Inserts a message entry (TimelineEntry fields) for the incident of that channel;
        False when the channel is no incident's or that Slack message is already stored."""
        ...

    def entry_by_ts(self, incident_id: int, slack_ts: str) -> TimelineEntry | None: ...

    def flag_entry(
        self,
        incident_id: int,
        slack_ts: str,
        *,
        hidden: bool | None = None,
        key_event: bool | None = None,
    ) -> bool:
        """Sets the given flags on one message's entry; False when nothing changed."""
        ...

    def edit_entry(self, entry: TimelineEntry, text: str, edited_at: datetime) -> bool:
        """Compare-and-set: replaces the text (keeping the old one in the revisions) only if
        the stored entry still has `entry`'s text and no later edit."""
        ...

    def entries(
        self, incident_id: int, *, limit: int | None = None, include_hidden: bool = False
    ) -> list[TimelineEntry]:
        """Entries oldest first; with `limit`, the latest `limit` of them."""
        ...

    def queue_unposted(self, incident_id: int, now: datetime) -> int:
        """Queues in the outbox, in timeline order, one post to the incident's channel for
        each system entry not yet queued, and marks them queued, in one transaction;
        concurrent callers queue each entry once (a cancelled post is queued again).
        Returns how many were owed, queued by this call or a racing one."""
        ...

    def unqueue_entry(self, entry_id: int) -> None:
        """Counts the entry as never queued again (its post was cancelled)."""
        ...

    def add_link(
        self, incident: Incident, expected_version: int, link: IncidentLink, entry: TimelineEntry
    ) -> bool:
        """Compare-and-set like `save`: writes `incident` (version bumped), the link and its
        entry in one transaction; False when the version moved on or the incident already
        has a link to that URL."""
        ...

    def links(self, incident_id: int) -> list[IncidentLink]:
        """The incident's links, oldest first."""
        ...


class ProblemStore(Protocol):
    """Persistence of problem records and what recurrence detection reads. Each method is
    one short transaction."""

    def next_number(self) -> int:
        """The next problem number, unique across processes."""
        ...

    def add(self, problem: Problem, audit: AuditEntry) -> Problem:
        """Inserts a problem linked to no incident, and its audit row, in one transaction."""
        ...

    def add_linked(
        self,
        problem: Problem,
        incident: Incident,
        expected_version: int,
        entries: Sequence[TimelineEntry],
    ) -> bool:
        """Inserts `problem` and links `incident` to it, compare-and-set like
        `IncidentStore.save` (`incident` written, version bumped, `entries` added), all in one
        transaction; False, with nothing written, when the version moved on."""
        ...

    def get(self, ref: str) -> Problem | None: ...

    def by_id(self, problem_id: int) -> Problem | None: ...

    def save(self, problem: Problem, expected_version: int, audit: AuditEntry) -> bool:
        """Compare-and-set: writes `problem`, and `audit` with it in one transaction, only if
        the stored version is `expected_version`."""
        ...

    def problems(self, *, include_resolved: bool, limit: int) -> list[tuple[Problem, int]]:
        """Problems (not resolved ones, unless asked), newest first, each with how many
        incidents it has."""
        ...

    def incidents(self, problem_id: int) -> list[Incident]:
        """The problem's incidents, oldest first."""
        ...

    def action_items(self, incident_ids: Sequence[int]) -> list[ActionItem]:
        """The action items of those incidents, by due date."""
        ...

    def entries_of(self, incident_id: int, kind: EntryKind) -> list[TimelineEntry]:
        """The incident's entries of one kind, oldest first."""
        ...

    def declared_between(self, start: datetime, end: datetime) -> list[Incident]:
        """Incidents declared in [start, end], oldest first."""
        ...

    def suggested_categories(self, incident_ids: Sequence[int]) -> dict[int, str]:
        """The category suggested at declaration of those incidents that had one."""
        ...


class PostmortemStore(Protocol):
    """Persistence of post-mortem records. Each method is one short transaction."""

    def get(self, incident_id: int) -> Postmortem | None: ...

    def create(self, record: Postmortem) -> Postmortem:
        """Inserts `record`; if the incident already has one, returns that one instead."""
        ...

    def save(self, record: Postmortem, expected_version: int) -> bool:
        """Compare-and-set: writes `record` (version bumped) only if the stored version is
        still `expected_version`."""
        ...

    def undrafted(
        self,
        severities: Sequence[str],
        resolved_before: datetime,
        *,
        since: datetime,
        failures: int,
    ) -> list[int]:
        """Incidents of those severities resolved (closed or not) between `since` and
        `resolved_before`, not drafted, whose drafts have failed fewer than `failures` times."""
        ...


@dataclass(frozen=True)
class CanvasRef:
    id: str
    url: str


class Documents(Protocol):
    """Where documents are delivered: post-mortems (Slack canvases and files), charts and
    exports. Methods raise
    ChatUnavailable, saying why in plain words, when the platform refuses."""

    max_chars: int  # the largest document the platform accepts

    def write_canvas(
        self, channel_id: str, title: str, markdown: str, canvas_id: str | None, *, ours: str
    ) -> CanvasRef:
        """Replaces the content of canvas `canvas_id`; without one (or if it was deleted),
        creates the channel's canvas, or adopts the channel's canvas if it contains `ours`
        (written by a process that died before recording it)."""
        ...

    def replace_line(self, canvas_id: str, marker: str, markdown: str) -> bool:
        """Replaces the canvas section containing `marker`; False when there is none."""
        ...

    def upload_markdown(
        self, channel_id: str, filename: str, title: str, content: str, comment: str
    ) -> None: ...

    def upload_image(self, chart: "Chart") -> str:
        """Uploads a picture without sharing it anywhere; returns its file ID, with which a
        message shows it."""
        ...

    def upload_text(self, to: str, filename: str, title: str, content: str, comment: str) -> None:
        """Uploads a text file (a CSV) to a channel, or to a person (a user ID) directly."""
        ...


class Drafter(Protocol):
    """Writes a post-mortem's narrative from the facts and condensed timeline. Raises
    DraftFailed when it can't."""

    def write(self, material: "Material") -> "Narrative": ...


class DraftRenderer(Protocol):
    """Renders a draft as the canvas's Markdown."""

    def markdown(self, draft: "Draft") -> str: ...

    def status_line(self, record: Postmortem, closed: str = "") -> str:
        """The canvas line showing the post-mortem's status (and `closed`, how the incident
        closed, once it has); it contains STATUS_MARKER."""
        ...


class OutboxStore(Protocol):
    """The outbox and what the due-work policy reads. Each method is one short transaction."""

    def situations(self) -> list["Situation"]:
        """Every incident that may be owed a notice (not closed, room open)."""
        ...

    def situation(self, incident_id: int) -> "Situation | None": ...

    def recent_updates(self, since: datetime) -> list["Posted"]:
        """Status updates recorded since `since`, with their incidents and subscribers."""
        ...

    def followups(
        self,
        *,
        item_id: int | None = None,
        owner: str | None = None,
        incident_id: int | None = None,
    ) -> list["Followup"]:
        """Open action items, all or those of one item, owner or incident, with what their
        reminders need of their incidents."""
        ...

    def entry(self, entry_id: int) -> tuple[Incident, TimelineEntry] | None:
        """A timeline entry with its incident."""
        ...

    def enqueue(self, notices: Sequence["Notice"], now: datetime) -> int:
        """Queues the notices whose keys are new; returns how many were."""
        ...

    def claim(
        self, now: datetime, lease_until: datetime, limit: int, token: str
    ) -> list[OutboxMessage]:
        """Due messages no live sender holds, now held under `token` until `lease_until`
        (attempts counted), so concurrent senders each get a disjoint set."""
        ...

    # Each of these changes the message only while `token` still holds it and it is neither
    # sent nor cancelled; False means another sender took it over.

    def renew(self, message_id: int, token: str, lease_until: datetime) -> bool: ...

    def mark_sent(
        self, message_id: int, token: str, ts: str, now: datetime, entry: TimelineEntry | None
    ) -> bool:
        """Records the message sent, with `entry` added to the timeline in one transaction."""
        ...

    def cancel(self, message_id: int, token: str, now: datetime, reason: str) -> bool: ...

    def release(self, message_id: int, token: str, error: str, retry_at: datetime) -> bool:
        """Gives a message back after a failure, to be tried again from `retry_at`."""
        ...


class Notifier(Protocol):
    """Sends outbox messages (to Slack), each carrying its key so a sent one can be found.
    Sending raises ChatUnavailable when refused (ChannelArchived when the channel is)."""

    def send(self, message: OutboxMessage, situation: "Situation") -> str:
        """Posts a notice about an incident; returns its ID (ts)."""
        ...

    def send_followup(self, message: OutboxMessage, followups: Sequence["Followup"]) -> str:
        """Posts a reminder about the action items `followups`; returns its ID (ts)."""
        ...

    def send_digest(self, message: OutboxMessage, digest: "Digest") -> str:
        """Posts the incident digest; returns its ID (ts)."""
        ...

    def send_update(self, message: OutboxMessage) -> str:
        """Posts the status update the message carries (a channel, or a person's DM)."""
        ...

    def send_triage(self, message: OutboxMessage, triage: AlertTriage) -> str:
        """Posts an alert waiting for a decision to the triage channel; returns its ID (ts)."""
        ...

    def send_burnout(self, message: OutboxMessage) -> str:
        """Tells a schedule's owner that someone's on-call load is over the burnout limit
        (the numbers are in the message's data); returns its ID (ts)."""
        ...

    def send_webhook_disabled(self, message: OutboxMessage) -> str:
        """Tells the admins that an outgoing webhook endpoint was disabled after repeated
        failures (its name, URL and last error are in the message's data); returns its ts."""
        ...

    def send_entry(
        self, message: OutboxMessage, incident: Incident, entry: TimelineEntry
    ) -> str | None:
        """Shows a recorded change or note in the incident's channel (a link is bookmarked
        there too, best effort); None when its kind is not shown."""
        ...

    def find_sent(self, message: OutboxMessage) -> str | None:
        """The ID of a message already posted for this one's key, if any (a sender died
        between posting and recording it)."""
        ...


class ActionItemStore(Protocol):
    """Persistence of action items. Each method is one short transaction."""

    def add(self, item: ActionItem) -> tuple[ActionItem, bool]:
        """Inserts `item`, True; if its incident already has an item of its `request_key`,
        that item instead, False."""
        ...

    def get(self, item_id: int) -> ActionItem | None: ...

    def save(self, item: ActionItem, expected_version: int) -> bool:
        """Compare-and-set: writes `item` only if the stored version is `expected_version`."""
        ...

    def by_request_keys(self, incident_id: int, keys: Sequence[str]) -> list[ActionItem]: ...

    def find(
        self,
        *,
        owner: str | None,
        open_only: bool,
        due_before: date | None,
        incident_id: int | None,
        limit: int,
    ) -> list[ActionItem]: ...

    def history(self) -> tuple[list[ActionItem], list[Incident]]:
        """Every item, with their incidents and every incident declared since the first
        item was done."""
        ...


@dataclass(frozen=True)
class IssueRequest:
    """An action item as an issue in an external tracker (Jira)."""

    summary: str
    description: str
    due_on: date
    priority: str  # p0 (most urgent) to p3
    # Identifies the item in the tracker, so an issue created by a process that died before
    # recording it is found instead of created twice.
    label: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class ExternalIssue:
    key: str  # e.g. OPS-123
    url: str  # where a person reads it


class IssueTracker(Protocol):
    """An external issue tracker. Methods raise ExportFailed, saying why in plain words."""

    def create_issue(self, request: IssueRequest) -> ExternalIssue: ...

    def find_issue(self, label: str) -> ExternalIssue | None:
        """The issue carrying `label`, if one exists."""
        ...


class InsightsStore(Protocol):
    """What the incident metrics read. One short transaction per method."""

    def declared_between(
        self, start: datetime, end: datetime, roles_from: datetime | None = None
    ) -> tuple[list["Occurrence"], dict[int, dict[Role, str]]]:
        """Incidents declared in [start, end), oldest first, with their role holders: of
        every one, or (with `roles_from`) of those declared since then and private ones."""
        ...


@dataclass(frozen=True)
class Chart:
    """A picture of some metrics, ready to upload."""

    filename: str
    title: str
    alt_text: str  # what it shows, in words, for screen readers and notifications
    png: bytes


class ChartMaker(Protocol):
    """Draws metrics as charts."""

    def trends(self, metrics: "Metrics", limit: int = 3) -> list[Chart]:
        """The first `limit` of: volume by severity over the charted weeks, the time-to-
        resolve trend, and the top services (drawn only when there are services)."""
        ...


class AlertStore(Protocol):
    """Alerts linked to incidents, and alerts waiting in triage."""

    def serialized(self, keys: Sequence[str]) -> AbstractContextManager[None]:
        """Runs the block while no other process or thread holds any of `keys`."""
        ...

    def linked_incident(
        self, source: str, fingerprints: Sequence[str], group_key: str
    ) -> Incident | None:
        """The open incident holding an alert of `source` with one of `fingerprints`, or
        of the group `group_key` (when not "")."""
        ...

    def service_incident(self, service: str, since: datetime) -> Incident | None:
        """The open incident holding an alert for `service` seen since `since`."""
        ...

    def latest_declared(self, key_prefix: str) -> Incident | None:
        """The last incident declared with a request key starting with `key_prefix`."""
        ...

    def episode_incident(
        self, source: str, episodes: Sequence[tuple[str, datetime]]
    ) -> Incident | None:
        """The resolved, not closed, incident holding one of these alert episodes
        (fingerprint, start time)."""
        ...

    def monitored_incident(
        self, source: str, fingerprints: Sequence[str], now: datetime
    ) -> Incident | None:
        """The resolved incident still in its verification window holding an alert of
        `source` with one of `fingerprints`."""
        ...

    def record(
        self,
        incident_id: int,
        alerts: Sequence[IncidentAlert],
        entry_for: Callable[[list[tuple[IncidentAlert, AlertStatus | None]]], TimelineEntry | None],
    ) -> tuple[TimelineEntry | None, bool]:
        """Links the alerts to the incident (or refreshes the links) and adds the timeline
        entry `entry_for(each alert with its status before, None if new)` makes, in one
        transaction; also whether this made all of the incident's alerts resolved."""
        ...

    def alerts(self, incident_id: int) -> list[IncidentAlert]: ...

    def add_triage(self, triage: AlertTriage, expired_before: datetime) -> tuple[AlertTriage, bool]:
        """Stores a pending triage, or counts a repeat on the one pending for the same
        alerts (unless that one is older than `expired_before`: it expires); True when
        stored."""
        ...

    def resolve_triage(self, pending_key: str, now: datetime) -> AlertTriage | None:
        """Ends the wait of the triage pending under `pending_key`: its alerts resolved."""
        ...

    def triage(self, triage_id: int) -> AlertTriage | None: ...

    def decide_triage(self, triage_id: int, state: TriageState, user: str, now: datetime) -> bool:
        """Moves a pending triage on; False when it was already decided."""
        ...

    def triage_declared(self, triage_id: int, incident_id: int) -> None:
        """Records the incident a triage declared."""
        ...

    def undecide_triage(self, triage_id: int, pending_key: str | None) -> None:
        """Puts a triage whose declaration failed back to waiting."""
        ...

    def pending_triage(self) -> list[AlertTriage]:
        """Pending triage whose post is still to be sent."""
        ...

    def triage_post(self, triage_id: int) -> tuple[str, str] | None:
        """Where the triage was posted, (channel, ts), once sent."""
        ...


@dataclass(frozen=True)
class SearchQuery:
    """A full-text search: incidents whose texts contain every one of `terms` (each a word
    or phrase searched for as typed, never as query syntax), matching every filter given."""

    terms: tuple[str, ...]
    service: str | None = None  # one of the incident's services, any case
    severity: str | None = None
    status: Status | None = None
    after: datetime | None = None  # declared at or after
    before: datetime | None = None  # declared before
    # Who asks, and where: private incidents are found only by their own people.
    viewer: str | None = None
    channel_id: str | None = None
    limit: int = 50


@dataclass(frozen=True)
class Hit:
    incident: Incident
    # The best-matching passage, each match between MARK_START and MARK_END (bot.search).
    snippet: str
    score: float  # higher is better


class SearchIndex(Protocol):
    """Full-text search over titles, descriptions, resolution summaries, timelines (messages,
    notes, updates; not hidden ones) and post-mortems, kept in sync by the database."""

    def search(self, query: SearchQuery) -> list[Hit]:
        """The matching incidents, best first, at most `query.limit`."""
        ...


@dataclass(frozen=True)
class Term:
    """A word of an incident, with the other spellings it matches (`k8s`, `kubernetes`), and
    how much it counts (a title's words more than a description's)."""

    words: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class SimilarQuery:
    terms: tuple[Term, ...]
    services: tuple[str, ...]
    exclude_id: int | None
    # Who will see the result, and where; `public_only` for a post others will read.
    viewer: str | None = None
    channel_id: str | None = None
    public_only: bool = True
    limit: int = 40
    # Phrases that show the incident's failure modes: past incidents showing one are
    # candidates too, whatever else they share.
    signs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Related:
    incident: Incident
    # How much of the query's weight of words the incident's title, description and
    # resolution carry, each word weighted by its rarity (BM25's IDF) and more in a
    # title: 0 (none) to 1 (every word, in the title).
    text: float
    postmortem_url: str | None = None


class SimilarIndex(Protocol):
    def related(self, query: SimilarQuery) -> list[Related]:
        """Incidents sharing words with the query (the best `query.limit`) and the latest
        ones sharing a service with it, the query's own excluded."""
        ...


class CategoryClassifier(Protocol):
    def classify(
        self, title: str, description: str, services: Sequence[str], choices: Sequence[str]
    ) -> str | None:
        """The one of `choices` the incident belongs to; None when none fits, or on any
        failure."""
        ...


class RotationStore(Protocol):
    """Persistence of rotation edits. Each method is one short transaction."""

    def add(self, edit: RotationEdit, audit: AuditEntry) -> tuple[RotationEdit, bool]:
        """Inserts `edit` and its audit row in one transaction; when one with its request key
        exists (a retried request), returns that one instead, writing nothing. The flag:
        whether this call made it. Raises `EditConflict` when another edit took its version
        first."""
        ...

    def of_schedule(self, schedule: str) -> list[RotationEdit]:
        """The schedule's edits, by layer and version."""
        ...


class OverrideStore(Protocol):
    """Persistence of on-call overrides. Each method is one short transaction."""

    def add(
        self, override: OncallOverride, audit: Callable[[OncallOverride], AuditEntry]
    ) -> tuple[OncallOverride, bool]:
        """Inserts `override` and its audit row (`audit` of it once it has its ID) in one
        transaction; when one with its request key exists (a retried or doubled request),
        returns that one instead, writing nothing. The flag: whether this call made it."""
        ...

    def get(self, override_id: int) -> OncallOverride | None: ...

    def overlapping(
        self, schedule: str | None, start: datetime, end: datetime
    ) -> list[OncallOverride]:
        """Overrides (of one schedule, or all) made for times overlapping [start, end),
        cancelled ones included: their cancellation says how long they held."""
        ...

    def upcoming(self, schedule: str | None, now: datetime, limit: int) -> list[OncallOverride]:
        """Overrides not cancelled and not over at `now`, soonest first."""
        ...

    def cancel(self, override_id: int, by: str, at: datetime, audit: AuditEntry) -> bool:
        """Marks it cancelled and writes `audit`, in one transaction; False, with nothing
        written, when it already was (someone else got there first)."""
        ...


class People(Protocol):
    """What the chat platform knows of a person (cached: asked often, changes rarely)."""

    def timezone(self, user: str) -> str | None:
        """Their IANA timezone, e.g. `Europe/London`; None when it can't be known."""
        ...

    def name(self, user: str) -> str:
        """A name to show them by where mentions don't work (a calendar); the ID at worst."""
        ...


class WebhookStore(Protocol):
    """Outgoing webhooks' endpoints and deliveries; every delivery is created once and
    sent by whoever holds its lease."""

    def endpoint(self, name: str, fingerprint: str, now: datetime) -> WebhookEndpoint:
        """The endpoint's state, created (owed events from `now` on) when first seen; a
        changed fingerprint (URL or secret) clears its failures and re-enables it, owing
        events from `now` on."""
        ...

    def events(
        self, since: datetime, kinds: Sequence[EntryKind]
    ) -> list[tuple[TimelineEntry, Incident]]:
        """Timeline entries of `kinds` recorded since `since`, with their incidents."""
        ...

    def known(self, endpoint_id: int, entry_ids: Sequence[int]) -> set[int]:
        """Which of `entry_ids` already have a delivery to the endpoint."""
        ...

    def add(
        self, endpoint_id: int, deliveries: Sequence[Mapping[str, Any]], planned_until: datetime
    ) -> int:
        """Creates the deliveries none exists for yet (one per endpoint and entry, whoever
        races) and moves the endpoint's planning mark; returns how many were created."""
        ...

    def claim(
        self, endpoint_id: int, now: datetime, lease_until: datetime, limit: int, token: str
    ) -> list[WebhookDelivery]:
        """Leases deliveries due now to `token`, while the endpoint is enabled and not
        backing off; another holder's unexpired lease is skipped."""
        ...

    def renew(self, delivery_id: int, token: str, lease_until: datetime) -> bool: ...

    def delivered(self, delivery_id: int, token: str, now: datetime, status: int) -> bool:
        """Records the delivery done and the endpoint's run of failures ended, while
        `token` holds it; False if it no longer does."""
        ...

    def failed(
        self, delivery_id: int, token: str, now: datetime, error: str, retry_at: datetime | None
    ) -> int | None:
        """Records a failed attempt: retried at `retry_at` (None: given up); returns the
        endpoint's failures in a row, or None if `token` no longer held the delivery."""
        ...

    def pause(self, endpoint_id: int, until: datetime) -> None:
        """The endpoint is not tried again before `until`."""
        ...

    def release(self, delivery_id: int, token: str) -> None:
        """Gives the lease back unused."""
        ...

    def disable(self, endpoint_id: int, now: datetime, notice: "Notice | None") -> bool:
        """Disables the endpoint (its pending deliveries given up) and queues `notice` in
        the outbox, in one transaction; False if it was already disabled."""
        ...


class WebhookSender(Protocol):
    def post(self, url: str, headers: Mapping[str, str], body: bytes) -> int:
        """POSTs `body`; returns the HTTP status. Raises WebhookUnreachable when no answer
        came (connection refused, timeout)."""


class TokenStore(Protocol):
    """API tokens, by the hash of their secret."""

    def add(self, token: ApiToken, audit: AuditEntry) -> ApiToken | None:
        """Stores a new token and its audit row in one transaction; None, writing nothing,
        when a live token already has its name."""
        ...

    def revoke(
        self, name: str, at: datetime, audit: Callable[[ApiToken], AuditEntry]
    ) -> ApiToken | None:
        """Marks the live token called `name` revoked and writes its audit row (`audit` of
        it) in one transaction; None, writing nothing, when there is none."""
        ...

    def live(self) -> list[ApiToken]: ...

    def by_hash(self, secret_hash: str) -> ApiToken | None:
        """The live token with this secret hash."""
        ...
