"""A loopback fake of the Anthropic Messages API (`POST /v1/messages`) for the real `anthropic` SDK.

It checks auth, validates bodies as the API does, answers from a script of outcomes (`Reply`,
`Text`, `Failure`, `Hang`) and records every request it accepts.

    with FakeAnthropic() as fake:
        client = Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        fake.script(Reply({"summary": "DB failover"}), Failure(529, "overloaded_error"))
"""

from __future__ import annotations

import json
import math
import re
import select
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import MSG_PEEK, socket
from typing import Any, TypeVar

T = TypeVar("T")
Json = dict[str, Any]

API_KEY = "sk-ant-test-key"
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024  # the API's limit for /v1/messages
HANG_CAP_SECONDS = 60.0
_HANG_CHECK_SECONDS = 0.05  # how soon a held request notices that its client has gone
_MAX_EXAMPLE_DEPTH = 8  # deeper than this, examples leave out optional parts (recursion)
_TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_STRING_FORMATS = {
    "date-time": "2024-01-01T00:00:00Z", "date": "2024-01-01", "time": "00:00:00Z",
    "duration": "PT1M", "email": "someone@example.com", "hostname": "example.com",
    "uri": "https://example.com/", "ipv4": "127.0.0.1", "ipv6": "::1",
    "uuid": "00000000-0000-4000-8000-000000000000", "ipvanyaddress": "127.0.0.1",  # pydantic's
    "uuid4": "00000000-0000-4000-8000-000000000000",
}  # fmt: skip


@dataclass(frozen=True)
class Reply:
    """A successful answer carrying `data`; None: an example built from the request's schema."""

    data: dict[str, Any] | None = None


@dataclass(frozen=True)
class Text:
    """A successful answer whose single text block is `text`, verbatim (garbage, non-JSON...);
    `stop_reason="max_tokens"` makes it a cut-off answer."""

    text: str
    stop_reason: str = "end_turn"


@dataclass(frozen=True)
class Failure:
    """An Anthropic-shaped error; `retry_after` (seconds) adds a `retry-after` header."""

    status: int = 500
    kind: str = "api_error"
    message: str = "Internal server error"
    retry_after: float | None = None


@dataclass(frozen=True)
class Hang:
    """Hold the request until `release()`, the client leaves or the cap; then answer `then`."""

    then: Reply | Text | Failure = field(default_factory=Reply)


Outcome = Reply | Text | Failure | Hang


@dataclass(frozen=True)
class RecordedRequest:
    """An accepted request: its `headers` (lower-case names) and its parsed JSON `body`."""

    headers: dict[str, str]
    body: Json


def example_for(schema: Json) -> Any:
    """A small instance valid for the JSON `schema`: unions take their first option, objects
    every property. Follows `$ref` into `$defs`/`definitions`; ignores `pattern` and `not`."""
    return _example(schema, schema, 0)


def _example(schema: Json, root: Json, depth: int) -> Any:
    deep = depth > _MAX_EXAMPLE_DEPTH

    def again(sub: Json) -> Any:
        return _example(sub, root, depth + 1)

    if "$ref" in schema:
        return again(_resolve(root, schema["$ref"]))
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if options := schema.get("anyOf") or schema.get("oneOf"):
        # Deep in a recursive schema, take the null option so that the example ends.
        nulls = [o for o in options if o.get("type") == "null"]
        return again(nulls[0] if deep and nulls else options[0])
    if parts := schema.get("allOf"):
        values = [again(part) for part in parts]
        if not all(isinstance(v, dict) for v in values):
            return values[0]
        return {k: v for value in values for k, v in value.items()}
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or (kind is None and "properties" in schema):
        required = set(schema.get("required", []))
        properties: Json = schema.get("properties", {})
        return {k: again(v) for k, v in properties.items() if not deep or k in required}
    if kind == "array":
        if prefix := schema.get("prefixItems"):
            return [again(item) for item in prefix]
        items = schema.get("items")
        count = max(schema.get("minItems", 0), 0 if deep else 1)
        return [again(items if isinstance(items, dict) else {}) for _ in range(count)]
    if kind == "string":
        if schema.get("format") in _STRING_FORMATS:
            return _STRING_FORMATS[schema["format"]]
        text = "example".ljust(schema.get("minLength", 0), "x")
        return text[: max(schema.get("maxLength", len(text)), schema.get("minLength", 0))]
    if kind in ("integer", "number"):
        return _number_example(schema, integer=kind == "integer")
    return True if kind == "boolean" else None  # None: "null", or {} which accepts anything


def _resolve(root: Json, ref: str) -> Json:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node  # type: ignore[no-any-return]


def _number_example(schema: Json, *, integer: bool) -> int | float:
    # 1, not 0, when unconstrained: the SDK's transform_schema moves `minimum` (pydantic's ge=1)
    # into the description, and a positive count is the common constraint it hides.
    value = 1
    if "minimum" in schema:
        value = schema["minimum"]
    elif "exclusiveMinimum" in schema:
        value = schema["exclusiveMinimum"] + 1
    elif "maximum" in schema or "exclusiveMaximum" in schema:
        value = min(1, schema.get("maximum", schema.get("exclusiveMaximum", 2) - 1))
    return math.ceil(value) if integer else value


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


@dataclass
class _Response:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Accepted:
    body: Json
    outcome: Outcome
    gate: threading.Event | None  # what a Hang waits on, taken with the outcome under the lock


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


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeAnthropic) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        if self.command != "POST" or self.path.partition("?")[0] != "/v1/messages":
            self._drain(length)
            self._send(_error(404, "not_found_error", f"Not found: {self.command} {self.path}"))
        elif length > fake.max_body_bytes:
            # Drain first: answering mid-upload makes the client see a reset, not the 413.
            self._drain(length)
            limit = f"request exceeds the maximum size of {fake.max_body_bytes} bytes"
            self._send(_error(413, "request_too_large", limit))
        else:
            raw = self.rfile.read(length)
            accepted = fake._accept({k.lower(): v for k, v in self.headers.items()}, raw)
            if isinstance(accepted, _Response):
                self._send(accepted)
            elif accepted.gate is None or fake._hold(accepted.gate, self.connection):
                outcome = accepted.outcome
                final = outcome.then if isinstance(outcome, Hang) else outcome
                self._send(_answer(accepted.body, final, len(raw)))
            else:
                self.close_connection = True  # the client left a held request: nobody to answer

    def _drain(self, length: int) -> None:
        while length > 0 and (chunk := self.rfile.read(min(length, 1 << 16))):
            length -= len(chunk)

    def _send(self, response: _Response) -> None:
        payload = json.dumps(response.body).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        try:
            self.send_response(response.status)
            for name, value in (headers | {"request-id": _id("req_")} | response.headers).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up meanwhile

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; `FakeAnthropic.requests` is the log


class FakeAnthropic:
    """The Messages API on loopback, answering from a script. See the module docstring."""

    def __init__(self, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.api_key = API_KEY
        self.max_body_bytes = max_body_bytes
        self.base_url = ""
        self.default: Outcome = Reply()
        self._changed = threading.Condition()
        self._queue: deque[Outcome] = deque()
        self._requests: list[RecordedRequest] = []
        self._gate = threading.Event()  # replaced on each release, so later Hangs hold again
        self._held = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> FakeAnthropic:
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll interval keeps close() quick; serve_forever only checks for shutdown then.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-anthropic", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Release held requests, then stop the server."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeAnthropic:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- test controls --------------------------------------------------------------------------

    def script(self, *outcomes: Outcome) -> None:
        """Queue `outcomes`, one per accepted request; `default` answers once they run out."""
        with self._changed:
            self._queue.extend(outcomes)

    def release(self) -> None:
        """Let every request a `Hang` holds go on to its `then` answer."""
        with self._changed:
            self._gate.set()
            self._gate = threading.Event()

    def reset(self) -> None:
        """Forget the script and the recorded requests, restore `default`, release held ones."""
        with self._changed:
            self._queue.clear()
            self._requests.clear()
            self.default = Reply()
            self.release()

    @property
    def requests(self) -> list[RecordedRequest]:
        """A copy of the accepted requests, oldest first."""
        with self._changed:
            return list(self._requests)

    @property
    def held(self) -> int:
        """How many requests a `Hang` holds right now."""
        with self._changed:
            return self._held

    def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Re-evaluate `predicate` after every change until truthy; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(f"condition still false after {timeout}s")
                self._changed.wait(remaining)
            return result

    def wait_for_requests(self, n: int, timeout: float = 10.0) -> list[RecordedRequest]:
        """The recorded requests once at least `n` arrived; AssertionError on timeout."""
        try:
            self.wait_for(lambda: len(self._requests) >= n, timeout)
        except AssertionError:
            raise AssertionError(f"expected {n} requests, got {len(self.requests)}") from None
        return self.requests

    @staticmethod
    def prompt_text(request: RecordedRequest) -> str:
        """The system text and every message's text, joined by blank lines, to assert on."""
        system = request.body.get("system", [])
        parts = [system] if isinstance(system, str) else [b["text"] for b in system]
        for message in request.body["messages"]:
            content = message["content"]
            if isinstance(content, str):
                parts.append(content)
            else:
                parts.extend(b["text"] for b in content if b["type"] == "text")
        return "\n\n".join(parts)

    # -- server threads -------------------------------------------------------------------------

    def _accept(self, headers: dict[str, str], raw: bytes) -> _Response | _Accepted:
        """An error answer, or the request (now recorded) with the outcome it consumed."""
        try:
            # SDK 2.x sends the key as `Authorization: Bearer`; curl and older SDKs, `x-api-key`.
            bearer = headers.get("authorization", "").removeprefix("Bearer ")
            if (headers.get("x-api-key") or bearer) != self.api_key:
                raise _Refused(401, "authentication_error", "invalid x-api-key")
            _require(bool(headers.get("anthropic-version")), "anthropic-version: header required")
            try:
                body = json.loads(raw)
            except ValueError as error:
                raise _Refused(400, "invalid_request_error", f"invalid JSON: {error}") from None
            _validate(body)
        except _Refused as refused:
            return refused.response
        with self._changed:
            self._requests.append(RecordedRequest(headers, body))
            outcome = self._queue.popleft() if self._queue else self.default
            gate = self._gate if isinstance(outcome, Hang) else None
            self._held += gate is not None
            self._changed.notify_all()
        return _Accepted(body, outcome, gate)

    def _hold(self, gate: threading.Event, connection: socket) -> bool:
        """Wait for `gate` or the cap; False if the client hung up first."""
        deadline = time.monotonic() + HANG_CAP_SECONDS
        try:
            while not gate.wait(_HANG_CHECK_SECONDS) and time.monotonic() < deadline:
                # The client closed if its socket is readable yet has nothing to read (EOF).
                if select.select([connection], [], [], 0)[0] and not connection.recv(1, MSG_PEEK):
                    return False
            return True
        except OSError:
            return False
        finally:
            with self._changed:
                self._held -= 1
                self._changed.notify_all()
