"""What a test scripts and reads back: the outcomes the fake answers with (`Reply`, `Text`,
`Failure`, `Hang`) and the requests it records (`RecordedRequest`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


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
