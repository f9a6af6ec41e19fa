"""Bad input gets a clear, friendly answer and changes nothing; nothing gets a 500."""

import json
import socket
import time
import urllib.request
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import USAGE
from models import Status
from tests.e2e.conftest import Running
from tests.e2e.harness import sign
from tests.e2e.test_declare import FIRST, declare


def nothing_declared(running: Running) -> bool:
    return running.sitrep.deps.incidents.list_incidents(include_resolved=True) == []


@pytest.mark.parametrize(
    ("text", "says", "usage"),
    [
        ("frobnicate now", "I don't know `frobnicate`", "/incident declare"),
        (
            "declare sev9 Everything",
            "`sev9` is not a severity. Use one of SEV1, SEV2, SEV3, SEV4",
            "/incident declare",
        ),
        ("status", "Which status?", "/incident status"),
        ("role commander", "Name a role and a person", "/incident role"),
        ("show INC-2026-9999", "I can't find an incident called `INC-2026-9999`", ""),
        ("status mitigated", "This isn't an incident channel", "/incident status"),
        ("note " + "x" * 5000, "commands take at most 3000", ""),
        ("oncall", "No on-call schedules are configured yet", ""),
        ("oncall take", "No on-call schedules are configured yet", ""),
    ],
)
def test_bad_commands_get_a_friendly_private_answer(
    running: Running, text: str, says: str, usage: str
) -> None:
    reply = running.driver.command(text)
    assert reply.status == 200
    assert reply.json["response_type"] == "ephemeral"
    assert says in reply.text
    assert usage in reply.text
    assert nothing_declared(running)
    assert running.slack.calls_to("chat.postMessage") == []


def test_a_bad_command_changes_nothing_on_an_incident(running: Running) -> None:
    channel = declare(running)
    before = running.sitrep.deps.incidents.find(FIRST, None)
    posted = len(running.slack.calls_to("chat.postMessage"))
    for text in ("sev 9", "status sideways", "role boss <@U_BOB>", "close", "reopen"):
        reply = running.driver.command(text, channel=channel)
        assert reply.json["response_type"] == "ephemeral", text
    incident = running.sitrep.deps.incidents.find(FIRST, None)
    assert (incident.status, incident.severity, incident.version) == (
        Status.DECLARED,
        "sev2",
        before.version,
    )
    assert len(running.slack.calls_to("chat.postMessage")) == posted


def test_a_click_outside_an_incident_channel_is_answered(running: Running) -> None:
    channel = declare(running)
    [pinned] = running.slack.pins(channel)
    payload = running.slack.click(channel, pinned.ts, "incident.claim_commander", "U_BOB")
    payload["channel"] = {"id": running.general, "name": "general"}
    reply = running.driver.interact(payload)
    assert reply.status == 200
    assert running.slack.wait_for(
        lambda: [r for r in running.slack.responses() if "This isn't an incident channel" in r.text]
    )


def test_a_bad_signature_is_refused(running: Running) -> None:
    body = urlencode(
        running.slack.slash_command(
            "/incident", "declare sev1 x", user="U_ALICE", channel=running.general
        )
    ).encode()
    reply = running.driver.post(body, "application/x-www-form-urlencoded", signature="v0=bad")
    assert reply.status == 401
    forged = running.driver.post(
        body,
        "application/x-www-form-urlencoded",
        signature=sign(body, int(time.time()), secret="not-ours"),
    )
    assert forged.status == 401
    assert nothing_declared(running)


def test_a_stale_timestamp_is_refused_as_a_replay(running: Running) -> None:
    body = urlencode(
        running.slack.slash_command(
            "/incident", "declare sev1 x", user="U_ALICE", channel=running.general
        )
    ).encode()
    old = int(time.time()) - 60 * 10
    reply = running.driver.post(
        body, "application/x-www-form-urlencoded", timestamp=old, signature=sign(body, old)
    )
    assert reply.status == 401
    assert nothing_declared(running)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=", "application/x-www-form-urlencoded"),
        (b"{not json", "application/json"),
        (b"[1, 2, 3]", "application/json"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
    ids=[
        "bad-payload-json",
        "empty-payload",
        "bad-json",
        "json-array",
        "payload-array",
        "not-utf8",
    ],
)
def test_malformed_bodies_get_a_400(running: Running, body: bytes, content_type: str) -> None:
    reply = running.driver.post(body, content_type)
    assert reply.status == 400
    assert json.loads(reply.body)["error"] == "malformed_body"


def test_a_signed_payload_missing_fields_is_answered_not_crashed(running: Running) -> None:
    reply = running.driver.interact(
        {
            "type": "block_actions",
            "actions": [{"action_id": "incident.claim_commander", "type": "button"}],
        }
    )
    assert reply.status == 400  # Slack always says who clicked
    event = running.driver.event({"type": "message", "text": "no channel, no ts"})
    assert event.status == 200
    assert nothing_declared(running)


def test_an_oversized_body_gets_a_413(running: Running) -> None:
    body = urlencode({"payload": "x" * (2 * 1024 * 1024)}).encode()
    reply = running.driver.post(body, "application/x-www-form-urlencoded")
    assert reply.status == 413


def test_a_truncated_body_does_not_harm_the_server(running: Running) -> None:
    host, port = running.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(
            b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 500\r\n\r\n{"type": "event_ca'
        )
        raw.shutdown(socket.SHUT_WR)
        answer = raw.recv(1024)
    assert not answer.startswith(b"HTTP/1.1 5")
    assert running.driver.command("help").status == 200
    assert nothing_declared(running)


def test_other_paths_and_methods_are_4xx_and_readiness_is_reported(running: Running) -> None:
    with urllib.request.urlopen(running.url + "/readyz", timeout=5) as response:
        assert response.status == 200
        assert json.loads(response.read())["database"] == "ok"
    for path, method, expected in (("/nope", "GET", 404), ("/slack/events", "GET", 405)):
        request = urllib.request.Request(running.url + path, method=method)
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=5)
        assert error.value.code == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    text=st.one_of(
        st.text(max_size=300),
        st.builds(
            " ".join,
            st.lists(
                st.sampled_from(
                    [
                        *USAGE,
                        "sev2",
                        "INC-2026-0001",
                        "mitigated",
                        "<@U_BOB>",
                        "<!channel>",
                        "*bold*",
                        "&amp;",
                        "\u202e",
                        "'; DROP TABLE incident; --",
                        "\x00",
                    ]
                ),
                max_size=6,
            ),
        ),
    )
)
def test_any_command_text_gets_an_answer_never_an_error(running: Running, text: str) -> None:
    reply = running.driver.command(text)
    assert reply.status == 200
    assert reply.body == "" or reply.json.get("text")
    assert "Something went wrong" not in reply.body
