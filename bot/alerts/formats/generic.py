"""Sitrep's own alert format, for anything that can send JSON.

One alert:

    {
      "title": "Checkout API returning 500s",     required
      "fingerprint": "checkout-5xx",               optional; the same alert sent again has the
                                                   same one (default: a hash of title and
                                                   service)
      "status": "firing" | "resolved",             default "firing"
      "severity": "critical",                      as your monitoring names it
      "service": "checkout",
      "description": "5xx ratio above 5% for 10 minutes",
      "labels": {"env": "prod", "region": "eu-west-1"},
      "links": [
        "https://grafana.example.com/d/checkout",
        {"url": "https://runbooks.example.com/checkout-5xx", "kind": "runbook",
         "title": "Runbook"}
      ],                                           kind: alert (the default), deploy, trace,
                                                   dashboard, ticket, runbook or link
      "started_at": "2026-05-01T12:00:00Z",        ISO 8601; without an offset, UTC
      "ended_at": "2026-05-01T12:30:00Z"           ISO 8601, for a resolved alert
    }

Several alerts at once, sent together because they belong together:

    {"alerts": [{...one alert...}, ...], "group_key": "checkout-errors"}

Limits: title 250 characters, description 3000, 100 labels of 200 characters, 10 links of
2000 characters, 200 alerts per request; longer text is cut, further items dropped. Only
absolute http(s) links are kept.
"""

from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field

from bot.alerts.events import AlertEvent, Notification
from bot.alerts.formats.common import (
    JsonObject,
    Model,
    Object,
    Status,
    Text,
    alert_event,
    as_list,
    iso_time,
    link,
    lowercase,
    make_labels,
    notification,
    one_line,
    validate,
)
from models import AlertStatus, LinkKind


def _url_or_object(value: object) -> object:
    if isinstance(value, str):
        return {"url": value}
    if isinstance(value, dict):
        return value
    raise ValueError("must be a URL or an object with a url")


def _not_blank(value: str) -> str:
    if not one_line(value, 1):
        raise ValueError("must not be empty")
    return value


class _Link(Model):
    url: Text
    kind: Annotated[LinkKind, BeforeValidator(lowercase)] = LinkKind.ALERT
    title: Text = ""


class _Alert(Model):
    title: Annotated[Text, AfterValidator(_not_blank)]
    fingerprint: Text = ""
    status: Status = AlertStatus.FIRING
    severity: Text = ""
    service: Text = ""
    description: Text = ""
    labels: Object = Field(default_factory=dict)
    links: Annotated[
        list[Annotated[_Link, BeforeValidator(_url_or_object)]], BeforeValidator(as_list)
    ] = Field(default_factory=list)
    started_at: object = None
    ended_at: object = None


class _Batch(Model):
    alerts: list[_Alert]
    group_key: Text = ""


def parse_generic(data: JsonObject) -> Notification:
    """Sitrep's own format: one alert, or {"alerts": [...], "group_key"} for several."""
    if "alerts" in data:
        batch = validate(_Batch, data)
        return notification("generic", (_event(each) for each in batch.alerts), batch.group_key)
    return notification("generic", [_event(validate(_Alert, data))])


def _event(alert: _Alert) -> AlertEvent:
    return alert_event(
        fingerprint=alert.fingerprint,
        status=alert.status,
        title=alert.title,
        description=alert.description,
        severity=alert.severity,
        service=alert.service,
        labels=make_labels(alert.labels.items()),
        links=(link(each.url, each.kind, each.title) for each in alert.links),
        started_at=iso_time(alert.started_at),
        ended_at=iso_time(alert.ended_at),
    )
