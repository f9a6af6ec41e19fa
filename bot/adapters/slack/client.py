"""The Slack Web API client every part of Sitrep uses."""

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)

log = logging.getLogger(__name__)

# Errors that mean "it is already as you want it".
BENIGN: frozenset[str] = frozenset(
    {
        "already_in_channel",
        "cant_invite_self",
        "already_pinned",
        "method_not_supported_for_channel_type",
    }
)

_PLAIN_WORDS = {
    "not_in_channel": "I'm not a member of that channel; invite me with `/invite @sitrep`.",
    "channel_not_found": "I can't see that channel; invite me to it first.",
    "is_archived": "the channel is archived.",
    "restricted_action": "the workspace doesn't let me do that (check the app's permissions).",
    "missing_scope": "the app is missing a permission; reinstall it from the manifest.",
    "invalid_auth": "Slack rejected my token; check SLACK_BOT_TOKEN.",
    "account_inactive": "Slack rejected my token; check SLACK_BOT_TOKEN.",
    "ratelimited": "Slack is rate-limiting me; I'll catch up shortly.",
    "user_not_found": "I can't find that person.",
}


def make_client(token: str, base_url: str) -> WebClient:
    """A client that honours 429 Retry-After and retries dropped connections."""
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=15,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2),
            RateLimitErrorRetryHandler(max_retry_count=3),
        ],
    )


def error_code(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error"))


def in_plain_words(error: SlackApiError) -> str:
    code = error_code(error)
    return _PLAIN_WORDS.get(code, f"Slack said `{code}`.")
