"""What an outgoing webhook says: which event a timeline entry is, the JSON sent for it, and
its signature. Pure."""

import hashlib
import hmac
import json
from collections.abc import Collection
from datetime import datetime
from typing import Any

from bot.webhooks.policy import WebhookEvent
from models import EntryKind, Incident, Status, TimelineEntry

# The timeline kinds that can be an event: planning reads only these.
EVENT_KINDS = (
    EntryKind.DECLARED,
    EntryKind.STATUS_CHANGED,
    EntryKind.SEVERITY_CHANGED,
    EntryKind.POSTMORTEM,
    EntryKind.ACTION_ITEM,
)
_ITEM_VERBS = {
    "added": WebhookEvent.ACTION_ITEM_CREATED,
    "completed": WebhookEvent.ACTION_ITEM_COMPLETED,
}
_FINAL = {Status.RESOLVED: WebhookEvent.RESOLVED, Status.CLOSED: WebhookEvent.CLOSED}


def event_of(entry: TimelineEntry, wanted: Collection[WebhookEvent]) -> WebhookEvent | None:
    """The event `entry` is for an endpoint subscribed to `wanted`, or None. A move to
    resolved or closed is `incident.resolved`/`incident.closed` where subscribed, else
    `incident.status_changed`: one event per entry, never both."""
    event: WebhookEvent | None
    match entry.kind:
        case EntryKind.DECLARED:
            event = WebhookEvent.DECLARED
        case EntryKind.SEVERITY_CHANGED:
            event = WebhookEvent.SEVERITY_CHANGED
        case EntryKind.STATUS_CHANGED:
            final = _FINAL.get(Status(entry.data.get("to", Status.DECLARED)))
            event = final if final in wanted else WebhookEvent.STATUS_CHANGED
        case EntryKind.POSTMORTEM if entry.data.get("event") == "published":
            event = WebhookEvent.POSTMORTEM_PUBLISHED
        case EntryKind.ACTION_ITEM if entry.data.get("verb") in _ITEM_VERBS:
            event = _ITEM_VERBS[entry.data["verb"]]
        case _:
            return None
    return event if event in wanted else None


def payload(
    event: WebhookEvent, delivery_id: str, entry: TimelineEntry, incident: Incident
) -> dict[str, Any]:
    """The JSON body (see README, *Outgoing webhooks*): the event, its delivery ID, when it
    happened, the incident as it stood when the event was queued, and what changed."""
    return {
        "type": event.value,
        "delivery_id": delivery_id,
        "occurred_at": _iso(entry.occurred_at),
        "actor": entry.author,
        "incident": {
            "id": incident.id,
            "ref": incident.ref,
            "title": incident.title,
            "severity": incident.severity,
            "status": incident.status.value,
            "private": incident.private,
            "services": list(incident.services),
            "channel_id": incident.channel_id,
            "declared_at": _iso(incident.declared_at),
        },
        "data": _data(event, entry),
    }


def _data(event: WebhookEvent, entry: TimelineEntry) -> dict[str, Any]:
    data = entry.data
    match event:
        case WebhookEvent.DECLARED:
            return {"severity": data.get("severity")}
        case WebhookEvent.SEVERITY_CHANGED:
            return {"from": data.get("from"), "to": data.get("to"), "reason": data.get("reason")}
        case WebhookEvent.STATUS_CHANGED | WebhookEvent.RESOLVED | WebhookEvent.CLOSED:
            return {"from": data.get("from"), "to": data.get("to"), "note": data.get("note")}
        case WebhookEvent.POSTMORTEM_PUBLISHED:
            return {"url": data.get("url")}
    keys = ("item", "title", "owner", "due_on", "priority", "evidence")
    item = {key: data.get(key) for key in keys}
    item["id"] = item.pop("item")
    return {"action_item": item}


def body_of(document: dict[str, Any]) -> bytes:
    """The bytes sent: the same on every retry of a delivery."""
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Sitrep-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" keyed by the secret>`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
