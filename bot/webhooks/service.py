"""Outgoing webhooks' use cases: plan the events each endpoint is owed, send them signed,
at least once, backing off and disabling an endpoint that keeps failing."""

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot.config import Policy
from bot.errors import WebhookUnreachable
from bot.ports import Clock, WebhookSender, WebhookStore
from bot.scheduling.due import Notice
from bot.webhooks.events import EVENT_KINDS, body_of, event_of, payload, signature
from bot.webhooks.policy import WebhookEndpointPolicy, fingerprint
from models import NoticeKind, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

BATCH = 10  # deliveries one sender claims from an endpoint at a time
# Planning re-reads this far behind its mark: a change committed a little after the time it
# was stamped with (or stamped by a replica whose clock is behind) is still found.
LATE_COMMITS = timedelta(minutes=10)


@dataclass
class Delivered:
    """What one tick did."""

    planned: int = 0
    sent: int = 0
    failed: int = 0
    disabled: list[str] = field(default_factory=list)


class WebhookService:
    def __init__(
        self,
        store: WebhookStore,
        sender: WebhookSender,
        policy: Policy,
        secrets: Mapping[str, str],
        clock: Clock,
    ) -> None:
        self._store, self._sender, self._clock = store, sender, clock
        self._policy, self._settings = policy, policy.outgoing_webhooks
        self._secrets = secrets  # by endpoint name, read at start-up

    @property
    def enabled(self) -> bool:
        return bool(self._settings.endpoints)

    def register(self) -> None:
        """Records each endpoint as configured from now on (at start-up): it is owed the
        events recorded since, not the history before it."""
        for config in self._settings.endpoints:
            self._endpoint(config)

    def _endpoint(self, config: WebhookEndpointPolicy) -> WebhookEndpoint:
        secret = self._secrets[config.name]
        return self._store.endpoint(config.name, fingerprint(config.url, secret), self._clock())

    def tick(self) -> Delivered:
        """Plans and sends: the periodic job of every replica."""
        done = Delivered()
        for config in self._settings.endpoints:
            try:
                endpoint = self._endpoint(config)
                if endpoint.disabled_at is not None:
                    continue
                done.planned += self._plan(config, endpoint)
                self._send(config, endpoint, done)
            except Exception:  # one endpoint's failure must not hold the others back
                log.exception("outgoing webhook %s: the tick failed", config.name)
        return done

    def _plan(self, config: WebhookEndpointPolicy, endpoint: WebhookEndpoint) -> int:
        """Creates a delivery for every subscribed event since the endpoint's mark; those
        created before (by this replica or another) are not created again."""
        assert endpoint.id is not None
        now = self._clock()
        since = max(endpoint.since, endpoint.planned_until - LATE_COMMITS)
        found = self._store.events(since, EVENT_KINDS)
        known = self._store.known(endpoint.id, [e.id for e, _ in found if e.id is not None])
        rows = []
        for entry, incident in found:
            event = event_of(entry, config.events)
            if event is None or entry.id in known:
                continue
            if incident.private and not config.include_private:
                continue
            delivery_id = str(uuid.uuid4())
            rows.append(
                {
                    "endpoint_id": endpoint.id,
                    "entry_id": entry.id,
                    "incident_id": incident.id,
                    "delivery_id": delivery_id,
                    "event": event.value,
                    "payload": payload(event, delivery_id, entry, incident),
                    "created_at": now,
                    "due_at": now,
                    "attempts": 0,
                    "last_error": "",
                }
            )
        return self._store.add(endpoint.id, rows, now)

    def _send(
        self, config: WebhookEndpointPolicy, endpoint: WebhookEndpoint, done: Delivered
    ) -> None:
        """Sends the endpoint's due deliveries, in order, until one fails (the endpoint
        then backs off as a whole: a receiver that is down is not hammered)."""
        assert endpoint.id is not None
        lease = timedelta(seconds=self._settings.timeout_seconds) + timedelta(minutes=1)
        while True:
            token = uuid.uuid4().hex
            now = self._clock()
            batch = self._store.claim(endpoint.id, now, now + lease * BATCH, BATCH, token)
            for n, delivery in enumerate(batch):
                if not self._deliver(config, endpoint, delivery, token, lease, done):
                    for rest in batch[n + 1 :]:
                        assert rest.id is not None
                        self._store.release(rest.id, token)
                    return
            if len(batch) < BATCH:
                return

    def _deliver(
        self,
        config: WebhookEndpointPolicy,
        endpoint: WebhookEndpoint,
        delivery: WebhookDelivery,
        token: str,
        lease: timedelta,
        done: Delivered,
    ) -> bool:
        """One attempt; False when it failed (or the lease was lost)."""
        assert delivery.id is not None and endpoint.id is not None
        if not self._store.renew(delivery.id, token, self._clock() + lease):
            return False
        body = body_of(delivery.payload)
        timestamp = int(self._clock().timestamp())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Sitrep-Webhooks/1",
            "X-Sitrep-Event": delivery.event,
            "X-Sitrep-Delivery": delivery.delivery_id,
            "X-Sitrep-Signature": signature(self._secrets[config.name], timestamp, body),
        }
        try:
            status = self._sender.post(config.url, headers, body)
            error = "" if 200 <= status < 300 else f"answered HTTP {status}"
        except WebhookUnreachable as unreachable:
            status, error = 0, str(unreachable) or "no answer"
        if not error:
            if self._store.delivered(delivery.id, token, self._clock(), status):
                done.sent += 1
            return True
        done.failed += 1
        log.warning("outgoing webhook %s: %s %s", config.name, delivery.delivery_id, error)
        self._failed(config, endpoint, delivery, token, error, done)
        return False

    def _failed(
        self,
        config: WebhookEndpointPolicy,
        endpoint: WebhookEndpoint,
        delivery: WebhookDelivery,
        token: str,
        error: str,
        done: Delivered,
    ) -> None:
        """Backs off (the delivery and the endpoint); disables the endpoint after
        `disable_after` failures in a row, telling the admins."""
        assert delivery.id is not None and endpoint.id is not None
        now, limit = self._clock(), self._settings.disable_after
        give_up = delivery.attempts >= limit  # this one fails while others go through
        retry_at = None if give_up else now + self._settings.backoff(delivery.attempts)
        failures = self._store.failed(delivery.id, token, now, error, retry_at)
        if failures is None:
            return
        if failures < limit:
            self._store.pause(endpoint.id, now + self._settings.backoff(failures))
            return
        if self._store.disable(endpoint.id, now, self._disabled_notice(config, endpoint, error)):
            log.error("outgoing webhook %s disabled after %d failures", config.name, failures)
            done.disabled.append(config.name)

    def _disabled_notice(
        self, config: WebhookEndpointPolicy, endpoint: WebhookEndpoint, error: str
    ) -> Notice | None:
        channel = self._settings.notice_channel or self._policy.announcements_channel
        if channel is None:
            log.error("outgoing webhook %s disabled, and no channel to say so", config.name)
            return None
        now = self._clock()
        return Notice(
            key=f"webhook_disabled:{endpoint.id}:{now.isoformat()}",
            kind=NoticeKind.WEBHOOK_DISABLED,
            incident_id=None,
            target=channel,
            due_at=now,
            data={
                "endpoint": config.name,
                "url": config.url,
                "failures": self._settings.disable_after,
                "error": error[:300],
            },
        )
