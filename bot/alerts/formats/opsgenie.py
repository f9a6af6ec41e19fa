"""Opsgenie's webhook: {"action", "alert": {...}, "source", "integrationName"}."""

from pydantic import Field

from bot.alerts.events import AlertEvent, BadPayload, Notification
from bot.alerts.formats.common import (
    JsonObject,
    Model,
    Object,
    Tags,
    Text,
    alert_event,
    epoch_ms_time,
    first_text,
    link,
    make_labels,
    notification,
    skipped,
    tag_labels,
    validate,
)
from models import AlertStatus, LinkKind

# Opening and closing are the alert's life; the other actions (Acknowledge, AddNote,
# Escalate...) are people working on it.
_STATUSES = {"create": AlertStatus.FIRING, "close": AlertStatus.RESOLVED}


class _Alert(Model):
    alert_id: Text = Field(default="", alias="alertId")
    alias: Text = ""
    message: Text = ""
    description: Text = ""
    priority: Text = ""
    entity: Text = ""
    tags: Tags = Field(default_factory=list)
    details: Object = Field(default_factory=dict)
    created_at: object = Field(default=None, alias="createdAt")


class _Webhook(Model):
    action: Text
    alert: JsonObject | None = None


def parse_opsgenie(data: JsonObject) -> Notification:
    """An Opsgenie webhook: Create and Close are one event; other actions are skipped."""
    hook = validate(_Webhook, data)
    status = _STATUSES.get(hook.action.strip().lower())
    if status is None:
        action = hook.action.strip() or "(none)"
        return skipped("opsgenie", f"Opsgenie action {action} is not acted on")
    if hook.alert is None:
        raise BadPayload("missing field: alert")
    alert = validate(_Alert, hook.alert, at=("alert",))
    if not (alert.alias.strip() or alert.alert_id.strip()):
        raise BadPayload("missing field: alert.alias or alert.alertId")
    return notification("opsgenie", [_event(alert, status)])


def _event(alert: _Alert, status: AlertStatus) -> AlertEvent:
    # Details are explicit key/value pairs, so they win over a tag of the same name.
    found = make_labels([*tag_labels(alert.tags), *alert.details.items()])
    return alert_event(
        fingerprint=alert.alias.strip() or alert.alert_id,
        status=status,
        title=first_text(alert.message, "Alert from Opsgenie"),
        description=alert.description,
        severity=alert.priority,
        service=first_text(found.get("service"), alert.entity),
        labels=found,
        links=(link(alert.details.get("url"), LinkKind.ALERT, "Source"),),
        started_at=epoch_ms_time(alert.created_at),
    )
