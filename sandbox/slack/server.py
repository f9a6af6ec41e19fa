"""The HTTP server and the test-facing fake: `FakeSlack` starts the server and Socket Mode, holds
the lock and the workspace, and routes each request to a Web API method, an upload or a
response_url. What tests read and arrange is in `access`; what people do, in `people`."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from ..socket_mode import FakeSocketMode
from .access import WorkspaceAccess
from .blockkit import BlockKitValidator
from .decoding import Args, SlackError, decode_args
from .identities import APP_ID, APP_TOKEN, BOT_TOKEN, BOT_USER_ID, JSON, T
from .methods import METHODS
from .methods.registry import check_image_files
from .people import PeopleActing
from .records import Call, Ephemeral, ResponsePost, _ResponseUrl
from .workspace import Workspace


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Set for a call whose answer is held back (the work is done, the caller not told yet).
    held: threading.Event | None = None

    @classmethod
    def json(cls, body: JSON, status: int = HTTPStatus.OK, **headers: str) -> _Reply:
        return cls(status, json.dumps(body).encode(), headers=headers)

    @classmethod
    def text(cls, body: str, status: int = HTTPStatus.OK) -> _Reply:
        return cls(status, body.encode(), content_type="text/plain; charset=utf-8")


@dataclass(frozen=True)
class _Outage:
    status: int
    retry_after: int = 0

    def reply(self) -> _Reply:
        if self.status == HTTPStatus.TOO_MANY_REQUESTS:
            limited = SlackError("ratelimited").body
            return _Reply.json(limited, self.status, **{"Retry-After": str(self.retry_after)})
        page = b"<html><body>503 Service Unavailable</body></html>\n"
        return _Reply(self.status, page, "text/html")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.fake._route(
            self.path,
            self.headers.get("Content-Type", ""),
            self.headers.get("Authorization", ""),
            body,
        )
        if reply.held is not None:  # outside the lock: the rest of the fake keeps serving
            self.server.fake._holding(reply.held)
        with contextlib.suppress(OSError):  # the caller may have died while it was held
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; `FakeSlack.calls` is the log


class FakeSlack(WorkspaceAccess, PeopleActing):
    """Slack's Web API, Socket Mode and a workspace, on loopback. See the package docstring."""

    def __init__(
        self, *, trigger_ttl: float | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        """`trigger_ttl`: seconds a trigger_id lives (Slack: 3); None disables the age check."""
        self._changed = threading.Condition(threading.RLock())
        self._ws = Workspace(clock, trigger_ttl)
        self._calls: list[Call] = []
        self._rate_limits: dict[str, list[int]] = {}  # method -> Retry-After per pending 429
        self._failures: dict[str, list[str]] = {}  # method -> errors for the next calls
        self._holds: dict[str, int] = {}  # method -> how many answers to hold back
        self._outage: _Outage | None = None  # every Web API call fails until recover()
        self._stalled = False  # every Web API call's answer is held back until recover()
        self._release = threading.Event()
        self.held = 0  # answers being held back now
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.socket = FakeSocketMode(app_id=APP_ID)

    # -- lifecycle ------------------------------------------------------------------------------

    def start(self) -> FakeSlack:
        self._server = _Server(self)
        # A short poll interval keeps stop() quick; serve_forever only checks for shutdown then.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-slack", daemon=True
        )
        self._thread.start()
        self.socket.start()
        with self._changed:
            self._ws.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
            self._ws.socket_url = self.socket.issue_url
        return self

    def stop(self) -> None:
        self._release.set()
        self.socket.stop()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @contextlib.contextmanager
    def backdated(self, clock: Callable[[], float]) -> Iterator[None]:
        """Meanwhile the workspace's time is `clock`'s (seconds since the epoch): messages and
        channels get its timestamps, unique but not increasing, so a history can be played
        into it (the sandbox's demo data)."""
        with self._changed:
            saved = self._ws.clock
            self._ws.clock, self._ws.backdating = clock, set()
        try:
            yield
        finally:
            with self._changed:
                self._ws.clock, self._ws.backdating = saved, None

    @property
    def api_url(self) -> str:
        """The `base_url` for `WebClient`."""
        return f"{self._ws.base_url}/api/"

    # -- test controls --------------------------------------------------------------------------

    def rate_limit(self, method: str, times: int = 1, retry_after: int = 1) -> None:
        """The next `times` calls to `method` get HTTP 429 with `Retry-After: retry_after`."""
        with self._changed:
            self._rate_limits.setdefault(method, []).extend([retry_after] * times)

    def fail_next(self, method: str, error: str, times: int = 1) -> None:
        """The next `times` calls to `method` get `{"ok": false, "error": error}`."""
        with self._changed:
            self._failures.setdefault(method, []).extend([error] * times)

    def hold_answers(self, method: str, times: int = 1) -> None:
        """The next `times` calls to `method` take effect (a message is posted) but their
        answers wait until `release_answers()`: the window in which a caller can die after
        Slack accepted its call and before it learnt so."""
        with self._changed:
            self._release.clear()
            self._holds[method] = self._holds.get(method, 0) + times

    def release_answers(self) -> None:
        self._release.set()

    def go_down(self) -> None:
        """Until `recover()`, every Web API call answers HTTP 503 with a page that is not
        JSON, and does nothing: Slack down, as its edge answers then."""
        with self._changed:
            self._outage = _Outage(HTTPStatus.SERVICE_UNAVAILABLE)

    def rate_limit_everything(self, retry_after: int = 1) -> None:
        """Until `recover()`, every Web API call answers 429 with `Retry-After: retry_after`
        and does nothing: a storm of rate limits."""
        with self._changed:
            self._outage = _Outage(HTTPStatus.TOO_MANY_REQUESTS, retry_after)

    def stall(self) -> None:
        """Until `recover()`, every Web API call takes effect but its answer is held back:
        Slack slower than its callers' timeouts, which give up on calls Slack carried out."""
        with self._changed:
            self._release.clear()
            self._stalled = True

    def recover(self) -> None:
        """Ends `go_down()`, `rate_limit_everything()` or `stall()` (the answers held back
        go out, to whoever still waits): calls are served again."""
        with self._changed:
            self._outage = None
            if self._stalled:
                self._stalled = False
                self._release.set()
            self._changed.notify_all()

    @property
    def refused(self) -> int:
        """How many Web API calls an outage has refused so far."""
        with self._changed:
            return sum(1 for c in self._calls if c.status >= 429)

    def process_files_slowly(self, slowly: bool = True) -> None:
        """While on, uploads finish but stay "processing": Slack takes a moment to make an
        image showable, and a message showing it before then is refused (invalid_blocks)."""
        with self._changed:
            self._ws.slow_file_processing = slowly

    def finish_processing_files(self) -> None:
        with self._changed:
            for upload in self._ws.files.values():
                upload.processed = True

    def _holding(self, release: threading.Event) -> None:
        with self._changed:
            self.held += 1
            self._changed.notify_all()
        release.wait(timeout=60)
        with self._changed:
            self.held -= 1
            self._changed.notify_all()

    def wait_for(self, predicate: Callable[[], T], timeout: float = 20.0) -> T:
        """Re-evaluate `predicate` under the lock after every change until it is truthy."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (result := predicate()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"condition still false after {timeout}s")
                self._changed.wait(remaining)
            return result

    # -- the call log ---------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._changed:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [c for c in self._calls if c.method == method]

    # -- HTTP routing (server threads) ----------------------------------------------------------

    def _route(self, target: str, content_type: str, authorization: str, body: bytes) -> _Reply:
        path, _, query = target.partition("?")
        with self._changed:
            try:
                if path.startswith("/api/"):
                    method = path.removeprefix("/api/")
                    return self._api_call(method, query, content_type, authorization, body)
                if path.startswith("/upload/v1/"):
                    return self._upload(path.removeprefix("/upload/v1/"), body)
                if path.startswith("/response/"):
                    return self._respond(
                        self._ws.base_url + path, path.removeprefix("/response/"), body
                    )
                return _Reply.text("not found\n", HTTPStatus.NOT_FOUND)
            finally:
                self._changed.notify_all()

    def _api_call(
        self, name: str, query: str, content_type: str, authorization: str, body: bytes
    ) -> _Reply:
        token = authorization.removeprefix("Bearer ").strip() or None
        try:
            args = decode_args(query, content_type, body)
        except SlackError as error:
            args, reply = {}, _Reply.json(error.body)
        else:
            token = args.pop("token", None) or token  # a `token` field wins over the header
            reply = self._answer(name, token, args)
        is_json = reply.content_type.startswith("application/json")
        response = json.loads(reply.body) if is_json else {}
        self._calls.append(Call(name, args, token, int(reply.status), response, time.time()))
        if self._stalled:
            reply.held = self._release
        elif self._holds.get(name):
            self._holds[name] -= 1
            reply.held = self._release
        return reply

    def _answer(self, name: str, token: str | None, args: JSON) -> _Reply:
        try:
            method = METHODS.get(name)
            if method is None:
                raise SlackError("unknown_method")
            if token is None:
                raise SlackError("not_authed")
            if token not in (BOT_TOKEN, APP_TOKEN):
                raise SlackError("invalid_auth")
            if token != method.token:
                raise SlackError("not_allowed_token_type")
            if self._outage is not None:
                return self._outage.reply()
            if self._rate_limits.get(name):
                retry_after = str(self._rate_limits[name].pop(0))
                limited = SlackError("ratelimited").body
                return _Reply.json(
                    limited, HTTPStatus.TOO_MANY_REQUESTS, **{"Retry-After": retry_after}
                )
            if self._failures.get(name):
                raise SlackError(self._failures[name].pop(0))
            return _Reply.json({"ok": True, **method.handler(self._ws, Args(args))})
        except SlackError as error:
            return _Reply.json(error.body)

    def _upload(self, ticket: str, body: bytes) -> _Reply:
        file_id = self._ws.upload_tickets.pop(ticket, None)
        if file_id is None:
            return _Reply.text("invalid upload ticket\n", HTTPStatus.NOT_FOUND)
        self._ws.files[file_id].data = body
        return _Reply.text(f"OK - {len(body)}")

    def _respond(self, url: str, response_id: str, body: bytes) -> _Reply:
        context = self._ws.response_urls.get(response_id)
        if context is None:
            return _Reply.text("no_such_url\n", HTTPStatus.NOT_FOUND)
        try:
            payload = json.loads(body)
            if not isinstance(payload, dict):
                raise ValueError(payload)
        except ValueError:
            return _Reply.text("invalid_payload\n", HTTPStatus.BAD_REQUEST)
        blocks = payload.get("blocks")
        if blocks is not None and (
            not isinstance(blocks, list) or BlockKitValidator().message(blocks)
        ):
            return _Reply.text("invalid_blocks\n", HTTPStatus.BAD_REQUEST)
        try:
            check_image_files(self._ws, blocks)
        except SlackError:
            return _Reply.text("invalid_blocks\n", HTTPStatus.BAD_REQUEST)
        post = ResponsePost(url, payload, time.time())
        self._ws.responses.append(post)
        self._apply_response(context, post)
        return _Reply.text("ok")

    def _apply_response(self, context: _ResponseUrl, post: ResponsePost) -> None:
        """Do what Slack does with a response_url post (no channel membership needed)."""
        if context.channel is None:
            return
        original = self._ws.messages[context.channel].get(context.message_ts or "")
        if post.delete_original and original is not None:
            self._ws.remove(original)
        elif post.replace_original and original is not None:
            self._ws.edit(original, BOT_USER_ID, post.text, post.blocks)
        elif post.response_type == "in_channel":
            thread_ts = post.body.get("thread_ts") or context.thread_ts
            self._ws.post_as_bot(context.channel, post.text, post.blocks, thread_ts=thread_ts)
        elif context.user is not None:
            self._ws.ephemerals.append(
                Ephemeral(
                    context.channel,
                    context.user,
                    post.text,
                    post.blocks,
                    context.thread_ts,
                    self._ws.next_ts(),
                    "response_url",
                )
            )
