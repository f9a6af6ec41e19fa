"""Post-mortem use cases: draft (by Claude or the template), export, review, publish."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.checklist import Checklist
from bot.config import Policy
from bot.errors import DraftFailed, IncidentError, NothingChanged
from bot.incidents import IncidentService
from bot.ports import (
    ActionItemStore,
    CanvasRef,
    Clock,
    Documents,
    Drafter,
    DraftRenderer,
    PostmortemStore,
)
from bot.postmortem.condense import condense, estimate_tokens
from bot.postmortem.draft import Draft, Material, draft_stamp, proposals, texts_of
from bot.postmortem.facts import gather_facts
from bot.postmortem.narrative import Narrative, links_in, sanitised
from bot.rooms import RoomService
from bot.similar import Similar
from models import (
    ActionItem,
    ActionStatus,
    DraftSource,
    EntryKind,
    Incident,
    Postmortem,
    PostmortemStatus,
    Role,
    Status,
)

log = logging.getLogger(__name__)

# Longer than a model call with its retries (the composition root sets it from the model's
# timeout): a claim older than this was left by a dead process.
DRAFT_LEASE = timedelta(minutes=5)
# The recovery job drafts what was resolved this recently and left undrafted, and stops
# after this many failures: deploying Sitrep must not draft every past incident.
RECOVERY_WINDOW = timedelta(days=1)
MAX_DRAFT_FAILURES = 3
# A draft regenerated replaces the canvas; this marks the line a status change rewrites.
STATUS_MARKER = "Post-mortem status:"
NO_KEY = "no Anthropic API key is set"
_PROMPT_RESERVE = 3_000  # tokens for the instructions and the facts around the timeline
_MAX_ATTEMPTS = 10
_CHARS_PER_LINE = 40  # what a timeline line costs in the canvas besides its text
_FITS = 4  # tries to fit the canvas before clipping it


@dataclass(frozen=True)
class Drafted:
    incident: Incident
    record: Postmortem
    source: DraftSource
    fallback_reason: str
    replaced: bool  # an existing canvas was updated rather than a new one made


class PostmortemService:
    def __init__(
        self,
        incidents: IncidentService,
        rooms: RoomService,
        store: PostmortemStore,
        *,
        drafter: Drafter | None,
        renderer: DraftRenderer,
        documents: Documents,
        policy: Policy,
        clock: Clock,
        prompt_tokens: int = 30_000,
        lease: timedelta = DRAFT_LEASE,
        items: ActionItemStore | None = None,
        similar: Callable[[int], Sequence[Similar]] | None = None,
        checklist: Callable[[Incident], Checklist] | None = None,
    ) -> None:
        self._incidents, self._rooms, self._store, self._items = incidents, rooms, store, items
        self._drafter, self._renderer, self._documents = drafter, renderer, documents
        self._policy, self._clock, self._prompt_tokens = policy, clock, prompt_tokens
        self._lease = lease
        self._similar, self._checklist = similar, checklist

    def record(self, incident_id: int) -> Postmortem | None:
        return self._store.get(incident_id)

    def draft(self, incident_id: int, actor: str) -> Drafted:
        """Writes the draft and puts it in the incident channel's canvas (the same canvas
        every time). One caller drafts at a time; the others are told it is under way."""
        incident = self._incidents.get(incident_id)
        if incident.channel_id is None:
            raise IncidentError(f"{incident.ref} has no channel yet; try again in a moment.")
        record = self._claim(incident, actor)
        previous = record.canvas_id
        try:
            draft = self.compose(incident, record)
            canvas = self._documents.write_canvas(
                incident.channel_id,
                draft.title,
                self.fit_markdown(draft),
                record.canvas_id,
                ours=draft.title,
            )
            if canvas.id != record.canvas_id:  # kept at once: a retry must find this canvas
                self._update(incident_id, lambda r: _attach(r, canvas))
        except BaseException:
            self._update(incident_id, _failed)
            raise
        record = self._update(incident_id, lambda r: self._record_draft(r, incident, draft))
        assert record.drafted_at is not None
        self._incidents.record_event(
            incident_id,
            EntryKind.POSTMORTEM,
            actor,
            f"Post-mortem drafted ({'by Claude' if draft.narrative else 'from the template'})",
            {
                "event": "drafted",
                "url": canvas.url,
                "source": draft.source.value,
                "reason": draft.fallback_reason,
                # Its proposed action items, each to accept from the channel post.
                "draft": draft_stamp(record.drafted_at),
                "proposals": [
                    {
                        "title": p.title,
                        "priority": p.priority,
                        "owner": p.owner,
                        "due_on": p.due.astimezone(ZoneInfo(self._policy.timezone))
                        .date()
                        .isoformat(),
                    }
                    for p in proposals(draft.narrative, self._policy, record.drafted_at)
                ],
            },
        )
        if not draft.facts.closed and (closed := self._closed(incident_id)):
            # Closed while this draft was being written: its status line says so after all.
            line = self._renderer.status_line(record, closed)
            self._documents.replace_line(canvas.id, STATUS_MARKER, line)
        self._rooms.refresh(incident_id)
        replaced = canvas.id == previous
        return Drafted(incident, record, draft.source, draft.fallback_reason, replaced)

    def _record_draft(self, record: Postmortem, incident: Incident, draft: Draft) -> None:
        """Until someone publishes it, the draft follows the record: the commander (once
        there is one) writes it, due a set time after the resolution."""
        record.author = draft.facts.commander or record.author
        record.due_at = self._due(incident)
        # The export has every message; the canvas is condensed to fit.
        whole = condense(draft.entries, 10**12, len, _CHARS_PER_LINE)
        record.markdown = self._renderer.markdown(replace(draft, timeline=whole))
        record.narrative = draft.narrative.model_dump() if draft.narrative else {}
        record.source, record.fallback_reason = draft.source, draft.fallback_reason
        record.drafted_at, record.drafting_since, record.draft_failures = self._clock(), None, 0

    def draft_if_due(self, incident_id: int, actor: str) -> Drafted | None:
        """After a change: drafts once the incident is resolved, if its severity asks for an
        automatic draft and none exists yet. A draft written before the resolution gets its
        due date counted from the resolution."""
        incident = self._incidents.get(incident_id)
        severity = self._policy.severity(incident.severity)
        if incident.resolved_at is None or not (severity and severity.draft_postmortem_on_resolve):
            return None
        record = self._store.get(incident_id)
        if record is not None and record.due_at != self._due(incident):
            record = self._update(incident_id, lambda r: setattr(r, "due_at", self._due(incident)))
        if record is not None and (record.drafted_at or self._claimed(record)):
            return None
        try:
            return self.draft(incident_id, actor)
        except NothingChanged:
            return None  # another process got there first

    def draft_missing(self, grace: timedelta = DRAFT_LEASE) -> list[Drafted]:
        """Drafts what a process that died after a resolution left undrafted."""
        automatic = [s.key for s in self._policy.severities if s.draft_postmortem_on_resolve]
        now, done = self._clock(), []
        owed = self._store.undrafted(
            automatic, now - grace, since=now - RECOVERY_WINDOW, failures=MAX_DRAFT_FAILURES
        )
        for incident_id in owed:
            try:
                drafted = self.draft_if_due(incident_id, "")
            except Exception:  # one incident's failure must not stop the others
                log.exception("could not draft the post-mortem of incident %s", incident_id)
                continue
            if drafted is not None:
                done.append(drafted)
        return done

    def export(self, incident_id: int, actor: str) -> Postmortem:
        """Posts the draft as a Markdown file in the incident channel."""
        incident, record = self._drafted(incident_id)
        assert incident.channel_id is not None
        self._documents.upload_markdown(
            incident.channel_id,
            f"{incident.ref}-postmortem.md",
            f"{incident.ref} post-mortem: {incident.title}",
            record.markdown,
            f"<@{actor}> exported the post-mortem draft of {incident.ref} as Markdown.",
        )
        return record

    def review(self, incident_id: int, actor: str, reviewers: tuple[str, ...]) -> Postmortem:
        """Sends the draft for review to `reviewers`."""
        incident, _ = self._drafted(incident_id)

        def send(record: Postmortem) -> None:
            if record.status is PostmortemStatus.PUBLISHED:
                raise NothingChanged(f"The post-mortem of {incident.ref} is already published.")
            if record.status is PostmortemStatus.IN_REVIEW and record.reviewers == list(reviewers):
                raise NothingChanged(f"The post-mortem of {incident.ref} is already with them.")
            record.status, record.reviewers = PostmortemStatus.IN_REVIEW, list(reviewers)

        record = self._update(incident_id, send)
        names = ", ".join(f"<@{r}>" for r in reviewers)
        self._incidents.record_event(
            incident_id,
            EntryKind.POSTMORTEM,
            actor,
            f"Post-mortem sent for review to {names}",
            {"event": "in_review", "url": record.canvas_url, "reviewers": list(reviewers)},
        )
        return record

    def publish(self, incident_id: int, actor: str) -> Postmortem:
        """Marks the post-mortem published: the record is final."""
        incident, _ = self._drafted(incident_id)
        now = self._clock()

        def publish(record: Postmortem) -> None:
            if record.status is PostmortemStatus.PUBLISHED:
                raise NothingChanged(f"The post-mortem of {incident.ref} is already published.")
            record.status, record.published_at, record.published_by = (
                PostmortemStatus.PUBLISHED,
                now,
                actor,
            )

        record = self._update(incident_id, publish)
        self._incidents.record_event(
            incident_id,
            EntryKind.POSTMORTEM,
            actor,
            "Post-mortem published",
            {"event": "published", "url": record.canvas_url},
        )
        return record

    def show_status(self, incident_id: int) -> None:
        """Rewrites the canvas's status line and posts the change in the channel."""
        record = self._store.get(incident_id)
        if record is not None and record.canvas_id:
            line = self._renderer.status_line(record, self._closed(incident_id))
            if not self._documents.replace_line(record.canvas_id, STATUS_MARKER, line):
                log.info("the canvas of incident %s has no status line to update", incident_id)
        self._rooms.refresh(incident_id)

    def _closed(self, incident_id: int) -> str:
        """How the incident closed, its checklist's outcome included; "" while it is open."""
        incident = self._incidents.get(incident_id)
        if incident.status is not Status.CLOSED or incident.closed_at is None:
            return ""
        zone = ZoneInfo(self._policy.timezone)
        when = incident.closed_at.astimezone(zone).strftime("%a %d %b %Y")
        checklist = self._checklist(incident) if self._checklist else None
        if checklist is None or not checklist.items:
            return f"incident closed {when}"
        done = ", ".join(f"{c.item.label.lower()} ({c.detail})" for c in checklist.items)
        return f"incident closed {when} with its checklist done: {done}"

    def exportable(self, incident_id: int) -> None:
        """Raises, saying what to do, unless there is a draft to export."""
        self._drafted(incident_id)

    def _drafted(self, incident_id: int) -> tuple[Incident, Postmortem]:
        incident = self._incidents.get(incident_id)
        record = self._store.get(incident_id)
        if record is None or record.drafted_at is None or incident.channel_id is None:
            raise IncidentError(
                f"{incident.ref} has no post-mortem draft yet. "
                f"Run `/incident postmortem {incident.ref}` first."
            )
        return incident, record

    def compose(self, incident: Incident, record: Postmortem) -> Draft:
        """The draft's content: facts and timeline from the record, narrative from the
        drafter when there is one and it succeeds, else none (the template's prompts)."""
        assert incident.id is not None
        # The post-mortem's own steps are not part of the incident's story.
        entries = [
            e for e in self._incidents.timeline(incident.id) if e.kind is not EntryKind.POSTMORTEM
        ]
        now = self._clock()
        facts = gather_facts(
            incident,
            self._incidents.roles(incident.id),
            entries,
            record,
            self._policy,
            now,
            links=self._incidents.links(incident.id),
            similar=self._similar(incident.id) if self._similar else (),
            checklist=self._checklist(incident) if self._checklist else None,
            closed=self._closed(incident.id),
        )
        budget = max(self._prompt_tokens - _PROMPT_RESERVE, 1_000)
        material = Material(facts, condense(entries, budget, estimate_tokens))
        narrative, reason = self._narrative(material, [e.text for e in entries])
        return Draft(
            facts=facts,
            entries=tuple(entries),
            timeline=material.timeline,
            narrative=narrative,
            proposals=proposals(narrative, self._policy, now),
            source=DraftSource.MODEL if narrative else DraftSource.TEMPLATE,
            fallback_reason=reason,
            tracked=tuple(self._tracked(incident.id)),
        )

    def _tracked(self, incident_id: int) -> list[ActionItem]:
        """The incident's action items, cancelled ones left out."""
        if self._items is None:
            return []
        found = self._items.find(
            owner=None, open_only=False, due_before=None, incident_id=incident_id, limit=200
        )
        return [i for i in found if i.status is not ActionStatus.CANCELLED]

    def _narrative(self, material: Material, texts: list[str]) -> tuple[Narrative | None, str]:
        if self._drafter is None:
            return None, NO_KEY
        try:
            narrative = self._drafter.write(material)
        except DraftFailed as failure:
            log.warning(
                "post-mortem of %s from the template: %s", material.facts.incident.ref, failure
            )
            return None, str(failure)
        facts = material.facts
        people = {*facts.responders, facts.incident.reporter}
        links = links_in(texts_of(facts.incident, texts))
        return sanitised(narrative, links=links, people=people), ""

    def fit_markdown(self, draft: Draft) -> str:
        """The draft as Markdown within the platform's size: the conversation is condensed
        further until it fits (key events stay whole), clipped only as a last resort."""
        limit = self._documents.max_chars
        budget = limit * 3 // 4
        for _ in range(_FITS):
            timeline = condense(draft.entries, budget, len, _CHARS_PER_LINE)
            markdown = self._renderer.markdown(replace(draft, timeline=timeline))
            if len(markdown) <= limit:
                return markdown
            budget -= len(markdown) - limit + limit // 20
        note = "\n\n_The rest of this draft did not fit in a canvas; export it for the whole._\n"
        return markdown[: limit - len(note)] + note

    def _claim(self, incident: Incident, actor: str) -> Postmortem:
        assert incident.id is not None
        if self._store.get(incident.id) is None:
            self._store.create(self._new_record(incident, actor))
        now = self._clock()

        def claim(record: Postmortem) -> None:
            if self._claimed(record):
                raise NothingChanged(
                    f"The post-mortem of {incident.ref} is being drafted; it will appear in "
                    "the channel in a moment."
                )
            if record.status is PostmortemStatus.PUBLISHED:
                raise NothingChanged(
                    f"The post-mortem of {incident.ref} is published; edit its canvas instead."
                )
            record.drafting_since = now

        return self._update(incident.id, claim)

    def _claimed(self, record: Postmortem) -> bool:
        since = record.drafting_since
        return since is not None and self._clock() - since < self._lease

    def _due(self, incident: Incident) -> datetime:
        """When the post-mortem is due: a set time after the resolution (or from now, for a
        draft of an incident not yet resolved)."""
        severity = self._policy.severity(incident.severity)
        due = severity.postmortem_due_after if severity else timedelta(days=7)
        return (incident.resolved_at or self._clock()) + due

    def _new_record(self, incident: Incident, actor: str) -> Postmortem:
        assert incident.id is not None
        now = self._clock()
        author = (
            self._incidents.roles(incident.id).get(Role.COMMANDER) or actor or incident.reporter
        )
        return Postmortem.model_validate(
            {
                "incident_id": incident.id,
                "status": PostmortemStatus.DRAFT,
                "author": author,
                "due_at": self._due(incident),
                "created_at": now,
                "updated_at": now,
            }
        )

    def _update(self, incident_id: int, mutate: Callable[[Postmortem], None]) -> Postmortem:
        """Applies `mutate` to a fresh copy and saves it compare-and-set, retrying on a race."""
        for _ in range(_MAX_ATTEMPTS):
            record = self._store.get(incident_id)
            if record is None:
                raise IncidentError("That incident has no post-mortem yet.")
            version = record.version
            mutate(record)
            record.updated_at = self._clock()
            if self._store.save(record, version):
                record.version = version + 1
                return record
        raise IncidentError("Too many people changed this post-mortem at once; please try again.")


def _attach(record: Postmortem, canvas: CanvasRef) -> None:
    record.canvas_id, record.canvas_url = canvas.id, canvas.url


def _failed(record: Postmortem) -> None:
    """Gives the claim back after a failure, counting it: the recovery job stops retrying
    an incident whose drafts keep failing (an archived channel, canvases turned off)."""
    record.drafting_since = None
    record.draft_failures += 1
