"""Fixtures shared by every layer of tests."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from slack_sdk import WebClient
from sqlalchemy.engine import Engine

from bot.adapters.db.engine import make_engine, migrate
from tests.databases import DIALECTS, fresh_database
from tests.fakes.slack_api import BOT_TOKEN, FakeSlack


@pytest.fixture(params=DIALECTS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Every storage test runs once on SQLite and once on PostgreSQL."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A fake Slack workspace (the end-to-end tests' own runs on their clock)."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    """A real WebClient pointed at the fake Slack, as the bot."""
    return WebClient(token=BOT_TOKEN, base_url=slack.api_url)
