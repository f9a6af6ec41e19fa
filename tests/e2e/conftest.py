"""The running app: Sitrep built by its composition root, served by waitress on loopback,
talking to the fake Slack Web API, on SQLite and on PostgreSQL."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from app import Sitrep, build
from bot.config import Policy
from bot.settings import Settings
from handlers.http import HttpServer
from tests.e2e.harness import SIGNING_SECRET, SlackDriver
from tests.fakes.anthropic_api import FakeAnthropic
from tests.fakes.slack_api import FakeSlack


@dataclass
class Running:
    slack: FakeSlack
    driver: SlackDriver
    sitrep: Sitrep
    url: str

    @property
    def general(self) -> str:
        return self._channel("general")

    @property
    def announcements(self) -> str:
        return self._channel("incidents")

    def _channel(self, name: str) -> str:
        channel = self.slack.channel_by_name(name)
        assert channel is not None, f"the fake workspace has no #{name}"
        return channel.id

    def audited(self, query: str = "7d") -> list[tuple[str | None, str, str, str]]:
        """The audit log for `query` (a range or an incident ref), oldest first, as
        (actor, action, surface, target); read as an admin would."""
        audit = self.sitrep.deps.audit
        admins = self.sitrep.deps.policy.permissions.admins
        found = audit.find(admins[0] if admins else "U_ANYONE", audit.query(query), limit=500)
        return [(e.actor, e.action, e.surface, e.target) for e in reversed(found)]


class FastForward:
    """Wall-clock time a test can move forward, so reminders due in minutes or days can be
    seen in a test that takes seconds. Sitrep and the fake Slack share it."""

    def __init__(self) -> None:
        self._offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    def seconds(self) -> float:
        return self().timestamp()

    def advance(self, **delta: float) -> None:
        self._offset += timedelta(**delta)


@pytest.fixture
def clock() -> FastForward:
    return FastForward()


@pytest.fixture
def slack(clock: FastForward) -> Iterator[FakeSlack]:
    with FakeSlack(clock=clock.seconds) as fake:
        yield fake


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    return Policy(announcements_channel=channel.id)


@pytest.fixture
def claude() -> Iterator[FakeAnthropic]:
    """A loopback Messages API; modules that draft with Claude point Sitrep at it."""
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    """Settings a test module adds (override this fixture), e.g. an Anthropic key."""
    return {}


@pytest.fixture
def running(
    slack: FakeSlack,
    policy: Policy,
    database_url: str,
    extra_settings: dict[str, Any],
    clock: FastForward,
) -> Iterator[Running]:
    settings = Settings(
        slack_bot_token="xoxb-test-token",
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=slack.api_url,
        database_url=database_url,
        sitrep_http_threads=8,
        **extra_settings,
    )
    sitrep = build(settings, policy, clock=clock)
    server = HttpServer(sitrep.wsgi(), "127.0.0.1", 0, threads=8)
    thread = threading.Thread(target=server.serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.port}"
    try:
        yield Running(slack, SlackDriver(url, slack), sitrep, url)
    finally:
        server.stop()
        thread.join(timeout=15)
        sitrep.close()
