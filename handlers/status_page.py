"""`GET /status`, `/status.json` and `/status/feed.atom`: the public status page.

Rendered pages are kept in memory for `status_page.cache_seconds` (and browsers and proxies
are told the same), so a spike of readers costs one database read per period. Every answer
carries strict security headers; a failure to read shows a 503 page, never a 500."""

import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.adapters.web.statuspage import StatusPageRenderer, as_atom, as_json
from bot.statuspage.page import Page
from handlers.http import StartResponse

log = logging.getLogger(__name__)

_TYPES = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "atom": "application/atom+xml; charset=utf-8",
}
# No scripts, frames, forms or fetches: only the page's own inline stylesheet.
_SECURITY = [
    (
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
    ),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
]
_STATUS = {200: "200 OK", 304: "304 Not Modified", 405: "405 Method Not Allowed"}


@dataclass(frozen=True)
class _Rendered:
    body: bytes
    etag: str
    expires: float


class StatusPageRoute:
    def __init__(
        self,
        page: Callable[[], Page],
        renderer: StatusPageRenderer,
        title: str,
        cache_seconds: int,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._page, self._renderer, self._title = page, renderer, title
        self._cache_seconds, self._monotonic = cache_seconds, monotonic
        self._cache: dict[str, _Rendered] = {}
        # One reader renders an expired page; the others wait for it rather than each
        # reading the database.
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        kind = "json" if path.endswith(".json") else "atom" if path.endswith(".atom") else "html"
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            return self._reply(start_response, 405, b"", kind, [("Allow", "GET, HEAD")])
        try:
            rendered = self._rendered(kind)
        except Exception:  # whatever failed, readers get a page that says so, not a 500
            log.exception("status page unavailable")
            return self._unavailable(start_response, kind)
        headers = [
            ("ETag", rendered.etag),
            ("Cache-Control", f"public, max-age={self._cache_seconds}"),
        ]
        wanted = environ.get("HTTP_IF_NONE_MATCH", "")
        if rendered.etag in [tag.strip() for tag in wanted.split(",")]:
            return self._reply(start_response, 304, b"", kind, headers)
        body = b"" if method == "HEAD" else rendered.body
        return self._reply(start_response, 200, body, kind, headers, len(rendered.body))

    def _rendered(self, kind: str) -> _Rendered:
        with self._lock:
            cached = self._cache.get(kind)
            now = self._monotonic()
            if cached is not None and now < cached.expires:
                return cached
            page = self._page()
            if kind == "json":
                body = json.dumps(as_json(page), indent=1).encode()
            elif kind == "atom":
                body = as_atom(page)
            else:
                body = self._renderer.html(page).encode()
            etag = _etag(kind, page)
            rendered = _Rendered(body, etag, now + self._cache_seconds)
            self._cache[kind] = rendered
            return rendered

    def _unavailable(self, start_response: StartResponse, kind: str) -> Iterable[bytes]:
        if kind == "html":
            body = self._renderer.unavailable(self._title).encode()
        else:
            body = json.dumps({"error": "unavailable"}).encode()
            kind = "json"
        start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", _TYPES[kind]),
                ("Content-Length", str(len(body))),
                ("Cache-Control", "no-store"),
                ("Retry-After", "30"),
                *_SECURITY,
            ],
        )
        return [body]

    @staticmethod
    def _reply(
        start_response: StartResponse,
        status: int,
        body: bytes,
        kind: str,
        headers: list[tuple[str, str]],
        length: int | None = None,
    ) -> Iterable[bytes]:
        start_response(
            _STATUS[status],
            [
                ("Content-Type", _TYPES[kind]),
                ("Content-Length", str(len(body) if length is None else length)),
                *headers,
                *_SECURITY,
            ],
        )
        return [body]


def _etag(kind: str, page: Page) -> str:
    """The same for the same content, whenever it was rendered (the page's "as of" time
    is left out), so a reader that has it gets a 304."""
    content = as_json(page)
    content["page"].pop("updated_at", None)
    digest = hashlib.sha256(json.dumps([kind, content], sort_keys=True).encode()).hexdigest()
    return f'"{digest[:32]}"'
