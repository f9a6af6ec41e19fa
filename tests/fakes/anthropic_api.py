"""Where tests import the fake Anthropic Messages API from: `FakeAnthropic`, the outcomes it is
scripted with, the requests it records and `example_for`, re-exported from the
`tests.fakes.messages` package (its docstring describes the fake).

    with FakeAnthropic() as fake:
        client = Anthropic(base_url=fake.base_url, api_key=fake.api_key, max_retries=0)
        fake.script(Reply({"summary": "DB failover"}), Failure(529, "overloaded_error"))
"""

from .messages import (
    API_KEY,
    DEFAULT_MAX_BODY_BYTES,
    HANG_CAP_SECONDS,
    Failure,
    FakeAnthropic,
    Hang,
    Outcome,
    RecordedRequest,
    Reply,
    Text,
    example_for,
)

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
