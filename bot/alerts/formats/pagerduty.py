"""PagerDuty's v3 webhooks: {"event": {"event_type", "resource_type", "occurred_at", "data"}}."""

from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator, Field

from bot.alerts.events import AlertEvent, BadPayload, Notification
from bot.alerts.formats.common import (
    JsonObject,
    Model,
    Text,
    alert_event,
    as_list,
    first_text,
    iso_time,
    link,
    make_labels,
    notification,
    skipped,
    validate,
)
from models import AlertStatus, LinkKind

# Only these say an incident started or stopped; the rest (acknowledged, escalated,
# priority_updated, annotated...) change nothing Sitrep tracks of the alert.
_STATUSES = {
    "incident.triggered": AlertStatus.FIRING,
    "incident.reopened": AlertStatus.FIRING,
    "incident.resolved": AlertStatus.RESOLVED,
}


class _Reference(Model):
    summary: Text = ""


class _Bridge(Model):
    conference_url: object = None


class _Incident(Model):
    id: Text
    title: Text = ""
    number: Text = ""
    html_url: object = None
    incident_key: Text = ""
    urgency: Text = ""
    created_at: object = None
    service: _Reference | None = None
    priority: _Reference | None = None
    escalation_policy: _Reference | None = None
    teams: Annotated[list[_Reference], BeforeValidator(as_list)] = Field(default_factory=list)
    conference_bridge: _Bridge | None = None


class _Event(Model):
    event_type: Text
    resource_type: Text = ""
    occurred_at: object = None
    data: object = None


class _Webhook(Model):
    event: _Event


def parse_pagerduty(data: JsonObject) -> Notification:
    """A PagerDuty v3 webhook: an incident triggered, reopened or resolved is one event; any
    other event is skipped."""
    event = validate(_Webhook, data).event
    kind = event.event_type.strip()
    status = _STATUSES.get(kind)
    if event.resource_type.strip() not in ("", "incident") or status is None:
        return skipped("pagerduty", f"PagerDuty event {kind or '(no type)'} is not acted on")
    if event.data is None:
        raise BadPayload("missing field: event.data")
    incident = validate(_Incident, event.data, at=("event", "data"))
    if not incident.id.strip():
        raise BadPayload("missing field: event.data.id")
    ended_at = iso_time(event.occurred_at) if status is AlertStatus.RESOLVED else None
    return notification("pagerduty", [_event(incident, status, ended_at)])


def _event(incident: _Incident, status: AlertStatus, ended_at: datetime | None) -> AlertEvent:
    priority = incident.priority.summary if incident.priority else ""
    bridge = incident.conference_bridge.conference_url if incident.conference_bridge else None
    return alert_event(
        fingerprint=incident.id,
        status=status,
        title=first_text(incident.title, _numbered(incident.number), "Alert from PagerDuty"),
        severity=first_text(priority, incident.urgency),
        service=incident.service.summary if incident.service else "",
        labels=make_labels(_labels(incident)),
        links=(
            link(incident.html_url, LinkKind.ALERT, "PagerDuty incident"),
            link(bridge, LinkKind.OTHER, "Conference bridge"),
        ),
        started_at=iso_time(incident.created_at),
        ended_at=ended_at,
    )


def _labels(incident: _Incident) -> list[tuple[str, object]]:
    teams = ", ".join(team.summary.strip() for team in incident.teams if team.summary.strip())
    policy = incident.escalation_policy.summary if incident.escalation_policy else ""
    pairs = [
        ("urgency", incident.urgency),
        ("incident_key", incident.incident_key),
        ("teams", teams),
        ("escalation_policy", policy),
        ("number", incident.number),
    ]
    # An empty value says nothing; leave the label out.
    return [(key, value) for key, value in pairs if value.strip()]


def _numbered(number: str) -> str:
    return f"PagerDuty incident #{number.strip()}" if number.strip() else ""
