"""`GET /oncall/<schedule>.ics` and `GET /oncall/<schedule>/<user>.ics`: on-call shifts as
calendar feeds, for the token in the policy. Every refusal is a 4xx; never a 500."""

import hmac
import logging
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, Final
from urllib.parse import parse_qs

from bot.config import Policy
from bot.errors import ConfigError, UnknownSchedule
from bot.oncall.ical import calendar
from bot.oncall.service import OncallService
from handlers.http import StartResponse, json_reply

log = logging.getLogger(__name__)

_PATH: Final = re.compile(r"^([a-z0-9][a-z0-9_-]{0,39})(?:/([UW][A-Za-z0-9_]{1,31}))?\.ics$")


def feed_token(policy: Policy, environ: Mapping[str, str] = os.environ) -> str | None:
    """The feeds' token from the policy or the environment; None: no feeds. A variable the
    policy names but nobody set stops start-up."""
    settings = policy.oncall
    if settings.feed_token_env is None:
        return settings.feed_token
    found = environ.get(settings.feed_token_env, "").strip()
    if len(found) < 16:
        raise ConfigError(
            f"{settings.feed_token_env} must hold a token of 16+ characters: the policy's "
            "oncall.feed_token_env names it."
        )
    return found


class Feeds:
    def __init__(self, oncall: OncallService, token: str | None) -> None:
        self._oncall, self._token = oncall, token

    @property
    def enabled(self) -> bool:
        return self._token is not None and bool(self._oncall.schedules)

    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, path: str
    ) -> Iterable[bytes]:
        if self._token is None:
            reason = "Calendar feeds are off: set oncall.feed_token_env in the policy."
            return _refused(start_response, 404, "not_enabled", reason)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return _refused(start_response, 405, "method_not_allowed", "Use GET.")
        if not self._authentic(environ):
            return _refused(start_response, 401, "unauthorized", "Wrong or missing token.")
        found = _PATH.match(path)
        if found is None:
            return _refused(start_response, 404, "not_found", "Ask for /oncall/<schedule>.ics.")
        try:
            body = self._calendar(found[1], found[2])
        except UnknownSchedule:
            return _refused(start_response, 404, "unknown_schedule", "No such schedule.")
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("calendar feed %s failed (error %s)", path, error_id)
            reason = f"Something went wrong (error {error_id}); try again."
            return _refused(start_response, 503, "unavailable", reason)
        name = path.replace("/", "-")
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/calendar; charset=utf-8"),
                ("Content-Length", str(len(body))),
                ("Content-Disposition", f'inline; filename="{name}"'),
                ("Cache-Control", "private, max-age=300"),
            ],
        )
        return [b""] if environ.get("REQUEST_METHOD") == "HEAD" else [body]

    def _calendar(self, schedule_name: str, user: str | None) -> bytes:
        oncall = self._oncall
        schedule = oncall.schedule(schedule_name)
        if schedule.name != schedule_name:
            raise UnknownSchedule(schedule_name, [])  # a service's name is not a feed
        title = f"On call: {schedule.name}"
        if user is not None:
            title = f"On call: {oncall.name_of(user)} ({schedule.name})"
        shifts = oncall.feed(schedule, user)
        return calendar(title, shifts, oncall.name_of, oncall.now())

    def _authentic(self, environ: dict[str, Any]) -> bool:
        assert self._token is not None
        given = environ.get("HTTP_AUTHORIZATION", "")
        bearer = given[7:].strip() if given[:7].lower() == "bearer " else ""
        query = parse_qs(environ.get("QUERY_STRING", "")).get("token", [""])[0]
        expected = self._token.encode()
        return any(hmac.compare_digest(t.encode(), expected) for t in (bearer, query) if t)


def _refused(start_response: StartResponse, status: int, code: str, reason: str) -> Iterable[bytes]:
    return json_reply(start_response, status, {"ok": False, "error": code, "reason": reason})
