"""Identities: the test workspace, its bot and app, their tokens; and the limits Slack enforces."""

from __future__ import annotations

from typing import Any, Final, TypeVar

JSON = dict[str, Any]
T = TypeVar("T")

TEAM_ID: Final = "T_TEST"
TEAM_NAME: Final = "Sitrep Test"
TEAM_DOMAIN: Final = "sitrep-test"
BOT_TOKEN: Final = "xoxb-test-token"
APP_TOKEN: Final = "xapp-test-token"
BOT_USER_ID: Final = "U_SITREP"
BOT_ID: Final = "B_SITREP"
APP_ID: Final = "A_SITREP"
SLACK_URL: Final = "https://fake.slack.test"

MAX_MESSAGE_CHARS: Final = 40_000
MAX_TOPIC_CHARS: Final = 250
MAX_CHANNEL_NAME: Final = 80
MAX_MODAL_STACK: Final = 3

BOT_PROFILE: Final[JSON] = {
    "id": BOT_ID,
    "deleted": False,
    "name": "Sitrep",
    "updated": 1_700_000_000,
    "app_id": APP_ID,
    "icons": {"image_36": f"{SLACK_URL}/bot_36.png", "image_48": f"{SLACK_URL}/bot_48.png"},
    "team_id": TEAM_ID,
}
