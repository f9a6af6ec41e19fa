"""The Slack Web API client every part of Sitrep uses."""

import json
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import HttpRequest, HttpResponse, RetryHandler, RetryState
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
        return _method(request) in _IDEMPOTENT and super()._can_retry(
            state=state, request=request, response=response, error=error
        )


class ErrorObserver(RetryHandler):
    """Retries nothing: it sees every attempt's outcome (the client asks its retry handlers
    about each one, successful or not) and reports the failures as (method, error)."""

    def __init__(self, report: Callable[[str, str], None]) -> None:
        super().__init__()
        self._report = report

    def __deepcopy__(self, memo: dict[int, Any]) -> "ErrorObserver":
        # Bolt deep-copies a request's context (with its client) for lazy listeners; the
        # copy reports to the same place.
        return self

    def can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        failure = _failure(response, error)
        if failure is not None:
            try:
                self._report(_method(request), failure)
            except Exception:  # counting must never break a call
                log.exception("could not count a Slack API error")
        return False


def _failure(response: HttpResponse | None, error: Exception | None) -> str | None:
    """Slack's error code for a failed attempt, `http_<status>` or the exception's name;
    None for a success."""
    if response is None:
        return type(error).__name__ if error is not None else None
    body = response.body
    if not body and response.data:
        try:
            body = json.loads(response.data)
        except (ValueError, UnicodeDecodeError):
            body = {}
    if isinstance(body, dict) and body.get("ok") is False:
        return str(body.get("error") or "unknown_error")
    return f"http_{response.status_code}" if response.status_code >= 400 else None


def _method(request: HttpRequest) -> str:
    return request.url.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]


def make_client(
    token: str,
    base_url: str,
    *,
    wait_out_rate_limits: bool = True,
    on_error: Callable[[str, str], None] | None = None,
    timeout: int = 15,
) -> WebClient:
    """A client that honours 429 Retry-After (Slack did nothing, so any call may be re-sent)
    and retries dropped connections for idempotent calls. Without `wait_out_rate_limits` a
    429 is raised at once, for callers that hold a lease and must not sleep through it.
    `on_error(method, error)` hears of every failed attempt (Bolt's per-request copies of
    the client keep it too)."""
    handlers: list[Any] = [] if on_error is None else [ErrorObserver(on_error)]
    handlers.append(IdempotentConnectionRetry(max_retry_count=2))
    if wait_out_rate_limits:
        handlers.append(RateLimitErrorRetryHandler(max_retry_count=3))
    return WebClient(
        token=token,
        base_url=base_url if base_url.endswith("/") else base_url + "/",
        timeout=timeout,
        retry_handlers=handlers,
    )


def error_code(error: SlackApiError) -> str:
    """Slack's error code; `http_<status>` for a server error, whose body (an HTML page from
    Slack's edge, say) names none."""
    status = getattr(error.response, "status_code", 200)
    if isinstance(status, int) and status >= 500:
        return f"http_{status}"
    return str(error.response.get("error", "unknown_error"))


def find_message_with_metadata(
    client: WebClient,
    channel: str,
    metadata: Mapping[str, Any],
    *,
    since: datetime,
    thread_ts: str | None = None,
) -> str | None:
    """The ts of a message posted in `channel` since `since` that carries `metadata` (its
    event type and its payload's items), or None: how a post whose answer was lost (a crash,
    a timeout) is found rather than posted twice. Reads every page of the channel's history,
    or with `thread_ts` of that thread's replies, which the history leaves out. Slack's errors
    are raised: only the caller knows which it can live with."""
    read: Callable[..., Any] = client.conversations_history
    where: dict[str, Any] = {"channel": channel, "oldest": f"{since.timestamp():.6f}"}
    if thread_ts is not None:
        read, where["ts"] = client.conversations_replies, thread_ts
    payload = metadata["event_payload"]
    cursor: str | None = None
    while True:
        page = read(**where, include_all_metadata=True, limit=200, cursor=cursor)
        for posted in page.get("messages", []):
            carried = posted.get("metadata") or {}
            carried_payload = carried.get("event_payload") or {}
            if carried.get("event_type") == metadata["event_type"] and all(
                carried_payload.get(key) == value for key, value in payload.items()
            ):
                return str(posted["ts"])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return None


UNANSWERED = "Slack isn't answering right now; I'll finish this when it's back."


def in_plain_words(error: SlackApiError) -> str:
    code = error_code(error)
    if code.startswith("http_5"):
        return UNANSWERED
    return _PLAIN_WORDS.get(code, f"Slack said `{code}`.")
