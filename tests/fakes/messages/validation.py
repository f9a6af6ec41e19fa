"""Request validation: `_validate` refuses (`_Refused`, a 400) a body the real API would refuse,
and lets unknown keys through."""

from __future__ import annotations

import re
from typing import Any

from .responses import _error

_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


class _Refused(Exception):
    """Carries the error answer for a request the real API would refuse."""

    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.response = _error(status, kind, message)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise _Refused(400, "invalid_request_error", message)


def _validate(body: Any) -> None:
    """Raise `_Refused` (400) for a body the real API would refuse; unknown keys are fine."""
    _require(isinstance(body, dict), "request body must be a JSON object")
    model, tokens = body.get("model"), body.get("max_tokens")
    _require(isinstance(model, str) and model != "", "model: a non-empty string is required")
    _require(type(tokens) is int and tokens > 0, f"max_tokens: must be >= 1, got {tokens!r}")
    _validate_messages(body.get("messages"))
    if "system" in body:
        system = body["system"]
        _require(
            isinstance(system, str) or (isinstance(system, list) and all(map(_is_text, system))),
            "system: must be a string or a list of text blocks",
        )
    tools = _validate_tools(body["tools"]) if "tools" in body else []
    if "tool_choice" in body:
        choice = body["tool_choice"]
        kind = choice.get("type") if isinstance(choice, dict) else None
        _require(kind in ("auto", "any", "tool", "none"), f"tool_choice.type: invalid {kind!r}")
        _require(
            kind not in ("any", "tool") or bool(tools), f"tool_choice: {kind!r} requires tools"
        )
        name = choice.get("name")
        _require(kind != "tool" or name in tools, f"tool_choice.name: no tool named {name!r}")
    if "output_config" in body:
        config = body["output_config"]
        _require(isinstance(config, dict), "output_config: must be an object")
        fmt = config.get("format")
        _require(
            fmt is None
            or (_is_dict(fmt, type="json_schema") and isinstance(fmt.get("schema"), dict)),
            'output_config.format: must be {"type": "json_schema", "schema": {...}}',
        )


def _validate_messages(messages: Any) -> None:
    _require(
        isinstance(messages, list) and bool(messages), "messages: at least one message is required"
    )
    previous = None
    for i, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        _require(role in ("user", "assistant"), f"messages.{i}.role: invalid {role!r}")
        _require(i > 0 or role == "user", "messages.0.role: the first message must be 'user'")
        _require(role != previous, f"messages.{i}.role: roles must alternate user/assistant")
        previous = role
        content = message.get("content")
        _require(
            isinstance(content, str)
            or (isinstance(content, list) and content != [] and all(map(_is_block, content))),
            f"messages.{i}.content: must be a string or a non-empty list of typed blocks",
        )


def _validate_tools(tools: Any) -> list[str]:
    _require(isinstance(tools, list), "tools: must be a list")
    names: list[str] = []
    for i, tool in enumerate(tools):
        name = tool.get("name") if isinstance(tool, dict) else None
        valid = isinstance(name, str) and _TOOL_NAME.fullmatch(name) is not None
        _require(valid, f"tools.{i}.name: must match ^[a-zA-Z0-9_-]{{1,64}}$, got {name!r}")
        _require(name not in names, f"tools.{i}.name: {name!r} is not unique")
        names.append(str(name))
        # Server tools (web_search_...) carry a versioned type and no input_schema.
        if tool.get("type", "custom") == "custom":
            schema = tool.get("input_schema")
            _require(_is_dict(schema, type="object"), f"tools.{i}.input_schema: type 'object'")
    return names


def _is_dict(value: Any, **expected: str) -> bool:
    return isinstance(value, dict) and all(value.get(k) == v for k, v in expected.items())


def _is_block(block: Any) -> bool:
    return isinstance(block, dict) and isinstance(block.get("type"), str)


def _is_text(block: Any) -> bool:
    return _is_dict(block, type="text") and isinstance(block.get("text"), str)
