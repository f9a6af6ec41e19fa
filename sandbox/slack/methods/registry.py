"""The method registry, and the argument checks and paging that several methods share."""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..blockkit import BlockKitValidator, slack_files
from ..decoding import Args, SlackError, invalid_arguments
from ..identities import BOT_TOKEN, JSON, MAX_MESSAGE_CHARS, T
from ..records import Message
from ..workspace import Workspace

Handler = Callable[[Workspace, Args], JSON]


@dataclass(frozen=True)
class _Method:
    handler: Handler
    token: str  # the kind of token the method takes


METHODS: dict[str, _Method] = {}


def api(name: str, *, token: str = BOT_TOKEN) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        METHODS[name] = _Method(handler, token)
        return handler

    return register


def check_message_content(
    args: Args, *, require_content: bool = True
) -> tuple[str | None, list[JSON] | None]:
    """Shared rules for message text and blocks; returns (text, blocks) as given."""
    text, blocks = args.text("text"), args.get("blocks")
    markdown = args.text("markdown_text")
    if markdown is not None:
        if text is not None or blocks is not None:
            raise SlackError("markdown_text_conflict")
        text = markdown
    if blocks is not None:
        if not isinstance(blocks, list):
            raise SlackError("invalid_blocks_format")
        problems = BlockKitValidator().message(blocks)
        if problems:
            messages = [f"[ERROR] {p}" for p in problems]
            raise SlackError(
                "invalid_blocks", errors=problems, response_metadata={"messages": messages}
            )
    if require_content and not text and not blocks and not args.has("attachments"):
        raise SlackError("no_text")
    if text is not None and len(text) > MAX_MESSAGE_CHARS:
        raise SlackError("msg_too_long")
    return text, blocks


def check_image_files(ws: Workspace, blocks: list[JSON] | None) -> None:
    """Image blocks may show only uploaded images the app can read: a file whose upload
    finished and whose name is a png, jpg, jpeg or gif."""
    for file_id in slack_files(blocks):
        upload = ws.files.get(file_id)
        usable = (
            upload is not None
            and upload.completed
            and upload.processed
            and upload.name.lower().endswith((".png", ".jpg", ".jpeg", ".gif"))
        )
        if not usable:
            problem = f"invalid slack_file {file_id}"
            raise SlackError(
                "invalid_blocks", errors=[problem], response_metadata={"messages": [problem]}
            )


def check_metadata(args: Args) -> JSON | None:
    metadata = args.get("metadata")
    if metadata is None:
        return None
    # Slack's metadata schema requires both keys; the payload must be an object.
    if not isinstance(metadata, dict) or not isinstance(metadata.get("event_type"), str):
        raise SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_payload"), dict):
        raise SlackError("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def check_view(view: Any, expected_type: str) -> JSON:
    if not isinstance(view, dict):
        raise invalid_arguments("missing required field: view")
    if view.get("type") != expected_type:
        raise invalid_arguments("must be a valid enum value [json-pointer:/view/type]")
    problems = BlockKitValidator().view(view)
    if problems:
        raise invalid_arguments(*problems)
    return view


def ts_key(ts: str, error: str) -> tuple[int, int]:
    try:
        seconds, _, micros = ts.partition(".")
        return int(seconds), int(micros.ljust(6, "0")[:6] or 0)
    except ValueError:
        raise SlackError(error) from None


def page(
    items: list[T], key: Callable[[T], str], args: Args, prefix: str, limits: tuple[int, int]
) -> tuple[list[T], str]:
    """Slack's cursor pagination; cursors are base64 of `<prefix>:<key of the next item>`."""
    default_limit, max_limit = limits
    limit = min(args.number("limit", default_limit) or default_limit, max_limit)
    start = 0
    if cursor := args.text("cursor"):
        try:
            kind, _, value = base64.b64decode(cursor, validate=True).decode().partition(":")
            start = next(i for i, item in enumerate(items) if kind == prefix and key(item) == value)
        except (ValueError, StopIteration):
            raise SlackError("invalid_cursor") from None
    end = start + limit
    next_cursor = (
        base64.b64encode(f"{prefix}:{key(items[end])}".encode()).decode()
        if end < len(items)
        else ""
    )
    return items[start:end], next_cursor


def window(messages: list[Message], args: Args) -> list[Message]:
    """Filter by `oldest` / `latest` / `inclusive`, as history and replies do."""
    oldest = ts_key(args.text("oldest") or "0", "invalid_ts_oldest")
    latest = ts_key(args.text("latest") or "9999999999.999999", "invalid_ts_latest")
    inclusive = args.flag("inclusive")

    def inside(message: Message) -> bool:
        key = ts_key(message.ts, "invalid_ts_latest")
        if inclusive:
            return oldest <= key <= latest
        return oldest < key < latest

    return [m for m in messages if inside(m)]
