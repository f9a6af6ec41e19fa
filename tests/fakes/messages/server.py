"""The HTTP server and the test-facing fake: `FakeAnthropic` starts the server, holds the script
and the recorded requests behind one condition, and holds the requests a `Hang` answers."""

from __future__ import annotations

import json
import select
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import MSG_PEEK, socket
from typing import Any, TypeVar

from .outcomes import Hang, Json, Outcome, RecordedRequest, Reply
from .responses import _answer, _error, _id, _Response
from .validation import _Refused, _require, _validate

T = TypeVar("T")

API_KEY = "sk-ant-test-key"
DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024  # the API's limit for /v1/messages
HANG_CAP_SECONDS = 60.0
_HANG_CHECK_SECONDS = 0.05  # how soon a held request notices that its client has gone


@dataclass(frozen=True)
class _Accepted:
    body: Json
    outcome: Outcome
    gate: threading.Event | None  # what a Hang waits on, taken with the outcome under the lock


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
    """The Messages API on loopback, answering from a script. See the package docstring."""

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
