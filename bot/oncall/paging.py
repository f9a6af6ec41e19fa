"""Paging use cases: page the on-call people of an incident's services when its room opens,
move unacknowledged pages up their escalation policy on time, acknowledge, escalate now,
and page someone by hand. Pages and their messages are written together, each with a
stable key, and delivered by the scheduler's outbox: once, retried while Slack refuses."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from bot.config import Policy
from bot.errors import IncidentError, NothingChanged, UnknownSchedule, UsageError
from bot.incidents import IncidentService
from bot.oncall.escalation import (
    PAGING_STATUSES,
    Chain,
    NewPage,
    OnCall,
    Target,
    chains_for,
    escalations,
    first_pages,
    schedules_of,
)
from bot.oncall.load import PagedFor
from bot.oncall.service import OncallService
from bot.ports import Clock
from bot.scheduling.due import Notice
from models import BY_HAND, EntryKind, Incident, NoticeKind, OutboxMessage, Page, TimelineEntry

log = logging.getLogger(__name__)


class PageStore(Protocol):
    def add(
        self, pages: Sequence[Page], notices: Sequence[Notice], entries: Sequence[TimelineEntry]
    ) -> list[Page]:
        """Stores the pages whose keys are new, each with its notice and entry, in one
        transaction; returns those it stored."""
        ...

    def of_incident(self, incident_id: int) -> list[Page]: ...

    def get(self, page_id: int) -> Page | None: ...

    def paged_between(self, start: datetime, end: datetime) -> list[PagedFor]:
        """Pages sent in [start, end), oldest first, each with its incident's severity."""
        ...

    def escalating(self) -> list[tuple[Incident, list[Page]]]:
        """Open incidents with escalating pages none of which is acknowledged."""
        ...

    def acknowledge(
        self, incident_id: int, user: str, now: datetime, entry: TimelineEntry
    ) -> list[Page]:
        """Marks the incident's unacknowledged pages acknowledged by `user`, and the incident
        acknowledged if it was not, with the entry, in one transaction; returns the pages."""
        ...

    def escalate(self, page_id: int, user: str, now: datetime) -> bool:
        """Marks an unacknowledged, unescalated page escalated; False if it was not."""
        ...

    def sent(self, keys: Sequence[str]) -> dict[str, str]:
        """The Slack ts of the sent messages among these keys."""
        ...

    def queued(self, keys: Sequence[str]) -> set[str]:
        """Those of these keys the outbox holds already (sent, pending or cancelled)."""
        ...


class PageSender(Protocol):
    def send_page(self, message: OutboxMessage, page: Page, incident: Incident) -> str: ...

    def send_unanswered(self, message: OutboxMessage, incident: Incident) -> str: ...

    def show_acknowledged(self, page: Page, ts: str, incident: Incident) -> None: ...

    def show_escalated(
        self, page: Page, to: Sequence[Page], ts: str, incident: Incident
    ) -> None: ...


@dataclass(frozen=True)
class Acknowledged:
    incident: Incident
    by: str
    pages: list[Page]


class PagingService:
    def __init__(
        self,
        store: PageStore,
        incidents: IncidentService,
        oncall: OncallService,
        sender: PageSender,
        policy: Policy,
        clock: Clock,
        invite: Callable[[int, str], object],
        send: Callable[[], object] = lambda: None,
        refresh: Callable[[int], object] = lambda incident_id: None,
    ) -> None:
        self._store, self._incidents, self._oncall = store, incidents, oncall
        self._sender, self._policy, self._clock = sender, policy, clock
        self._invite = invite
        # Sends what the outbox holds now; shows new timeline entries in the channel.
        self._send, self._refresh = send, refresh

    def page_incident(self, incident_id: int) -> list[Page]:
        """Pages the first level of each escalation policy of the incident's services (a
        room-opening greeter: a repeated opening pages nobody twice)."""
        incident = self._incidents.get(incident_id)
        chains = chains_for(incident.services, self._policy)
        if not chains or any(p.acknowledged_at for p in self._store.of_incident(incident_id)):
            return []  # nobody to page, or someone already answered
        now = self._clock()
        found = first_pages(incident, chains, self._on_call(chains, now), self._policy, now)
        made = self._add(incident, found, now)
        if made:  # the room's opening shows the entries; the pages go out now
            self._quietly(self._send, f"sending the pages of {incident.ref}")
        return made

    def escalate_due(self) -> int:
        """Moves up every escalation whose time ran out (the scheduler's tick); one
        incident's failure does not stop the others. Returns how many pages it made."""
        made = 0
        for incident, pages in self._store.escalating():
            try:
                paged = self._escalate(incident, pages)
            except Exception:
                log.exception("could not escalate the pages of %s", incident.ref)
                continue
            if paged:  # the tick sends them; the channel sees who was paged
                shown = paged[0].incident_id
                self._quietly(lambda: self._refresh(shown), f"showing {incident.ref}")  # noqa: B023
                self._quietly(lambda: self.show_answered(shown), f"updating {incident.ref}")  # noqa: B023
            made += len(paged)
        return made

    def send_now(self, incident_id: int) -> None:
        """Sends the pages just made and shows them in the incident's channel (the work
        after a command's or a click's acknowledgement)."""
        self._quietly(self._send, "sending pages")
        self._quietly(lambda: self._refresh(incident_id), f"refreshing incident {incident_id}")

    @staticmethod
    def _quietly(work: Callable[[], object], what: str) -> None:
        """The pages are stored: if this fails, the scheduler's next tick does it."""
        try:
            work()
        except Exception:
            log.exception("failed %s", what)

    def deliver(self, message: OutboxMessage) -> str | None:
        """Sends a page (inviting its person to the channel) or the word that nobody
        acknowledged, if still wanted; None if not."""
        assert message.incident_id is not None
        incident = self._incidents.get(message.incident_id)
        if incident.channel_id is None or not incident.status.is_open:
            return None
        pages = self._store.of_incident(message.incident_id)
        # Someone answered, or the impact is over: the policy's pages are no longer wanted.
        done = incident.status not in PAGING_STATUSES or any(p.acknowledged_at for p in pages)
        if message.kind is NoticeKind.UNANSWERED:
            return None if done else self._sender.send_unanswered(message, incident)
        page = next((p for p in pages if p.key == message.key), None)
        if page is None or (done and not page.by_hand):
            return None
        if page.is_user:
            self._invite(message.incident_id, page.target)
        return self._sender.send_page(message, page, incident)

    def acknowledge(self, incident_id: int, user: str) -> Acknowledged:
        """`user` answers the incident's pages: escalation stops, and the incident counts as
        acknowledged now if it was not (MTTA)."""
        incident = self._incidents.get(incident_id)
        pages = self._store.of_incident(incident_id)
        if not pages:
            raise NothingChanged(f"Nobody has been paged for {incident.ref}.")
        now = self._clock()
        entry = _entry(incident, EntryKind.ACKNOWLEDGED, now, user, f"<@{user}> acknowledged")
        acked = self._store.acknowledge(incident_id, user, now, entry)
        if not acked:
            done = [p for p in pages if p.acknowledged_by]
            by = f" by <@{done[0].acknowledged_by}>" if done else ""
            raise NothingChanged(f"The pages of {incident.ref} are already acknowledged{by}.")
        return Acknowledged(incident, user, acked)

    def show_answered(self, incident_id: int) -> None:
        """Brings the incident's sent pages up to date, without their buttons: those
        acknowledged say who acknowledged, those whose level was escalated past say to
        whom and when. Pages still waiting for an answer are left as they are."""
        incident = self._incidents.get(incident_id)
        pages = self._store.of_incident(incident_id)
        moved = {p.key: to for p in pages if (to := _escalated_to(p, pages))}
        done = [p for p in pages if p.acknowledged_at or p.key in moved]
        sent = self._store.sent([p.key for p in done])
        for page in done:
            if page.key not in sent:
                continue
            try:
                if page.acknowledged_at:
                    self._sender.show_acknowledged(page, sent[page.key], incident)
                else:
                    self._sender.show_escalated(page, moved[page.key], sent[page.key], incident)
            except IncidentError as error:  # the page is answered all the same
                log.warning("could not update the page %s: %s", page.key, error)

    def incident_of(self, page_id: int) -> int:
        page = self._store.get(page_id)
        if page is None:
            raise IncidentError("That page no longer exists.")
        return page.incident_id

    def escalate(self, page_id: int, user: str) -> list[Page]:
        """`user` moves the escalation up now from the page's level, if it is the level
        reached; returns the pages it made. Refused, changing nothing, when the pages are
        answered or escalated already, or nobody further is there to page."""
        page = self._store.get(page_id)
        if page is None:
            raise IncidentError("That page no longer exists.")
        incident = self._incidents.get(page.incident_id)
        if page.by_hand:
            raise NothingChanged("A page made by hand has no escalation policy to move up.")
        pages = self._store.of_incident(page.incident_id)
        top = max(p.level for p in pages if p.chain == page.chain)
        current = next((p for p in pages if p.id == page.id), page)
        refused = NothingChanged(f"The pages of {incident.ref} are already answered or escalated.")
        # A page below the level reached was escalated already: a second click is not another.
        if any(p.acknowledged_at for p in pages) or current.escalated_at or page.level < top:
            raise refused
        now = self._clock()
        chains = chains_for(incident.services, self._policy)
        clicked = current.model_copy(update={"escalated_at": now})
        others = [p for p in pages if p.id != current.id]
        ahead = escalations(
            incident, [*others, clicked], chains, self._on_call(chains, now), self._policy, now
        )
        if not ahead.pages:
            raise NothingChanged(f"There is nobody further to page for {incident.ref}.")
        assert current.id is not None
        if not self._store.escalate(current.id, user, now):
            raise refused
        return self._escalate(incident, self._store.of_incident(page.incident_id))

    def page_by_hand(self, incident: Incident, who: str, by: str) -> list[Page]:
        """Pages a person (`U…`) or a schedule's on-call person (`payments/secondary`) into
        the incident. Paging the same target again changes nothing."""
        now = self._clock()
        target = self._resolve(who, now)
        assert incident.id is not None
        key = f"page:{incident.id}:{BY_HAND}:{target.id}"
        made = self._add(incident, [NewPage(key, BY_HAND, 0, target, now)], now, by=by)
        if not made:
            raise NothingChanged(f"<@{target.id}> is already paged for {incident.ref}.")
        return made

    def _resolve(self, who: str, now: datetime) -> Target:
        if who[:1] in ("U", "W"):
            if self._oncall.name_of(who) == who:  # Slack knows no name for them
                raise UsageError(f"I can't find <@{who}> in this workspace.")
            return Target(who, "by hand")
        name, _, layer_name = who.partition("/")
        try:
            schedule = self._oncall.schedule(name)
        except UnknownSchedule as error:
            raise UsageError(f"{error} Or mention a person with @.") from None
        layer = schedule.layer(layer_name) if layer_name else schedule.layers[0]
        if layer is None:
            names = ", ".join(f"`{layer.name}`" for layer in schedule.layers)
            raise UsageError(f"*{schedule.name}* has no layer `{layer_name}`; it has {names}.")
        found = self._oncall.on_call_at([schedule], now)
        user = next((o.user for o in found if o.layer == layer.name), None)
        if user is None:
            raise IncidentError(f"Nobody is on call for *{schedule.name}* {layer.name} now.")
        return Target(user, f"{schedule.name}/{layer.name}")

    def _escalate(self, incident: Incident, pages: list[Page]) -> list[Page]:
        chains = chains_for(incident.services, self._policy)
        now = self._clock()
        decision = escalations(
            incident, pages, chains, self._on_call(chains, now), self._policy, now
        )
        assert incident.id is not None
        notices = [
            Notice(u.key + ":" + t, NoticeKind.UNANSWERED, incident.id, t, u.due_at, {})
            for u in decision.unanswered
            for t in u.targets
        ]
        # Past the last level every tick finds the same word due: queue it once, and after
        # that write nothing (no empty transaction, no conflicting insert) tick after tick.
        told = self._store.queued([n.key for n in notices]) if notices else set()
        if fresh := [n for n in notices if n.key not in told]:
            self._store.add([], fresh, [])
        return self._add(incident, decision.pages, now)

    def _add(
        self, incident: Incident, found: Sequence[NewPage], now: datetime, by: str | None = None
    ) -> list[Page]:
        if not found:
            return []
        assert incident.id is not None
        pages = [_page(incident.id, p, now, by) for p in found]
        notices = [
            Notice(p.key, NoticeKind.PAGE, incident.id, p.target, now, {"level": p.level})
            for p in pages
        ]
        entries = [_paged_entry(incident, p, now) for p in pages]
        return self._store.add(pages, notices, entries)

    def _on_call(self, chains: Sequence[Chain], now: datetime) -> OnCall:
        names = schedules_of(chains)
        schedules = [s for s in self._oncall.schedules if s.name in names]
        return {(o.schedule, o.layer): o.user for o in self._oncall.on_call_at(schedules, now)}


def _escalated_to(page: Page, pages: Sequence[Page]) -> list[Page]:
    """The pages of the level its chain moved up to from `page`'s (none: not moved)."""
    if page.by_hand:
        return []
    above = [p for p in pages if p.chain == page.chain and p.level > page.level]
    if not above:
        return []
    level = min(p.level for p in above)
    return [p for p in above if p.level == level]


def _page(incident_id: int, new: NewPage, now: datetime, by: str | None) -> Page:
    return Page.model_validate(
        {
            "key": new.key,
            "incident_id": incident_id,
            "chain": new.chain,
            "level": new.level,
            "target": new.target.id,
            "via": new.target.via,
            "paged_by": by,
            "paged_at": now,
            "ack_by": None if new.chain == BY_HAND else new.ack_by,
        }
    )


def _paged_entry(incident: Incident, page: Page, now: datetime) -> TimelineEntry:
    who = f"<@{page.target}>" if page.is_user else f"<#{page.target}>"
    how = f"by <@{page.paged_by}>" if page.paged_by else f"level {page.level}, {page.via}"
    data: dict[str, Any] = {"target": page.target, "level": page.level, "via": page.via}
    return _entry(incident, EntryKind.PAGED, now, page.paged_by, f"Paged {who} ({how})", data)


def _entry(
    incident: Incident,
    kind: EntryKind,
    now: datetime,
    author: str | None,
    text: str,
    data: dict[str, Any] | None = None,
) -> TimelineEntry:
    return TimelineEntry.model_validate(
        {
            "incident_id": incident.id,
            "kind": kind,
            "occurred_at": now,
            "author": author,
            "text": text,
            "data": data or {},
        }
    )
