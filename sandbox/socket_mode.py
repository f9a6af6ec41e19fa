"""A loopback Socket Mode server speaking Slack's envelope protocol.

`apps.connections.open` on the fake Web API hands out a one-time URL from `issue_url()`. The client
connects, receives `hello`, then a test pushes envelopes with `send_envelope()` and gets back the
client's acknowledgement, exactly as Slack would see it.

Wire format as Slack sends it (python-slack-sdk's mock server captures; Slack's Socket Mode docs):

    {"type": "hello", "num_connections": 1, "debug_info": {...},
     "connection_info": {"app_id": ...}}
    {"envelope_id": ..., "payload": {...}, "type": "slash_commands",
     "accepts_response_payload": true}
    {"envelope_id": ..., "payload": {...}, "type": "events_api",
     "accepts_response_payload": false, "retry_attempt": 0, "retry_reason": ""}
    {"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": ...}}

and the client answers `{"envelope_id": ..., "payload": {...}}` (payload optional). Ping/pong is
WebSocket control frames, which the `websockets` server answers by itself.

Works with `slack_sdk.socket_mode.builtin.SocketModeClient` (the default behind
`slack_bolt.adapter.socket_mode.SocketModeHandler`): it connects without TLS to any port but 443.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from types import TracebackType
from typing import Any, Literal
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

EnvelopeType = Literal["slash_commands", "events_api", "interactive"]

# Interactive payloads whose acknowledgement may carry a response (`response_action`, `options`).
# Slack marks the others (block_actions, shortcut, message_action, view_closed) false.
_INTERACTIVE_WITH_RESPONSE = frozenset({"view_submission", "block_suggestion"})


class FakeSocketMode:
    """Loopback Socket Mode endpoint. Thread-safe; one condition guards all state."""

    def __init__(self, app_id: str = "A_SITREP", ping_interval: float = 0.1) -> None:
        """`ping_interval`: seconds between server pings. Slack pings its clients too; pinging
        often wakes slack_sdk's builtin client from its blocking read (3 s socket timeout), so
        that closing or replacing a connection takes milliseconds instead of seconds."""
        self.app_id = app_id
        self.ping_interval = ping_interval
        self._changed = threading.Condition()
        self._tickets: set[str] = set()
        self._connections: list[ServerConnection] = []
        self._sessions_opened = 0
        self._sent: list[dict[str, Any]] = []
        self._acks: dict[str, dict[str, Any]] = {}
        self._server: Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeSocketMode:
        """Listen on 127.0.0.1, on a free port, in a daemon thread."""
        self._server = serve(
            self._session,
            "127.0.0.1",
            0,
            process_request=self._check_ticket,
            # No Slack client negotiates compression; keep frames plain for the builtin client.
            compression=None,
            ping_interval=self.ping_interval,
            ping_timeout=None,  # a client busy in a listener is slow, not gone
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-socket-mode", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Close every connection and stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSocketMode:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSocketMode is not started")
        port: int = self._server.socket.getsockname()[1]
        return port

    # -- what apps.connections.open returns ----------------------------------------------------

    def issue_url(self) -> str:
        """A fresh one-time WebSocket URL, shaped like Slack's `wss://…/link/?ticket=…&app_id=…`."""
        ticket = str(uuid.uuid4())
        with self._changed:
            self._tickets.add(ticket)
        return f"ws://127.0.0.1:{self.port}/link/?ticket={ticket}&app_id={self.app_id}"

    # -- driving the client ---------------------------------------------------------------------

    @property
    def sessions_opened(self) -> int:
        """How many WebSocket sessions clients have opened so far (reconnects included)."""
        with self._changed:
            return self._sessions_opened

    @property
    def open_connections(self) -> int:
        with self._changed:
            return len(self._connections)

    def wait_until_connected(self, sessions: int = 1, timeout: float = 5.0) -> None:
        """Block until at least `sessions` sessions have been opened and one is still open."""
        self._wait(
            lambda: self._sessions_opened >= sessions and bool(self._connections),
            timeout,
            f"no Socket Mode client connected ({sessions} session(s) expected)",
        )

    def send_envelope(
        self,
        type: EnvelopeType,
        payload: dict[str, Any],
        *,
        accepts_response_payload: bool | None = None,
        retry_attempt: int = 0,
        retry_reason: str = "",
        timeout: float = 5.0,
    ) -> dict[str, Any]:
        """Send `payload` in an envelope to the newest connection; return the client's ack."""
        envelope: dict[str, Any] = {
            "envelope_id": str(uuid.uuid4()),
            "payload": payload,
            "type": type,
            "accepts_response_payload": (
                _accepts_response_payload(type, payload)
                if accepts_response_payload is None
                else accepts_response_payload
            ),
        }
        if type == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": retry_reason}
        self.wait_until_connected(timeout=timeout)
        with self._changed:
            connection = self._connections[-1]
            self._sent.append(envelope)
        connection.send(json.dumps(envelope))
        envelope_id = envelope["envelope_id"]
        self._wait(
            lambda: envelope_id in self._acks,
            timeout,
            f"no acknowledgement for {type} envelope {envelope_id} within {timeout}s",
        )
        with self._changed:
            return self._acks[envelope_id]

    def disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask every client to reconnect, as Slack does before it recycles a connection."""
        message = json.dumps(
            {"type": "disconnect", "reason": reason, "debug_info": {"host": "applink-fake"}}
        )
        for connection in self._snapshot():
            connection.send(message)

    def close_connections(self) -> None:
        """Close every connection with a close frame (1000), from the server side."""
        for connection in self._snapshot():
            connection.close()

    @property
    def envelopes(self) -> list[dict[str, Any]]:
        """Every envelope sent, in order."""
        with self._changed:
            return list(self._sent)

    @property
    def acks(self) -> list[dict[str, Any]]:
        """Every acknowledgement received, in arrival order."""
        with self._changed:
            return list(self._acks.values())

    # -- server side ----------------------------------------------------------------------------

    def _check_ticket(self, connection: ServerConnection, request: Request) -> Response | None:
        # Tickets are single use, like Slack's: a client must call apps.connections.open again to
        # reconnect, which is what the SDKs do.
        ticket = parse_qs(urlsplit(request.path).query).get("ticket", [""])[0]
        with self._changed:
            if ticket in self._tickets:
                self._tickets.discard(ticket)
                return None
        return connection.respond(HTTPStatus.UNAUTHORIZED, "invalid ticket\n")

    def _session(self, connection: ServerConnection) -> None:
        with self._changed:
            self._connections.append(connection)
            self._sessions_opened += 1
            hello = _hello(self.app_id, len(self._connections))
            self._changed.notify_all()
        try:
            connection.send(json.dumps(hello))
            for message in connection:
                self._receive(message)
        except ConnectionClosed:
            pass  # slack_sdk's builtin client drops the TCP connection without a close frame
        finally:
            with self._changed:
                self._connections.remove(connection)
                self._changed.notify_all()

    def _receive(self, message: str | bytes) -> None:
        try:
            ack = json.loads(message)
        except ValueError:
            return
        if isinstance(ack, dict) and "envelope_id" in ack:
            with self._changed:
                self._acks[ack["envelope_id"]] = ack
                self._changed.notify_all()

    def _snapshot(self) -> list[ServerConnection]:
        with self._changed:
            return list(self._connections)

    def _wait(self, ready: Callable[[], bool], timeout: float, failure: str) -> None:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not ready():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(failure)
                self._changed.wait(remaining)


def _accepts_response_payload(type: EnvelopeType, payload: dict[str, Any]) -> bool:
    if type == "slash_commands":
        return True
    if type == "interactive":
        return payload.get("type") in _INTERACTIVE_WITH_RESPONSE
    return False


def _hello(app_id: str, connections: int) -> dict[str, Any]:
    return {
        "type": "hello",
        "num_connections": connections,
        "debug_info": {
            "host": f"applink-fake-{secrets.token_hex(4)}",
            "build_number": 1,
            "approximate_connection_time": 18060,
        },
        "connection_info": {"app_id": app_id},
    }
