"""Jira Cloud as the IssueTracker, through its REST API (v3): an action item becomes an issue
that carries the item's label, so a create whose answer was lost is found instead of repeated."""

import math
import re
import time
from collections.abc import Callable
from types import MappingProxyType
from typing import Any, Final

import httpx2

from bot.errors import ExportFailed
from bot.ports import ExternalIssue, IssueRequest

PRIORITIES: Final = MappingProxyType({"p0": "Highest", "p1": "High", "p2": "Medium", "p3": "Low"})
LENGTH_LIMIT: Final = 255  # of a summary or a label, in UTF-16 units (Java's String.length)
DEFAULT_WAIT: Final = 1.0  # seconds, for a 429/503 without a usable Retry-After


class JiraTracker:
    """IssueTracker on one Jira Cloud project; every failure is an ExportFailed in plain words."""

    def __init__(
        self,
        base_url: str,
        email: str,
        api_token: str,
        project: str,
        issue_type: str = "Task",
        *,
        timeout: float = 10.0,
        max_retries: int = 2,
        max_wait: float = 10.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._base = base_url.rstrip("/")
        self._project = project
        self._issue_type = issue_type
        self._timeout = timeout
        self._max_retries = max_retries
        self._max_wait = max_wait  # a longer Retry-After is reported, not slept through
        self._sleep = sleep
        # The token lives only in the client's auth, never in a message or this object's repr.
        self._client = httpx2.Client(
            auth=(email, api_token), timeout=timeout, headers={"Accept": "application/json"}
        )

    def close(self) -> None:
        """Closes the pooled connections."""
        self._client.close()

    def create_issue(self, request: IssueRequest) -> ExternalIssue:
        """Creates the issue; ExportFailed if Jira refuses, fails, or may have lost the answer."""
        fields = self._fields(request)
        response = self._send("POST", "/rest/api/3/issue", json={"fields": fields})
        refused = _body(response).get("errors") if response.status_code == 400 else None
        if "priority" in fields and isinstance(refused, dict) and "priority" in refused:
            # Many projects leave Priority off the create screen; the issue matters more.
            del fields["priority"]
            response = self._send("POST", "/rest/api/3/issue", json={"fields": fields})
        key = str(self._expect(response, 201, "the issue")["key"])
        return ExternalIssue(key=key, url=f"{self._base}/browse/{key}")

    def find_issue(self, label: str) -> ExternalIssue | None:
        """The issue carrying `label` (as create_issue wrote it), or None."""
        escaped = _label(label).replace("\\", "\\\\").replace('"', '\\"')
        params = {"jql": f'labels = "{escaped}"', "fields": "summary", "maxResults": "1"}
        response = self._send("GET", "/rest/api/3/search/jql", params=params)
        issues = self._expect(response, 200, "the search").get("issues") or []
        if not issues:
            return None
        key = str(issues[0]["key"])
        return ExternalIssue(key=key, url=f"{self._base}/browse/{key}")

    def _fields(self, request: IssueRequest) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "project": {"key": self._project},
            "issuetype": {"name": self._issue_type},
            "summary": _clip(" ".join(request.summary.split()), LENGTH_LIMIT),
            "duedate": request.due_on.isoformat(),
        }
        labels = [_label(text) for text in (request.label, *request.labels)]
        fields["labels"] = list(dict.fromkeys(label for label in labels if label))
        if request.description.strip():
            fields["description"] = _document(request.description)
        if priority := PRIORITIES.get(request.priority.lower()):
            fields["priority"] = {"name": priority}
        return fields

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        """Jira's answer, after waiting out short rate limits and retrying dropped reads."""
        attempt = 0
        while True:
            last = attempt >= self._max_retries
            attempt += 1
            try:
                response = self._client.request(method, self._base + path, **kwargs)
            except httpx2.TransportError as error:
                # A create may have reached Jira before the failure: repeating it could make a
                # second issue, so only reads are retried (the label lets a caller find it).
                if method != "GET" or last:
                    sent = not isinstance(error, httpx2.ConnectError | httpx2.ConnectTimeout)
                    raise ExportFailed(
                        self._unreachable(error, method), uncertain=sent and method == "POST"
                    ) from None
                continue
            if response.status_code not in (429, 503):
                return response
            wait = _retry_after(response)
            if last or wait > self._max_wait:
                busy = "rate limiting" if response.status_code == 429 else "unavailable"
                raise ExportFailed(f"Jira is {busy}; try again in {_seconds(wait)}.")
            self._sleep(wait)

    def _unreachable(self, error: httpx2.TransportError, method: str) -> str:
        if isinstance(error, httpx2.ConnectError | httpx2.ConnectTimeout):
            reason = re.sub(r"^\[Errno -?\d+\] ", "", str(error)) or "no connection"
            return f"I couldn't reach Jira at {self._base}: {reason[0].lower()}{reason[1:]}."
        if isinstance(error, httpx2.TimeoutException):
            what = f"Jira at {self._base} didn't answer within {self._timeout:g} seconds"
        else:
            what = f"Jira at {self._base} dropped the connection before answering"
        return what + ("; the issue may exist already." if method == "POST" else ".")

    def _expect(self, response: httpx2.Response, status: int, what: str) -> dict[str, Any]:
        """The JSON body of an answer with `status`; otherwise ExportFailed saying why."""
        body = _body(response)
        if response.status_code == status and body:
            return body
        code, detail = response.status_code, _detail(body)
        known = {
            status: f"Jira answered {what} with something I couldn't read.",
            400: f"Jira refused {what}: {detail or 'it gave no reason.'}",
            401: "Jira rejected the credentials (401): check JIRA_EMAIL and JIRA_API_TOKEN.",
            403: f"Jira refused access (403): {detail or 'the account lacks permission.'}",
            404: f"Jira has nothing at {self._base} for {what} (404): check the Jira URL.",
        }
        other = f"Jira answered {code} to {what}: {detail or 'it gave no reason.'}"
        failed = f"Jira failed ({code}); try again later."
        raise ExportFailed(known.get(code, failed if code >= 500 else other))


def _body(response: httpx2.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _detail(body: dict[str, Any]) -> str:
    """Jira's errorMessages and per-field errors as one sentence, or ""."""
    parts = [str(m) for m in body.get("errorMessages") or []]
    errors = body.get("errors")
    if isinstance(errors, dict):
        parts += [f"{field}: {message}" for field, message in errors.items()]
    text = "; ".join(p.strip() for p in parts if p.strip())
    return text + ("" if not text or text[-1] in ".!?" else ".")


def _retry_after(response: httpx2.Response) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return DEFAULT_WAIT  # absent, or an HTTP date, which Jira does not send


def _seconds(wait: float) -> str:
    whole = math.ceil(wait)
    return "a moment" if whole < 1 else f"{whole} second{'s' if whole > 1 else ''}"


def _label(text: str) -> str:
    """Jira labels may not contain whitespace: runs of it become one hyphen."""
    return "-".join(text.split())[:LENGTH_LIMIT]


def _clip(text: str, limit: int) -> str:
    """`text` in at most `limit` UTF-16 units, ending in an ellipsis when cut."""
    if len(text.encode("utf-16-le")) <= 2 * limit:
        return text
    text = text[: limit - 1]
    while len(text.encode("utf-16-le")) > 2 * (limit - 1):
        text = text[:-1]
    return text.rstrip() + "…"


def _document(text: str) -> dict[str, Any]:
    """`text` as Atlassian Document Format: a paragraph per blank-line-separated block."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        content: list[dict[str, Any]] = []
        for line in block.splitlines():
            if content:
                content.append({"type": "hardBreak"})
            if line:
                content.append({"type": "text", "text": line})
        paragraphs.append({"type": "paragraph", "content": content})
    return {"type": "doc", "version": 1, "content": paragraphs}
