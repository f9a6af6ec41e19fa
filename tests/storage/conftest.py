"""What storage tests share: a clock they move, the incident store and services on the
test's database (SQLite or PostgreSQL)."""

import pytest
from sqlalchemy.engine import Engine

from bot.adapters.db.store import SqlIncidentStore
from bot.config import Policy
from bot.incidents import IncidentService
from bot.timeline import TimelineService
from tests.storage.test_incident_store import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()  # 2026-11-22 09:00 UTC


@pytest.fixture
def store(engine: Engine) -> SqlIncidentStore:
    return SqlIncidentStore(engine)


@pytest.fixture
def incidents(store: SqlIncidentStore, clock: Clock) -> IncidentService:
    return IncidentService(store, Policy(), clock)


@pytest.fixture
def timeline(store: SqlIncidentStore, clock: Clock) -> TimelineService:
    return TimelineService(store, clock)
