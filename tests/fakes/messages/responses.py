"""What the fake sends back: Anthropic-shaped errors, and the message an outcome makes, shaped by
what the request asked for (structured output, a forced tool)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field

from .outcomes import Failure, Json, Reply, Text
from .schema import example_for


@dataclass
class _Response:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


def _error(status: int, kind: str, message: str) -> _Response:
    return _Response(status, {"type": "error", "error": {"type": kind, "message": message}})


def _answer(body: Json, outcome: Reply | Text | Failure, size: int) -> _Response:
    """The response for `outcome`, shaped by what `body` asked for (a schema, a forced tool)."""
    if isinstance(outcome, Failure):
        failure = _error(outcome.status, outcome.kind, outcome.message)
        if outcome.retry_after is not None:
            failure.headers["retry-after"] = f"{outcome.retry_after:g}"
        return failure
    fmt = (body.get("output_config") or {}).get("format")
    choice, tools = body.get("tool_choice") or {}, body.get("tools") or []
    forced = choice.get("name") if choice.get("type") == "tool" else None
    tool = next((t for t in tools if t["name"] == forced or choice.get("type") == "any"), None)
    content: list[Json]
    stop = "end_turn"
    if isinstance(outcome, Text):
        content, stop = [{"type": "text", "text": outcome.text}], outcome.stop_reason
    elif fmt is not None:
        data = example_for(fmt["schema"]) if outcome.data is None else outcome.data
        content = [{"type": "text", "text": json.dumps(data)}]
    elif tool is not None:
        data = example_for(tool.get("input_schema", {})) if outcome.data is None else outcome.data
        content = [{"type": "tool_use", "id": _id("toolu_"), "name": tool["name"], "input": data}]
        stop = "tool_use"
    else:
        text = "OK" if outcome.data is None else json.dumps(outcome.data)
        content = [{"type": "text", "text": text}]
    usage = {"input_tokens": size // 4, "output_tokens": max(len(json.dumps(content)) // 4, 1)}
    message = {"id": _id("msg_"), "type": "message", "role": "assistant", "model": body["model"]}
    message |= {"content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}
    return _Response(200, message)


def _id(prefix: str) -> str:
    return f"{prefix}01{uuid.uuid4().hex[:22]}"
