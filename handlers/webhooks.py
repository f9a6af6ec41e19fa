"""`POST /webhooks/<source>`: monitoring alerts in. Authenticate, bound, parse, hand to the
alert service, answer at once; Slack work (the channel, posts) runs after the answer.

Every refusal is a 4xx with a reason and changes nothing; a failure to store is a 503 the
sender retries (Alertmanager, Grafana, Datadog and PagerDuty all retry on 5xx)."""

import hashlib
import hmac
import logging
import os
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import parse_qs

from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.alerts.events import BadPayload
from bot.alerts.formats import SOURCES, parse
from bot.alerts.service import AlertService, Intake, Outcome
from bot.audit import Surface, set_surface
from bot.config import Policy
from bot.errors import ConfigError
from handlers.alerts import show_decision
from handlers.deps import Deps, draft_if_due
from handlers.http import StartResponse, json_reply

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Secrets:
    """How one source proves who it is: a shared token, a signing secret, or both."""

    token: str | None
    signing_secret: str | None


def secrets_of(policy: Policy, environ: Mapping[str, str] = os.environ) -> dict[str, Secrets]:
    """Each configured source's secrets, read from the policy or the environment; an
    environment variable the policy names but nobody set stops start-up."""

    def read(value: str | None, env: str | None, where: str) -> str | None:
        if env is None:
            return value
        found = environ.get(env, "").strip()
        if not found:
            raise ConfigError(f"{env} is not set: the policy's {where} names it.")
        return found

    found: dict[str, Secrets] = {}
    for name, source in policy.alerts.sources.items():
        where = f"alerts.sources.{name}"
        found[name] = Secrets(
            read(source.token, source.token_env, f"{where}.token_env"),
            read(source.signing_secret, source.signing_secret_env, f"{where}.signing_secret_env"),
        )
    return found


class RateLimit:
    """At most `per_minute` deliveries in any 60 seconds, counted in this process."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit, self._clock = per_minute, clock
        self._seen: deque[float] = deque()
        self._lock = threading.Lock()

    def wait_for(self) -> int:
        """0 when a delivery may go ahead now (and counts it); else seconds to wait."""
        with self._lock:
            now = self._clock()
            while self._seen and self._seen[0] <= now - 60:
                self._seen.popleft()
            if len(self._seen) >= self._limit:
                return max(1, int(self._seen[0] + 60 - now) + 1)
            self._seen.append(now)
            return 0


class Webhooks:
    def __init__(
        self, deps: Deps, alerts: AlertService, secrets: dict[str, Secrets], client: WebClient
    ) -> None:
        self._deps, self._alerts, self._secrets, self._client = deps, alerts, secrets, client
        configured = deps.policy.alerts.sources.items()
        self._limits: dict[str, RateLimit] = {
            name: RateLimit(s.rate_per_minute) for name, s in configured
        }
        self._max_body = deps.policy.alerts.max_body_kb * 1024

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, source: str
    ) -> Iterable[bytes]:
        set_surface(Surface.ALERT)  # this request's thread, and the work it hands on
        status, body, headers = self._answer(environ, source)
        return json_reply(start_response, status, body, headers)

    def _answer(
        self, environ: dict[str, Any], source: str
    ) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        if source not in SOURCES:
            return _refused(404, "unknown_source", f"Sources are: {', '.join(SOURCES)}.")
        secrets = self._secrets.get(source)
        if secrets is None:
            reason = f"The {source} webhook is not enabled (policy: alerts.sources.{source})."
            return _refused(404, "not_enabled", reason)
        if environ.get("REQUEST_METHOD") != "POST":
            return _refused(405, "method_not_allowed", "Send alerts with POST.")
        body = _read(environ, self._max_body)
        if body is None:
            return _refused(413, "payload_too_large", f"The limit is {self._max_body} bytes.")
        if not _authentic(environ, body, secrets):
            return _refused(401, "unauthorized", "Wrong or missing token or signature.")
        wait = self._limits[source].wait_for()
        if wait:
            too_many = _refused(429, "rate_limited", f"Too many alerts; retry in {wait} s.")
            return too_many[0], too_many[1], [("Retry-After", str(wait))]
        media = environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()
        if media and media != "application/json" and not media.endswith("+json"):
            return _refused(415, "unsupported_media_type", "Send application/json.")
        try:
            intake = self._alerts.receive(parse(source, body))
        except BadPayload as error:
            return _refused(400, "malformed_body", str(error))
        except SQLAlchemyError:
            log.exception("alert from %s not stored", source)
            return _refused(503, "unavailable", "Could not store the alert; retry.")
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("alert from %s failed (error %s)", source, error_id)
            return _refused(503, "unavailable", f"Something went wrong (error {error_id}).")
        try:
            self._after(intake)
        except Exception:  # stored and answered; recovery shows it if this failed
            log.exception("the Slack work after an alert from %s was not started", source)
        return 202, intake.reply(), []

    def _after(self, intake: Intake) -> None:
        """The Slack work an intake leaves: open the room or post the changes, send a new
        triage post (through the outbox), redraw one whose alerts resolved."""
        deps, triage = self._deps, intake.triage
        if triage is not None and intake.triage_changed:
            if intake.outcome is Outcome.TRIAGED:
                deps.after_ack.run(deps.schedule.tick, "sending alert triage")
            else:
                show = partial(show_decision, self._client, self._alerts, triage, None)
                deps.after_ack.run(show, "showing a resolved alert in triage")
        incident = intake.incident
        if incident is None or incident.id is None:
            return
        incident_id = incident.id

        def show_incident() -> None:
            # A room someone else is opening, or has opened, only needs the new posts.
            if incident.channel_id is not None or deps.rooms.open_room(incident_id) is None:
                deps.rooms.refresh(incident_id)
            if intake.all_resolved:
                draft_if_due(deps, incident_id, "")

        deps.after_ack.run(show_incident, f"showing alerts in {incident.ref}")


def _read(environ: dict[str, Any], limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (read no further than that)."""
    try:
        declared = int(environ.get("CONTENT_LENGTH") or -1)
    except ValueError:
        declared = -1
    if declared > limit:
        return None
    stream = environ["wsgi.input"]
    raw: bytes = stream.read(declared if declared >= 0 else limit + 1)
    return None if len(raw) > limit else raw


def _authentic(environ: dict[str, Any], body: bytes, secrets: Secrets) -> bool:
    """Every secret the source has must check out: its token, and its signature."""
    if secrets.token:
        given = environ.get("HTTP_AUTHORIZATION", "")
        bearer = given[7:].strip() if given[:7].lower() == "bearer " else ""
        query = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
        expected = secrets.token.encode()
        if not any(hmac.compare_digest(t.encode(), expected) for t in (bearer, query) if t):
            return False
    if secrets.signing_secret:
        digest = hmac.new(secrets.signing_secret.encode(), body, hashlib.sha256).hexdigest()
        # PagerDuty sends one v1= signature per active secret, comma-separated.
        signatures = environ.get("HTTP_X_PAGERDUTY_SIGNATURE", "").split(",")
        return any(hmac.compare_digest(s.strip().removeprefix("v1="), digest) for s in signatures)
    return True


def _refused(status: int, code: str, reason: str) -> tuple[int, dict[str, Any], list[Any]]:
    return status, {"ok": False, "error": code, "reason": reason}, []
