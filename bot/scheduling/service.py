"""Scheduled-work use cases: plan what is due into the outbox, send it once, snooze."""

import logging
from dataclasses import dataclass
from datetime import timedelta

from bot.config import Policy
from bot.errors import ChatUnavailable, IncidentError
from bot.incidents import IncidentService
from bot.ports import Clock, Notifier, OutboxStore
from bot.scheduling.due import due_notices
from models import EntryKind, NoticeKind, OutboxMessage

log = logging.getLogger(__name__)

BATCH = 50  # messages one sender claims at a time
MAX_ATTEMPTS = 8  # a message refused this often is given up (and logged)
SNOOZES = (15, 30, 60)  # minutes people may snooze nudges for


@dataclass(frozen=True)
class Sent:
    """What one tick did."""

    queued: int
    sent: int
    cancelled: int
    failed: int


class SchedulerService:
    def __init__(
        self,
        store: OutboxStore,
        incidents: IncidentService,
        notifier: Notifier,
        policy: Policy,
        clock: Clock,
        lease: timedelta = timedelta(minutes=2),
    ) -> None:
        self._store, self._incidents, self._notifier = store, incidents, notifier
        self._policy, self._clock, self._lease = policy, clock, lease

    def tick(self) -> Sent:
        """Queues what is due and sends what is queued: the periodic job of every replica."""
        queued = self.plan()
        sent = cancelled = failed = 0
        while True:
            batch = self._store.claim(self._clock(), self._clock() + self._lease, BATCH)
            for message in batch:
                outcome = self._deliver(message)
                sent += outcome == "sent"
                cancelled += outcome == "cancelled"
                failed += outcome == "failed"
            if len(batch) < BATCH:
                return Sent(queued, sent, cancelled, failed)

    def plan(self) -> int:
        """Queues every notice now due; those queued before are not queued again."""
        now = self._clock()
        notices = []
        for situation in self._store.situations():
            try:
                notices += due_notices(situation, now, self._policy)
            except Exception:  # one incident's failure must not stop the others
                log.exception("could not plan the notices of %s", situation.incident.ref)
        return self._store.enqueue(notices, now) if notices else 0

    def _deliver(self, message: OutboxMessage) -> str:
        assert message.id is not None
        now = self._clock()
        try:
            # A message taken over from a sender that died may already be in Slack.
            if message.attempts > 1 and (ts := self._notifier.find_sent(message)):
                self._store.mark_sent(message.id, ts, now)
                return "sent"
            situation = self._store.situation(message.incident_id or 0)
            due = due_notices(situation, now, self._policy) if situation else []
            if situation is None or message.key not in {n.key for n in due}:
                self._store.cancel(message.id, now, "no longer due")
                return "cancelled"
            ts = self._notifier.send(message, situation)
        except Exception as error:  # Slack refused, or the database blinked: try again later
            if not isinstance(error, ChatUnavailable):
                log.exception("sending %s failed", message.key)
            if message.attempts >= MAX_ATTEMPTS:
                log.error(
                    "giving up on %s after %d attempts: %s", message.key, message.attempts, error
                )
                self._store.cancel(message.id, now, f"gave up: {error}")
                return "failed"
            retry = now + timedelta(seconds=min(300, 2**message.attempts))
            self._store.release(message.id, str(error), retry)
            return "failed"
        self._store.mark_sent(message.id, ts, now)
        if message.kind is NoticeKind.ESCALATION and message.data.get("record"):
            self._record_escalation(message)
        return "sent"

    def _record_escalation(self, message: OutboxMessage) -> None:
        users = ", ".join(f"<@{u}>" for u in message.data.get("users", []))
        told = " and ".join(part for part in (f"<#{message.target}>", users) if part)
        self._incidents.record_event(
            message.incident_id or 0,
            EntryKind.ESCALATED,
            "",
            f"Escalated: not acknowledged within {message.data.get('within')}; told {told}",
            {"target": message.target, "users": message.data.get("users", [])},
        )

    def snooze(self, incident_id: int, actor: str, minutes: int) -> None:
        """Holds update-cadence nudges back for `minutes`."""
        if minutes not in SNOOZES:
            raise IncidentError(f"Reminders can be snoozed for {SNOOZES} minutes.")
        self._incidents.snooze_nudges(
            incident_id, actor, self._clock() + timedelta(minutes=minutes)
        )
