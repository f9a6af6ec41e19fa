"""Which event a timeline entry is for an endpoint, and the signature receivers check."""

import hashlib
import hmac
from datetime import UTC, datetime

import pytest

from bot.config import Policy
from bot.errors import ConfigError
from bot.webhooks.events import body_of, event_of, signature
from bot.webhooks.policy import OutgoingWebhooks, WebhookEndpointPolicy, WebhookEvent
from models import EntryKind, TimelineEntry

AT = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
ALL = tuple(WebhookEvent)


def entry(kind: EntryKind, **data: object) -> TimelineEntry:
    return TimelineEntry.model_validate(
        {"incident_id": 1, "kind": kind, "occurred_at": AT, "data": data}
    )


@pytest.mark.parametrize(
    ("made", "wanted", "event"),
    [
        (entry(EntryKind.DECLARED), ALL, WebhookEvent.DECLARED),
        (entry(EntryKind.STATUS_CHANGED, to="mitigated"), ALL, WebhookEvent.STATUS_CHANGED),
        (entry(EntryKind.STATUS_CHANGED, to="resolved"), ALL, WebhookEvent.RESOLVED),
        (entry(EntryKind.STATUS_CHANGED, to="closed"), ALL, WebhookEvent.CLOSED),
        # Not subscribed to resolved: the move is still a status change.
        (entry(EntryKind.STATUS_CHANGED, to="resolved"), (WebhookEvent.STATUS_CHANGED,),
         WebhookEvent.STATUS_CHANGED),
        (entry(EntryKind.STATUS_CHANGED, to="closed"), (WebhookEvent.DECLARED,), None),
        (entry(EntryKind.SEVERITY_CHANGED), ALL, WebhookEvent.SEVERITY_CHANGED),
        (entry(EntryKind.POSTMORTEM, event="published"), ALL, WebhookEvent.POSTMORTEM_PUBLISHED),
        (entry(EntryKind.POSTMORTEM, event="drafted"), ALL, None),
        (entry(EntryKind.ACTION_ITEM, verb="added"), ALL, WebhookEvent.ACTION_ITEM_CREATED),
        (entry(EntryKind.ACTION_ITEM, verb="completed"), ALL, WebhookEvent.ACTION_ITEM_COMPLETED),
        (entry(EntryKind.ACTION_ITEM, verb="reassigned"), ALL, None),
        (entry(EntryKind.MESSAGE), ALL, None),
    ],
)  # fmt: skip
def test_each_entry_is_at_most_one_event(
    made: TimelineEntry, wanted: tuple[WebhookEvent, ...], event: WebhookEvent | None
) -> None:
    assert event_of(made, wanted) == event


def test_the_signature_is_the_documented_hmac_over_timestamp_and_body() -> None:
    body = body_of({"type": "incident.declared", "b": [1, 2], "a": "é"})
    assert body == body_of({"a": "é", "b": [1, 2], "type": "incident.declared"})  # stable
    expected = hmac.new(b"s3cret", b"1764000000." + body, hashlib.sha256).hexdigest()
    assert signature("s3cret", 1764000000, body) == f"t=1764000000,v1={expected}"


def test_an_endpoint_needs_one_secret_and_a_named_variable_must_be_set() -> None:
    with pytest.raises(ValueError, match="either secret"):
        WebhookEndpointPolicy(name="w", url="https://example.com/h")
    endpoint = WebhookEndpointPolicy(name="w", url="https://example.com/h", secret_env="HOOK")
    assert endpoint.read_secret({"HOOK": " abc "}) == "abc"
    with pytest.raises(ConfigError, match="HOOK is not set"):
        endpoint.read_secret({})
    with pytest.raises(ValueError, match=r"incident\.opened"):
        Policy.model_validate(
            {"outgoing_webhooks": {"endpoints": [
                {"name": "w", "url": "https://example.com/h", "secret": "x" * 16,
                 "events": ["incident.opened"]}]}}
        )  # fmt: skip


def test_backoff_doubles_up_to_its_limit() -> None:
    hooks = OutgoingWebhooks(retry_seconds=30, retry_max_seconds=100)
    assert [hooks.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 100, 100]
