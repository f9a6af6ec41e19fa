"""The Slack Web API client every part of Sitrep uses."""

import logging
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryState
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


# Calls that do the same thing when sent twice. A dropped connection may have dropped only
# Slack's answer, so anything else (creating a channel, posting) is never re-sent blindly.
_IDEMPOTENT = frozenset(
    {
        "auth.test",
        "chat.update",
        "conversations.info",
        "conversations.invite",
        "conversations.join",
        "conversations.members",
        "conversations.setTopic",
        "pins.add",
        "users.info",
        "views.publish",
        "views.update",
    }
)


class IdempotentConnectionRetry(ConnectionErrorRetryHandler):
    """Retries a dropped connection only for calls that are safe to repeat."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        method = request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
        return method in _IDEMPOTENT and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


def make_client(token: str, base_url: str, *, wait_out_rate_limits: bool = True) -> WebClient:
    """A client that honours 429 Retry-After (Slack did nothing, so any call may be re-sent)
    and retries dropped connections for idempotent calls. Without `wait_out_rate_limits` a
    429 is raised at once, for callers that hold a lease and must not sleep through it."""
    handlers: list[Any] = [IdempotentConnectionRetry(max_retry_count=2)]
    if wait_out_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=15,
        retry_handlers=handlers,
    )


def error_code(error: SlackApiError) -> str:
    return str(error.response.get("error", "unknown_error"))


def in_plain_words(error: SlackApiError) -> str:
    code = error_code(error)
    return _PLAIN_WORDS.get(code, f"Slack said `{code}`.")
