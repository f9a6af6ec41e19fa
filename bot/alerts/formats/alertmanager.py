"""Alertmanager's webhook (version 4), and Grafana's, which copies it and adds a few URLs."""

from pydantic import Field

from bot.alerts.events import AlertEvent, BadPayload, Notification
from bot.alerts.formats.common import (
    JsonObject,
    Model,
    Object,
    Status,
    Text,
    alert_event,
    first_text,
    iso_time,
    labels_digest,
    link,
    make_labels,
    notification,
    one_line,
    validate,
)
from models import AlertStatus, LinkKind


class _Alert(Model):
    status: Status
    labels: Object = Field(default_factory=dict)
    annotations: Object = Field(default_factory=dict)
    starts_at: object = Field(default=None, alias="startsAt")
    ends_at: object = Field(default=None, alias="endsAt")
    generator_url: object = Field(default=None, alias="generatorURL")
    fingerprint: Text = ""
    # Grafana's; its silenceURL is for silencing, not for reading about the alert.
    dashboard_url: object = Field(default=None, alias="dashboardURL")
    panel_url: object = Field(default=None, alias="panelURL")


class _Message(Model):
    version: Text = ""
    group_key: Text = Field(default="", alias="groupKey")
    alerts: list[_Alert]


def parse_alertmanager(data: JsonObject) -> Notification:
    """An Alertmanager webhook: one event per alert; refuses versions other than 4."""
    message = validate(_Message, data)
    if message.version.strip() not in ("", "4"):
        raise BadPayload(
            f"unsupported Alertmanager webhook version {one_line(message.version, 20)}"
        )
    return _notification("alertmanager", message)


def parse_grafana(data: JsonObject) -> Notification:
    """A Grafana webhook (Alertmanager's shape, version 1): one event per alert."""
    return _notification("grafana", validate(_Message, data))


def _notification(source: str, message: _Message) -> Notification:
    vendor = "Grafana" if source == "grafana" else "Alertmanager"
    events = (_event(alert, vendor) for alert in message.alerts)
    return notification(source, events, message.group_key)


def _event(alert: _Alert, vendor: str) -> AlertEvent:
    found = make_labels(alert.labels.items())
    notes = alert.annotations
    resolved = alert.status is AlertStatus.RESOLVED
    return alert_event(
        fingerprint=alert.fingerprint.strip() or labels_digest(found),
        status=alert.status,
        title=first_text(
            notes.get("summary"),
            notes.get("title"),
            found.get("alertname"),
            f"Alert from {vendor}",
        ),
        description=first_text(notes.get("description"), notes.get("message")),
        severity=found.get("severity") or found.get("priority", ""),
        service=found.get("service", ""),
        alertname=found.get("alertname", ""),
        labels=found,
        links=(
            link(alert.generator_url, LinkKind.ALERT, "Source"),
            link(notes.get("runbook_url"), LinkKind.RUNBOOK, "Runbook"),
            link(notes.get("dashboard_url"), LinkKind.DASHBOARD, "Dashboard"),
            link(notes.get("dashboard"), LinkKind.DASHBOARD, "Dashboard"),
            link(alert.dashboard_url, LinkKind.DASHBOARD, "Dashboard"),
            link(alert.panel_url, LinkKind.DASHBOARD, "Panel"),
        ),
        started_at=iso_time(alert.starts_at),
        # A firing alert's endsAt is when it would time out (or Go's zero time), not an end.
        ended_at=iso_time(alert.ends_at) if resolved else None,
    )
