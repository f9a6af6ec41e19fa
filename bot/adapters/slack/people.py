"""What Slack knows of a person (users.info): their timezone and a name to show, cached
for an hour, as on-call commands and calendar feeds ask often and people rarely move."""

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.client import error_code

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Person:
    timezone: str | None
    name: str
    fetched: float


class SlackPeople:
    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client, self._ttl, self._clock = client, ttl, clock
        self._known: dict[str, _Person] = {}
        self._lock = threading.Lock()

    def timezone(self, user: str) -> str | None:
        return self._person(user).timezone

    def name(self, user: str) -> str:
        return self._person(user).name

    def _person(self, user: str) -> _Person:
        with self._lock:
            known = self._known.get(user)
        if known is not None and self._clock() - known.fetched < self._ttl:
            return known
        try:
            found = self._client.users_info(user=user)["user"]
        except SlackApiError as error:
            # Not cached: the next ask tries again. A stale answer beats none.
            log.warning("users.info for %s failed: %s", user, error_code(error))
            return known or _Person(None, user, 0.0)
        profile = found.get("profile") or {}
        person = _Person(
            found.get("tz") or None,
            profile.get("display_name") or found.get("real_name") or user,
            self._clock(),
        )
        with self._lock:
            self._known[user] = person
        return person
