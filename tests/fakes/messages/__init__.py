"""A loopback fake of the Anthropic Messages API (`POST /v1/messages`) for the real `anthropic` SDK.

It checks auth, validates bodies as the API does, answers from a script of outcomes (`Reply`,
`Text`, `Failure`, `Hang`) and records every request it accepts.

    with FakeAnthropic() as fake:
        client = Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        fake.script(Reply({"summary": "DB failover"}), Failure(529, "overloaded_error"))

Layout: what tests script and read back (`outcomes`); examples from a JSON Schema (`schema`);
request validation (`validation`); the answers sent, errors and messages (`responses`); the HTTP
server and the test-facing `FakeAnthropic` (`server`). Tests import it from
`tests.fakes.anthropic_api`.
"""

from .outcomes import Failure, Hang, Outcome, RecordedRequest, Reply, Text
from .schema import example_for
from .server import API_KEY, DEFAULT_MAX_BODY_BYTES, HANG_CAP_SECONDS, FakeAnthropic

__all__ = [
    "API_KEY",
    "DEFAULT_MAX_BODY_BYTES",
    "HANG_CAP_SECONDS",
    "Failure",
    "FakeAnthropic",
    "Hang",
    "Outcome",
    "RecordedRequest",
    "Reply",
    "Text",
    "example_for",
]
