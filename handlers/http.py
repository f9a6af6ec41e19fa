"""The HTTP face of Sitrep: `POST /slack/events` into Bolt, `POST /webhooks/<source>` for
alerts, `GET /healthz` (alive), `GET /readyz` (database reachable, schema current) and
`GET /metrics` (Prometheus), as a WSGI app served by waitress. Anything malformed gets a
4xx here, before Bolt sees it. Every request runs with its own request ID in the logs."""

import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any, Protocol

import waitress
from slack_bolt import App, BoltRequest, BoltResponse
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine
from waitress import wasyncore
from waitress.channel import HTTPChannel

from bot.adapters.db.engine import current_revisions, head_revisions
from bot.adapters.metrics import CONTENT_TYPE, Metrics
from bot.log_context import bound, in_fresh_context
from handlers import payloads

log = logging.getLogger(__name__)

STATUS_PATHS = ("/status", "/status/", "/status.json", "/status/feed.atom")
MAX_BODY = 1024 * 1024  # Slack's own payloads are far smaller
# waitress reads bodies up to this before calling the app, which answers 413 past MAX_BODY;
# beyond it waitress drops the connection without reading further.
_SERVER_BODY_LIMIT = 16 * MAX_BODY
StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# A request ID given by a proxy is kept when it looks like one; otherwise Sitrep makes one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")

_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Payload Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class WebhookApp(Protocol):
    def __call__(
        self, environ: dict[str, Any], start_response: StartResponse, rest: str, /
    ) -> Iterable[bytes]:
        """Answers a request for the path below its prefix (`rest`)."""
        ...


def make_wsgi(
    bolt: App,
    engine: Engine,
    webhooks: WebhookApp | None = None,
    *,
    slack: SignatureVerifier | None = None,
    feeds: WebhookApp | None = None,
    status_page: Wsgi | None = None,
    api: WebhookApp | None = None,
    metrics: Metrics | None = None,
) -> Wsgi:
    """The app's routes. `/slack/events` is served with `slack`, the verifier of Slack's
    signatures; without it (Socket Mode, where Bolt checks none) it is not served at all.
    With `metrics`, `/metrics` is served and every request is measured."""

    def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO", ""), environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz":
            return json_reply(start_response, 200, {"ok": True})
        if path == "/readyz":
            return _ready(engine, start_response)
        if path == "/metrics" and metrics is not None:
            data = metrics.exposition()
            start_response(
                "200 OK", [("Content-Type", CONTENT_TYPE), ("Content-Length", str(len(data)))]
            )
            return [data]
        if status_page is not None and path in STATUS_PATHS:
            return status_page(environ, start_response)
        if webhooks is not None and path.startswith("/webhooks/"):
            return webhooks(environ, start_response, path.removeprefix("/webhooks/").strip("/"))
        if api is not None and (path == "/api/v1" or path.startswith("/api/v1/")):
            return api(environ, start_response, path.removeprefix("/api/v1"))
        if feeds is not None and path.startswith("/oncall/"):
            return feeds(environ, start_response, path.removeprefix("/oncall/"))
        if path != "/slack/events" or slack is None:
            return json_reply(start_response, 404, {"error": "not_found"})
        if method != "POST":
            return json_reply(start_response, 405, {"error": "method_not_allowed"})
        body = _read_body(environ)
        if body is None:
            return json_reply(start_response, 400, {"error": "malformed_body"})
        if len(body) > MAX_BODY:
            return json_reply(start_response, 413, {"error": "payload_too_large"})
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        headers["content-type"] = environ.get("CONTENT_TYPE", "")
        try:
            request = BoltRequest(body=body, query=environ.get("QUERY_STRING", ""), headers=headers)
        except (ValueError, KeyError, TypeError, AttributeError):
            # Bolt parses before it verifies; a body it can't parse is the sender's fault.
            return json_reply(start_response, 400, {"error": "malformed_body"})
        if slack.is_valid_request(body, headers):  # Bolt answers the others 401
            try:
                payloads.check(request.body)
            except payloads.Malformed as error:
                log.warning("refused a malformed payload: %s", error)
                return json_reply(start_response, 400, {"error": "malformed_payload"})
        response = bolt.dispatch(request)
        if metrics is not None:
            metrics.slack_request(_kind(request.body), response.status)
        return _bolt_reply(start_response, response)

    def measured(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        started, status = time.perf_counter(), [500]

        def start(line: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            status[0] = int(line.split(" ", 1)[0])
            return start_response(line, [*headers, ("X-Request-Id", request_id)], *rest)

        with bound(request_id=request_id):
            try:
                return application(environ, start)
            finally:
                if metrics is not None:
                    path = environ.get("PATH_INFO", "")
                    metrics.request(path, status[0], time.perf_counter() - started)

    # Each request in a context of its own: waitress reuses threads.
    return lambda environ, start_response: in_fresh_context(measured, environ, start_response)


def _kind(body: dict[str, Any]) -> str:
    """What a Slack request is: command, event, action, view, shortcut or other."""
    if "command" in body:
        return "command"
    kind = str(body.get("type", ""))
    if kind == "event_callback":
        return "event"
    if kind in ("block_actions", "interactive_message", "block_suggestion"):
        return "action"
    if kind in ("view_submission", "view_closed"):
        return "view"
    if kind in ("shortcut", "message_action"):
        return "shortcut"
    return "other"


def _read_body(environ: dict[str, Any]) -> str | None:
    """The request body as text; None when it is not what its headers promise, or not UTF-8."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        return raw.decode("utf-8") if len(raw) == length else None
    except (ValueError, UnicodeDecodeError):
        return None


def _ready(engine: Engine, start_response: StartResponse) -> Iterable[bytes]:
    """200 when the database answers and its schema is at the code's revision; 503 with the
    reason otherwise (a load balancer sends this replica nothing until then)."""
    started = time.perf_counter()
    try:
        current = current_revisions(engine)
    except Exception as error:
        log.warning("readiness: database unreachable: %s", error)
        # The details stay in the log: this answer may be public.
        reason = "can't reach the database (the log says why)"
        return json_reply(
            start_response, 503, {"ok": False, "database": "unreachable", "reason": reason}
        )
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    head = head_revisions()
    if current != head:
        reason = (
            f"schema at {', '.join(sorted(current)) or 'no revision'}, "
            f"code expects {', '.join(sorted(head))}: run `python app.py migrate`"
        )
        body = {"ok": False, "database": "ok", "schema": "not_current", "reason": reason}
        return json_reply(start_response, 503, body)
    return json_reply(
        start_response,
        200,
        {"ok": True, "database": "ok", "schema": "current", "database_ms": elapsed},
    )


def json_reply(
    start_response: StartResponse,
    status: int,
    body: dict[str, Any],
    headers: Iterable[tuple[str, str]] = (),
) -> Iterable[bytes]:
    """`body` as the JSON answer with `status`, and any further `headers`."""
    data = json.dumps(body).encode()
    start_response(
        f"{status} {_REASONS.get(status, '')}",
        [("Content-Type", "application/json"), ("Content-Length", str(len(data))), *headers],
    )
    return [data]


def _bolt_reply(start_response: StartResponse, response: BoltResponse) -> Iterable[bytes]:
    data = (response.body or "").encode()
    headers = [
        (name, value)
        for name, values in response.headers.items()
        for value in values
        if name.lower() != "content-length"
    ]
    headers.append(("Content-Length", str(len(data))))
    start_response(f"{response.status} {_REASONS.get(response.status, '')}", headers)
    return [data]


class HttpServer:
    """waitress, stoppable from another thread (SIGTERM, tests) with a graceful drain:
    stop accepting, let in-flight requests finish and their replies flush, then exit; all
    within `drain_seconds` of `stop()`."""

    def __init__(
        self, app: Wsgi, host: str, port: int, *, threads: int, drain_seconds: float = 10.0
    ) -> None:
        self._server: Any = waitress.create_server(
            app,
            host=host,
            port=port,
            threads=threads,
            max_request_body_size=_SERVER_BODY_LIMIT,
            ident="sitrep",
            clear_untrusted_proxy_headers=True,
        )
        self._stop = threading.Event()
        self._drain_seconds = drain_seconds
        self.stopped_at: float | None = None  # time.monotonic() when stop() was called

    @property
    def port(self) -> int:
        return int(self._server.effective_port)

    def serve(self) -> None:
        """Serves until `stop()`; returns once drained."""
        connections = self._server._map
        while not self._stop.is_set():
            wasyncore.loop(timeout=0.2, map=connections, count=1, use_poll=True)
        self._server.accepting = False
        self._server.del_channel()
        self._server.socket.close()
        deadline = (self.stopped_at or time.monotonic()) + self._drain_seconds
        while time.monotonic() < deadline and any(
            _busy(channel) for channel in list(connections.values())
        ):
            wasyncore.loop(timeout=0.05, map=connections, count=1, use_poll=True)
        # Worker threads wake the loop through the trigger when a reply is ready: stop them
        # before the trigger closes, then flush what they wrote last.
        self._server.task_dispatcher.shutdown(timeout=max(0.1, deadline - time.monotonic()))
        wasyncore.loop(timeout=0.05, map=connections, count=5, use_poll=True)
        wasyncore.close_all(connections)

    def stop(self) -> None:
        if self.stopped_at is None:
            self.stopped_at = time.monotonic()
        self._stop.set()
        self._server.pull_trigger()


def _busy(channel: Any) -> bool:
    """A connection with a request in progress or a reply still to send."""
    return isinstance(channel, HTTPChannel) and bool(
        channel.requests or channel.total_outbufs_len or channel.request is not None
    )
