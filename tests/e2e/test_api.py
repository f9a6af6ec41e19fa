"""The REST API as another system uses it: a token, JSON over HTTP, and what then shows
in Slack. Runs on SQLite and PostgreSQL."""

import json
import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.action_items import NewItem
from bot.api_tokens import Issued
from bot.config import Policy
from bot.permissions import PermissionsPolicy
from models import ActionStatus, Status, TokenScope
from tests.e2e.conftest import Running
from tests.e2e.harness import eventually
from tests.e2e.test_startup import environment, run_app
from tests.fakes.slack_api import FakeSlack

YEAR = datetime.now(UTC).year
ADMIN = "U_CAROL"


@pytest.fixture
def policy(slack: FakeSlack) -> Policy:
    channel = slack.channel_by_name("incidents")
    assert channel is not None
    return Policy(announcements_channel=channel.id, permissions=PermissionsPolicy(admins=(ADMIN,)))


FIRST = f"INC-{YEAR}-0001"


@dataclass
class Answer:
    status: int
    body: Any
    headers: dict[str, str]


def call(
    running: Running,
    method: str,
    path: str,
    token: str | None,
    body: Any = None,
    headers: dict[str, str] | None = None,
) -> Answer:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{running.url}/api/v1{path}", data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return Answer(reply.status, json.loads(reply.read() or b"null"), dict(reply.headers))
    except urllib.error.HTTPError as error:
        return Answer(error.code, json.loads(error.read() or b"null"), dict(error.headers))


def token(
    running: Running, name: str = "deploy-bot", scope: TokenScope = TokenScope.WRITE, **more: Any
) -> str:
    """A token made by the operator (at the command line: see the admin command's test)."""
    issued: Issued = running.sitrep.deps.tokens.create(
        name, scope, more.get("private", False), None
    )
    return issued.secret


def declare(running: Running, secret: str, **body: Any) -> Answer:
    payload = {"title": "Checkout API returning 500s", "severity": "sev2", **body}
    return call(running, "POST", "/incidents", secret, payload)


def test_a_token_declares_an_incident_and_its_channel_appears_in_slack(running: Running) -> None:
    slack, secret = running.slack, token(running)

    answer = declare(running, secret, description="Errors <5%> & rising", services=["checkout"])

    assert answer.status == 201
    assert answer.body["ref"] == FIRST
    assert answer.body["status"] == "declared"
    assert answer.body["description"] == "Errors <5%> & rising"  # plain text back
    assert answer.headers["Location"] == f"/api/v1/incidents/{FIRST}"
    channel = slack.wait_for(
        lambda: slack.channel_by_name(f"inc-{YEAR}-0001-checkout-api-returning-500s")
    )
    [announcement] = slack.wait_for(lambda: slack.pins(channel.id))
    assert f"{FIRST}: Checkout API returning 500s" in json.dumps(announcement.blocks)
    shown = call(running, "GET", f"/incidents/{FIRST}", secret)
    assert shown.status == 200
    eventually(lambda: call(running, "GET", f"/incidents/{FIRST}", secret).body["channel_id"])


def test_a_retried_create_with_the_same_idempotency_key_declares_once(running: Running) -> None:
    secret = token(running)
    key = {"Idempotency-Key": "pipeline-run-4711"}
    payload = {"title": "Deploy broke login", "severity": "sev3"}

    first = call(running, "POST", "/incidents", secret, payload, key)
    again = call(running, "POST", "/incidents", secret, payload, key)
    other = call(running, "POST", "/incidents", secret, payload, {"Idempotency-Key": "run-4712"})

    assert (first.status, again.status, other.status) == (201, 200, 201)
    assert again.body["ref"] == first.body["ref"] != other.body["ref"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    listed = call(running, "GET", "/incidents", secret).body["incidents"]
    assert len(listed) == 2


def test_the_lifecycle_moves_through_the_state_machine_and_shows_in_the_channel(
    running: Running,
) -> None:
    slack, secret = running.slack, token(running)
    ref = declare(running, secret).body["ref"]
    channel = slack.wait_for(
        lambda: slack.channel_by_name(f"inc-{YEAR}-0001-checkout-api-returning-500s")
    )

    for status in ("investigating", "identified", "mitigated"):
        answer = call(running, "PATCH", f"/incidents/{ref}", secret, {"status": status})
        assert answer.status == 200, answer.body
        assert answer.body["status"] == status
    changed = call(
        running,
        "PATCH",
        f"/incidents/{ref}",
        secret,
        {"severity": "sev1", "title": "Checkout down", "commander": "U_BOB", "note": "spreading"},
    )
    assert changed.status == 200
    assert (changed.body["severity"], changed.body["title"]) == ("sev1", "Checkout down")
    assert changed.body["commander"] == "U_BOB"

    posted = slack.wait_for(
        lambda: [
            m for m in slack.messages(channel.id) if "renamed the incident" in json.dumps(m.blocks)
        ]
    )
    assert "*deploy-bot* (API)" in json.dumps(posted[0].blocks)
    assert slack.wait_for(lambda: "U_BOB" in slack.members(channel.id))

    resolved = call(
        running, "PATCH", f"/incidents/{ref}", secret, {"status": "resolved", "note": "Rolled back"}
    )
    assert resolved.status == 200
    assert resolved.body["resolution_summary"] == "Rolled back"
    assert resolved.body["resolved_at"] is not None


def test_an_illegal_transition_is_a_409_naming_the_legal_ones_and_changes_nothing(
    running: Running,
) -> None:
    secret = token(running)
    ref = declare(running, secret).body["ref"]

    answer = call(
        running, "PATCH", f"/incidents/{ref}", secret, {"status": "closed", "severity": "sev1"}
    )

    assert answer.status == 409
    error = answer.body["error"]
    assert error["code"] == "illegal_transition"
    assert error["details"]["current"] == "declared"
    assert "investigating" in error["details"]["legal"]
    assert "closed" not in error["details"]["legal"]
    after = call(running, "GET", f"/incidents/{ref}", secret).body
    assert (after["status"], after["severity"]) == ("declared", "sev2")


def test_closing_with_the_checklist_unfinished_is_a_409(running: Running) -> None:
    secret = token(running)
    ref = declare(running, secret).body["ref"]
    call(running, "PATCH", f"/incidents/{ref}", secret, {"status": "resolved", "note": "fixed"})

    answer = call(running, "PATCH", f"/incidents/{ref}", secret, {"status": "closed"})

    assert answer.status == 409
    assert answer.body["error"]["code"] == "conflict"
    assert "root cause" in answer.body["error"]["message"].lower()


def test_timeline_entries_are_read_and_added_under_the_tokens_name(running: Running) -> None:
    slack, secret = running.slack, token(running, "ci-pipeline")
    ref = declare(running, secret).body["ref"]
    channel = slack.wait_for(
        lambda: slack.channel_by_name(f"inc-{YEAR}-0001-checkout-api-returning-500s")
    )

    added = call(
        running, "POST", f"/incidents/{ref}/timeline", secret, {"text": "Rollback <started>"}
    )

    assert added.status == 201
    assert (added.body["kind"], added.body["author"]) == ("note", "api:ci-pipeline")
    assert added.body["text"] == "Rollback <started>"
    posted = slack.wait_for(
        lambda: [m for m in slack.messages(channel.id) if "Rollback" in json.dumps(m.blocks)]
    )
    shown = json.dumps(posted[0].blocks)
    assert "*ci-pipeline* (API)" in shown and "&lt;started&gt;" in shown
    timeline = call(running, "GET", f"/incidents/{ref}/timeline", secret).body["entries"]
    assert (timeline[0]["kind"], timeline[-1]["kind"]) == ("declared", "note")


def test_links_are_added_once(running: Running) -> None:
    secret = token(running)
    ref = declare(running, secret).body["ref"]
    link = {"url": "https://ci.example.com/deploys/881", "kind": "deploy", "title": "Deploy 881"}

    first = call(running, "POST", f"/incidents/{ref}/links", secret, link)
    again = call(running, "POST", f"/incidents/{ref}/links", secret, link)
    bad = call(running, "POST", f"/incidents/{ref}/links", secret, {"url": "javascript:alert(1)"})

    assert (first.status, again.status, bad.status) == (201, 200, 422)
    assert again.body["links"] == [
        {"kind": "deploy", "url": "https://ci.example.com/deploys/881", "title": "Deploy 881"}
    ]
    assert call(running, "GET", f"/incidents/{ref}/links", secret).body == again.body


def test_action_items_are_listed_read_and_completed(running: Running) -> None:
    secret = token(running)
    ref = declare(running, secret).body["ref"]
    deps = running.sitrep.deps
    incident = deps.incidents.named(ref)
    assert incident.id is not None

    item = deps.action_items.create(
        incident.id,
        "U_ALICE",
        NewItem(title="Add a canary stage", owner="U_BOB", due_on=deps.action_items.today()),
    )

    listed = call(running, "GET", f"/incidents/{ref}/action-items", secret)
    assert [i["title"] for i in listed.body["action_items"]] == ["Add a canary stage"]
    done = call(
        running,
        "PATCH",
        f"/action-items/{item.id}",
        secret,
        {"status": "done", "note": "https://git.example.com/pr/12"},
    )
    assert done.status == 200
    assert done.body["status"] == "done"
    assert deps.action_items.get(item.id or 0).status is ActionStatus.DONE
    twice = call(
        running, "PATCH", f"/action-items/{item.id}", secret, {"status": "cancelled", "note": "x"}
    )
    assert twice.status == 409
    assert call(running, "GET", "/action-items/999999", secret).status == 404


def test_the_postmortem_is_read_once_drafted(running: Running) -> None:
    secret = token(running)
    ref = declare(running, secret).body["ref"]

    assert call(running, "GET", f"/incidents/{ref}/postmortem", secret).status == 404
    eventually(lambda: call(running, "GET", f"/incidents/{ref}", secret).body["channel_id"])
    call(running, "PATCH", f"/incidents/{ref}", secret, {"status": "resolved", "note": "fixed"})

    def drafted() -> bool:
        answer = call(running, "GET", f"/incidents/{ref}/postmortem", secret)
        return answer.status == 200 and bool(answer.body["markdown"])

    eventually(drafted)
    record = call(running, "GET", f"/incidents/{ref}/postmortem", secret).body
    assert record["status"] == "draft"
    assert "Checkout API returning 500s" in record["markdown"]


def test_metrics_are_the_numbers_of_incident_stats(running: Running) -> None:
    secret = token(running)
    for title in ("One", "Two"):
        declare(running, secret, title=title, services=["checkout"])

    answer = call(running, "GET", "/metrics?range=7d&service=checkout", secret)

    assert answer.status == 200, answer.body
    current = answer.body["current"]
    assert current["incidents"] == 2
    assert current["by_severity"] == {"sev2": 2}
    assert set(current["measures"]) >= {"to_acknowledge", "to_resolve"}
    assert answer.body["previous"]["incidents"] == 0
    assert call(running, "GET", "/metrics?range=1y", secret).status == 422


def test_listing_filters_and_pages_with_a_cursor(running: Running) -> None:
    secret = token(running)
    for number in range(5):
        severity = "sev1" if number % 2 else "sev3"
        declare(running, secret, title=f"Incident {number}", severity=severity)

    page = call(running, "GET", "/incidents?limit=2", secret).body
    seen = [i["title"] for i in page["incidents"]]
    while page["next_cursor"]:
        page = call(running, "GET", f"/incidents?limit=2&cursor={page['next_cursor']}", secret).body
        seen += [i["title"] for i in page["incidents"]]
    assert seen == [f"Incident {n}" for n in (4, 3, 2, 1, 0)]
    sev1 = call(running, "GET", "/incidents?severity=sev1", secret).body["incidents"]
    assert [i["title"] for i in sev1] == ["Incident 3", "Incident 1"]
    declared = call(running, "GET", "/incidents?status=declared&status=resolved", secret).body
    assert len(declared["incidents"]) == 5
    later = call(running, "GET", "/incidents?declared_after=2999-01-01T00:00:00Z", secret).body
    assert later["incidents"] == []
    assert call(running, "GET", "/incidents?cursor=bogus", secret).status == 422
    assert call(running, "GET", "/incidents?status=nonsense", secret).status == 422


def test_no_token_or_a_bad_or_revoked_one_is_401_and_read_only_is_403(running: Running) -> None:
    writer = token(running, "writer")
    reader = token(running, "reader", TokenScope.READ)

    assert call(running, "GET", "/incidents", None).status == 401
    assert call(running, "GET", "/incidents", "sitrep_not-a-token").status == 401
    refused = declare(running, reader)
    assert refused.status == 403
    assert refused.body["error"]["code"] == "forbidden"
    assert call(running, "GET", "/incidents", reader).status == 200
    assert call(running, "GET", "/incidents", reader).body["incidents"] == []

    running.sitrep.deps.tokens.revoke("writer", None)
    answer = declare(running, writer)
    assert answer.status == 401
    assert answer.headers.get("Www-Authenticate") == "Bearer"


def test_private_incidents_are_seen_only_by_tokens_granted_private_access(
    running: Running,
) -> None:
    plain = token(running, "plain")
    trusted = token(running, "trusted", private=True)
    ref = declare(running, trusted, title="Payroll data exposure", private=True).body["ref"]

    assert call(running, "GET", f"/incidents/{ref}", plain).status == 404
    assert call(running, "GET", f"/incidents/{ref}/timeline", plain).status == 404
    assert call(running, "PATCH", f"/incidents/{ref}", plain, {"severity": "sev1"}).status == 404
    assert call(running, "GET", "/incidents", plain).body["incidents"] == []
    assert call(running, "GET", "/metrics?range=7d", plain).body["current"]["incidents"] == 0
    assert call(running, "GET", f"/incidents/{ref}", trusted).status == 200
    assert call(running, "GET", "/metrics?range=7d", trusted).body["current"]["incidents"] == 1


def test_every_route_hides_a_private_incident_and_its_items_from_other_tokens(
    running: Running,
) -> None:
    plain = token(running, "plain")
    trusted = token(running, "trusted", private=True)
    ref = declare(running, trusted, title="Payroll data exposure", private=True).body["ref"]
    incident = running.sitrep.deps.incidents.named(ref)
    item = running.sitrep.deps.action_items.create(
        incident.id or 0, "U_ALICE", NewItem("Rotate the payroll keys")
    )
    link = {"url": "https://ci.example.com/runs/1", "kind": "deploy"}
    done = {"status": "done", "note": "rotated"}

    hidden = [
        ("GET", f"/incidents/{ref}/links", None),
        ("POST", f"/incidents/{ref}/links", link),
        ("POST", f"/incidents/{ref}/timeline", {"text": "seen from outside"}),
        ("GET", f"/incidents/{ref}/action-items", None),
        ("GET", f"/incidents/{ref}/postmortem", None),
        ("GET", f"/action-items/{item.id}", None),
        ("PATCH", f"/action-items/{item.id}", done),
    ]
    for method, path, body in hidden:
        answer = call(running, method, path, plain, body)
        assert answer.status == 404, (method, path, answer.body)
        assert "Payroll" not in json.dumps(answer.body)
    listed = call(running, "GET", "/incidents?status=declared&severity=sev2", plain)
    assert listed.body["incidents"] == []
    assert call(running, "GET", f"/incidents/{ref}/links", trusted).status == 200
    assert call(running, "GET", f"/action-items/{item.id}", trusted).status == 200
    timeline = running.sitrep.deps.incidents.timeline(incident.id or 0)
    assert not [e for e in timeline if "seen from outside" in e.text]  # nothing was written


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"title": "", "severity": "sev2"}, "invalid_request"),
        ({"title": "x" * 201, "severity": "sev2"}, "invalid_request"),
        ({"title": "A", "severity": "sev9"}, "rejected"),
        ({"title": "A", "severity": "sev2", "commander": "bob"}, "invalid_request"),
        ({"title": "A", "severity": "sev2", "surprise": 1}, "invalid_request"),
        (
            {"title": "A", "severity": "sev2", "impact_started_at": "2999-01-01T00:00:00Z"},
            "rejected",
        ),
        ([1, 2], "invalid_request"),
    ],
)
def test_invalid_bodies_are_422_in_one_error_shape_and_declare_nothing(
    running: Running, body: Any, code: str
) -> None:
    secret = token(running)

    answer = call(running, "POST", "/incidents", secret, body)

    assert answer.status == 422
    assert answer.body["error"]["code"] == code
    assert answer.body["error"]["message"]
    assert call(running, "GET", "/incidents", secret).body["incidents"] == []


def test_malformed_requests_are_4xx(running: Running) -> None:
    secret = token(running)
    raw = urllib.request.Request(
        f"{running.url}/api/v1/incidents",
        data=b"{not json",
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as bad_json:
        urllib.request.urlopen(raw, timeout=10)
    assert bad_json.value.code == 400
    text = urllib.request.Request(
        f"{running.url}/api/v1/incidents",
        data=b"title=x",
        method="POST",
        headers={"Authorization": f"Bearer {secret}", "Content-Type": "text/plain"},
    )
    with pytest.raises(urllib.error.HTTPError) as bad_type:
        urllib.request.urlopen(text, timeout=10)
    assert bad_type.value.code == 415
    assert call(running, "DELETE", "/incidents", secret).status == 405
    assert call(running, "GET", "/nothing-here", secret).status == 404
    assert call(running, "GET", "/incidents/INC-1999-0001", secret).status == 404


def test_the_openapi_document_and_its_page_are_served(running: Running) -> None:
    with urllib.request.urlopen(f"{running.url}/api/v1/openapi.json", timeout=10) as reply:
        document = json.loads(reply.read())
    assert document["openapi"].startswith("3.")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {"createIncident", "updateIncident", "listTimeline", "getMetrics"} <= operations
    with urllib.request.urlopen(f"{running.url}/api/v1/docs", timeout=10) as reply:
        page = reply.read().decode()
    assert "POST" in page and "/api/v1/incidents" in page


def test_the_state_machine_status_values_are_the_documented_enum(running: Running) -> None:
    with urllib.request.urlopen(f"{running.url}/api/v1/openapi.json", timeout=10) as reply:
        document = json.loads(reply.read())
    assert document["components"]["schemas"]["Status"]["enum"] == [s.value for s in Status]


def test_an_admin_creates_a_token_in_slack_and_curl_can_use_it(running: Running) -> None:
    driver = running.driver

    refused = driver.command("admin token create pipeline write", user="U_ALICE")
    created = driver.command("admin token create pipeline write", user=ADMIN)

    assert "only Sitrep's admins" in refused.json["text"]
    assert created.json["response_type"] == "ephemeral"
    shown = json.dumps(created.json["blocks"])
    [secret] = re.findall(r"sitrep_[A-Za-z0-9_-]{40,}", shown)
    answer = declare(running, secret)
    assert answer.status == 201
    audit = running.sitrep.deps.audit.find(
        ADMIN, running.sitrep.deps.audit.query(answer.body["ref"])
    )
    declared = [e for e in audit if e.action == "declared"]
    assert [(e.actor, e.surface) for e in declared] == [("api:pipeline", "api")]
    listed = driver.command("admin token list", user=ADMIN)
    assert "pipeline" in json.dumps(listed.json["blocks"])
    assert secret not in json.dumps(listed.json)
    driver.command("admin token revoke pipeline", user=ADMIN)
    assert declare(running, secret).status == 401
    shown = driver.command("admin audit 7d", user=ADMIN).text
    assert "*api_token_created*" in shown and "*api_token_revoked*" in shown
    assert "pipeline" in shown and secret not in shown
    audit = running.sitrep.deps.audit
    tokens = [e for e in audit.find(ADMIN, audit.query("7d")) if "api_token" in e.action]
    assert [(e.actor, e.action, e.surface, e.target, e.details) for e in tokens] == [
        (ADMIN, "api_token_revoked", "slash_command", "pipeline", {"scope": "write",
                                                                   "private": False}),
        (ADMIN, "api_token_created", "slash_command", "pipeline", {"scope": "write",
                                                                   "private": False}),
    ]  # fmt: skip
    assert "token" in driver.command("admin token destroy all", user=ADMIN).json["text"]


def test_the_operator_manages_tokens_at_the_command_line(
    running: Running, database_url: str, tmp_path: Path
) -> None:
    env = environment(DATABASE_URL=database_url)

    created = run_app("token", "create", "warehouse", "--scope", "write", env=env, cwd=tmp_path)

    assert created.returncode == 0, created.stderr
    secret = created.stdout.strip()
    assert call(running, "GET", "/incidents", secret).status == 200
    listed = run_app("token", "list", env=env, cwd=tmp_path)
    assert listed.stdout.split() == ["warehouse", "write", "private=False"]
    assert secret not in listed.stdout
    again = run_app("token", "create", "warehouse", env=env, cwd=tmp_path)
    assert again.returncode == 2 and "already exists" in again.stderr
    assert run_app("token", "revoke", "warehouse", env=env, cwd=tmp_path).returncode == 0
    assert call(running, "GET", "/incidents", secret).status == 401
    audit = running.sitrep.deps.audit
    logged = [
        (e.actor, e.action, e.surface, e.target, e.details)
        for e in audit.find(ADMIN, audit.query("7d"))
        if e.action.startswith("api_token")
    ]  # the refused second creation: no row
    details = {"scope": "write", "private": False}
    assert logged == [
        (None, "api_token_revoked", "cli", "warehouse", details),
        (None, "api_token_created", "cli", "warehouse", details),
    ]
