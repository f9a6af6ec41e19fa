"""A fake Jira Cloud REST API (v3) on loopback: issue create and JQL search, with Jira's rules.

`POST /rest/api/3/issue` checks basic auth, then the fields the way Jira does: the project and
its issue type exist, the summary is present, one line and at most 255 UTF-16 units, the
description is Atlassian Document Format, `duedate` is YYYY-MM-DD, labels have no spaces, the
priority is one of the project's (and only settable when the project's create screen has it);
any other field is "not on the appropriate screen". All field errors come back in one 400.

`GET /rest/api/3/search/jql` understands only JQL of the form `labels = "x"` (with \\" and \\\\
escapes) and answers 400 for anything else; `fields` picks the fields returned (without it,
only ids, as Jira does); paging tokens are not honoured. The retired `/rest/api/3/search`
answers 410, as it does on Jira Cloud.

Failures are scripted per request, in order, whatever the endpoint: `rate_limit`, `fail`,
`hang` and `drop` act before the request is looked at; `drop_answer` does the work and then
closes the connection without answering (the crash window of a create)."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import threading
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

EMAIL = "sitrep-bot@example.com"
API_TOKEN = "jira-test-api-token"
LENGTH_LIMIT = 255
HANG_CAP_SECONDS = 30.0
NOT_ON_SCREEN = "Field '{}' cannot be set. It is not on the appropriate screen, or unknown."
NOT_ADF = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
SETTABLE = frozenset({"project", "issuetype", "summary", "description", "duedate", "labels"})
# ADF node types Jira accepts, split by where they may stand.
INLINE = frozenset({"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"})
BLOCK = frozenset(
    {"paragraph", "heading", "bulletList", "orderedList", "listItem", "codeBlock", "blockquote"}
    | {"rule", "panel", "table", "tableRow", "tableHeader", "tableCell", "mediaSingle", "media"}
)
LABELS_JQL = re.compile(r'\s*labels\s*=\s*"((?:[^"\\]|\\.)*)"\s*', re.IGNORECASE)

Json = dict[str, Any]


@dataclass
class Project:
    """A Jira project as the create screen sees it."""

    key: str
    issue_types: tuple[str, ...] = ("Task", "Bug", "Story")
    priorities: tuple[str, ...] = ("Highest", "High", "Medium", "Low", "Lowest")
    priority_on_screen: bool = True  # many projects' create screens lack the Priority field
    issued: int = 0  # the number in the last key given out


@dataclass(frozen=True)
class Issue:
    id: str
    key: str
    fields: Json  # exactly as the client sent them


@dataclass(frozen=True)
class Received:
    """One request as it arrived, and what the fake did with it."""

    method: str
    path: str
    query: dict[str, str]
    body: Any  # the parsed JSON, or None
    outcome: str  # "answered", or the scripted failure: "rate_limit", "fail", "drop", ...


@dataclass(frozen=True)
class _Failure:
    kind: str
    status: int = 0
    retry_after: str | None = None


@dataclass
class _Answer:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


def _errors(**errors: str) -> _Answer:
    return _Answer(400, {"errorMessages": [], "errors": errors})


def _message(status: int, message: str) -> _Answer:
    return _Answer(status, {"errorMessages": [message], "errors": {}})


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeJira) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.fake = fake


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"  # keep-alive, as Jira: a dropped connection is a real event

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.fake._handle(self.command, self.path, headers, raw)
        if answer is None:
            self.close_connection = True  # drop: the client sees the connection close unanswered
            return
        payload = json.dumps(answer.body).encode()
        try:
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json;charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up meanwhile

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet; `FakeJira.received` is the log


class FakeJira:
    """Jira Cloud on loopback with one project, OPS. See the module docstring for the rules."""

    def __init__(self) -> None:
        self.email = EMAIL
        self.api_token = API_TOKEN
        self.base_url = ""
        self.projects: dict[str, Project] = {}
        self._lock = threading.Lock()
        self._script: deque[_Failure] = deque()
        self._issues: list[Issue] = []
        self._received: list[Received] = []
        self._release = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.add_project(Project("OPS"))

    def start(self) -> FakeJira:
        self._server = _Server(self)
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="fake-jira", daemon=True
        )
        self._thread.start()
        return self

    def close(self) -> None:
        """Release hanging requests, then stop the server."""
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeJira:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- test controls --------------------------------------------------------------------------

    def add_project(self, project: Project) -> Project:
        """Add (or replace) a project, e.g. `Project("NOPRI", priority_on_screen=False)`."""
        with self._lock:
            self.projects[project.key] = project
            return project

    def rate_limit(self, times: int = 1, *, retry_after: str = "1", status: int = 429) -> None:
        """The next `times` requests answer `status` (429, or 503) with this Retry-After."""
        self._queue(times, _Failure("rate_limit", status, retry_after))

    def fail(self, times: int = 1, *, status: int = 500, retry_after: str | None = None) -> None:
        """The next `times` requests answer `status` with Jira's error JSON."""
        self._queue(times, _Failure("fail", status, retry_after))

    def hang(self, times: int = 1) -> None:
        """The next `times` requests get no answer until `release()` or close, then a drop."""
        self._queue(times, _Failure("hang"))

    def drop(self, times: int = 1) -> None:
        """The next `times` requests are read, not acted on, and the connection closed."""
        self._queue(times, _Failure("drop"))

    def drop_answer(self, times: int = 1) -> None:
        """The next `times` requests are acted on (an issue created), then the connection is
        closed before the answer: the client cannot tell whether it happened."""
        self._queue(times, _Failure("drop_answer"))

    def release(self) -> None:
        """Let every hanging request go (its connection is then closed unanswered)."""
        self._release.set()
        self._release = threading.Event()

    @property
    def issues(self) -> list[Issue]:
        """The created issues, oldest first."""
        with self._lock:
            return list(self._issues)

    @property
    def received(self) -> list[Received]:
        """Every request that arrived, oldest first, scripted failures included."""
        with self._lock:
            return list(self._received)

    def _queue(self, times: int, failure: _Failure) -> None:
        with self._lock:
            self._script.extend([failure] * times)

    # -- server threads -------------------------------------------------------------------------

    def _handle(
        self, method: str, target: str, headers: dict[str, str], raw: bytes
    ) -> _Answer | None:
        """The answer to one request, or None to close the connection without one."""
        url = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self._lock:
            failure = self._script.popleft() if self._script else None
            self._received.append(
                Received(method, url.path, query, body, failure.kind if failure else "answered")
            )
        if failure is not None and failure.kind != "drop_answer":
            return self._scripted(failure)
        answer = self._route(method, url.path, query, headers, raw)
        return None if failure is not None else answer

    def _scripted(self, failure: _Failure) -> _Answer | None:
        if failure.kind == "hang":
            self._release.wait(HANG_CAP_SECONDS)
        if failure.kind in ("hang", "drop"):
            return None
        headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
        reason = {429: "Rate limit exceeded.", 503: "Service Unavailable"}.get(failure.status)
        return _Answer(failure.status, _message(0, reason or "Internal server error").body, headers)

    def _route(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], raw: bytes
    ) -> _Answer:
        if not self._authenticated(headers.get("authorization", "")):
            return _message(
                401, "You are not authenticated. Authentication required to perform this operation."
            )
        if path == "/rest/api/3/issue":
            if method != "POST":
                return _message(405, f"Method {method} not allowed on {path}")
            if not headers.get("content-type", "").startswith("application/json"):
                return _message(415, "Unsupported Media Type")
            return self._create(raw)
        if path == "/rest/api/3/search/jql":
            if method != "GET":
                return _message(405, f"Method {method} not allowed on {path}")
            return self._search(query)
        if path == "/rest/api/3/search":
            return _message(410, "The requested API has been removed. Use /rest/api/3/search/jql.")
        return _message(404, f"No resource at {path}")

    def _authenticated(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        try:
            decoded = base64.b64decode(encoded, validate=True).decode()
        except ValueError:
            return False
        return scheme.lower() == "basic" and decoded == f"{self.email}:{self.api_token}"

    def _create(self, raw: bytes) -> _Answer:
        try:
            body = json.loads(raw)
        except ValueError as error:
            return _message(400, f"Unexpected character in the request body: {error}")
        fields = body.get("fields") if isinstance(body, dict) else None
        if not isinstance(fields, dict):
            return _message(400, "The request body must be a JSON object with fields.")
        with self._lock:
            project = self._project(fields.get("project"))
            if project is None:
                return _errors(project="valid project is required")
            errors = _field_errors(fields, project)
            if errors:
                return _errors(**errors)
            project.issued += 1
            issue = Issue(
                str(10000 + len(self._issues) + 1), f"{project.key}-{project.issued}", fields
            )
            self._issues.append(issue)
        self_url = f"{self.base_url}/rest/api/3/issue/{issue.id}"
        return _Answer(201, {"id": issue.id, "key": issue.key, "self": self_url})

    def _project(self, value: Any) -> Project | None:
        if not isinstance(value, dict):
            return None
        return self.projects.get(str(value.get("key", value.get("id", ""))))

    def _search(self, query: dict[str, str]) -> _Answer:
        match = LABELS_JQL.fullmatch(query.get("jql", ""))
        if match is None:
            return _message(400, 'The fake Jira supports only JQL of the form labels = "x".')
        label = re.sub(r"\\(.)", r"\1", match.group(1))
        try:
            limit = int(query.get("maxResults", "50"))
        except ValueError:
            return _message(400, "maxResults must be a number.")
        wanted = [f for f in query.get("fields", "").split(",") if f]
        with self._lock:
            found = [i for i in self._issues if label in (i.fields.get("labels") or [])]
        page = [self._found(issue, wanted) for issue in found[: max(limit, 0)]]
        return _Answer(200, {"issues": page, "isLast": len(found) <= limit})

    def _found(self, issue: Issue, wanted: list[str]) -> Json:
        if not wanted:
            return {"id": issue.id}
        every = "*all" in wanted or "*navigable" in wanted
        fields = {k: v for k, v in issue.fields.items() if every or k in wanted}
        return {
            "id": issue.id,
            "key": issue.key,
            "self": f"{self.base_url}/rest/api/3/issue/{issue.id}",
            "fields": fields,
        }


def _field_errors(fields: Json, project: Project) -> dict[str, str]:
    """Jira's complaints about `fields` for `project`, by field name; empty when valid."""
    settable = SETTABLE | ({"priority"} if project.priority_on_screen else set())
    errors = {name: NOT_ON_SCREEN.format(name) for name in fields if name not in settable}
    issue_type = fields.get("issuetype")
    if not isinstance(issue_type, dict):
        errors["issuetype"] = "Specify an issue type"
    elif issue_type.get("name") not in project.issue_types:
        errors["issuetype"] = "The issue type selected is invalid."
    summary = fields.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors["summary"] = "You must specify a summary of the issue."
    elif "\n" in summary or "\r" in summary:
        errors["summary"] = "The summary is invalid because it contains newline characters."
    elif len(summary.encode("utf-16-le")) // 2 > LENGTH_LIMIT:
        errors["summary"] = "Summary can't exceed 255 characters."
    if fields.get("description") is not None and not _is_document(fields["description"]):
        errors["description"] = NOT_ADF
    if fields.get("duedate") is not None and not _is_date(fields["duedate"]):
        errors["duedate"] = f"Error parsing date string: {fields['duedate']}"
    if (label_error := _label_error(fields.get("labels", []))) is not None:
        errors["labels"] = label_error
    priority = fields.get("priority")
    if "priority" in fields and "priority" in settable:
        name = priority.get("name") if isinstance(priority, dict) else None
        if name not in project.priorities:
            errors["priority"] = f"Priority name '{name}' is not valid"
    return errors


def _is_date(value: Any) -> bool:
    try:
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) and dt.date.fromisoformat(value))
    except (TypeError, ValueError):
        return False


def _label_error(labels: Any) -> str | None:
    if not isinstance(labels, list) or not all(isinstance(label, str) for label in labels):
        return "Specify the value for labels in an array of strings"
    for label in labels:
        if any(c.isspace() for c in label):
            return f"The label '{label}' contains spaces which is invalid."
        if len(label) > LENGTH_LIMIT:
            return f"The label '{label}' exceeds the {LENGTH_LIMIT} character limit."
    return None


def _is_document(doc: Any) -> bool:
    """Whether `doc` is ADF: a version 1 doc of block nodes, inline nodes only inside blocks."""
    return (
        isinstance(doc, dict)
        and doc.get("type") == "doc"
        and doc.get("version") == 1
        and isinstance(doc.get("content"), list)
        and all(_is_node(node, BLOCK) for node in doc["content"])
    )


def _is_node(node: Any, allowed: frozenset[str]) -> bool:
    if not isinstance(node, dict) or node.get("type") not in allowed:
        return False
    if node["type"] == "text":
        return isinstance(node.get("text"), str) and bool(node["text"])
    content = node.get("content", [])
    inner = INLINE if node["type"] in {"paragraph", "heading"} else BLOCK | INLINE
    return isinstance(content, list) and all(_is_node(child, inner) for child in content)
