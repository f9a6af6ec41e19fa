"""Starting the sandbox: the fake Slack workspace (loaded from disk), the settings and policy
that point the bot at it, and the web page in front of the bot. The composition root
(app.py) builds the bot in between, as for Slack."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import Policy
from bot.settings import Settings

from .delivery import Delivery
from .slack.identities import BOT_TOKEN
from .slack.server import FakeSlack
from .state import Saver
from .web import SandboxWeb, Wsgi

DATABASE_URL = "sqlite:///sandbox.db"
ANNOUNCEMENTS = "C_INCIDENTS"


class Sandbox:
    """The local Slack the bot runs against, and its page at `/sandbox`."""

    def __init__(self, state_file: Path) -> None:
        self.slack = FakeSlack()
        self.saver = Saver(self.slack, state_file)
        self.secret = secrets.token_hex(16)
        self.delivery: Delivery | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> Sandbox:
        """Beside the bot's SQLite file (in the working directory for another database)."""
        url = database_url(settings)
        folder = (
            Path(url.removeprefix("sqlite:///")).parent if url.startswith("sqlite:///") else Path()
        )
        return cls(folder / "sandbox-slack.json")

    def start(self) -> Sandbox:
        self.slack.start()
        self.saver.load()
        self.saver.start()
        return self

    def settings(self, settings: Settings) -> Settings:
        """The deployment's settings pointed at the sandbox: its token, a fresh signing secret,
        its API, loopback (unless HOST is set) and the sandbox's own SQLite database (unless
        DATABASE_URL is set)."""
        changes: dict[str, Any] = {
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(self.secret),
            "slack_app_token": None,
            "slack_api_url": self.slack.api_url,
            "database_url": database_url(settings),
        }
        if "host" not in settings.model_fields_set:
            changes["host"] = "127.0.0.1"
        return settings.model_copy(update=changes)

    @staticmethod
    def policy(policy: Policy) -> Policy:
        """The organisation's policy, announcing in the sandbox's #incidents."""
        return policy.model_copy(update={"announcements_channel": ANNOUNCEMENTS})

    def wsgi(self, bot: Wsgi, demo: Callable[[], int] | None = None) -> SandboxWeb:
        """The page in front of the bot (with `demo`, its button loading the demo data);
        `listening` says where the bot's server is."""
        self.delivery = Delivery(self.slack, "", self.secret)
        return SandboxWeb(bot, self.slack, self.delivery, demo)

    def listening(self, port: int) -> str:
        """Points deliveries at the server on `port`; returns the page's address."""
        assert self.delivery is not None
        self.delivery.url = f"http://127.0.0.1:{port}/slack/events"
        return f"http://localhost:{port}/sandbox"

    def stop(self) -> None:
        self.saver.stop()
        self.slack.stop()


def database_url(settings: Settings) -> str:
    return settings.database_url if "database_url" in settings.model_fields_set else DATABASE_URL
