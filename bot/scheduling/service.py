"""Scheduled-work use cases: plan what is due into the outbox, send it once, snooze."""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from bot.config import Policy
from bot.errors import ChannelArchived, ChatUnavailable, IncidentError, RateLimited, Undeliverable
from bot.incidents import IncidentService
from bot.insights.service import InsightsService
from bot.log_context import bound
from bot.oncall.paging import PagingService
from bot.ports import Clock, Notifier, OutboxStore
from bot.scheduling.digest import digest_notices
from bot.scheduling.due import Notice, Situation, due_notices
from bot.scheduling.followups import Followup, followup_notices
from bot.scheduling.updates import DELIVERY_WINDOW, update_notices
from models import AlertTriage, EntryKind, NoticeKind, OutboxMessage, TimelineEntry

log = logging.getLogger(__name__)

BATCH = 10  # messages one sender claims at a time; each is re-leased just before it is sent
MAX_BACKOFF = timedelta(minutes=5)


class Outcome(StrEnum):
    SENT = "sent"
    CANCELLED = "cancelled"  # no longer due, or Slack will never take it
    RETRY = "retry"  # refused for now: tried again later, while still due
    LOST = "lost"  # another sender took the message over


@dataclass(frozen=True)
class Sent:
    """What one tick did."""

    queued: int
    outcomes: dict[Outcome, int]


class SchedulerService:
    def __init__(
        self,
        store: OutboxStore,
        incidents: IncidentService,
        notifier: Notifier,
        policy: Policy,
        clock: Clock,
        lease: timedelta = timedelta(minutes=2),
        insights: InsightsService | None = None,
        triage: Callable[[], list[AlertTriage]] | None = None,
        paging: PagingService | None = None,
        burnout: Callable[[], list[Notice]] | None = None,
    ) -> None:
        self._store, self._incidents, self._notifier = store, incidents, notifier
        self._policy, self._clock, self._lease = policy, clock, lease
        self._insights = insights
        # The alerts waiting in triage whose post is still to be sent.
        self._triage = triage or (lambda: [])
        # On-call pages: their escalations are planned, and their messages sent, here.
        self._paging = paging
        # The burnout warnings owed to schedules' owners (bot.oncall.load_service).
        self._burnout = burnout or (lambda: [])

    def tick(self) -> Sent:
        """Queues what is due and sends what is queued: the periodic job of every replica
        (and, right after a status update, the request's own work, so it goes out at once)."""
        queued = self.plan()
        return self.send(queued)

    def send(self, queued: int = 0) -> Sent:
        """Sends what is queued and due, each once (a page, just after it was queued)."""
        outcomes = dict.fromkeys(Outcome, 0)
        while True:
            token = uuid.uuid4().hex
            batch = self._store.claim(self._clock(), self._clock() + self._lease, BATCH, token)
            done = []
            for message in batch:
                try:
                    outcome = self._deliver(message, token)
                except Exception:  # one message's failure must not hold the others back
                    log.exception("delivering %s failed", message.key)
                    outcome = Outcome.RETRY
                outcomes[outcome] += 1
                done.append(outcome)
            # A batch holds one message per target: the next ones to a target it reached
            # are claimable now. Messages refused again wait out their retry time.
            if not any(o in (Outcome.SENT, Outcome.CANCELLED) for o in done):
                return Sent(queued, outcomes)

    def plan(self) -> int:
        """Queues every notice now due; those queued before are not queued again."""
        now = self._clock()
        notices = []
        for situation in self._store.situations():
            try:
                with bound(incident=situation.incident.ref):
                    notices += due_notices(situation, now, self._policy)
            except Exception:  # one incident's failure must not stop the others
                log.exception("could not plan the notices of %s", situation.incident.ref)
        try:
            notices += followup_notices(self._store.followups(), now, self._policy)
        except Exception:  # the action items' reminders must not stop the incidents' notices
            log.exception("could not plan the action items' reminders")
        try:
            notices += digest_notices(now, self._policy)
        except Exception:  # the digest must not stop the incidents' notices
            log.exception("could not plan the digest")
        try:
            notices += update_notices(
                self._store.recent_updates(now - DELIVERY_WINDOW), self._policy
            )
        except Exception:  # nor the status updates' deliveries
            log.exception("could not plan the status updates' deliveries")
        try:
            notices += [triage_notice(triage) for triage in self._triage()]
        except Exception:  # nor the alerts in triage
            log.exception("could not plan the triage posts")
        try:
            notices += self._burnout()
        except Exception:  # nor the burnout warnings
            log.exception("could not plan the burnout warnings")
        paged = 0
        try:  # pages are stored with their messages: counted, not queued here
            paged = self._paging.escalate_due() if self._paging else 0
        except Exception:
            log.exception("could not plan the escalations of pages")
        return paged + (self._store.enqueue(notices, now) if notices else 0)

    def _deliver(self, message: OutboxMessage, token: str) -> Outcome:
        assert message.id is not None
        now = self._clock()
        # Re-leased for the whole of this send: a batch must not outlive its lease.
        if not self._store.renew(message.id, token, now + self._lease):
            return Outcome.LOST
        situation = None
        if message.incident_id and not (
            message.kind.about_items
            or message.kind.about_pages
            or message.kind.about_update
            or message.kind is NoticeKind.ENTRY
        ):
            situation = self._store.situation(message.incident_id)
        try:
            # A message taken over from a sender that died may already be in Slack.
            if message.attempts > 1 and (ts := self._notifier.find_sent(message)):
                return self._sent(message, token, ts, situation)
            if message.kind is NoticeKind.DIGEST:
                sent = self._send_digest(message, now)
            elif message.kind is NoticeKind.TRIAGE:
                sent = self._send_triage(message)
            elif message.kind.about_update:
                sent = self._notifier.send_update(message)  # said once: always still worth it
            elif message.kind is NoticeKind.ENTRY:
                sent = self._send_entry(message)
            elif message.kind.about_items:
                sent = self._send_followup(message, now)
            elif message.kind is NoticeKind.BURNOUT:
                # Once over the limit in a window, the warning stands: sent even if the
                # load has since fallen back (the window's key keeps it to one).
                sent = self._notifier.send_burnout(message)
            elif message.kind is NoticeKind.WEBHOOK_DISABLED:
                sent = self._notifier.send_webhook_disabled(message)  # it stays disabled
            elif message.kind.about_pages:
                sent = self._paging.deliver(message) if self._paging else None
            else:
                sent = self._send_notice(message, situation, now)
            if sent is None:
                self._store.cancel(message.id, token, now, "no longer due")
                return Outcome.CANCELLED
        except ChannelArchived as error:
            log.info("%s not sent: its channel is archived", message.key)
            self._incidents.channel_archived(message.target, archived=True)
            self._store.cancel(message.id, token, now, f"undeliverable: {error}")
            if message.kind is NoticeKind.ENTRY:  # shown once the channel is unarchived
                self._incidents.unqueue_entry(int(message.data["entry"]))
            return Outcome.CANCELLED
        except Undeliverable as error:
            log.error("%s can never be sent: %s", message.key, error)
            self._store.cancel(message.id, token, now, f"undeliverable: {error}")
            return Outcome.CANCELLED
        except ChatUnavailable as error:
            self._store.release(message.id, token, str(error), self._retry_at(message, error))
            return Outcome.RETRY
        return self._sent(message, token, sent, situation)

    def _send_notice(
        self, message: OutboxMessage, situation: Situation | None, now: datetime
    ) -> str | None:
        """Sends an incident's notice if the incident still owes it; None if not."""
        due = due_notices(situation, now, self._policy) if situation else []
        if situation is None or message.key not in {n.key for n in due}:
            return None
        return self._notifier.send(message, situation)

    def _send_entry(self, message: OutboxMessage) -> str | None:
        """Shows a change in its incident's channel (said once: always still worth it)."""
        found = self._store.entry(int(message.data["entry"]))
        return None if found is None else self._notifier.send_entry(message, *found)

    def _send_followup(self, message: OutboxMessage, now: datetime) -> str | None:
        """Sends an action-item reminder if it is still owed, about the items still owed
        it (an item done since it was queued is left out); None if none is."""
        followups = self._followups_of(message)
        owed = {n.key: n for n in followup_notices(followups, now, self._policy)}
        notice = owed.get(message.key)
        if notice is None:
            return None
        wanted = set(notice.data["items"])
        return self._notifier.send_followup(message, [f for f in followups if f.item.id in wanted])

    def _send_digest(self, message: OutboxMessage, now: datetime) -> str | None:
        """Sends the digest of the period ending at its due time, if that period's digest is
        still the one due (and there is a digest to make)."""
        if self._insights is None or message.key not in {
            n.key for n in digest_notices(now, self._policy)
        }:
            return None
        digest = self._insights.digest(datetime.fromisoformat(message.data["end"]))
        return self._notifier.send_digest(message, digest)

    def _send_triage(self, message: OutboxMessage) -> str | None:
        """Posts an alert to triage if it is still waiting for a decision."""
        waiting = {t.id: t for t in self._triage()}.get(int(message.data["triage"]))
        return None if waiting is None else self._notifier.send_triage(message, waiting)

    def _followups_of(self, message: OutboxMessage) -> list[Followup]:
        """The open items that decide whether a reminder is still owed."""
        match message.kind:
            case NoticeKind.OVERDUE_SUMMARY:
                return self._store.followups(owner=message.target)
            case NoticeKind.OVERDUE_ROLLUP:
                return self._store.followups(incident_id=message.incident_id or 0)
        return self._store.followups(item_id=int(message.data["items"][0]))

    def _sent(
        self, message: OutboxMessage, token: str, ts: str, situation: Situation | None
    ) -> Outcome:
        """Records the message sent, with the escalation's timeline entry in the same
        transaction, so neither is ever recorded without the other."""
        assert message.id is not None
        now = self._clock()
        entry = _escalation_entry(message, situation, now)
        if not self._store.mark_sent(message.id, token, ts, now, entry):
            return Outcome.LOST
        return Outcome.SENT

    def _retry_at(self, message: OutboxMessage, error: ChatUnavailable) -> datetime:
        if isinstance(error, RateLimited):
            return self._clock() + timedelta(seconds=error.retry_after)
        backoff = timedelta(seconds=2 ** min(message.attempts, 10))
        return self._clock() + min(backoff, MAX_BACKOFF)

    def snooze(self, incident_id: int, actor: str, minutes: int) -> None:
        """Holds update-cadence nudges back for `minutes`."""
        allowed = self._policy.reminders.snoozes
        if minutes not in allowed:
            raise IncidentError(
                f"Reminders can be snoozed for {', '.join(map(str, allowed))} minutes."
            )
        self._incidents.snooze_nudges(
            incident_id, actor, self._clock() + timedelta(minutes=minutes)
        )


def triage_notice(triage: AlertTriage) -> Notice:
    assert triage.id is not None
    return Notice(
        key=f"triage:{triage.id}",
        kind=NoticeKind.TRIAGE,
        incident_id=None,
        target=triage.channel_id,
        due_at=triage.created_at,
        data={"triage": triage.id},
    )


def _escalation_entry(
    message: OutboxMessage, situation: Situation | None, now: datetime
) -> TimelineEntry | None:
    if message.kind is not NoticeKind.ESCALATION or not message.data.get("record"):
        return None
    users = message.data.get("users", [])
    if situation is not None and situation.incident.private:
        told = "flagged in this private channel only"
    else:
        names = ", ".join(f"<@{u}>" for u in users)
        told = "told " + " and ".join(p for p in (f"<#{message.target}>", names) if p)
    return TimelineEntry.model_validate(
        {
            "incident_id": message.incident_id,
            "kind": EntryKind.ESCALATED,
            "occurred_at": now,
            "text": f"Escalated: not acknowledged within {message.data.get('within')}; {told}",
            "data": {"target": message.target, "users": users},
        }
    )
