"""Errors and arguments: Slack's error responses, and a request decoded into a call's arguments."""

from __future__ import annotations

import contextlib
import json
from typing import Any, Final
from urllib.parse import parse_qsl

from .identities import JSON
from .records import _truthy


class SlackError(Exception):
    """A Slack error response: `{"ok": false, "error": ..., **extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    @property
    def body(self) -> JSON:
        return {"ok": False, "error": self.error, **self.extra}


def invalid_arguments(*messages: str) -> SlackError:
    return SlackError(
        "invalid_arguments", response_metadata={"messages": [f"[ERROR] {m}" for m in messages]}
    )


# Parameters whose values are JSON, sent by slack_sdk as JSON strings inside form fields (and
# accepted by Slack as strings inside JSON bodies too).
_JSON_PARAMS: Final = frozenset(
    {
        "attachments",
        "blocks",
        "changes",
        "channel_ids",
        "criteria",
        "document_content",
        "files",
        "metadata",
        "user_ids",
        "view",
    }
)


def decode_args(query: str, content_type: str, body: bytes) -> JSON:
    """Merge query string and body (form or JSON) into one dict, JSON-in-form values decoded."""
    args: JSON = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            raise SlackError("invalid_json") from None
        if not isinstance(decoded, dict):
            raise SlackError("invalid_json")
        args |= decoded
    elif body:
        args |= dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in _JSON_PARAMS & args.keys():
        if isinstance(args[key], str):
            # Undecodable values stay strings; each method reports its own format error.
            with contextlib.suppress(ValueError):
                args[key] = json.loads(args[key])
    return args


class Args:
    """Typed access to a call's arguments, with Slack's coercions (form values are strings)."""

    def __init__(self, values: JSON) -> None:
        self.values = values

    def has(self, name: str) -> bool:
        return self.values.get(name) is not None

    def get(self, name: str) -> Any:
        return self.values.get(name)

    def text(self, name: str) -> str | None:
        value = self.values.get(name)
        return None if value is None else str(value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise invalid_arguments(f"missing required field: {name}")
        return value

    def flag(self, name: str) -> bool:
        return _truthy(self.values.get(name))

    def number(self, name: str, default: int) -> int:
        value = self.values.get(name)
        if value in (None, ""):
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise invalid_arguments(f"must be an integer [json-pointer:/{name}]") from None
