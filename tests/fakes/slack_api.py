"""Where tests import the fake Slack from: `FakeSlack`, the workspace's identities and limits, the
records tests read back and the helpers they build with, re-exported from the `sandbox.slack`
package (its docstring describes the fake): the sandbox runs the same implementation.

    with FakeSlack() as slack:
        client = WebClient(token=BOT_TOKEN, base_url=slack.api_url)
        ...
"""

from sandbox.slack.blockkit import BlockKitValidator
from sandbox.slack.canvas import CANVAS_MAX_CHARS
from sandbox.slack.decoding import SlackError
from sandbox.slack.identities import (
    APP_ID,
    APP_TOKEN,
    BOT_ID,
    BOT_PROFILE,
    BOT_TOKEN,
    BOT_USER_ID,
    JSON,
    MAX_CHANNEL_NAME,
    MAX_MESSAGE_CHARS,
    MAX_MODAL_STACK,
    MAX_TOPIC_CHARS,
    SLACK_URL,
    TEAM_DOMAIN,
    TEAM_ID,
    TEAM_NAME,
)
from sandbox.slack.records import (
    Bookmark,
    Call,
    Canvas,
    Channel,
    ChannelText,
    Ephemeral,
    Message,
    ResponsePost,
    Revision,
    Section,
    UploadedFile,
    User,
    View,
)
from sandbox.slack.server import FakeSlack
from sandbox.slack.workspace import rich_text, with_block_ids

__all__ = [
    "APP_ID",
    "APP_TOKEN",
    "BOT_ID",
    "BOT_PROFILE",
    "BOT_TOKEN",
    "BOT_USER_ID",
    "CANVAS_MAX_CHARS",
    "JSON",
    "MAX_CHANNEL_NAME",
    "MAX_MESSAGE_CHARS",
    "MAX_MODAL_STACK",
    "MAX_TOPIC_CHARS",
    "SLACK_URL",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "TEAM_NAME",
    "BlockKitValidator",
    "Bookmark",
    "Call",
    "Canvas",
    "Channel",
    "ChannelText",
    "Ephemeral",
    "FakeSlack",
    "Message",
    "ResponsePost",
    "Revision",
    "Section",
    "SlackError",
    "UploadedFile",
    "User",
    "View",
    "rich_text",
    "with_block_ids",
]
