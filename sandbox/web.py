"""The sandbox's web face: `/sandbox` (the page, its live parts, what people do, files and
canvases) in front of the bot's own WSGI app, which keeps every other path."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from . import page, render
from .delivery import Delivery
from .page import PEOPLE, Where
from .slack.server import FakeSlack

log = logging.getLogger(__name__)

StartResponse = Callable[..., Any]
Wsgi = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
_STATIC = {"sandbox.css": "text/css; charset=utf-8", "sandbox.js": "text/javascript; charset=utf-8"}
_HEADERS = [
    ("Content-Security-Policy", "default-src 'self'; img-src 'self' data: https:; "
     "frame-ancestors 'none'; form-action 'self'"),
    ("X-Content-Type-Options", "nosniff"),
]  # fmt: skip


class SandboxWeb:
    """WSGI: the sandbox's routes, everything else to `inner` (the bot)."""

    def __init__(
        self,
        inner: Wsgi,
        slack: FakeSlack,
        delivery: Delivery,
        demo: Callable[[], object] | None = None,
    ) -> None:
        self.inner = inner
        self.slack = slack
        self.delivery = delivery
        self.demo = demo
        self._errors: dict[str, dict[str, str]] = {}  # view id -> the bot's field errors
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path != "/sandbox" and not path.startswith("/sandbox/"):
            return self.inner(environ, start_response)
        try:
            status, headers, body = self._route(environ, path)
        except (KeyError, ValueError) as error:
            status, headers, body = "404 Not Found", [("Content-Type", "text/plain")], b""
            log.info("sandbox: %s %s: %r", environ.get("REQUEST_METHOD"), path, error)
        start_response(status, [*headers, *_HEADERS, ("Content-Length", str(len(body)))])
        return [body]

    def _route(
        self, environ: dict[str, Any], path: str
    ) -> tuple[str, list[tuple[str, str]], bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        query = {k: v[-1] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        if method == "POST":
            if not _same_origin(environ):
                return "403 Forbidden", [("Content-Type", "text/plain")], b"cross-origin\n"
            form = parse_qs(_read(environ).decode(), keep_blank_values=True)
            back = self._act(path, {k: v[-1] for k, v in form.items()}, form)
            if environ.get("HTTP_X_SANDBOX") == "fetch":
                return "204 No Content", [], b""
            return "303 See Other", [("Location", f"/sandbox?{back}")], b""
        where = _where(query)
        if path == "/sandbox":
            if where.home:
                self.delivery.open_home(where.user)
            return _html(page.page(self.slack, where, demo=self.demo is not None))
        if path == "/sandbox/live":
            key, modal = page.modal(self.slack, where, self._modal_errors(where.user))
            live = {"live": page.live(self.slack, where), "modal": modal, "modal_key": key,
                    "sidebar": page.sidebar(self.slack, where)}  # fmt: skip
            return "200 OK", [("Content-Type", "application/json")], json.dumps(live).encode()
        if path.startswith("/sandbox/static/"):
            name = path.removeprefix("/sandbox/static/")
            content = resources.files("sandbox").joinpath("static", name).read_bytes()
            return "200 OK", [("Content-Type", _STATIC[name])], content
        if path.startswith("/sandbox/files/"):
            upload = self.slack.file(path.removeprefix("/sandbox/files/"))
            return "200 OK", [("Content-Type", upload.mimetype)], upload.data or b""
        if path.startswith("/sandbox/canvas/"):
            canvas_id = path.removeprefix("/sandbox/canvas/")
            return _html(page.page(self.slack, where, canvas_id=canvas_id))
        raise KeyError(path)

    def _modal_errors(self, user: str) -> dict[str, str] | None:
        stack = self.slack.open_views(user)
        return self._errors.get(stack[-1].id) if stack else None

    def _act(self, path: str, fields: dict[str, str], form: dict[str, list[str]]) -> str:
        """Does what a POST asks; returns the query of the page to go back to."""
        user = fields.get("user", "U_ALICE")
        if user not in PEOPLE:
            raise ValueError(user)
        if path == "/sandbox/say":
            text, channel = fields.get("text", "").strip(), fields["channel"]
            if text.startswith("/"):
                self.delivery.command(channel, user, text)
            elif text:
                self.delivery.say(channel, user, text, fields.get("thread_ts") or None)
        elif path == "/sandbox/act":
            self._click(user, fields)
        elif path == "/sandbox/submit":
            view = self.slack.view(fields["view_id"])
            values = render.view_values(view.blocks, form)
            errors = self.delivery.submit(view.id, user, values)
            with self._lock:
                self._errors[view.id] = errors
        elif path == "/sandbox/close":
            self.slack.close_views(user)
        elif path == "/sandbox/demo" and self.demo is not None:
            self.demo()
        else:
            raise KeyError(path)
        return fields.get("back", "")

    def _click(self, user: str, fields: dict[str, str]) -> None:
        if "act" in fields:  # a button in a modal: the modal's form carries it
            block_id, action_id, value = json.loads(fields["act"])
            view_id = fields["view_id"]
            payload = self.slack.click_in_view(view_id, action_id, user, value or None, block_id)
            self.delivery.click(payload)
            return
        action_id, block_id = fields["action_id"], fields.get("block_id") or None
        value = fields.get("value") or None
        surface = fields.get("surface")
        if surface == "message":
            payload = self.slack.click(fields["channel"], fields["ts"], action_id, user, value,
                                       block_id)  # fmt: skip
        elif surface == "ephemeral":
            shown = [e for e in self.slack.ephemerals(fields["channel"], user)
                     if e.message_ts == fields["ts"]]  # fmt: skip
            payload = self.slack.click_ephemeral(
                fields["channel"], shown[0].blocks, action_id, user, value, block_id
            )
        elif surface == "view":
            payload = self.slack.click_in_view(fields["view_id"], action_id, user, value, block_id)
        else:
            raise KeyError(surface)
        self.delivery.click(payload)


def _where(query: dict[str, str]) -> Where:
    user = query.get("user", "U_ALICE")
    return Where(
        user=user if user in PEOPLE else "U_ALICE",
        channel=query.get("channel", "C_GENERAL"),
        home=query.get("home") == "1",
    )


def _read(environ: dict[str, Any]) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return bytes(environ["wsgi.input"].read(min(length, 1024 * 1024))) if length else b""


def _same_origin(environ: dict[str, Any]) -> bool:
    """A page elsewhere must not act in the sandbox: a browser names the origin it posts from."""
    origin = environ.get("HTTP_ORIGIN")
    return origin is None or urlsplit(origin).netloc == environ.get("HTTP_HOST")


def _html(text: str) -> tuple[str, list[tuple[str, str]], bytes]:
    return "200 OK", [("Content-Type", "text/html; charset=utf-8")], text.encode()
