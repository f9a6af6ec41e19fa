"""A webhook receiver on loopback that checks Sitrep's signatures the way the README tells
receivers to: `X-Sitrep-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`,
within five minutes of its clock. Every request is kept with whether it verified; the
status it answers is scripted (`answer_next`), else `always` (200)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

T = TypeVar("T")
TOLERANCE_SECONDS = 300


@dataclass(frozen=True)
class Received:
    event: str
    delivery: str
    body: dict[str, Any]
    verified: bool
    answered: int


class WebhookReceiver:
    def __init__(self, secret: str, clock: Callable[[], float] = time.time) -> None:
        self.secret, self._clock = secret, clock
        self.always = 200
        self._script: deque[int] = deque()
        self._received: list[Received] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                answer = receiver._take(self.headers, raw)
                self.send_response(answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/sitrep"

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_next(self, *statuses: int) -> None:
        with self._changed:
            self._script.extend(statuses)

    def verify(self, header: str, raw: bytes) -> bool:
        """The check a receiver makes (as in the README)."""
        try:
            parts = dict(part.split("=", 1) for part in header.split(","))
            timestamp = int(parts["t"])
        except (KeyError, ValueError):
            return False
        signed = f"{timestamp}.".encode() + raw
        expected = hmac.new(self.secret.encode(), signed, hashlib.sha256).hexdigest()
        fresh = abs(self._clock() - timestamp) <= TOLERANCE_SECONDS
        return fresh and hmac.compare_digest(expected, parts.get("v1", ""))

    def _take(self, headers: Any, raw: bytes) -> int:
        verified = self.verify(headers.get("X-Sitrep-Signature", ""), raw)
        with self._changed:
            answer = self._script.popleft() if self._script else self.always
            answer = answer if verified else 401
            self._received.append(
                Received(
                    event=headers.get("X-Sitrep-Event", ""),
                    delivery=headers.get("X-Sitrep-Delivery", ""),
                    body=json.loads(raw),
                    verified=verified,
                    answered=answer,
                )
            )
            self._changed.notify_all()
        return answer

    @property
    def received(self) -> list[Received]:
        with self._changed:
            return list(self._received)

    def accepted(self) -> list[Received]:
        """The deliveries answered 2xx, in order."""
        return [r for r in self.received if 200 <= r.answered < 300]

    def wait_for(self, predicate: Callable[[], T], timeout: float = 20.0) -> T:
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition still false after {timeout}s")
                self._changed.wait(remaining)
            return result
