"""The fake Anthropic behaves like the Messages API, checked through the real `anthropic` SDK."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

import anthropic
import jsonschema
import pydantic
import pytest
from anthropic import Anthropic
from anthropic.types import Message, MessageParam, ToolParam

from tests.fakes.anthropic_api import (
    Failure,
    FakeAnthropic,
    Hang,
    Reply,
    Text,
    example_for,
)

MODEL = "claude-sonnet-4-6"
HELLO: list[MessageParam] = [{"role": "user", "content": "Summarise incident 42"}]


class Severity(StrEnum):
    SEV1 = "sev1"
    SEV2 = "sev2"


class Action(pydantic.BaseModel):
    owner: str = pydantic.Field(min_length=3)
    done: bool
    due: datetime | None = None


class Summary(pydantic.BaseModel):
    title: str
    severity: Severity
    phase: Literal["investigating", "mitigated", "resolved"]
    impacted: int = pydantic.Field(ge=1)
    actions: list[Action] = pydantic.Field(min_length=1)
    lead: Action | None = None
    tags: list[str] = []


class Thread(pydantic.BaseModel):
    """Refers to itself, so examples must stop somewhere."""

    text: str
    replies: list[Thread] = []
    parent: Thread | None = None


SUMMARY = {
    "title": "Checkout API returning 500s",
    "severity": "sev2",
    "phase": "mitigated",
    "impacted": 3,
    "actions": [{"owner": "alice", "done": False, "due": None}],
    "lead": None,
    "tags": ["payments"],
}
RECORD_SUMMARY: ToolParam = {
    "name": "record_summary",
    "description": "Record the incident summary",
    "input_schema": Summary.model_json_schema(),
}


@pytest.fixture
def fake() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def client(fake: FakeAnthropic) -> Anthropic:
    return Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)


def text_of(message: Message) -> str:
    """The text of a one-block text answer."""
    [block] = message.content
    assert block.type == "text", block
    return block.text


def post_raw(fake: FakeAnthropic, body: Any, **headers: str) -> tuple[int, Any]:
    """POST to the fake without the SDK, for what the SDK would never send."""
    request = urllib.request.Request(
        f"{fake.base_url}/v1/messages", json.dumps(body).encode(), headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


# -- answers --------------------------------------------------------------------------------------


def test_structured_output_parses_into_the_scripted_data(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.script(Reply(SUMMARY))
    message = client.messages.parse(
        model=MODEL, max_tokens=1024, messages=HELLO, output_format=Summary
    )
    assert message.parsed_output == Summary.model_validate(SUMMARY)
    assert message.model == MODEL
    assert message.stop_reason == "end_turn"
    assert message.id.startswith("msg_")
    assert message.usage.input_tokens > 0


def test_unscripted_structured_output_is_made_up_from_the_schema(client: Anthropic) -> None:
    message = client.messages.parse(
        model=MODEL, max_tokens=1024, messages=HELLO, output_format=Summary
    )
    assert isinstance(message.parsed_output, Summary)
    assert message.parsed_output.actions, "minItems respected"


def test_forced_tool_use_answers_a_tool_use_block_with_the_scripted_input(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.script(Reply(SUMMARY))
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        messages=HELLO,
        tools=[RECORD_SUMMARY],
        tool_choice={"type": "tool", "name": "record_summary"},
    )
    [block] = message.content
    assert block.type == "tool_use"
    assert (block.name, block.input) == ("record_summary", SUMMARY)
    assert block.id.startswith("toolu_")
    assert message.stop_reason == "tool_use"


def test_any_tool_choice_with_no_script_makes_up_input_valid_for_the_schema(
    client: Anthropic,
) -> None:
    message = client.messages.create(
        model=MODEL,
        max_tokens=1024,
        messages=HELLO,
        tools=[RECORD_SUMMARY],
        tool_choice={"type": "any"},
    )
    [block] = message.content
    assert block.type == "tool_use"
    Summary.model_validate(block.input)


def test_without_schema_or_forced_tool_the_answer_is_plain_text(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.script(Reply({"verdict": "sev2"}))
    first = client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    second = client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert [text_of(first), text_of(second)] == ['{"verdict": "sev2"}', "OK"]


def test_default_answers_once_the_script_runs_out(fake: FakeAnthropic, client: Anthropic) -> None:
    fake.default = Text("default answer")
    fake.script(Text("scripted answer"))
    answers = [client.messages.create(model=MODEL, max_tokens=64, messages=HELLO) for _ in "abc"]
    assert [text_of(a) for a in answers] == [
        "scripted answer",
        "default answer",
        "default answer",
    ]


def test_text_can_be_cut_off_at_max_tokens(fake: FakeAnthropic, client: Anthropic) -> None:
    fake.script(Text('{"title": "Checkout', stop_reason="max_tokens"))
    message = client.messages.create(model=MODEL, max_tokens=8, messages=HELLO)
    assert (message.stop_reason, text_of(message)) == ("max_tokens", '{"title": "Checkout')


def test_non_json_text_makes_parse_raise_pydantic_validation_error(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    # The SDK does not wrap it: a bad structured answer surfaces as pydantic's own error.
    fake.script(Text("not json"))
    with pytest.raises(pydantic.ValidationError, match="json_invalid"):
        client.messages.parse(model=MODEL, max_tokens=1024, messages=HELLO, output_format=Summary)


def test_json_that_breaks_the_schema_makes_parse_raise_validation_error(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.script(Reply({"title": "no other fields"}))
    with pytest.raises(pydantic.ValidationError, match="severity"):
        client.messages.parse(model=MODEL, max_tokens=1024, messages=HELLO, output_format=Summary)


# -- failures -------------------------------------------------------------------------------------


def test_a_wrong_key_is_refused_and_consumes_nothing(fake: FakeAnthropic) -> None:
    fake.script(Text("kept for later"))
    wrong = Anthropic(base_url=fake.base_url, api_key="sk-ant-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as raised:
        wrong.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert raised.value.type == "authentication_error"
    assert fake.requests == []
    status, body = post_raw(
        fake,
        {"model": MODEL, "max_tokens": 64, "messages": HELLO},
        **{"x-api-key": fake.api_key, "anthropic-version": "2023-06-01"},
    )
    assert (status, body["content"][0]["text"]) == (200, "kept for later")


def test_failure_500_raises_internal_server_error_with_a_request_id(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.script(Failure(500))
    with pytest.raises(anthropic.InternalServerError) as raised:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert type(raised.value) is anthropic.InternalServerError
    assert raised.value.type == "api_error"
    assert (raised.value.request_id or "").startswith("req_")


def test_failure_529_raises_overloaded_error(fake: FakeAnthropic, client: Anthropic) -> None:
    fake.script(Failure(529, "overloaded_error", "Overloaded"))
    with pytest.raises(anthropic.OverloadedError) as raised:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert (raised.value.status_code, raised.value.api_message) == (529, "Overloaded")


def test_rate_limit_carries_retry_after(fake: FakeAnthropic, client: Anthropic) -> None:
    fake.script(Failure(429, "rate_limit_error", "Slow down", retry_after=2))
    with pytest.raises(anthropic.RateLimitError) as raised:
        client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert raised.value.response.headers["retry-after"] == "2"


def test_rate_limited_request_is_retried_and_the_next_outcome_answers(fake: FakeAnthropic) -> None:
    # retry-after 0 makes the SDK fall back to its ~0.5 s backoff; 10 ms keeps the test fast.
    fake.script(Failure(429, "rate_limit_error", retry_after=0.01), Text("second time lucky"))
    retrying = Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=1)
    message = retrying.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    assert text_of(message) == "second time lucky"
    retries = [r.headers["x-stainless-retry-count"] for r in fake.wait_for_requests(2)]
    assert retries == ["0", "1"]


def test_hung_request_times_out_and_its_thread_ends_when_the_client_leaves(
    fake: FakeAnthropic,
) -> None:
    fake.script(Hang())
    impatient = Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=0, timeout=0.5)
    with pytest.raises(anthropic.APITimeoutError):
        impatient.messages.create(model=MODEL, max_tokens=64, messages=HELLO)
    # No release(): the held thread notices the closed connection by itself.
    fake.wait_for(lambda: fake.held == 0, timeout=2)
    assert text_of(impatient.messages.create(model=MODEL, max_tokens=64, messages=HELLO)) == "OK"


def test_released_request_gets_its_then_answer(fake: FakeAnthropic, client: Anthropic) -> None:
    fake.script(Hang(then=Text("late but here")))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.messages.create, model=MODEL, max_tokens=64, messages=HELLO)
        fake.wait_for(lambda: fake.held == 1, timeout=2)
        fake.release()
        assert text_of(pending.result(timeout=5)) == "late but here"


def test_reset_forgets_script_default_and_requests_and_releases_held_ones(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    fake.default = Text("changed default")
    fake.script(Hang(then=Failure(503, "api_error")), Text("never used"))
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(client.messages.create, model=MODEL, max_tokens=64, messages=HELLO)
        fake.wait_for(lambda: fake.held == 1, timeout=2)
        fake.reset()
        with pytest.raises(anthropic.InternalServerError):
            pending.result(timeout=5)
    assert fake.requests == []
    assert text_of(client.messages.create(model=MODEL, max_tokens=64, messages=HELLO)) == "OK"


# -- invalid requests -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"messages": []}, "at least one"),
        ({"messages": [{"role": "assistant", "content": "Hi"}]}, "first message"),
        ({"messages": [*HELLO, *HELLO]}, "alternate"),
        ({"messages": [{"role": "user", "content": []}]}, "content"),
        ({"max_tokens": 0}, "max_tokens"),
        ({"system": [{"type": "image"}]}, "system"),
        ({"tools": [{"name": "bad name!", "input_schema": {"type": "object"}}]}, "tools.0.name"),
        ({"tools": [{"name": "t", "input_schema": {"type": "array"}}]}, "input_schema"),
        ({"tools": [RECORD_SUMMARY], "tool_choice": {"type": "tool", "name": "x"}}, "named 'x'"),
        ({"tool_choice": {"type": "any"}}, "requires tools"),
        ({"tool_choice": {"type": "maybe"}}, "tool_choice.type"),
        ({"output_config": {"format": {"type": "json_object"}}}, "output_config.format"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_invalid_request_is_refused_with_400(
    fake: FakeAnthropic, client: Anthropic, overrides: dict[str, Any], complaint: str
) -> None:
    body = {"model": MODEL, "max_tokens": 64, "messages": HELLO} | overrides
    with pytest.raises(anthropic.BadRequestError, match=complaint) as raised:
        client.post("/v1/messages", body=body, cast_to=object)
    assert raised.value.type == "invalid_request_error"
    assert fake.requests == []


def test_the_sdk_does_not_stop_max_tokens_zero_so_the_fake_does(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    with pytest.raises(anthropic.BadRequestError, match="max_tokens"):
        client.messages.create(model=MODEL, max_tokens=0, messages=HELLO)


def test_missing_version_header_is_refused(fake: FakeAnthropic) -> None:
    status, body = post_raw(
        fake, {"model": MODEL, "max_tokens": 64, "messages": HELLO}, **{"x-api-key": fake.api_key}
    )
    assert status == 400
    assert body["error"]["type"] == "invalid_request_error"
    assert "anthropic-version" in body["error"]["message"]


def test_unknown_path_is_an_anthropic_shaped_404(client: Anthropic) -> None:
    with pytest.raises(anthropic.NotFoundError) as raised:
        client.get("/v1/models", cast_to=object)
    assert raised.value.body == {
        "type": "error",
        "error": {"type": "not_found_error", "message": "Not found: GET /v1/models"},
    }


def test_a_body_over_the_limit_is_refused_with_413() -> None:
    with FakeAnthropic(max_body_bytes=1_000) as small:
        client = Anthropic(base_url=small.base_url, api_key=small.api_key, max_retries=0)
        big: list[MessageParam] = [{"role": "user", "content": "x" * 2_000}]
        with pytest.raises(anthropic.ContentTooLargeError) as raised:
            client.messages.create(model=MODEL, max_tokens=64, messages=big)
    # The SDK's ErrorType literal lacks "request_too_large", so read it from the message.
    assert raised.value.status_code == 413
    assert "'type': 'request_too_large'" in str(raised.value)


# -- recording ------------------------------------------------------------------------------------


def test_recorded_request_exposes_headers_body_and_prompt_text(
    fake: FakeAnthropic, client: Anthropic
) -> None:
    client.messages.create(
        model=MODEL,
        max_tokens=64,
        system=[{"type": "text", "text": "You write incident summaries."}],
        messages=[
            {"role": "user", "content": "Timeline: 10:02 alerts fired"},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": [{"type": "text", "text": "Now summarise."}]},
        ],
    )
    [request] = fake.wait_for_requests(1)
    assert request.headers["anthropic-version"]
    assert request.body["model"] == MODEL
    assert fake.prompt_text(request) == (
        "You write incident summaries.\n\nTimeline: 10:02 alerts fired\n\nNoted.\n\nNow summarise."
    )


def test_waiting_for_requests_that_never_come_fails_the_test(fake: FakeAnthropic) -> None:
    with pytest.raises(AssertionError, match="expected 1 requests, got 0"):
        fake.wait_for_requests(1, timeout=0.05)


# -- examples from schemas -----------------------------------------------------------------------


@pytest.mark.parametrize("model", [Summary, Thread, Action])
@pytest.mark.parametrize("transform", [False, True], ids=["pydantic", "sdk-transformed"])
def test_example_is_valid_for_the_schema_and_the_model(
    model: type[pydantic.BaseModel], transform: bool
) -> None:
    schema = model.model_json_schema()
    if transform:
        schema = anthropic.transform_schema(schema)
    example = example_for(schema)
    jsonschema.validate(example, schema)
    model.model_validate(example)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "string", "enum": ["b", "a"]}, "b"),
        ({"const": 7}, 7),
        ({"type": "string", "minLength": 12}, "examplexxxxx"),
        ({"type": "integer", "minimum": 5}, 5),
        ({"type": "number", "exclusiveMinimum": 0.5}, 1.5),
        ({"type": "array", "items": {"type": "boolean"}, "minItems": 2}, [True, True]),
        ({"type": "null"}, None),
        ({"oneOf": [{"type": "integer"}, {"type": "string"}]}, 1),
        (
            {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"properties": {"b": {}}}]},
            {"a": 1, "b": None},
        ),
        (
            {"$ref": "#/definitions/X", "definitions": {"X": {"type": "string", "format": "uuid"}}},
            "00000000-0000-4000-8000-000000000000",
        ),
    ],
)
def test_example_for_keeps_to_each_keyword(schema: dict[str, Any], expected: Any) -> None:
    assert example_for(schema) == expected
